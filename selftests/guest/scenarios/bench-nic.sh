# SPDX-License-Identifier: GPL-2.0
#
# Benchmark, not a test (run by scripts/bench-nic): lunic against Debian's
# upstream e1000e on the same QEMU e1000e, in one VM.
#
#   0  e1000e: modprobe -> carrier, iperf3 both ways; unload (it resets)
#      lunic: cold probe -> carrier, iperf3 both ways; preserve, kexec
#   1  lunic: insmod -> retrieve -> carrier, iperf3 both ways; unload
#      e1000e: modprobe -> carrier, iperf3 both ways
#
# Results are 'LUTEST: # BENCH KEY VALUE' lines.
#
# netns: lutap0 10.99.0.1/24
# hostbg: iperf3 iperf3 -s -B 10.99.0.1
# qemu: -netdev tap,id=n0,ifname=lutap0,script=no,downscript=no
# qemu: -device e1000e,netdev=n0,romfile=,mac=52:54:00:4c:55:01,addr=06.0
# image: --bin ip --bin iperf3 --kmod e1000e
# timeout: 400

. /lu/lib.sh

NIC=0000:00:06.0
HOST=10.99.0.1
GUEST=10.99.0.2
LU=/sys/kernel/pci_liveupdate
REGION=$(sed -n 's/.*memmap=\([^ ]*\).*/\1/p' /proc/cmdline)
SECS=$(sed -n "s/.*lu.bench_secs=\([0-9]*\).*/\1/p" /proc/cmdline)
SECS=${SECS:-5}

bench()
{
	lu_log "BENCH $*"
}

# Kernel log time stamp (seconds) of the last message matching $1.
ktime()
{
	dmesg | grep -E -- "$1" | tail -n 1 | sed 's/^\[ *\([0-9.]*\)\].*/\1/'
}

# up_time KEY LINK-PATTERN: seconds from the marker to the link message.
up_time()
{
	local t0 t1 i=0
	while [ $i -lt 100 ] && [ -z "$(ktime "$2")" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	t0=$(ktime "LUBENCH start $1")
	t1=$(ktime "$2")
	if [ -z "$t1" ]; then
		lu_fail "$1: link up" "no kernel message /$2/"
		return 1
	fi
	bench "$1.carrier_s $(echo "$t0 $t1" | awk '{ printf "%.4f", $2 - $1 }')"
}

mark()
{
	echo "LUBENCH start $1" >/dev/kmsg
}

net_up()
{
	local ifc
	ifc=$(ls /sys/bus/pci/devices/$NIC/net 2>/dev/null | head -n 1)
	ip addr add $GUEST/24 dev "$ifc" && ip link set "$ifc" up
}

iperf()
{
	local key=$1 mbit
	shift
	mbit=$(iperf3 -c $HOST -t "$SECS" -f m "$@" 2>&1 | awk '/receiver/ { print $7 }')
	if [ -z "$mbit" ]; then
		lu_fail "$key: iperf3" "no result"
		return 1
	fi
	bench "$key $mbit"
}

throughput()
{
	# Let the link settle: the first seconds after carrier are not
	# what is being measured.
	ping -c 2 -W 5 $HOST >/dev/null
	iperf "$1.tx_mbit"
	iperf "$1.rx_mbit" -R
}

upstream()
{
	echo >/sys/bus/pci/devices/$NIC/driver_override
	mark "e1000e$1"
	modprobe e1000e && net_up
	up_time "e1000e$1" "e1000e .*Link is Up" && throughput "e1000e$1"
	rmmod e1000e
}

case $STAGE in
0)
	upstream 0
	dmesg -c >/dev/null
	insmod /lu/modules/pci_lu.ko region="$REGION"
	mark lunic_probe
	lu_bind lunic $NIC && insmod /lu/modules/lunic.ko && net_up
	up_time lunic_probe "lunic .*Link is Up" && throughput lunic0
	lu_kexec sh -c "echo $NIC >$LU/preserve"
	;;
1)
	insmod /lu/modules/pci_lu.ko region="$REGION"
	mark lunic_retrieve
	lu_bind lunic $NIC && insmod /lu/modules/lunic.ko && net_up
	up_time lunic_retrieve "lunic .*retrieve: .*carrier on"
	bench "lunic_retrieve.in_retrieve_us $(dmesg | sed -n 's/.*carrier on after \([0-9]*\) us.*/\1/p')"
	throughput lunic1
	ip link set "$(ls /sys/bus/pci/devices/$NIC/net)" down
	rmmod lunic
	dmesg -c >/dev/null
	upstream 1
	;;
esac
