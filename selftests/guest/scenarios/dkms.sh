# SPDX-License-Identifier: GPL-2.0
#
# The modules as a machine installs them: built and installed by DKMS
# (scripts/dkms-test, which selftests/run runs just before this scenario),
# loaded in the VM.
#
#   0  loading lunvme and lunic takes neither the NVMe controller nor the
#      NIC; named with driver_override they bind; no fault injection in
#      this build; a pattern is written to the disk; NVMe preserved, kexec
#   1  the DKMS lunvme retrieves the controller and the pattern reads
#      back; the NIC, not preserved, waits to be named again, then is
#      probed
#
# qemu: -device nvme,id=nvme0,serial=lunvme-dkms0,addr=06.0
# qemu: -device nvme-ns,drive=d0,bus=nvme0,nsid=1
# qemu: -netdev hubport,id=n0,hubid=0
# qemu: -device e1000e,netdev=n0,romfile=,addr=07.0
# disk: d0 16M
# image: --kmod nvme-core --dir build/dkms/modules:lu/dkms
# timeout: 300
# results: 18

. /lu/lib.sh

NVME=0000:00:06.0
NIC=0000:00:07.0
DEV=/dev/nvme0n1
DKMS=/lu/dkms
REGION=$(sed -n 's/.*memmap=\([^ ]*\).*/\1/p' /proc/cmdline)

load()
{
	modprobe nvme-core &&
		insmod $DKMS/pci_lu.ko region="$REGION" &&
		insmod $DKMS/lunvme.ko && insmod $DKMS/lunic.ko
}

# expect_driver DESC BDF DRIVER: DRIVER empty for none.
expect_driver()
{
	local drv=
	[ -e "/sys/bus/pci/devices/$2/driver" ] &&
		drv=$(basename "$(readlink "/sys/bus/pci/devices/$2/driver")")
	if [ "$drv" = "$3" ]; then
		lu_ok "stage $STAGE: $1"
	else
		lu_fail "stage $STAGE: $1" "bound to '$drv'"
	fi
}

wait_disk()
{
	local i=0
	while [ ! -b $DEV ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -b $DEV ]
}

case $STAGE in
0)
	lu_check "stage 0: DKMS modules load" load || exit 1
	expect_driver "loading lunvme does not take the NVMe controller" $NVME ""
	expect_driver "loading lunic does not take the NIC" $NIC ""
	lu_check "stage 0: no fault injection in the DKMS build" \
		sh -c '[ -d /sys/kernel/debug/block ] &&
		       [ ! -e /sys/kernel/debug/pci_liveupdate/fault ]'
	lu_check "stage 0: lu_bind gives the devices to the drivers" \
		eval "lu_bind lunvme $NVME && lu_bind lunic $NIC"
	expect_driver "the NVMe controller is bound to lunvme" $NVME lunvme
	expect_driver "the NIC is bound to lunic" $NIC lunic
	lu_expect_dmesg "stage 0: cold start" "nvme nvme0: cold start"
	lu_check "stage 0: the disk appears" wait_disk || exit 1
	dd if=/dev/urandom of=/lu/pattern bs=64k count=4 2>/dev/null
	lu_check "stage 0: write a pattern" \
		dd if=/lu/pattern of=$DEV bs=64k count=4 oflag=direct
	lu_kexec sh -c "echo $NVME >/sys/kernel/pci_liveupdate/preserve"
	;;
1)
	lu_check "stage 1: DKMS modules load" load || exit 1
	lu_expect_dmesg "stage 1: the controller is retrieved" \
		"nvme nvme0: retrieved running controller"
	expect_driver "the NVMe controller is bound to lunvme" $NVME lunvme
	lu_check "stage 1: the disk appears" wait_disk || exit 1
	lu_check "stage 1: the pattern reads back" sh -c \
		"dd if=$DEV bs=64k count=4 iflag=direct 2>/dev/null | cmp - /lu/pattern"
	expect_driver "the NIC, not preserved, is not taken unnamed" $NIC ""
	lu_check "stage 1: lu_bind gives the NIC to lunic" lu_bind lunic $NIC
	lu_expect_dmesg "stage 1: the NIC is probed" "lunic .*probe: reset"
	;;
esac
