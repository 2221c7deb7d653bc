#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Run one test scenario in QEMU (TCG) and collect its LUTEST results.

A scenario is selftests/guest/scenarios/NAME.sh; header comment lines
tell the host how to run it:
  # qemu: ARGS        extra QEMU arguments (repeatable; $LOGDIR expands)
  # qemu@N: ARGS      the same, for cold boot N only (a machine that
                      changed between two boots on the same RAM)
  # disk: ID SIZE     raw image $LOGDIR/ID.img (sparse, e.g. 64M), as
                      -drive if=none,id=ID; kept across the scenario's boots
  # timeout: SECONDS  for the whole scenario, all boots (default 300)
  # boots: N          cold boots in a row sharing one RAM file (default 1)
  # results: N        results the scenario reports: guest lines and host
                      check together; any other count fails the run, so
                      a guest that stops early cannot pass. Required for
                      the suite (selftests/run)
  # results@KERNEL: N the count on that guest kernel, where it differs
  # append: ARGS      extra kernel command line
  # trace: EVENT      extra QEMU trace event or pattern (repeatable)
  # image: ARGS       extra mkinitramfs arguments, e.g. --bin nvme
  # tcg: single|multi TCG threading (default single, see qemu_cmd())
  # kernels: NAME...  guest kernels it runs on (default 6.12; see kernels.py)
  # netns: TAP ADDR   a network namespace of its own for this run, holding
                      a tap device TAP with host address ADDR (CIDR), up;
                      QEMU runs inside it (-netdev tap,ifname=TAP,...), so
                      traffic never leaves it. $NETNS expands to its name
  # hostbg: NAME CMD  a host command run in the background (inside the
                      netns if there is one) from before the first boot
                      until after the last; output in $LOGDIR/NAME.log.
                      $LOGDIR and $ROOT expand. Repeatable
An executable selftests/host/NAME, if present, runs after the VM with
the log directory as argument and prints LUTEST lines of its own. The
background commands are stopped and the namespace deleted before it runs,
and in any case, whatever way the run ends.

Logs go to build/logs/NAME/ (NAME@7.3/ on the 7.3 kernel): serial.log (console lines with host time
stamps, all boots), trace.log (QEMU trace, all boots), qemu.log (QEMU's
command lines and stderr), host.log.

Standalone: selftests/lib/vm.py NAME[@KERNEL]   runs it with the console
shown live.

Environment: LU_APPEND (words for the kernel command line, below);
LU_QEMU and LU_QEMU_DATA, another QEMU binary and its firmware directory
(-L), to try a QEMU build other than Debian's (e.g. unpacked from a
backports package) without installing it.
"""

import atexit
import ctypes
import hashlib
import json
import os
import re
import selectors
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True		# no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kernels  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCENARIOS = os.path.join(ROOT, 'selftests/guest/scenarios')

# The guest kernel adds what its handover backend needs (kernels.py).
BASE_APPEND = 'console=ttyS0 panic=-1'
MEMORY = '1G'

# External witnesses that no device reset happened
# (Documentation/pci-liveupdate.rst, "Testing").
TRACE_EVENTS = [
	'pci_nvme_mmio_stopped', 'pci_nvme_mmio_start_success', 'pci_nvme_pci_reset',
	'pci_nvme_mmio_shutdown_set', 'pci_nvme_create_sq',
	'pci_nvme_create_cq', 'pci_nvme_err_cfs',
	'e1000e_core_ctrl_sw_reset', 'e1000e_core_ctrl_phy_reset',
	'e1000e_link_status_changed',
]

# Kernel trouble that fails a scenario even if all its checks passed.
# Lockdep's reports start 'WARNING: possible ...', 'WARNING: inconsistent
# ...', 'WARNING: suspicious RCU usage'; KASAN's 'BUG: KASAN: ...'.
KERNEL_TROUBLE = re.compile(r'Oops|BUG:|WARNING: (CPU:|possible|inconsistent|suspicious)|'
			    r'Kernel panic|general protection fault|Call Trace:')


# ---- QEMU must never outlive us -------------------------------------------
# Every QEMU runs in its own process group, is killed in a finally block,
# again at exit, on SIGTERM/SIGHUP (turned into SystemExit so finally blocks
# run) and, should we be SIGKILLed, by the kernel (PR_SET_PDEATHSIG).

_live = set()


def _kill(proc):
	if proc.poll() is None:
		for sig, wait in ((signal.SIGTERM, 3), (signal.SIGKILL, None)):
			try:
				os.killpg(proc.pid, sig)
				proc.wait(wait)
				break
			except ProcessLookupError:
				break
			except subprocess.TimeoutExpired:
				continue
	_live.discard(proc)


def qmp(path, *commands):
	"""Run QMP commands in the QEMU listening on PATH; False if it does
	not answer (it may have exited: not an error here)."""
	try:
		with socket.socket(socket.AF_UNIX) as sock:
			sock.settimeout(5)
			sock.connect(path)
			f = sock.makefile('rw')
			f.readline()			# the greeting
			for cmd in ('qmp_capabilities',) + commands:
				f.write(json.dumps({'execute': cmd}) + '\n')
				f.flush()
				if 'return' not in json.loads(f.readline() or '{}'):
					return False
		return True
	except (OSError, ValueError):
		return False


NMI_MARK = '### timed out: NMI to every vCPU, the guest\'s panic report follows'
NMI_GRACE = 30		# seconds for the guest to print it


def _kill_all():
	for proc in list(_live):
		_kill(proc)


def _exit_on_signal(sig, frame):
	raise SystemExit(128 + sig)


def install_cleanup():
	atexit.register(_kill_all)
	for sig in (signal.SIGTERM, signal.SIGHUP):
		signal.signal(sig, _exit_on_signal)
	# SIGINT already raises KeyboardInterrupt, which unwinds the same way.


def _die_with_parent():
	PR_SET_PDEATHSIG = 1
	ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


# ---- network namespace and background helpers -----------------------------
# A namespace is named lutest-PID-SCENARIO. The finally blocks delete it; one
# left behind by a runner that was SIGKILLed is deleted by the next run.

NETNS_PREFIX = 'lutest-'


def _ip(*args, check=True):
	return subprocess.run(['ip'] + list(args), check=check, capture_output=True, text=True)


def netns_reap():
	"""Delete namespaces of runners that no longer exist."""
	for line in _ip('netns', 'list', check=False).stdout.splitlines():
		name = line.split()[0] if line.split() else ''
		m = re.match(NETNS_PREFIX + r'(\d+)-', name)
		if m and not os.path.exists(f'/proc/{m.group(1)}'):
			_ip('netns', 'del', name, check=False)


def netns_create(scenario, tap, addr):
	netns_reap()
	name = f'{NETNS_PREFIX}{os.getpid()}-{scenario}'
	_ip('netns', 'add', name)
	try:
		for args in (['link', 'set', 'lo', 'up'],
			     ['tuntap', 'add', 'dev', tap, 'mode', 'tap'],
			     ['addr', 'add', addr, 'dev', tap],
			     ['link', 'set', tap, 'up']):
			_ip('-n', name, *args)
	except subprocess.CalledProcessError:
		_ip('netns', 'del', name, check=False)
		raise
	return name


def netns_delete(name):
	# The tap goes with the namespace; nothing of ours may still run in
	# it (QEMU and the background commands are stopped first).
	_ip('netns', 'del', name, check=False)


def in_netns(netns, cmd):
	return (['ip', 'netns', 'exec', netns] if netns else []) + cmd


# ---- scenarios and images ---------------------------------------------------

class Scenario:
	def __init__(self, name):
		self.name = name
		self.path = os.path.join(SCENARIOS, name + '.sh')
		self.qemu, self.disks, self.append, self.trace, self.image = [], [], [], [], []
		self.qemu_boot = {}
		self.kernels = ['6.12']
		self.netns, self.hostbg = None, []
		self.timeout, self.boots = 300, 1
		self.results = None
		self.results_on = {}	# kernel name -> count, where it differs
		self.tcg = 'single'
		with open(self.path) as f:
			for line in f:
				if not line.startswith('#'):
					break		# the header ends with the first command
				m = re.match(r'#\s*(\w+(?:@[\w.]+)?):\s*(.*?)\s*$', line)
				if not m:
					continue
				key, val = m.groups()
				if key == 'qemu':
					self.qemu += shlex.split(val)
				elif key.startswith('qemu@'):
					boot = int(key[5:])
					self.qemu_boot[boot] = self.qemu_boot.get(boot, []) + shlex.split(val)
				elif key == 'disk':
					self.disks.append(val.split())
				elif key == 'append':
					self.append.append(val)
				elif key == 'trace':
					self.trace += val.split()
				elif key == 'image':
					self.image += shlex.split(val)
				elif key == 'timeout':
					self.timeout = int(val)
				elif key == 'netns':
					tap, addr = val.split()
					self.netns = (tap, addr)
				elif key == 'hostbg':
					name, cmd = val.split(None, 1)
					self.hostbg.append((name, cmd))
				elif key == 'boots':
					self.boots = int(val)
				elif key == 'results':	# N, maybe followed by words
					self.results = int(val.split()[0])
				elif key.startswith('results@'):
					self.results_on[key[8:]] = int(val.split()[0])
				elif key == 'tcg':
					self.tcg = val
				elif key == 'kernels':
					self.kernels = val.split()

	@staticmethod
	def all_names():
		return sorted(f[:-3] for f in os.listdir(SCENARIOS) if f.endswith('.sh'))


def build_image(args, kernel):
	"""Build (always: it takes about a second) the initramfs for these
	mkinitramfs arguments; one file per distinct argument list."""
	args = ['--kernel', kernel.name] + args
	name = 'initramfs-%s.cpio' % hashlib.sha1(' '.join(args).encode()).hexdigest()[:8]
	out = os.path.join(ROOT, 'build/vm', name)
	subprocess.run([os.path.join(ROOT, 'selftests/lib/mkinitramfs'), '-o', out] + args,
		       check=True)
	return out


# ---- running ---------------------------------------------------------------

def parse_lutest(text):
	"""'ok D', 'not ok D # W', 'skip D # W', '# T', 'done' -> tuple."""
	if text == 'done':
		return ('done', '', '')
	if text.startswith('#'):
		return ('#', text[1:].strip(), '')
	m = re.match(r'(ok|not ok|skip) (.*?)(?: # (.*))?$', text)
	if not m:
		return ('#', 'unparsed LUTEST line: ' + text, '')
	return (m.group(1), m.group(2).strip(), m.group(3) or '')


class Run:
	"""One scenario run. results: list of (kind, desc, why) in order, kind
	one of 'ok', 'not ok', 'skip', '#' (diagnostic)."""

	def __init__(self, scn, image, kernel, echo=False):
		self.scn, self.image, self.kernel, self.echo = scn, image, kernel, echo
		self.logdir = os.path.join(ROOT, 'build/logs', log_name(scn.name, kernel.name))
		self.results = []
		self.reported = 0	# results from the guest and the host check
		self.tail = []
		self.dumping = False	# console after the time-out's NMI

	def log_rel(self, name):
		return os.path.relpath(os.path.join(self.logdir, name), os.getcwd())

	def run(self):
		shutil.rmtree(self.logdir, ignore_errors=True)
		os.makedirs(self.logdir)
		with open(os.path.join(self.logdir, 'trace-events'), 'w') as f:
			f.write('\n'.join(TRACE_EVENTS + self.scn.trace) + '\n')
		for disk_id, size in self.scn.disks:
			subprocess.run(['truncate', '-s', size, self.disk(disk_id)], check=True)
		self.ram = os.path.join(self.logdir, 'ram') if self.scn.boots > 1 else None
		self.t0 = time.monotonic()
		self.deadline = self.t0 + self.scn.timeout
		self.netns, self.bg = None, []
		# A short path (sun_path is 108 bytes), not in the clone.
		qmp_dir = tempfile.mkdtemp(prefix='lu-qmp-')
		self.qmp_path = os.path.join(qmp_dir, 'qmp.sock')
		try:
			try:
				self.start_host_side()
				with open(os.path.join(self.logdir, 'serial.log'), 'w') as self.serial:
					for boot in range(1, self.scn.boots + 1):
						if not self.boot(boot):
							break
			finally:
				self.stop_host_side()
			self.check_kernel_log()
			self.host_check()
			self.check_count()
		finally:
			shutil.rmtree(qmp_dir, ignore_errors=True)
			if self.ram and os.path.exists(self.ram):
				os.unlink(self.ram)
			for disk_id, _ in self.scn.disks:
				if os.path.exists(self.disk(disk_id)):
					os.unlink(self.disk(disk_id))
		return self.results

	def expand(self, arg):
		return (arg.replace('$LOGDIR', self.logdir).replace('$ROOT', ROOT)
			.replace('$NETNS', self.netns or ''))

	def start_host_side(self):
		if self.scn.netns:
			self.netns = netns_create(self.scn.name, *self.scn.netns)
		for name, cmd in self.scn.hostbg:
			out = open(os.path.join(self.logdir, name + '.log'), 'w')
			argv = in_netns(self.netns, [self.expand(a) for a in shlex.split(cmd)])
			proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
						stderr=subprocess.STDOUT, cwd=ROOT,
						start_new_session=True, preexec_fn=_die_with_parent)
			out.close()
			_live.add(proc)
			self.bg.append(proc)

	def stop_host_side(self):
		for proc in self.bg:
			_kill(proc)
		self.bg = []
		if self.netns:
			netns_delete(self.netns)
			self.netns = None

	def disk(self, disk_id):
		return os.path.join(self.logdir, disk_id + '.img')

	def qemu_cmd(self, boot, trace_file):
		# LU_APPEND: extra words for the command line; NAME=VALUE ones
		# reach the guest's init as environment variables.
		append = ' '.join([BASE_APPEND] + self.kernel.append +
				  [f'lu.scenario={self.scn.name}',
				   f'lu.boot={boot}'] + self.scn.append +
				  os.environ.get('LU_APPEND', '').split())
		# Single-threaded TCG by default: with one host thread per
		# vCPU, QEMU 7.2 now and then runs stale code after the kernel
		# patches its text on another CPU (an 'Oops: int3' in a static
		# key at boot). Two vCPUs still exercise SMP paths in the
		# guest. But single-threaded TCG drops the guest's memory
		# barriers while device models run in another host thread,
		# which breaks NVMe shadow doorbells for a driver without
		# lunvme's lost-doorbell check: benchmarks against the upstream
		# driver use 'tcg: multi'.
		data = os.environ.get('LU_QEMU_DATA')
		cmd = [os.environ.get('LU_QEMU', 'qemu-system-x86_64')] + \
		      (['-L', data] if data else []) + \
		      ['-machine', 'q35',
		       '-accel', f'tcg,thread={self.scn.tcg}', '-cpu', 'max', '-m', MEMORY, '-smp', '2',
		       '-nographic', '-nodefaults', '-no-reboot', '-serial', 'stdio',
		       '-kernel', self.kernel.image, '-initrd', self.image,
		       '-append', append,
		       '-trace', 'events=' + os.path.join(self.logdir, 'trace-events'),
		       '-D', trace_file, '-msg', 'timestamp=on',
		       '-qmp', f'unix:{self.qmp_path},server=on,wait=off']
		if self.ram:
			# RAM in a file that the next cold boot maps again: its
			# content survives, as in a warm reboot.
			cmd += ['-object', f'memory-backend-file,id=ram,size={MEMORY},'
				f'mem-path={self.ram},share=on',
				'-machine', 'memory-backend=ram']
		for disk_id, _ in self.scn.disks:
			cmd += ['-drive', f'file={self.disk(disk_id)},if=none,id={disk_id},format=raw']
		extra = self.scn.qemu + self.scn.qemu_boot.get(boot, [])
		return in_netns(self.netns, cmd + [self.expand(a) for a in extra])

	def boot(self, boot):
		"""One QEMU run; True if the guest printed its done marker."""
		trace_file = os.path.join(self.logdir, f'trace-boot{boot}.log')
		cmd = self.qemu_cmd(boot, trace_file)
		self.serial.write(f'### boot {boot}: {shlex.join(cmd)}\n')
		qemu_log = open(os.path.join(self.logdir, 'qemu.log'), 'a')
		qemu_log.write(f'### boot {boot}: {shlex.join(cmd)}\n')
		qemu_log.flush()
		self.qemu_log_start = qemu_log.tell()
		self.done = False
		why = None
		proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
					stderr=qemu_log, cwd=ROOT, start_new_session=True,
					preexec_fn=_die_with_parent)
		_live.add(proc)
		try:
			why = self.read_console(proc)
		finally:
			_kill(proc)
			qemu_log.close()
			# -D truncates its file on every start: one per boot,
			# gathered into trace.log.
			if os.path.exists(trace_file):
				with open(trace_file) as src, \
				     open(os.path.join(self.logdir, 'trace.log'), 'a') as dst:
					shutil.copyfileobj(src, dst)
				os.unlink(trace_file)
		if self.done:
			return True
		if why is None:
			rc = proc.returncode
			status = f'killed by {signal.Signals(-rc).name}' if rc < 0 else f'with status {rc}'
			why = f'QEMU exited {status} before the done marker'
		self.not_finished(boot, why)
		return False

	def read_console(self, proc):
		"""Read the serial console until QEMU exits (None) or the time is
		up (returns why)."""
		fd = proc.stdout.fileno()
		os.set_blocking(fd, False)
		sel = selectors.DefaultSelector()
		sel.register(fd, selectors.EVENT_READ)
		buf = b''
		timed_out = None
		try:
			while True:
				left = self.deadline - time.monotonic()
				if left <= 0:
					if timed_out:
						return timed_out
					timed_out = f'timed out after {self.scn.timeout} s'
					if not self.nmi():
						return timed_out
					timed_out += ', the backtraces after an NMI are in serial.log'
					left = NMI_GRACE
					self.deadline = time.monotonic() + left
				if not sel.select(min(left, 1.0)):
					continue
				chunk = os.read(fd, 65536)
				if not chunk:
					break
				*lines, buf = (buf + chunk).split(b'\n')
				for line in lines:
					self.console_line(line)
			if buf:
				self.console_line(buf)
			proc.wait()
			return timed_out
		finally:
			sel.close()

	def nmi(self):
		"""A stuck guest: an NMI to every vCPU makes it panic with every
		CPU's backtrace and every task (guest/init sets that up), into
		serial.log. Its lines are kept out of the results."""
		self.serial.write(NMI_MARK + '\n')
		self.dumping = True
		return qmp(self.qmp_path, 'inject-nmi')

	def console_line(self, raw):
		# Firmware clears the screen with escape sequences: keep them
		# out of the log and off the demo terminal.
		line = raw.decode('utf-8', 'replace').rstrip('\r')
		line = re.sub(r'\x1b(\[[0-9;?]*[A-Za-z]|[^\[])|[\x00-\x08\x0b-\x1f\x7f]', '', line)
		now = time.time()
		elapsed = time.monotonic() - self.t0
		# Epoch time as in the QEMU trace (pid@sec.usec:), to line the two up.
		self.serial.write(f'[{now:.6f} +{elapsed:8.3f}] {line}\n')
		self.serial.flush()
		if self.echo:
			print(f'[{elapsed:7.2f}] {line}', flush=True)
		if self.dumping:
			return
		self.tail = (self.tail + [line])[-15:]
		m = re.search(r'LUTEST: (.*)$', line)
		if m:
			kind, desc, why = parse_lutest(m.group(1).strip())
			if kind == 'done':
				self.done = True
			else:
				self.results.append((kind, desc, why))
				self.reported += kind != '#'

	def not_finished(self, boot, why):
		for line in self.tail:
			self.results.append(('#', 'console: ' + line, ''))
		# QEMU's own complaints (bad arguments, a device model's
		# hw_error...) come first in its stderr; a register dump may follow.
		with open(os.path.join(self.logdir, 'qemu.log'), errors='replace') as f:
			f.seek(self.qemu_log_start)
			for line in f.read().splitlines()[:3]:
				self.results.append(('#', 'qemu: ' + line, ''))
		boot_txt = f' (boot {boot} of {self.scn.boots})' if self.scn.boots > 1 else ''
		if self.tail:
			last = f'last line: {self.tail[-1].strip()} - see {self.log_rel("serial.log")}'
		else:
			last = f'no console output - see {self.log_rel("qemu.log")}'
		self.results.append(('not ok', f'scenario {self.scn.name} did not finish{boot_txt}',
				     f'{why}; {last}'))

	def check_kernel_log(self):
		with open(os.path.join(self.logdir, 'serial.log'), errors='replace') as f:
			# Drop our host time stamp prefix.
			# Up to the panic a time-out asks for, if any.
			log = f.read().partition(NMI_MARK)[0].splitlines()
			lines = [line.rstrip().partition('] ')[2] for line in log
				 if not line.startswith('###')]
		if not any('Linux version' in line for line in lines):
			return		# no kernel ran: nothing to judge
		bad = [line for line in lines if KERNEL_TROUBLE.search(line)]
		desc = 'kernel log has no oops, BUG, WARNING or panic'
		if bad:
			for line in bad[:5]:
				self.results.append(('#', line, ''))
			self.results.append(('not ok', desc, f'{len(bad)} lines, see {self.log_rel("serial.log")}'))
		else:
			self.results.append(('ok', desc, ''))

	def check_count(self):
		want = self.scn.results_on.get(self.kernel.name, self.scn.results)
		if want is None:
			return
		ok = self.reported == want
		self.results.append(('ok' if ok else 'not ok', f'{want} results reported',
				     '' if ok else f'{self.reported} reported, the header says {want}'))

	def host_check(self):
		prog = os.path.join(ROOT, 'selftests/host', self.scn.name)
		if not os.access(prog, os.X_OK):
			return
		desc = 'host check ' + os.path.relpath(prog, ROOT)
		with open(os.path.join(self.logdir, 'host.log'), 'w') as err:	# stderr, then stdout
			try:
				p = subprocess.run([prog, self.logdir], stdout=subprocess.PIPE,
						   stderr=err, text=True, timeout=120, cwd=ROOT)
			except subprocess.TimeoutExpired:
				self.results.append(('not ok', desc, 'timed out after 120 s'))
				return
			err.write(p.stdout)
		for line in p.stdout.splitlines():
			m = re.search(r'LUTEST: (.*)$', line)
			if m:
				kind, d, why = parse_lutest(m.group(1).strip())
				if kind != 'done':
					self.results.append((kind, d, why))
					self.reported += kind != '#'
		if p.returncode:
			self.results.append(('not ok', desc, f'exit status {p.returncode}, '
					     f'see {self.log_rel("host.log")}'))


def log_name(name, kernel_name):
	"""Scenario NAME on the default kernel, NAME@KERNEL on another."""
	return name if kernel_name == kernels.NAMES[0] else f'{name}@{kernel_name}'


def run_scenario(name, kernel=None, echo=False):
	scn = Scenario(name)
	kernel = kernel or kernels.get()
	image = build_image(scn.image, kernel)
	return Run(scn, image, kernel, echo).run()


def main():
	if len(sys.argv) != 2:
		sys.exit(f'usage: {sys.argv[0]} SCENARIO[@KERNEL]   (one of: {" ".join(Scenario.all_names())})')
	install_cleanup()
	failed = False
	name, _, kname = sys.argv[1].partition('@')
	for kind, desc, why in run_scenario(name, kernels.get(kname or None), echo=True):
		print(f'{kind} {desc}' + (f' # {why}' if why else ''))
		failed |= kind == 'not ok'
	sys.exit(1 if failed else 0)


if __name__ == '__main__':
	main()
