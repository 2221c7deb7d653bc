# SPDX-License-Identifier: GPL-2.0
"""The blackout of a kexec, from a scenario's logs, split by who owns it.

All times are host epoch seconds: serial.log lines carry the host time at
which each console line arrived (selftests/lib/vm.py), QEMU's trace is
written with -msg timestamp=on and the pinger logs host time. Nothing is
estimated: a figure whose log line is missing is None.

For one kexec (the guest's 'kexec -e into stage S' line, lu_kexec):

  old kernel       request -> 'kexec_core: Starting new kernel': the
                   freeze() or shutdown() of every device, then the
                   kernel's own way down
  kexec and boot   'Starting new kernel' -> 'Run /init': purgatory
                   (it hashes the loaded image, unless kexec -i) and
                   decompression until the new kernel's first line
                   (purgatory_decompress_s), then its boot (kernel_boot_s)
  new kernel       'Run /init' -> the driver load marker, then the
                   driver: load -> disk ready, carrier, first I/O

and around it, from the QEMU trace and the pinger:

  I/O gap          last NVMe read/write before 'Starting new kernel' to
                   the first after it
  ping gap         last reply received before it to the first after
  pings lost       requests sent from this kexec to the next with no reply
  core_us          freeze() in the old kernel, retrieve() or cold probe
                   in the new one, of each device as the PCI live-update
                   core timed them (microseconds)
  device events    what QEMU saw the devices go through from the kexec
                   to the load continuing ('running' marker or the next
                   kexec): controller disable/enable/shutdown, queues
                   created, MAC and PHY resets, link down

Usage (see demoreport.py):
	logs = Logs(logdir)
	kexecs = logs.kexecs()
	for (t, stage), (t_next, _) in zip(kexecs, kexecs[1:] + [(logs.end, None)]):
		figures = split(logs, t, t_next, r'my driver load marker',
				{'disk': r'disk ready marker'}, r'load running marker')
"""

import re

SERIAL = re.compile(r'^\[(\d+\.\d+) \+\s*[\d.]+\] (.*)$')
TRACE = re.compile(r'^\d+@(\d+\.\d+):(\w+) ?(.*)$')
KEXEC = re.compile(r'LUTEST: # kexec -e into stage (\d+)')
IO_EVENTS = ('pci_nvme_read', 'pci_nvme_write')
CORE_TIMED = re.compile(r'(\S+) (\S+): (retrieved from live update generation \d+|cold probe) '
			r'in (\d+) us')
CORE_FROZEN = re.compile(r'(\S+) (\S+): frozen for live update, record of \d+ bytes, '
			 r'in (\d+) us')

# Trace event -> what it means for the device, in report order.
DEVICE_EVENTS = {
	'pci_nvme_mmio_stopped': 'controller disabled',
	'pci_nvme_mmio_start_success': 'controller enabled',
	'pci_nvme_mmio_shutdown_set': 'controller shut down',
	'pci_nvme_create_sq': 'submission queues created',
	'pci_nvme_create_cq': 'completion queues created',
	'pci_nvme_err_cfs': 'controller fatal status',
	'e1000e_core_ctrl_sw_reset': 'MAC resets',
	'e1000e_core_ctrl_phy_reset': 'PHY resets',
	'link down': 'link down',
}


class Logs:
	"""serial: [(t, text)]; trace: [(t, event, args)]; sent: {seq: t};
	replies: {seq: (t, rtt)}."""

	def __init__(self, logdir, pinger='pinger.log'):
		self.serial = []
		with open(f'{logdir}/serial.log', errors='replace') as f:
			for line in f:
				m = SERIAL.match(line.rstrip('\n'))
				if m:
					self.serial.append((float(m.group(1)), m.group(2)))
		self.trace = []
		with open(f'{logdir}/trace.log', errors='replace') as f:
			for line in f:
				m = TRACE.match(line.rstrip('\n'))
				if m:
					ev = m.group(2)
					if ev == 'e1000e_link_status_changed' and \
					   m.group(3).strip().endswith(': 0'):
						ev = 'link down'
					self.trace.append((float(m.group(1)), ev, m.group(3)))
		self.io = [t for t, ev, _ in self.trace if ev in IO_EVENTS]
		self.sent, self.replies = {}, {}
		try:
			with open(f'{logdir}/{pinger}') as f:
				for line in f:
					p = line.split()
					if p and p[0] == 'S':
						self.sent[int(p[1])] = float(p[2])
					elif p and p[0] == 'R':
						self.replies.setdefault(int(p[1]), (float(p[2]), float(p[3])))
		except FileNotFoundError:
			pass
		self.end = max([t for t, _ in self.serial] + [t for t, _, _ in self.trace[-1:]]
			       + [0])

	def kexecs(self):
		"""[(t, stage)] of the kexec requests, in order."""
		return [(t, int(m.group(1))) for t, text in self.serial
			for m in [KEXEC.search(text)] if m]

	def first(self, pattern, after, before=float('inf')):
		"""Time of the first serial line matching pattern in (after, before)."""
		for t, text in self.serial:
			if after < t < before and re.search(pattern, text):
				return t
		return None

	def last(self, pattern, before, after=0.0):
		found = None
		for t, text in self.serial:
			if after < t < before and re.search(pattern, text):
				found = t
		return found

	def events(self, start, end):
		"""{event: count} of DEVICE_EVENTS in [start, end)."""
		counts = dict.fromkeys(DEVICE_EVENTS, 0)
		for t, ev, _ in self.trace:
			if start <= t < end and ev in counts:
				counts[ev] += 1
		return counts

	def io_per_bin(self, start, end, width=0.1):
		"""I/O submissions per bin of width seconds from start to end."""
		n = int((end - start) / width) + 1
		bins = [0] * n
		for t in self.io:
			if start <= t < end:
				bins[int((t - start) / width)] += 1
		return bins


def _diff(a, b):
	return None if a is None or b is None else round(b - a, 3)


def split(logs, request, end, load, ready=(), resumed=None):
	"""The blackout of the kexec requested at time request, the next one
	(or the end of the logs) at end. load: regex of the new kernel's
	driver load marker; ready: {name: regex} of the markers timed from it
	(e.g. disk ready, carrier); resumed: regex of the marker after which
	the load runs again (device events are counted up to it)."""
	start_new = logs.first(r'kexec_core: Starting new kernel', request, end)
	version = logs.first(r'Linux version', start_new or request, end)
	init = logs.first(r'Run /init as init process', version or request, end)
	t_load = logs.first(load, init or request, end)
	res = {
		'kexec_at': request,
		'until': end,
		'old_kernel_s': _diff(request, start_new),
		'kexec_boot_s': _diff(start_new, init),
		'purgatory_decompress_s': _diff(start_new, version),
		'kernel_boot_s': _diff(version, init),
		'init_to_load_s': _diff(init, t_load),
		'moments': {'kexec': request, 'new kernel': start_new, 'first line': version,
			    'init': init, 'load': t_load},
	}
	for name, pattern in dict(ready).items():
		t = logs.first(pattern, t_load, end) if t_load else None
		res[f'load_to_{name}_s'] = _diff(t_load, t)
		res['moments'][name] = t

	# I/O around 'Starting new kernel': the devices stop before it.
	pivot = start_new or request
	before = [t for t in logs.io if request - 60 < t < pivot]
	after = [t for t in logs.io if pivot < t < end]
	first_io = after[0] if after else None
	res['io_gap_s'] = _diff(before[-1] if before else None, first_io)
	res['load_to_first_io_s'] = _diff(t_load, first_io)
	res['moments']['first I/O'] = first_io
	res['moments']['last I/O'] = before[-1] if before else None

	got = sorted(t for t, _ in logs.replies.values())
	prev = [t for t in got if t < pivot]
	nxt = [t for t in got if pivot < t < end]
	res['ping_gap_s'] = _diff(prev[-1] if prev else None, nxt[0] if nxt else None)
	# A request sent in the last second of the logs may still be in flight.
	window = [s for s, t in logs.sent.items() if request <= t < min(end, logs.end - 1.0)]
	lost = [s for s in window if s not in logs.replies]
	res['pings_sent'] = len(window)
	res['pings_lost'] = len(lost)
	rtts = [logs.replies[s][1] for s in window if s in logs.replies]
	res['max_rtt_s'] = round(max(rtts), 3) if rtts else None

	# What the PCI live-update core timed itself, per device: freeze()
	# in the old kernel, retrieve() or the cold probe in the new one.
	res['core_us'] = {}
	for t, text in logs.serial:
		m = CORE_FROZEN.search(text)
		if m and request < t < pivot:
			res['core_us'].setdefault(f'{m.group(1)} {m.group(2)}', {})['freeze'] = \
				int(m.group(3))
		m = CORE_TIMED.search(text)
		if m and pivot < t < end:
			path = 'retrieve' if m.group(3).startswith('retrieved') else 'cold probe'
			res['core_us'].setdefault(f'{m.group(1)} {m.group(2)}', {})[path] = \
				int(m.group(4))

	stop = (logs.first(resumed, t_load, end) if resumed and t_load else None) or end
	res['device_events'] = logs.events(request, stop)
	return res
