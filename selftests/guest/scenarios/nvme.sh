# SPDX-License-Identifier: GPL-2.0
#
# lunvme across chained live updates, with fio writing when each kexec
# starts. Two namespaces on one controller.
#
#   stage 0       cold start; nvme-cli identity; fio writes sets A (ns 1)
#                 and A2 (ns 2) with crc32c verify headers; then fio B
#                 writes ns 1 in the background and the kexec starts
#   stage 1..N    the controller is retrieved (no reset, see the host
#                 check of the QEMU trace); A and A2 verify clean; what
#                 fio B wrote before the kexec verifies with no hole; the
#                 identity is unchanged; fio B again, kexec
#   stage N       freeze() is made to fail after quiescing (lunvme's
#                 debugfs fault): shutdown() runs on the half-frozen
#                 controller and the kexec goes on
#   stage N+1     no record: cold start, A still verifies; the record is
#                 damaged on the way out
#   stage N+2     refused with a log line, cold start, A still verifies;
#                 the controller preserved, an admin command whose
#                 completion vanishes is in flight at the kexec: its
#                 timeout during freeze must not start a reset (which
#                 would wait on the frozen admin queue, and freeze on it,
#                 for ever) but fail the freeze
#   stage N+3     the kexec completed: no record, the controller was shut
#                 down and cold-starts; A still verifies
#
# qemu: -device nvme,id=nvme0,serial=lunvme-test0,addr=06.0
# qemu: -device nvme-ns,drive=d0,bus=nvme0,nsid=1
# qemu: -device nvme-ns,drive=d1,bus=nvme0,nsid=2
# disk: d0 256M
# disk: d1 64M
# image: --kmod nvme-core --bin fio --bin nvme
# trace: pci_nvme_rw_complete_cb
# trace: pci_nvme_dbbuf_config
# timeout: 900
# kernels: 6.12
# results: 134

. /lu/lib.sh

NVME=0000:00:06.0
LU=/sys/kernel/pci_liveupdate
# No region on a kernel with KHO: the core uses KHO.
REGION=$(sed -n 's/.*memmap=\([^ ]*\).*/\1/p' /proc/cmdline)
B_MB=96			# fio B: from 64 MiB, some 12 s of writing at 8 MB/s
# Chained updates that retrieve; fewer on KHO, whose backend is the new
# part there, to keep the suite's time in bounds (make soak runs 100).
UPDATES=6
[ -z "$REGION" ] && UPDATES=4
FIO=$LU_FIO

# nvme-core scans namespaces in parallel: nvme0n1 need not be nsid 1.
ns_dev()
{
	local b
	for b in /sys/block/nvme0n*; do
		if [ "$(cat "$b/nsid" 2>/dev/null)" = "$1" ]; then
			echo "/dev/${b##*/}"
			return 0
		fi
	done
	echo "/dev/no-nsid-$1"
	return 1
}

load()
{
	modprobe nvme-core &&
		insmod /lu/modules/pci_lu.ko region="$REGION" &&
		lu_bind lunvme $NVME && insmod /lu/modules/lunvme.ko
}

# The fio job sets, on the namespaces as named in this kernel.
sets()
{
	NS1=$(ns_dev 1)
	NS2=$(ns_dev 2)
	SET_A="--name=a --filename=$NS1 --offset=0 --size=32M --rw=randwrite --randseed=4242"
	SET_A2="--name=a2 --filename=$NS2 --offset=0 --size=8M --rw=randwrite --randseed=77"
	# Sequential: the writes that entered the queue before freeze() are
	# a prefix of the range, and freeze() completes every one of them.
	# Each block holds its offset and the stage that wrote it, so that
	# what an earlier stage left further on does not pass for it.
	# Writes rate-limited, so that it is still writing when the kexec
	# starts; the verification after it reads at full speed.
	SET_B="--name=b --filename=$NS1 --offset=64M --size=${B_MB}M --rw=write --verify=pattern --rate=,8m"
}

IDENTITY_FIELDS=5
identity()
{
	nvme id-ctrl /dev/nvme0 | grep -E '^(vid|sn|mn|fr|nn) '
}

# fio_run DESC ARGS...: lu_fio_run, DESC prefixed with the stage.
fio_run()
{
	local desc=$1
	shift
	lu_fio_run "stage $STAGE: $desc" "$@"
}

# What the previous stage's fio B wrote before the kexec verifies, no hole.
verify_b()
{
	lu_fio_prefix "stage $STAGE: fio B's writes before the kexec verify, no hole" \
		64 $B_MB "%o\"s$((STAGE - 1))\"" $SET_B
}

verify_sets()
{
	fio_run "$1: set A verifies on ns 1" $SET_A --verify_only --verify_fatal=1
	fio_run "$1: set A2 verifies on ns 2" $SET_A2 --verify_only --verify_fatal=1
}

check_cli()
{
	lu_check "stage $STAGE: nvme list shows both namespaces" \
		sh -c 'nvme list | grep -q nvme0n2'
	local id fields
	id=$(identity)
	fields=$(printf '%s\n' "$id" | grep -c .)
	if [ "$fields" -ne $IDENTITY_FIELDS ]; then
		lu_log "$id"
		lu_fail "stage $STAGE: id-ctrl identity unchanged" \
			"id-ctrl shows $fields of the $IDENTITY_FIELDS fields"
	elif [ "$id" = "$(cat /lu/identity)" ]; then
		lu_ok "stage $STAGE: id-ctrl identity unchanged"
	else
		lu_log "$id"
		lu_fail "stage $STAGE: id-ctrl identity unchanged" "differs from stage 0"
	fi
	lu_check "stage $STAGE: smart-log" nvme smart-log /dev/nvme0
	lu_check "stage $STAGE: get-feature" nvme get-feature /dev/nvme0 -f 7
}

# Write in the background while the update starts.
update()
{
	$FIO $SET_B --verify_pattern="%o\"s$STAGE\"" --do_verify=0 --output=/tmp/fio-b.log &
	sleep 3
	if ! lu_check "stage $STAGE: fio B writing when the kexec starts" \
		kill -0 $!; then
		lu_log "$(tail -n 20 /tmp/fio-b.log)"
	fi
	lu_check "stage $STAGE: preserve the controller" \
		sh -c "echo $NVME >$LU/preserve"
	lu_kexec
}

# Just before kexec -e: an Identify whose completion vanishes, with a
# 3 s timeout, so that it times out inside freeze's drain.
admin_in_flight()
{
	echo 1 >/sys/kernel/debug/lunvme/$NVME/drop_admin_completions || return 1
	nvme admin-passthru /dev/nvme0 --opcode=6 --cdw10=1 --data-len=4096 \
		--read --timeout=3000 >/dev/null 2>&1 &
	sleep 0.5
	lu_expect_dmesg "stage $STAGE: an admin command is in flight, its completion dropped" \
		"fault injection: dropped completion of command [0-9]+ on queue 0"
}

no_io_errors()
{
	lu_expect_no_dmesg "stage $STAGE: no I/O error" "$LU_IO_ERRORS"
}

case $STAGE in
0)
	lu_check "stage 0: modules load" load || exit 1
	sets
	lu_expect_dmesg "stage 0: cold start" "nvme nvme0: cold start"
	lu_check "stage 0: two namespaces" test -b "$NS1" -a -b "$NS2"
	identity >/lu/identity
	check_cli
	fio_run "write set A" $SET_A --do_verify=0
	fio_run "write set A2" $SET_A2 --do_verify=0
	update
	;;
$((UPDATES + 1)))
	lu_check "stage $STAGE: modules load" load || exit 1
	sets
	lu_expect_dmesg "stage $STAGE: no record after the failed freeze" \
		"incoming handover: generation [0-9]+, 0 device"
	lu_expect_dmesg "stage $STAGE: cold start after the failed freeze" \
		"nvme nvme0: cold start"
	check_cli
	verify_sets "after failed freeze"
	verify_b
	no_io_errors
	lu_check "stage $STAGE: damage the next record" \
		sh -c "echo 'record-crc $NVME' >/sys/kernel/debug/pci_liveupdate/fault"
	update
	;;
$((UPDATES + 2)))
	lu_check "stage $STAGE: modules load" load || exit 1
	sets
	lu_expect_dmesg "stage $STAGE: damaged record refused" \
		"handover record [0-9]+ \(claims $NVME\): record CRC mismatch"
	lu_expect_dmesg "stage $STAGE: cold start after refusal" \
		"nvme nvme0: cold start"
	check_cli
	verify_sets "after cold start"
	verify_b
	fio_run "disk works after cold start" --name=c --filename=$NS1 \
		--offset=128M --size=8M --rw=randwrite --do_verify=1
	no_io_errors
	lu_check "stage $STAGE: preserve the controller" \
		sh -c "echo $NVME >$LU/preserve"
	lu_kexec admin_in_flight
	;;
$((UPDATES + 3)))
	lu_check "stage $STAGE: modules load" load || exit 1
	sets
	lu_expect_dmesg "stage $STAGE: no record: the freeze failed" \
		"incoming handover: generation [0-9]+, 0 device"
	lu_expect_dmesg "stage $STAGE: cold start" "nvme nvme0: cold start"
	verify_sets "after the admin timeout"
	;;
*)
	if [ "$STAGE" -gt $((UPDATES + 3)) ]; then
		lu_fail "stage $STAGE" "no such stage"
		exit 0
	fi
	lu_check "stage $STAGE: modules load" load || exit 1
	sets
	lu_expect_dmesg "stage $STAGE: retrieved, shadow doorbells adopted" \
		"nvme nvme0: retrieved running controller: .*shadow doorbells"
	lu_expect_no_dmesg "stage $STAGE: no cold start" "nvme nvme0: cold start"
	check_cli
	verify_sets "after update"
	verify_b
	no_io_errors
	if [ "$STAGE" -eq "$UPDATES" ]; then
		lu_check "stage $STAGE: make the next freeze fail after quiescing" \
			sh -c "echo Y >/sys/kernel/debug/lunvme/$NVME/fail_freeze"
	fi
	update
	;;
esac
