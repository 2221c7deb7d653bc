# SPDX-License-Identifier: GPL-2.0
"""The kernels the test VM boots, and what differs between them.

  6.12  Debian's 6.12 image and modules (the default). No KHO: the core
        uses the memmap backend, a region reserved with memmap= on the
        command line of every kernel.
  7.3   the test kernel scripts/test-kernel builds (once, cached) from
        Debian's linux-source-7.3 with the series of kernel/series/: the
        PCI core's own live update on KHO (kho=on, no memmap=), with the
        in-tree nvme driver on it; a debug kernel (KASAN, lockdep). Our out-of-tree modules do not load
        there (the core is built in); the VM gets the base nvme-pci
        without the series instead, as /lu/modules/nvme-base.ko.

vm.py and mkinitramfs take the kernel by name; LU_KERNEL in the
environment gives the default (6.12).
"""

import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NAMES = ('6.12', '7.3')


class Kernel:
	"""name, release, image (bzImage), moddir (its /lib/modules/RELEASE
	on the host), lu_modules (directories holding our .ko files) and
	append (command line words the live-update backend needs)."""

	def __init__(self, name, release, image, moddir, lu_modules, append):
		self.name, self.release, self.image = name, release, image
		self.moddir, self.lu_modules, self.append = moddir, lu_modules, append


def _debian_612():
	rel = subprocess.check_output([os.path.join(ROOT, 'scripts/kernel-version')],
				      text=True).strip()
	# The handover region, reserved on every kernel's command line.
	return Kernel('6.12', rel, f'/boot/vmlinuz-{rel}', f'/lib/modules/{rel}',
		      [os.path.join(ROOT, d) for d in ('drivers', 'selftests')],
		      ['memmap=64M$0x30000000'])


def _kho_73():
	tk = subprocess.check_output([os.path.join(ROOT, 'scripts/test-kernel')],
				     text=True).strip()
	with open(os.path.join(tk, 'release')) as f:
		rel = f.read().strip()
	# KHO is off unless asked for. Its scratch areas are sized at the
	# first boot and hold the next kernel and its initramfs at every
	# kexec: make them fit our largest image (fio and its libraries).
	return Kernel('7.3', rel, os.path.join(tk, 'bzImage'),
		      os.path.join(tk, 'modules/lib/modules', rel),
		      [os.path.join(tk, 'nvme-base')],
		      ['kho=on', 'kho_scratch=32M,320M,0'])


def get(name=None):
	name = name or os.environ.get('LU_KERNEL') or '6.12'
	if name == '6.12':
		return _debian_612()
	if name == '7.3':
		return _kho_73()
	raise ValueError(f'unknown kernel "{name}", have {" ".join(NAMES)}')
