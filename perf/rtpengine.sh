#!/usr/bin/env bash
# srtpedge and rtpengine on the same wire: the same SRTP load (srtp-load,
# libsrtp2, one socket in the endpoints' namespace) over the same veth
# pairs, into srtpedge (net_af_packet on the veths' root ends) and then into
# rtpengine (userspace mode, --table=-1, in a namespace of its own holding
# those same veth ends, its SDES calls set up over the ng protocol on its
# loopback: SRTP from the caller, RTP to the callee). The RTP that comes out
# is counted, and its payloads checked, by a receiver in the media servers'
# namespace. Per stream count and offered rate: packets per second out,
# loss, and the relay's CPU seconds per million packets (utime + stime of
# /proc/PID/stat over the send). One JSON line per measurement with --json.
# Uses tests/integration/lib.sh (topology, srtpedge start/stop) and
# sre_it.py (sessions, plan, receiver). Exit 3 when rtpengine is not
# installed (the harness records the scenario as skipped).
set -uo pipefail

TEST=perf_rtpengine
usage() {
	cat <<'TXT'
usage: perf/rtpengine.sh [options]

Feeds the same SRTP load to srtpedge and to rtpengine between network
namespaces and reports, per relay, stream count and offered rate, the packets
per second that came out, the loss and the relay's CPU seconds per million
packets.

  --suite NAME      SRTP suite (default AES_CM_128_HMAC_SHA1_80)
  --payload N       RTP payload bytes (default 160)
  --streams LIST    session counts, comma-separated (default 100,1000)
  --rates LIST|max  offered packets per second (default 20000,50000,100000;
                    max: as fast as srtp-load sends)
  --duration S      seconds of load per rate (default 3)
  --relays LIST     srtpedge,rtpengine (default both)
  --json            JSON lines (else a table)
  --srtpedge PATH   default $SRTPEDGE_BIN or build/dataplane/srtpedge
  --srtp-load PATH  default build/tests/integration/srtp-load
TXT
	it_usage_common
}

top=$(cd "$(dirname "$0")/.." && pwd)
SUITE=AES_CM_128_HMAC_SHA1_80 PAYLOAD=160 STREAMS=100,1000 RATES=20000,50000,100000
DURATION=3 JSON=0 RELAYS=srtpedge,rtpengine
bench_dir=$(dirname "${SRTPEDGE_BENCH:-$top/build/perf/srtpedge-bench}")
SRTPEDGE=${SRTPEDGE_BIN:-$bench_dir/../dataplane/srtpedge}
SRTP_LOAD=$bench_dir/../tests/integration/srtp-load
keep=0
source "$top/tests/integration/lib.sh"
while [ $# -gt 0 ]; do
	case "$1" in
	--suite) shift; SUITE=$1 ;;
	--payload) shift; PAYLOAD=$1 ;;
	--streams) shift; STREAMS=$1 ;;
	--rates) shift; RATES=$1 ;;
	--duration) shift; DURATION=$1 ;;
	--relays) shift; RELAYS=$1 ;;
	--json) JSON=1 ;;
	--srtpedge) shift; SRTPEDGE=$1 ;;
	--srtp-load) shift; SRTP_LOAD=$1 ;;
	--keep) keep=1 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "$TEST: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done
if ! command -v rtpengine >/dev/null && [[ $RELAYS == *rtpengine* ]]; then
	echo "rtpengine is not installed (Debian package rtpengine-daemon)" >&2
	exit 3
fi
for f in "$SRTPEDGE" "$SRTP_LOAD"; do
	[ -x "$f" ] || { echo "$TEST: $f: not an executable (build first)" >&2; exit 2; }
done
it_init
# the relay namespace (rtpengine's) is ours to remove too
NS_RELAY="sre-relay-$$"
rtpe_pid=
perf_cleanup() {
	local rc=$?
	[ -n "$rtpe_pid" ] && stop_pid "$rtpe_pid" TERM
	ip netns del "$NS_RELAY" 2>/dev/null
	(exit "$rc")
	it_cleanup
}
trap perf_cleanup EXIT
# everything this script says goes to stderr; stdout carries the results
exec 3>&1 1>&2

IFS=, read -r -a streams <<<"$STREAMS"
IFS=, read -r -a rates <<<"$RATES"
# each stream count has sessions of its own (offset by the counts before it)
max=0
for s in "${streams[@]}"; do max=$((max + s)); done

# rows: relay streams offered sent received secs cpu_ticks bad
emit() {
	local relay=$1 s=$2 rate=$3 sent=$4 got=$5 secs=$6 ticks=$7 bad=$8 note=${9:-}
	local hz
	hz=$(getconf CLK_TCK)
	awk -v relay="$relay" -v s="$s" -v rate="$rate" -v sent="$sent" -v got="$got" \
		-v secs="$secs" -v ticks="$ticks" -v hz="$hz" -v bad="$bad" -v suite="$SUITE" \
		-v pay="$PAYLOAD" -v json="$JSON" -v note="$note" 'BEGIN {
		pps = secs > 0 ? got / secs : 0
		loss = sent > 0 ? (sent - got) / sent : 0
		if (loss < 0) loss = 0
		cpu = got > 0 ? (ticks / hz) * 1e6 / got : 0
		impl = relay == "rtpengine" ? "rtpengine" : "srtpedge-netns"
		if (json) {
			printf "{\"impl\":\"%s\",\"engine\":\"%s\",\"suite\":\"%s\",\"op\":\"unprotect\",\"kind\":\"rtp\",", impl, relay, suite
			printf "\"payload\":%d,\"streams\":%d,", pay, s
			if (rate == "max") printf "\"offered\":\"max\","; else printf "\"offered_pps\":%d,", rate
			printf "\"sent\":%d,\"received\":%d,\"bad_payloads\":%d,\"seconds\":%.3f,", sent, got, bad, secs
			printf "\"pps\":%.0f,\"pps_min\":%.0f,\"pps_max\":%.0f,\"runs\":1,\"spread\":0,", pps, pps, pps
			printf "\"loss\":%.6f,\"cpu_s_per_mpkt\":%.3f,\"cpu_s\":%.2f,", loss, cpu, ticks / hz
			printf "\"latency_p50_us\":null,\"latency_p99_us\":null,\"latency_p999_us\":null"
			if (note != "") printf ",\"note\":\"%s\"", note
			printf "}\n"
		} else {
			printf "%-10s %7d %9s %9d %9d %10.0f %8.4f %10.3f %5d %s\n", relay, s, rate, sent, got, pps, loss, cpu, bad, note
		}
	}' >&3
}
if [ "$JSON" -eq 0 ]; then
	printf "%-10s %7s %9s %9s %9s %10s %8s %10s %5s\n" relay streams offered sent received \
		"pps out" loss "cpu s/Mp" bad >&3
fi

log "sessions and plan: $max sessions, $SUITE"
"$PY" "$SRE_IT" loadplan --count "$max" --suites "$SUITE" --sessions "$work/sessions.ini" \
	--plan "$work/plan.txt" --outside-local "$OUT4.1" --outside-remote "$OUT4.10:40000" \
	--inside-local "$IN4.1" --inside-remote "$IN4.10:50000" \
	--outside-port0 10000 --inside-port0 10000 --churn 0 \
	--reload-sessions "$work/unused.ini" --reload-plan "$work/unused.txt" || exit 1
topo_up v4only

# the receiver: every RTP packet to the media server's port, payload checked
"$PY" "$SRE_IT" sink --help >/dev/null 2>&1 || true
ip netns exec "$NS_IN" "$PY" "$SRE_IT" sink --bind "$IN4.10" --port 50000 --pattern \
	--rcvbuf $((512 << 20)) --out "$work/sink.txt" --ready "$work/sink.ready" &
sink=$!
bg_add "$sink"
wait_file "$work/sink.ready" || { echo "$TEST: receiver did not start" >&2; exit 1; }
declare -A R
sink_counts() {
	local k v rest i
	rm -f "$work/sink.txt"
	kill -USR1 "$sink"
	for ((i = 0; i < 300; i++)); do [ -s "$work/sink.txt" ] && break; sleep 0.1; done
	R=()
	while read -r k v rest; do R[$k]=$v; done <"$work/sink.txt"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# UDP datagrams the receiver's kernel dropped for a full socket buffer
rcvbuf_errors() {
	ip netns exec "$NS_IN" awk '/^Udp:/ { if (!h) { for (i = 1; i <= NF; i++) c[$i] = i; h = 1 }
		else print $c["RcvbufErrors"] }' /proc/net/snmp
}

# one load: PLAN OFFSET SESSIONS RATE RELAY_PID -> globals sent got secs ticks
# bad overflow
measure() {
	local plan=$1 off=$2 s=$3 rate=$4 pid=$5 pps rounds t0 t1 c0 c1 g0 b0 o0 i
	if [ "$rate" = max ]; then
		pps=5000000
		rounds=$(( (200000 + s - 1) / s ))
	else
		pps=$rate
		rounds=$(( (rate * DURATION + s - 1) / s ))
	fi
	# srtp-load sends at most 1000 rounds; sequence numbers go on from
	# run to run (a relay drops a number it saw as a replay) and never
	# wrap (srtp-load's sender starts each run at ROC 0)
	[ "$rounds" -gt 1000 ] && rounds=1000
	if [ $((next_seq + rounds)) -gt 65000 ]; then
		echo "$TEST: too many runs for one sequence space; fewer rates or streams" >&2
		sent=0 got=0 secs=0 ticks=0 bad=0
		return
	fi
	sed -n "$((off + 1)),$((off + s))p" "$plan" >"$work/plan.run"
	sink_counts
	g0=${R[total]:-0} b0=${R[bad]:-0}
	o0=$(rcvbuf_errors)
	c0=$(cpu_ticks "$pid")
	t0=$(date +%s.%N)
	in_out "$SRTP_LOAD" --plan "$work/plan.run" --bind "$OUT4.10:40000" --to "$OUT4.1" \
		--rounds "$rounds" --pps "$pps" --payload "$PAYLOAD" --seq0 "$next_seq" \
		>"$work/load.out" 2>"$work/load.err"
	next_seq=$((next_seq + rounds + 1))
	c1=$(cpu_ticks "$pid")
	sent=$(sed -nE 's/^srtp-load: sent ([0-9]+) packets.*/\1/p' "$work/load.out")
	secs=$(sed -nE 's/^srtp-load: sent .* in ([0-9.]+) s.*/\1/p' "$work/load.out")
	# what is still in flight arrives within a second
	for ((i = 0; i < 20; i++)); do
		sleep 0.1
		sink_counts
		[ "$(( ${R[total]:-0} - g0 ))" -ge "${sent:-0}" ] && break
	done
	sleep 0.3
	sink_counts
	t1=$(date +%s.%N)
	got=$(( ${R[total]:-0} - g0 ))
	bad=$(( ${R[bad]:-0} - b0 ))
	overflow=$(( $(rcvbuf_errors) - o0 ))
	ticks=$((c1 - c0))
	sent=${sent:-0}
	secs=${secs:-0}
	: "$t0" "$t1"
}

failures=0
next_seq=1000 overflow=0
# a note when the receiver, not the relay, lost packets
ovf() { [ "$overflow" -gt 0 ] && echo "; the receiver's socket overflowed: $overflow datagrams"; }
# ---- srtpedge --------------------------------------------------------------
if [[ $RELAYS == *srtpedge* ]]; then
	cfg="$work/srtpedge.ini"
	{
		echo "[dataplane]"
		echo "workers = 1"
		echo "max_sessions = $max"
		echo "stats_interval = 0"
		echo "sessions_file = $work/sessions.ini"
		port_section outside
		port_section inside
	} >"$cfg"
	if se_start "$cfg" 300; then
		in_out ping -c 2 -i 0.2 -W 2 "$OUT4.1" >/dev/null 2>&1
		in_in ping -c 2 -i 0.2 -W 2 "$IN4.1" >/dev/null 2>&1
		off=0
		for s in "${streams[@]}"; do
			for rate in "${rates[@]}"; do
				measure "$work/plan.txt" "$off" "$s" "$rate" "$se_pid"
				emit srtpedge "$s" "$rate" "$sent" "$got" "$secs" "$ticks" "$bad" \
					"poll-mode: its worker holds a core whether packets come or not$(ovf)"
			done
			off=$((off + s))
		done
		se_stop || true
	else
		echo "$TEST: srtpedge did not start" >&2
		failures=$((failures + 1))
	fi
	rm -f /dev/hugepages/"$se_prefix"map_* 2>/dev/null
	rm -rf "/var/run/dpdk/$se_prefix" 2>/dev/null
fi

# ---- rtpengine ---------------------------------------------------------------
if [[ $RELAYS == *rtpengine* ]]; then
	next_seq=1000
	ip netns add "$NS_RELAY"
	ip -n "$NS_RELAY" link set lo up
	ip link set "$VETH_OUT" netns "$NS_RELAY"
	ip link set "$VETH_IN" netns "$NS_RELAY"
	ip -n "$NS_RELAY" addr add "$OUT4.1/24" dev "$VETH_OUT"
	ip -n "$NS_RELAY" addr add "$IN4.1/24" dev "$VETH_IN"
	ip -n "$NS_RELAY" link set "$VETH_OUT" up
	ip -n "$NS_RELAY" link set "$VETH_IN" up
	ip -n "$NS_OUT" neigh flush all
	ip -n "$NS_IN" neigh flush all
	ip netns exec "$NS_RELAY" rtpengine --config-file=none --foreground --log-stderr \
		--table=-1 --interface="out/$OUT4.1" --interface="in/$IN4.1" \
		--listen-ng=127.0.0.1:2223 --port-min=20000 --port-max=40000 \
		--log-level=4 >"$work/rtpengine.log" 2>&1 &
	rtpe_pid=$!
	ok=0
	for ((i = 0; i < 50; i++)); do
		if ip netns exec "$NS_RELAY" "$PY" "$top/perf/rtpengine_ng.py" ping >/dev/null 2>&1; then
			ok=1
			break
		fi
		kill -0 "$rtpe_pid" 2>/dev/null || break
		sleep 0.2
	done
	if [ "$ok" -eq 1 ]; then
		in_out ping -c 2 -i 0.2 -W 2 "$OUT4.1" >/dev/null 2>&1
		in_in ping -c 2 -i 0.2 -W 2 "$IN4.1" >/dev/null 2>&1
		log "rtpengine: $max SDES calls over ng"
		if ip netns exec "$NS_RELAY" "$PY" "$top/perf/rtpengine_ng.py" setup \
			--plan "$work/plan.txt" --out "$work/plan.rtpe" \
			--caller "$OUT4.10:40000" --callee "$IN4.10:50000" >"$work/ng.log" 2>&1; then
			off=0
			for s in "${streams[@]}"; do
				for rate in "${rates[@]}"; do
					measure "$work/plan.rtpe" "$off" "$s" "$rate" "$rtpe_pid"
					emit rtpengine "$s" "$rate" "$sent" "$got" "$secs" "$ticks" "$bad" \
						"userspace mode (--table=-1)$(ovf)"
				done
				off=$((off + s))
			done
		else
			echo "$TEST: setting up calls failed:" >&2
			tail -5 "$work/ng.log" >&2
			failures=$((failures + 1))
		fi
	else
		echo "$TEST: rtpengine did not answer on ng:" >&2
		tail -20 "$work/rtpengine.log" >&2
		failures=$((failures + 1))
	fi
	stop_pid "$rtpe_pid" TERM
	rtpe_pid=
fi
[ "$failures" -eq 0 ]
