# SPDX-License-Identifier: GPL-2.0
#
# The series of kernel/series/ on the 7.3 test kernel: the in-tree nvme
# driver (drivers/nvme/host/pci.c with retrieve() and freeze()) across
# chained live updates, fio writing when each kexec starts, and every way
# the PCI core must refuse a record and probe with a reset.
#
#   boot 1
#   stage 0     cold start; the NIC's driver (e1000e, no freeze()) cannot
#               preserve it; fio writes set A; fio B writes in the
#               background, the controller is preserved, kexec -s
#   1..U        retrieved, no cold probe; the update finishes by itself;
#               nvme-cli identity, smart-log; A and what B wrote before
#               the kexec verify; kexec again (at U the record is damaged
#               on the way out)
#   U+1         record CRC refused at load: probe, data verifies; the next
#               record claims another device ID
#   U+2         record of another device refused at bind: reset, probe;
#               the next handover has a bad magic
#   U+3         no record at all (handover refused): probe; the next
#               record names a chunk one page larger than was preserved
#   U+4         that chunk is not in the core's list of preserved pages:
#               refused without KHO's warning, probe; preserved again,
#               and the next kernel loads nvme without the series
#   U+5         a driver without retrieve() gets the preserved controller:
#               refused, reset, probe; then the series' nvme again,
#               preserved, and an ordinary reboot
#   boot 2      cold boot after the reboot: no handover, probe, A verifies
#
# The host checks QEMU's trace (selftests/host/nvme-pci): no reset, no
# queue created or deleted and no shadow doorbell set again across the
# updates that retrieve; resets where the scenario expects a probe.
#
# The controller sits behind a PCIe root port, as on a server.
# qemu: -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,addr=1c.0
# qemu: -device nvme,id=nvme0,serial=lunvme-pci0,bus=rp1
# qemu: -device nvme-ns,drive=d0,bus=nvme0,nsid=1
# qemu: -device e1000e,addr=03.0,romfile=
# disk: d0 256M
# image: --kmod nvme --kmod e1000e --bin fio --bin nvme
# trace: pci_nvme_rw_complete_cb
# trace: pci_nvme_dbbuf_config
# kernels: 7.3
# Multi-threaded TCG, as for the demo and benchmarks: the in-tree driver
# uses shadow doorbells with no lost-doorbell check, which single-threaded
# TCG breaks (vm.py); with an unstable TSC sched_clock's static key never
# flips, which multi-threaded TCG 7.2 can run stale code after.
# tcg: multi
# append: tsc=unstable
# boots: 2
# timeout: 900
# results: 144

. /lu/lib.sh

NVME=0000:01:00.0
PORT=0000:00:1c.0
NIC=0000:00:03.0
LUATTR=/sys/bus/pci/devices/$NVME/liveupdate
LU=/sys/kernel/pci_liveupdate
FAULT=/sys/kernel/debug/pci_liveupdate/fault
UPDATES=3
B_MB=48			# fio B: from 64 MiB, some 12 s of writing at 4 MB/s
FIO=$LU_FIO
NS1=/dev/nvme0n1
WHERE="stage $STAGE"
[ "$BOOT" = 2 ] && WHERE="boot 2"
SET_A="--name=a --filename=$NS1 --offset=0 --size=32M --rw=randwrite --randseed=4242"
# Sequential, rate-limited: still writing when the kexec starts, and what
# entered the queue before freeze() is a prefix of the range.
SET_B="--name=b --filename=$NS1 --offset=64M --size=${B_MB}M --rw=write --verify=pattern --rate=,4m"

identity()
{
	nvme id-ctrl /dev/nvme0 | grep -E '^(vid|sn|mn|fr|nn) '
}

load_nvme()
{
	modprobe nvme && test -b $NS1
}

# fio_run DESC ARGS...: lu_fio_run, DESC prefixed with the stage.
fio_run()
{
	local desc=$1
	shift
	lu_fio_run "$WHERE: $desc" "$@"
}

# What the previous stage's fio B wrote before the kexec verifies, no hole.
verify_b()
{
	lu_fio_prefix "stage $STAGE: fio B's writes before the kexec verify, no hole" \
		64 $B_MB "%o\"s$((STAGE - 1))\"" $SET_B
}

check_cli()
{
	local id
	id=$(identity)
	if [ "$BOOT" = 2 ]; then
		lu_check "boot 2: id-ctrl shows the controller" \
			sh -c "nvme id-ctrl /dev/nvme0 | grep -q '^sn *: lunvme-pci0'"
		lu_check "boot 2: smart-log" nvme smart-log /dev/nvme0
		return
	fi
	if [ "$(printf '%s\n' "$id" | grep -c .)" -ne 5 ]; then
		lu_log "$id"
		lu_fail "stage $STAGE: id-ctrl identity unchanged" "id-ctrl shows no identity"
	elif [ "$id" = "$(cat /lu/identity)" ]; then
		lu_ok "stage $STAGE: id-ctrl identity unchanged"
	else
		lu_log "$id"
		lu_fail "stage $STAGE: id-ctrl identity unchanged" "differs from stage 0"
	fi
	lu_check "stage $STAGE: smart-log" nvme smart-log /dev/nvme0
}

no_io_errors()
{
	lu_expect_no_dmesg "$WHERE: no I/O error" "$LU_IO_ERRORS"
}


preserve()
{
	lu_check "stage $STAGE: preserve the controller" \
		sh -c "echo preserve >$LUATTR"
	lu_expect_file "stage $STAGE: it reads preserved" $LUATTR preserved
}

# Write in the background while the update starts; ARGS: a fault to arm.
update()
{
	$FIO $SET_B --verify_pattern="%o\"s$STAGE\"" --do_verify=0 --output=/tmp/fio-b.log &
	sleep 3
	if ! lu_check "stage $STAGE: fio B writing when the kexec starts" kill -0 $!; then
		lu_log "$(tail -n 20 /tmp/fio-b.log)"
	fi
	preserve
	if [ $# -gt 0 ]; then
		lu_check "stage $STAGE: arm fault '$*'" sh -c "echo '$*' >$FAULT"
	fi
	lu_kexec
}

# The root port's Bus Master Enable, before any driver enables it again.
port_master()
{
	local cmd
	cmd=$(od -An -tx2 -j4 -N2 /sys/bus/pci/devices/$PORT/config | tr -d ' ')
	[ $((0x$cmd & 4)) -ne 0 ]
}

# After a cold probe the data is still there and the disk works.
after_probe()
{
	lu_expect_file "stage $STAGE: reads probed" $LUATTR probed
	lu_expect_no_dmesg "stage $STAGE: not retrieved" "nvme nvme0: retrieved"
	check_cli
	fio_run "set A verifies" $SET_A --verify_only --verify_fatal=1
	verify_b
	no_io_errors
}

if [ "$BOOT" = 2 ]; then
	lu_check "boot 2: nvme loads" load_nvme || exit 1
	lu_expect_dmesg "boot 2: no incoming handover after a reboot" \
		"pci_lu: no incoming handover \(cold boot\)"
	lu_expect_file "boot 2: reads probed" $LUATTR probed
	check_cli
	fio_run "set A verifies" $SET_A --verify_only --verify_fatal=1
	no_io_errors
	exit 0
fi

case $STAGE in
0)
	# A report of either fails the scenario (the harness reads the log).
	lu_expect_dmesg "stage 0: a debug kernel: KASAN is on" \
		"KernelAddressSanitizer initialized"
	lu_expect_dmesg "stage 0: a debug kernel: lockdep is on" \
		"Lock dependency validator"
	lu_expect_dmesg "stage 0: the PCI core's live update is on KHO" \
		"pci_lu: handover backend KHO"
	lu_check "stage 0: nvme loads" load_nvme || exit 1
	lu_expect_file "stage 0: the controller reads probed" $LUATTR probed
	identity >/lu/identity
	check_cli
	lu_check "stage 0: e1000e loads" modprobe e1000e
	if sh -c "echo preserve >/sys/bus/pci/devices/$NIC/liveupdate" 2>/dev/null; then
		lu_fail "stage 0: a NIC whose driver has no freeze() cannot be preserved" \
			"the write succeeded"
	else
		lu_ok "stage 0: a NIC whose driver has no freeze() cannot be preserved"
	fi
	lu_expect_dmesg "stage 0: ... and the log says why" \
		"$NIC: cannot be preserved: driver e1000e has no freeze"
	fio_run "write set A" $SET_A --do_verify=0
	update
	;;
$((UPDATES + 1)))
	lu_check "stage $STAGE: nvme loads" load_nvme || exit 1
	lu_expect_dmesg "stage $STAGE: damaged record refused at load" \
		"handover record [0-9]+ \(claims $NVME\): record CRC mismatch"
	after_probe
	update record-ids $NVME
	;;
$((UPDATES + 2)))
	lu_check "stage $STAGE: nvme loads" load_nvme || exit 1
	lu_expect_dmesg "stage $STAGE: record of another device refused" \
		"$NVME: live update record refused: record is for"
	lu_expect_dmesg "stage $STAGE: reset before the cold probe" \
		"$NVME: live update: (reset|no reset method, bus mastering off) before cold probe"
	after_probe
	update header-magic
	;;
$((UPDATES + 3)))
	lu_check "stage $STAGE: nvme loads" load_nvme || exit 1
	lu_expect_dmesg "stage $STAGE: handover refused, no record" \
		"incoming handover refused: bad magic"
	after_probe
	update chunk-size $NVME
	;;
$((UPDATES + 4)))
	lu_check "stage $STAGE: nvme loads" load_nvme || exit 1
	lu_expect_dmesg "stage $STAGE: a chunk not preserved is not restored" \
		"chunk of [0-9]+ bytes at 0x[0-9a-f]+ was not preserved by the previous kernel's live update"
	lu_expect_dmesg "stage $STAGE: ... and its record dropped at load" \
		"handover record [0-9]+ for $NVME: chunk outside the data area or overlapping"
	after_probe
	# The next kernel gets nvme-pci without the series.
	update
	;;
$((UPDATES + 5)))
	lu_check "stage $STAGE: nvme without retrieve() loads" \
		sh -c "modprobe nvme-core && insmod /lu/modules/nvme-base.ko && sleep 1 && test -b $NS1"
	lu_expect_dmesg "stage $STAGE: its record is refused" \
		"$NVME: live update record refused: driver nvme cannot retrieve"
	lu_expect_dmesg "stage $STAGE: reset before the cold probe" \
		"$NVME: live update: (reset|no reset method, bus mastering off) before cold probe"
	after_probe
	lu_check "stage $STAGE: back to nvme with the series" \
		sh -c "rmmod nvme-base && modprobe nvme && sleep 1 && test -b $NS1"
	preserve
	lu_log "stage $STAGE: ordinary reboot with the controller preserved"
	lu_reboot
	;;
*)
	if [ "$STAGE" -gt $((UPDATES + 5)) ]; then
		lu_fail "stage $STAGE" "no such stage"
		exit 0
	fi
	lu_check "stage $STAGE: the root port kept bus mastering" port_master
	lu_check "stage $STAGE: nvme loads" load_nvme || exit 1
	lu_expect_dmesg "stage $STAGE: retrieved, no reset" \
		"nvme nvme0: retrieved running controller: [0-9]+ I/O queues, no reset"
	lu_expect_dmesg "stage $STAGE: the PCI core timed it" \
		"nvme $NVME: retrieved from live update generation $STAGE in [0-9]+ us"
	lu_expect_no_dmesg "stage $STAGE: no cold probe" "$NVME: cold probe"
	lu_expect_file "stage $STAGE: reads retrieved" $LUATTR retrieved
	lu_expect_file "stage $STAGE: the update finished by itself" $LU/state finished
	check_cli
	fio_run "set A verifies" $SET_A --verify_only --verify_fatal=1
	verify_b
	no_io_errors
	if [ "$STAGE" -eq $UPDATES ]; then
		update record-crc $NVME
	else
		update
	fi
	;;
esac
