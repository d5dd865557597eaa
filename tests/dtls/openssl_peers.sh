#!/usr/bin/env bash
# control/dtls against OpenSSL's own DTLS-SRTP peers over loopback UDP:
# `openssl s_client` to the engine as server and `openssl s_server` to the
# engine as client (through dtls-peer), for every profile. The keying
# material each side exports must be the same bytes, the negotiated profile
# the same, and the certificate each saw must have the fingerprint the other
# announced. Then the failures: wrong fingerprint, no common profile, no
# client certificate, a server without use_srtp.
set -u

usage() {
	cat <<'TXT'
usage: openssl_peers.sh [--keep] PATH/TO/dtls-peer [PATH/TO/openssl]

Prints "N passed, N failed" and exits non-zero on any failure (77: no
openssl program, skipped). Starts only its own processes, each under
timeout(1), and stops them by PID.

  --keep     keep the work directory (its path is printed)
TXT
}

keep=0 peer='' ossl=''
while [ $# -gt 0 ]; do
	case "$1" in
	--keep) keep=1 ;;
	-h|--help) usage; exit 0 ;;
	-*) echo "openssl_peers.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
	*) if [ -z "$peer" ]; then peer=$1; else ossl=$1; fi ;;
	esac
	shift
done
if [ -z "$peer" ] || [ ! -x "$peer" ]; then
	echo "openssl_peers.sh: give the dtls-peer program" >&2
	usage >&2
	exit 2
fi
ossl=${ossl:-$(command -v openssl || true)}
if [ -z "$ossl" ]; then
	echo "openssl_peers.sh: no openssl program: skipped"
	exit 77
fi

# shellcheck source-path=SCRIPTDIR source=../common/check.sh
. "$(dirname "$0")/../common/check.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/dtls-peers.XXXXXX")
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	exec 3>&- 2>/dev/null
	if [ "$keep" -eq 1 ]; then echo "work directory: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# An OpenSSL process's stdin: a FIFO we hold open, so that s_client and
# s_server never see EOF (and quit) on their own. They leave when the engine
# sends close_notify or an alert.
mkfifo "$work/stdin"
exec 3<>"$work/stdin"

"$ossl" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$work/client.key" -out "$work/client.pem" -days 30 -subj /CN=client \
	>/dev/null 2>&1
"$ossl" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$work/server.key" -out "$work/server.pem" -days 30 -subj /CN=server \
	>/dev/null 2>&1
fp_file() { # "sha-256 AB:CD:..." of a PEM certificate (the first in a file)
	local f
	f=$("$ossl" x509 -noout -fingerprint -sha256 -in "$1" 2>/dev/null) || return 1
	echo "sha-256 ${f#*=}"
}
fp_pem_in() { # the same for the first certificate printed in an output
	sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' "$1" \
		>"$1.crt"
	fp_file "$1.crt"
}
client_fp=$(fp_file "$work/client.pem")
server_fp=$(fp_file "$work/server.pem")
wrong_fp="sha-256 $(printf '00:%.0s' $(seq 31))00"

# Waits up to $2 tenths of a second for process $1, then kills it; reaps it.
reap() {
	local i
	for ((i = 0; i < $2; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# Waits for a line matching $2 in file $1 (up to 5 s).
await() {
	local i
	for ((i = 0; i < 50; i++)); do
		grep -Eq "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

show() { sed 's/^/    | /' "$1" | tail -"${2:-15}"; }

n=0
dargs=() oargs=()
# split_args ARGS...: the words before "--" go to dargs (dtls-peer), the
# rest to oargs (openssl).
split_args() {
	dargs=() oargs=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do dargs+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	oargs=("$@")
}

# engine_server NAME DTLS-PEER-ARGS... -- S_CLIENT-ARGS...: dtls-peer as the
# server, s_client connecting to it. Leaves $d (the driver's output), $s
# (s_client's) and $drc (the driver's exit status).
engine_server() {
	local name=$1 dpid spid port
	shift
	split_args "$@"
	n=$((n + 1))
	d="$work/$n.driver" s="$work/$n.openssl"
	timeout 20 "$peer" --role server --timeout-ms 8000 "${dargs[@]}" >"$d" 2>&1 &
	dpid=$!
	pids+=("$dpid")
	if ! await "$d" '^port [0-9]+$'; then
		echo "    $name: dtls-peer printed no port"
		show "$d"
		reap "$dpid" 0
		drc=99
		return
	fi
	port=$(sed -n 's/^port //p' "$d")
	timeout 20 "$ossl" s_client -dtls1_2 -connect "127.0.0.1:$port" "${oargs[@]}" \
		<"$work/stdin" >"$s" 2>&1 &
	spid=$!
	pids+=("$spid")
	wait "$dpid"
	drc=$?
	reap "$spid" 50
}

# engine_client NAME DTLS-PEER-ARGS... -- S_SERVER-ARGS...: s_server
# listening, dtls-peer as the client.
engine_client() {
	local name=$1 dpid spid port
	shift
	split_args "$@"
	n=$((n + 1))
	d="$work/$n.driver" s="$work/$n.openssl"
	timeout 20 "$ossl" s_server -dtls1_2 -accept 127.0.0.1:0 -naccept 1 \
		-cert "$work/server.pem" -key "$work/server.key" "${oargs[@]}" \
		<"$work/stdin" >"$s" 2>&1 &
	spid=$!
	pids+=("$spid")
	if ! await "$s" '^ACCEPT '; then
		echo "    $name: s_server printed no ACCEPT"
		show "$s"
		reap "$spid" 0
		drc=99
		return
	fi
	port=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' "$s")
	timeout 20 "$peer" --role client --connect "127.0.0.1:$port" \
		--timeout-ms 8000 "${dargs[@]}" >"$d" 2>&1 &
	dpid=$!
	pids+=("$dpid")
	wait "$dpid"
	drc=$?
	reap "$spid" 50
}

# The checks after a handshake that must succeed: same keying material,
# same profile, and each certificate seen is the one announced.
same_keys() {
	local name=$1 ours theirs
	ours=$(sed -n 's/^keymat //p' "$d")
	theirs=$(sed -n 's/^ *Keying material: //p' "$s")
	if [ "$drc" -eq 0 ] && [ -n "$ours" ] && [ "${ours^^}" = "${theirs^^}" ]; then
		return 0
	fi
	echo "    $name: dtls-peer exit $drc, keymat '$ours' vs openssl '$theirs'"
	show "$d" 8
	show "$s"
	return 1
}
same_profile() {
	grep -qx "profile $1" "$d" &&
		grep -q "SRTP Extension negotiated, profile=$1\$" "$s"
}
their_cert_is_ours() { # the engine's certificate as OpenSSL printed it
	local seen
	seen=$(fp_pem_in "$s") || return 1
	[ "$seen" = "$(sed -n 's/^fingerprint //p' "$d")" ]
}
failed_with() { # dtls-peer failed with the named error
	if [ "$drc" -eq 1 ] && grep -q "^error $1:" "$d"; then
		return 0
	fi
	echo "    dtls-peer exit $drc, want error $1"
	show "$d" 5
	return 1
}

profiles=(SRTP_AES128_CM_SHA1_80 SRTP_AES128_CM_SHA1_32 SRTP_AEAD_AES_128_GCM SRTP_AEAD_AES_256_GCM)
lens=(60 60 56 88)
ckey=(-cert "$work/client.pem" -key "$work/client.key")
export_args() { echo "-keymatexport EXTRACTOR-dtls_srtp -keymatexportlen $1"; }

# ---- s_client -> engine (server role) -----------------------------------
for i in "${!profiles[@]}"; do
	p=${profiles[$i]}
	# shellcheck disable=SC2046 # export_args splits on purpose
	engine_server "s_client $p" --remote-fp "$client_fp" -- \
		-mtu 1200 "${ckey[@]}" -use_srtp "$p" $(export_args "${lens[$i]}")
	check "s_client $p: keying material" same_keys "s_client $p"
	check "s_client $p: profile" same_profile "$p"
	check "s_client $p: our certificate's fingerprint" their_cert_is_ours
	# CH, CH with cookie, the client's flight
	check "s_client $p: HelloVerifyRequest made it take 3" \
		grep -q '^stats in 3 .* dropped 0$' "$d"
done

# several offered: ours is the order that counts (AEAD_AES_128_GCM first)
# shellcheck disable=SC2046
engine_server "s_client offers 3" --remote-fp "$client_fp" -- -mtu 1200 "${ckey[@]}" \
	-use_srtp SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_256_GCM:SRTP_AEAD_AES_128_GCM \
	$(export_args 56)
check "s_client offering 3: our preference" same_profile SRTP_AEAD_AES_128_GCM
check "s_client offering 3: keying material" same_keys "s_client offering 3"

# no -mtu: s_client fragments its flights to 256-byte datagrams
# shellcheck disable=SC2046
engine_server "s_client fragments" --remote-fp "$client_fp" -- "${ckey[@]}" \
	-use_srtp SRTP_AES128_CM_SHA1_80 $(export_args 60)
check "s_client fragmenting at 256: keying material" same_keys "s_client fragments"

# and the engine fragments at its smallest MTU (s_client reassembles)
# shellcheck disable=SC2046
engine_server "engine fragments" --remote-fp "$client_fp" --mtu 256 -- -mtu 1200 \
	"${ckey[@]}" -use_srtp SRTP_AEAD_AES_256_GCM $(export_args 88)
check "engine fragmenting at 256: keying material" same_keys "engine fragments"

# ---- engine (client role) -> s_server -----------------------------------
for i in "${!profiles[@]}"; do
	p=${profiles[$i]}
	# -verify: s_server asks for (and prints) our certificate
	# shellcheck disable=SC2046
	engine_client "s_server $p" --remote-fp "$server_fp" -- -mtu 1200 -verify 1 \
		-use_srtp "$p" $(export_args "${lens[$i]}")
	check "s_server $p: keying material" same_keys "s_server $p"
	check "s_server $p: profile" same_profile "$p"
	check "s_server $p: our certificate's fingerprint" their_cert_is_ours
done

# ---- failures --------------------------------------------------------------
# shellcheck disable=SC2046
engine_server "wrong client fingerprint" --remote-fp "$wrong_fp" -- -mtu 1200 \
	"${ckey[@]}" -use_srtp SRTP_AES128_CM_SHA1_80 $(export_args 60)
check "s_client with another certificate: fingerprint_mismatch" \
	failed_with fingerprint_mismatch
check "s_client told: bad certificate" grep -q 'alert bad certificate' "$s"

engine_client "wrong server fingerprint" --remote-fp "$client_fp" -- -mtu 1200 \
	-use_srtp SRTP_AES128_CM_SHA1_80
check "s_server with another certificate: fingerprint_mismatch" \
	failed_with fingerprint_mismatch

engine_server "no common profile" --remote-fp "$client_fp" \
	--profiles SRTP_AEAD_AES_128_GCM:SRTP_AEAD_AES_256_GCM -- -mtu 1200 "${ckey[@]}" \
	-use_srtp SRTP_AES128_CM_SHA1_80:SRTP_AES128_CM_SHA1_32
check "s_client with no common profile: no_srtp_profile" failed_with no_srtp_profile
check "s_client told: handshake failure" grep -q 'alert handshake failure' "$s"

engine_server "no client certificate" --remote-fp "$client_fp" -- -mtu 1200 \
	-use_srtp SRTP_AES128_CM_SHA1_80
check "s_client without a certificate: no_peer_cert" failed_with no_peer_cert

engine_client "s_server without use_srtp" --remote-fp "$server_fp" -- -mtu 1200
check "s_server without use_srtp: no_srtp_profile" failed_with no_srtp_profile

finish
