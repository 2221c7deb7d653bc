# SPDX-License-Identifier: GPL-2.0
#
# The lunic driver on QEMU's e1000e, with the host pinging the guest at
# 10 Hz through a live update (selftests/host/nic checks the pings and the
# QEMU trace):
#
#   0  cold probe (reset), link up, ping, iperf3 both ways, ethtool,
#      ring resizes that get no memory (debugfs fail_alloc): the old rings
#      back, or the interface detached until the driver is bound again;
#      ring resize, MTU change, promiscuous mode; "ping window opens";
#      NIC preserved
#   1  retrieve (no reset), address re-applied, carrier at once, backlog
#      answered; "ping window closes"; iperf3; record damaged at kexec
#   2  damaged record: log line, cold probe with reset, link comes back;
#      freeze() made to fail after quiescing (lunic's debugfs fault): the
#      core shuts the NIC down instead and the kexec goes on
#   3  no record: cold probe, link comes back; NIC preserved, kexec
#   4  a kernel without live update reboots: QEMU resets the NIC, the
#      record stays in RAM
#   boot 2: the driver's own check refuses the stale record (the device
#      was reset), cold probe, link comes back. On KHO nothing survives
#      a cold reboot: no handover at all, cold probe
#
# kernels: 6.12
# netns: lutap0 10.99.0.1/24
# hostbg: pinger $ROOT/selftests/lib/pinger 10.99.0.2 0.1 52:54:00:4c:55:01 lutap0
# hostbg: iperf3 iperf3 -s -B 10.99.0.1
# hostbg: mtu ip link set lutap0 mtu 9000
# hostbg: hostmac ip link set lutap0 address 52:54:00:4c:55:f1
# qemu: -netdev tap,id=n0,ifname=lutap0,script=no,downscript=no
# qemu: -device e1000e,netdev=n0,romfile=,mac=52:54:00:4c:55:01,addr=06.0
# image: --bin ip --bin iperf3 --bin ethtool
# trace: e1000x_link_negotiation_start e1000x_link_negotiation_done
# boots: 2
# timeout: 420
# results: 64

. /lu/lib.sh

NIC=0000:00:06.0
HOST=10.99.0.1
HOST_MAC=52:54:00:4c:55:f1	# the tap's, see the hostbg line
GUEST=10.99.0.2
LU=/sys/kernel/pci_liveupdate
FAULT=/sys/kernel/debug/pci_liveupdate/fault
REGION=$(sed -n 's/.*memmap=\([^ ]*\).*/\1/p' /proc/cmdline)
BACKEND=${REGION:+memmap}
BACKEND=${BACKEND:-kho}

load()
{
	insmod /lu/modules/pci_lu.ko region="$REGION" &&
		lu_bind lunic $NIC && insmod /lu/modules/lunic.ko
}

iface()
{
	ls /sys/bus/pci/devices/$NIC/net 2>/dev/null | head -n 1
}

net_up()
{
	lu_net_up "$IF" $GUEST/24 $HOST $HOST_MAC
}

iperf()
{
	local out
	out=$(iperf3 -c $HOST -t 2 -f m "$@" 2>&1)
	local rc=$?
	lu_log "$(printf '%s\n' "$out" | grep -E 'sender|receiver' | tail -n 2)"
	return $rc
}

check_driver()
{
	local drv
	drv=$(basename "$(readlink /sys/bus/pci/devices/$NIC/driver)")
	if [ "$drv" = lunic ]; then
		lu_ok "stage $STAGE: the NIC is bound to lunic"
	else
		lu_fail "stage $STAGE: the NIC is bound to lunic" "bound to '$drv'"
	fi
}

# The next N pci_lu_alloc() calls of the NIC fail (the core's debugfs
# fail_alloc); a resize allocates three chunks, then three of the old
# size again if those fail.
resize_without_memory()
{
	echo "$1" >/sys/kernel/debug/lunic/$NIC/fail_alloc &&
		! ethtool -G "$IF" rx 1024 tx 1024
}

rebind()
{
	echo $NIC >/sys/bus/pci/drivers/lunic/unbind &&
		lu_bind lunic $NIC
}

traffic()
{
	lu_check "stage $STAGE: ping the host" ping -c 3 -W 2 $HOST
	lu_check "stage $STAGE: iperf3 guest to host" iperf
	lu_check "stage $STAGE: iperf3 host to guest" iperf -R
}

stage0()
{
	lu_check "stage 0: modules load" load || exit 1
	check_driver
	lu_expect_dmesg "stage 0: cold probe resets the NIC" "lunic .*probe: reset"
	IF=$(iface)
	lu_check "stage 0: address and link up" net_up
	lu_check "stage 0: link comes up after autonegotiation" lu_wait_carrier "$IF" 100
	traffic
	lu_check "stage 0: ethtool -i names the driver" \
		sh -c "ethtool -i $IF | grep -q 'driver: lunic'"
	lu_check "stage 0: ethtool reports the link" \
		sh -c "ethtool $IF | grep -q 'Speed: 1000Mb/s'"
	lu_check "stage 0: ethtool -S counts received packets" \
		sh -c "ethtool -S $IF | grep -Eq 'rx_good_packets: [1-9]'"
	lu_check "stage 0: a resize that gets no memory fails" \
		resize_without_memory 1
	lu_check "stage 0: ... and the old rings (256) carry on" \
		sh -c "ethtool -g $IF | grep -A4 Current | grep -q 'RX:.*256' &&
		       ping -c 2 -W 2 $HOST"
	lu_check "stage 0: a resize that gets not even the old size fails" \
		resize_without_memory 6
	lu_expect_dmesg "stage 0: ... and detaches the interface, with a log line" \
		"lunic .*no memory for any RX/TX rings"
	lu_check "stage 0: ... until lunic is bound again" rebind
	IF=$(iface)
	lu_check "stage 0: address and link up after the rebind" net_up
	lu_check "stage 0: link comes up" lu_wait_carrier "$IF" 100
	lu_check "stage 0: ping after the rebind" ping -c 2 -W 2 $HOST
	lu_check "stage 0: ring resize to 512" ethtool -G "$IF" rx 512 tx 512
	lu_check "stage 0: MTU 9000, 8000-byte ping, MTU 1500" \
		sh -c "ip link set $IF mtu 9000 && ping -c 2 -s 8000 -W 2 $HOST &&
		       ip link set $IF mtu 1500"
	lu_check "stage 0: ping after resize" ping -c 2 -W 2 $HOST
	lu_check "stage 0: promiscuous mode on, ping, off" \
		sh -c "ip link set $IF promisc on && ping -c 1 -W 2 $HOST &&
		       ip link set $IF promisc off"
	lu_log "ping window opens"
	sleep 2
	lu_kexec sh -c "echo $NIC >$LU/preserve"
}

stage1()
{
	lu_check "stage 1: modules load" load || exit 1
	check_driver
	lu_expect_dmesg "stage 1: NIC retrieved without reset" \
		"lunic .*retrieve: .* adopted without reset"
	lu_expect_dmesg "stage 1: core reports the retrieve" \
		"$NIC: retrieved from live update"
	IF=$(iface)
	lu_check "stage 1: address re-applied, link up" net_up
	lu_check "stage 1: carrier at once" lu_wait_carrier "$IF" 1
	lu_check "stage 1: ring size kept (512)" \
		sh -c "ethtool -g $IF | grep -A4 Current | grep -q 'RX:.*512'"
	sleep 3
	# Echo requests the stack answered, and replies it could not send:
	# the host check tells a frame the NIC lost from a reply dropped here.
	lu_log "icmp: $(lu_icmp_counters)"
	# Before iperf3: a ping that a saturated link drops says nothing
	# about the update.
	lu_log "ping window closes"
	traffic
	lu_check "stage 1: arm fault record-crc" sh -c "echo 'record-crc $NIC' >$FAULT"
	lu_kexec sh -c "echo $NIC >$LU/preserve"
}

stage2()
{
	lu_check "stage 2: modules load" load || exit 1
	lu_expect_dmesg "stage 2: damaged record logged" \
		"claims $NIC\): record CRC mismatch; dropped"
	lu_expect_dmesg "stage 2: cold probe resets the NIC" "lunic .*probe: reset"
	check_driver
	IF=$(iface)
	lu_check "stage 2: address and link up" net_up
	lu_check "stage 2: link comes back" lu_wait_carrier "$IF" 100
	lu_check "stage 2: ping the host after cold probe" ping -c 3 -W 2 $HOST
	lu_check "stage 2: make the next freeze fail after quiescing" \
		sh -c "echo Y >/sys/kernel/debug/lunic/$NIC/fail_freeze"
	lu_kexec sh -c "echo $NIC >$LU/preserve"
}

stage3()
{
	lu_check "stage 3: modules load" load || exit 1
	lu_expect_dmesg "stage 3: no record after the failed freeze" \
		"incoming handover: generation [0-9]+, 0 device"
	lu_expect_dmesg "stage 3: cold probe resets the NIC" "lunic .*probe: reset"
	IF=$(iface)
	lu_check "stage 3: address and link up" net_up
	lu_check "stage 3: link comes back" lu_wait_carrier "$IF" 100
	lu_check "stage 3: ping the host after cold probe" ping -c 3 -W 2 $HOST
	lu_kexec sh -c "echo $NIC >$LU/preserve"
}

boot2()
{
	lu_check "boot 2: modules load" load || exit 1
	if [ "$BACKEND" = kho ]; then
		lu_expect_dmesg "boot 2: a cold reboot hands nothing over" \
			"no incoming handover \(cold boot\)"
	else
		lu_expect_dmesg "boot 2: stale record found in RAM" \
			"incoming handover: generation [0-9]+, 1 device"
		lu_expect_dmesg "boot 2: driver sees the NIC was reset" \
			"lunic $NIC: retrieve: .* device was reset or reprogrammed"
		lu_expect_dmesg "boot 2: core falls back to probe" \
			"$NIC: retrieve failed \(-ESTALE\); cold probe with reset"
	fi
	lu_expect_dmesg "boot 2: cold probe resets the NIC" "lunic .*probe: reset"
	IF=$(iface)
	lu_check "boot 2: address and link up" net_up
	lu_check "boot 2: link comes back" lu_wait_carrier "$IF" 100
	lu_check "boot 2: ping the host after cold probe" ping -c 3 -W 2 $HOST
}

case $BOOT.$STAGE in
1.0) stage0 ;;
1.1) stage1 ;;
1.2) stage2 ;;
1.3) stage3 ;;
1.4)
	lu_log "a kernel without live update: ordinary reboot"
	lu_reboot
	;;
2.0) boot2 ;;
*) lu_fail "boot $BOOT stage $STAGE" "no such stage" ;;
esac
