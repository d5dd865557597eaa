#!/usr/bin/env bash
# srtpedge and rtpengine on the same wire: the same SRTP load (srtp-load,
# libsrtp2, one socket in the endpoints' namespace) over the same veth
# pairs, into srtpedge (net_af_packet on the veths' root ends) and then into
# rtpengine (userspace mode, --table=-1, in a namespace of its own holding
# those same veth ends, its SDES calls set up over the ng protocol on its
# loopback: SRTP from the caller, RTP to the callee). The RTP that comes out
# is counted, and its payloads checked, by a receiver in the media servers'
# namespace. Per stream count and offered rate, --repeats runs: packets per
# second out, loss, and the relay's CPU seconds per million packets (utime +
# stime of /proc/PID/stat over the send), each as median, min and max, and
# the spread that tells a busy machine from a measurement (srtpedge-bench
# judges it, with the threshold it applies to every engine). One JSON line
# per measurement with --json.
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
packets: each the median of --repeats runs, with min and max. `spread' is
(max - min) / median of pps out or of CPU per packet, whichever is wider;
srtpedge-bench marks a row whose spread is over its threshold unstable (a
busy machine: rerun before trusting it). Loss is not in the spread: near
zero, its relative spread says nothing. The runs of a point follow one
another on the same relay, sessions and receiver.

  --suite NAME      SRTP suite (default AES_CM_128_HMAC_SHA1_80)
  --payload N       RTP payload bytes (default 160)
  --streams LIST    session counts, comma-separated (default 100,1000)
  --rates LIST|max  offered packets per second (default 20000,50000,100000;
                    max: as fast as srtp-load sends)
  --duration S      seconds of load per run (default 1); a run sends at most
                    1000 packets per stream (srtp-load's limit), and at rate
                    max 200,000 packets (fewer when over 1000 per stream)
  --repeats N       runs per stream count and rate (default 3)
  --relays LIST     srtpedge,rtpengine (default both)
  --json            JSON lines (else a table)
  --srtpedge PATH   default $SRTPEDGE_BIN or build/dataplane/srtpedge
  --srtp-load PATH  default build/tests/integration/srtp-load
TXT
	it_usage_common
}

top=$(cd "$(dirname "$0")/.." && pwd)
SUITE=AES_CM_128_HMAC_SHA1_80 PAYLOAD=160 STREAMS=100,1000 RATES=20000,50000,100000
DURATION=1 REPEATS=3 JSON=0 RELAYS=srtpedge,rtpengine
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
	--repeats) shift; REPEATS=$1 ;;
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
for v in "$DURATION" "$REPEATS" "$PAYLOAD"; do
	[[ $v =~ ^[1-9][0-9]*$ ]] || { echo "$TEST: '$v': not a positive whole number" >&2; exit 2; }
done
IFS=, read -r -a streams <<<"$STREAMS"
IFS=, read -r -a rates <<<"$RATES"
for v in "${streams[@]}" "${rates[@]}"; do
	[[ $v =~ ^[1-9][0-9]*$ || $v == max ]] ||
		{ echo "$TEST: '$v': not a positive whole number" >&2; exit 2; }
done
for v in "${streams[@]}"; do
	[ "$v" != max ] || { echo "$TEST: --streams takes numbers" >&2; exit 2; }
done
# Every run gets sessions of its own: rtpengine stops reading a call's
# socket for good once its receive loop has overflowed a few times (its
# overload protection), so a call flooded in one run would stay dead in the
# next, which would then measure that instead of the relay; and runs on
# sessions of their own do not depend on each other. Both relays get the
# same sessions: per stream count S and rate, S x REPEATS of them, one
# block per point. srtpedge holds them all from the start; rtpengine's
# calls are set up before their point and deleted after it, since each
# takes four sockets (RTP and RTCP on both sides) and two ports on each of
# its interfaces (--port-min..--port-max: 20000..40000 below).
max=0 block=0
for s in "${streams[@]}"; do
	max=$((max + s * ${#rates[@]} * REPEATS))
	[ $((s * REPEATS)) -gt "$block" ] && block=$((s * REPEATS))
done
if [[ $RELAYS == *rtpengine* ]]; then
	ulimit -n "$(ulimit -Hn)" 2>/dev/null
	if [ $((4 * block + 100)) -gt "$(ulimit -n)" ] || [ "$block" -gt 10000 ]; then
		echo "$TEST: a point's $block rtpengine calls need $((4 * block + 100)) file" \
			"descriptors (ulimit -n: $(ulimit -n)) and $((2 * block)) of rtpengine's 20001" \
			"ports: fewer streams or repeats" >&2
		exit 2
	fi
fi

# srtp-load rounds (packets per stream) of one run: STREAMS RATE
rounds_for() {
	local s=$1 rate=$2 r
	if [ "$rate" = max ]; then
		r=$(( (200000 + s - 1) / s ))
	else
		r=$(( (rate * DURATION + s - 1) / s ))
	fi
	# srtp-load sends at most 1000 rounds
	[ "$r" -gt 1000 ] && r=1000
	echo "$r"
}

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

# each stream count has sessions of its own (offset by the counts before it)
# One row per point from its runs ($runs: a line "sent received seconds
# cpu_ticks bad overflow" per run): RELAY STREAMS RATE NOTE. Each figure is
# the median of the runs' own (the mean of the middle two for an even
# count, as srtpedge-bench's other engines), with min and max; sent,
# received, bad, seconds and CPU seconds are sums. A run that got nothing
# out makes the row failed: it has no rate or CPU per packet to rank.
emit() {
	local relay=$1 s=$2 rate=$3 note=$4
	awk -v relay="$relay" -v s="$s" -v rate="$rate" -v hz="$(getconf CLK_TCK)" \
		-v suite="$SUITE" -v pay="$PAYLOAD" -v json="$JSON" -v note="$note" '
	function sort(a, n,   i, j, t) {
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	}
	function med(a, n) { return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
	function rel(a, n,   m) { m = med(a, n); return m > 0 ? (a[n] - a[1]) / m : 0 }
	{
		n++
		sent += $1; got += $2; secs += $3; ticks += $4; bad += $5; ovf += $6
		if ($1 <= 0 || $2 <= 0 || $3 <= 0) { if (!why) why = sprintf("run %d: %d sent, %d came out", n, $1, $2); next }
		pps[n] = $2 / $3
		loss[n] = ($1 - $2) / $1
		if (loss[n] < 0) loss[n] = 0
		cpu[n] = ($4 / hz) * 1e6 / $2
	}
	END {
		if (ovf > 0) note = note "; the receiver'\''s socket overflowed: " ovf " datagrams"
		impl = relay == "rtpengine" ? "rtpengine" : "srtpedge-netns"
		if (!why) {
			sort(pps, n); sort(loss, n); sort(cpu, n)
			spread = rel(pps, n)
			if (rel(cpu, n) > spread) spread = rel(cpu, n)
		}
		if (json) {
			printf "{\"impl\":\"%s\",\"engine\":\"%s\",\"suite\":\"%s\",\"op\":\"unprotect\",\"kind\":\"rtp\",", impl, relay, suite
			printf "\"payload\":%d,\"streams\":%d,", pay, s
			if (rate == "max") printf "\"offered\":\"max\","; else printf "\"offered_pps\":%d,", rate
			printf "\"runs\":%d,\"sent\":%d,\"received\":%d,\"bad_payloads\":%d,\"seconds\":%.3f,\"cpu_s\":%.2f,", n, sent, got, bad, secs, ticks / hz
			if (why) {
				printf "\"failed\":\"%s\"", why
			} else {
				printf "\"pps\":%.0f,\"pps_min\":%.0f,\"pps_max\":%.0f,\"spread\":%.4f,", med(pps, n), pps[1], pps[n], spread
				printf "\"loss\":%.6f,\"loss_min\":%.6f,\"loss_max\":%.6f,", med(loss, n), loss[1], loss[n]
				printf "\"cpu_s_per_mpkt\":%.3f,\"cpu_s_per_mpkt_min\":%.3f,\"cpu_s_per_mpkt_max\":%.3f,", med(cpu, n), cpu[1], cpu[n]
				printf "\"latency_p50_us\":null,\"latency_p99_us\":null,\"latency_p999_us\":null"
			}
			if (note != "") printf ",\"note\":\"%s\"", note
			printf "}\n"
		} else if (why) {
			printf "%-10s %7d %8s %4d FAILED: %s\n", relay, s, rate, n, why
		} else {
			printf "%-10s %7d %8s %4d %7.0f [%7.0f-%7.0f] %6.4f [%6.4f-%6.4f] %7.3f [%7.3f-%7.3f] %5.1f%% %5d %s\n",
				relay, s, rate, n, med(pps, n), pps[1], pps[n], med(loss, n), loss[1], loss[n],
				med(cpu, n), cpu[1], cpu[n], 100 * spread, bad, note
		}
	}' "$runs" >&3
}
if [ "$JSON" -eq 0 ]; then
	printf "%-10s %7s %8s %4s %-25s %-22s %-27s %6s %5s\n" relay streams offered runs \
		"pps out [min-max]" "loss [min-max]" "cpu s/Mpkt [min-max]" spread bad >&3
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

# One run: PLAN OFFSET SESSIONS RATE RELAY_PID; appends its line to $runs.
# $counted says R holds the receiver's counts since the last run ended (it
# is quiet between runs, so they need not be asked for again).
measure() {
	local plan=$1 off=$2 s=$3 rate=$4 pid=$5 pps=$4 rounds c0 c1 g0 b0 o0 got last i sent secs
	[ "$rate" = max ] && pps=5000000
	rounds=$(rounds_for "$s" "$rate")
	sed -n "$((off + 1)),$((off + s))p" "$plan" >"$work/plan.run"
	[ "$counted" -eq 1 ] || sink_counts
	g0=${R[total]:-0} b0=${R[bad]:-0}
	o0=$(rcvbuf_errors)
	c0=$(cpu_ticks "$pid")
	# the sessions' first run: sequence numbers go on from the warm-up's
	in_out "$SRTP_LOAD" --plan "$work/plan.run" --bind "$OUT4.10:40000" --to "$OUT4.1" \
		--rounds "$rounds" --pps "$pps" --payload "$PAYLOAD" --seq0 1000 \
		>"$work/load.out" 2>"$work/load.err"
	c1=$(cpu_ticks "$pid")
	sent=$(sed -nE 's/^srtp-load: sent ([0-9]+) packets.*/\1/p' "$work/load.out")
	secs=$(sed -nE 's/^srtp-load: sent .* in ([0-9.]+) s.*/\1/p' "$work/load.out")
	# What is still in flight: the receiver writes its counts only once
	# 0.2 s pass without a packet, so all of it, or the same count twice,
	# means nothing more is coming.
	last=-1
	for ((i = 0; i < 20; i++)); do
		sink_counts
		got=$(( ${R[total]:-0} - g0 ))
		[ "$got" -ge "${sent:-0}" ] || [ "$got" -eq "$last" ] && break
		last=$got
	done
	counted=1
	echo "${sent:-0} $(( ${R[total]:-0} - g0 )) ${secs:-0} $((c1 - c0)) $(( ${R[bad]:-0} - b0 ))" \
		"$(( $(rcvbuf_errors) - o0 ))" >>"$runs"
}

# One packet to every session of PLAN, not counted: the relay learns each
# stream (srtpedge its SSRC, rtpengine its peer and SRTP context) before
# the runs, as the dataplane benchmark's warm-up does. Sequence number 999,
# just before the runs' first.
warm_up() {
	local plan=$1 g0
	[ "$counted" -eq 1 ] || sink_counts
	g0=${R[total]:-0}
	in_out "$SRTP_LOAD" --plan "$plan" --bind "$OUT4.10:40000" --to "$OUT4.1" \
		--rounds 1 --pps 20000 --payload "$PAYLOAD" --seq0 999 >"$work/load.out" 2>"$work/load.err"
	sink_counts
	log "warm-up: $(( ${R[total]:-0} - g0 )) of $(wc -l <"$plan") packets came out"
	counted=1
}

# rtpengine's calls for the sessions of block.txt (the first is session
# FIRST of plan.txt): setup writes block.rtpe, the same plan with the ports
# rtpengine gave them; delete ends them.
rtpe_calls() {
	local cmd=$1 first=$2 n
	n=$(wc -l <"$work/block.txt")
	ip netns exec "$NS_RELAY" "$PY" "$top/perf/rtpengine_ng.py" "$cmd" --first "$first" \
		--count "$n" --plan "$work/block.txt" --out "$work/block.rtpe" \
		--caller "$OUT4.10:40000" --callee "$IN4.10:50000" >>"$work/ng.log" 2>&1
}

# All runs of every point on one relay: RELAY PID NOTE. For rtpengine, a
# point during which it logged drops from its receive loop says so.
measure_all() {
	local relay=$1 pid=$2 note=$3 off=0 n s rate k l0 l1 why plan
	counted=0
	for s in "${streams[@]}"; do
		for rate in "${rates[@]}"; do
			n=$((s * REPEATS))
			sed -n "$((off + 1)),$((off + n))p" "$work/plan.txt" >"$work/block.txt"
			plan=$work/block.txt
			if [ "$relay" = rtpengine ]; then
				if ! rtpe_calls setup "$off"; then
					echo "$TEST: setting up rtpengine's calls failed:" >&2
					tail -5 "$work/ng.log" >&2
					return 1
				fi
				plan=$work/block.rtpe
			fi
			warm_up "$plan"
			[ "$relay" = rtpengine ] && l0=$(grep -c "receive queue" "$work/rtpengine.log")
			: >"$runs"
			for ((k = 0; k < REPEATS; k++)); do
				measure "$plan" $((k * s)) "$s" "$rate" "$pid"
			done
			why=
			if [ "$relay" = rtpengine ]; then
				l1=$(grep -c "receive queue" "$work/rtpengine.log")
				[ "$l1" -gt "$l0" ] &&
					why="; overloaded: $((l1 - l0)) 'UDP receive queue' warnings in its log (a receive loop given up, or a socket no longer read)"
				rtpe_calls delete "$off" || true
			fi
			emit "$relay" "$s" "$rate" "$note$why"
			off=$((off + n))
		done
	done
}

failures=0
runs=$work/runs.txt
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
		measure_all srtpedge "$se_pid" \
			"poll-mode: its worker holds a core whether packets come or not" ||
			failures=$((failures + 1))
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
	# --delete-delay=0: a deleted call's sockets and ports are freed at
	# once (30 s later by default), for the next point's calls
	ip netns exec "$NS_RELAY" rtpengine --config-file=none --foreground --log-stderr \
		--table=-1 --interface="out/$OUT4.1" --interface="in/$IN4.1" \
		--listen-ng=127.0.0.1:2223 --port-min=20000 --port-max=40000 --delete-delay=0 \
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
		log "rtpengine: SDES calls over ng, $block a point"
		measure_all rtpengine "$rtpe_pid" "userspace mode (--table=-1)" ||
			failures=$((failures + 1))
	else
		echo "$TEST: rtpengine did not answer on ng:" >&2
		tail -20 "$work/rtpengine.log" >&2
		failures=$((failures + 1))
	fi
	stop_pid "$rtpe_pid" TERM
	rtpe_pid=
fi
[ "$failures" -eq 0 ]
