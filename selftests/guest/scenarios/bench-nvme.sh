# SPDX-License-Identifier: GPL-2.0
#
# Benchmark, not a test (scripts/bench-nvme): lunvme against Debian's
# upstream nvme driver on the same QEMU controller; on the 7.3 test kernel
# (scripts/bench-nvme --series) the series' nvme-pci, "series", against
# linux-source-7.3's own, "base". Prints BENCH lines that
# scripts/bench-nvme turns into ratios; absolute TCG figures mean little.
# BENCH_MODE (from the host, default turns):
#
#   turns  both drivers in this boot, taking turns round by round (the
#          first driver alternating), every fio shape per turn; then
#          three live updates to time retrieve()
#   boot   one driver (BENCH_DRIVER) in this fresh boot, every shape
#          once; the host boots again for the other driver
#   trace  as turns, but a fixed number of I/Os per shape, for the host
#          to count QEMU trace events and CPU time per I/O
#          (bench-nvme-trace.sh); no live update
#
# Multi-threaded TCG: single-threaded TCG drops guest memory barriers
# against QEMU's device thread, and the upstream driver's shadow
# doorbells then now and then lose a doorbell and stall for the 30 s
# I/O timeout (lunvme notices from the completions and rings again).
# It also now and then runs stale code after the kernel patches its text
# (a double fault, a bad EFLAGS): any oops ends the boot at once, and
# scripts/bench-nvme goes on in a new one, rather than waiting out the
# timeout with a dead fio.
#
# qemu: -device nvme,id=nvme0,serial=lunvme-bench0,addr=06.0
# qemu: -device nvme-ns,drive=d0,bus=nvme0,nsid=1
# disk: d0 512M
# image: --kmod nvme-core --kmod nvme --bin fio
# kernels: 6.12 7.3
# timeout: 1800
# tcg: multi
# append: oops=panic

. /lu/lib.sh

NVME=0000:00:06.0
REGION=$(sed -n 's/.*memmap=\([^ ]*\).*/\1/p' /proc/cmdline)
# The pair: A the reference, B the driver that retrieves.
if [ -f /lu/modules/nvme-base.ko ]; then
	A=base
	B=series
else
	A=upstream
	B=lunvme
fi
MODE=${BENCH_MODE:-turns}
ROUNDS=${BENCH_ROUNDS:-4}
UPDATES=3			# live updates timed at the end
RUNTIME=${BENCH_RUNTIME:-5}
TRACE_IOS=20000			# I/Os per shape in trace mode
DEV=/dev/nvme0n1	# one namespace: no naming ambiguity

# Every fio shape: name, then fio arguments. Buffers come from malloc(),
# 4 KiB pages scattered over memory, except in the -huge jobs: there a
# 128k request is one physically contiguous segment.
SHAPES="randread-4k-qd1:--rw=randread:--bs=4k:--iodepth=1
randread-4k-qd32:--rw=randread:--bs=4k:--iodepth=32
randwrite-4k-qd32:--rw=randwrite:--bs=4k:--iodepth=32
randrw70-4k-qd32:--rw=randrw:--rwmixread=70:--bs=4k:--iodepth=32
read-128k-qd8:--rw=read:--bs=128k:--iodepth=8
write-128k-qd8:--rw=write:--bs=128k:--iodepth=8
read-128k-qd8-huge:--rw=read:--bs=128k:--iodepth=8:--iomem=shmhuge
write-128k-qd8-huge:--rw=write:--bs=128k:--iodepth=8:--iomem=shmhuge"
HUGEPAGES=4		# 2 MiB pages for the buffers of the -huge jobs
# Only the jobs the host asks for (scripts/bench-nvme BENCH_SHAPES).
if [ -n "$BENCH_SHAPES" ]; then
	SHAPES=$(echo "$SHAPES" | grep -E "^($(echo "$BENCH_SHAPES" | tr , '|')):")
fi

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
	case $1 in
	upstream)	lu_bind nvme $NVME && modprobe nvme ;;
	base)		insmod /lu/modules/nvme-base.ko ;;
	series)		modprobe nvme ;;
	retrieve)	[ $B = series ] && modprobe nvme ||
			{ lu_bind lunvme $NVME && insmod /lu/modules/lunvme.ko; } ;;
	*)		lu_bind lunvme $NVME && insmod /lu/modules/lunvme.ko ;;
	esac
	wait_disk
	mark "disk-ready $1"
	[ "$1" = retrieve ] ||
		mark "result $1 load-memory kib=$((before - $(mem_free)))"
}

# One fio job; prints "read-KiB/s read-IOPS write-KiB/s write-IOPS"
# (terse output fields 7, 8, 48, 49).
run_fio()
{
	local limit="--time_based --runtime=$RUNTIME"

	# A fixed count: enough to outlast fio's start by far, wrapping
	# round the file for the 128k jobs.
	[ "$MODE" = trace ] &&
		limit="--io_size=$((TRACE_IOS * 128))k --number_ios=$TRACE_IOS"
	# shellcheck disable=SC2086 # $limit is two words
	fio --name=bench --filename=$DEV --ioengine=libaio --direct=1 \
		--size=256M $limit --minimal "$@" |
		awk -F';' '{ print $7, $8, $48, $49 }'
}

# Every shape once with driver $1. The figure: KiB/s for 128k jobs,
# read + write IOPS for 4k ones.
bench()
{
	local shape name fig

	for shape in $SHAPES; do
		name=${shape%%:*}
		mark "start $1 $name"
		# shellcheck disable=SC2046 # the shape's arguments
		set -- "$1" $(run_fio $(echo "${shape#*:}" | tr : ' '))
		mark "end $1 $name"
		case $name in
		*-128k-*)	fig="kib_s=$(($2 + $4))" ;;
		*)		fig="iops=$(($3 + $5))" ;;
		esac
		mark "result $1 $name $fig"
	done
}

unload()
{
	case $1 in
	upstream | series)	rmmod nvme ;;
	base)			rmmod nvme-base ;;
	*)			rmmod lunvme ;;
	esac
	while [ -b $DEV ]; do
		usleep 1000
	done
}

# Written data to read back (the image starts sparse), by one driver.
fill()
{
	load $A
	fio --name=fill --filename=$DEV --rw=write --bs=1M --size=256M \
		--direct=1 --output=/dev/null
	unload $A
}

turn()
{
	load "$1"
	bench "$1"
	unload "$1"
}

rounds()
{
	local r

	for r in $(seq "$ROUNDS"); do
		mark "round $r"
		# The first turn of a round alternates, so that neither driver
		# always runs in a fresher or a warmer guest.
		if [ $((r % 2)) = 1 ]; then
			turn $A
			turn $B
		else
			turn $B
			turn $A
		fi
	done
}

start()
{
	echo $HUGEPAGES >/proc/sys/vm/nr_hugepages
	modprobe nvme-core || exit 1
	[ $B = series ] || insmod /lu/modules/pci_lu.ko region="$REGION" || exit 1
}

preserve()
{
	if [ $B = series ]; then
		echo preserve >/sys/bus/pci/devices/$NVME/liveupdate
	else
		echo $NVME >/sys/kernel/pci_liveupdate/preserve
	fi
}

case "$MODE.$STAGE" in
boot.0)
	start
	fill
	turn "${BENCH_DRIVER:?}"
	lu_done
	;;
trace.0)
	start
	fill
	rounds
	lu_done
	;;
turns.0)
	start
	fill
	rounds
	load $B
	preserve
	lu_kexec
	;;
turns.*)
	start
	load retrieve
	lu_expect_dmesg "retrieved" "nvme nvme0: retrieved running controller"
	[ "$STAGE" -ge "$UPDATES" ] && lu_done
	preserve
	lu_kexec
	;;
esac
