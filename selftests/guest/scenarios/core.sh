# SPDX-License-Identifier: GPL-2.0
#
# The PCI live-update core alone, with the test driver on two QEMU edu
# devices, through a chain of kexecs in one VM. Each stage checks what the
# previous kernel set up, then sets up the next case and kexecs:
#
#   0  no region; a region= the kernel did not reserve is refused; cold
#      boot with region; preserve/unpreserve
#   1  unpreserved devices were shut down and are probed; A gets a spare
#      chunk its retrieve() will not restore  -> preserve A, B
#   2  both retrieved (record, chunk, device intact), pinned to the driver;
#      finish written while B is inside retrieve() takes nothing from it;
#      A's spare chunk stays reserved after retrieve and finish -> preserve
#   3  chained: generation 2; the spare chunk was handed on; driver unload
#      before finish frees the update
#   4  finish before any driver: records abandoned, memory returned
#   5  header CRC damaged       6  wrong ABI version     7  bad magic
#   8  records longer than the record area (valid CRC)
#   9  record CRC damaged (A), record IDs do not match (B): B is not
#      pinned to the record's driver
#  10  region smaller than the handover (truncated; on KHO a header that
#      claims a larger one); freeze of A fails; the header will count
#      one record more than there is
#  11  A was shut down instead, the phantom record dropped; retrieve and
#      probe of B fail -> its old memory is given back at once; B probed
#      on the next load; then an ordinary reboot with A preserved:
#      shutdown(), not freeze()
#
# On a stock kernel with KHO (no memmap=, REGION is empty) the module's
# backend is KHO and the stages are the same. The 7.3 test kernel has the
# PCI core's own live update built in instead, which the module cannot
# load beside; its KHO code is the same files (scenario nvme-pci).
#
# kernels: 6.12
# qemu: -device edu,addr=04.0,dma_mask=0xffffffff
# qemu: -device edu,addr=05.0,dma_mask=0xffffffff
# timeout: 420
# results: 137

. /lu/lib.sh

A=0000:00:04.0
B=0000:00:05.0
LU=/sys/kernel/pci_liveupdate
FAULT=/sys/kernel/debug/pci_liveupdate/fault
# The region the kernel reserves with memmap=SIZE$ADDR, in the same syntax;
# without one the core uses KHO.
REGION=$(sed -n 's/.*memmap=\([^ ]*\).*/\1/p' /proc/cmdline)
BACKEND=${REGION:+memmap}
BACKEND=${BACKEND:-kho}

load_core()
{
	insmod /lu/modules/pci_lu.ko "$@"
}

load_driver()
{
	lu_bind pci_lu_test $A $B && insmod /lu/modules/pci_lu_test.ko "$@"
}

unload_all()
{
	rmmod pci_lu_test 2>/dev/null
	rmmod pci_lu
}

expect_status()
{
	lu_expect_file "stage $STAGE: $1 is $2" "$LU/devices/$1/status" "$2"
}

# expect_dev_log DESC DEV PATTERN: a kernel message of device DEV matches.
expect_dev_log()
{
	lu_expect_dmesg "stage $STAGE: $1" "$2: $3"
}

expect_no_log()
{
	if dmesg | grep -v 'LUTEST: ' | grep -Eq -- "$2"; then
		lu_fail "stage $STAGE: $1" "unexpected kernel message /$2/"
	else
		lu_ok "stage $STAGE: $1"
	fi
}

# Cold probe of both devices, with the reason logged by the core.
expect_cold_probe()
{
	expect_dev_log "A probed ($1)" $A "lu_test: probe"
	expect_dev_log "B probed ($1)" $B "lu_test: probe"
	expect_no_log "nothing retrieved ($1)" "lu_test: retrieve"
}

# wait_dmesg PATTERN TENTHS: a kernel message matches within TENTHS/10 s?
wait_dmesg()
{
	local i=0
	while [ $i -lt "$2" ]; do
		dmesg | grep -v 'LUTEST: ' | grep -Eq -- "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

preserve()
{
	for d in "$@"; do
		echo "$d" >$LU/preserve || return 1
	done
}

inject()
{
	lu_check "stage $STAGE: arm fault '$*'" sh -c "echo '$*' >$FAULT"
}

# An unbound device that is not an edu, or nothing.
other_unbound()
{
	local d
	for d in /sys/bus/pci/devices/*; do
		[ -e "$d/driver" ] || [ "$(cat "$d/vendor")" = 0x1234 ] ||
			{ basename "$d"; return; }
	done
}

# The driver takes only devices named with driver_override: not by load,
# not by new_id, and not a device its id_table does not list.
safe_default()
{
	local other
	insmod /lu/modules/pci_lu_test.ko
	echo "1234 11e8" >/sys/bus/pci/drivers/pci_lu_test/new_id
	if [ -e $LU/devices/$A ] || [ -e /sys/bus/pci/devices/$A/driver ]; then
		lu_fail "stage 0: no device taken without driver_override" "A is bound"
	else
		lu_ok "stage 0: no device taken without driver_override"
	fi
	expect_dev_log "new_id refused without driver_override" $A \
		"not bound to pci_lu_test: name it in driver_override"
	other=$(other_unbound)
	if [ -n "$other" ]; then
		lu_bind pci_lu_test "$other"
		expect_dev_log "a device the id_table lacks is refused" "$other" \
			"not bound to pci_lu_test: it does not drive"
		echo >"/sys/bus/pci/devices/$other/driver_override"
	else
		lu_skip "stage 0: a device the id_table lacks is refused" "no unbound device"
	fi
	lu_check "stage 0: lu_bind binds a loaded driver" lu_bind pci_lu_test $A $B
}

# region= over memory that memmap= did not reserve: refused with a log line.
refuse_region()
{
	local what=$1 addr=$2

	if [ -z "${addr#0x}" ]; then
		lu_fail "stage $STAGE: a region over $what is refused" "no address found"
		return
	fi
	addr=$(printf '0x%x' $((addr)))
	if load_core region="4M\$$addr" 2>/dev/null; then
		lu_fail "stage $STAGE: a region over $what is refused" "loaded"
		unload_all
	else
		lu_ok "stage $STAGE: a region over $what is refused"
	fi
	lu_expect_dmesg "stage $STAGE: ... with a log line ($what)" \
		"region 4194304 bytes at 0x0*${addr#0x} is not reserved memory"
}

# Without a backend: devices work, nothing can be preserved.
no_backend()
{
	# 64 MiB at 256 MiB: RAM the kernel uses (the VM has 1 GiB).
	if load_core region='64M$0x10000000' 2>/dev/null; then
		lu_fail "stage $STAGE: a region the kernel did not reserve is refused" "loaded"
		unload_all
	else
		lu_ok "stage $STAGE: a region the kernel did not reserve is refused"
	fi
	lu_expect_dmesg "stage $STAGE: ... with a log line" \
		"region 67108864 bytes at 0x0*10000000 is System RAM in use, not reserved"
	refuse_region "a device's BAR" \
		"$(awk 'NR == 1 { print $1 }' /sys/bus/pci/devices/$A/resource)"
	# ECAM: reserved in the firmware map, but config space lies there.
	refuse_region "ECAM, reserved by the firmware" \
		0x$(sed -n 's/^ *\([0-9a-f]*\)-.*PCI \(MMCONFIG\|ECAM\).*/\1/p' \
			/proc/iomem | head -1)
	load_core
	lu_expect_dmesg "stage $STAGE: no region is reported" \
		"no handover region configured"
	safe_default
	expect_cold_probe "no region"
	lu_expect_file "stage $STAGE: region shows none" $LU/region none
	lu_expect_file "stage $STAGE: backend shows none" $LU/backend none
	if echo $A >$LU/preserve 2>/dev/null; then
		lu_fail "stage $STAGE: preserve refused without a region" "write succeeded"
	else
		lu_ok "stage $STAGE: preserve refused without a region"
	fi
	unload_all
}

# Unload the core while its sysfs files are read and written without a
# pause: each unload must wait for them, not free what they use. Without a
# KASAN kernel only a crash shows; the harness fails any oops or BUG.
unload_under_load()
{
	local i pids="" loads=0 f

	for f in state generation backend region region_used; do
		(while :; do cat $LU/$f; done) >/dev/null 2>&1 &
		pids="$pids $!"
	done
	(while :; do echo $A >$LU/preserve; echo $A >$LU/unpreserve; done) \
		>/dev/null 2>&1 &
	pids="$pids $!"
	for i in 1 2 3 4 5 6 7 8; do
		load_core region="$REGION" && load_driver && loads=$((loads + 1))
		sleep 0.2
		unload_all
	done
	# shellcheck disable=SC2086
	kill $pids
	wait 2>/dev/null
	if [ $loads = 8 ]; then
		lu_ok "stage 0: core loaded and unloaded 8 times under sysfs load"
	else
		lu_fail "stage 0: core loaded and unloaded 8 times under sysfs load" \
			"$loads loads of 8 worked"
	fi
}

stage0()
{
	[ "$BACKEND" = memmap ] && no_backend
	unload_under_load

	load_core region="$REGION"
	lu_expect_dmesg "stage 0: cold boot has no incoming handover" \
		"no incoming handover \(cold boot\)"
	lu_expect_file "stage 0: backend is $BACKEND" $LU/backend $BACKEND
	load_driver
	expect_status $A probed
	lu_expect_file "stage 0: state none" $LU/state none
	lu_expect_file "stage 0: generation 0" $LU/generation 0
	lu_expect_file "stage 0: A has an 8 KiB chunk" $LU/devices/$A/memory 8192

	lu_check "stage 0: preserve A" preserve $A
	lu_expect_file "stage 0: state preserved" $LU/state preserved
	lu_expect_file "stage 0: A marked preserved" $LU/devices/$A/preserved 1
	lu_check "stage 0: unpreserve A" sh -c "echo $A >$LU/unpreserve"
	lu_expect_file "stage 0: state back to none" $LU/state none
	if echo 0000:00:1f.7 >$LU/preserve 2>/dev/null; then
		lu_fail "stage 0: preserve of an unknown device refused" "write succeeded"
	else
		lu_ok "stage 0: preserve of an unknown device refused"
	fi
	lu_kexec
}

stage1()
{
	load_core region="$REGION"
	lu_expect_dmesg "stage 1: empty handover after kexec" \
		"incoming handover: generation 1, 0 device"
	load_driver spare_chunk=$A
	expect_cold_probe "unpreserved"
	expect_status $A probed
	lu_expect_file "stage 1: A has a spare chunk" $LU/devices/$A/memory 12288
	lu_check "stage 1: preserve A and B" preserve $A $B
	lu_kexec
}

stage2()
{
	load_core region="$REGION"
	lu_expect_dmesg "stage 2: two records" \
		"incoming handover: generation 2, 2 device"
	lu_expect_file "stage 2: state incoming" $LU/state incoming
	expect_status $A incoming
	lu_expect_file "stage 2: A's old memory held for it" \
		$LU/devices/$A/incoming_memory 12288
	lu_expect_file "stage 2: A pinned to its record's driver" \
		/sys/bus/pci/devices/$A/driver_override pci_lu_test
	# finish while B is inside retrieve(): it must not free what B reads.
	load_driver slow_retrieve=$B &
	if wait_dmesg "$B: lu_test: retrieve: waiting" 100; then
		lu_check "stage 2: finish while B is in retrieve()" sh -c "echo 1 >$LU/finish"
	else
		lu_fail "stage 2: finish while B is in retrieve()" "B's retrieve() did not start"
	fi
	wait
	expect_dev_log "A retrieved intact" $A "lu_test: retrieve: .* record ok, chunk ok, device buffer ok"
	expect_dev_log "B retrieved intact" $B "lu_test: retrieve: .* record ok, chunk ok, device buffer ok"
	expect_no_log "no cold probe" "lu_test: probe"
	expect_status $A retrieved
	expect_status $B retrieved
	lu_expect_file "stage 2: A adopted its chunk" $LU/devices/$A/memory 8192
	expect_dev_log "A keeps the chunk retrieve did not restore" $A \
		"keeping 4 KiB of the previous kernel's memory that retrieve did not restore"
	lu_expect_file "stage 2: generation 2" $LU/generation 2
	lu_check "stage 2: finish" sh -c "echo 1 >$LU/finish"
	lu_expect_file "stage 2: A's spare chunk still reserved after finish" \
		$LU/devices/$A/incoming_memory 4096
	lu_expect_file "stage 2: state finished" $LU/state finished
	lu_expect_dmesg "stage 2: finish logged" \
		"generation 2 finished \(finish written\), 0 device"
	lu_expect_file "stage 2: A keeps its driver_override after finish" \
		/sys/bus/pci/devices/$A/driver_override pci_lu_test
	lu_check "stage 2: preserve A and B again" preserve $A $B
	lu_kexec
}

stage3()
{
	load_core region="$REGION"
	load_driver
	lu_expect_file "stage 3: chained update has generation 3" $LU/generation 3
	expect_status $A retrieved
	expect_status $B retrieved
	lu_expect_file "stage 3: A's spare chunk handed on" \
		$LU/devices/$A/incoming_memory 4096
	rmmod pci_lu_test
	lu_expect_dmesg "stage 3: driver unload finishes the update" \
		"finished \(last live-update driver unregistered\)"
	lu_expect_file "stage 3: state finished after unload" $LU/state finished
	lu_expect_file "stage 3: A's memory returned" $LU/devices/$A/memory 0
	lu_expect_file "stage 3: A's spare chunk returned" \
		$LU/devices/$A/incoming_memory 0
	load_driver
	expect_status $A probed
	lu_check "stage 3: preserve A and B" preserve $A $B
	lu_kexec
}

stage4()
{
	load_core region="$REGION"
	expect_status $B incoming
	lu_check "stage 4: finish before any driver" sh -c "echo 1 >$LU/finish"
	lu_expect_dmesg "stage 4: unclaimed record reported" \
		"$B: never retrieved by pci_lu_test before finish"
	lu_expect_dmesg "stage 4: its memory returned" \
		"$B: released 8 KiB of the previous kernel's memory \(finish\)"
	expect_status $B abandoned
	lu_expect_file "stage 4: the abandoned device is no longer pinned" \
		/sys/bus/pci/devices/$B/driver_override "(null)"
	lu_expect_file "stage 4: no old memory held" $LU/devices/$B/incoming_memory 0
	load_driver
	expect_cold_probe "abandoned"
	inject header-crc
	lu_check "stage 4: preserve A" preserve $A
	lu_kexec
}

# stage_header_fault N MESSAGE NEXT-FAULT
stage_header_fault()
{
	load_core region="$REGION"
	lu_expect_dmesg "stage $STAGE: refusal logged ($1)" \
		"incoming handover refused: $1; all devices will be cold-probed"
	lu_expect_file "stage $STAGE: state none" $LU/state none
	load_driver
	expect_cold_probe "$1"
	inject "$2"
	[ -n "$3" ] && inject "$3"
	lu_check "stage $STAGE: preserve A and B" preserve $A $B
	lu_kexec
}

stage9()
{
	load_core region="$REGION"
	lu_expect_dmesg "stage 9: record CRC refusal logged" \
		"handover record [0-9]+ \(claims $A\): record CRC mismatch; dropped"
	if grep -q pci_lu_test /sys/bus/pci/devices/$B/driver_override; then
		lu_fail "stage 9: B not pinned by a record for other IDs" \
			"driver_override is pci_lu_test"
	else
		lu_ok "stage 9: B not pinned by a record for other IDs"
	fi
	load_driver
	expect_cold_probe "bad records"
	lu_expect_dmesg "stage 9: ID mismatch logged" \
		"$B: live update record refused: record is for 1234:ee17"
	lu_expect_file "stage 9: A's reason" $LU/devices/$A/reason \
		"record refused at load: record CRC mismatch"
	expect_status $B probed
	# KHO's blob has a fixed size: the header claims a larger one.
	[ "$BACKEND" = kho ] && inject truncate
	lu_check "stage 9: preserve A and B" preserve $A $B
	lu_kexec
}

stage10()
{
	local size=${REGION%%[\$@]*} addr=${REGION#*[\$@]}
	if [ "$BACKEND" = kho ]; then
		load_core
	else
		load_core region="$((${size%M} / 2))M\$$addr"
	fi
	lu_expect_dmesg "stage 10: truncated region refused" \
		"incoming handover refused: written for a [0-9]+-byte region, this one has [0-9]+ bytes \(truncated\?\)"
	load_driver fail_freeze=$A
	expect_cold_probe "truncated"
	inject records-count
	lu_check "stage 10: preserve A and B" preserve $A $B
	lu_kexec
}

stage11()
{
	load_core region="$REGION"
	lu_expect_dmesg "stage 11: only B has a record, the header counts 2" \
		"incoming handover: generation [0-9]+, 2 device"
	lu_expect_dmesg "stage 11: the phantom record dropped with a log line" \
		"handover record 1: length out of bounds; dropping it and the 0 after it"
	# Both bind paths of B fail: its old memory goes back at once.
	load_driver fail_retrieve=$B fail_probe=$B
	expect_dev_log "A without record is probed" $A "lu_test: probe"
	expect_dev_log "failed retrieve logged" $B "retrieve failed \(-EAGAIN\); cold probe with reset"
	lu_expect_dmesg "stage 11: B's old memory freed when probe failed too" \
		"$B: released 8 KiB of the previous kernel's memory \(probe failed, bus mastering off\)"
	lu_expect_file "stage 11: B holds no old memory" $LU/devices/$B/incoming_memory 0
	expect_status $B unbound
	rmmod pci_lu_test
	load_driver
	expect_dev_log "B probed after failed retrieve" $B "lu_test: probe"
	expect_status $B probed
	lu_check "stage 11: preserve A" preserve $A
	lu_log "ordinary reboot with A preserved"
	lu_reboot
}

case $STAGE in
0) stage0 ;;
1) stage1 ;;
2) stage2 ;;
3) stage3 ;;
4) stage4 ;;
5) stage_header_fault "header CRC mismatch" abi-version ;;
6) stage_header_fault "ABI version 2, this kernel reads 1" header-magic ;;
7) stage_header_fault "bad magic" records-len ;;
8) stage_header_fault "records overrun the record area" "record-crc $A" "record-ids $B" ;;
9) stage9 ;;
10) stage10 ;;
11) stage11 ;;
*) lu_fail "stage $STAGE" "no such stage" ;;
esac
