# SPDX-License-Identifier: GPL-2.0
#
# Soak: chained live updates in one VM with both drivers, fio writing
# when each kexec starts and the host pinging the guest at 10 Hz
# (selftests/host/soak judges the pings and the QEMU trace). Not part of
# the suite: 'make soak', SOAK_UPDATES=N for another count than 100.
#
#   stage 0      cold start of both; fio writes set A with verify headers
#   stage 1..N   both retrieved (no reset); A verifies; no I/O error;
#                finish; MemAvailable and the handover space in use are
#                noted; fio B writing, kexec
#   stage N      the figures from update 10 (or N/2) to N must not grow
#
# Each stage reports only what fails; the last one sums up, so the result
# count does not depend on N.
#
# netns: lutap0 10.97.0.1/24
# hostbg: pinger $ROOT/selftests/lib/pinger 10.97.0.2 0.1 52:54:00:4c:55:03 lutap0
# hostbg: qlen ip link set lutap0 txqueuelen 10000
# hostbg: hostmac ip link set lutap0 address 52:54:00:4c:55:f3
# qemu: -netdev tap,id=n0,ifname=lutap0,script=no,downscript=no
# qemu: -device e1000e,netdev=n0,romfile=,mac=52:54:00:4c:55:03,addr=07.0
# qemu: -device nvme,id=nvme0,serial=lunvme-soak0,addr=06.0
# qemu: -device nvme-ns,drive=d0,bus=nvme0,nsid=1
# disk: d0 256M
# image: --kmod nvme-core --bin fio --bin ip --bin ethtool
# trace: pci_nvme_rw_complete_cb
# timeout: 6000
# results: 13

. /lu/lib.sh

UPDATES=${SOAK_UPDATES:-100}
NVME=0000:00:06.0
NIC=0000:00:07.0
GUEST=10.97.0.2
HOST=10.97.0.1
HOST_MAC=52:54:00:4c:55:f3	# the tap's, see the hostbg line
LU=/sys/kernel/pci_liveupdate
REGION=$(sed -n 's/.*memmap=\([^ ]*\).*/\1/p' /proc/cmdline)
DEV=/dev/nvme0n1
FIO="fio --ioengine=libaio --direct=1 --bs=4k --iodepth=16 --verify=crc32c"
SET_A="--name=a --filename=$DEV --offset=0 --size=32M --rw=randwrite --randseed=4242"
SET_B="--name=b --filename=$DEV --offset=64M --size=128M --rw=randwrite --time_based --runtime=3600"
IO_ERRORS='I/O error|Buffer I/O|timed out|resetting controller|abort'
STATE=/lu/soak.state		# one line per update, carried by lu_kexec
FAILS=/lu/soak.fails

load()
{
	modprobe nvme-core &&
		lu_bind lunvme $NVME && lu_bind lunic $NIC &&
		insmod /lu/modules/pci_lu.ko region="$REGION" &&
		insmod /lu/modules/lunvme.ko &&
		insmod /lu/modules/lunic.ko
}

# fail WHAT: note a failure of this stage, reported now and summed at the end.
fail()
{
	lu_fail "update $STAGE: $1" "${2:-failed}"
	echo "$STAGE $1" >>$FAILS
}

iface()
{
	ls /sys/bus/pci/devices/$NIC/net 2>/dev/null | head -n 1
}

net_up()
{
	lu_net_up "$(iface)" $GUEST/24 $HOST $HOST_MAC
}

# The largest RX ring: the pings of a slow kexec wait in it. The host
# counts pings from here on: wait for the link, which a cold probe
# negotiates.
net_first_up()
{
	ethtool -G "$(iface)" rx 4096 && net_up && lu_wait_carrier "$(iface)" 100
}

update()
{
	$FIO $SET_B --do_verify=0 --output=/tmp/fio-b.log &
	sleep 2
	lu_kexec sh -c "echo $NVME >$LU/preserve && echo $NIC >$LU/preserve"
}

# figure UPDATE COLUMN: a column of the state file at one update.
figure()
{
	awk -v u="$1" -v c="$2" '$1 == u { print $c }' $STATE
}

# median FIRST LAST: median MemAvailable of updates FIRST..LAST.
median()
{
	awk -v a="$1" -v b="$2" '$1 >= a && $1 <= b { print $2 }' $STATE |
		sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}

summary()
{
	local from=10 n
	[ "$UPDATES" -lt 20 ] && from=$((UPDATES / 2))
	n=$(grep -c . $STATE)
	lu_log "update MemAvailable(kB) region_used(bytes)"
	lu_log "$(cat $STATE)"
	if [ "$n" -eq "$UPDATES" ]; then
		lu_ok "all $UPDATES updates ran"
	else
		lu_fail "all $UPDATES updates ran" "$n of them"
	fi
	for what in "both devices retrieved" "set A verifies" "no I/O error" \
		    "finish" "network up"; do
		if grep -q " $what\$" $FAILS 2>/dev/null; then
			lu_fail "$what after every update" \
				"updates $(grep " $what\$" $FAILS | cut -d' ' -f1 | tr '\n' ' ')"
		else
			lu_ok "$what after every update"
		fi
	done
	# Every update boots a fresh kernel, whose MemAvailable varies by
	# some 10 MiB from boot to boot: compare the medians of a few updates
	# from update $from with those of the last few; a leak of preserved
	# memory would take more and more, and shows exactly in region_used.
	local w m0 m1 r0 r1
	w=$(((UPDATES - from) / 2))
	[ $w -gt 10 ] && w=10
	[ $w -lt 1 ] && w=1
	m0=$(median $from $((from + w - 1)))
	m1=$(median $((UPDATES - w + 1)) "$UPDATES")
	r0=$(figure $from 3)
	r1=$(figure "$UPDATES" 3)
	if [ -n "$m0" ] && [ -n "$m1" ] && [ $((m0 - m1)) -lt 8192 ]; then
		lu_ok "MemAvailable, median of $w updates, from update $from to $UPDATES: $m0 -> $m1 kB"
	else
		lu_fail "MemAvailable, median of $w updates, from update $from to $UPDATES" \
			"$m0 -> $m1 kB"
	fi
	if [ -n "$r0" ] && [ "$r0" = "$r1" ]; then
		lu_ok "handover space in use from update $from to $UPDATES: $r0 bytes"
	else
		lu_fail "handover space in use from update $from to $UPDATES" "$r0 -> $r1 bytes"
	fi
}

if ! load; then
	fail "modules load"
	exit 1
fi
case $STAGE in
0)
	rm -f $STATE $FAILS
	if ! lu_check "stage 0: network up" net_first_up ||
	   ! lu_check "stage 0: write set A" $FIO $SET_A --do_verify=0 --output=/tmp/fio.log; then
		exit 1
	fi
	update
	;;
*)
	dmesg | grep -q "nvme nvme0: retrieved running controller" &&
		dmesg | grep -q "lunic .*retrieve: .* adopted without reset" ||
		fail "both devices retrieved"
	net_up || fail "network up"
	$FIO $SET_A --verify_only --verify_fatal=1 --output=/tmp/fio.log ||
		fail "set A verifies" "$(tail -n 3 /tmp/fio.log)"
	if dmesg | grep -v LUTEST | grep -Eq "$IO_ERRORS"; then
		fail "no I/O error" "$(dmesg | grep -v LUTEST | grep -E "$IO_ERRORS" | head -n 1)"
	fi
	echo 1 >$LU/finish || fail "finish"
	echo "$STAGE $(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo) $(cat $LU/region_used)" >>$STATE
	lu_log "update $STAGE: $(tail -n 1 $STATE)"
	lu_log "update $STAGE: icmp: $(lu_icmp_counters)"
	if [ "$STAGE" -lt "$UPDATES" ]; then
		update
	fi
	summary
	;;
esac
