# SPDX-License-Identifier: GPL-2.0
#
# Back out: after a live update, a kexec into a kernel whose drivers know
# nothing of live update (Debian's nvme and e1000e, no pci_lu), with both
# devices still frozen and running from the previous kernel:
#
#   0  cold start with lunvme and lunic; fio writes set A; both
#      preserved; live update
#   1  both retrieved; set A verifies; the host answers; both preserved
#      again; the next kernel loads no live-update module
#   2  Debian's nvme and e1000e bind the frozen devices and reset them
#      (selftests/host/backout checks QEMU's trace); set A verifies, new
#      writes verify, the link comes up and the host answers; pci_lu is
#      not loaded, so nothing reads the handover
#
# kernels: 6.12
# netns: lutap0 10.97.0.1/24
# qemu: -netdev tap,id=n0,ifname=lutap0,script=no,downscript=no
# qemu: -device e1000e,netdev=n0,romfile=,mac=52:54:00:4c:55:03,addr=07.0
# qemu: -device nvme,id=nvme0,serial=lunvme-backout0,addr=06.0
# qemu: -device nvme-ns,drive=d0,bus=nvme0,nsid=1
# disk: d0 64M
# image: --kmod nvme-core --kmod nvme --kmod e1000e --bin fio --bin ip
# timeout: 300
# results: 21

. /lu/lib.sh

NVME=0000:00:06.0
NIC=0000:00:07.0
DEV=/dev/nvme0n1
HOST=10.97.0.1
GUEST=10.97.0.2
LU=/sys/kernel/pci_liveupdate
REGION=$(sed -n 's/.*memmap=\([^ ]*\).*/\1/p' /proc/cmdline)
SET_A="--name=a --filename=$DEV --offset=0 --size=8M --rw=randwrite --randseed=7"

load_lu()
{
	modprobe nvme-core &&
		lu_bind lunvme $NVME && lu_bind lunic $NIC &&
		insmod /lu/modules/pci_lu.ko region="$REGION" &&
		insmod /lu/modules/lunvme.ko && insmod /lu/modules/lunic.ko
}

# The host answers through the NIC, whichever driver has it.
host_answers()
{
	lu_host_answers "stage $STAGE: link up, the host answers" $NIC $GUEST/24 $HOST
}

preserve_both()
{
	echo $NVME >$LU/preserve && echo $NIC >$LU/preserve
}

driver_of()
{
	basename "$(readlink /sys/bus/pci/devices/$1/driver)"
}

case $STAGE in
0)
	lu_check "stage 0: live-update modules load" load_lu || exit 1
	lu_expect_dmesg "stage 0: nvme cold start" "nvme nvme0: cold start"
	lu_fio_run "stage 0: write set A" $SET_A --do_verify=0
	host_answers
	lu_check "stage 0: preserve both" preserve_both
	lu_kexec
	;;
1)
	lu_check "stage 1: live-update modules load" load_lu || exit 1
	lu_expect_dmesg "stage 1: nvme retrieved" \
		"nvme nvme0: retrieved running controller"
	lu_expect_dmesg "stage 1: nic retrieved" \
		"lunic .*retrieve: .* adopted without reset"
	lu_fio_run "stage 1: set A verifies" $SET_A --verify_only --verify_fatal=1
	host_answers
	lu_check "stage 1: preserve both" preserve_both
	lu_kexec
	;;
2)
	lu_check "stage 2: Debian's nvme and e1000e load" \
		sh -c "modprobe nvme && modprobe e1000e"
	for i in $(seq 50); do
		[ -b $DEV ] && break
		sleep 0.1
	done
	lu_check "stage 2: nvme drives the controller" \
		test "$(driver_of $NVME)" = nvme
	lu_check "stage 2: e1000e drives the NIC" \
		test "$(driver_of $NIC)" = e1000e
	lu_check "stage 2: no live-update module is loaded" \
		test ! -d /sys/module/pci_lu
	lu_fio_run "stage 2: set A verifies" $SET_A --verify_only --verify_fatal=1
	lu_fio_run "stage 2: new writes verify" --name=b --filename=$DEV \
		--offset=16M --size=8M --rw=randwrite --randseed=8
	host_answers
	;;
*)
	lu_fail "stage $STAGE" "a stage this scenario does not have"
	;;
esac
