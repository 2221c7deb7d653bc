# SPDX-License-Identifier: GPL-2.0
#
# The conference demo (scripts/demo, 'make demo'; 'selftests/run demo' is
# the short check): fio keeps an NVMe disk busy and the host pings the
# guest at 10 Hz while the guest kexecs, first with this project's drivers
# (live updates, both devices preserved), then with Debian's nvme and
# e1000e (ordinary kexec reboots). selftests/host/demo turns the logs into
# build/.../summary.md, summary.json and timeline.png.
#
# With U updates per act (lu.demo_updates=U on the command line, default 1):
#   stage 0        cold boot, lunvme + lunic probe (reset)
#   stage 1..U     lunvme + lunic retrieve; stage U kexecs without
#                  preserving: its drivers shut down, the next loads Debian's
#   stage U+1      nvme + e1000e probe: the start of act 2, not measured
#   stage U+2..2U+1  nvme + e1000e after an ordinary kexec reboot
# Every stage verifies what the one before wrote, starts the load and lets
# it run RUN seconds (and at least one chunk) before the next kexec.
#
# The load: fio writes 512 KiB chunks one after another, random 4 KiB writes
# with crc32c verify headers and a seed per chunk, and logs each completed
# chunk in block 0 of the disk (it survives the kexec there, like the
# data); a second fio reads at random. After a kexec every chunk that the
# previous kernel completed is verified; the one it was writing is written
# again.
#
# Marker lines for the host ('LUTEST: # demo: ...'): load DRIVERS, disk
# ready, carrier, verify start/ok, running, kexec ACT N (then lu_kexec's
# 'kexec -e into stage S').
#
# netns: lutap0 10.99.0.1/24
# hostbg: pinger $ROOT/selftests/lib/pinger 10.99.0.2 0.1 52:54:00:4c:55:01 lutap0
# qemu: -netdev tap,id=n0,ifname=lutap0,script=no,downscript=no
# qemu: -device e1000e,netdev=n0,romfile=,mac=52:54:00:4c:55:01,addr=07.0
# qemu: -device nvme,id=nvme0,serial=lunvme-demo0,addr=06.0
# qemu: -device nvme-ns,drive=d0,bus=nvme0,nsid=1
# disk: d0 512M
# trace: pci_nvme_read
# trace: pci_nvme_write
# image: --kmod nvme-core --kmod nvme --kmod e1000e --bin fio --bin ethtool
# image: --stub librbd.so.1 --stub librados.so.2 --stub libgfapi.so.0
# image: --stub libibverbs.so.1 --stub librdmacm.so.1 --stub libnbd.so.0
# image: --stub libpmem.so.1 --stub libpmemblk.so.1
# timeout: 900
# tcg: multi
# append: tsc=unstable
# results: 28 with one update per act; scripts/demo adds 15 for each more
#
# tsc=unstable: multi-threaded TCG (QEMU 7.2) now and then runs a stale
# int3 after the kernel patches a static key on another vCPU. The one
# the demo hit, twice, is sched_clock's: set stable late in boot, cleared
# when the clocksource watchdog finds the TSC skewed on a busy host. A
# TSC unstable from the start never flips it; timekeeping uses the HPET.

. /lu/lib.sh

NVME=0000:00:06.0
NIC=0000:00:07.0
HOST=10.99.0.1
GUEST=10.99.0.2
DEV=/dev/nvme0n1	# one namespace: no naming ambiguity
LU=/sys/kernel/pci_liveupdate
REGION=$(sed -n 's/.*memmap=\([^ ]*\).*/\1/p' /proc/cmdline)
UPDATES=$(sed -n 's/.*lu\.demo_updates=\([0-9]*\).*/\1/p' /proc/cmdline)
UPDATES=${UPDATES:-1}
# Seconds of load before each kexec; preparing the kexec (lu_kexec
# packs the rootfs and loads it: several seconds under TCG) adds to it.
RUN=2
# No checksum of the loaded image: every kexec here would pay seconds
# for it under TCG, ours and upstream's alike.
export LU_KEXEC_FAST=1
TAIL=10			# seconds of load after the last update
CHUNK=512		# KiB per write chunk; chunk K starts at 1 MiB + K chunks
FIO="fio --ioengine=libaio --direct=1 --bs=4k --filename=$DEV --eta=never --output=/dev/null"
# Rates a TCG guest keeps up with; fio catches up in bursts when it
# falls behind, at queue depth 1 those stay small.
WRITE_IOPS=100
READ_IOPS=100
VERIFY_IOPS=1000	# per chunk
RINGS=2048

mark()
{
	lu_log "demo: $*"
}

# Debian's drivers run on the same devices in act 2: nothing binds on its
# own in this VM (no hotplug helper), so whichever driver is loaded here
# is the one that gets the device.
load()
{
	mark "load $1"
	case $1 in
	ours)
		modprobe nvme-core &&
			lu_bind lunvme $NVME && lu_bind lunic $NIC &&
			insmod /lu/modules/pci_lu.ko region="$REGION" &&
			insmod /lu/modules/lunvme.ko &&
			insmod /lu/modules/lunic.ko
		;;
	upstream)
		modprobe nvme && modprobe e1000e
		;;
	esac
}

# Poll gently (a spinning shell takes a vCPU from the driver being timed);
# both drivers are timed the same way.
wait_disk()
{
	local i=0
	while [ ! -b $DEV ] && [ $i -lt 3000 ]; do
		usleep 10000
		i=$((i + 1))
	done
	[ -b $DEV ] && mark "disk ready"
}

# net_up DRIVERS IFACE: address, neighbour, link up.
net_up()
{
	# The pings sent through a live update wait in the RX ring (256
	# descriptors: 25 s at 10 Hz; a busy TCG host can take longer) and
	# are answered in one burst when the interface comes up. Rings of
	# 2048 hold them and their replies (lunic keeps the sizes across
	# the update), and a byte queue limit that does not start at zero
	# lets the replies go to the TX ring at once: waiting in the qdisc
	# they hold the ICMP socket's send buffer, and past about 140 of
	# them icmp_reply() fails with ENOBUFS (Icmp OutErrors).
	if [ "$1" = ours ] && [ "$STAGE" -eq 0 ]; then
		ethtool -G "$2" rx $RINGS tx $RINGS || return 1
	fi
	echo $((1 << 20)) >/sys/class/net/"$2"/queues/tx-0/byte_queue_limits/limit_min &&
		ip addr add $GUEST/24 dev "$2" || return 1
	# The host's address as the last kernel knew it: while ARP
	# resolves, the burst of replies would wait in the neighbour's
	# queue, holding the same send buffer. (busybox's ip cannot add
	# neighbours; its arp -s adds a permanent one.)
	if [ -s /lu/host-mac ]; then
		arp -i "$2" -s $HOST "$(cat /lu/host-mac)" || return 1
	fi
	ip link set "$2" up
}

# In the background: carrier comes seconds after the load for e1000e.
watch_carrier()
{
	local ifc i=0
	# shellcheck disable=SC2012 # one interface name, no odd characters
	ifc=$(ls /sys/bus/pci/devices/$NIC/net 2>/dev/null | head -n 1)
	lu_check "stage $STAGE: network set up" net_up "$1" "$ifc" || return 1
	while [ $i -lt 3000 ]; do
		if [ "$(cat /sys/class/net/"$ifc"/carrier 2>/dev/null)" = 1 ]; then
			mark "carrier"
			return 0
		fi
		usleep 10000
		i=$((i + 1))
	done
	lu_fail "stage $STAGE: carrier" "no carrier on $ifc after 30 s"
}

# Block 0: 'demo-chunks FIRST DONE end': chunks FIRST..DONE-1 were
# written (completed) by the kernel that started at FIRST.
record_write()
{
	printf 'demo-chunks %d %d end\n' "$1" "$2" |
		dd of=$DEV bs=4096 count=1 conv=sync,fsync 2>/dev/null
}

record_read()
{
	dd if=$DEV bs=4096 count=1 2>/dev/null | head -n 1 | tr -d '\0'
}

chunk_job()
{
	echo "--name=c$1 --offset=$((1024 + $1 * CHUNK))k --size=${CHUNK}k --randseed=$((1000 + $1))"
}

# verify FIRST DONE: chunks FIRST..DONE-1 in one fio run.
verify()
{
	local c=$1 jobs=
	if [ "$2" -le "$1" ]; then
		mark "verify failed: no chunk to verify"
		lu_fail "stage $STAGE: fio verifies the chunks written before the kexec" \
			"the previous kernel completed no chunk"
		return 1
	fi
	while [ "$c" -lt "$2" ]; do
		jobs="$jobs $(chunk_job "$c")"
		c=$((c + 1))
	done
	mark "verify start chunks $1..$(($2 - 1))"
	# shellcheck disable=SC2086 # one word per option
	if $FIO --iodepth=16 --rw=randwrite --verify=crc32c --verify_only \
		--rate_iops=$VERIFY_IOPS --verify_fatal=1 --output=/tmp/verify.log $jobs; then
		mark "verify ok $(($2 - $1)) chunks"
		lu_ok "stage $STAGE: fio verifies the chunks written before the kexec"
	else
		mark "verify failed"
		lu_log "$(grep -iE 'verify|error|bad' /tmp/verify.log | head -n 10)"
		lu_fail "stage $STAGE: fio verifies the chunks written before the kexec" \
			"fio verify of chunks $1..$(($2 - 1)) failed"
		return 1
	fi
}

writer()
{
	local first=$1 c=$1
	record_write "$first" "$c"
	while :; do
		# shellcheck disable=SC2046 # one word per option
		$FIO --iodepth=1 --rw=randwrite --verify=crc32c --do_verify=0 \
			--rate_iops=$WRITE_IOPS $(chunk_job "$c") || {
			mark "write failed chunk $c"
			return 1
		}
		c=$((c + 1))
		record_write "$first" "$c"
		echo "$c" >/tmp/demo-done
	done
}

reader()
{
	$FIO --name=r --rw=randread --iodepth=1 --rate_iops=$READ_IOPS \
		--offset=1M --size=256M --time_based --runtime=3600
}

# start_load FIRST: the writer from chunk FIRST, and the reader.
start_load()
{
	FIRST=$1
	writer "$1" &
	WRITER=$!
	reader &
	mark "running"
}

# stop_load: the end of the demo. The load stops and the link goes down
# before the power-off: Debian's e1000e was seen to oops in
# e1000_clean_rx_irq() when its shutdown() ran under ping traffic.
stop_load()
{
	local ifc
	kill "$WRITER"
	killall fio
	# shellcheck disable=SC2012 # one interface name, no odd characters
	ifc=$(ls /sys/bus/pci/devices/$NIC/net 2>/dev/null | head -n 1)
	ip link set "$ifc" down
}

# bring_up DRIVERS: load, disk and (in the background) carrier. The disk
# is watched from before the load: the NIC's driver loads after the
# NVMe one, and the disk's time is not the time both took.
bring_up()
{
	local disk

	wait_disk &
	disk=$!
	lu_check "stage $STAGE: $1 drivers load" load "$1" || exit 1
	watch_carrier "$1" &
	wait $disk
	lu_check "stage $STAGE: disk ready" [ -b $DEV ] || exit 1
}

# resume: verify what the previous kernel wrote, then load again from
# the chunk it did not complete.
resume()
{
	local rec
	rec=$(record_read)
	# shellcheck disable=SC2086 # split into its words
	set -- $rec
	if [ "$1" != demo-chunks ] || [ "$4" != end ]; then
		lu_fail "stage $STAGE: chunk record in block 0" "found '$rec'"
		exit 1
	fi
	verify "$2" "$3"
	start_load "$3"
}

# icmp: this kernel's echo requests, replies and the replies its stack
# could not send, so that a lost ping is told apart from a lost frame.
icmp()
{
	mark "$(awk '/^Icmp:/ { if (!n) { for (i = 2; i <= NF; i++) col[$i] = i; n = 1; next }
		print "icmp echo requests " $col["InEchos"] " replies " \
			$col["OutEchoReps"] " errors " $col["OutErrors"] }' /proc/net/snmp)"
}

# next ACT N PRESERVE: the N-th kexec of ACT after RUN seconds of load.
next()
{
	local i
	sleep $RUN
	# At least one chunk of this kernel's for the next one to verify.
	i=0
	while [ "$(cat /tmp/demo-done 2>/dev/null || echo -1)" -le "$FIRST" ] &&
	      [ $i -lt 600 ]; do
		usleep 100000
		i=$((i + 1))
	done
	ip neigh show $HOST | sed -n 's/.* lladdr \([0-9a-f:]*\).*/\1/p' >/lu/host-mac
	icmp
	mark "kexec $1 $2"
	if [ "$3" = preserve ]; then
		lu_kexec sh -c "echo $NVME >$LU/preserve && echo $NIC >$LU/preserve"
	fi
	lu_kexec
}

if [ "$STAGE" -eq 0 ]; then
	bring_up ours
	start_load 0
	next ours 1 preserve
elif [ "$STAGE" -lt "$UPDATES" ]; then
	bring_up ours
	resume
	next ours $((STAGE + 1)) preserve
elif [ "$STAGE" -eq "$UPDATES" ]; then
	bring_up ours
	resume
	next switch 0 shutdown
elif [ "$STAGE" -le $((2 * UPDATES)) ]; then
	bring_up upstream
	resume
	next upstream $((STAGE - UPDATES)) shutdown
else
	bring_up upstream
	resume
	sleep $TAIL
	icmp
	mark "end"
	stop_load
fi
