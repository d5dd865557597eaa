#!/usr/bin/env bash
# DTLS-SRTP sessions of srtpedge-control end to end: srtpedge between two
# network namespaces (tests/integration/lib.sh's topology), srtpedge-control
# attached on a private socket and state directory, OpenSSL's own s_client
# and s_server as the endpoints in the outside namespace.
#
#  - srtpctl status and the create answer give control's fingerprint;
#  - for each of the four SRTP profiles, a session created passive
#    (control is the DTLS server, the leg latches): s_client completes the
#    handshake; the keys srtpedge shows (key ids: SHA-256 over key || salt)
#    are those of s_client's keying material split per RFC 5764 §4.2 (the
#    client's half inbound, the server's outbound); SRTP protected with the
#    client half (srtp-load, libsrtp2) from the outside reaches the media
#    server as plain RTP, every packet; plain RTP from the inside leaves
#    protected with the server half (a capture in the outside namespace,
#    unprotected by libsrtp with srtp-pcap decrypt, every packet);
#  - sessions created active (control is the DTLS client, toward s_server
#    at a known address), one per profile: the same, the halves the other
#    way round;
#  - failures, visible in `srtpctl session show` and counted: a wrong
#    fingerprint, no SRTP profile in common (control restarted with
#    --dtls-profiles and a short --dtls-timeout), a handshake that never
#    finishes (nobody answers the ClientHello); each session stays with
#    its keys pending;
#  - a client on a latching leg waits for its peer's address, and sends its
#    ClientHello to the source of the first ICE check that passes;
#  - after that restart, the sessions established before it keep
#    forwarding (their keys are in the dataplane).
set -euo pipefail

TEST=netns_dtls
usage() {
	cat <<'TXT'
usage: netns_dtls.sh [options] srtpedge srtpedge-control srtpctl srtp-load srtp-pcap openssl

Runs srtpedge between two network namespaces, attaches srtpedge-control and
creates DTLS-SRTP sessions with srtpctl; openssl s_client / s_server are the
endpoints.
TXT
	it_usage_common
}

keep=0
args=()
source "$(dirname "$0")/../integration/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
while [ $# -gt 0 ]; do
	case "$1" in
	--keep) keep=1 ;;
	-h|--help) usage; exit 0 ;;
	-*) echo "$TEST: unknown option '$1'" >&2; exit 2 ;;
	*) args+=("$1") ;;
	esac
	shift
done
if [ "${#args[@]}" -ne 6 ]; then usage >&2; exit 2; fi
for a in "${args[@]}"; do [ -x "$a" ] || { usage >&2; exit 2; }; done
SRTPEDGE=${args[0]} CTLD=${args[1]} SRTPCTL=${args[2]} SRTP_LOAD=${args[3]}
SRTP_PCAP=${args[4]} OSSL=${args[5]}
it_need_tools ping ss tcpdump
it_init
t_start=$SECONDS
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$HERE/lsan.supp"
SOCK="$work/run/control.sock"
STATE="$work/state"
ctl_pid=

# ---- helpers ------------------------------------------------------------------

ctl() { timeout 30 "$SRTPCTL" --socket "$SOCK" "$@"; }

source "$(dirname "$0")/lib.sh"

show_field() {
	ctl --json session show "$1" >"$work/show.json" 2>/dev/null || { echo "?"; return; }
	"$PY" -c "import json,sys; j=json.load(open(sys.argv[1]))['session']; print($2)" "$work/show.json"
}

# wait_show ID EXPR WANT [SECONDS]: until the field is WANT
wait_show() {
	local i v
	for ((i = 0; i < ${4:-10} * 10; i++)); do
		v=$(show_field "$1" "$2")
		[ "$v" = "$3" ] && { echo "$v"; return 0; }
		sleep 0.1
	done
	echo "$v"
	return 1
}


ping_retry() {
	local i
	for i in 1 2 3; do
		ip netns exec "$1" ping -c 2 -i 0.2 -W 2 "$2" >/dev/null && return 0
	done
	return 1
}

# server_rtp N SEQ0 PORT SSRC: plain RTP from the media server to an inside leg
server_rtp() {
	in_in "$PY" - "$IN4.10" "$IN4.1" "$1" "$2" "$3" "$4" <<'PY'
import socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 50000))  # the inside legs' peer (the sink shares the port)
for i in range(int(sys.argv[3])):
    q = int(sys.argv[4]) + i
    s.sendto(struct.pack("!BBHII", 0x80, 0, q, 160 * q, int(sys.argv[6])) + bytes(160),
             (sys.argv[2], int(sys.argv[5])))
    time.sleep(0.005)
PY
}

declare -A R
receiver_counts() {
	local k v rest i
	rm -f "$work/sink.txt"
	kill -USR1 "$sink"
	for ((i = 0; i < 100; i++)); do [ -s "$work/sink.txt" ] && break; sleep 0.1; done
	R=()
	while read -r k v rest; do
		[ "$k" = ssrcs_with ] && { R[with_$v]=$rest; continue; }
		[ "$k" = port ] && { R[port_$v]=$rest; continue; }
		R[$k]=$v
	done <"$work/sink.txt"
}

fp_file() { # "sha-256 AB:CD:..." of a PEM certificate
	local f
	f=$("$OSSL" x509 -noout -fingerprint -sha256 -in "$1") || return 1
	echo "sha-256 ${f#*=}"
}

# key lengths of a profile: KEY SALT SUITE
profile_info() {
	case "$1" in
	SRTP_AES128_CM_SHA1_80) echo "16 14 AES_CM_128_HMAC_SHA1_80" ;;
	SRTP_AES128_CM_SHA1_32) echo "16 14 AES_CM_128_HMAC_SHA1_32" ;;
	SRTP_AEAD_AES_128_GCM) echo "16 12 AEAD_AES_128_GCM" ;;
	SRTP_AEAD_AES_256_GCM) echo "32 12 AEAD_AES_256_GCM" ;;
	esac
}

# split HEX KEYLEN SALTLEN: "CLIENT SERVER" master key || salt in hex (RFC
# 5764 §4.2: client key, server key, client salt, server salt)
split_km() {
	"$PY" - "$1" "$2" "$3" <<'PY'
import sys
km, kl, sl = bytes.fromhex(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
assert len(km) == 2 * (kl + sl), len(km)
ck, sk = km[:kl], km[kl:2 * kl]
cs, ss = km[2 * kl:2 * kl + sl], km[2 * kl + sl:]
print((ck + cs).hex(), (sk + ss).hex())
PY
}
# key_id HEX: the first 4 bytes of SHA-256 over key || salt (as srtpedge shows)
key_id() { "$PY" -c 'import hashlib,sys; print(hashlib.sha256(bytes.fromhex(sys.argv[1])).hexdigest()[:8])' "$1"; }
b64() { "$PY" -c 'import base64,sys; print(base64.b64encode(bytes.fromhex(sys.argv[1])).decode())' "$1"; }

# await FILE PATTERN [SECONDS]
await() {
	local i
	for ((i = 0; i < ${3:-10} * 20; i++)); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# OpenSSL's stdin: a FIFO we hold open, so that s_client and s_server never
# see EOF and quit on their own; we stop them by PID.
mkfifo "$work/stdin"
exec 3<>"$work/stdin"

# s_client_start OUT PORT ARGS...: s_client in the outside namespace toward
# srtpedge's outside address; sets ossl_pid
s_client_start() {
	local out=$1 port=$2
	shift 2
	ip netns exec "$NS_OUT" timeout 30 "$OSSL" s_client -dtls1_2 -mtu 1200 \
		-connect "$OUT4.1:$port" -cert "$work/peer.pem" -key "$work/peer.key" "$@" \
		<"$work/stdin" >"$out" 2>&1 &
	ossl_pid=$!
	bg_add "$ossl_pid"
}

# check_inside_to_outside NAME PORT SUITE HEXKEY N SSRC: N plain RTP from the
# media server to inside port PORT leave srtpedge protected with HEXKEY
check_inside_to_outside() {
	local name=$1 port=$2 suite=$3 hk=$4 n=$5 ssrc=$6 cap="$work/cap.$2.pcap" rc=0
	if ! capture_start "$NS_OUT" ep0 "$cap"; then bad "$name: capture"; return; fi
	server_rtp "$n" 100 "$port" "$ssrc"
	sleep 0.5
	capture_stop "$cap_pid" "$cap" || true
	"$SRTP_PCAP" decrypt --in "$cap" --out "$cap.plain" --suite "$suite" --key "$(b64 "$hk")" \
		--drop-other >"$work/decrypt.out" 2>&1 || rc=$?
	local got
	got=$(in_out tcpdump -n -r "$cap.plain" 2>/dev/null | grep -c "$OUT4.1" || true)
	if [ "$rc" -eq 0 ] && [ "$got" -eq "$n" ]; then
		ok "$name: $n RTP from the inside left protected with the expected key ($got unprotected by libsrtp)"
	else
		bad "$name: srtp-pcap decrypt exit $rc, $got of $n unprotected"
		sed 's/^/    | /' "$work/decrypt.out" | tail -5
	fi
}

# check_outside_to_inside NAME PORT SUITE HEXKEY N SSRC BIND: N SRTP packets
# protected with HEXKEY from BIND reach the media server as plain RTP
check_outside_to_inside() {
	local name=$1 port=$2 suite=$3 hk=$4 n=$5 ssrc=$6 bind=$7 before
	receiver_counts
	before=${R[total]:-0}
	printf '%s %s %s %s\n' "$port" "$suite" "$hk" "$ssrc" >"$work/plan.txt"
	if ! in_out timeout 20 "$SRTP_LOAD" --plan "$work/plan.txt" --bind "$bind" --to "$OUT4.1" \
		--rounds "$n" --pps 500 >"$work/load.out" 2>&1; then
		bad "$name: srtp-load failed"
		sed 's/^/    | /' "$work/load.out" | tail -5
		return
	fi
	sleep 0.5
	receiver_counts
	check_eq "$name: SRTP from the outside arrived inside, every packet" \
		"$(( ${R[total]:-0} - before ))" "$n"
	check_eq "$name: payloads intact" "${R[bad]:-x}" 0
}

# ---- srtpedge, srtpedge-control -----------------------------------------------

log "srtpedge (max_sessions 16), srtpedge-control attached"
cfg="$work/srtpedge.ini"
{
	echo "[dataplane]"
	echo "workers = 1"
	echo "max_sessions = 16"
	echo "stats_interval = 0"
	port_section outside
	port_section inside
} >"$cfg"
topo_up v4
if ! se_start "$cfg"; then bad "srtpedge starts"; it_summary; exit 1; fi
"$OSSL" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$work/peer.key" -out "$work/peer.pem" -days 30 -subj /CN=peer >/dev/null 2>&1
"$OSSL" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$work/other.key" -out "$work/other.pem" -days 30 -subj /CN=other >/dev/null 2>&1
"$OSSL" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$work/ours.key" -out "$work/ours.pem" -days 30 -subj /CN=srtpedge >/dev/null 2>&1
PEER_FP=$(fp_file "$work/peer.pem")
OTHER_FP=$(fp_file "$work/other.pem")
OUR_FP=$(fp_file "$work/ours.pem")

expect "srtpedge-control --help names the DTLS options" 0 "dtls-profiles" -- "$CTLD" --help
expect "--dtls-cert without --dtls-key" 2 "go together" -- "$CTLD" --file-prefix "$se_prefix" \
	--socket "$work/x.sock" --state-dir "$STATE" --dtls-cert "$work/ours.pem"
expect "--dtls-mtu out of range" 2 "256" -- "$CTLD" --dtls-mtu 100
expect "a certificate that is not one" 2 "DTLS" -- "$CTLD" --file-prefix "$se_prefix" \
	--socket "$work/x.sock" --state-dir "$STATE" --dtls-cert "$work/stdin.none" \
	--dtls-key "$work/ours.key"
if ! ctl_start 1 --dtls-cert "$work/ours.pem" --dtls-key "$work/ours.key"; then
	bad "srtpedge-control starts"; it_summary; exit 1
fi
ok "srtpedge-control attached with our certificate"
expect "srtpctl status: our fingerprint" 0 "dtls_fingerprint +$OUR_FP" -- ctl status

ip netns exec "$NS_IN" "$PY" "$SRE_IT" sink --bind "$IN4.10" --port 50000 --pattern \
	--out "$work/sink.txt" --ready "$work/sink.ready" &
sink=$!
bg_add "$sink"
wait_file "$work/sink.ready" || bad "receiver ready"
check_cmd "outside pings srtpedge" ping_retry "$NS_OUT" "$OUT4.1"
check_cmd "inside pings srtpedge" ping_retry "$NS_IN" "$IN4.1"

log "refusals"
expect "--outside-dtls without a fingerprint" 1 "invalid: outside.dtls.fingerprint: missing" -- \
	ctl session create --outside-local "$OUT4.1:20990" --outside-remote latch \
	--outside-dtls passive --inside-local "$IN4.1:30990" --inside-remote "$IN4.10:50000"
expect "a fingerprint that is not one" 1 "invalid: outside.dtls.fingerprint" -- \
	ctl session create --outside-local "$OUT4.1:20990" --outside-remote latch \
	--outside-dtls passive --outside-fingerprint "md5 AB:CD" \
	--inside-local "$IN4.1:30990" --inside-remote "$IN4.10:50000"
expect "setup holdconn" 1 "invalid: outside.dtls.setup" -- \
	ctl session create --outside-local "$OUT4.1:20990" --outside-remote latch \
	--outside-dtls holdconn --outside-fingerprint "$PEER_FP" \
	--inside-local "$IN4.1:30990" --inside-remote "$IN4.10:50000"
expect "actpass without the answer's setup" 1 "invalid: outside.dtls.peer_setup: missing" -- \
	ctl session create --outside-local "$OUT4.1:20990" --outside-remote latch \
	--outside-dtls actpass --outside-fingerprint "$PEER_FP" \
	--inside-local "$IN4.1:30990" --inside-remote "$IN4.10:50000"
expect "DTLS and a=crypto lines together" 1 "invalid: outside.dtls: either" -- \
	ctl session create --outside-local "$OUT4.1:20990" --outside-remote latch \
	--outside-dtls passive --outside-fingerprint "$PEER_FP" \
	--outside-rx-crypto "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$(head -c 30 /dev/urandom | base64 -w0)" \
	--outside-tx-crypto "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$(head -c 30 /dev/urandom | base64 -w0)" \
	--inside-local "$IN4.1:30990" --inside-remote "$IN4.10:50000"

# ---- control as the DTLS server: s_client, every profile ------------------------

i=0
for P in SRTP_AES128_CM_SHA1_80 SRTP_AES128_CM_SHA1_32 SRTP_AEAD_AES_128_GCM SRTP_AEAD_AES_256_GCM; do
	read -r KL SL SUITE <<<"$(profile_info "$P")"
	id=$((10 + i)) port=$((21000 + 2 * i)) iport=$((31000 + 2 * i))
	i=$((i + 1))
	log "session $id passive (control is the DTLS server), s_client offers $P"
	expect "create session $id, DTLS passive" 0 "our fingerprint $OUR_FP" -- \
		ctl session create --id "$id" --name "dtls-$P" \
		--outside-local "$OUT4.1:$port" --outside-remote latch \
		--outside-dtls passive --outside-fingerprint "$PEER_FP" \
		--inside-local "$IN4.1:$iport" --inside-remote "$IN4.10:50000"
	check_eq "session $id: pending before the handshake" \
		"$(show_field "$id" "j['state'], j['outside']['keys_pending'], j['outside']['dtls']['state']")" \
		"dtls pending True handshake"
	so="$work/s_client.$id"
	s_client_start "$so" "$port" -use_srtp "$P" -keymatexport EXTRACTOR-dtls_srtp \
		-keymatexportlen $((2 * (KL + SL)))
	if await "$so" '^ *Keying material: ' 15; then
		ok "s_client $P: handshake done"
	else
		bad "s_client $P: no keying material"
		sed 's/^/    | /' "$so" | tail -10
	fi
	check_eq "s_client $P: the profile negotiated" \
		"$(sed -n 's/^SRTP Extension negotiated, profile=//p' "$so" | head -1)" "$P"
	KM=$(sed -n 's/^ *Keying material: //p' "$so" | head -1)
	read -r CH SH <<<"$(split_km "${KM:-00}" "$KL" "$SL" 2>/dev/null || echo "- -")"
	v=$(wait_show "$id" "j['state']" live 10) || true
	check_eq "session $id: live once the handshake is done" "$v" live
	ctl --json session show "$id" >"$work/show.$id.json"
	check_eq "session $id: dtls state, role, profile, fingerprint checked" \
		"$(jget "$work/show.$id.json" "*[j['session']['outside']['dtls'][k] for k in ('state', 'role', 'profile', 'fingerprint_ok')]")" \
		"established server $P True"
	check_eq "session $id: suites ($SUITE both ways), keys no longer pending" \
		"$(jget "$work/show.$id.json" "j['session']['outside']['rx']['suite'], j['session']['outside']['tx']['suite'], j['session']['outside']['keys_pending']")" \
		"$SUITE $SUITE False"
	check_eq "session $id: inbound key = s_client's client_write key||salt" \
		"$(jget "$work/show.$id.json" "j['session']['outside']['rx']['key_ids'][0]")" "$(key_id "$CH")"
	check_eq "session $id: outbound key = the server_write key||salt" \
		"$(jget "$work/show.$id.json" "j['session']['outside']['tx']['key_ids'][0]")" "$(key_id "$SH")"
	check_eq "session $id: the peer is s_client's address" \
		"$(jget "$work/show.$id.json" "j['session']['outside']['dtls']['peer'].split(':')[0]")" "$OUT4.10"
	check_inside_to_outside "session $id ($P)" "$iport" "$SUITE" "$SH" 20 $((5000 + id))
	stop_pid "$ossl_pid" TERM
	check_outside_to_inside "session $id ($P)" "$port" "$SUITE" "$CH" 20 $((7000 + id)) "$OUT4.10:40000"
	expect "srtpctl session show $id: dtls lines" 0 "dtls server \(setup passive\)  state established  profile $P  peer fingerprint ok" -- \
		ctl session show "$id"
done
sed 's/^/    | /' "$work/out"

# ---- control as the DTLS client: s_server, every profile -------------------------

k=0
for P in SRTP_AES128_CM_SHA1_80 SRTP_AES128_CM_SHA1_32 SRTP_AEAD_AES_128_GCM SRTP_AEAD_AES_256_GCM; do
	read -r KL SL SUITE <<<"$(profile_info "$P")"
	id=$((20 + k)) port=$((21100 + k)) iport=$((31100 + k)) sport=$((4433 + k))
	k=$((k + 1))
	log "session $id active (control is the DTLS client), s_server at $OUT4.10:$sport with $P"
	ss_out="$work/s_server.$id.out"
	ip netns exec "$NS_OUT" timeout 30 "$OSSL" s_server -dtls1_2 -mtu 1200 -4 -accept "$sport" -naccept 1 \
		-cert "$work/peer.pem" -key "$work/peer.key" -use_srtp "$P" \
		-keymatexport EXTRACTOR-dtls_srtp -keymatexportlen $((2 * (KL + SL))) \
		<"$work/stdin" >"$ss_out" 2>&1 &
	ss_pid=$!
	bg_add "$ss_pid"
	await "$ss_out" '^ACCEPT' 10 || bad "s_server listens"
	expect "create session $id, DTLS active toward s_server ($P)" 0 "setup active \(client\)" -- \
		ctl session create --id "$id" --name "dtls-active-$P" \
		--outside-local "$OUT4.1:$port" --outside-remote "$OUT4.10:$sport" \
		--outside-dtls active --outside-fingerprint "$PEER_FP" \
		--inside-local "$IN4.1:$iport" --inside-remote "$IN4.10:50000"
	if await "$ss_out" '^ *Keying material: ' 15; then ok "s_server ($P): handshake done"; else
		bad "s_server ($P): no keying material"; sed 's/^/    | /' "$ss_out" | tail -10; fi
	KM=$(sed -n 's/^ *Keying material: //p' "$ss_out" | head -1)
	read -r CH SH <<<"$(split_km "${KM:-00}" "$KL" "$SL" 2>/dev/null || echo "- -")"
	v=$(wait_show "$id" "j['state']" live 10) || true
	check_eq "session $id: live" "$v" live
	ctl --json session show "$id" >"$work/show.$id.json"
	check_eq "session $id: dtls state, role, profile, fingerprint checked" \
		"$(jget "$work/show.$id.json" "*[j['session']['outside']['dtls'][k] for k in ('state', 'role', 'profile', 'fingerprint_ok')]")" \
		"established client $P True"
	check_eq "session $id: inbound key = the server_write half" \
		"$(jget "$work/show.$id.json" "j['session']['outside']['rx']['key_ids'][0]")" "$(key_id "$SH")"
	check_eq "session $id: outbound key = the client_write half" \
		"$(jget "$work/show.$id.json" "j['session']['outside']['tx']['key_ids'][0]")" "$(key_id "$CH")"
	check_inside_to_outside "session $id (active, $P)" "$iport" "$SUITE" "$CH" 20 $((5000 + id))
	stop_pid "$ss_pid" TERM
	check_outside_to_inside "session $id (active, $P)" "$port" "$SUITE" "$SH" 20 $((7000 + id)) "$OUT4.10:$sport"
done

# ---- failures ---------------------------------------------------------------------

log "a wrong fingerprint: s_client's certificate is not the signalled one"
expect "create session 30, passive, another fingerprint" 0 "created" -- \
	ctl session create --id 30 --outside-local "$OUT4.1:21200" --outside-remote latch \
	--outside-dtls passive --outside-fingerprint "$OTHER_FP" \
	--inside-local "$IN4.1:31200" --inside-remote "$IN4.10:50000"
s_client_start "$work/s_client.30" 21200 -use_srtp SRTP_AES128_CM_SHA1_80
v=$(wait_show 30 "j['outside']['dtls']['state']" failed 10) || true
check_eq "session 30: dtls failed" "$v" failed
stop_pid "$ossl_pid" TERM
check_eq "session 30: fingerprint mismatch, still pending" \
	"$(show_field 30 "j['state'].startswith('dtls failed: '), j['outside']['dtls']['error'], j['outside']['dtls']['fingerprint_ok'], j['outside']['keys_pending']")" \
	"True fingerprint_mismatch False True"
expect "srtpctl session show 30: the failure" 0 "peer fingerprint MISMATCH" -- ctl session show 30
grep -E "state|failure" "$work/out" | sed 's/^/    | /'

log "srtpedge-control restarted: --dtls-profiles SRTP_AES128_CM_SHA1_80, --dtls-timeout 3000"
stop_pid "$ctl_pid" TERM
if ! ctl_start 2 --dtls-profiles SRTP_AES128_CM_SHA1_80 --dtls-timeout 3000; then
	bad "srtpedge-control restarts"; it_summary; exit 1
fi
check_ne_fp=$(ctl --json status | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["control"]["dtls_fingerprint"])')
[ "$check_ne_fp" != "$OUR_FP" ] && ok "a generated certificate (a new fingerprint)" || bad "fingerprint not new"
check_eq "session 10 after the restart: still live (keys in the dataplane), no association" \
	"$(show_field 10 "j['state'], j['outside']['dtls']")" "live None"
check_outside_to_inside "session 10 after the restart" 21000 AES_CM_128_HMAC_SHA1_80 \
	"$(split_km "$(sed -n 's/^ *Keying material: //p' "$work/s_client.10" | head -1)" 16 14 | cut -d' ' -f1)" \
	20 7100 "$OUT4.10:40000"

log "no SRTP profile in common"
expect "create session 31, passive" 0 "created" -- \
	ctl session create --id 31 --outside-local "$OUT4.1:21202" --outside-remote latch \
	--outside-dtls passive --outside-fingerprint "$PEER_FP" \
	--inside-local "$IN4.1:31202" --inside-remote "$IN4.10:50000"
s_client_start "$work/s_client.31" 21202 -use_srtp SRTP_AEAD_AES_256_GCM
v=$(wait_show 31 "j['outside']['dtls']['state']" failed 10) || true
check_eq "session 31: dtls failed" "$v" failed
stop_pid "$ossl_pid" TERM
check_eq "session 31: no SRTP profile, still pending" \
	"$(show_field 31 "j['outside']['dtls']['error'], j['outside']['keys_pending']")" \
	"no_srtp_profile True"

log "a handshake that never finishes: nobody answers the ClientHello"
expect "create session 32, active toward a silent port" 0 "created" -- \
	ctl session create --id 32 --outside-local "$OUT4.1:21204" --outside-remote "$OUT4.10:4999" \
	--outside-dtls active --outside-fingerprint "$PEER_FP" \
	--inside-local "$IN4.1:31204" --inside-remote "$IN4.10:50000"
v=$(wait_show 32 "j['outside']['dtls']['state']" failed 8) || true
check_eq "session 32: dtls failed after the timeout" "$v" failed
check_eq "session 32: handshake timeout, ClientHello retransmitted, still pending" \
	"$(show_field 32 "j['outside']['dtls']['error'], j['outside']['dtls']['retransmits'] >= 1, j['outside']['keys_pending']")" \
	"handshake_timeout True True"
expect "srtpctl session show 32" 0 "dtls failed: " -- ctl session show 32
grep -E "state|failure" "$work/out" | sed 's/^/    | /'
ctl --json stats >"$work/stats.json"
check_eq "counters: failures by reason (this control process)" \
	"$(jget "$work/stats.json" "*[j['control'][k] for k in ('dtls_failed', 'dtls_failed_no_srtp_profile', 'dtls_failed_handshake_timeout')]")" \
	"2 1 1"
expect "srtpctl stats: the DTLS counters" 0 "dtls_failed" -- ctl stats

log "a client on a latching leg waits for its peer's address: an ICE check gives it"
PWD33=$(head -c 18 /dev/urandom | base64 -w0 | tr -d '=' | tr -- '-_' '+/')
expect "create session 33, active, latch, ICE" 0 "setup active \(client\)" -- \
	ctl session create --id 33 --outside-local "$OUT4.1:21206" --outside-remote latch \
	--outside-dtls active --outside-fingerprint "$PEER_FP" --ice-ufrag dtlsU33 --ice-pwd "$PWD33" \
	--inside-local "$IN4.1:31206" --inside-remote "$IN4.10:50000"
check_eq "session 33: waiting, nothing sent" \
	"$(show_field 33 "j['outside']['dtls']['state'], j['outside']['dtls']['datagrams_out']")" \
	"waiting for the peer's address 0"
expect "an ICE check on session 33: 200" 0 "success $OUT4.10:40033" -- \
	in_out "$PY" "$HERE/stun_client.py" --bind "$OUT4.10:40033" --to "$OUT4.1:21206" \
	--ufrag dtlsU33 --pwd "$PWD33"
sleep 0.2
check_eq "session 33: the ClientHello went to the check's source" \
	"$(show_field 33 "j['outside']['dtls']['state'], j['outside']['dtls']['peer'], j['outside']['dtls']['datagrams_out'] >= 1")" \
	"handshake $OUT4.10:40033 True"
K33=$(head -c 30 /dev/urandom | base64 -w0)
expect "rekey of the outside leg while its handshake runs: busy" 1 "busy: outside: .*DTLS-SRTP handshake" -- \
	ctl session rekey 33 --outside-rx-crypto "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$K33" \
	--outside-tx-crypto "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$K33"

# ---- the end ----------------------------------------------------------------------

for id in 10 11 12 13 20 21 22 23 30 31 32 33; do
	ctl session delete "$id" >/dev/null || bad "delete $id"
done
expect "every session deleted" 0 "0 sessions live" -- ctl session list
stop_pid "$ctl_pid" TERM
grep -q "stopping (signal)" "$work/control.2.log" && ok "srtpedge-control stops on SIGTERM" ||
	bad "srtpedge-control stop"
stop_pid "$sink" TERM
if se_stop; then ok "srtpedge stops cleanly"; else bad "srtpedge exit status"; fi
se_print_final
# (ASan builds: a sanitizer report in control's logs)
check_eq "no sanitizer report from srtpedge-control" \
	"$(cat "$work"/control.*.log | grep -c -E 'ERROR: [A-Za-z]+Sanitizer|runtime error' || true)" 0
check_eq "no hugepage files of this test left" "$(ls /dev/hugepages | grep -c "^$se_prefix" || true)" 0
echo "time: $((SECONDS - t_start)) s"
it_summary
