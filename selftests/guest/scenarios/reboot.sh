# SPDX-License-Identifier: GPL-2.0
#
# A stale handover after a cold reboot is not trusted. The core cannot
# tell it from a kexec when the kernel in between never loaded it, so the
# driver's own check of the device against the record must catch it:
#
#   boot 1 stage 0  preserve A, kexec
#   boot 1 stage 1  a kernel that does not use live update reboots
#   boot 2          cold boot on the same RAM: the record is still there,
#                   the device was reset by the reboot; retrieve() refuses,
#                   probe() runs
#
# qemu: -device edu,addr=04.0,dma_mask=0xffffffff
# boots: 2
# timeout: 180
# results: 8

. /lu/lib.sh

A=0000:00:04.0
LU=/sys/kernel/pci_liveupdate
REGION=$(sed -n 's/.*memmap=\([^ ]*\).*/\1/p' /proc/cmdline)

load()
{
	insmod /lu/modules/pci_lu.ko region="$REGION" &&
		lu_bind pci_lu_test $A && insmod /lu/modules/pci_lu_test.ko
}

case "$BOOT.$STAGE" in
1.0)
	lu_check "boot 1: modules load" load || exit 1
	lu_check "boot 1: preserve A" sh -c "echo $A >$LU/preserve"
	lu_kexec
	;;
1.1)
	lu_log "a kernel without live update: ordinary reboot"
	lu_reboot
	;;
2.*)
	lu_check "boot 2: modules load" load || exit 1
	lu_expect_dmesg "boot 2: stale handover found in RAM" \
		"incoming handover: generation 1, 1 device"
	lu_expect_dmesg "boot 2: driver sees the device was reset" \
		"$A: lu_test: retrieve: factorial 0, record says [0-9]+: not the device we froze"
	lu_expect_dmesg "boot 2: core logs the fallback" \
		"$A: retrieve failed \(-ENODEV\); cold probe with reset"
	lu_expect_dmesg "boot 2: cold probe" "$A: lu_test: probe"
	if [ "$(cat $LU/devices/$A/status)" = probed ]; then
		lu_ok "boot 2: A is probed"
	else
		lu_fail "boot 2: A is probed" "status $(cat $LU/devices/$A/status)"
	fi
	;;
*)
	lu_fail "boot $BOOT stage $STAGE" "a stage this scenario does not have"
	;;
esac
