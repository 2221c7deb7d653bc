# SPDX-License-Identifier: GPL-2.0
#
# Test helpers for scenario scripts (busybox sh): '. /lu/lib.sh'.
#
# Results go to the host as single lines on the serial console:
#   LUTEST: ok <desc>
#   LUTEST: not ok <desc> # <why>
#   LUTEST: skip <desc> # <why>
#   LUTEST: # <diagnostic text>
#   LUTEST: done
# <desc> must not contain '#'. The host prefixes results with the scenario
# name, so descriptions need not repeat it, but they should be unique
# within a scenario (say "after kexec" when a check runs in both stages).
#
# Environment from init: SCENARIO, BOOT (cold boot number, from 1), STAGE
# (kexecs done in this boot, from 0).

# Write one result line. A single write to /dev/kmsg is one kernel log
# record: it reaches the console whole (a write to /dev/console can be
# split by a kernel message printed in the middle of it), in order with
# the kernel's own messages, and synchronously, so it is out before a
# poweroff or kexec that follows.
_lu_emit()
{
	printf '<5>LUTEST: %s\n' "$*" >/dev/kmsg 2>/dev/null ||
		printf 'LUTEST: %s\n' "$*" >/dev/console
}

# lu_log TEXT...: diagnostics; several lines allowed, each sent on its own.
lu_log()
{
	printf '%s\n' "$*" | while IFS= read -r line; do
		_lu_emit "# $line"
	done
}

lu_ok()
{
	_lu_emit "ok $1"
}

# lu_fail DESC WHY
lu_fail()
{
	_lu_emit "not ok $1 # ${2:-failed}"
}

# lu_skip DESC WHY: not a pass; use it when the check cannot run here.
lu_skip()
{
	_lu_emit "skip $1 # ${2:-skipped}"
}

# lu_check DESC CMD [ARGS...]: ok if CMD succeeds; else the end of its
# output goes to the log. Returns CMD's status, so '|| exit 1' works.
lu_check()
{
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		lu_ok "$desc"
	else
		[ -n "$out" ] && lu_log "$(printf '%s\n' "$out" | tail -n 20)"
		lu_fail "$desc" "'$*' exited with status $rc"
	fi
	return $rc
}

# lu_expect_file DESC FILE VALUE: ok if FILE (sysfs, say) reads VALUE.
lu_expect_file()
{
	local got
	got=$(cat "$2" 2>&1)
	if [ "$got" = "$3" ]; then
		lu_ok "$1"
	else
		lu_fail "$1" "$2 is '$got', expected '$3'"
	fi
}

# lu_expect_dmesg DESC PATTERN: ok if a kernel message matches the
# extended regular expression (our own LUTEST lines do not count).
lu_expect_dmesg()
{
	if dmesg | grep -v 'LUTEST: ' | grep -Eq -- "$2"; then
		lu_ok "$1"
	else
		lu_fail "$1" "no kernel message matches /$2/"
		return 1
	fi
}

# lu_expect_no_dmesg DESC PATTERN: ok if no kernel message matches the
# extended regular expression; the first that do go to the log.
lu_expect_no_dmesg()
{
	if dmesg | grep -v 'LUTEST: ' | grep -Eq -- "$2"; then
		lu_log "$(dmesg | grep -v 'LUTEST: ' | grep -E -- "$2" | head)"
		lu_fail "$1" "a kernel message matches /$2/"
		return 1
	fi
	lu_ok "$1"
}

# What a block device logs when I/O failed or the driver had to step in.
LU_IO_ERRORS='I/O error|Buffer I/O|timed out|resetting controller|abort'

# lu_net_up IFACE ADDR/LEN HOST HOST_MAC: address, then link up, with two
# settings for the burst after a live update. The pings sent during the
# update wait in the RX ring and are answered at once when the interface
# comes up: with the host's neighbour entry permanent the replies need no
# ARP exchange first (its queue of waiting packets is bounded and says
# nothing about the NIC), and a byte queue limit floor lets them go to the
# TX ring at once. The new kernel's limit starts at zero, so they would
# wait in the qdisc, each charged to the ICMP socket's send buffer, which
# holds about 140; the stack drops the rest (Icmp OutErrors).
lu_net_up()
{
	ip addr add "$2" dev "$1" &&
		arp -i "$1" -s "$3" "$4" &&
		echo $((1 << 20)) >/sys/class/net/"$1"/queues/tx-0/byte_queue_limits/limit_min &&
		ip link set "$1" up
}

# lu_wait_carrier IFACE TENTHS: carrier within TENTHS tenths of a second?
lu_wait_carrier()
{
	local i=0
	while [ $i -lt "$2" ]; do
		[ "$(cat /sys/class/net/"$1"/carrier 2>/dev/null)" = 1 ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# lu_host_answers DESC BDF ADDR/PREFIX HOST: the NIC at BDF gets ADDR,
# comes up with a carrier and the host at HOST answers pings (one result).
lu_host_answers()
{
	local ifc

	ifc=$(ls /sys/bus/pci/devices/"$2"/net 2>/dev/null | head -n 1)
	if [ -n "$ifc" ] && ip addr add "$3" dev "$ifc" &&
	   ip link set "$ifc" up && lu_wait_carrier "$ifc" 100 &&
	   ping -c 2 -W 3 "$4" >/dev/null; then
		lu_ok "$1"
	else
		lu_fail "$1" "interface '$ifc' of $2"
	fi
}

# lu_icmp_counters: this kernel's echo requests and replies, and the
# replies its stack could not send: a ping lost there is not a frame the
# NIC lost.
lu_icmp_counters()
{
	awk '/^Icmp:/ { if (!n) { for (i = 2; i <= NF; i++) col[$i] = i; n = 1; next }
		print "in echos " $col["InEchos"] ", out echo replies " \
			$col["OutEchoReps"] ", out errors " $col["OutErrors"] }' /proc/net/snmp
}

# The fio options of the NVMe scenarios: 4 KiB blocks with crc32c verify
# headers, queue depth 16.
LU_FIO="fio --ioengine=libaio --direct=1 --bs=4k --iodepth=16 --verify=crc32c"

# lu_fio_run DESC ARGS...: one $LU_FIO job to completion, its errors in
# the log.
lu_fio_run()
{
	local desc=$1
	shift
	if $LU_FIO "$@" --output=/tmp/fio.log; then
		lu_ok "$desc"
	else
		lu_log "$(tail -n 15 /tmp/fio.log)"
		lu_fail "$desc" "fio failed"
	fi
}

# lu_fio_prefix DESC BASE_MIB SIZE_MIB PATTERN ARGS...: a sequential job
# (ARGS) that was writing PATTERN when the kexec started: what it wrote
# must verify as a prefix of its range. A block that does not verify
# followed by one that does is a write lost in the update.
lu_fio_prefix()
{
	local desc=$1 base=$2 size=$3 pattern=$4 r
	shift 4
	$LU_FIO "$@" --verify_pattern="$pattern" --verify_only \
		--continue_on_error=verify >/tmp/fio-vb.log 2>&1
	r=$(grep -o 'offset [0-9]*,' /tmp/fio-vb.log | tr -d , |
	    awk -v base=$((base << 20)) -v total=$((size << 8)) '
		{ n++; b = ($2 - base) / 4096; if (n == 1 || b < first) first = b }
		END { if (!n) first = total; print total - n, first }')
	set -- $r
	if [ "$1" -gt 0 ] && [ "$1" = "$2" ]; then
		lu_ok "$desc"
		lu_log "$desc: $1 blocks of 4 KiB written before the kexec"
	else
		lu_log "$(grep -m 3 verify: /tmp/fio-vb.log)"
		lu_fail "$desc" "$1 blocks verify, the first that does not is block $2"
	fi
}

# lu_bind DRIVER BDF...: give these devices to DRIVER. Our drivers take
# only a device whose driver_override names them (include/linux/pci_lu.h);
# if DRIVER is loaded already, the devices are probed at once.
lu_bind()
{
	local drv=$1 bdf
	shift
	for bdf in "$@"; do
		echo "$drv" >"/sys/bus/pci/devices/$bdf/driver_override" || return 1
		[ -d "/sys/bus/pci/drivers/$drv" ] || continue
		[ -e "/sys/bus/pci/devices/$bdf/driver" ] && continue
		echo "$bdf" >/sys/bus/pci/drivers_probe || return 1
	done
}

# lu_kexec [CMD [ARGS...]]: kexec into the same kernel with the same
# command line (or $LU_CMDLINE) and the current rootfs as its initramfs;
# the next stage starts with STAGE+1. CMD, if given, runs after the new
# kernel is loaded and just before 'kexec -e' (e.g. to preserve devices).
# Does not return: on any failure it reports and ends the scenario script.
lu_kexec()
{
	local next=$((STAGE + 1)) initrd=/tmp/lu-initrd.cpio cmdline
	cmdline=${LU_CMDLINE:-$(cat /proc/cmdline)}

	echo "$next" >/lu/stage
	# The next kernel boots this rootfs as it is now, so files written
	# here are there after the kexec. /proc, /sys, /dev and /tmp are
	# other mounts: -xdev keeps their contents (and this archive) out;
	# the next init needs /dev/console before it mounts devtmpfs.
	if ! (cd / && { find . -xdev; echo ./dev/console; } |
	      cpio -o -H newc >"$initrd" 2>/tmp/lu-cpio.err); then
		lu_log "$(cat /tmp/lu-cpio.err)"
		lu_fail "kexec to stage $next" "could not build the initramfs"
		exit 1
	fi

	# kexec_file_load (-s) is what a signed-kernel setup must use; fall
	# back to kexec_load so a problem with one does not stop the test.
	# LU_KEXEC_FAST=1: kexec_load without the purgatory's checksum of
	# the loaded image (-i), which under TCG costs seconds (the demo).
	if [ -n "$LU_KEXEC_FAST" ]; then
		if ! kexec -l -i /boot/vmlinuz --initrd="$initrd" --command-line="$cmdline"; then
			lu_fail "kexec to stage $next" "kexec -l -i could not load the kernel"
			exit 1
		fi
	elif ! kexec -s -l /boot/vmlinuz --initrd="$initrd" --command-line="$cmdline"; then
		lu_log "kexec -s -l failed, falling back to kexec -l (kexec_load)"
		if ! kexec -l /boot/vmlinuz --initrd="$initrd" --command-line="$cmdline"; then
			lu_fail "kexec to stage $next" "kexec could not load the kernel"
			exit 1
		fi
	fi

	if [ $# -gt 0 ] && ! "$@"; then
		kexec -u
		lu_fail "kexec to stage $next" "setup '$*' failed"
		exit 1
	fi

	lu_log "kexec -e into stage $next"
	kexec -e
	lu_fail "kexec to stage $next" "kexec -e returned"
	exit 1
}

# lu_reboot: end this boot with an ordinary reboot (the kernel's reboot
# path: drivers get shutdown(), not freeze()). QEMU runs with -no-reboot,
# so it exits; with '# boots: N' the host cold-boots the next one on the
# same RAM. Never returns.
lu_reboot()
{
	_lu_emit "done"
	reboot -f
	lu_done
}

# lu_done: this boot is over; tell the host and power off. Never returns.
lu_done()
{
	_lu_emit "done"
	poweroff -f
	# Not reached unless poweroff failed: PID 1 must not exit.
	echo o >/proc/sysrq-trigger
	while :; do
		sleep 60
	done
}
