# SPDX-License-Identifier: GPL-2.0
#
# 'make demo': one live update of two QEMU edu devices driven by the test
# driver, with the core's sysfs view before and after. (The NVMe and NIC
# drivers will take over this demo once they exist.)
#
# qemu: -device edu,addr=04.0,dma_mask=0xffffffff
# qemu: -device edu,addr=05.0,dma_mask=0xffffffff
# timeout: 120

. /lu/lib.sh

LU=/sys/kernel/pci_liveupdate
REGION=$(sed -n 's/.*memmap=\([^ ]*\).*/\1/p' /proc/cmdline)

show()
{
	lu_log "state=$(cat $LU/state) generation=$(cat $LU/generation)"
	for d in $LU/devices/*; do
		lu_log "  $(basename "$d"): $(cat "$d"/status) preserved=$(cat "$d"/preserved) memory=$(cat "$d"/memory) $(cat "$d"/reason)"
	done
}

load()
{
	insmod /lu/modules/pci_lu.ko region="$REGION" &&
		lu_bind pci_lu_test 0000:00:04.0 0000:00:05.0 &&
		insmod /lu/modules/pci_lu_test.ko
}

case $STAGE in
0)
	lu_check "load the core and the edu driver" load || exit 1
	show
	for d in 0000:00:04.0 0000:00:05.0; do
		lu_check "preserve $d" sh -c "echo $d >$LU/preserve"
	done
	show
	lu_kexec
	;;
1)
	lu_check "load the core and the edu driver" load || exit 1
	show
	lu_expect_dmesg "both devices retrieved running" \
		"05.0: retrieved from live update"
	lu_check "finish" sh -c "echo 1 >$LU/finish"
	show
	;;
esac
