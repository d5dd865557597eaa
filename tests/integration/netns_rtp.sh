#!/usr/bin/env bash
# Integration test: real SRTP peers through srtpedge. An endpoint in the
# outside namespace sends SRTP from an ordinary UDP socket across a
# sequence-number wrap: ffmpeg (its own SRTP, AES_CM_128_HMAC_SHA1_80, with
# SRTCP on the next port), GStreamer srtpenc (libsrtp: AES_CM_128_HMAC_SHA1_80
# over IPv6 to a latched leg, AEAD_AES_128_GCM, AES_256_CM_HMAC_SHA1_80), and
# libsrtp itself (srtp-pcap gen: AEAD_AES_256_GCM with SRTCP, CSRCs, header
# extensions, payloads of 20 to 1200 bytes); a media server in the inside
# namespace gets plain RTP (or SRTP under its own keys: re-keying) and
# decodes it to WAV. Then the reverse: plain RTP from the inside comes out
# as SRTP that ffmpeg and GStreamer srtpdec decode. Every flow is also
# captured on both sides and compared byte for byte in the clear (libsrtp:
# srtp-pcap decrypt + compare). IPv4 and IPv6, and legs of either family.
# srtpedge learns its peers by ARP/NS only: the outside asks it, it asks the
# inside. Its counters must add up: forwarded = what was sent, no drop but
# the expected ones.
set -euo pipefail

TEST=netns_rtp
usage() {
	cat <<'TXT'
usage: netns_rtp.sh [--keep] PATH/TO/srtpedge PATH/TO/srtp-pcap

Runs srtpedge between two network namespaces and sends real SRTP/RTP
through it with ffmpeg, GStreamer and libsrtp, both ways, IPv4 and IPv6,
five suites and re-keying; checks the decoded audio, the packets byte for
byte (libsrtp) and srtpedge's counters.
TXT
	it_usage_common
}

SRTPEDGE='' SRTP_PCAP=''
keep=0
args=()
source "$(dirname "$0")/lib.sh"
while [ $# -gt 0 ]; do
	case "$1" in
	--keep) keep=1 ;;
	-h|--help) usage; exit 0 ;;
	-*) echo "$TEST: unknown option '$1'" >&2; exit 2 ;;
	*) args+=("$1") ;;
	esac
	shift
done
it_take_args SRTPEDGE SRTP_PCAP
it_need_tools ffmpeg gst-launch-1.0 tcpdump ping ss
it_init
t_start=$SECONDS

# ---- sessions -----------------------------------------------------------
# name id suite outside-local outside-remote inside-local inside-remote
key() { "$PY" "$SRE_IT" key "$1"; }
hex() { "$PY" "$SRE_IT" hex "$1"; }
declare -A SUITE RXK TXK
new_keys() { # NAME SUITE BYTES
	SUITE[$1]=$2
	RXK[$1]=$(key "$3")
	TXK[$1]=$(key "$3")
}
new_keys probe4 AES_CM_128_HMAC_SHA1_80 30
new_keys probe6 AES_CM_128_HMAC_SHA1_80 30
new_keys ffm AES_CM_128_HMAC_SHA1_80 30
new_keys gcm AEAD_AES_128_GCM 28
new_keys cm6 AES_CM_128_HMAC_SHA1_80 30
new_keys cm256 AES_256_CM_HMAC_SHA1_80 46
new_keys g256 AEAD_AES_256_GCM 44
new_keys rekey AES_CM_128_HMAC_SHA1_80 30
new_keys unlatched AES_CM_128_HMAC_SHA1_80 30
RXK[ffm_rtcp]=${RXK[ffm]} TXK[ffm_rtcp]=${TXK[ffm]} SUITE[ffm_rtcp]=${SUITE[ffm]}
# SRTP on the inside leg too: its own suite and keys (re-keying)
declare -A ISUITE IRXK ITXK
ISUITE[rekey]=AEAD_AES_128_GCM IRXK[rekey]=$(key 28) ITXK[rekey]=$(key 28)

session() { # NAME ID OLOCAL OREMOTE ILOCAL IREMOTE
	cat <<INI
[session $1]
id = $2
outside.local = $3
outside.remote = $4
outside.suite = ${SUITE[$1]}
outside.rx_key = inline:${RXK[$1]}
outside.tx_key = inline:${TXK[$1]}
inside.local = $5
inside.remote = $6
INI
	if [ -n "${ISUITE[$1]:-}" ]; then
		echo "inside.suite = ${ISUITE[$1]}"
		echo "inside.rx_key = inline:${IRXK[$1]}"
		echo "inside.tx_key = inline:${ITXK[$1]}"
	else
		echo "inside.suite = none"
	fi
}

cfg="$work/srtpedge.ini"
{
	echo "[dataplane]"
	echo "workers = 1"
	echo "max_sessions = 64"
	echo "stats_interval = 0"
	port_section outside v6
	port_section inside v6
	session probe4 1 "$OUT4.1:20100" "$OUT4.10:21100" "$IN4.1:30100" "$IN4.10:31100"
	session probe6 2 "[$OUT6:1]:20110" "[$OUT6:10]:21110" "[$IN6:1]:30110" "[$IN6:10]:31110"
	# ffmpeg: RTP and its RTCP on the next port, two sessions
	session ffm 3 "$OUT4.1:20000" "$OUT4.10:21000" "$IN4.1:30000" "$IN4.10:31000"
	session ffm_rtcp 4 "$OUT4.1:20001" "$OUT4.10:21001" "$IN4.1:30001" "$IN4.10:31001"
	# IPv6 outside (peer latched from its first packet), IPv4 inside
	session cm6 5 "[$OUT6:1]:20010" latch "$IN4.1:30010" "$IN4.10:31010"
	# IPv4 outside, IPv6 inside
	session gcm 6 "$OUT4.1:20020" "$OUT4.10:21020" "[$IN6:1]:30020" "[$IN6:10]:31020"
	session cm256 7 "[$OUT6:1]:20030" "[$OUT6:10]:21030" "[$IN6:1]:30030" "[$IN6:10]:31030"
	# libsrtp's SRTP and SRTCP (srtp-pcap gen), both ways
	session g256 8 "$OUT4.1:20040" "$OUT4.10:21040" "$IN4.1:30040" "$IN4.10:31040"
	# SRTP on both legs, different suites and keys
	session rekey 9 "$OUT4.1:20050" "$OUT4.10:21050" "$IN4.1:30050" "$IN4.10:31050"
	# latched outside, never spoken to: nowhere to send the inside's media
	session unlatched 10 "$OUT4.1:20060" latch "$IN4.1:30060" "$IN4.10:31060"
} >"$cfg"

log "topology and srtpedge"
topo_up v6
if ! se_start "$cfg"; then
	bad "srtpedge starts"
	it_summary
	exit 1
fi
ok "srtpedge starts ($(grep -o '[0-9]* sessions, crypto .*' "$se_out"))"
SE_MAC_OUT=$(mac_of "$VETH_OUT")
SE_MAC_IN=$(mac_of "$VETH_IN")

# captures of everything UDP on both sides, for the byte-for-byte checks
capture_start "$NS_OUT" ep0 "$work/out.pcap"
cap_out=$cap_pid
capture_start "$NS_IN" ms0 "$work/in.pcap"
cap_in=$cap_pid
# the inside ports no media receiver binds (RTCP, probes): a sink, so no
# port-unreachable goes back to srtpedge
ip netns exec "$NS_IN" "$PY" "$SRE_IT" sink --bind 0.0.0.0 --port 31001 --port 31100 \
	--port 31040 --out "$work/sink4.txt" --ready "$work/sink4.ready" &
sink4=$!
bg_add "$sink4"
ip netns exec "$NS_IN" "$PY" "$SRE_IT" sink --bind "$IN6:10" --port 31110 \
	--out "$work/sink6.txt" --ready "$work/sink6.ready" &
sink6=$!
bg_add "$sink6"
ip netns exec "$NS_OUT" "$PY" "$SRE_IT" sink --bind 0.0.0.0 --port 21040 \
	--out "$work/sinko.txt" --ready "$work/sinko.ready" &
sinko=$!
bg_add "$sinko"
wait_file "$work/sink4.ready" && wait_file "$work/sink6.ready" && wait_file "$work/sinko.ready"

# ---- ARP / NS / echo ------------------------------------------------------
log "neighbours: the outside resolves srtpedge by ARP/NS; srtpedge resolves the inside itself"
check_cmd "outside pings srtpedge (IPv4, after ARP)" in_out ping -c 2 -i 0.2 -W 2 "$OUT4.1"
check_cmd "outside pings srtpedge (IPv6, after NS)" in_out ping -6 -c 2 -i 0.2 -W 2 "$OUT6:1"
for a in "$OUT4.1" "$OUT6:1"; do
	got=$(ip -n "$NS_OUT" neigh show "$a" dev ep0 | sed -nE 's/.*lladdr ([0-9a-f:]+).*/\1/p')
	check_eq "srtpedge's answer for $a carries its MAC" "$got" "$SE_MAC_OUT"
done
# the inside knows srtpedge statically: srtpedge never hears an ARP
# request from it and has to ask itself
ip -n "$NS_IN" neigh replace "$IN4.1" lladdr "$SE_MAC_IN" dev ms0 nud permanent
ip -n "$NS_IN" neigh replace "$IN6:1" lladdr "$SE_MAC_IN" dev ms0 nud permanent
check_cmd "inside pings srtpedge (IPv4)" in_in ping -c 2 -i 0.2 -W 2 "$IN4.1"
check_cmd "inside pings srtpedge (IPv6)" in_in ping -6 -c 2 -i 0.2 -W 2 "$IN6:1"

tel /srtpedge/stats
unres0=${TEL[drop_neighbor_unresolved]} sol0=${TEL[solicitations]}
check_ge "ARP/NS/echo answered" "${TEL[answered]}" 10

# probes: the first packet toward the unknown inside peer is dropped while
# srtpedge asks (ARP, then NS), the next ones go through
for fam in 4 6; do
	if [ "$fam" = 4 ]; then
		src="$OUT4.10:21100" dst="$OUT4.1:20100" name=probe4 sid=1 port=31100
	else
		src="[$OUT6:10]:21110" dst="[$OUT6:1]:20110" name=probe6 sid=2 port=31110
	fi
	"$SRTP_PCAP" gen --out "$work/$name.pcap" --suite "${SUITE[$name]}" --key "${RXK[$name]}" \
		--packets 5 --rtcp-every 0 --src "$src" --dst "$dst" >/dev/null
	check_cmd "$name: 5 SRTP packets sent (0.5 s after the first)" \
		in_out "$PY" "$SRE_IT" send --pcap "$work/$name.pcap" --bind "$src" --to "$dst" \
		--pps 50 --first-pause 0.5
	settle
	tel "/srtpedge/session,$sid"
	check_eq "$name: srtpedge received" "${TEL[outside_rx_packets]}" 5
	check_eq "$name: srtpedge forwarded after resolving" "${TEL[inside_tx_packets]}" 4
done
tel /srtpedge/stats
check_eq "probes: neighbor_unresolved drops (one per family)" \
	$((TEL[drop_neighbor_unresolved] - unres0)) 2
check_ge "probes: srtpedge sent ARP and NS requests" $((TEL[solicitations] - sol0)) 2

log "a latched leg whose peer has not spoken: the inside's packets have no route"
"$SRTP_PCAP" gen --out "$work/unlatched.pcap" --plain-out "$work/unlatched.plain.pcap" \
	--suite AES_CM_128_HMAC_SHA1_80 --key "${RXK[unlatched]}" --packets 3 --rtcp-every 0 \
	--src "$IN4.10:31060" --dst "$IN4.1:30060" >/dev/null
tel /srtpedge/stats
noroute0=${TEL[drop_no_route]}
check_cmd "3 plain RTP packets sent from the inside" in_in "$PY" "$SRE_IT" send \
	--pcap "$work/unlatched.plain.pcap" --bind "$IN4.10:31060" --to "$IN4.1:30060" --pps 50
settle
tel /srtpedge/stats
check_eq "dropped as no_route" $((TEL[drop_no_route] - noroute0)) 3
tel /srtpedge/session,10
check_eq "nothing sent on the unlatched leg" "${TEL[outside_tx_packets]}" 0

# ---- outside -> inside --------------------------------------------------
# gst_wav_rx NS PORT WAV [ADDR]: a receiver decoding PCMU RTP to WAV
gst_wav_rx() {
	local ns=$1 port=$2 wav=$3 addr=${4:-0.0.0.0}
	ip netns exec "$ns" gst-launch-1.0 -e udpsrc address="$addr" port="$port" \
		caps="application/x-rtp,media=audio,clock-rate=8000,encoding-name=PCMU,payload=0" \
		! rtppcmudepay ! mulawdec ! wavenc ! filesink location="$wav" \
		>"$wav.log" 2>&1 &
	rx_pid=$!
	bg_add "$rx_pid"
	wait_udp_bound "$ns" "$port"
}

# gst_cipher SUITE: GStreamer's cipher and auth names for it
gst_cipher() {
	case "$1" in
	AES_CM_128_HMAC_SHA1_80) echo "aes-128-icm hmac-sha1-80" ;;
	AES_256_CM_HMAC_SHA1_80) echo "aes-256-icm hmac-sha1-80" ;;
	AEAD_AES_128_GCM) echo "aes-128-gcm null" ;;
	AEAD_AES_256_GCM) echo "aes-256-gcm null" ;;
	esac
}

# gst_srtp_wav_rx NS PORT WAV ADDR SSRC SUITE KEYB64: srtpdec receiver
gst_srtp_wav_rx() {
	local ns=$1 port=$2 wav=$3 addr=$4 ssrc=$5 suite=$6 k cipher auth
	k=$(hex "$7")
	read -r cipher auth < <(gst_cipher "$suite")
	ip netns exec "$ns" gst-launch-1.0 -e udpsrc address="$addr" port="$port" \
		caps="application/x-srtp,media=audio,clock-rate=8000,encoding-name=PCMU,payload=0,ssrc=(uint)$ssrc,srtp-key=(buffer)$k,srtp-cipher=$cipher,srtp-auth=$auth,srtcp-cipher=$cipher,srtcp-auth=$auth" \
		! srtpdec ! rtppcmudepay ! mulawdec ! wavenc ! filesink location="$wav" \
		>"$wav.log" 2>&1 &
	rx_pid=$!
	bg_add "$rx_pid"
	wait_udp_bound "$ns" "$port"
}

# ffmpeg_srtp_wav_rx NS PORT WAV ADDR SUITE KEYB64: ffmpeg's own SRTP
# (not libsrtp) receiving through an SDP with an a=crypto line
ffmpeg_srtp_wav_rx() {
	local ns=$1 port=$2 wav=$3 addr=$4
	cat >"$wav.sdp" <<SDP
v=0
o=- 0 0 IN IP4 $addr
s=srtpedge reverse
c=IN IP4 $addr
t=0 0
m=audio $port RTP/SAVP 0
a=rtpmap:0 PCMU/8000
a=crypto:1 $5 inline:$6
SDP
	ip netns exec "$ns" ffmpeg -hide_banner -loglevel error -nostdin \
		-protocol_whitelist file,udp,rtp,srtp,crypto -probesize 32 -analyzeduration 0 \
		-i "$wav.sdp" -c:a pcm_s16le -y "$wav" >"$wav.log" 2>&1 &
	rx_pid=$!
	bg_add "$rx_pid"
	wait_udp_bound "$ns" "$port"
}

# gst_tx NS PACKETS FREQ SSRC HOST PORT BIND_ADDR BIND_PORT [SUITE KEYB64]:
# a tone as PCMU RTP (SRTP with a suite) from a bound UDP socket; the
# sequence numbers start at 65480 and wrap after 56 packets
gst_tx() {
	local ns=$1 n=$2 freq=$3 ssrc=$4 host=$5 port=$6 baddr=$7 bport=$8 suite=${9:-} kb=${10:-}
	local enc=()
	if [ -n "$suite" ]; then
		local k cipher auth
		k=$(hex "$kb")
		read -r cipher auth < <(gst_cipher "$suite")
		enc=(! srtpenc key="$k" rtp-cipher="$cipher" rtp-auth="$auth" rtcp-cipher="$cipher" rtcp-auth="$auth")
	fi
	ip netns exec "$ns" gst-launch-1.0 -q audiotestsrc num-buffers="$n" samplesperbuffer=160 \
		freq="$freq" ! audio/x-raw,rate=8000,channels=1 ! mulawenc \
		! rtppcmupay ssrc="$ssrc" pt=0 seqnum-offset=65480 "${enc[@]}" \
		! udpsink host="$host" port="$port" bind-address="$baddr" bind-port="$bport"
}

# wav_check NAME WAV PACKETS FREQ: the decoded tone is all there
wav_check() {
	local name=$1 wav=$2 n=$3 freq=$4
	declare -A W=()
	local k v
	while read -r k v; do W[$k]=$v; done < <("$PY" "$SRE_IT" wav "$wav" 2>&1 || true)
	check_eq "$name: decoded samples (160 a packet)" "${W[samples]:-none}" $((n * 160))
	check_range "$name: tone frequency (Hz)" "${W[freq]:-0}" $((freq * 95 / 100)) $((freq * 105 / 100))
	check_ge "$name: tone level (RMS)" "${W[rms]:-0}" 2000
	check_range "$name: no gap of silence (longest run, samples)" "${W[silent_run]:-99999}" 0 20
}

N=150   # packets a stream: 3 s, wrapping at packet 57

log "outside -> inside: ffmpeg, AES_CM_128_HMAC_SHA1_80, IPv4 (RTP + SRTCP)"
gst_wav_rx "$NS_IN" 31000 "$work/f1.wav"
f1_rx=$rx_pid
check_cmd "ffmpeg sends SRTP" in_out ffmpeg -hide_banner -loglevel error -nostdin -re \
	-f lavfi -i sine=frequency=1000:sample_rate=8000:samples_per_frame=160 \
	-frames:a $N -c:a pcm_mulaw -f rtp -ssrc 287454020 -seq 65480 \
	-srtp_out_suite AES_CM_128_HMAC_SHA1_80 -srtp_out_params "${RXK[ffm]}" \
	"srtp://$OUT4.1:20000?pkt_size=186&localrtpport=21000&localrtcpport=21001"
settle
stop_pid "$f1_rx" INT
wav_check "ffmpeg cm128 ipv4" "$work/f1.wav" $N 1000

log "outside -> inside: GStreamer, AES_CM_128_HMAC_SHA1_80, IPv6 outside (latched), IPv4 inside"
gst_wav_rx "$NS_IN" 31010 "$work/f2.wav"
f2_rx=$rx_pid
check_cmd "GStreamer srtpenc sends (aes-128-icm, IPv6)" gst_tx "$NS_OUT" $N 600 1001 \
	"$OUT6:1" 20010 "$OUT6:10" 21010 "${SUITE[cm6]}" "${RXK[cm6]}"
settle
stop_pid "$f2_rx" INT
wav_check "gst cm128 ipv6->ipv4" "$work/f2.wav" $N 600

log "outside -> inside: GStreamer, AEAD_AES_128_GCM, IPv4 outside, IPv6 inside"
gst_wav_rx "$NS_IN" 31020 "$work/f3.wav" "$IN6:10"
f3_rx=$rx_pid
check_cmd "GStreamer srtpenc sends (aes-128-gcm)" gst_tx "$NS_OUT" $N 800 1002 \
	"$OUT4.1" 20020 "$OUT4.10" 21020 "${SUITE[gcm]}" "${RXK[gcm]}"
settle
stop_pid "$f3_rx" INT
wav_check "gst gcm128 ipv4->ipv6" "$work/f3.wav" $N 800

log "outside -> inside: GStreamer, AES_256_CM_HMAC_SHA1_80, IPv6 both sides"
gst_wav_rx "$NS_IN" 31030 "$work/f4.wav" "$IN6:10"
f4_rx=$rx_pid
check_cmd "GStreamer srtpenc sends (aes-256-icm, IPv6)" gst_tx "$NS_OUT" $N 1200 1003 \
	"$OUT6:1" 20030 "$OUT6:10" 21030 "${SUITE[cm256]}" "${RXK[cm256]}"
settle
stop_pid "$f4_rx" INT
wav_check "gst cm256 ipv6" "$work/f4.wav" $N 1200

log "outside -> inside: GStreamer AES_CM_128_HMAC_SHA1_80 in, re-keyed to AEAD_AES_128_GCM for GStreamer srtpdec"
gst_srtp_wav_rx "$NS_IN" 31050 "$work/f5.wav" "$IN4.10" 1005 "${ISUITE[rekey]}" "${ITXK[rekey]}"
f5_rx=$rx_pid
check_cmd "GStreamer srtpenc sends (aes-128-icm)" gst_tx "$NS_OUT" $N 1300 1005 \
	"$OUT4.1" 20050 "$OUT4.10" 21050 "${SUITE[rekey]}" "${RXK[rekey]}"
settle
stop_pid "$f5_rx" INT
wav_check "re-keyed cm128->gcm128" "$work/f5.wav" $N 1300

log "outside -> inside: libsrtp (srtp-pcap gen) AEAD_AES_256_GCM, SRTP and SRTCP"
"$SRTP_PCAP" gen --out "$work/g256.pcap" --plain-out "$work/g256.plain.pcap" \
	--suite AEAD_AES_256_GCM --key "${RXK[g256]}" --packets $N --seq0 65480 --rtcp-every 10 \
	--payload 20-1200 --csrc 2 --ext 3 --src "$OUT4.10:21040" --dst "$OUT4.1:20040" >/dev/null
check_cmd "SRTP + SRTCP sent" in_out "$PY" "$SRE_IT" send --pcap "$work/g256.pcap" \
	--bind "$OUT4.10:21040" --to "$OUT4.1:20040" --pps 100
settle

# ---- inside -> outside --------------------------------------------------
log "inside -> outside: plain RTP in, SRTP out to ffmpeg and GStreamer srtpdec"
# NAME SESSION FREQ SSRC RX_ADDR RX_PORT SE_INSIDE SE_PORT SRC_ADDR SRC_PORT
reverse() {
	local name=$1 s=$2 freq=$3 ssrc=$4 rxa=$5 rxp=$6 sea=$7 sep=$8 srca=$9 srcp=${10} rx=${11:-gst}
	if [ "$rx" = ffmpeg ]; then
		ffmpeg_srtp_wav_rx "$NS_OUT" "$rxp" "$work/$name.wav" "$rxa" "${SUITE[$s]}" "${TXK[$s]}"
	else
		gst_srtp_wav_rx "$NS_OUT" "$rxp" "$work/$name.wav" "$rxa" "$ssrc" "${SUITE[$s]}" "${TXK[$s]}"
	fi
	local rx=$rx_pid
	check_cmd "$name: plain RTP sent from the inside" gst_tx "$NS_IN" $N "$freq" "$ssrc" \
		"$sea" "$sep" "$srca" "$srcp"
	settle
	stop_pid "$rx" INT
	wav_check "$name" "$work/$name.wav" $N "$freq"
}
# r1's receiver is ffmpeg, whose SRTP is its own; the others are libsrtp's
reverse r1 ffm 500 2001 "$OUT4.10" 21000 "$IN4.1" 30000 "$IN4.10" 31000 ffmpeg
reverse r2 cm6 700 2002 "$OUT6:10" 21010 "$IN4.1" 30010 "$IN4.10" 31010
reverse r3 gcm 900 2003 "$OUT4.10" 21020 "$IN6:1" 30020 "$IN6:10" 31020
reverse r4 cm256 1100 2004 "$OUT6:10" 21030 "$IN6:1" 30030 "$IN6:10" 31030

log "inside -> outside: GStreamer AEAD_AES_128_GCM in, re-keyed to AES_CM_128_HMAC_SHA1_80 for srtpdec"
gst_srtp_wav_rx "$NS_OUT" 21050 "$work/r5.wav" "$OUT4.10" 2005 "${SUITE[rekey]}" "${TXK[rekey]}"
r5_rx=$rx_pid
check_cmd "r5: GStreamer srtpenc sends from the inside (aes-128-gcm)" gst_tx "$NS_IN" $N 1400 2005 \
	"$IN4.1" 30050 "$IN4.10" 31050 "${ISUITE[rekey]}" "${IRXK[rekey]}"
settle
stop_pid "$r5_rx" INT
wav_check "r5 re-keyed gcm128->cm128" "$work/r5.wav" $N 1400

log "inside -> outside: plain RTP and RTCP (srtp-pcap gen's plain twin), out as AEAD_AES_256_GCM"
"$SRTP_PCAP" gen --out "$work/g256r.pcap" --plain-out "$work/g256r.plain.pcap" \
	--suite AEAD_AES_256_GCM --key "${TXK[g256]}" --packets $N --seq0 65480 --rtcp-every 10 \
	--payload 20-1200 --csrc 1 --ext 2 --seed 7 --src "$IN4.10:31040" --dst "$IN4.1:30040" >/dev/null
# the stream starts with its first RTCP packet: the outbound stream is made
# for an SRTCP packet
check_cmd "RTP + RTCP sent from the inside (RTCP first)" in_in "$PY" "$SRE_IT" send --rtcp-first \
	--pcap "$work/g256r.plain.pcap" --bind "$IN4.10:31040" --to "$IN4.1:30040" --pps 100
settle

# ---- per-session counters, then stop everything ---------------------------
declare -A S_ORX S_ITX S_IRX S_OTX S_BAD
for pair in 3:ffm 4:ffm_rtcp 5:cm6 6:gcm 7:cm256 8:g256 9:rekey; do
	sid=${pair%%:*} name=${pair#*:}
	tel "/srtpedge/session,$sid"
	S_ORX[$name]=${TEL[outside_rx_packets]} S_ITX[$name]=${TEL[inside_tx_packets]}
	S_IRX[$name]=${TEL[inside_rx_packets]} S_OTX[$name]=${TEL[outside_tx_packets]}
	S_BAD[$name]=$((TEL[outside_auth_fail] + TEL[outside_replay] + TEL[outside_other_drops] +
		TEL[inside_auth_fail] + TEL[inside_replay] + TEL[inside_other_drops]))
	check_eq "session $name: no packet refused by crypto" "${S_BAD[$name]}" 0
done
check_eq "latched session cm6: its peer was learnt" "$(tel /srtpedge/session,5 && echo "${TEL[outside_latched]}")" 1

stop_pid "$sink4" TERM
stop_pid "$sink6" TERM
stop_pid "$sinko" TERM
sink_count() { sed -nE "s/^port $2 ([0-9]+)$/\1/p" "$1"; }
check_eq "probe4: the inside server got the 4 forwarded" "$(sink_count "$work/sink4.txt" 31100)" 4
check_eq "probe6: the inside server got the 4 forwarded" "$(sink_count "$work/sink6.txt" 31110)" 4
capture_stop "$cap_out" "$work/out.pcap" || bad "outside capture complete"
capture_stop "$cap_in" "$work/in.pcap" || bad "inside capture complete"
if se_stop; then ok "srtpedge stops cleanly on SIGINT"; else bad "srtpedge exit status on SIGINT"; fi
se_print_final

# ---- byte for byte, with libsrtp ----------------------------------------
log "captures: every packet, decrypted by libsrtp, equals what came out"
sub() { tcpdump -r "$1" -w "$2" "$3" 2>/dev/null; }
npk() { tcpdump -r "$1" 2>/dev/null | wc -l; }
total_fwd=0 total_rev=0
# plain NAME IN OUT SUITE KEY: IN's payloads in the clear into OUT (libsrtp
# decrypts; with no suite the capture is plain already)
plain() {
	if [ -z "$4" ]; then
		cp "$2" "$3"
		return 0
	fi
	check_cmd "$1: libsrtp decrypts every packet" "$SRTP_PCAP" decrypt \
		--in "$2" --out "$3" --suite "$4" --key "$5"
}
# flow NAME SESSION fwd|rev OUT_FILTER IN_FILTER: one direction of one
# session, as sent and as srtpedge sent it on, compared in the clear
flow() {
	local n=$1 s=$2 dir=$3 sent got from to
	sub "$work/out.pcap" "$work/$n.out.pcap" "$4"
	sub "$work/in.pcap" "$work/$n.in.pcap" "$5"
	if [ "$dir" = fwd ]; then
		from=out to=in
		check_eq "$n: srtpedge counted in what the client sent" "${S_ORX[$s]}" "$(npk "$work/$n.out.pcap")"
		check_eq "$n: srtpedge sent as many on" "${S_ITX[$s]}" "$(npk "$work/$n.out.pcap")"
		plain "$n (client's SRTP)" "$work/$n.out.pcap" "$work/$n.sent.pcap" "${SUITE[$s]}" "${RXK[$s]}"
		plain "$n (srtpedge's output)" "$work/$n.in.pcap" "$work/$n.got.pcap" "${ISUITE[$s]:-}" "${ITXK[$s]:-}"
	else
		from=in to=out
		check_eq "$n: srtpedge counted in what the server sent" "${S_IRX[$s]}" "$(npk "$work/$n.in.pcap")"
		check_eq "$n: srtpedge sent as many on" "${S_OTX[$s]}" "$(npk "$work/$n.in.pcap")"
		plain "$n (server's RTP)" "$work/$n.in.pcap" "$work/$n.sent.pcap" "${ISUITE[$s]:-}" "${IRXK[$s]:-}"
		plain "$n (srtpedge's SRTP)" "$work/$n.out.pcap" "$work/$n.got.pcap" "${SUITE[$s]}" "${TXK[$s]}"
	fi
	sent=$(npk "$work/$n.$from.pcap") got=$(npk "$work/$n.$to.pcap")
	[ "$dir" = fwd ] && total_fwd=$((total_fwd + sent)) || total_rev=$((total_rev + sent))
	check_ge "$n: packets sent" "$sent" 1
	check_eq "$n: packets received" "$got" "$sent"
	check_cmd "$n: what came out equals what went in, byte for byte" "$SRTP_PCAP" compare \
		--payload-only "$work/$n.sent.pcap" "$work/$n.got.pcap"
}
flow f1-ffmpeg ffm fwd "src host $OUT4.10 and dst port 20000" "src host $IN4.1 and src port 30000"
flow f1-ffmpeg-rtcp ffm_rtcp fwd "src host $OUT4.10 and dst port 20001" "src host $IN4.1 and src port 30001"
check_eq "f1-ffmpeg-rtcp: the inside server got them" "$(sink_count "$work/sink4.txt" 31001)" \
	"$(npk "$work/f1-ffmpeg-rtcp.in.pcap")"
flow f2-gst-cm128-v6 cm6 fwd "src host $OUT6:10 and dst port 20010" "src host $IN4.1 and src port 30010"
flow f3-gst-gcm gcm fwd "src host $OUT4.10 and dst port 20020" "src host $IN6:1 and src port 30020"
flow f4-gst-cm256 cm256 fwd "src host $OUT6:10 and dst port 20030" "src host $IN6:1 and src port 30030"
flow f5-rekey rekey fwd "src host $OUT4.10 and dst port 20050" "src host $IN4.1 and src port 30050"
flow f6-g256 g256 fwd "src host $OUT4.10 and dst port 20040" "src host $IN4.1 and src port 30040"
check_cmd "f6-g256: what came out is exactly libsrtp's plain twin" "$SRTP_PCAP" compare \
	--payload-only "$work/g256.plain.pcap" "$work/f6-g256.got.pcap"
check_eq "f6-g256: the inside server got them" "$(sink_count "$work/sink4.txt" 31040)" \
	"$(npk "$work/f6-g256.in.pcap")"
flow r1 ffm rev "src host $OUT4.1 and src port 20000" "src host $IN4.10 and dst port 30000"
flow r2 cm6 rev "src host $OUT6:1 and src port 20010" "src host $IN4.10 and dst port 30010"
flow r3 gcm rev "src host $OUT4.1 and src port 20020" "src host $IN6:10 and dst port 30020"
flow r4 cm256 rev "src host $OUT6:1 and src port 20030" "src host $IN6:10 and dst port 30030"
flow r5-rekey rekey rev "src host $OUT4.1 and src port 20050" "src host $IN4.10 and dst port 30050"
flow r6-g256 g256 rev "src host $OUT4.1 and src port 20040" "src host $IN4.10 and dst port 30040"
check_eq "r6-g256: the outside client got them" "$(sink_count "$work/sinko.txt" 21040)" \
	"$(npk "$work/r6-g256.out.pcap")"
rtcp=$("$SRTP_PCAP" info "$work/r6-g256.got.pcap" | sed -nE 's/.* ([0-9]+) RTCP.*/\1/p')
check_eq "r6-g256: SRTCP among them" "${rtcp:-0}" $((N / 10))
for n in f1-ffmpeg f2-gst-cm128-v6 f3-gst-gcm f4-gst-cm256 f5-rekey f6-g256 r1 r2 r3 r4 r5-rekey r6-g256; do
	w=$("$SRTP_PCAP" info "$work/$n.got.pcap" | sed -nE 's/.* wraps ([0-9]+) .*/\1/p' | head -1)
	check_eq "$n: the stream crossed a sequence-number wrap" "${w:-none}" 1
done

# ---- srtpedge's closing counters ------------------------------------------
log "srtpedge's final counters"
probes=$((5 + 5))
check_eq "forwarded outside->inside = what the clients sent (+ probes, less 2)" \
	"$(se_get fwd_o2i)" $((total_fwd + probes - 2))
check_eq "forwarded inside->outside = what the servers sent" "$(se_get fwd_i2o)" "$total_rev"
check_eq "drops: neighbor_unresolved (the two probes' first packets)" \
	"$(se_get drop_neighbor_unresolved)" 2
check_eq "drops: no_route (the unlatched session's 3)" "$(se_get drop_no_route)" 3
check_eq "drops: none for any other reason but not_for_us" \
	"$(se_drops_except neighbor_unresolved no_route not_for_us)" 0
# the namespaces' own IPv6 multicast (MLD reports) reaches srtpedge as
# not_for_us; nothing of ours may: a few at most
check_range "drops: not_for_us (kernel IPv6 multicast chatter only)" "$(se_get drop_not_for_us)" 0 20

echo "time: $((SECONDS - t_start)) s"
it_summary
