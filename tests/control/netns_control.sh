#!/usr/bin/env bash
# End-to-end test of srtpedge-control and srtpctl: srtpedge between two
# network namespaces (tests/integration/lib.sh's topology) with no sessions
# of its own; srtpedge-control attached to it on a private socket and state
# directory; everything done through srtpctl.
#
#  - every srtpctl command and --help, its errors and exit codes (bad
#    usage 2, server errors 1 with the code, socket missing 3): bad JSON,
#    unknown fields, duplicate ids and addresses, unknown ids, bad a=crypto
#    lines, unsupported SDES parameters, DTLS without a fingerprint, an
#    address not srtpedge's,
#    the table full;
#  - SDES sessions created with srtpctl carry SRTP from the outside
#    namespace (srtp-load, libsrtp2) to plain RTP inside, every packet;
#  - ICE-lite: STUN Binding requests from a standard-library client (its
#    own HMAC and CRC) get 200 with the right XOR-MAPPED-ADDRESS and
#    integrity, 401 for a wrong password, a wrong ufrag or the wrong peer
#    ufrag; a good check with USE-CANDIDATE moves a latched leg's peer (and
#    the media toward the endpoint follows it); one on a leg without a peer
#    sets it; a bad one moves nothing; sessions without ICE credentials, and
#    DTLS on an SDES session, get no answer and are counted (DTLS-SRTP
#    sessions: netns_dtls.sh);
#  - IPv6 on a leg (ICE answered with an IPv6 XOR-MAPPED-ADDRESS);
#  - pipelined requests answered in order; a line over 1 MiB refused;
#  - rekey: new keys carry traffic, the old ones are refused, the latched
#    peer is kept;
#  - kill -9 of srtpedge-control while a stream flows: not one packet of
#    the stream lost; started again it reloads its state (ICE answered
#    again), drops what the dataplane no longer has, lists the sessions,
#    and a new create works; the state file and journal are 0600 and hold
#    no SRTP key;
#  - a STUN and DTLS flood beside a stream: the stream loses nothing and
#    every flood packet is counted (srtpedge's control_rate/control_full,
#    control's answered, rate-limited, DTLS dropped);
#  - the benchmark hook: 10,000 SDES installs through the command ring
#    while a session established from the sessions file carries a stream
#    that loses nothing; then 2,000 sessions created and deleted through
#    the API on one pipelined connection, with a kill -9 and restart in
#    between that keeps all of them (and a reconciliation against a new
#    srtpedge whose session 1 is another one).
set -euo pipefail

TEST=netns_control
usage() {
	cat <<'TXT'
usage: netns_control.sh [options] srtpedge srtpedge-control srtpctl srtp-load

Runs srtpedge between two network namespaces, attaches srtpedge-control and
drives it with srtpctl: sessions, traffic, ICE-lite checks, a kill -9 and
restart of the control process, the install benchmark.

  --bench N   sessions the install benchmark creates (default 10000; 0: none,
              and no second srtpedge)
  --api N     sessions then created through the API on one connection (2000)
TXT
	it_usage_common
}

BENCH=10000
API=2000
keep=0
args=()
source "$(dirname "$0")/../integration/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
while [ $# -gt 0 ]; do
	case "$1" in
	--keep) keep=1 ;;
	--bench) shift; BENCH=$1 ;;
	--api) shift; API=$1 ;;
	-h|--help) usage; exit 0 ;;
	-*) echo "$TEST: unknown option '$1'" >&2; exit 2 ;;
	*) args+=("$1") ;;
	esac
	shift
done
if [ "${#args[@]}" -ne 4 ]; then usage >&2; exit 2; fi
for a in "${args[@]}"; do [ -x "$a" ] || { usage >&2; exit 2; }; done
SRTPEDGE=${args[0]} CTLD=${args[1]} SRTPCTL=${args[2]} SRTP_LOAD=${args[3]}
it_need_tools ping ss
it_init
t_start=$SECONDS
STUNC="$HERE/stun_client.py"
# ASan builds: DPDK's vdev bus keeps, in a secondary process, copies of the
# primary's devices that it never frees; that is not ours to report
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$HERE/lsan.supp"
SOCK="$work/run/control.sock"
STATE="$work/state"
ctl_pid=

# ---- helpers ------------------------------------------------------------------

ctl() { "$SRTPCTL" --socket "$SOCK" "$@"; }

source "$(dirname "$0")/lib.sh"

# state_ids: the sessions the state holds (the snapshot, then its journal)
state_ids() {
	"$PY" - "$STATE/control-state.json" <<'PY'
import json, os, sys
ids = {s["session"] for s in json.load(open(sys.argv[1]))["sessions"]}
j = sys.argv[1] + ".journal"
if os.path.exists(j):
    for line in open(j):
        r = json.loads(line)
        if r["op"] == "add":
            ids.add(r["entry"]["session"])
        else:
            ids.discard(r["session"])
print(sorted(ids))
PY
}


key() { head -c "$1" /dev/urandom | base64 -w0; }

# ping_retry NS ADDR: srtpedge answers (three tries: a srtpedge just
# started, and an ASan build, may miss the first)
ping_retry() {
	local i
	for i in 1 2 3; do
		ip netns exec "$1" ping -c 2 -i 0.2 -W 2 "$2" && return 0
	done
	return 1
}

# server_rtp N SEQ0: N plain RTP packets from the media server to session
# 1's inside leg
server_rtp() {
	in_in "$PY" - "$IN4.10" "$IN4.1" "$1" "$2" <<'PY'
import socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 50000))
for i in range(int(sys.argv[3])):
    q = int(sys.argv[4]) + i
    s.sendto(struct.pack("!BBHII", 0x80, 0, q, 160 * q, 4242) + bytes(160), (sys.argv[2], 30000))
    time.sleep(0.005)
PY
}
hexkey() { "$PY" -c 'import base64,sys; print(base64.b64decode(sys.argv[1]).hex())' "$1"; }
crypto() { echo "a=crypto:1 $1 inline:$2"; }

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

# show_field ID EXPR: a field of `srtpctl --json session show ID` (j = the session)
show_field() {
	ctl --json session show "$1" >"$work/show.json" 2>/dev/null || { echo "?"; return; }
	"$PY" -c "import json,sys; j=json.load(open(sys.argv[1]))['session']; print($2)" "$work/show.json"
}

# ---- srtpedge without sessions, srtpedge-control attached ---------------------

log "srtpedge with no sessions (max_sessions 6), srtpedge-control attached"
cfg="$work/srtpedge.ini"
{
	echo "[dataplane]"
	echo "workers = 1"
	echo "max_sessions = 6"
	echo "stats_interval = 0"
	port_section outside v6
	port_section inside v6
} >"$cfg"
topo_up v6
if ! se_start "$cfg"; then bad "srtpedge starts"; it_summary; exit 1; fi
expect "srtpedge-control --help" 0 "bench-installs" -- "$CTLD" --help
expect "srtpedge-control: bad option is usage" 2 "usage" -- "$CTLD" --frob
expect "srtpedge-control: no srtpedge with that prefix" 2 "no srtpedge is running" -- \
	"$CTLD" --file-prefix "nothere-$$" --socket "$work/x.sock" --state-dir "$STATE"
if ! ctl_start 1; then bad "srtpedge-control starts"; it_summary; exit 1; fi
ok "srtpedge-control attached ($(grep -m1 'serving' "$work/control.1.log" | cut -c1-100))"
check_eq "socket mode" "$(stat -c %a "$SOCK")" 660
expect "a second srtpedge-control is refused" 2 "another srtpedge-control" -- \
	"$CTLD" --file-prefix "$se_prefix" --socket "$work/y.sock" --state-dir "$work/state2"
tel /srtpedge/stats
expect "srtpctl status" 0 "pid" -- ctl status
check_eq "srtpedge sees the control process" "$(ctl --json status | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["dataplane"]["control_pid"])')" "$ctl_pid"

log "srtpctl: --help everywhere, usage errors (exit 2), socket missing (exit 3)"
for c in "--help" "session --help" "session create --help" "session delete --help" \
	"session list --help" "session show --help" "session rekey --help" "stats --help" \
	"status --help" "request --help"; do
	# shellcheck disable=SC2086
	expect "srtpctl $c" 0 "usage" -- ctl $c
done
expect "srtpctl (no command)" 2 "usage" -- ctl
expect "srtpctl frob" 2 "unknown command" -- ctl frob
expect "srtpctl session frob" 2 "unknown" -- ctl session frob
expect "srtpctl session delete abc" 2 "not a session id" -- ctl session delete abc
expect "srtpctl session show (no id)" 2 "expected one session ID" -- ctl session show
expect "srtpctl session create --id 0" 2 "1 to 999999" -- ctl session create --id 0
expect "srtpctl session create --bogus" 2 "bad option" -- ctl session create --bogus
expect "srtpctl stats --worker 0 --session 1" 2 "not both" -- ctl stats --worker 0 --session 1
expect "srtpctl request (two lines)" 2 "one line" -- ctl request $'{}\n{}'
expect "srtpctl: socket missing" 3 "cannot reach" -- "$SRTPCTL" --socket "$work/none.sock" status
expect "srtpctl: socket missing (session list)" 3 "cannot reach" -- \
	"$SRTPCTL" --socket "$work/none.sock" session list

# ---- sessions -----------------------------------------------------------------

SUITE=AES_CM_128_HMAC_SHA1_80
K1=$(key 30) K1T=$(key 30) K2=$(key 46) K2T=$(key 46) K3=$(key 28) K3T=$(key 28)
PWD1=$(head -c 18 /dev/urandom | base64 -w0 | tr -d '=' | tr -- '-_' '+/')
PWD3=$(head -c 18 /dev/urandom | base64 -w0 | tr -d '=')
log "sessions: 1 (latch, ICE), an allocated id (fixed peer, AES-256, no ICE), 3 (IPv6 outside, GCM, latch, ICE with the peer's ufrag)"
expect "create session 1" 0 "session 1 created: alice" -- ctl session create --id 1 --name alice \
	--outside-local "$OUT4.1:20000" --outside-remote latch \
	--outside-rx-crypto "$(crypto $SUITE "$K1")" --outside-tx-crypto "$(crypto $SUITE "$K1T")" \
	--ice-ufrag srtpedgeU1 --ice-pwd "$PWD1" \
	--inside-local "$IN4.1:30000" --inside-remote "$IN4.10:50000"
echo "$PWD1" >"$work/pwd1"
expect "create with an allocated id (the password from @FILE is not needed: no ICE)" 0 \
	"session [0-9]+ created" -- ctl session create --name bob \
	--outside-local "$OUT4.1:20002" --outside-remote "$OUT4.10:40000" \
	--outside-rx-crypto "$(crypto AES_256_CM_HMAC_SHA1_80 "$K2")" \
	--outside-tx-crypto "$(crypto AES_256_CM_HMAC_SHA1_80 "$K2T")" \
	--inside-local "$IN4.1:30002" --inside-remote "$IN4.10:50000"
S2=$(grep -Eo 'session [0-9]+' "$work/out" | cut -d' ' -f2)
check_eq "the allocated id is the first free one" "$S2" 2
crypto AEAD_AES_128_GCM "$K3" >"$work/k3"
expect "create session 3 (rx key from @FILE)" 0 "session 3 created" -- ctl session create --id 3 --name carol \
	--outside-local "[$OUT6:1]:20004" --outside-remote latch \
	--outside-rx-crypto "@$work/k3" --outside-tx-crypto "$(crypto AEAD_AES_128_GCM "$K3T")" \
	--ice-ufrag ufrag3 --ice-pwd "$PWD3" --ice-remote-ufrag peerfrag \
	--inside-local "$IN4.1:30004" --inside-remote "$IN4.10:50000"

log "refusals, each with its code and field"
good_out=(--outside-rx-crypto "$(crypto $SUITE "$K1")" --outside-tx-crypto "$(crypto $SUITE "$K1T")")
expect "duplicate id" 1 "exists: session 1" -- ctl session create --id 1 \
	--outside-local "$OUT4.1:20010" --outside-remote latch "${good_out[@]}" \
	--inside-local "$IN4.1:30010" --inside-remote "$IN4.10:50000"
expect "duplicate local address" 1 "exists: .*outside address and port" -- ctl session create --id 10 \
	--outside-local "$OUT4.1:20000" --outside-remote latch "${good_out[@]}" \
	--inside-local "$IN4.1:30010" --inside-remote "$IN4.10:50000"
expect "duplicate local address, id allocated" 1 "exists: .*address and port" -- ctl session create \
	--outside-local "$OUT4.1:20010" --outside-remote latch "${good_out[@]}" \
	--inside-local "$IN4.1:30000" --inside-remote "$IN4.10:50000"
expect "bad a=crypto (key too short)" 1 "invalid: outside.sdes.rx: " -- ctl session create --id 10 \
	--outside-local "$OUT4.1:20010" --outside-remote latch \
	--outside-rx-crypto "$(crypto $SUITE "$(key 20)")" --outside-tx-crypto "$(crypto $SUITE "$K1T")" \
	--inside-local "$IN4.1:30010" --inside-remote "$IN4.10:50000"
expect "bad a=crypto (unknown suite)" 1 "invalid: outside.sdes.tx: " -- ctl session create --id 10 \
	--outside-local "$OUT4.1:20010" --outside-remote latch \
	--outside-rx-crypto "$(crypto $SUITE "$K1")" --outside-tx-crypto "$(crypto F8_128_HMAC_SHA1_80 "$K1T")" \
	--inside-local "$IN4.1:30010" --inside-remote "$IN4.10:50000"
expect "KDR=1" 1 "unsupported: outside.sdes.rx: KDR=1" -- ctl session create --id 10 \
	--outside-local "$OUT4.1:20010" --outside-remote latch \
	--outside-rx-crypto "$(crypto $SUITE "$K1") KDR=1" --outside-tx-crypto "$(crypto $SUITE "$K1T")" \
	--inside-local "$IN4.1:30010" --inside-remote "$IN4.10:50000"
expect "UNENCRYPTED_SRTP" 1 "unsupported: outside.sdes.tx: UNENCRYPTED_SRTP" -- ctl session create \
	--outside-local "$OUT4.1:20010" --outside-remote latch \
	--outside-rx-crypto "$(crypto $SUITE "$K1")" --outside-tx-crypto "$(crypto $SUITE "$K1T") UNENCRYPTED_SRTP" \
	--inside-local "$IN4.1:30010" --inside-remote "$IN4.10:50000"
expect "DTLS-SRTP without the peer's fingerprint" 1 "invalid: outside.dtls.fingerprint: missing" -- \
	ctl session create --outside-local "$OUT4.1:20010" --outside-remote latch \
	--outside-dtls active --inside-local "$IN4.1:30010" --inside-remote "$IN4.10:50000"
expect "outside without keys" 1 "invalid: outside.sdes: missing" -- ctl session create \
	--outside-local "$OUT4.1:20010" --outside-remote latch \
	--inside-local "$IN4.1:30010" --inside-remote "$IN4.10:50000"
expect "not an address of the outside port" 1 "invalid: .*outside.local" -- ctl session create \
	--outside-local "$OUT4.99:20010" --outside-remote latch "${good_out[@]}" \
	--inside-local "$IN4.1:30010" --inside-remote "$IN4.10:50000"
expect "bad address" 1 "invalid: inside.remote: '203.0.113.10'" -- ctl session create \
	--outside-local "$OUT4.1:20010" --outside-remote latch "${good_out[@]}" \
	--inside-local "$IN4.1:30010" --inside-remote "$IN4.10"
expect "latch on a plain leg" 1 "invalid: inside.remote: \"latch\" needs SRTP" -- ctl session create \
	--outside-local "$OUT4.1:20010" --outside-remote latch "${good_out[@]}" \
	--inside-local "$IN4.1:30010" --inside-remote latch
expect "ICE password too short" 1 "invalid: outside.ice.pwd: " -- ctl session create \
	--outside-local "$OUT4.1:20010" --outside-remote latch "${good_out[@]}" \
	--ice-ufrag abcd --ice-pwd short \
	--inside-local "$IN4.1:30010" --inside-remote "$IN4.10:50000"
expect "request: not JSON" 1 "bad_json" -- ctl request 'this is not json'
expect "request: a misspelt field" 1 "invalid: sesion: unknown field" -- \
	ctl request '{"id": 5, "op": "session.delete", "sesion": 1}'
expect "request: a field of the wrong type" 1 "invalid: session: expected a whole number" -- \
	ctl request '{"op": "session.show", "session": "1"}'
expect "request: unknown op" 1 "unknown_op" -- ctl request '{"op": "session.explode"}'
expect "request: the id is echoed" 0 '"id": "abc-1"' -- ctl request '{"id": "abc-1", "op": "status"}'
"$PY" - "$SOCK" >"$work/pipe.out" 2>&1 <<'PY' && ok "pipelined requests on one connection: answered in order, with their ids" || { bad "pipelined requests"; sed 's/^/    | /' "$work/pipe.out"; }
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
reqs = [{"id": i, "op": op} for i, op in enumerate(["status", "session.list", "stats", "status"] * 5)]
s.sendall(b"".join(json.dumps(r).encode() + b"\n" for r in reqs) + b"\n  \n")
s.shutdown(socket.SHUT_WR)   # half-closed: the answers still come
buf = b""
while True:
    d = s.recv(1 << 20)
    if not d:
        break
    buf += d
ans = [json.loads(l) for l in buf.decode().splitlines()]
assert [a["id"] for a in ans] == list(range(len(reqs))), [a["id"] for a in ans]
assert all(a["ok"] for a in ans), ans
PY
"$PY" - "$SOCK" >"$work/long.out" 2>&1 <<'PY' && ok "a request line over 1 MiB: too_long, then the connection closes" || { bad "too long a line"; sed 's/^/    | /' "$work/long.out"; }
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
try:
    s.sendall(b'{"op": "status", "x": "' + b"a" * (2 << 20))
except OSError:
    pass
buf = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    buf += d
a = json.loads(buf.decode().splitlines()[0])
assert not a["ok"] and a["error"]["code"] == "too_long", a
PY
expect "show unknown id" 1 "not_found: session 999" -- ctl session show 999
expect "delete unknown id" 1 "not_found: session 999" -- ctl session delete 999
expect "rekey unknown id" 1 "not_found" -- ctl session rekey 999 \
	--outside-rx-crypto "$(crypto $SUITE "$K1")" --outside-tx-crypto "$(crypto $SUITE "$K1T")"
expect "stats of an unknown session" 1 "not_found" -- ctl stats --session 999
expect "stats of a worker srtpedge lacks" 1 "not_found: worker: 1" -- ctl stats --worker 1

log "list and show"
expect "session list" 0 "3 sessions live" -- ctl session list
sed 's/^/    | /' "$work/out"
expect "session list --ids" 0 "^3$" -- ctl session list --ids
expect "session list --limit 2 (one page)" 0 "alice" -- ctl session list --limit 2
grep -q "more sessions: --after 2" "$work/err" && ok "list --limit 2 says where the next page starts" ||
	bad "list --limit 2: no 'more sessions' hint"
expect "session list --after 2" 0 "carol" -- ctl session list --after 2
expect "session show 1" 0 "key id [0-9a-f]{8}" -- ctl session show 1
sed 's/^/    | /' "$work/out"
ctl --json session show 1 >"$work/show1.json"
ctl --json session list >"$work/list.json"
leak=0
for k in "$K1" "$K1T" "$K2" "$K2T" "$K3" "$K3T" "$PWD1" "$PWD3" \
	"$(hexkey "$K1")" "$(hexkey "$K1T")" "${K1:0:16}"; do
	grep -qF -- "$k" "$work/show1.json" "$work/list.json" "$work/out" && leak=1
done
check_eq "show and list never print keys or ICE passwords" "$leak" 0
check_eq "show: the outside rx key id" "$(jget "$work/show1.json" "len(j['session']['outside']['rx']['key_ids'][0])")" 8
check_eq "show: ICE ufrag shown" "$(jget "$work/show1.json" "j['session']['outside']['ice']['ufrag']")" srtpedgeU1
check_eq "show: a latch leg with no peer yet" "$(jget "$work/show1.json" "j['session']['outside']['remote']")" None

# ---- traffic ------------------------------------------------------------------

log "SRTP from the outside namespace to sessions 1 and 2, plain RTP inside"
ip netns exec "$NS_IN" "$PY" "$SRE_IT" sink --bind "$IN4.10" --port 50000 --pattern \
	--out "$work/sink.txt" --ready "$work/sink.ready" &
sink=$!
bg_add "$sink"
wait_file "$work/sink.ready" || bad "receiver ready"
check_cmd "outside pings srtpedge" ping_retry "$NS_OUT" "$OUT4.1"
check_cmd "inside pings srtpedge" ping_retry "$NS_IN" "$IN4.1"
# (srtpedge learns the endpoint's IPv6 address from its solicitation: an
# answer sent toward a peer it does not know yet is dropped, control_send)
check_cmd "outside pings srtpedge (IPv6)" ping_retry "$NS_OUT" "$OUT6:1"
printf '20000 %s %s 1111\n20002 %s %s 2222\n' "$SUITE" "$(hexkey "$K1")" \
	AES_256_CM_HMAC_SHA1_80 "$(hexkey "$K2")" >"$work/plan1.txt"
check_cmd "srtp-load: 50 packets to each" in_out "$SRTP_LOAD" --plan "$work/plan1.txt" \
	--bind "$OUT4.10:40000" --to "$OUT4.1" --rounds 50 --pps 500
settle
receiver_counts
check_eq "received inside: every packet" "${R[total]:-0}" 100
check_eq "received: payloads intact" "${R[bad]:-x}" 0
check_eq "received: both sessions, 50 each" "${R[with_50]:-0}" 2
check_eq "session 1 latched the endpoint" "$(show_field 1 "j['outside']['remote']")" "$OUT4.10:40000"
check_eq "session 1: 50 in" "$(show_field 1 "j['outside']['rx_packets']")" 50

# ---- ICE-lite -------------------------------------------------------------------

log "ICE-lite: STUN Binding requests (standard-library client)"
stun() { in_out "$PY" "$STUNC" "$@"; }
expect "good check: 200, XOR-MAPPED-ADDRESS, integrity" 0 "success $OUT4.10:40000 integrity True" -- \
	stun --bind "$OUT4.10:40000" --to "$OUT4.1:20000" --ufrag srtpedgeU1 --pwd "$PWD1"
expect "wrong password: 401" 0 "error 401" -- stun --bind "$OUT4.10:40001" --to "$OUT4.1:20000" \
	--ufrag srtpedgeU1 --pwd "$PWD1" --bad-integrity --use-candidate --expect 401
expect "wrong ufrag: 401" 0 "error 401" -- stun --bind "$OUT4.10:40001" --to "$OUT4.1:20000" \
	--ufrag otherUfrag --pwd "$PWD1" --use-candidate --expect 401
check_eq "a bad check moved nothing" "$(show_field 1 "j['outside']['remote']")" "$OUT4.10:40000"
expect "good check without USE-CANDIDATE from elsewhere: 200" 0 "success $OUT4.10:40001" -- \
	stun --bind "$OUT4.10:40001" --to "$OUT4.1:20000" --ufrag srtpedgeU1 --pwd "$PWD1"
sleep 0.3
check_eq "... and the peer stays (not nominated)" "$(show_field 1 "j['outside']['remote']")" "$OUT4.10:40000"
expect "good check with USE-CANDIDATE from :40002: 200" 0 "success $OUT4.10:40002" -- \
	stun --bind "$OUT4.10:40002" --to "$OUT4.1:20000" --ufrag srtpedgeU1 --pwd "$PWD1" --use-candidate
# the media toward the endpoint follows: plain RTP from the server to
# session 1's inside leg leaves as SRTP to :40002
ip netns exec "$NS_OUT" "$PY" "$SRE_IT" sink --bind "$OUT4.10" --port 40002 \
	--out "$work/sink_out.txt" --ready "$work/sink_out.ready" &
osink=$!
bg_add "$osink"
wait_file "$work/sink_out.ready" || bad "outside receiver ready"
server_rtp 20 100
sleep 0.5
stop_pid "$osink" TERM
check_eq "... moves session 1's peer: RTP from the server reaches the endpoint at :40002" \
	"$(sed -nE 's/^port 40002 ([0-9]+)/\1/p' "$work/sink_out.txt")" 20
check_eq "... and session show has the new peer" "$(show_field 1 "j['outside']['remote']")" "$OUT4.10:40002"
expect "session 2 has no ICE credentials: no answer" 0 "none" -- stun --bind "$OUT4.10:40000" \
	--to "$OUT4.1:20002" --ufrag whatever --pwd "$PWD1" --expect none --timeout 0.5
expect "session 3 (IPv6, not latched yet): good check, no USE-CANDIDATE: 200" 0 \
	"success \[$OUT6:10\]:40004 integrity True" -- stun --bind "[$OUT6:10]:40004" \
	--to "[$OUT6:1]:20004" --ufrag ufrag3 --pwd "$PWD3" --peer-ufrag peerfrag
expect "session 3: another peer ufrag: 401" 0 "error 401" -- stun --bind "[$OUT6:10]:40005" \
	--to "[$OUT6:1]:20004" --ufrag ufrag3 --pwd "$PWD3" --peer-ufrag strangerX --use-candidate --expect 401
# (a packet of the session: the owner worker has taken the pending peer)
check_eq "the good check gave session 3 its peer, the bad one moved nothing" \
	"$(show_field 3 "j['outside']['remote']")" "[$OUT6:10]:40004"
expect "DTLS to session 1 (SDES, no DTLS-SRTP): no answer" 0 "none" -- \
	in_out "$PY" "$STUNC" dtls --bind "$OUT4.10:40000" --to "$OUT4.1:20000" --expect none --timeout 0.5
sleep 0.2
ctl --json stats >"$work/stats.json"
sc() { jget "$work/stats.json" "j['control']['$1']"; }
check_eq "control: STUN answered (200)" "$(sc stun_answered)" 4
check_eq "control: STUN rejected (401)" "$(sc stun_rejected)" 3
check_eq "control: STUN without credentials" "$(sc stun_no_credentials)" 1
check_eq "control: of them the wrong peer ufrag" "$(sc stun_remote_ufrag_mismatch)" 1
check_eq "control: DTLS dropped" "$(sc dtls_dropped)" 1
check_eq "control: exception packets" "$(sc exception_packets)" 9
check_eq "control: sends (every answer)" "$(sc sends)" 7
check_eq "control: peer changes applied (a first peer twice, a nomination)" "$(sc set_remote_ok)" 3
check_eq "control: nothing refused for backpressure" "$(sc backpressure)" 0
expect "srtpctl stats" 0 "stun_answered +4" -- ctl stats
expect "srtpctl stats --worker 0" 0 "outside_rx_packets" -- ctl stats --worker 0
expect "srtpctl stats --session 1" 0 "stun_answered +3" -- ctl stats --session 1

# ---- rekey --------------------------------------------------------------------

log "rekey session 1: new outside keys"
K1B=$(key 30) K1BT=$(key 30)
expect "session rekey 1" 0 "re-keyed: outside" -- ctl session rekey 1 \
	--outside-rx-crypto "$(crypto $SUITE "$K1B")" --outside-tx-crypto "$(crypto $SUITE "$K1BT")"
# the replaced session has latched nothing; control gives it the old peer
ip netns exec "$NS_OUT" "$PY" "$SRE_IT" sink --bind "$OUT4.10" --port 40002 \
	--out "$work/sink_out2.txt" --ready "$work/sink_out2.ready" &
osink=$!
bg_add "$osink"
wait_file "$work/sink_out2.ready" || bad "outside receiver ready"
server_rtp 10 200
sleep 0.5
stop_pid "$osink" TERM
check_eq "rekey keeps the latched peer: RTP from the server still reaches :40002" \
	"$(sed -nE 's/^port 40002 ([0-9]+)/\1/p' "$work/sink_out2.txt")" 10
check_eq "rekey: a new key id" "$(show_field 1 "j['outside']['rx']['key_ids'][0] != '$(jget "$work/show1.json" "j['session']['outside']['rx']['key_ids'][0]")'")" True
expect "rekey: outside plain is refused" 1 "invalid: outside.plain" -- \
	ctl request '{"op": "session.rekey", "session": 1, "outside": {"plain": true}}'
printf '20000 %s %s 1112\n' "$SUITE" "$(hexkey "$K1B")" >"$work/plan2.txt"
printf '20000 %s %s 1113\n' "$SUITE" "$(hexkey "$K1")" >"$work/plan_old.txt"
tel /srtpedge/stats
af0=${TEL[srtp_auth_fail]:-0}
check_cmd "srtp-load: 30 packets with the new keys" in_out "$SRTP_LOAD" --plan "$work/plan2.txt" \
	--bind "$OUT4.10:40000" --to "$OUT4.1" --rounds 30 --pps 500
check_cmd "srtp-load: 10 with the old ones" in_out "$SRTP_LOAD" --plan "$work/plan_old.txt" \
	--bind "$OUT4.10:40000" --to "$OUT4.1" --rounds 10 --pps 500 --seq0 5000
settle
receiver_counts
check_eq "received: the new keys' 30" "${R[total]:-0}" 130
tel /srtpedge/stats
check_eq "the old keys' 10 refused (auth_fail)" $(( ${TEL[srtp_auth_fail]:-0} - af0 )) 10

# ---- kill -9 while a stream flows ---------------------------------------------------

log "kill -9 srtpedge-control while session 1 carries a stream, start it again"
STREAM=1000
printf '20000 %s %s 1114\n' "$SUITE" "$(hexkey "$K1B")" >"$work/plan3.txt"
tel /srtpedge/stats
declare -A T0
for k in "${!TEL[@]}"; do T0[$k]=${TEL[$k]}; done
ip netns exec "$NS_OUT" "$SRTP_LOAD" --plan "$work/plan3.txt" --bind "$OUT4.10:40000" \
	--to "$OUT4.1" --rounds "$STREAM" --pps 200 --seq0 20000 >"$work/load3.out" 2>&1 &
load=$!
bg_add "$load"
sleep 1.5
kill -KILL "$ctl_pid"
wait "$ctl_pid" 2>/dev/null || true
ok "srtpedge-control killed (SIGKILL) mid-stream"
expect "srtpctl while control is down: unreachable" 3 "cannot reach" -- ctl status
# state the dataplane no longer has: dropped at the restart
"$PY" - "$STATE/control-state.json" <<'PY'
import json, sys
p = sys.argv[1]
j = json.load(open(p))
j["sessions"].append({"session": 77, "name": "ghost", "outside_local": "198.51.100.1:29999",
                      "inside_local": "203.0.113.1:39999",
                      "ice": {"outside": {"ufrag": "ghost", "pwd": "g" * 22}}})
json.dump(j, open(p, "w"))
PY
expect "srtpedge-control: an unknown --socket-group" 2 "no such group" -- "$CTLD" \
	--file-prefix "$se_prefix" --socket "$SOCK" --state-dir "$work/state-x" \
	--socket-group "no-such-group-$$"
sleep 1
if ctl_start 2 --socket-group daemon; then ok "srtpedge-control started again"; else bad "srtpedge-control restarts"; fi
check_eq "socket group (--socket-group daemon)" "$(stat -c %G "$SOCK")" daemon
check_eq "socket mode" "$(stat -c %a "$SOCK")" 660
grep -m1 'reconciled' "$work/control.2.log" | sed 's/^/    | /'
grep -q 'kept from the state file, 1 dropped' "$work/control.2.log" &&
	ok "restart: the state of a session the dataplane lacks is dropped" ||
	bad "restart: no '1 dropped' in the log"
wait "$load" || bad "srtp-load (the stream) failed"
settle
tel /srtpedge/stats
check_eq "stream: srtpedge took every packet" $(( TEL[outside_forwarded] - T0[outside_forwarded] )) "$STREAM"
drops=0
for k in "${!TEL[@]}"; do
	case "$k" in drop_not_for_us) ;; drop_*) drops=$((drops + TEL[$k] - ${T0[$k]:-0})) ;; esac
done
check_eq "stream: nothing dropped (frames not for srtpedge aside)" "$drops" 0
receiver_counts
check_eq "stream: every packet received inside" "${R[total]:-0}" $((130 + STREAM))
check_eq "stream: payloads intact, no duplicates" "${R[bad]:-x}/${R[dups]:-x}" 0/0
expect "after the restart: session list" 0 "3 sessions live" -- ctl session list
grep -qE '^1 +alice' "$work/out" && grep -qE '^2 +bob' "$work/out" && grep -qE '^3 +carol' "$work/out" &&
	ok "the list holds alice, bob and carol" || bad "the list after the restart"
check_eq "after the restart: session 1 made through the API" "$(show_field 1 "j['control']['managed']")" api
check_eq "after the restart: session 1's ICE ufrag (state file)" "$(show_field 1 "j['outside']['ice']['ufrag']")" srtpedgeU1
expect "after the restart: ICE answered with the reloaded password" 0 "success $OUT4.10:40000" -- \
	stun --bind "$OUT4.10:40000" --to "$OUT4.1:20000" --ufrag srtpedgeU1 --pwd "$PWD1"
expect "after the restart: create works" 0 "session 4 created" -- ctl session create --name dave \
	--outside-local "$OUT4.1:20006" --outside-remote latch "${good_out[@]}" \
	--inside-local "$IN4.1:30006" --inside-remote "$IN4.10:50000"
expect "after the restart: rekey (inside plain, known from the dataplane)" 0 "re-keyed" -- \
	ctl session rekey 3 --outside-rx-crypto "$(crypto AEAD_AES_128_GCM "$(key 28)")" \
	--outside-tx-crypto "$(crypto AEAD_AES_128_GCM "$(key 28)")"
check_eq "state file: mode 0600" "$(stat -c %a "$STATE/control-state.json")" 600
check_eq "state journal (session 4 since the snapshot): mode 0600" \
	"$(stat -c %a "$STATE/control-state.json.journal")" 600
leak=0
for k in "$K1" "$K1T" "$K1B" "$K1BT" "$K2" "$K2T" "$K3" "$K3T" "$(hexkey "$K1B")"; do
	grep -qF -- "$k" "$STATE"/control-state.json* && leak=1
done
check_eq "state file: no SRTP key" "$leak" 0
check_eq "state file: sessions 1, 2, 3, 4 (not the ghost)" \
	"$(state_ids)" "[1, 2, 3, 4]"

log "a STUN and DTLS flood beside a stream: the stream loses nothing, every flood packet is counted"
tel /srtpedge/stats
for k in "${!TEL[@]}"; do T0[$k]=${TEL[$k]}; done
ctl --json stats >"$work/stats0.json"
receiver_counts
got0=${R[total]:-0}
printf '20000 %s %s 1115\n' "$SUITE" "$(hexkey "$K1B")" >"$work/plan5.txt"
ip netns exec "$NS_OUT" "$SRTP_LOAD" --plan "$work/plan5.txt" --bind "$OUT4.10:40000" \
	--to "$OUT4.1" --rounds 600 --pps 300 --seq0 40000 >"$work/load5.out" 2>&1 &
load=$!
bg_add "$load"
sleep 0.3
FLOOD_STUN=6000 FLOOD_DTLS=3000
expect "STUN flood (good checks, $FLOOD_STUN)" 0 "sent $FLOOD_STUN" -- stun --flood --count "$FLOOD_STUN" \
	--bind "$OUT4.10:40010" --to "$OUT4.1:20000" --ufrag srtpedgeU1 --pwd "$PWD1" --timeout 0.5
flood_answers=$(grep -Eo 'answered [0-9]+' "$work/out" | cut -d' ' -f2)
expect "DTLS flood ($FLOOD_DTLS)" 0 "sent $FLOOD_DTLS answered 0" -- \
	in_out "$PY" "$STUNC" dtls --flood --count "$FLOOD_DTLS" --bind "$OUT4.10:40011" \
	--to "$OUT4.1:20000" --timeout 0.5
wait "$load" || bad "srtp-load (the stream) failed"
settle
tel /srtpedge/stats
ctl --json stats >"$work/stats.json"
d() { echo $(( ${TEL[$1]:-0} - ${T0[$1]:-0} )); }
c0() { jget "$work/stats0.json" "j['control']['$1']"; }
cd_() { echo $(( $(sc "$1") - $(c0 "$1") )); }
check_eq "flood: the stream's packets all forwarded" "$(d outside_forwarded)" 600
receiver_counts
check_eq "flood: the stream's packets all received" $(( ${R[total]:-0} - got0 )) 600
dp_refused=$(( $(d drop_control_rate) + $(d drop_control_full) ))
check_eq "flood: every packet counted (srtpedge's control_rate + control_full + control's exceptions)" \
	$(( dp_refused + $(cd_ exception_packets) )) $((FLOOD_STUN + FLOOD_DTLS))
check_eq "flood: DTLS that reached control, dropped and counted" "$(cd_ dtls_dropped)" \
	$(( $(cd_ exception_packets) - $(cd_ stun_packets) ))
check_ge "flood: STUN over the leg's rate dropped by control" "$(cd_ stun_rate_limited)" 1
check_eq "flood: STUN answered + rate-limited = STUN reaching control" \
	$(( $(cd_ stun_answered) + $(cd_ stun_rate_limited) )) "$(cd_ stun_packets)"
check_range "flood: answers the client got (<= answered)" "${flood_answers:-0}" 1 "$(cd_ stun_answered)"
echo "    flood: srtpedge refused $dp_refused (control_rate $(d drop_control_rate), control_full $(d drop_control_full)); control answered $(cd_ stun_answered), rate-limited $(cd_ stun_rate_limited), DTLS dropped $(cd_ dtls_dropped)"
check_eq "flood: session 1's peer did not move (no nomination)" "$(show_field 1 "j['outside']['remote']")" "$OUT4.10:40000"

log "the table full, delete"
expect "create session 5" 0 "session 5 created" -- ctl session create \
	--outside-local "$OUT4.1:20008" --outside-remote latch "${good_out[@]}" \
	--inside-local "$IN4.1:30008" --inside-remote "$IN4.10:50000"
expect "create session 6" 0 "session 6 created" -- ctl session create \
	--outside-local "$OUT4.1:20012" --outside-remote latch "${good_out[@]}" \
	--inside-local "$IN4.1:30012" --inside-remote "$IN4.10:50000"
expect "a 7th: max_sessions reached" 1 "full: " -- ctl session create \
	--outside-local "$OUT4.1:20014" --outside-remote latch "${good_out[@]}" \
	--inside-local "$IN4.1:30014" --inside-remote "$IN4.10:50000"
expect "session delete 2" 0 "session 2 deleted" -- ctl session delete 2
expect "session delete 2 again" 1 "not_found" -- ctl session delete 2
expect "show 2: gone" 1 "not_found" -- ctl session show 2
expect "list: 5 left" 0 "5 sessions live" -- ctl session list
check_eq "state file: session 2 gone" \
	"$(state_ids)" "[1, 3, 4, 5, 6]"
expect "--json create answer" 0 '"ok": true' -- ctl --json session create --id 2 \
	--outside-local "$OUT4.1:20002" --outside-remote latch "${good_out[@]}" \
	--inside-local "$IN4.1:30002" --inside-remote "$IN4.10:50000"
expect "--json error answer (exit 1, the answer on stdout)" 1 "exists" -- ctl --json session create --id 2 \
	--outside-local "$OUT4.1:20020" --outside-remote latch "${good_out[@]}" \
	--inside-local "$IN4.1:30020" --inside-remote "$IN4.10:50000"
grep -q '"code": "exists"' "$work/out" && ok "--json prints the error answer" || bad "--json error answer"

ctl --json stats >"$work/stats.json"
check_eq "control (since its restart): errors by code: exists" "$(jget "$work/stats.json" "j['control']['errors_by_code']['exists']")" 1
stop_pid "$ctl_pid" TERM
grep -q 'stopping (signal)' "$work/control.2.log" && ok "srtpedge-control stops on SIGTERM" ||
	bad "srtpedge-control SIGTERM"
check_eq "the socket is removed at exit" "$([ -e "$SOCK" ] && echo yes || echo no)" no
sleep 1.2
tel /srtpedge/stats
stop_pid "$sink" TERM
if se_stop; then ok "srtpedge stops cleanly"; else bad "srtpedge exit status"; fi
se_print_final

# ---- the install benchmark -------------------------------------------------------

if [ "$BENCH" -gt 0 ]; then
	log "install benchmark: $BENCH SDES sessions through the command ring while a session streams"
	KB=$(key 30)
	{
		echo "[session stream]"
		echo "id = 1"
		echo "outside.local = $OUT4.1:20000"
		echo "outside.remote = latch"
		echo "outside.suite = $SUITE"
		echo "outside.rx_key = inline:$KB"
		echo "outside.tx_key = inline:$(key 30)"
		echo "inside.local = $IN4.1:30000"
		echo "inside.remote = $IN4.10:50000"
	} >"$work/stream.ini"
	{
		echo "[dataplane]"
		echo "workers = 1"
		echo "max_sessions = $((BENCH + 16))"
		echo "stats_interval = 0"
		echo "sessions_file = $work/stream.ini"
		port_section outside
		port_section inside
	} >"$cfg"
	if ! se_start "$cfg"; then bad "srtpedge starts for the benchmark"; it_summary; exit 1; fi
	ip netns exec "$NS_IN" "$PY" "$SRE_IT" sink --bind "$IN4.10" --port 50000 --pattern \
		--out "$work/sink.txt" --ready "$work/sink2.ready" &
	sink=$!
	bg_add "$sink"
	wait_file "$work/sink2.ready" || bad "receiver ready"
	# both sides resolve srtpedge (and it them, from their ARP requests)
	# before the stream starts: a new srtpedge knows no neighbour yet
	ip -n "$NS_OUT" neigh flush all
	ip -n "$NS_IN" neigh flush all
	check_cmd "outside pings srtpedge" ping_retry "$NS_OUT" "$OUT4.1"
	check_cmd "inside pings srtpedge" ping_retry "$NS_IN" "$IN4.1"
	printf '20000 %s %s 3333\n' "$SUITE" "$(hexkey "$KB")" >"$work/plan4.txt"
	BSTREAM=1000
	ip netns exec "$NS_OUT" "$SRTP_LOAD" --plan "$work/plan4.txt" --bind "$OUT4.10:40000" \
		--to "$OUT4.1" --rounds "$BSTREAM" --pps 150 >"$work/load4.out" 2>&1 &
	load=$!
	bg_add "$load"
	sleep 1
	expect "srtpedge-control --bench-installs $BENCH" 0 "installs/s" -- "$CTLD" \
		--file-prefix "$se_prefix" --bench-installs "$BENCH" --bench-outside "$OUT4.1" \
		--bench-inside "$IN4.1" --bench-inside-remote "$IN4.10:50000" --bench-port0 31000
	sed 's/^/    | /' "$work/out"
	grep -Eo '[0-9]+ installs/s' "$work/out" >"$work/bench_rate" || true
	check_eq "bench: every install succeeded" "$(grep -Eo '\(([0-9]+) ok, 0 failed\)' "$work/out" | grep -Eo '[0-9]+' | head -1)" "$BENCH"
	wait "$load" || bad "srtp-load (the stream) failed"
	settle
	tel /srtpedge/stats
	check_eq "bench: the session left alone: every packet forwarded" "${TEL[outside_forwarded]}" "$BSTREAM"
	check_eq "bench: sessions left after the deletes" "${TEL[sessions]}" 1
	receiver_counts
	check_eq "bench: every packet of the stream received" "${R[total]:-0}" "$BSTREAM"

	log "the API at scale: $API sessions created on one connection (pipelined), kill -9, restart, deleted"
	if ctl_start 3; then ok "srtpedge-control attached to the new srtpedge"; else bad "control starts"; fi
	grep -m1 'reconciled' "$work/control.3.log" | sed 's/^/    | /'
	grep -q '0 kept from the state file, 5 dropped (gone from the dataplane), 1 replaced by other sessions' \
		"$work/control.3.log" && ok "reconciled: the old state's sessions dropped, id 1 is another session now" ||
		bad "reconcile against a new srtpedge"
	check_eq "session 1 (the sessions file's) is foreign to control" "$(show_field 1 "j['control']['managed']")" foreign
	expect "create $API sessions on one connection" 0 "$API ok of $API" -- \
		"$PY" "$HERE/api_load.py" create --socket "$SOCK" --count "$API" --first-id 2 --port0 41000
	sed 's/^/    | /' "$work/out"
	check_eq "state: $API sessions" "$(state_ids | "$PY" -c 'import sys; print(len(eval(sys.stdin.read())))')" "$API"
	kill -KILL "$ctl_pid"
	wait "$ctl_pid" 2>/dev/null || true
	if ctl_start 4; then ok "restarted after kill -9"; else bad "control restarts"; fi
	grep -q "$API kept from the state file" "$work/control.4.log" && ok "restart: all $API kept" ||
		{ bad "restart: not all kept"; grep reconciled "$work/control.4.log"; }
	expect "session list --ids: $((API + 1))" 0 "$((API + 1)) sessions live" -- ctl session list --ids
	expect "ICE on an API session after the restart" 0 "error 401" -- stun --bind "$OUT4.10:40000" \
		--to "$OUT4.1:41005" --ufrag uf000007 --pwd wrongpasswordwrongpassword --expect 401
	expect "delete them on one connection" 0 "$API ok of $API" -- \
		"$PY" "$HERE/api_load.py" delete --socket "$SOCK" --count "$API" --first-id 2
	sed 's/^/    | /' "$work/out"
	check_eq "state: empty again" "$(state_ids)" "[]"
	tel /srtpedge/stats
	check_eq "sessions left" "${TEL[sessions]}" 1
	stop_pid "$ctl_pid" TERM
	stop_pid "$sink" TERM
	if se_stop; then ok "srtpedge stops cleanly"; else bad "srtpedge exit status"; fi
	se_print_final
	# (the namespaces' kernels send IPv6 multicast now and then: not_for_us)
	check_eq "bench: srtpedge dropped nothing (but frames not for it)" \
		"$(se_drops_except not_for_us)" 0
fi
check_eq "no hugepage files of this test left" "$(ls /dev/hugepages | grep -c "^$se_prefix" || true)" 0

echo "time: $((SECONDS - t_start)) s"
it_summary
