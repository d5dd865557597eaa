#!/usr/bin/env bash
# Test of srtp-pcap: for every suite a generated capture (crossing a
# sequence-number wrap, with SRTCP) decrypts to exactly its plain twin, and
# compare, decrypt and info notice what they must (a changed byte, address
# or packet count, a forged packet, a wrong key or ROC).
set -euo pipefail

usage() {
	cat <<'TXT'
usage: test_srtp_pcap.sh [--keep] PATH/TO/srtp-pcap

Runs srtp-pcap gen / decrypt / compare / info on every suite and on broken
inputs; prints "N passed, N failed" and exits non-zero on any failure.

  --keep     keep the work directory (its path is printed)
TXT
}

keep=0 tool=
while [ $# -gt 0 ]; do
	case "$1" in
	--keep) keep=1 ;;
	-h|--help) usage; exit 0 ;;
	-*) echo "test_srtp_pcap.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
	*) tool="$1" ;;
	esac
	shift
done
if [ -z "$tool" ] || [ ! -x "$tool" ]; then
	echo "test_srtp_pcap.sh: give the srtp-pcap program" >&2
	usage >&2
	exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/srtp-pcap-test.XXXXXX")
cleanup() {
	if [ "$keep" -eq 1 ]; then echo "work directory: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

pass=0 fail=0
bad() {
	fail=$((fail + 1))
	echo "FAIL: $*"
}

# expect RC NAME CMD...: CMD must exit with RC; its output stays in $work/out
# and last_ok says whether it did (expect itself never fails: set -e).
last_ok=0
expect() {
	local want=$1 name=$2 rc=0
	shift 2
	"$@" >"$work/out" 2>&1 || rc=$?
	if [ "$rc" -eq "$want" ]; then
		pass=$((pass + 1))
		last_ok=1
		return 0
	fi
	bad "$name: exit $rc, want $want"
	sed 's/^/    | /' "$work/out" | head -20
	last_ok=0
}

# has NAME PATTERN: the output of the last expect, if it passed, contains
# PATTERN (grep -E). After a failed expect there is nothing to look at.
has() {
	[ "$last_ok" -eq 1 ] || return 0
	if grep -Eq -- "$2" "$work/out"; then
		pass=$((pass + 1))
	else
		bad "$1: no '$2' in output"
		sed 's/^/    | /' "$work/out" | head -20
	fi
}

# Flips every bit of the byte at OFFSET of FILE.
flip() {
	local v
	v=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	# shellcheck disable=SC2059 # the format is the byte
	printf "\\$(printf '%03o' $((v ^ 0xff)))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# A deterministic key of the suite's length, base64.
key_for() {
	local n
	case "$1" in
	AES_256_CM_*) n=46 ;;
	AEAD_AES_128_GCM) n=28 ;;
	AEAD_AES_256_GCM) n=44 ;;
	*) n=30 ;;
	esac
	printf '%s%s%s' "$1" "${2:-}" "$1$1" | head -c "$n" | base64 -w0
}

packets=700 seq0=65200 every=25 # wraps after 336 packets
suites=(AES_CM_128_HMAC_SHA1_80 AES_CM_128_HMAC_SHA1_32 AES_256_CM_HMAC_SHA1_80
	AES_256_CM_HMAC_SHA1_32 AEAD_AES_128_GCM AEAD_AES_256_GCM NULL_HMAC_SHA1_80)
# Per suite: extra gen options | extra decrypt options | streams.
variants=(
	"||2"
	"--mki 0a0b0c0d|--mki-len 4|2"
	"--ipv6 --csrc 2 --ext 3||2"
	"--roc0 7 --payload 0-300|--roc0 7|2"
	"--mki 01 --payload 1-1200|--mki 01|2"
	"--ipv6 --roc0 3 --csrc 1 --ext 1 --mki 00112233|--roc0 3 --mki 00112233|1"
	"--rtcp-every 7 --csrc 15||3"
)

for i in "${!suites[@]}"; do
	s=${suites[$i]}
	IFS='|' read -r gopt dopt nstreams <<<"${variants[$i]}"
	rtcp_every=$every
	[[ "$gopt" =~ --rtcp-every\ ([0-9]+) ]] && rtcp_every=${BASH_REMATCH[1]}
	want_rtcp=$((nstreams * (packets / rtcp_every)))
	want=$((nstreams * packets + want_rtcp))
	key=$(key_for "$s")
	d="$work/$s"
	mkdir -p "$d"
	# shellcheck disable=SC2086 # option lists split on purpose
	expect 0 "$s gen" "$tool" gen --suite "$s" --key "$key" --streams "$nstreams" \
		--packets $packets --seq0 $seq0 --rtcp-every "$every" $gopt \
		--out "$d/srtp.pcap" --plain-out "$d/plain.pcap"
	[ "$last_ok" -eq 1 ] || continue
	# shellcheck disable=SC2086
	expect 0 "$s decrypt" "$tool" decrypt --suite "$s" --key "$key" $dopt \
		--in "$d/srtp.pcap" --out "$d/dec.pcap"
	has "$s decrypt counts" " 0 rejected, 0 other"
	expect 0 "$s decrypted = plain" "$tool" compare --checksums "$d/dec.pcap" "$d/plain.pcap"
	has "$s compare summary" "^$want passed, 0 failed$"
	expect 1 "$s SRTP != plain" "$tool" compare --payload-only "$d/srtp.pcap" "$d/plain.pcap"
	expect 0 "$s checksums of SRTP" "$tool" compare --checksums "$d/srtp.pcap" "$d/srtp.pcap"

	mki_len=
	[[ "$dopt" =~ --mki-len\ ([0-9]+) ]] && mki_len="--mki-len ${BASH_REMATCH[1]}"
	[[ "$dopt" =~ --mki\ ([0-9a-f]+) ]] && mki_len="--mki-len $((${#BASH_REMATCH[1]} / 2))"
	# shellcheck disable=SC2086
	expect 0 "$s info" "$tool" info --suite "$s" $mki_len "$d/srtp.pcap"
	if [ "$last_ok" -eq 1 ]; then
		e=1
		[ "$s" = NULL_HMAC_SHA1_80 ] && e=0 # no confidentiality, E clear
		has "$s info header" "^$d/srtp.pcap: $want packets: $((want - want_rtcp)) RTP, $want_rtcp RTCP, 0 other; $nstreams stream"
		has "$s info wraps" "seq $seq0\.\.$(((seq0 + packets - 1) % 65536))  wraps 1  late 0"
		has "$s info SRTCP index (libsrtp starts at 1)" "srtcp-index 1\.\.$((packets / rtcp_every)) E=$e"
		if [ "$(grep -c "wraps 1 .*srtcp-index 1\.\." "$work/out")" -eq "$nstreams" ]; then
			pass=$((pass + 1))
		else
			bad "$s info: not $nstreams streams each with a wrap and SRTCP"
		fi
	fi

	wrong=$(key_for "$s" x)
	# shellcheck disable=SC2086
	expect 3 "$s wrong key rejected" "$tool" decrypt --suite "$s" --key "$wrong" $dopt \
		--in "$d/srtp.pcap" --out "$d/wrong.pcap"
	has "$s wrong key: nothing unprotected" ": $want packets: 0 SRTP \+ 0 SRTCP unprotected, $want rejected"
done

# ---- compare and decrypt catch what they must (AES_CM_128_HMAC_SHA1_80) ----
s=AES_CM_128_HMAC_SHA1_80 key=$(key_for $s) d="$work/$s"
n=$((2 * (packets + packets / every)))
gen() { "$tool" gen --suite $s --key "$key" --streams 2 --packets $packets \
	--seq0 $seq0 --rtcp-every $every "$@"; }
# Offset of a payload byte of the first frame: pcap header, record header,
# Ethernet + IPv4 + UDP, RTP header, 6 bytes in.
off=$((24 + 16 + 42 + 12 + 6))

cp "$d/plain.pcap" "$work/changed.pcap"
flip "$work/changed.pcap" $off
expect 1 "compare: a changed payload byte" "$tool" compare "$work/changed.pcap" "$d/plain.pcap"
has "compare: one failure" "^$((n - 1)) passed, 1 failed$"
has "compare: names the packet" "^packet 1: RTP SSRC 0x[0-9a-f]{8} seq $seq0: payloads"

cp "$d/srtp.pcap" "$work/forged.pcap"
flip "$work/forged.pcap" $off
expect 3 "decrypt: a forged packet" "$tool" decrypt --suite $s --key "$key" \
	--in "$work/forged.pcap" --out "$work/forged-dec.pcap"
has "decrypt: counted as auth_fail" "^rejected: SRTP auth_fail 1$"
expect 1 "compare: the forged packet is missing" "$tool" compare "$work/forged-dec.pcap" "$d/plain.pcap"
has "compare: counts differ" "has $((n - 1)) packets"

expect 0 "gen: other destination" gen --dst 198.51.100.9:5006 --out "$work/o.pcap" \
	--plain-out "$work/other-dst.pcap"
expect 1 "compare: addresses differ" "$tool" compare "$work/other-dst.pcap" "$d/plain.pcap"
has "compare: names the destination" "destination 198\.51\.100\.9:5006 vs 198\.51\.100\.1:5006"
expect 0 "compare --payload-only ignores addresses" "$tool" compare --payload-only \
	"$work/other-dst.pcap" "$d/plain.pcap"

expect 0 "gen: one packet fewer" gen --packets $((packets - 1)) --out "$work/o.pcap" \
	--plain-out "$work/short.pcap"
expect 1 "compare: packet counts differ" "$tool" compare "$d/plain.pcap" "$work/short.pcap"

expect 0 "gen: again" gen --out "$work/again.pcap" --plain-out "$work/again-plain.pcap"
if cmp -s "$work/again.pcap" "$d/srtp.pcap" && cmp -s "$work/again-plain.pcap" "$d/plain.pcap"; then
	pass=$((pass + 1))
else
	bad "gen is not deterministic"
fi
expect 0 "gen: another seed" gen --seed 2 --out "$work/seed2.pcap"
expect 1 "compare: another seed differs" "$tool" compare "$work/seed2.pcap" "$d/srtp.pcap"

# DPDK's net_pcap writes nanosecond files (magic a1b23c4d).
expect 0 "gen --nano" gen --nano --out "$work/nano.pcap" --plain-out "$work/nano-plain.pcap"
magic=$(od -An -tx1 -N4 "$work/nano.pcap" | tr -d ' ')
if [ "$magic" = 4d3cb2a1 ] || [ "$magic" = a1b23c4d ]; then
	pass=$((pass + 1))
else
	bad "gen --nano wrote magic $magic"
fi
expect 0 "compare: nanosecond vs microsecond" "$tool" compare "$work/nano-plain.pcap" "$d/plain.pcap"
expect 0 "decrypt: a nanosecond capture" "$tool" decrypt --suite $s --key "$key" \
	--in "$work/nano.pcap" --out "$work/nano-dec.pcap"
expect 0 "compare: its decryption" "$tool" compare "$work/nano-dec.pcap" "$d/plain.pcap"

s3=AES_256_CM_HMAC_SHA1_32
expect 3 "decrypt: ROC not given" "$tool" decrypt --suite $s3 --key "$(key_for $s3)" \
	--in "$work/$s3/srtp.pcap" --out "$work/o.pcap"
s4=AEAD_AES_128_GCM
expect 3 "decrypt: another MKI" "$tool" decrypt --suite $s4 --key "$(key_for $s4)" \
	--mki 02 --in "$work/$s4/srtp.pcap" --out "$work/o.pcap"
has "decrypt: counted as bad_mki" "SRTP bad_mki"

# Plain RTP is rejected (its "tag" fails), never copied as if decrypted.
expect 3 "decrypt: plain RTP is not SRTP" "$tool" decrypt --suite $s --key "$key" \
	--in "$d/plain.pcap" --out "$work/o.pcap"
# A frame that is not RTP (version 1 after the flip) is copied as it is,
# or dropped with --drop-other; either way it is no rejection.
cp "$d/srtp.pcap" "$work/v1.pcap"
flip "$work/v1.pcap" $((24 + 16 + 42))
expect 0 "decrypt: a non-RTP frame" "$tool" decrypt --suite $s --key "$key" \
	--in "$work/v1.pcap" --out "$work/v1-dec.pcap"
has "decrypt: counted as other" " 0 rejected, 1 other \(copied\)"
expect 1 "compare: the copied frame differs" "$tool" compare "$work/v1-dec.pcap" "$d/plain.pcap"
has "compare: only that one" "^$((n - 1)) passed, 1 failed$"
expect 0 "decrypt --drop-other" "$tool" decrypt --suite $s --key "$key" --drop-other \
	--in "$work/v1.pcap" --out "$work/v1-dec.pcap"
has "decrypt: dropped" " 1 other \(dropped\)"
expect 1 "compare: the dropped frame is missing" "$tool" compare "$work/v1-dec.pcap" "$d/plain.pcap"

# ---- command line ----
for c in gen decrypt compare info; do
	expect 0 "$c --help" "$tool" $c --help && has "$c --help text" "^usage: srtp-pcap $c"
done
expect 0 "--help" "$tool" --help
expect 2 "unknown command" "$tool" frobnicate
expect 2 "gen without --key" "$tool" gen --suite $s --out "$work/o.pcap"
expect 2 "unknown suite" "$tool" gen --suite AES_CM_64 --key "$key" --out "$work/o.pcap"
has "unknown suite lists suites" "AEAD_AES_256_GCM"
expect 2 "key of the wrong length" "$tool" gen --suite AEAD_AES_256_GCM --key "$key" \
	--out "$work/o.pcap" && has "key length named" "wants 44"
expect 2 "bad number" "$tool" gen --suite $s --key "$key" --packets -1 --out "$work/o.pcap"
expect 2 "payload type of RTCP" "$tool" gen --suite $s --key "$key" --pt 72 --out "$work/o.pcap"
expect 2 "mixed address families" "$tool" gen --suite $s --key "$key" \
	--src '[2001:db8::1]:5004' --dst 198.51.100.1:5006 --out "$work/o.pcap"
expect 1 "missing capture" "$tool" info "$work/nonexistent.pcap"
expect 2 "compare wants two" "$tool" compare "$d/plain.pcap"

# tcpdump, when present, as an outside opinion on the frames and checksums.
if command -v tcpdump >/dev/null 2>&1; then
	for f in "$d/srtp.pcap" "$work/AES_256_CM_HMAC_SHA1_80/srtp.pcap" "$work/nano.pcap"; do
		expect 0 "tcpdump -vv $f" tcpdump -nn -vv -r "$f"
		[ "$last_ok" -eq 1 ] || continue
		sums=$(grep -c 'udp sum ok' "$work/out" || true)
		if grep -Eiq 'bad (udp )?cksum|incorrect|truncated' "$work/out"; then
			bad "tcpdump finds fault with $f"
			grep -Ei 'bad|incorrect|truncated' "$work/out" | head -3
		elif [ "$sums" -ne "$n" ]; then
			bad "tcpdump: $sums of $n packets of $f with a good UDP checksum"
		else
			pass=$((pass + 1))
		fi
	done
else
	echo "tcpdump not installed: frames not cross-checked"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
