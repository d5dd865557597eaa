#!/usr/bin/env python3
"""Checks a results.jsonl of `srtpedge-bench sweep`: the machine row, a
scenario row and at least one measured row per scenario file, every result
row's fields present, figures positive and ordered, reasons given.
Prints one line per problem; exit 0 when there is none."""
import json, os, sys

path, scen_dir = sys.argv[1], sys.argv[2]
want = sorted(f[:-4] for f in os.listdir(scen_dir) if f.endswith('.ini'))
problems = []
rows = []
with open(path) as f:
    for i, line in enumerate(f, 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except ValueError as e:
            problems.append(f'line {i}: not JSON: {e}')
machine = [r for r in rows if r.get('row') == 'machine']
if len(machine) != 1:
    problems.append(f'{len(machine)} machine rows (want 1)')
else:
    for k in ('cpu', 'cpu_flags', 'ipsec_mb', 'ipsec_mb_arch', 'dpdk', 'pinning',
              'hugepages_total', 'tsc_hz', 'commit', 'command'):
        if machine[0].get(k) in (None, ''):
            problems.append(f'machine row lacks {k}')
results = [r for r in rows if r.get('row') == 'result']
scen = {r.get('scenario') for r in rows if r.get('row') == 'scenario'}
for s in want:
    if s not in scen:
        problems.append(f'scenario {s}: no scenario row')
    if not any(r.get('scenario') == s and 'skipped' not in r and 'failed' not in r
               for r in results):
        problems.append(f'scenario {s}: no measured row')
always = ('scenario', 'bench', 'engine', 'suite', 'op', 'kind', 'payload', 'streams',
          'workers')
measured = ('impl', 'burst', 'packets', 'pps', 'pps_min', 'pps_max', 'cycles_per_packet',
            'runs', 'spread', 'cpu', 'ipsec_mb', 'ipsec_mb_arch', 'tsc_hz',
            'latency_p50_us', 'latency_p99_us', 'latency_p999_us', 'cpu_s_per_mpkt',
            'loss', 'unstable')
for n, r in enumerate(results, 1):
    tag = f"row {n} ({r.get('scenario')}/{r.get('engine')}/{r.get('suite')}/{r.get('streams')})"
    for k in always:
        if k not in r:
            problems.append(f'{tag}: no {k}')
    if 'failed' in r:
        problems.append(f"{tag}: failed: {r['failed']}")
        continue
    if 'skipped' in r:
        if not isinstance(r['skipped'], str) or len(r['skipped']) < 10:
            problems.append(f'{tag}: skipped without a reason')
        continue
    for k in measured:
        if k not in r:
            problems.append(f'{tag}: no {k}')
    for k in ('pps', 'pps_min', 'pps_max', 'cycles_per_packet', 'cpu_s_per_mpkt', 'tsc_hz',
              'packets', 'runs'):
        v = r.get(k)
        if not isinstance(v, (int, float)) or isinstance(v, bool) or v <= 0:
            problems.append(f'{tag}: {k} = {v!r}, not a positive number')
    if all(isinstance(r.get(k), (int, float)) for k in ('pps', 'pps_min', 'pps_max')):
        if not r['pps_min'] <= r['pps'] <= r['pps_max']:
            problems.append(f'{tag}: pps not within [pps_min, pps_max]')
    if not isinstance(r.get('unstable'), bool):
        problems.append(f'{tag}: unstable is not a boolean')
    elif r['unstable'] != (r.get('spread', 0) > 0.25):
        problems.append(f'{tag}: unstable disagrees with spread {r.get("spread")}')
    loss = r.get('loss')
    if not isinstance(loss, (int, float)) or not 0 <= loss <= 1:
        problems.append(f'{tag}: loss = {loss!r}')
    lat = [r.get(k) for k in ('latency_p50_us', 'latency_p99_us', 'latency_p999_us')]
    if r.get('engine') == 'dataplane':
        if not all(isinstance(v, (int, float)) and v > 0 for v in lat):
            problems.append(f'{tag}: dataplane latency {lat}')
        elif not lat[0] <= lat[1] <= lat[2]:
            problems.append(f'{tag}: latency percentiles out of order {lat}')
    elif any(v is not None and not (isinstance(v, (int, float)) and v > 0) for v in lat):
        problems.append(f'{tag}: latency {lat}')
for p in problems:
    print(p)
print(f'{len(results)} result rows, {len(problems)} problems')
sys.exit(1 if problems else 0)
