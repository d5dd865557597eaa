#!/usr/bin/env bash
# Runs a full benchmark and writes its results file: `crypto` (the default)
# perf/RESULTS.md, `dataplane` perf/RESULTS-dataplane.md; each with the
# table, the command that made it, the commit and the machine, and the rows
# of its issue's target, all from that one run.
set -euo pipefail

case "${1:-}" in
-h|--help)
	cat <<'TXT'
usage: perf/make-results.sh [crypto|dataplane|control] [srtpedge-bench options]

Runs `build/perf/srtpedge-bench crypto` (with the given options; none: the
full matrix) and writes perf/RESULTS.md from its output; with `dataplane`
first, runs `srtpedge-bench dataplane` (root and hugepages) and writes
perf/RESULTS-dataplane.md; with `control`, runs `srtpedge-bench control`
(root and hugepages) and writes perf/RESULTS-control.md. Build first (scripts/setup.sh or ninja -C
build). Run it on a quiet machine: the tables mark rows whose runs spread
more than 25 % with '~'.
TXT
	exit 0 ;;
esac

top=$(cd "$(dirname "$0")/.." && pwd)
bench="$top/build/perf/srtpedge-bench"
[ -x "$bench" ] || { echo "make-results.sh: build first ($bench missing)" >&2; exit 1; }

which=crypto
case "${1:-}" in
crypto|dataplane|control) which=$1; shift ;;
esac

# the commit the build came from: read before the run, which may last long
commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$top" status --porcelain --untracked-files=no 2>/dev/null | head -1)

out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$bench" "$which" "$@" | tee "$out"
args=''
if [ $# -gt 0 ]; then
	args=$(printf ' %s' "$@")
fi
# title, provenance and machine of a results file; $1: the command, $2: how
# many lines of the output name the machine
preamble() {
	echo "# srtpedge-bench $1: latest results"
	echo
	echo "Made $(date -u '+%Y-%m-%d %H:%M UTC') by \`perf/make-results.sh $1$args\`,"
	echo "which ran \`build/perf/srtpedge-bench $1$args\` at commit \`$commit\`${dirty:+ (with local changes)}."
	echo "How to read it: \`perf/README.md\`."
	echo
	echo "## Machine"
	echo
	echo '```'
	sed -n "1,${2}p" "$out"
	echo "kernel $(uname -r), $(nproc) CPUs online"
	echo '```'
	echo
}
if [ "$which" = control ]; then
	{
		preamble control 1
		echo "## Target of the control issue"
		echo
		echo "10,000 SDES session installs per second with no packet lost on established"
		echo "sessions (columns per s and lost)."
		echo
		echo '```'
		sed -n '3p' "$out"
		grep -E '^sdes_install ' "$out" || echo "(no install row in this run)"
		echo '```'
		echo
		echo "## Full output"
		echo
		echo '```'
		sed -n '2,$p' "$out"
		echo '```'
	} > "$top/perf/RESULTS-control.md"
	echo "make-results.sh: wrote $top/perf/RESULTS-control.md"
	exit 0
fi
if [ "$which" = dataplane ]; then
	{
		preamble dataplane 1
		echo "## Target of the dataplane issue"
		echo
		echo "100,000 streams, 160-byte payloads: one worker at least half the packets per"
		echo "second of crypto/ alone on the same packets (column dp/cr)."
		echo
		echo '```'
		sed -n '3p' "$out"
		grep -E '^ +100000 \|' "$out" || echo "(no 100,000-stream row in this run)"
		echo '```'
		echo
		echo "## Full output"
		echo
		echo '```'
		sed -n '2,$p' "$out"
		echo '```'
	} > "$top/perf/RESULTS-dataplane.md"
	echo "make-results.sh: wrote $top/perf/RESULTS-dataplane.md"
	exit 0
fi

{
	preamble crypto 2
	echo "## Target of the foundation issue"
	echo
	echo "Unprotect of AES_CM_128_HMAC_SHA1_80 and AEAD_AES_128_GCM, 160-byte payloads,"
	echo "100,000 streams: srtpedge at least 80 % of ipsec-mb-raw (column %raw)."
	echo
	echo '```'
	sed -n '5p' "$out"
	grep -E '^(AES_CM_128_HMAC_SHA1_80|AEAD_AES_128_GCM) +unprotect rtp +160 +100000 ' "$out" || echo "(target rows not in this run)"
	echo '```'
	echo
	echo "## Full table"
	echo
	echo '```'
	sed -n '3,$p' "$out"
	echo '```'
} > "$top/perf/RESULTS.md"
echo "make-results.sh: wrote $top/perf/RESULTS.md"
