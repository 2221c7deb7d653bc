# SPDX-License-Identifier: GPL-2.0
#
# Benchmark, not a test (scripts/bench-nvme --trace): bench-nvme.sh in
# trace mode, with the QEMU trace events whose counts per I/O compare
# what each driver asks of the controller, and the CPU time of QEMU's
# threads sampled on the host. Neither depends on the host's speed as
# much as timings do.
#
# qemu: -device nvme,id=nvme0,serial=lunvme-bench0,addr=06.0
# qemu: -device nvme-ns,drive=d0,bus=nvme0,nsid=1
# qemu: -name debug-threads=on
# disk: d0 512M
# image: --kmod nvme-core --kmod nvme --bin fio
# trace: pci_nvme_io_cmd pci_nvme_map_prp pci_nvme_map_sgl
# trace: pci_nvme_irq_msix pci_nvme_irq_pin
# trace: pci_nvme_mmio_doorbell_sq pci_nvme_mmio_doorbell_cq
# hostbg: cpu $ROOT/selftests/lib/cpusample $LOGDIR 0.02
# timeout: 900
# tcg: multi
# append: oops=panic

BENCH_MODE=trace . /lu/scenarios/bench-nvme.sh
