#!/usr/bin/env bash
# Integration test: 10,000 sessions at once. A sessions file of 10,000
# [session] sections (distinct ports, random keys, the six SRTP suites in
# turn) is loaded at start; srtp-load (libsrtp2) in the outside namespace
# sends SRTP for every session, round after round, from an ordinary UDP
# socket; a receiver in the inside namespace counts the plain RTP per SSRC
# and checks every payload. Every packet must be accounted for: sent =
# forwarded + dropped by reason, received = forwarded, and here, with only
# good traffic, every session gets every packet. Then the sessions file is
# rewritten and reread (SIGHUP) at that scale, with max_sessions = 10,000
# still: 1,000 sessions removed, 1,000 changed (new keys), 1,000 added, the
# rest unchanged; the next rounds go to all of them (and to the removed
# ones): unchanged sessions go on where they were, changed and added ones
# start afresh, the removed ones' packets are dropped as no_session.
set -euo pipefail

TEST=netns_load
usage() {
	cat <<'TXT'
usage: netns_load.sh [options] PATH/TO/srtpedge PATH/TO/srtp-load

Runs srtpedge with 10,000 SDES sessions between two network namespaces and
sends SRTP for all of them; checks that every packet is accounted for.

  --sessions N   sessions (default 10000)
  --rounds N     packets per session (default 4)
  --pps N        packets per second offered (default 8000)
  --churn N      sessions removed, changed and added by the reload (default
                 1000 each)
  --workers N    srtpedge workers (default 1); with more, the ports get N
                 queue pairs (af_packet's fanout spreads flows) and every
                 worker runs on CPU 1: packets reaching a worker that does
                 not own their session are handed to the owner
TXT
	it_usage_common
}

SESSIONS=10000 ROUNDS=4 PPS=8000 CHURN=1000 ROUNDS2=3 WORKERS=1
keep=0
args=()
source "$(dirname "$0")/lib.sh"
while [ $# -gt 0 ]; do
	case "$1" in
	--keep) keep=1 ;;
	--sessions) shift; SESSIONS=$1 ;;
	--rounds) shift; ROUNDS=$1 ;;
	--pps) shift; PPS=$1 ;;
	--churn) shift; CHURN=$1 ;;
	--workers) shift; WORKERS=$1 ;;
	-h|--help) usage; exit 0 ;;
	-*) echo "$TEST: unknown option '$1'" >&2; exit 2 ;;
	*) args+=("$1") ;;
	esac
	shift
done
it_take_args SRTPEDGE SRTP_LOAD
it_need_tools ping ss
it_init
t_start=$SECONDS

log "$SESSIONS sessions: sessions file and srtp-load's plan"
"$PY" "$SRE_IT" loadplan --count "$SESSIONS" --sessions "$work/sessions.ini" \
	--plan "$work/plan.txt" --outside-local "$OUT4.1" --outside-remote "$OUT4.10:40000" \
	--inside-local "$IN4.1" --inside-remote "$IN4.10:50000" \
	--outside-port0 10000 --inside-port0 10000 --churn "$CHURN" \
	--reload-sessions "$work/sessions2.ini" --reload-plan "$work/plan2.txt"
cfg="$work/srtpedge.ini"
{
	echo "[dataplane]"
	echo "workers = $WORKERS"
	if [ "$WORKERS" -gt 1 ]; then
		# this machine may have two CPUs: the workers share CPU 1
		echo "worker_cpus = $(printf '1,%.0s' $(seq "$WORKERS") | sed 's/,$//')"
		QPAIRS=$WORKERS
	fi
	echo "max_sessions = $SESSIONS"
	echo "stats_interval = 0"
	echo "sessions_file = $work/sessions.ini"
	port_section outside
	port_section inside
} >"$cfg"
check_eq "sessions file: [session] sections" "$(grep -c '^\[session ' "$work/sessions.ini")" "$SESSIONS"

topo_up v4only
t0=$SECONDS
if ! se_start "$cfg" 300; then
	bad "srtpedge starts with $SESSIONS sessions"
	it_summary
	exit 1
fi
live=$(sed -nE 's/.* ([0-9]+) sessions, crypto.*/\1/p' "$se_out")
check_eq "srtpedge starts with every session live ($((SECONDS - t0)) s)" "$live" "$SESSIONS"
tel /srtpedge/stats
check_eq "telemetry: live sessions" "${TEL[sessions]}" "$SESSIONS"

# the receiver: one socket for every session's inside leg
ip netns exec "$NS_IN" "$PY" "$SRE_IT" sink --bind "$IN4.10" --port 50000 --pattern \
	--rcvbuf $((256 << 20)) --out "$work/sink.txt" --ready "$work/sink.ready" &
sink=$!
bg_add "$sink"
wait_file "$work/sink.ready" || bad "receiver ready"

# both sides ARP for srtpedge; srtpedge learns them from it
check_cmd "outside pings srtpedge" in_out ping -c 2 -i 0.2 -W 2 "$OUT4.1"
check_cmd "inside pings srtpedge" in_in ping -c 2 -i 0.2 -W 2 "$IN4.1"

tel /srtpedge/stats
declare -A T0
for k in "${!TEL[@]}"; do T0[$k]=${TEL[$k]}; done

total=$((SESSIONS * ROUNDS))
log "srtp-load: $ROUNDS packets for each of $SESSIONS sessions ($total) at $PPS packets/s"
veth_stats() { # NS IFACE: "rx_dropped tx_dropped"
	ip netns exec "$1" cat "/sys/class/net/$2/statistics/rx_dropped" \
		"/sys/class/net/$2/statistics/tx_dropped" | tr '\n' ' '
}
drops_before="$(veth_stats "$NS_OUT" ep0)$(veth_stats "$NS_IN" ms0)"
t1=$SECONDS
check_cmd "srtp-load sends" in_out "$SRTP_LOAD" --plan "$work/plan.txt" --bind "$OUT4.10:40000" \
	--to "$OUT4.1" --rounds "$ROUNDS" --pps "$PPS"
sed 's/^/    | /' "$work/last.out"
sent=$(sed -nE 's/^srtp-load: sent ([0-9]+) packets.*/\1/p' "$work/last.out")
check_eq "srtp-load: packets sent" "${sent:-0}" "$total"
settle
echo "    sending and draining took $((SECONDS - t1)) s"
drops_after="$(veth_stats "$NS_OUT" ep0)$(veth_stats "$NS_IN" ms0)"
check_eq "no veth dropped a frame (outside rx/tx, inside rx/tx)" "$drops_after" "$drops_before"

tel /srtpedge/stats
d() { echo $((TEL[$1] - T0[$1])); }
drops=0
for k in "${!TEL[@]}"; do
	case "$k" in drop_*) drops=$((drops + TEL[$k] - T0[$k])) ;; esac
done
fwd=$(d outside_forwarded)
# (the namespace's kernel may re-check srtpedge's MAC meanwhile: an ARP)
check_range "srtpedge received every packet sent" "$(d outside_rx_packets)" "$total" $((total + 4))
check_eq "every packet accounted for: forwarded + dropped = sent" $((fwd + drops)) "$total"
check_eq "forwarded (all were good)" "$fwd" "$total"
check_eq "dropped (none were bad)" "$drops" 0
for k in "${!TEL[@]}"; do
	case "$k" in drop_*|srtp_*)
		v=$(d "$k")
		[ "$v" -eq 0 ] || bad "counter $k moved by $v" ;;
	esac
done
check_eq "sent on the inside" "$(d inside_tx_packets)" "$total"
if [ "$WORKERS" -gt 1 ]; then
	handoffs=0
	for ((wk = 0; wk < WORKERS; wk++)); do
		tel "/srtpedge/workers,$wk"
		check_ge "worker $wk received packets of its own" "${TEL[outside_rx_packets]:-0}" 1
		handoffs=$((handoffs + ${TEL[handoffs]:-0}))
	done
	check_ge "packets handed to their session's owner" "$handoffs" 1
fi
for sid in 1 $((SESSIONS / 2)) "$SESSIONS"; do
	tel "/srtpedge/session,$sid"
	check_eq "session $sid (${TEL[name]}): in from the endpoint" "${TEL[outside_rx_packets]}" "$ROUNDS"
	check_eq "session $sid: out to the server" "${TEL[inside_tx_packets]}" "$ROUNDS"
done

# receiver_counts: the receiver's counts so far into R[...]
declare -A R
receiver_counts() {
	local k v rest i
	rm -f "$work/sink.txt"
	kill -USR1 "$sink"
	for ((i = 0; i < 100; i++)); do [ -s "$work/sink.txt" ] && break; sleep 0.1; done
	R=()
	while read -r k v rest; do
		[ "$k" = ssrcs_with ] && { R[with_$v]=$rest; continue; }
		R[$k]=$v
	done <"$work/sink.txt"
	sed 's/^/    | receiver: /' "$work/sink.txt"
}
receiver_counts
check_eq "receiver: packets = forwarded" "${R[total]:-0}" "$fwd"
check_eq "receiver: payloads not as sent" "${R[bad]:-x}" 0
check_eq "receiver: duplicates" "${R[dups]:-x}" 0
check_eq "receiver: SSRCs (one per session)" "${R[ssrcs]:-0}" "$SESSIONS"
check_eq "receiver: sessions with all $ROUNDS packets" "${R[with_$ROUNDS]:-0}" "$SESSIONS"

# ---- reload at scale --------------------------------------------------------
if [ "$CHURN" -gt 0 ]; then
	log "reload: $CHURN sessions removed, $CHURN changed, $CHURN added, the rest kept (SIGHUP)"
	mv "$work/sessions2.ini" "$work/sessions.ini"
	lines0=$(wc -l <"$se_err")
	t2=$SECONDS
	kill -HUP "$se_pid"
	res=
	for ((i = 0; i < 1200; i++)); do
		res=$(tail -n +$((lines0 + 1)) "$se_err" | grep -m1 'sessions file .*added' || true)
		[ -n "$res" ] && break
		sleep 0.1
	done
	echo "    $res ($((SECONDS - t2)) s)"
	{ tail -n +$((lines0 + 1)) "$se_err" | grep -v 'sessions file .*added' || true; } |
		head -5 | sed 's/^/    | /'
	check_eq "reload: added, changed, removed, refused" \
		"$(sed -nE 's/.*: ([0-9]+) added, ([0-9]+) changed, ([0-9]+) removed, ([0-9]+) refused.*/\1 \2 \3 \4/p' <<<"$res")" \
		"$CHURN $CHURN $CHURN 0"
	tel /srtpedge/stats
	check_eq "reload: live sessions" "${TEL[sessions]}" "$SESSIONS"
	for k in "${!TEL[@]}"; do T0[$k]=${TEL[$k]}; done

	total2=$(((SESSIONS + CHURN) * ROUNDS2))
	log "srtp-load: $ROUNDS2 more packets for every session, the removed ones too ($total2)"
	check_cmd "srtp-load sends" in_out "$SRTP_LOAD" --plan "$work/plan2.txt" \
		--bind "$OUT4.10:40000" --to "$OUT4.1" --rounds "$ROUNDS2" --pps "$PPS" \
		--seq0 $((1000 + ROUNDS))
	sed 's/^/    | /' "$work/last.out"
	settle
	tel /srtpedge/stats
	drops=0
	for k in "${!TEL[@]}"; do
		case "$k" in drop_*) drops=$((drops + TEL[$k] - T0[$k])) ;; esac
	done
	fwd2=$(d outside_forwarded)
	check_eq "every packet accounted for: forwarded + dropped = sent" $((fwd2 + drops)) "$total2"
	check_eq "forwarded: every session in the new file" "$fwd2" $((SESSIONS * ROUNDS2))
	check_eq "no_session: the removed sessions' packets" "$(d drop_no_session)" $((CHURN * ROUNDS2))
	check_eq "no other drop" $((drops - $(d drop_no_session))) 0
	receiver_counts
	check_eq "receiver: packets = forwarded, both rounds" "${R[total]:-0}" $((fwd + fwd2))
	check_eq "receiver: payloads not as sent" "${R[bad]:-x}" 0
	check_eq "receiver: duplicates" "${R[dups]:-x}" 0
	check_eq "receiver: SSRCs (the changed sessions have new ones)" "${R[ssrcs]:-0}" \
		$((SESSIONS + 2 * CHURN))
	check_eq "receiver: kept sessions, all $((ROUNDS + ROUNDS2)) packets" \
		"${R[with_$((ROUNDS + ROUNDS2))]:-0}" $((SESSIONS - 2 * CHURN))
	check_eq "receiver: removed sessions and changed ones' old SSRCs, the first $ROUNDS" \
		"${R[with_$ROUNDS]:-0}" $((2 * CHURN))
	check_eq "receiver: changed sessions' new SSRCs and added sessions, the last $ROUNDS2" \
		"${R[with_$ROUNDS2]:-0}" $((2 * CHURN))
	fwd=$((fwd + fwd2)) total=$((total + SESSIONS * ROUNDS2))
	nosession=$((CHURN * ROUNDS2))
else
	nosession=0
fi
stop_pid "$sink" TERM

if se_stop; then ok "srtpedge stops cleanly on SIGINT"; else bad "srtpedge exit status on SIGINT"; fi
se_print_final
check_eq "final: forwarded outside->inside" "$(se_get fwd_o2i)" "$total"
check_eq "final: dropped (no_session after the reload only)" "$(se_get dropped)" "$nosession"

echo "time: $((SECONDS - t_start)) s"
it_summary
