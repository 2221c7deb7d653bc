# SPDX-License-Identifier: GPL-2.0
#
# Hostile handovers: records that are wrong but well-formed, their CRC
# valid, so that only the checks of the core and of each driver can catch
# them. Three devices, each kexec damaging one field of each device's
# record:
#
#   lunvme  its own record (debugfs record_fault), one field per update
#   lunic   its own record (debugfs record_fault), one field per update
#   edu     the core's record of the test driver (pci_liveupdate fault,
#           CRC recomputed): version, driver, address, sizes, chunks
#           (offset, tag, bus address, size), IDs
#
# Every damaged record must end in a log line naming the device and the
# reason, a cold probe with reset and a device that works (fio verify,
# ping, DMA test); the harness fails any warning, oops or BUG. After
# finish, no old memory is held: a record for a driver that never loads
# and one for a device that is not there are returned too.
#
# netns: lutap0 10.98.0.1/24
# qemu: -netdev tap,id=n0,ifname=lutap0,script=no,downscript=no
# qemu: -device e1000e,netdev=n0,romfile=,mac=52:54:00:4c:55:02,addr=07.0
# qemu: -device nvme,id=nvme0,serial=lunvme-hostile0,addr=06.0
# qemu: -device nvme-ns,drive=d0,bus=nvme0,nsid=1
# qemu: -device edu,addr=04.0,dma_mask=0xffffffff
# disk: d0 64M
# image: --kmod nvme-core --bin fio --bin ip
# timeout: 1500
# results: 172

. /lu/lib.sh

NVME=0000:00:06.0
NIC=0000:00:07.0
A=0000:00:04.0
NOWHERE=0000:00:1e.7		# where record-bdf moves A's record
HOST=10.98.0.1
GUEST=10.98.0.2
LU=/sys/kernel/pci_liveupdate
REGION=$(sed -n 's/.*memmap=\([^ ]*\).*/\1/p' /proc/cmdline)

NVME_FAULTS="nr_queues depth depths sq_tail cq_phase irq_type aer dbbuf cc serial aqa
	aq_depth cq_head cq_vector nr_vecs dstrd"
NIC_FAULTS="mac mac_invalid rx_count rdt mtu flags rctl rx_ring_dma rx_bufs_dma
	tctl rx_layout rfctl_exten"
CORE_FAULTS="record-version record-driver record-bdf record-sizes chunk-offset chunk-tag chunk-dma record-ids chunk-size"

# nth N WORDS...: the Nth word (from 1), empty past the end.
nth()
{
	local n=$1
	shift
	[ "$n" -ge 1 ] && [ "$n" -le $# ] || return 0
	eval echo "\${$n}"
}

last_stage()
{
	local n=0 list
	for list in "$NVME_FAULTS" "$NIC_FAULTS" "$CORE_FAULTS"; do
		# shellcheck disable=SC2086
		set -- $list
		[ $# -gt $n ] && n=$#
	done
	echo $n
}

load()
{
	local i

	modprobe nvme-core &&
		lu_bind lunvme $NVME && lu_bind lunic $NIC && lu_bind pci_lu_test $A &&
		insmod /lu/modules/pci_lu.ko region="$REGION" || return 1
	# Last stage: lunvme comes and goes before the others load. As the
	# last driver to unregister it must not drop their records.
	if [ "$STAGE" -eq "$(last_stage)" ]; then
		insmod /lu/modules/lunvme.ko || return 1
		# The new disk's partition scan holds the module a moment.
		for i in $(seq 50); do
			rmmod lunvme 2>/dev/null && break
			sleep 0.1
		done
		[ ! -d /sys/module/lunvme ] || return 1
		lu_expect_dmesg "stage $STAGE: last driver gone, 2 records kept" \
			"last live-update driver unregistered; 2 record\(s\) still wait"
	fi
	insmod /lu/modules/lunvme.ko &&
		insmod /lu/modules/lunic.ko &&
		insmod /lu/modules/pci_lu_test.ko
}

# What the driver logs for each of its own damaged fields.
nvme_reason()
{
	case $1 in
	nr_queues)	echo "record refused: queue count out of range" ;;
	depth)		echo "record refused: queue depth out of range" ;;
	depths)		echo "record refused: I/O queues of different depths" ;;
	sq_tail)	echo "record refused: queue index beyond its depth" ;;
	cq_phase)	echo "record refused: completion phase neither 0 nor 1" ;;
	irq_type)	echo "record refused: unknown interrupt type" ;;
	aer)		echo "record refused: more outstanding AERs than ever sent" ;;
	dbbuf)		echo "record refused: one shadow doorbell page without the other" ;;
	cc)		echo "CC is 0x[0-9a-f]+, record says 0x[0-9a-f]+: controller was reset" ;;
	serial)		echo "serial '.*', record says '.*': not the controller that was frozen" ;;
	aqa)		echo "record refused: admin queue depth differs from AQA" ;;
	aq_depth)	echo "record refused: admin queue depth is not the admin tag set's" ;;
	cq_head)	echo "record refused: completion queue 1 head [0-9]+ phase [01] disagree with its entries" ;;
	cq_vector)	echo "record refused: queue vector beyond the vectors recorded" ;;
	nr_vecs)	echo "record refused: more MSI-X vectors than queues" ;;
	dstrd)		echo "record refused: doorbells of [0-9]+ queues at CAP.DSTRD 15 lie beyond BAR0" ;;
	esac
}

nic_reason()
{
	case $1 in
	mac)		echo "MAC address .*, record says .*: not the NIC that was frozen" ;;
	mac_invalid)	echo "record refused: invalid MAC address" ;;
	rx_count)	echo "record refused: ring sizes out of range" ;;
	rdt)		echo "record refused: ring index out of range" ;;
	mtu)		echo "record refused: MTU out of range" ;;
	flags)		echo "record refused: unknown flags or reserved field set" ;;
	rctl)		echo "RCTL is 0x[0-9a-f]+, record says 0x[0-9a-f]+: device was reset" ;;
	rx_ring_dma)	echo "RDBAL is 0x[0-9a-f]+, record says 0x[0-9a-f]+: device was reset" ;;
	rx_bufs_dma)	echo "preserved memory is not where the record says" ;;
	tctl)		echo "record refused: TCTL is not lunic's transmit setup" ;;
	rx_layout)	echo "record refused: RCTL is not lunic's receive setup" ;;
	rfctl_exten)	echo "RFCTL.EXTEN is 0x8000, record says 0x0: device was reset" ;;
	esac
}

# The core's line for each damage to its own record of A.
core_reason()
{
	case $1 in
	record-version)	echo "$A: live update record refused: record version 2, driver reads version 1" ;;
	record-driver)	echo "$A: never retrieved by no_such_driver before finish" ;;
	record-bdf)	echo "$NOWHERE: preserved by the previous kernel but not present" ;;
	record-sizes)	echo "handover record [0-9]+ \(claims $A\): inconsistent sizes" ;;
	chunk-offset)	echo "handover record [0-9]+ for $A: chunk outside the data area" ;;
	chunk-tag)	echo "$A: live update chunk 'buf' not in the record" ;;
	chunk-dma)	echo "$A: live update chunk 'buf' moved from bus address" ;;
	record-ids)	echo "$A: live update record refused: record is for 1234:ee17" ;;
	# Refused at load if the larger chunk overlaps another, else by
	# pci_lu_restore().
	chunk-size)	echo "handover record [0-9]+ for $A: chunk outside the data area or overlapping|$A: live update chunk 'buf' is 12288 bytes, expected 8192" ;;
	esac
}

# check_nvme FAULT: refused for the reason, cold start, I/O verifies.
check_nvme()
{
	local f=$1 dev
	if [ -n "$f" ]; then
		lu_expect_dmesg "stage $STAGE: nvme $f refused" \
			"lunvme $NVME: retrieve: $(nvme_reason "$f")"
	fi
	lu_expect_dmesg "stage $STAGE: nvme cold start" "nvme nvme0: cold start"
	dev=/dev/nvme0n1
	lu_check "stage $STAGE: nvme writes and verifies" \
		fio --name=w --filename=$dev --ioengine=libaio --direct=1 \
		--bs=4k --iodepth=8 --size=4M --offset=$((STAGE * 4))M \
		--rw=randwrite --verify=crc32c --do_verify=1 --output=/tmp/fio.log
}

check_nic()
{
	local f=$1
	if [ -n "$f" ]; then
		lu_expect_dmesg "stage $STAGE: nic $f refused" \
			"lunic $NIC: retrieve: $(nic_reason "$f")"
	fi
	if [ -n "$f" ]; then
		lu_expect_dmesg "stage $STAGE: nic cold probe" "lunic .*probe: reset"
	else
		lu_expect_dmesg "stage $STAGE: nic retrieved" "lunic .*retrieve: .* adopted without reset"
	fi
	lu_host_answers "stage $STAGE: nic link up, host answers" $NIC $GUEST/24 $HOST
}

check_core()
{
	local f=$1
	# A record of an absent driver is only given up at finish.
	[ -n "$f" ] && [ "$f" != record-driver ] &&
		lu_expect_dmesg "stage $STAGE: core $f refused" "$(core_reason "$f")"
	if [ "$f" = record-driver ]; then
		if [ -e /sys/bus/pci/devices/$A/driver ]; then
			lu_fail "stage $STAGE: A left to the record's absent driver" "it is bound"
		else
			lu_ok "stage $STAGE: A left to the record's absent driver"
		fi
	fi
}

# After finish: nothing of the previous kernel held for any device.
check_finish()
{
	local f=$1 held=0 d
	lu_check "stage $STAGE: finish" sh -c "echo 1 >$LU/finish"
	if [ "$f" = record-driver ]; then
		lu_expect_dmesg "stage $STAGE: core $f refused" "$(core_reason "$f")"
		lu_expect_dmesg "stage $STAGE: abandoned record's memory returned" \
			"$A: released 8 KiB of the previous kernel's memory \(finish\)"
		# finish unpinned it from the absent driver: name it again.
		lu_check "stage $STAGE: A binds after finish" \
			lu_bind pci_lu_test $A
	fi
	if [ "$f" = record-bdf ]; then
		lu_expect_dmesg "stage $STAGE: missing device's memory returned" \
			"$NOWHERE: released 8 KiB of the previous kernel's memory \(finish\)"
	fi
	for d in $LU/devices/*; do
		held=$((held + $(cat "$d/incoming_memory")))
	done
	if [ $held -eq 0 ]; then
		lu_ok "stage $STAGE: no old memory held after finish"
	else
		lu_fail "stage $STAGE: no old memory held after finish" "$held bytes"
	fi
	if [ -n "$f" ]; then
		lu_expect_dmesg "stage $STAGE: edu cold probe" "$A: lu_test: probe"
	else
		lu_expect_dmesg "stage $STAGE: edu retrieved, its record intact" \
			"$A: lu_test: retrieve: .* record ok"
	fi
}

arm()
{
	local n=$((STAGE + 1)) f
	f=$(nth $n $NVME_FAULTS)
	[ -n "$f" ] && echo "$f" >/sys/kernel/debug/lunvme/$NVME/record_fault
	f=$(nth $n $NIC_FAULTS)
	[ -n "$f" ] && echo "$f" >/sys/kernel/debug/lunic/$NIC/record_fault
	f=$(nth $n $CORE_FAULTS)
	[ -n "$f" ] && echo "$f $A" >/sys/kernel/debug/pci_liveupdate/fault
	for d in $NVME $NIC $A; do
		echo $d >$LU/preserve || return 1
	done
}

if [ "$STAGE" -gt "$(last_stage)" ]; then
	lu_fail "stage $STAGE" "no such stage"
	exit 0
fi
lu_check "stage $STAGE: modules load" load || exit 1
if [ "$STAGE" -eq 0 ]; then
	lu_expect_dmesg "stage 0: nvme cold start" "nvme nvme0: cold start"
else
	check_core "$(nth $STAGE $CORE_FAULTS)"
	check_nvme "$(nth $STAGE $NVME_FAULTS)"
	check_nic "$(nth $STAGE $NIC_FAULTS)"
	check_finish "$(nth $STAGE $CORE_FAULTS)"
fi
if [ "$STAGE" -lt "$(last_stage)" ]; then
	lu_kexec arm
fi
