# SPDX-License-Identifier: GPL-2.0
#
# What only the KHO backend must get right (the rest is in core, nvme and
# nic on the 7.3 kernel), with the test driver on two QEMU edu devices:
#
#   0  cold boot, backend kho; each device also gets a 4 MiB ballast chunk
#      that retrieve() never adopts; preserve both, kexec
#   1  finish before any driver loads: both records abandoned and their
#      memory returned to the page allocator (MemAvailable grows by the
#      8 MiB and more, less a bound); cold probes; then the core is
#      unloaded and the kexec runs without it
#   2  nothing was left behind: KHO brought no pci-liveupdate subtree and
#      the core finds no handover; preserve both, kexec into kho=off
#   3  KHO is off: the handover is ignored with a log line, both devices
#      are cold-probed, nothing can be preserved
#
# qemu: -device edu,addr=04.0,dma_mask=0xffffffff
# qemu: -device edu,addr=05.0,dma_mask=0xffffffff
# kernels: 7.3
# results: 28
# timeout: 300

. /lu/lib.sh

A=0000:00:04.0
B=0000:00:05.0
LU=/sys/kernel/pci_liveupdate
KHO_IN=/sys/kernel/debug/kho/in/sub_fdts
BALLAST_KIB=4096
# Per device: the 8 KiB test chunk and the ballast.
DEV_KIB=$((BALLAST_KIB + 8))
# MemAvailable moves a little on its own (page cache, slab): the bound.
SLACK_KIB=1024

# MemAvailable plus the pages on the per-CPU free lists (/proc/zoneinfo
# "count:"), in KiB: pages freed one by one go to those lists first, and
# MemAvailable counts them only once they are drained to the buddy
# allocator, which a run saw take half of the 8 MiB returned at finish.
mem_available()
{
	local avail pcp
	avail=$(sed -n 's/^MemAvailable: *\([0-9]*\) kB/\1/p' /proc/meminfo)
	pcp=$(awk '$1 == "count:" { n += $2 } END { print n + 0 }' /proc/zoneinfo)
	echo $((avail + pcp * 4))
}

expect_cold_probes()
{
	lu_expect_dmesg "stage $STAGE: A probed ($1)" "$A: lu_test: probe"
	lu_expect_dmesg "stage $STAGE: B probed ($1)" "$B: lu_test: probe"
	if dmesg | grep -v 'LUTEST: ' | grep -q "lu_test: retrieve"; then
		lu_fail "stage $STAGE: nothing retrieved ($1)" "a device was retrieved"
	else
		lu_ok "stage $STAGE: nothing retrieved ($1)"
	fi
}

preserve()
{
	echo $A >$LU/preserve && echo $B >$LU/preserve
}

stage0()
{
	insmod /lu/modules/pci_lu.ko
	lu_expect_file "stage 0: backend is kho" $LU/backend kho
	lu_expect_dmesg "stage 0: cold boot has no incoming handover" \
		"no incoming handover \(cold boot\)"
	lu_bind pci_lu_test $A $B
	insmod /lu/modules/pci_lu_test.ko ballast_kib=$BALLAST_KIB
	lu_expect_file "stage 0: A holds its chunk and the ballast" \
		$LU/devices/$A/memory $((DEV_KIB * 1024))
	lu_check "stage 0: preserve A and B" preserve
	lu_kexec
}

stage1()
{
	local before after
	insmod /lu/modules/pci_lu.ko
	lu_expect_dmesg "stage 1: KHO brought both records" \
		"incoming handover: generation 1, 2 device"
	lu_expect_file "stage 1: A's old memory held for it" \
		$LU/devices/$A/incoming_memory $((DEV_KIB * 1024))
	before=$(mem_available)
	lu_check "stage 1: finish before any driver" sh -c "echo 1 >$LU/finish"
	after=$(mem_available)
	lu_log "MemAvailable $before kB before finish, $after kB after"
	lu_expect_dmesg "stage 1: A's memory returned" \
		"$A: released $DEV_KIB KiB of the previous kernel's memory \(finish\)"
	lu_expect_dmesg "stage 1: B's memory returned" \
		"$B: released $DEV_KIB KiB of the previous kernel's memory \(finish\)"
	if [ $((after - before)) -ge $((2 * DEV_KIB - SLACK_KIB)) ]; then
		lu_ok "stage 1: MemAvailable back by the $((2 * DEV_KIB)) KiB handed over"
	else
		lu_fail "stage 1: MemAvailable back by the $((2 * DEV_KIB)) KiB handed over" \
			"grew by $((after - before)) KiB, expected at least $((2 * DEV_KIB - SLACK_KIB))"
	fi
	lu_bind pci_lu_test $A $B
	insmod /lu/modules/pci_lu_test.ko
	expect_cold_probes "abandoned"
	rmmod pci_lu_test
	lu_check "stage 1: unload the core" rmmod pci_lu
	lu_kexec
}

stage2()
{
	if [ -e $KHO_IN/pci-liveupdate ]; then
		lu_fail "stage 2: no subtree handed over without the core" \
			"$KHO_IN/pci-liveupdate exists"
	else
		lu_ok "stage 2: no subtree handed over without the core"
	fi
	lu_expect_dmesg "stage 2: still a KHO boot" "KHO: found kexec handover data"
	insmod /lu/modules/pci_lu.ko
	lu_expect_dmesg "stage 2: the core finds no handover" \
		"no incoming handover \(cold boot\)"
	lu_expect_file "stage 2: generation 0" $LU/generation 0
	lu_bind pci_lu_test $A $B
	insmod /lu/modules/pci_lu_test.ko
	expect_cold_probes "no handover"
	lu_check "stage 2: preserve A and B" preserve
	LU_CMDLINE=$(sed 's/kho=on/kho=off/' /proc/cmdline) lu_kexec
}

stage3()
{
	insmod /lu/modules/pci_lu.ko
	lu_expect_dmesg "stage 3: handover ignored with a log line" \
		"handed over with KHO, but KHO is off in this kernel \(kho=off\): preserved devices are cold-probed"
	lu_expect_file "stage 3: backend none" $LU/backend none
	lu_bind pci_lu_test $A $B
	insmod /lu/modules/pci_lu_test.ko
	expect_cold_probes "kho=off"
	if echo $A >$LU/preserve 2>/dev/null; then
		lu_fail "stage 3: preserve refused with KHO off" "write succeeded"
	else
		lu_ok "stage 3: preserve refused with KHO off"
	fi
}

case $STAGE in
0) stage0 ;;
1) stage1 ;;
2) stage2 ;;
3) stage3 ;;
*) lu_fail "stage $STAGE" "no such stage" ;;
esac
