#!/usr/bin/env bash
# srtpedge's offline mode (net_pcap ports): an SRTP capture and its keys in,
# a plain RTP capture out, and back. Captures made by libsrtp2 (every suite,
# two streams crossing a sequence wrap, SRTCP interleaved) must come out as
# the RTP libsrtp protected; plain RTP sent the other way must come out as
# SRTP that libsrtp decrypts to it. Captures made by ffmpeg's own SRTP (its
# AES-CM suites, across a wrap) must decrypt to what libsrtp decrypts them to.
set -euo pipefail

usage() {
	echo "usage: test_offline.sh SRTPEDGE SRTP_PCAP"
	echo "SRTP_PCAP: the srtp-pcap tool (tests/tools). Ends with 'N passed, N failed'."
}
case "${1:-}" in -h|--help) usage; exit 0 ;; "") usage >&2; exit 2 ;; esac
bin=$1
tool=$2
tmp=$(mktemp -d)
tcpdump_pid=
cleanup() {
	if [ -n "$tcpdump_pid" ]; then kill "$tcpdump_pid" 2>/dev/null || true; fi
	rm -rf "$tmp"
	rm -f /dev/hugepages/test-offline-$$*map_* 2>/dev/null || true
}
trap cleanup EXIT

. "$(dirname "$0")/../common/check.sh"

keylen() {
	case "$1" in
	AES_256_*) echo 46 ;; AEAD_AES_128_GCM) echo 28 ;; AEAD_AES_256_GCM) echo 44 ;;
	*) echo 30 ;;
	esac
}

# config for one run: outside/inside devices and one session
write_config() { # file outside-dev inside-dev outside-ip outside-remote suite rxkey txkey
	cat >"$1" <<INI
[dataplane]
offline = yes
stats_interval = 0
[outside]
port = $2
ipv4 = $4/8
[inside]
port = $3
ipv4 = 10.0.0.1/24
[session cap]
id = 1
outside.local = $4:40000
outside.remote = $5
outside.suite = $6
outside.rx_key = inline:$7
outside.tx_key = inline:$8
inside.local = 10.0.0.1:40000
inside.remote = 10.0.0.50:30000
inside.suite = none
INI
}

run() { # config log
	local rc=0
	timeout 60 "$bin" -c "$1" --file-prefix "test-offline-$$" >"$2" 2>&1 || rc=$?
	return "$rc"
}

# ---- libsrtp-made captures, every suite, both directions ----
for suite in AES_CM_128_HMAC_SHA1_80 AES_CM_128_HMAC_SHA1_32 AES_256_CM_HMAC_SHA1_80 \
	     AES_256_CM_HMAC_SHA1_32 AEAD_AES_128_GCM AEAD_AES_256_GCM NULL_HMAC_SHA1_80; do
	d="$tmp/$suite"
	mkdir -p "$d"
	len=$(keylen "$suite")
	rx=$(head -c "$len" /dev/urandom | base64 -w0)
	tx=$(head -c "$len" /dev/urandom | base64 -w0)
	# what the endpoint sends us, and its plaintext
	"$tool" gen --out "$d/srtp.pcap" --plain-out "$d/plain.pcap" --suite "$suite" \
		--key "$rx" --streams 2 --packets 1500 --seq0 64800 --rtcp-every 10 \
		--src 198.51.100.7:5004 --dst 192.0.2.1:40000 --seed 11 >/dev/null
	# what the media server sends us (plain), same payloads
	"$tool" gen --out "$d/unused.pcap" --plain-out "$d/plain-in.pcap" --suite "$suite" \
		--key "$tx" --streams 2 --packets 1500 --seq0 64800 --rtcp-every 10 \
		--src 10.0.0.50:30000 --dst 10.0.0.1:40000 --seed 12 >/dev/null
	write_config "$d/off.ini" \
		"net_pcap0,rx_pcap=$d/srtp.pcap,tx_pcap=$d/out-outside.pcap" \
		"net_pcap1,rx_pcap=$d/plain-in.pcap,tx_pcap=$d/out-inside.pcap" \
		192.0.2.1 198.51.100.7:5004 "$suite" "$rx" "$tx"
	rc=0
	run "$d/off.ini" "$d/run.log" || rc=$?
	check "$suite: srtpedge exit status $rc" [ "$rc" -eq 0 ]
	check "$suite: nothing dropped" grep -q '^srtpedge: dropped: 0$' "$d/run.log"
	check "$suite: SRTP -> RTP identical to what libsrtp protected" \
		"$tool" compare --payload-only "$d/plain.pcap" "$d/out-inside.pcap"
	"$tool" decrypt --in "$d/out-outside.pcap" --out "$d/dec.pcap" --suite "$suite" \
		--key "$tx" >"$d/dec.log" 2>&1 || true
	check "$suite: RTP -> SRTP that libsrtp decrypts to the RTP sent" \
		"$tool" compare --payload-only "$d/plain-in.pcap" "$d/dec.pcap"
	if [ "$failed" -gt 0 ]; then tail -5 "$d/run.log"; fi
done

# ---- ffmpeg's own SRTP (AES-CM only), captured on loopback ----
for suite in AES_CM_128_HMAC_SHA1_80 AES_CM_128_HMAC_SHA1_32; do
	d="$tmp/ffmpeg-$suite"
	mkdir -p "$d"
	key=$(head -c 30 /dev/urandom | base64 -w0)
	port=$((41000 + RANDOM % 2000 * 2))
	# --immediate-mode: tcpdump otherwise holds packets in its capture ring
	# until a block times out, and stopping it right after ffmpeg loses them
	tcpdump --immediate-mode -B 8192 -i lo -U -w "$d/ff.pcap" "udp dst port $port" \
		2>"$d/tcpdump.log" &
	tcpdump_pid=$!
	for _ in $(seq 50); do grep -q listening "$d/tcpdump.log" && break; sleep 0.1; done
	# -re: at the pace of the audio, so that a busy machine's tcpdump
	# keeps up with it
	ffmpeg -nostdin -loglevel error -re -f lavfi \
		-i sine=frequency=1000:sample_rate=8000:samples_per_frame=160 -t 2 \
		-c:a pcm_mulaw -f rtp -ssrc 287454020 -seq 65500 \
		-srtp_out_suite "$suite" -srtp_out_params "$key" \
		"srtp://127.0.0.1:$port?pkt_size=186" >"$d/ffmpeg.log" 2>&1
	sleep 0.5
	kill -INT "$tcpdump_pid"
	wait "$tcpdump_pid" 2>/dev/null || true
	tcpdump_pid=
	n=$(tcpdump -r "$d/ff.pcap" 2>/dev/null | wc -l)
	check "ffmpeg $suite: captured its packets ($n)" [ "$n" -ge 90 ]
	if [ "$n" -lt 90 ]; then
		# nothing below would mean anything
		failed=$((failed + 1))
		cat "$d/ffmpeg.log" "$d/tcpdump.log"
		continue
	fi
	# the reference: libsrtp's decryption of ffmpeg's packets
	"$tool" decrypt --in "$d/ff.pcap" --out "$d/ref.pcap" --suite "$suite" \
		--key "$key" >"$d/ref.log" 2>&1 || true
	check "ffmpeg $suite: libsrtp decrypts every packet" grep -q ' 0 rejected' "$d/ref.log"
	write_config "$d/off.ini" \
		"net_pcap0,rx_pcap=$d/ff.pcap,tx_pcap=$d/out-outside.pcap" \
		"net_pcap1,tx_pcap=$d/out-inside.pcap" 127.0.0.1 latch "$suite" "$key" "$key"
	sed -i "s|^outside.local = 127.0.0.1:40000|outside.local = 127.0.0.1:$port|" "$d/off.ini"
	rc=0
	run "$d/off.ini" "$d/run.log" || rc=$?
	check "ffmpeg $suite: srtpedge exit status $rc" [ "$rc" -eq 0 ]
	check "ffmpeg $suite: nothing dropped" grep -q '^srtpedge: dropped: 0$' "$d/run.log"
	check "ffmpeg $suite: srtpedge's RTP = libsrtp's" \
		"$tool" compare --payload-only "$d/ref.pcap" "$d/out-inside.pcap"
	if [ "$failed" -gt 0 ]; then tail -5 "$d/run.log"; cat "$d/ffmpeg.log"; fi
done

finish
