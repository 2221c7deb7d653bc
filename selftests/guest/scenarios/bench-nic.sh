# SPDX-License-Identifier: GPL-2.0
#
# Benchmark, not a test (scripts/bench-nic): lunic against Debian's
# upstream e1000e on the same QEMU e1000e. Prints BENCH lines that
# scripts/bench-nic turns into ratios. BENCH_MODE (from the host,
# default turns):
#
#   turns  both drivers in this boot, taking turns round by round (the
#          first driver alternating); then a live update to time
#          retrieve() -> carrier
#   boot   one driver (BENCH_DRIVER) in this fresh boot; the host boots
#          again for the other one
#
# Each turn: load -> carrier, iperf3 TCP guest -> host and host ->
# guest, then a quiet window in which the host's pinger (ICMP echo at
# 20 Hz all along) gives the round-trip latency.
#
# netns: lutap0 10.99.0.1/24
# hostbg: iperf3 iperf3 -s -B 10.99.0.1
# hostbg: pinger $ROOT/selftests/lib/pinger 10.99.0.2 0.05 52:54:00:4c:55:01 lutap0
# qemu: -netdev tap,id=n0,ifname=lutap0,script=no,downscript=no
# qemu: -device e1000e,netdev=n0,romfile=,mac=52:54:00:4c:55:01,addr=06.0
# image: --bin ip --bin iperf3 --kmod e1000e
# timeout: 1500

. /lu/lib.sh

NIC=0000:00:06.0
HOST=10.99.0.1
GUEST=10.99.0.2
LU=/sys/kernel/pci_liveupdate
REGION=$(sed -n 's/.*memmap=\([^ ]*\).*/\1/p' /proc/cmdline)
MODE=${BENCH_MODE:-turns}
ROUNDS=${BENCH_ROUNDS:-4}
SECS=${BENCH_RUNTIME:-5}
PING_SECS=4			# latency window

mark()
{
	echo "BENCH $*" >/dev/kmsg
}

ifname()
{
	ls /sys/bus/pci/devices/$NIC/net 2>/dev/null | head -n 1
}

# wait_carrier DRV: up to 10 s for the link, marked when it is up.
wait_carrier()
{
	local i=0
	while [ $i -lt 1000 ]; do
		if [ "$(cat "/sys/class/net/$(ifname)/carrier" 2>/dev/null)" = 1 ]; then
			mark "carrier $1"
			return 0
		fi
		usleep 10000
		i=$((i + 1))
	done
	lu_fail "$1: carrier" "no carrier 10 s after loading"
	return 1
}

load()
{
	mark "load-start $1"
	case $1 in
	e1000e)	lu_bind e1000e $NIC && modprobe e1000e ;;
	*)	lu_bind lunic $NIC && insmod /lu/modules/lunic.ko ;;
	esac
	ip addr add $GUEST/24 dev "$(ifname)" && ip link set "$(ifname)" up
	wait_carrier "$1"
}

unload()
{
	ip link set "$(ifname)" down
	case $1 in
	e1000e)	rmmod e1000e ;;
	*)	rmmod lunic ;;
	esac
}

# iperf DRV NAME ARGS: receiver's Mbit/s.
iperf()
{
	local drv=$1 name=$2 mbit
	shift 2
	mbit=$(iperf3 -c $HOST -t "$SECS" -f m "$@" 2>&1 | awk '/receiver/ { print $7 }')
	if [ -z "$mbit" ]; then
		lu_fail "$drv: iperf3 $name" "no result"
		return 1
	fi
	mark "result $drv $name mbit=$mbit"
}

bench()
{
	# Let the link settle: the first seconds after carrier are not
	# what is being measured.
	ping -c 2 -W 5 $HOST >/dev/null
	iperf "$1" tx-guest-to-host
	iperf "$1" rx-host-to-guest -R
	mark "ping-start $1"
	sleep $PING_SECS
	mark "ping-end $1"
}

turn()
{
	load "$1" && bench "$1"
	unload "$1"
}

start()
{
	echo >/sys/bus/pci/devices/$NIC/driver_override
	insmod /lu/modules/pci_lu.ko region="$REGION" || exit 1
}

case "$MODE.$STAGE" in
boot.0)
	start
	turn "${BENCH_DRIVER:?}"
	lu_done
	;;
turns.0)
	start
	for r in $(seq "$ROUNDS"); do
		# Which driver goes first alternates (see bench-nvme.sh).
		if [ $((r % 2)) = 1 ]; then
			turn e1000e
			turn lunic
		else
			turn lunic
			turn e1000e
		fi
	done
	load lunic
	lu_kexec sh -c "echo $NIC >$LU/preserve"
	;;
turns.1)
	start
	load retrieve
	lu_expect_dmesg "retrieved" "lunic .*retrieve: .*carrier on"
	mark "retrieve-us $(dmesg | sed -n 's/.*carrier on after \([0-9]*\) us.*/\1/p' | tail -n 1)"
	lu_done
	;;
esac
