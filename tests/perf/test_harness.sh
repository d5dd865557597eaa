#!/usr/bin/env bash
# srtpedge-bench's harness, as a smoke test: `sweep --quick` over the tiny
# scenario set next to this file (every scenario runs and gives sane JSON:
# fields present, figures positive; the report is written with its plots),
# then `compare` on crafted files (a regression exits 1, none 0, bad input
# 2). Nothing about speed is asserted.
# usage: test_harness.sh SRTPEDGE-BENCH SRTPEDGE
set -uo pipefail

bench=${1:?usage: test_harness.sh SRTPEDGE-BENCH SRTPEDGE}
srtpedge=${2:?usage: test_harness.sh SRTPEDGE-BENCH SRTPEDGE}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/test-perf-harness.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

ok() { echo "ok: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
expect_rc() { # want-rc what cmd...
	local want=$1 what=$2 rc
	shift 2
	"$@" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		ok "$what (exit $rc)"
	else
		fail "$what: exit $rc, want $want"
		sed 's/^/    /' "$tmp/out" "$tmp/err" | tail -20
	fi
}

# 1. the sweep
start=$(date +%s)
"$bench" sweep --quick --scenarios "$here/scenarios" --out "$tmp/sweep" \
	--srtpedge "$srtpedge" > "$tmp/sweep.out" 2> "$tmp/sweep.err"
rc=$?
secs=$(( $(date +%s) - start ))
if [ $rc -eq 0 ]; then
	ok "sweep --quick over $(ls "$here"/scenarios/*.ini | wc -l) scenarios in ${secs} s"
else
	fail "sweep --quick exited $rc after ${secs} s"
	grep -v '^  \[' "$tmp/sweep.err" | tail -20 | sed 's/^/    /'
fi
if python3 "$here/check_results.py" "$tmp/sweep/results.jsonl" "$here/scenarios" > "$tmp/check" 2>&1; then
	ok "results.jsonl: $(tail -1 "$tmp/check")"
else
	fail "results.jsonl:"
	sed 's/^/    /' "$tmp/check" | tail -30
fi
for f in report.md pps-streams.png pps-workers.png latency.png; do
	if [ -s "$tmp/sweep/$f" ]; then ok "report: $f written"; else fail "report: no $f"; fi
done
if grep -q 'results.jsonl' "$tmp/sweep/report.md" 2>/dev/null &&
   grep -q 'IPsec-MB architecture in use' "$tmp/sweep/report.md" &&
   grep -q 'hugepages' "$tmp/sweep/report.md"; then
	ok "report names its results file and the machine's facts"
else
	fail "report lacks its source or the machine's facts"
fi
# the table output (no --json) of one scenario
expect_rc 0 "run a scenario, table" "$bench" run --quick "$here/scenarios/a-crypto.ini"
grep -q '^a-crypto ' "$tmp/out" && ok "run prints table rows" || fail "run printed no rows"
expect_rc 2 "run with an empty scenario file" "$bench" run /dev/null
printf '[scenario]\nstreams = 0\n' > "$tmp/bad.ini"
expect_rc 2 "run with streams = 0" "$bench" run "$tmp/bad.ini"
printf '[scenario]\nfoo = 1\n' > "$tmp/bad.ini"
expect_rc 2 "run with an unknown key" "$bench" run "$tmp/bad.ini"

# 2. compare on crafted files
row() { # engine streams pps [spread]
	printf '{"row":"result","scenario":"s","bench":"crypto","engine":"%s","impl":"x","suite":"AEAD_AES_128_GCM","op":"unprotect","kind":"rtp","payload":160,"streams":%s,"workers":1,"pps":%s,"pps_min":%s,"pps_max":%s,"spread":%s}\n' \
		"$1" "$2" "$3" "$3" "$3" "${4:-0.01}"
}
{ echo '{"row":"machine","cpu":"x"}'; row crypto 1 1000000; row crypto 1000 900000; row libsrtp2 1 100000; } > "$tmp/old.json"
{ row crypto 1 1000000; row crypto 1000 700000; row libsrtp2 1 100000; } > "$tmp/slower.json"
{ row crypto 1 950000; row crypto 1000 920000; row libsrtp2 1 120000; row crypto 10000 1; } > "$tmp/same.json"
expect_rc 1 "compare: a row 22 % slower" "$bench" compare "$tmp/old.json" "$tmp/slower.json"
grep -q 'SLOWER' "$tmp/out" && ok "compare names the slower row" || fail "compare did not mark SLOWER"
expect_rc 0 "compare: within 10 %, a new row" "$bench" compare "$tmp/old.json" "$tmp/same.json"
expect_rc 0 "compare: 22 % slower under --threshold 30" "$bench" compare --threshold 30 "$tmp/old.json" "$tmp/slower.json"
expect_rc 0 "compare: a file with itself" "$bench" compare "$tmp/old.json" "$tmp/old.json"
echo 'not json' > "$tmp/bad.json"
expect_rc 2 "compare: a line that is not JSON" "$bench" compare "$tmp/old.json" "$tmp/bad.json"
expect_rc 2 "compare: a missing file" "$bench" compare "$tmp/old.json" "$tmp/none.json"
echo '{"row":"result","engine":"crypto","suite":"x","payload":1,"streams":1}' > "$tmp/nopps.json"
expect_rc 2 "compare: a result row without pps" "$bench" compare "$tmp/old.json" "$tmp/nopps.json"
: > "$tmp/empty.json"
expect_rc 2 "compare: no result rows" "$bench" compare "$tmp/old.json" "$tmp/empty.json"
expect_rc 2 "compare: bad threshold" "$bench" compare --threshold x "$tmp/old.json" "$tmp/old.json"
# the sweep's own results against themselves: no regression
if [ -s "$tmp/sweep/results.jsonl" ]; then
	expect_rc 0 "compare: the sweep's results with themselves" \
		"$bench" compare "$tmp/sweep/results.jsonl" "$tmp/sweep/results.jsonl"
fi

# nothing left behind by the dataplane runs
left=$(ls /var/run/dpdk 2>/dev/null | grep -c '^srtpedge-bench-' || true)
[ "$left" -eq 0 ] && ok "no srtpedge-bench DPDK runtime directories left" ||
	fail "$left srtpedge-bench-* directories left in /var/run/dpdk"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
