# SPDX-License-Identifier: GPL-2.0
#
# The machine changed between two kernels: the handover names devices
# that are no longer what, or where, they were.
#
#   boot 1 stage 0  edu devices A (04.0) and B (05.0) preserved, kexec
#   boot 1 stage 1  a kernel without live update reboots; the records
#                   stay in RAM
#   boot 2          cold boot on the same RAM, an e1000e at A's address
#                   and nothing at B's: A's record is refused before it
#                   could pin the NIC to the test driver, lunic cold-
#                   probes the NIC; B's record is reported and its memory
#                   returned at finish; nothing of the old kernel is held
#
# qemu@1: -device edu,addr=04.0,dma_mask=0xffffffff
# qemu@1: -device edu,addr=05.0,dma_mask=0xffffffff
# qemu@2: -device e1000e,romfile=,addr=04.0
# boots: 2
# timeout: 240
# results: 10

. /lu/lib.sh

A=0000:00:04.0
B=0000:00:05.0
LU=/sys/kernel/pci_liveupdate
REGION=$(sed -n 's/.*memmap=\([^ ]*\).*/\1/p' /proc/cmdline)

load1()
{
	lu_bind pci_lu_test $A $B &&
		insmod /lu/modules/pci_lu.ko region="$REGION" &&
		insmod /lu/modules/pci_lu_test.ko
}

case "$BOOT.$STAGE" in
1.0)
	lu_check "boot 1: modules load" load1 || exit 1
	lu_check "boot 1: preserve A and B" sh -c "echo $A >$LU/preserve && echo $B >$LU/preserve"
	lu_kexec
	;;
1.1)
	lu_log "a kernel without live update: ordinary reboot"
	lu_reboot
	;;
2.*)
	lu_check "boot 2: modules load" sh -c \
		"insmod /lu/modules/pci_lu.ko region='$REGION' &&
		 insmod /lu/modules/pci_lu_test.ko && insmod /lu/modules/lunic.ko" ||
		exit 1
	lu_expect_dmesg "boot 2: record of a swapped device refused" \
		"$A: live update record refused: record is for 1234:11e8 .*, device is 8086:10d3"
	lu_expect_dmesg "boot 2: record of a missing device reported" \
		"$B: preserved by the previous kernel but not present"
	if grep -q pci_lu_test /sys/bus/pci/devices/$A/driver_override; then
		lu_fail "boot 2: the new device is not pinned to the old driver" \
			"driver_override is pci_lu_test"
	else
		lu_ok "boot 2: the new device is not pinned to the old driver"
	fi
	# Given to its own driver by name, as any device is (lu_bind).
	lu_bind lunic $A
	lu_expect_dmesg "boot 2: its own driver cold-probes it" "lunic $A.*probe: reset"
	lu_check "boot 2: finish" sh -c "echo 1 >$LU/finish"
	lu_expect_dmesg "boot 2: the missing device's memory returned" \
		"$B: released 8 KiB of the previous kernel's memory \(finish\)"
	held=0
	used=0
	for d in $LU/devices/*; do
		held=$((held + $(cat "$d/incoming_memory")))
		used=$((used + $(cat "$d/memory")))
	done
	if [ $held -eq 0 ] && [ "$(cat $LU/region_used)" -eq $used ]; then
		lu_ok "boot 2: nothing of the old kernel held"
	else
		lu_fail "boot 2: nothing of the old kernel held" \
			"$held bytes held, region_used $(cat $LU/region_used), devices use $used"
	fi
	;;
*)
	lu_fail "boot $BOOT stage $STAGE" "a stage this scenario does not have"
	;;
esac
