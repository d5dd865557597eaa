#!/usr/bin/env bash
# What srtpedge's sessions cost in hugepage memory, measured: srtpedge
# (net_null ports, nothing on the wire) is started with max_sessions N and
# no session, its DPDK heap read through telemetry (/eal/heap_info: the
# bytes allocated, allocator headers included); then N sessions are added
# through its sessions file (SIGHUP, as an operator adds them) and the heap
# read again. The session table per max_session comes from the difference
# between N and max_sessions 1 at no session; the keys per SRTP leg from
# the difference between no session and N. Writes perf/RESULTS-memory.md
# (the command, commit, machine and every reading) unless --no-write.
set -uo pipefail

usage() {
	cat <<'TXT'
usage: perf/memory.sh [options]

Starts build/dataplane/srtpedge with max_sessions N (for each size) and
reads its hugepage heap through DPDK telemetry at no session and, for each
suite, again once N sessions are added (SIGHUP). Each session has one SRTP
leg (outside, the suite) and one plain RTP leg (inside). Derives the
session table's bytes per max_session (against max_sessions 1) for each
ssrcs_per_direction, and the bytes of keys per SRTP leg, and writes
perf/RESULTS-memory.md.

  --sizes LIST      max_sessions values, comma-separated (default 10000,100000;
                    at most 800000: 16 addresses of 50,000 ports a side)
  --suites LIST     suites of the sessions added (default
                    AES_CM_128_HMAC_SHA1_80,AEAD_AES_128_GCM)
  --ssrcs LIST      ssrcs_per_direction values for the table (default 1,4;
                    sessions are added with the first)
  --srtpedge PATH   default build/dataplane/srtpedge
  --out FILE        default perf/RESULTS-memory.md
  --no-write        print the readings, write no file

Needs root and hugepages (scripts/setup.sh reserves 1 GiB): the largest
size with GCM keys must fit. srtpedge runs on lcores 0 and 1 with its own
--file-prefix and no PCI device (net_null ports, no-rx), one process at a
time; its runtime directory and hugepage files are removed afterwards.
TXT
}

top=$(cd "$(dirname "$0")/.." && pwd)
SIZES=10000,100000
SUITES=AES_CM_128_HMAC_SHA1_80,AEAD_AES_128_GCM
SSRCS=1,4
SRTPEDGE=$top/build/dataplane/srtpedge
OUT=$top/perf/RESULTS-memory.md
WRITE=1
args=("$@")
while [ $# -gt 0 ]; do
	case "$1" in
	--sizes) shift; SIZES=${1:-} ;;
	--suites) shift; SUITES=${1:-} ;;
	--ssrcs) shift; SSRCS=${1:-} ;;
	--srtpedge) shift; SRTPEDGE=${1:-} ;;
	--out) shift; OUT=${1:-} ;;
	--no-write) WRITE=0 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "memory.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done
IFS=, read -r -a sizes <<<"$SIZES"
IFS=, read -r -a suites <<<"$SUITES"
IFS=, read -r -a ssrcs <<<"$SSRCS"
for v in "${sizes[@]}"; do
	if ! [[ $v =~ ^[1-9][0-9]*$ ]] || [ "$v" -lt 2 ] || [ "$v" -gt 800000 ]; then
		echo "memory.sh: size '$v': 2 to 800000" >&2
		exit 2
	fi
done
for v in "${ssrcs[@]}"; do
	[[ $v =~ ^[1-8]$ ]] || { echo "memory.sh: ssrcs '$v': 1 to 8" >&2; exit 2; }
done
# master key + salt bytes of each suite (RFC 4568 inline: key||salt)
declare -A KEYLEN=([AES_CM_128_HMAC_SHA1_80]=30 [AES_CM_128_HMAC_SHA1_32]=30
	[AES_256_CM_HMAC_SHA1_80]=46 [AES_256_CM_HMAC_SHA1_32]=46
	[AEAD_AES_128_GCM]=28 [AEAD_AES_256_GCM]=44 [NULL_HMAC_SHA1_80]=30)
for v in "${suites[@]}"; do
	[ -n "${KEYLEN[$v]:-}" ] || { echo "memory.sh: unknown suite '$v'" >&2; exit 2; }
done
[ "$(id -u)" -eq 0 ] || { echo "memory.sh: needs root (DPDK, hugepages)" >&2; exit 2; }
[ -x "$SRTPEDGE" ] || { echo "memory.sh: $SRTPEDGE: not an executable (build first)" >&2; exit 2; }
if [ "$(awk '/^HugePages_Total:/ {print $2}' /proc/meminfo)" -eq 0 ]; then
	echo "memory.sh: no hugepages reserved (scripts/setup.sh)" >&2
	exit 2
fi

commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$top" status --porcelain --untracked-files=no 2>/dev/null | head -1)
work=$(mktemp -d /tmp/srtpedge-memory.XXXXXX)
prefix="srtpedge-mem-$$"
se_pid=
cleanup() {
	if [ -n "$se_pid" ] && kill -0 "$se_pid" 2>/dev/null; then
		kill -INT "$se_pid" 2>/dev/null
		for _ in $(seq 100); do kill -0 "$se_pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$se_pid" 2>/dev/null
		wait "$se_pid" 2>/dev/null
	fi
	# srtpedge removes them at a clean exit; not after a crash
	rm -f /dev/hugepages/"$prefix"map_* 2>/dev/null
	rm -rf "/var/run/dpdk/$prefix"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# One telemetry command; prints the reply's value as JSON. The socket
# answers one command per connection here: connect, greeting, command.
tel() {
	python3 - "/var/run/dpdk/$prefix/dpdk_telemetry.v2" "$1" <<'PY'
import json, socket, sys
path, cmd = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(60)
s.connect(path)
json.loads(s.recv(1024).decode())
s.send(cmd.encode())
reply = json.loads(s.recv(1 << 20).decode())
val = reply.get(cmd.split(",")[0])
if val is None:
    sys.exit("memory.sh: telemetry %s: no answer" % cmd)
print(json.dumps(val))
PY
}
# heap bytes allocated, allocations, and the heap's size (hugepage memory
# DPDK has taken for it), summed over heaps: "alloc count size"
heap() {
	local ids id sum_a=0 sum_c=0 sum_s=0 a c s
	ids=$(tel /eal/heap_list | tr -d '[] ' | tr , ' ')
	for id in $ids; do
		read -r a c s < <(tel "/eal/heap_info,$id" | python3 -c '
import json, sys
h = json.load(sys.stdin)
print(h["Alloc_size"], h["Alloc_count"], h["Heap_size"])')
		sum_a=$((sum_a + a)) sum_c=$((sum_c + c)) sum_s=$((sum_s + s))
	done
	echo "$sum_a $sum_c $sum_s"
}
live_sessions() {
	tel /srtpedge/stats | python3 -c 'import json, sys; print(json.load(sys.stdin)["sessions"])'
}

# N sessions of SUITE into FILE: local ports 10000..59999 on as many
# addresses as needed (.1, .2, ... on each side), one peer per side.
gen_sessions() {
	python3 - "$1" "$2" "$3" "${KEYLEN[$2]}" <<'PY'
import base64, os, sys
n, suite, path, klen = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
with open(path, "w") as f:
    for i in range(n):
        addr, port = 1 + i // 50000, 10000 + i % 50000
        k = lambda: base64.b64encode(os.urandom(klen)).decode()
        f.write("[session m%d]\nid = %d\n" % (i, i + 1))
        f.write("outside.local = 198.51.100.%d:%d\n" % (addr, port))
        f.write("outside.remote = 198.51.100.200:40000\n")
        f.write("outside.suite = %s\n" % suite)
        f.write("outside.rx_key = inline:%s\noutside.tx_key = inline:%s\n" % (k(), k()))
        f.write("inside.local = 203.0.113.%d:%d\n" % (addr, port))
        f.write("inside.remote = 203.0.113.200:50000\n")
        f.write("inside.suite = none\n")
PY
}

# run MAX SSRCS [SUITE]: one srtpedge; sets LINE to "MAX SSRCS SUITE|-
# alloc0 count0 size0 [allocN countN sizeN]". Not in a subshell: the
# clean-up must know srtpedge's PID.
run() {
	local max=$1 ss=$2 suite=${3:-} naddr i line rc
	naddr=$(( (max + 49999) / 50000 ))
	: >"$work/sessions.ini"
	{
		echo "[dataplane]"
		echo "workers = 1"
		echo "max_sessions = $max"
		echo "ssrcs_per_direction = $ss"
		echo "stats_interval = 0"
		echo "sessions_file = $work/sessions.ini"
		echo "[outside]"
		echo "port = net_null0,no-rx=1"
		for ((i = 1; i <= naddr; i++)); do echo "ipv4 = 198.51.100.$i/24"; done
		echo "[inside]"
		echo "port = net_null1,no-rx=1"
		for ((i = 1; i <= naddr; i++)); do echo "ipv4 = 203.0.113.$i/24"; done
	} >"$work/srtpedge.ini"
	"$SRTPEDGE" -c "$work/srtpedge.ini" --file-prefix "$prefix" >"$work/se.out" 2>"$work/se.err" &
	se_pid=$!
	for ((i = 0; i < 600; i++)); do
		grep -q 'workers\? on lcore' "$work/se.out" 2>/dev/null && break
		kill -0 "$se_pid" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q 'workers\? on lcore' "$work/se.out" 2>/dev/null; then
		echo "memory.sh: srtpedge (max_sessions $max) did not start:" >&2
		tail -15 "$work/se.out" "$work/se.err" >&2
		return 1
	fi
	# DPDK's version, as its telemetry gives it, for the results file
	[ -s "$work/version" ] || tel /info >"$work/version"
	line="$max $ss ${suite:--} $(heap)"
	if [ -n "$suite" ]; then
		gen_sessions "$max" "$suite" "$work/sessions.new"
		mv "$work/sessions.new" "$work/sessions.ini"
		kill -HUP "$se_pid"
		# srtpedge says what it applied once it is done
		for ((i = 0; i < 3000; i++)); do
			grep -q 'sessions file .*added' "$work/se.err" && break
			kill -0 "$se_pid" 2>/dev/null || break
			sleep 0.1
		done
		if ! grep -q ": $max added, 0 changed, 0 removed, 0 refused" "$work/se.err" ||
		   [ "$(live_sessions)" != "$max" ]; then
			echo "memory.sh: adding $max $suite sessions failed:" >&2
			tail -5 "$work/se.err" >&2
			return 1
		fi
		line="$line $(heap)"
	fi
	kill -INT "$se_pid"
	wait "$se_pid"
	rc=$?
	se_pid=
	[ "$rc" -eq 0 ] || { echo "memory.sh: srtpedge exited $rc" >&2; tail -5 "$work/se.err" >&2; return 1; }
	LINE=$line
}

dpdk_version() {
	sed -nE 's/.*"version": ?"([^"]*)".*/\1/p' "$work/version" 2>/dev/null
}

echo "memory.sh: sizes $SIZES, suites $SUITES, ssrcs_per_direction $SSRCS" >&2
readings=$work/readings
: >"$readings"
# the baseline and the table: no session
for ss in "${ssrcs[@]}"; do
	for n in 1 "${sizes[@]}"; do
		run "$n" "$ss" || exit 1
		echo "$LINE" | tee -a "$readings" >&2
	done
done
# the keys: N sessions added, with the first ssrcs_per_direction
for suite in "${suites[@]}"; do
	for n in "${sizes[@]}"; do
		run "$n" "${ssrcs[0]}" "$suite" || exit 1
		echo "$LINE" | tee -a "$readings" >&2
	done
done
report() {
	python3 - "$readings" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
base = {}    # ssrcs -> alloc at max_sessions 1
table = []   # (ssrcs, max, alloc0, heap0)
keys = []    # (suite, max, ssrcs, alloc0, allocN, countN-count0, heapN)
for r in rows:
    mx, ss, suite = int(r[0]), int(r[1]), r[2]
    a0, c0, s0 = int(r[3]), int(r[4]), int(r[5])
    if suite == "-":
        if mx == 1:
            base[ss] = (a0, c0, s0)
        else:
            table.append((ss, mx, a0, s0))
    else:
        aN, cN, sN = int(r[6]), int(r[7]), int(r[8])
        keys.append((suite, mx, ss, a0, aN, cN - c0, sN))
def mib(b): return "%.1f MiB" % (b / 1048576)
print("## Session table (no session)")
print()
print("Heap allocated with `max_sessions` N and no session, less the same with")
print("`max_sessions` 1 (which holds what does not grow with N: mbufs, rings, the")
print("flow table), over N - 1.")
print()
print("| ssrcs_per_direction | max_sessions | heap allocated | of which over max_sessions 1 | bytes per max_session |")
print("| ---: | ---: | ---: | ---: | ---: |")
for ss in sorted(base):
    a1 = base[ss][0]
    print("| %d | 1 | %d (%s) | - | - |" % (ss, a1, mib(a1)))
    for (s, mx, a0, s0) in table:
        if s == ss:
            print("| %d | %d | %d (%s) | %d | %.1f |" % (ss, mx, a0, mib(a0), a0 - a1, (a0 - a1) / (mx - 1)))
print()
print("## Keys (sessions added)")
print()
print("N sessions added through the sessions file (SIGHUP), each with one SRTP")
print("leg (outside) and one plain RTP leg (inside): heap allocated after, less")
print("before, over N. Allocations counts DPDK's heap elements.")
print()
print("| suite | sessions | heap before | heap after | bytes per SRTP leg | allocations per leg | heap size after (hugepages taken) |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for (suite, mx, ss, a0, aN, dc, sN) in keys:
    print("| %s | %d | %d | %d | %.1f | %.2f | %s |" % (suite, mx, a0, aN, (aN - a0) / mx, dc / mx, mib(sN)))
print()
print("## Readings")
print()
print("One line per srtpedge run: max_sessions, ssrcs_per_direction, suite of the")
print("sessions added (- for none), then the heap at no session (bytes allocated,")
print("allocations, heap size) and, after sessions were added, the same three.")
print()
print("```")
for r in rows:
    print(" ".join(r))
print("```")
PY
}

if [ "$WRITE" -eq 0 ]; then
	report
	exit 0
fi
cmd="perf/memory.sh${args[*]:+ ${args[*]}}"
{
	echo "# srtpedge's memory: latest results"
	echo
	echo "Made $(date -u '+%Y-%m-%d %H:%M UTC') by \`$cmd\` at commit"
	echo "\`$commit\`${dirty:+ (with local changes)}, with \`${SRTPEDGE#"$top"/}\`. How it measures:"
	echo "the top of \`perf/memory.sh\` and \`perf/README.md\`."
	echo
	echo "## Machine"
	echo
	echo '```'
	echo "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) CPUs online"
	echo "kernel $(uname -r); $(dpdk_version)"
	echo "hugepages: $(awk '/^HugePages_Total:/ {t=$2} /^Hugepagesize:/ {s=$2} END {print t " of " s " kB"}' /proc/meminfo)"
	echo '```'
	echo
	report
} >"$OUT"
echo "memory.sh: wrote $OUT" >&2
