#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Smoke test of the harness itself, no module of ours involved: the
# handover region is reserved, a kexec reaches stage 1 with the same
# command line and keeps the region's content, Debian modules load from
# the image, and a second cold boot on the same RAM file still sees what
# the first boot left there (the stale-handover case other scenarios use).
# The NVMe device is only there so the host check sees SeaBIOS touch it in
# the QEMU trace, proving the trace pipeline works.
#
# boots: 2
# timeout: 180
# results: 12
# disk: smoke0 16M
# qemu: -device nvme,drive=smoke0,serial=lusmoke0
# image: --kmod nvme-core

. /lu/lib.sh

REGION=0x30000000
MAGIC=0x4C55534D	# "LUSM", written in boot 1, read after kexec and reboot

region_word()
{
	[ "$(devmem $REGION 32)" = "$MAGIC" ]
}

case "$BOOT.$STAGE" in
1.0)
	# shellcheck disable=SC2016 # a literal '$', as QEMU must pass it
	lu_check "memmap= reaches the kernel command line intact" \
		grep -qF 'memmap=64M$0x30000000' /proc/cmdline
	lu_check "region 30000000-33ffffff is reserved in /proc/iomem" \
		grep -q '^30000000-33ffffff : Reserved' /proc/iomem
	lu_check "modprobe nvme-core (Debian module in the image)" \
		modprobe nvme-core
	lu_check "write a word into the reserved region" devmem $REGION 32 $MAGIC
	cp /proc/cmdline /lu/cmdline.stage0
	lu_kexec
	;;
1.1)
	lu_ok "kexec reached stage 1"
	lu_check "command line unchanged across kexec" cmp /proc/cmdline /lu/cmdline.stage0
	lu_check "region reserved after kexec" \
		grep -q '^30000000-33ffffff : Reserved' /proc/iomem
	lu_check "reserved region kept its content across kexec" region_word
	;;
2.0)
	lu_check "second cold boot has lu.boot=2" grep -qw 'lu.boot=2' /proc/cmdline
	lu_check "RAM content survives a cold reboot (shared RAM file)" region_word
	;;
*)
	lu_fail "boot and stage as expected" "unexpected boot $BOOT stage $STAGE"
	;;
esac
