# SPDX-License-Identifier: GPL-2.0
#
# lunvme off its fast path, in one VM: legacy INTx interrupts (pci=nomsi,
# so no MSI-X and no MSI) and the timeout handler, across a live update.
#
#   stage 0  cold start on INTx; fio writes set A; a range is discarded
#            (Dataset Management, a special-payload request) and written
#            again; 128k I/O from huge pages (SGLs) verifies; a
#            completion is made to vanish (lunvme's debugfs fault):
#            the read times out, is
#            aborted, times out again, the controller is reset and the
#            read succeeds; set A verifies; kexec with the controller
#            preserved
#   stage 1  retrieved on INTx, as the record says; set A verifies; a
#            vanished completion again ends in a reset and a good read
#
# qemu: -device nvme,id=nvme0,serial=lunvme-fallback0,addr=06.0
# qemu: -device nvme-ns,drive=d0,bus=nvme0,nsid=1
# disk: d0 64M
# append: pci=nomsi
# image: --kmod nvme-core --bin fio
# timeout: 300
# results: 30

. /lu/lib.sh

NVME=0000:00:06.0
DEV=/dev/nvme0n1
REGION=$(sed -n 's/.*memmap=\([^ ]*\).*/\1/p' /proc/cmdline)
SET_A="--name=a --filename=$DEV --offset=0 --size=8M --rw=randwrite --randseed=99
	--ioengine=libaio --direct=1 --bs=4k --iodepth=8 --verify=crc32c"
FAULT=/sys/kernel/debug/lunvme/$NVME/drop_completions

load()
{
	modprobe nvme-core &&
		insmod /lu/modules/pci_lu.ko region="$REGION" &&
		lu_bind lunvme $NVME && insmod /lu/modules/lunvme.ko
}

on_intx()
{
	lu_check "stage $STAGE: interrupts are INTx (no MSI/MSI-X)" \
		sh -c 'grep lunvme /proc/interrupts | grep -q IO-APIC &&
			! grep lunvme /proc/interrupts | grep -q MSI'
}

# A read whose completion vanishes: abort, then reset, then it succeeds.
lost_completion()
{
	local before
	before=$(dmesg | grep -c "nvme nvme0: controller reset:")
	# Short timeouts keep this to seconds (default 30 s).
	echo 2000 >/sys/block/nvme0n1/queue/io_timeout
	lu_check "stage $STAGE: arm the dropped completion" \
		sh -c "echo 1 >$FAULT"
	lu_check "stage $STAGE: read with a lost completion succeeds" \
		dd if=$DEV of=/dev/null bs=4k count=1 skip=100 iflag=direct
	lu_expect_dmesg "stage $STAGE: completion dropped" \
		"fault injection: dropped completion"
	lu_expect_dmesg "stage $STAGE: timeout aborts the command first" \
		"nvme nvme0: command [0-9]+ on queue [0-9]+ timed out, aborting"
	lu_expect_dmesg "stage $STAGE: second timeout resets the controller" \
		"nvme nvme0: command [0-9]+ on queue [0-9]+ timed out, resetting controller"
	if [ "$(dmesg | grep -c "nvme nvme0: controller reset:")" -gt "$before" ]; then
		lu_ok "stage $STAGE: controller back after the reset"
	else
		lu_fail "stage $STAGE: controller back after the reset" \
			"no 'controller reset:' line"
	fi
}

# 1 MiB at 48 MiB, past set A: discarded, then written and read back.
# (QEMU ignores the discard on its image file, so what a discarded
# range reads back is not checked; the command must succeed.)
discard()
{
	dd if=/dev/urandom of=/tmp/pattern bs=64k count=16 2>/dev/null
	lu_check "stage $STAGE: namespace takes discards" sh -c \
		'[ "$(cat /sys/block/nvme0n1/queue/discard_max_bytes)" -gt 0 ]'
	lu_check "stage $STAGE: discard a range" \
		blkdiscard -o $((48 << 20)) -l $((1 << 20)) $DEV
	lu_check "stage $STAGE: write it again" \
		dd if=/tmp/pattern of=$DEV bs=64k seek=768 count=16 oflag=direct
	lu_check "stage $STAGE: it reads back" sh -c \
		"dd if=$DEV bs=64k skip=768 count=16 iflag=direct | cmp - /tmp/pattern"
}

# 128 KiB I/O from huge-page buffers at 32 MiB: one physically
# contiguous segment each, which lunvme maps as a single SGL descriptor
# (scripts/bench-nvme --trace shows pci_nvme_map_sgl); written and read
# back with checksums.
sgl_io()
{
	echo 4 >/proc/sys/vm/nr_hugepages
	lu_check "stage $STAGE: 128k I/O from huge pages verifies" \
		fio --name=sgl --filename=$DEV --offset=32M --size=4M \
			--rw=write --bs=128k --iodepth=8 --ioengine=libaio \
			--direct=1 --iomem=shmhuge --verify=crc32c \
			--verify_fatal=1 --output=/tmp/fio.log
}

verify_a()
{
	lu_check "stage $STAGE: set A verifies" \
		fio $SET_A --verify_only --verify_fatal=1 --output=/tmp/fio.log
}

case $STAGE in
0)
	lu_check "stage 0: modules load" load || exit 1
	lu_expect_dmesg "stage 0: cold start" "nvme nvme0: cold start"
	on_intx
	lu_check "stage 0: write set A" \
		fio $SET_A --do_verify=0 --output=/tmp/fio.log
	discard
	sgl_io
	lost_completion
	verify_a
	lu_check "stage 0: preserve the controller" \
		sh -c "echo $NVME >/sys/kernel/pci_liveupdate/preserve"
	lu_kexec
	;;
1)
	lu_check "stage 1: modules load" load || exit 1
	lu_expect_dmesg "stage 1: retrieved" \
		"nvme nvme0: retrieved running controller"
	on_intx
	verify_a
	lost_completion
	verify_a
	;;
*)
	lu_fail "stage $STAGE" "a stage this scenario does not have"
	;;
esac
