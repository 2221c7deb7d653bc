# SPDX-License-Identifier: GPL-2.0
#
# Benchmark, not a test (scripts/bench-nvme): lunvme against Debian's
# upstream nvme driver on the same QEMU controller in one boot, the two
# drivers taking turns round by round so that drift in the host's speed
# falls on both alike; then three live updates to time retrieve(). Prints
# BENCH lines that scripts/bench-nvme turns into ratios; absolute TCG
# figures mean little.
#
# Multi-threaded TCG: single-threaded TCG drops guest memory barriers
# against QEMU's device thread, and the upstream driver's shadow
# doorbells then now and then lose a doorbell and stall for the 30 s
# I/O timeout (lunvme notices from the completions and rings again).
#
# qemu: -device nvme,id=nvme0,serial=lunvme-bench0,addr=06.0
# qemu: -device nvme-ns,drive=d0,bus=nvme0,nsid=1
# disk: d0 512M
# image: --kmod nvme-core --kmod nvme --bin fio
# timeout: 1200
# tcg: multi

. /lu/lib.sh

NVME=0000:00:06.0
REGION=$(sed -n 's/.*memmap=\([^ ]*\).*/\1/p' /proc/cmdline)
ROUNDS=${BENCH_ROUNDS:-8}
UPDATES=3			# live updates timed at the end
RUNTIME=${BENCH_RUNTIME:-5}
DEV=/dev/nvme0n1	# one namespace: no naming ambiguity

mark()
{
	echo "BENCH $*" >/dev/kmsg
}

wait_disk()
{
	# Poll gently: a spinning shell takes a vCPU (and a host core under
	# multi-threaded TCG) from the probe it is timing.
	while [ ! -b $DEV ]; do
		usleep 1000
	done
}

mem_free()
{
	sed -n 's/^MemFree: *\([0-9]*\) kB/\1/p' /proc/meminfo
}

# Kernel memory a driver takes to bring the disk up: MemFree before and
# after, page cache dropped. lunvme's queues come from the handover
# region, which is not in MemFree: upstream's are counted, ours not.
load()
{
	local before
	sync
	echo 3 >/proc/sys/vm/drop_caches
	before=$(mem_free)
	mark "load-start $1"
	if [ "$1" = upstream ]; then
		lu_bind nvme $NVME && modprobe nvme
	else
		lu_bind lunvme $NVME && insmod /lu/modules/lunvme.ko
	fi
	wait_disk
	mark "disk-ready $1"
	[ "$1" = retrieve ] ||
		mark "result $1 load-memory kib=$((before - $(mem_free)))"
}

# fio terse output: field 7 is read bandwidth in KiB/s, field 8 read IOPS.
run_fio()
{
	fio --name=bench --filename=$DEV --ioengine=libaio --direct=1 \
		--time_based --runtime="$RUNTIME" --size=256M --minimal "$@" |
		awk -F';' '{ print $7, $8 }'
}

bench()
{
	set -- $(run_fio --rw=randread --bs=4k --iodepth=32)
	mark "result $DRV randread-4k-qd32 iops=$2"
	set -- $(run_fio --rw=read --bs=128k --iodepth=8)
	mark "result $DRV seqread-128k kib_s=$1"
}

unload()
{
	if [ "$1" = upstream ]; then
		rmmod nvme
	else
		rmmod lunvme
	fi
	while [ -b $DEV ]; do
		usleep 1000
	done
}

case "$STAGE" in
0)
	modprobe nvme-core || exit 1
	insmod /lu/modules/pci_lu.ko region="$REGION" || exit 1
	load upstream
	fio --name=fill --filename=$DEV --rw=write --bs=1M --size=256M \
		--direct=1 --output=/dev/null
	unload upstream
	for r in $(seq "$ROUNDS"); do
		for DRV in upstream lunvme; do
			load $DRV
			bench
			unload $DRV
		done
	done
	load lunvme
	echo $NVME >/sys/kernel/pci_liveupdate/preserve
	lu_kexec
	;;
*)
	modprobe nvme-core || exit 1
	insmod /lu/modules/pci_lu.ko region="$REGION" || exit 1
	load retrieve
	lu_expect_dmesg "retrieved" "nvme nvme0: retrieved running controller"
	[ "$STAGE" -ge "$UPDATES" ] && lu_done
	echo $NVME >/sys/kernel/pci_liveupdate/preserve
	lu_kexec
	;;
esac
