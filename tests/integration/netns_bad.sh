#!/usr/bin/env bash
# Integration test: bad traffic beside a good stream. From the outside
# namespace a good SRTP stream (libsrtp via srtp-pcap gen, SRTCP
# interleaved, across a sequence-number wrap) runs while everything bad is
# mixed in: random bytes, truncated packets, forged tags and payloads (each
# sent just before the genuine packet), replays (duplicates right away, old
# packets at the end), a stream under an unknown key, more new SSRCs than a
# session has room for, packets from the wrong source port or address, to
# an unknown port, floods of STUN-looking (first byte 0-3) and DTLS-looking
# (20-63) packets, and malformed, fragmented and foreign frames at layers 2
# and 3 (IPv4 and IPv6). Every one must be counted under its reason, and
# every good packet must arrive on the inside unharmed and in order.
set -euo pipefail

TEST=netns_bad
usage() {
	cat <<'TXT'
usage: netns_bad.sh [options] PATH/TO/srtpedge PATH/TO/srtp-pcap

Runs srtpedge between two network namespaces, sends a good SRTP stream with
bad traffic of every kind mixed in, and checks srtpedge's drop counters
reason by reason and that the good stream arrives whole.

  --suite NAME   the good stream's suite (default AEAD_AES_256_GCM)
  --packets N    good RTP packets (default 400, at 100 a second)
  --per-tick N   bad packets per good packet (default 20)
TXT
	it_usage_common
}

GOOD_SUITE=AEAD_AES_256_GCM PACKETS=400 PER_TICK=20
keep=0
args=()
source "$(dirname "$0")/lib.sh"
while [ $# -gt 0 ]; do
	case "$1" in
	--keep) keep=1 ;;
	--suite) shift; GOOD_SUITE=$1 ;;
	--packets) shift; PACKETS=$1 ;;
	--per-tick) shift; PER_TICK=$1 ;;
	-h|--help) usage; exit 0 ;;
	-*) echo "$TEST: unknown option '$1'" >&2; exit 2 ;;
	*) args+=("$1") ;;
	esac
	shift
done
it_take_args SRTPEDGE SRTP_PCAP
it_need_tools tcpdump ping ss
it_init
t_start=$SECONDS

case "$GOOD_SUITE" in
AES_CM_128_*|AEAD_AES_128_GCM) kb=30 ;;
AES_256_CM_*) kb=46 ;;
AEAD_AES_256_GCM) kb=44 ;;
*) echo "$TEST: unknown suite $GOOD_SUITE" >&2; exit 2 ;;
esac
[ "$GOOD_SUITE" = AEAD_AES_128_GCM ] && kb=28
RX=$("$PY" "$SRE_IT" key $kb)
TX=$("$PY" "$SRE_IT" key $kb)
WRONG=$("$PY" "$SRE_IT" key $kb)
SSRCS=4                   # streams per direction of a leg
GOOD_SSRC=1718026334      # 0x6666885e
cfg="$work/srtpedge.ini"
{
	echo "[dataplane]"
	echo "workers = 1"
	echo "max_sessions = 16"
	echo "ssrcs_per_direction = $SSRCS"
	echo "replay_window = 128"
	echo "stats_interval = 0"
	port_section outside
	echo "ipv6 = $OUT6:1/64"      # for the IPv6 frames
	port_section inside
	cat <<INI
[session good]
id = 1
outside.local = $OUT4.1:20000
outside.remote = $OUT4.10:21000
outside.suite = $GOOD_SUITE
outside.rx_key = inline:$RX
outside.tx_key = inline:$TX
inside.local = $IN4.1:30000
inside.remote = $IN4.10:31000
inside.suite = none
INI
} >"$cfg"

log "streams: good ($PACKETS RTP + SRTCP, wrapping), unknown key, 5 new SSRCs"
"$SRTP_PCAP" gen --out "$work/good.pcap" --plain-out "$work/good.plain.pcap" \
	--suite "$GOOD_SUITE" --key "$RX" --ssrc "$GOOD_SSRC" --packets "$PACKETS" \
	--rtcp-every 10 --seq0 65500 --src "$OUT4.10:21000" --dst "$OUT4.1:20000" >/dev/null
"$SRTP_PCAP" gen --out "$work/wrongkey.pcap" --suite "$GOOD_SUITE" --key "$WRONG" \
	--ssrc 3131961357 --packets 20 --rtcp-every 0 --seed 2 \
	--src "$OUT4.10:21000" --dst "$OUT4.1:20000" >/dev/null
"$SRTP_PCAP" gen --out "$work/extra.pcap" --plain-out "$work/extra.plain.pcap" \
	--suite "$GOOD_SUITE" --key "$RX" --ssrc 101 --ssrc 102 --ssrc 103 --ssrc 104 --ssrc 105 \
	--packets 10 --rtcp-every 0 --seed 3 --src "$OUT4.10:21000" --dst "$OUT4.1:20000" >/dev/null

log "topology and srtpedge"
topo_up v4only
ip -n "$NS_OUT" addr add "$OUT4.11/24" dev ep0      # a second, wrong source
if ! se_start "$cfg"; then
	bad "srtpedge starts"
	it_summary
	exit 1
fi
ok "srtpedge starts"
capture_start "$NS_IN" ms0 "$work/in.pcap"
cap_in=$cap_pid
ip netns exec "$NS_IN" "$PY" "$SRE_IT" sink --bind "$IN4.10" --port 31000 \
	--out "$work/sink.txt" --ready "$work/sink.ready" &
sink=$!
bg_add "$sink"
wait_file "$work/sink.ready" || bad "receiver ready"
check_cmd "outside pings srtpedge" in_out ping -c 2 -i 0.2 -W 2 "$OUT4.1"
check_cmd "outside pings srtpedge from its second address" in_out ping -c 1 -W 2 -I "$OUT4.11" "$OUT4.1"
check_cmd "inside pings srtpedge" in_in ping -c 2 -i 0.2 -W 2 "$IN4.1"

tel /srtpedge/stats
declare -A T0
for k in "${!TEL[@]}"; do T0[$k]=${TEL[$k]}; done

log "the good stream with bad traffic mixed in ($PER_TICK bad packets per good one)"
t1=$SECONDS
check_cmd "traffic sent" in_out "$PY" "$SRE_IT" bad \
	--good "$work/good.pcap" --wrongkey "$work/wrongkey.pcap" --extra "$work/extra.pcap" \
	--free-slots $((SSRCS - 1)) --bind "$OUT4.10:21000" --to "$OUT4.1:20000" \
	--iface ep0 --srtpedge-mac "$(mac_of "$VETH_OUT")" --other-port 21999 \
	--other-addr "$OUT4.11" --unknown-port 29999 --not-ours "$OUT4.99" \
	--my-ip6 "$OUT6:10" --se-ip6 "$OUT6:1" --per-tick "$PER_TICK"
cp "$work/last.out" "$work/expected.txt"
settle
echo "    sent in $((SECONDS - t1)) s:"
sed -n 's/^kind /      /p' "$work/expected.txt"

declare -A EXP_DROP EXP_SRTP
while read -r what k v; do
	case "$what" in
	sent) EXP_SENT=$k ;;
	forwarded) EXP_FWD=$k ;;
	drop) EXP_DROP[$k]=$v ;;
	srtp) EXP_SRTP[$k]=$v ;;
	esac
done <"$work/expected.txt"

log "srtpedge's counters, reason by reason"
tel /srtpedge/stats
d() { echo $((TEL[$1] - T0[$1])); }
sum_drops=0 sum_srtp=0
for k in "${!TEL[@]}"; do
	case "$k" in
	drop_*) sum_drops=$((sum_drops + TEL[$k] - T0[$k])) ;;
	srtp_*) sum_srtp=$((sum_srtp + TEL[$k] - T0[$k])) ;;
	esac
done
fwd=$(d outside_forwarded)
check_eq "every packet accounted for: forwarded + dropped = sent" $((fwd + sum_drops)) "$EXP_SENT"
check_range "received on the outside (sent, and the namespace's ARP at most)" \
	"$(d outside_rx_packets)" "$EXP_SENT" $((EXP_SENT + 4))
check_eq "forwarded: the good stream and the 3 new SSRCs that had room" "$fwd" "$EXP_FWD"
for r in malformed not_for_us fragment no_session unexpected_source stun dtls not_rtp srtp \
	ssrc_limit no_route neighbor_unresolved tx_full handoff_full no_room; do
	check_eq "drop $r" "$(d "drop_$r")" "${EXP_DROP[$r]:-0}"
done
check_eq "srtp: replay_duplicate (each sent twice)" "$(d srtp_replay_duplicate)" "${EXP_SRTP[replay_duplicate]}"
check_eq "srtp: replay_too_old (the first packets again at the end)" "$(d srtp_replay_too_old)" \
	"${EXP_SRTP[replay_too_old]}"
# random and truncated packets fail for a reason of their own
# (too_short, csrc_overrun...) or the tag: at least the forged ones fail it
check_ge "srtp: auth_fail (forged, unknown key, some random)" "$(d srtp_auth_fail)" "${EXP_SRTP[auth_fail]}"
check_eq "srtp: the statuses add up to the srtp drops" "$sum_srtp" "$(d drop_srtp)"
tel /srtpedge/session,1
check_eq "session: streams in use on the outside (1 + 3 new)" "${TEL[outside_rx_streams]}" "$SSRCS"
check_eq "session: replays counted" "${TEL[outside_replay]}" \
	$((EXP_SRTP[replay_duplicate] + EXP_SRTP[replay_too_old]))

log "the inside: the good stream whole, nothing else but the 3 new SSRCs"
stop_pid "$sink" TERM
capture_stop "$cap_in" "$work/in.pcap" || bad "inside capture complete"
got=$(sed -nE 's/^total ([0-9]+)$/\1/p' "$work/sink.txt")
check_eq "the server received what srtpedge forwarded" "${got:-0}" "$fwd"
check_cmd "good stream: every packet, in order, equal to what was protected" \
	"$PY" "$SRE_IT" samepayloads --got "$work/in.pcap" --want "$work/good.plain.pcap" \
	--ssrc "$GOOD_SSRC" --dport 31000
sed 's/^/    | /' "$work/last.out"
"$PY" "$SRE_IT" flows "$work/in.pcap" >"$work/flows.txt"
sed 's/^/    | /' "$work/flows.txt"
for s in 101 102 103; do
	check_cmd "new SSRC $s: all 10 arrived unharmed (some in frames with IPv4 options or padding)" \
		"$PY" "$SRE_IT" samepayloads --got "$work/in.pcap" --want "$work/extra.plain.pcap" \
		--ssrc "$s" --dport 31000
done
check_eq "flows on the inside: the good stream and 3 new SSRCs" "$(wc -l <"$work/flows.txt")" 4

if se_stop; then ok "srtpedge stops cleanly on SIGINT"; else bad "srtpedge exit status on SIGINT"; fi
se_print_final
check_eq "final: forwarded outside->inside" "$(se_get fwd_o2i)" "$EXP_FWD"
check_eq "final: dropped" "$(se_get dropped)" "$sum_drops"

echo "time: $((SECONDS - t_start)) s"
it_summary
