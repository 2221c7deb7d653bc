# SPDX-License-Identifier: GPL-2.0
"""The demo's summary (summary.json, summary.md) and its timeline picture
(timeline.png, timeline.svg, drawn by gnuplot), from one run's logs.

Acts and updates come from the guest's markers
(selftests/guest/scenarios/demo.sh): 'demo: kexec ACT N' before each
lu_kexec, ACT 'ours' (live update), 'switch' (our drivers shut down, the
next kernel loads Debian's: not measured) or 'upstream' (kexec reboot).
The figures themselves come from selftests/lib/blackout.py.
"""

import json
import os
import re
import statistics
import subprocess
import time

import blackout

ACTS = {'ours': 'lunvme + lunic, live update',
	'upstream': 'Debian nvme + e1000e, kexec reboot'}
LOAD = r'demo: load (ours|upstream)'
READY = {'disk': r'demo: disk ready', 'carrier': r'demo: carrier'}
RESUMED = r'demo: running'
MARK = re.compile(r'LUTEST: # demo: kexec (\w+) (\d+)')
VERIFY = re.compile(r'LUTEST: # demo: verify (ok (\d+) chunks|failed)')
ICMP = re.compile(r'LUTEST: # demo: icmp echo requests (\d+) replies (\d+) errors (\d+)')

# (key, column title, unit) of the per-update figures, in table order.
FIGURES = [
	('io_gap_s', 'I/O gap', 's'),
	('ping_gap_s', 'ping gap', 's'),
	('pings_lost', 'pings lost', ''),
	('old_kernel_s', 'old kernel (freeze/shutdown)', 's'),
	('kexec_boot_s', 'kexec + boot', 's'),
	('init_to_load_s', 'init to driver load', 's'),
	('load_to_disk_s', 'load to disk ready', 's'),
	('load_to_carrier_s', 'load to carrier', 's'),
	('load_to_first_io_s', 'load to first I/O', 's'),
]


def updates(logs):
	"""[(act, n, request, end)] of every kexec, in order."""
	out = []
	kexecs = logs.kexecs()
	for i, (t, _) in enumerate(kexecs):
		end = kexecs[i + 1][0] if i + 1 < len(kexecs) else logs.end
		mark = None
		for tm, text in logs.serial:
			if tm > t:
				break
			m = MARK.search(text)
			if m:
				mark = (m.group(1), int(m.group(2)))
		act, n = mark or ('unknown', 0)
		out.append((act, n, t, end))
	return out


def verify_after(logs, request, end):
	for t, text in logs.serial:
		if request < t < end:
			m = VERIFY.search(text)
			if m:
				ok = m.group(1).startswith('ok')
				return {'ok': ok, 'chunks': int(m.group(2)) if ok else None}
	return {'ok': None, 'chunks': None}


def machine(logdir):
	"""The VM as QEMU was started (qemu.log), e.g. 'QEMU TCG, q35, 2 vCPUs, 1G'."""
	try:
		with open(os.path.join(logdir, 'qemu.log')) as f:
			cmd = f.readline().split()
	except OSError:
		return 'QEMU'

	def arg(name):
		return cmd[cmd.index(name) + 1] if name in cmd[:-1] else '?'
	accel = 'TCG' if arg('-accel').startswith('tcg') else arg('-accel')
	return f'QEMU {accel}, {arg("-machine")}, {arg("-smp")} vCPUs, {arg("-m")} RAM'


def icmp_after(logs, request, end):
	"""The new kernel's ICMP counters, logged before its own kexec."""
	for t, text in logs.serial:
		m = ICMP.search(text)
		if m and request < t <= end:
			return dict(zip(('requests', 'replies', 'errors'), map(int, m.groups())))
	return None


def analyse(logdir):
	logs = blackout.Logs(logdir)
	res = {'date': time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(logs.serial[0][0]))
	       if logs.serial else None,
	       'machine': machine(logdir),
	       # The host is shared on build machines: say how busy it was.
	       'host_load_average': open('/proc/loadavg').read().split()[0],
	       'acts': {}, 'switch': None}
	for act, n, request, end in updates(logs):
		fig = blackout.split(logs, request, end, LOAD, READY, RESUMED)
		fig['update'] = n
		fig['verify'] = verify_after(logs, request, end)
		fig['guest_icmp'] = icmp_after(logs, request, end)
		if act == 'switch':
			res['switch'] = fig
		else:
			res['acts'].setdefault(act, {'title': ACTS.get(act, act), 'updates': []})
			res['acts'][act]['updates'].append(fig)
	for a in res['acts'].values():
		a['median'] = {k: median([u[k] for u in a['updates']]) for k, _, _ in FIGURES}
		a['median_device_events'] = {
			e: median([u['device_events'][e] for u in a['updates']])
			for e in blackout.DEVICE_EVENTS}
	if 'ours' in res['acts'] and 'upstream' in res['acts']:
		ours, up = res['acts']['ours']['median'], res['acts']['upstream']['median']
		res['ratio_upstream_to_ours'] = {
			k: round(up[k] / ours[k], 2) if up[k] is not None and ours[k] else None
			for k, _, _ in FIGURES}
	return logs, res


def median(vals):
	vals = [v for v in vals if v is not None]
	return round(statistics.median(vals), 3) if vals else None


def fmt(v, unit=''):
	if v is None:
		return '-'
	if isinstance(v, int):
		return str(v)
	return f'{v:.2f}' if v < 100 else f'{v:.0f}'


def events_text(ev):
	parts = [f'{blackout.DEVICE_EVENTS[e]} {n}' for e, n in ev.items() if n]
	return ', '.join(parts) if parts else 'none'


def icmp_text(u):
	c = u['guest_icmp']
	return '-' if c is None else f'{c["errors"]} of {c["requests"]}'


def verify_text(u):
	v = u['verify']
	if v['ok'] is None:
		return '-'
	return f'ok, {v["chunks"]} chunks' if v['ok'] else 'FAILED'


def core_text(core):
	parts = [f'{dev.split()[0]} {t["freeze"]} / {t["retrieve"]}' for dev, t in core.items()
		 if 'freeze' in t and 'retrieve' in t]
	return ', '.join(parts) if parts else '-'


def markdown(res, problems):
	lines = [f'# Live update demo: {res["date"]}, {res["machine"]}, '
		 f'host load average {res["host_load_average"]}', '']
	if problems:
		lines += ['**Problems:**', ''] + [f'- {p}' for p in problems] + ['']
	def table(title, keys, extra):
		figs = [f for f in FIGURES if f[0] in keys]
		head = ['driver pair', '#'] + [t + (f' ({u})' if u else '') for _, t, u in figs] + \
			[h for h, _ in extra]
		out = [title, '', '| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
		for act, a in res['acts'].items():
			for u in a['updates']:
				out.append('| ' + ' | '.join(
					[act, str(u['update'])] + [fmt(u[k]) for k, _, _ in figs] +
					[f(u) for _, f in extra]) + ' |')
		return out + ['']

	lines += table('What the load saw, per update (host clock; I/O from the QEMU trace, '
		       'pings at 10 Hz from the host):',
		       ('io_gap_s', 'ping_gap_s', 'pings_lost'),
		       [('guest: echo replies it could not send', icmp_text),
			('fio verify', verify_text),
			('QEMU trace: device events', lambda u: events_text(u['device_events']))])
	lines += table('The blackout split by who owns it, per update (seconds):',
		       ('old_kernel_s', 'kexec_boot_s', 'init_to_load_s', 'load_to_disk_s',
			'load_to_carrier_s', 'load_to_first_io_s'),
		       [('freeze() / retrieve() per device (µs, PCI core)',
			  lambda u: core_text(u['core_us']))])
	if res['switch']:
		lines += ['Between the acts one more kexec, lunvme + lunic shut down and Debian\'s '
			  'drivers probe, is not counted (summary.json: switch).', '']
	lines += ['Medians, and upstream / ours:', '',
		  '| figure | ours | upstream | upstream / ours |', '|---|---|---|---|']
	ratio = res.get('ratio_upstream_to_ours', {})
	for k, t, u in FIGURES:
		vals = [fmt(res['acts'].get(a, {}).get('median', {}).get(k)) for a in ('ours', 'upstream')]
		r = ratio.get(k)
		lines.append(f'| {t}{f" ({u})" if u else ""} | {vals[0]} | {vals[1]} | '
			     f'{"-" if r is None else f"{r:.2f}"} |')
	for e, name in blackout.DEVICE_EVENTS.items():
		vals = [fmt(res['acts'].get(a, {}).get('median_device_events', {}).get(e))
			for a in ('ours', 'upstream')]
		lines.append(f'| trace: {name} | {vals[0]} | {vals[1]} | |')
	lines += ['', 'old kernel: kexec request to "Starting new kernel" (freeze or shutdown); '
		  'kexec + boot: to the new kernel\'s "Run /init" (purgatory, decompression, '
		  'boot); then the driver: module load to disk ready, carrier and first I/O. '
		  'I/O gap: last NVMe command before the kexec to the first after it. '
		  'Pings lost: requests sent from this kexec to the next that were never answered.',
		  '']
	return '\n'.join(lines)


# ---- the picture -----------------------------------------------------------

BEFORE = 4.0		# seconds shown before each kexec


def after(res):
	"""Seconds shown after each kexec: until I/O ran again in all of
	them, and some more."""
	last = [u['moments']['first I/O'] - u['kexec_at'] for a in res['acts'].values()
		for u in a['updates'] if u['moments'].get('first I/O')]
	return max(last + [15.0]) + 8.0


def plot(logs, res, outdir):
	"""Write the gnuplot data and script into outdir/plot/, then
	timeline.png and timeline.svg into outdir."""
	d = os.path.join(outdir, 'plot')
	os.makedirs(d, exist_ok=True)
	span = after(res)
	panels, ymax = [], 1
	for act, a in res['acts'].items():
		files = []
		for u in a['updates']:
			t0 = u['kexec_at']
			end = min(t0 + span, u['until'])
			base = os.path.join(d, f'{act}-{u["update"]}')
			bins = logs.io_per_bin(t0 - BEFORE, end)
			ymax = max([ymax] + bins)
			with open(base + '.io', 'w') as f:
				for i, n in enumerate(bins):
					f.write(f'{i * 0.1 - BEFORE:.1f} {n}\n')
			with open(base + '.ping', 'w') as f, open(base + '.lost', 'w') as g:
				g.write('# no lost ping\n')
				for s, ts in sorted(logs.sent.items()):
					if not t0 - BEFORE <= ts < end or ts > logs.end - 1.0:
						continue
					if s in logs.replies:
						f.write(f'{ts - t0:.3f} {logs.replies[s][1] * 1000:.3f}\n')
					else:
						g.write(f'{ts - t0:.3f}\n')
			files.append((u['update'], base))
		moments = {}
		for name in ('new kernel', 'load', 'first I/O'):
			rel = [u['moments'][name] - u['kexec_at'] for u in a['updates']
			       if u['moments'].get(name)]
			if rel:
				moments[name] = statistics.median(rel)
		panels.append((act, a['title'], files, moments))

	script = os.path.join(d, 'timeline.gp')
	with open(script, 'w') as f:
		f.write(gnuplot_script(panels, res, span, ymax))
	for term, out in (('pngcairo size 1600,1000 font "Sans,14"', 'timeline.png'),
			  ('svg size 1600,1000 dynamic font "Sans,14"', 'timeline.svg')):
		subprocess.run(['gnuplot', '-e', f'set terminal {term}; '
				f'set output "{os.path.join(outdir, out)}"', script],
			       check=True, capture_output=True)


def gnuplot_script(panels, res, span, ymax):
	g = ['set multiplot layout %d,1 title "Live update vs kexec reboot under load: '
	     'fio on NVMe, host ping at 10 Hz (%s, %s)"' % (len(panels), res['machine'], res['date']),
	     f'set xrange [{-BEFORE}:{span:.0f}]',
	     'set xlabel "seconds from the kexec request"',
	     'set ylabel "NVMe I/O per 100 ms"', f'set yrange [0:{int(ymax * 1.1) + 1}]',
	     'set y2label "ping RTT (ms, log)"', 'set logscale y2', 'set y2range [0.1:100000]',
	     'set y2tics', 'set ytics nomirror', 'set grid xtics',
	     'set key outside right top vertical Left reverse samplen 3',
	     'set style line 11 lc rgb "black" lw 2 dt 1',
	     'set style line 12 lc rgb "black" lw 2 dt 2',
	     'set style line 13 lc rgb "black" lw 2 dt 3',
	     'set style line 14 lc rgb "black" lw 2 dt 4']
	for act, title, files, moments in panels:
		labels = {'new kernel': 'old kernel done',
			  'load': 'retrieve' if act == 'ours' else 'probe', 'first I/O': 'first I/O'}
		g.append('unset arrow; unset label')
		g.append(f'set title "{title}: {len(files)} update(s) overlaid, '
			 'dash-dot lines at their median moments"')
		g.append('set arrow from 0, graph 0 to 0, graph 1 nohead lw 3 lc rgb "black"')
		g.append('set label "kexec" at 0, graph 1.02 center')
		for i, (name, x) in enumerate(sorted(moments.items(), key=lambda kv: kv[1])):
			g.append(f'set arrow from {x:.2f}, graph 0 to {x:.2f}, graph 1 nohead '
				 'lw 1.5 dt 5 lc rgb "gray30"')
			g.append(f'set label "{labels[name]}" at {x:.2f}, graph {0.66 - 0.07 * i:.2f} '
				 'left offset 0.5,0 font ",12"')
		plots = []
		for i, (n, base) in enumerate(files):
			plots.append(f'"{base}.io" using 1:2 with steps ls {11 + i % 4} '
				     f'title "I/O, update {n}"')
		for i, (n, base) in enumerate(files):
			first = i == 0
			plots.append(f'"{base}.ping" using 1:2 axes x1y2 with points pt 6 ps 0.6 '
				     f'lc rgb "gray40" title "{"ping RTT" if first else ""}"')
			# One row of marks per update, from the top down.
			plots.append(f'"{base}.lost" using 1:({40000 // 2 ** i}) axes x1y2 with points '
				     'pt 2 ps 1.2 lc rgb "black" '
				     f'title "{"lost ping, a row per update" if first else ""}"')
		g.append('plot ' + ', \\\n     '.join(plots))
	g.append('unset multiplot')
	return '\n'.join(g) + '\n'


def write(logs, res, outdir, problems=()):
	"""The four files into outdir; problems (text) go first in the summary."""
	res['problems'] = list(problems)
	os.makedirs(outdir, exist_ok=True)
	with open(os.path.join(outdir, 'summary.json'), 'w') as f:
		json.dump(res, f, indent=1)
	with open(os.path.join(outdir, 'summary.md'), 'w') as f:
		f.write(markdown(res, res['problems']))
	plot(logs, res, outdir)
