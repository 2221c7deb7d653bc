# SPDX-License-Identifier: GPL-2.0
"""What the host checks of a scenario read: the serial log and QEMU's
trace, both time-stamped in host epoch seconds, and the LUTEST lines they
print. For selftests/host/*."""
import re

SERIAL = re.compile(r"^\[(\d+\.\d+) \+\s*[\d.]+\] (.*)$")
TRACE = re.compile(r"^\d+@(\d+\.\d+):(\w+)")

# What a controller reset (CC.EN cleared, or a function level reset),
# shutdown or queue set-up looks like in QEMU's trace of its nvme device.
NVME_RESET_EVENTS = ("pci_nvme_mmio_stopped", "pci_nvme_pci_reset", "pci_nvme_mmio_start_success",
                     "pci_nvme_mmio_shutdown_set", "pci_nvme_create_sq",
                     "pci_nvme_create_cq", "pci_nvme_del_sq", "pci_nvme_del_cq",
                     "pci_nvme_err_cfs", "pci_nvme_dbbuf_config")


def result(ok, desc, why=""):
    print(f"LUTEST: {'ok' if ok else 'not ok'} {desc}" +
          ("" if ok else f" # {why}"), flush=True)


def log(text):
    print(f"LUTEST: # {text}", flush=True)


def read_serial(path):
    """[(time, text)] of the kernel and test lines."""
    out = []
    with open(path, errors="replace") as f:
        for line in f:
            m = SERIAL.match(line.rstrip("\n"))
            if m:
                out.append((float(m.group(1)), m.group(2)))
    return out


def read_trace(path):
    """[(time, event)]"""
    out = []
    with open(path, errors="replace") as f:
        for line in f:
            m = TRACE.match(line)
            if m:
                out.append((float(m.group(1)), m.group(2)))
    return out


def first(serial, pattern, after=0.0):
    """Time of the first serial line at or after AFTER matching PATTERN."""
    for t, text in serial:
        if t >= after and re.search(pattern, text):
            return t
    return None


def events(trace, start, end, names):
    return [(t, e) for t, e in trace if start <= t <= end and e in names]
