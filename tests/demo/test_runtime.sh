#!/usr/bin/env bash
# srtpedge while it runs: DPDK telemetry answers the /srtpedge commands;
# SIGHUP applies an edited sessions file (adds, removes, replaces) while the
# main job keeps forwarding; SIGTERM drains and prints the final counters.
set -euo pipefail

usage() {
	echo "usage: test_runtime.sh SRTPEDGE_BINARY"
	echo "Ends with 'N passed, N failed'."
}
case "${1:-}" in -h|--help) usage; exit 0 ;; "") usage >&2; exit 2 ;; esac
bin=$1
prefix="test-runtime-$$"
tmp=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -f /dev/hugepages/"$prefix"map_* 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

. "$(dirname "$0")/../common/check.sh"

tel() { echo "$1" | python3 /usr/bin/dpdk-telemetry.py -f "$prefix" 2>/dev/null | tail -n +1; }
key() { printf '%s' "$1" | head -c 30 | base64; }

session() { # id port
	cat <<INI
[session s$1]
id = $1
outside.local = 192.0.2.1:$2
outside.remote = latch
outside.suite = AES_CM_128_HMAC_SHA1_80
outside.rx_key = inline:$(key "rx-key-of-session-$1-padding-padding")
outside.tx_key = inline:$(key "tx-key-of-session-$1-padding-padding")
inside.local = 10.0.0.1:$2
inside.remote = 10.9.0.1:$2
inside.suite = none
INI
}

# the embedded default plus session 5 of the configuration file itself,
# which reloads of the sessions file must leave alone
{ "$bin" --print-default; session 5 50005; } >"$tmp/main.ini"
{ session 7 50007; session 8 50008; } >"$tmp/sessions.ini"
"$bin" --file-prefix "$prefix" -c "$tmp/main.ini" --sessions "$tmp/sessions.ini" \
	-s demo.duration=0 -s demo.pps=20000 -s demo.sessions=200 \
	>"$tmp/run.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
	grep -q 'worker on lcore' "$tmp/run.log" && break
	sleep 0.1
done
sleep 1
check "srtpedge started" grep -q 'worker on lcore' "$tmp/run.log"

out=$(tel /srtpedge/stats)
check "telemetry /srtpedge/stats lists 203 sessions" \
	python3 -c 'import json,sys; d=json.loads(sys.argv[1])["/srtpedge/stats"]; sys.exit(0 if d["sessions"]==203 and d["inside_forwarded"]>0 and d["outside_forwarded"]>0 else 1)' "$out"
out=$(tel /srtpedge/sessions)
check "telemetry /srtpedge/sessions has 5, 7 and 8" \
	python3 -c 'import json,sys; l=json.loads(sys.argv[1])["/srtpedge/sessions"]; sys.exit(0 if 5 in l and 7 in l and 8 in l and len(l)==203 else 1)' "$out"
out=$(tel /srtpedge/session,1000000)
check "telemetry /srtpedge/session,1000000 counts packets on both legs" \
	python3 -c 'import json,sys; d=json.loads(sys.argv[1])["/srtpedge/session"]; sys.exit(0 if d["outside_rx_packets"]>0 and d["inside_rx_packets"]>0 and d["outside_rx_streams"]==1 else 1)' "$out"
out=$(tel /srtpedge/session,8)
check "telemetry /srtpedge/session,8 names it" \
	python3 -c 'import json,sys; d=json.loads(sys.argv[1])["/srtpedge/session"]; sys.exit(0 if d["name"]=="s8" else 1)' "$out"
out=$(tel /srtpedge/workers,0)
check "telemetry /srtpedge/workers,0 reports lcore 1" \
	python3 -c 'import json,sys; d=json.loads(sys.argv[1])["/srtpedge/workers"]; sys.exit(0 if d["lcore"]==1 else 1)' "$out"

# remove 7, keep 8, add 9; then a broken file must change nothing
{ session 8 50008; session 9 50009; } >"$tmp/sessions.ini"
before=$(tel /srtpedge/stats)
kill -HUP "$pid"
sleep 1
check "SIGHUP reported 1 added, 1 removed" grep -q 'sessions.ini: 1 added, 0 changed, 1 removed, 0 refused' "$tmp/run.log"
out=$(tel /srtpedge/sessions)
check "after SIGHUP: 5, 8 and 9, not 7" \
	python3 -c 'import json,sys; l=json.loads(sys.argv[1])["/srtpedge/sessions"]; sys.exit(0 if 5 in l and 8 in l and 9 in l and 7 not in l and len(l)==203 else 1)' "$out"
after=$(tel /srtpedge/stats)
check "forwarding went on across the reload" \
	python3 -c 'import json,sys; a=json.loads(sys.argv[1])["/srtpedge/stats"]; b=json.loads(sys.argv[2])["/srtpedge/stats"]; sys.exit(0 if b["inside_forwarded"]>a["inside_forwarded"] else 1)' "$before" "$after"
# session 9 with another peer: replaced; 8 unchanged: kept
{ session 8 50008; session 9 50009 | sed 's/^inside.remote = .*/inside.remote = 10.9.0.2:6000/'; } >"$tmp/sessions.ini"
kill -HUP "$pid"
sleep 1
check "SIGHUP reported 1 changed" grep -q 'sessions.ini: 0 added, 1 changed, 0 removed, 0 refused' "$tmp/run.log"
# a sessions-file session that takes the id of the configuration file's
{ session 8 50008; session 5 50015 | sed 's/^\[session s5\]/[session t5]/'; } >"$tmp/sessions.ini"
kill -HUP "$pid"
sleep 1
check "a sessions file taking the configuration's id 5 is refused" \
	grep -q '\[session t5\] id: 5 is the id of session s5 too' "$tmp/run.log"
printf '[session s10]\nid = 10\noutside.local = 192.0.2.1:nonsense\n' >"$tmp/sessions.ini"
kill -HUP "$pid"
sleep 1
check "a broken sessions file is refused" grep -q 'not applied; the sessions in use stay as they are' "$tmp/run.log"
out=$(tel /srtpedge/sessions)
check "after the refused files: still 5, 8 and 9" \
	python3 -c 'import json,sys; l=json.loads(sys.argv[1])["/srtpedge/sessions"]; sys.exit(0 if 5 in l and 8 in l and 9 in l and len(l)==203 else 1)' "$out"

kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
check "SIGTERM: exit status 0 (got $rc)" [ "$rc" -eq 0 ]
check "SIGTERM: final counters printed" grep -q '^srtpedge: packets out:' "$tmp/run.log"
check "SIGTERM: every generated packet checked" bash -c "grep -q 'outside->inside: .* 0 wrong' '$tmp/run.log' && grep -q 'inside->outside: .* 0 wrong' '$tmp/run.log'"
# the 200 demo sessions flowed through every reload: none of their packets
# may be missing (sessions added, removed and replaced beside them)
for dir in 'outside->inside' 'inside->outside'; do
	read -r sent got _ <<<"$(sed -nE "s/.*demo: $dir: ([0-9]+) [A-Z]+ packets sent, ([0-9]+) arrived.*/\1 \2/p" "$tmp/run.log") -1 -2"
	check "$dir: every packet of the other sessions arrived across the reloads ($got of $sent)" \
		test "$sent" -gt 1000 -a "$got" -eq "$sent"
done
left=$(find /dev/hugepages -maxdepth 1 -name "${prefix}map_*" | wc -l)
check "no hugepage files left ($left)" [ "$left" -eq 0 ]
if [ "$failed" -gt 0 ]; then
	sed 's/^/    /' "$tmp/run.log" | grep -v 'pps' | tail -20
fi
finish
