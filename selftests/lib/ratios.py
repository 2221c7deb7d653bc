# SPDX-License-Identifier: GPL-2.0
"""Per-round ratios of two drivers and when they allow a conclusion
(scripts/bench-nvme, scripts/bench-nic).

Each round runs both drivers back to back, so the ratio within a round
cancels most of the host's drift; the rounds show how much is left. A
table row says what the rounds allow. If they lie within SPREAD of each
other: 'not slower' or 'slower' by their median against TARGET. If they
spread wider, only SIGN_ROUNDS or more rounds all on one side of TARGET
conclude (four rounds of pure noise fall on one side one time in eight,
and a table has many rows); else the spread is too wide to conclude:
run more rounds on a quieter host.
"""

import statistics

TARGET = 0.95		# "at upstream speed" (DESIGN.md)
SPREAD = 0.20		# widest max - min of the rounds to conclude from
MIN_ROUNDS = 3
SIGN_ROUNDS = 6		# rounds all on one side to conclude despite spread


def verdict(ratios, target=TARGET):
	"""What the per-round ratios (ours / upstream, higher is better)
	allow to conclude."""
	if len(ratios) < MIN_ROUNDS:
		return f'too few rounds ({len(ratios)}) to conclude'
	spread = max(ratios) - min(ratios)
	med = statistics.median(ratios)
	if spread <= SPREAD:
		return f'{"not slower" if med >= target else "slower"} (median, spread {spread:.2f})'
	if len(ratios) >= SIGN_ROUNDS and min(ratios) >= target:
		return f'not slower (>= {target} in all {len(ratios)} rounds)'
	if len(ratios) >= SIGN_ROUNDS and max(ratios) < target:
		return f'slower (< {target} in all {len(ratios)} rounds)'
	return f'spread {spread:.2f} too wide to conclude'


def table(title, rows, lower_is_better=(), verdicts=None):
	"""Markdown table of rows {name: [ratio per round]}: one column per
	round, the median and the verdict. Names in lower_is_better are
	figures like latency, whose ratio is inverted for the verdict;
	verdicts maps a name to its own verdict function of the ratios."""
	width = max((len(r) for r in rows.values()), default=0)
	head = ['fio job' if not title else title] + \
		[f'round {i + 1}' for i in range(width)] + ['median', 'verdict']
	lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
	for name, ratios in rows.items():
		if not ratios:
			lines.append(f'| {name} | ' + ' | '.join(['-'] * (width + 1)) +
				     ' | no results |')
			continue
		cells = [f'{r:.2f}' for r in ratios] + ['-'] * (width - len(ratios))
		med = statistics.median(ratios)
		judged = [1 / r for r in ratios] if name in lower_is_better else ratios
		judge = (verdicts or {}).get(name, verdict)
		lines.append(f'| {name} | ' + ' | '.join(cells) +
			     f' | {med:.2f} | {judge(judged)} |')
	return lines
