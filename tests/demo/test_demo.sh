#!/usr/bin/env bash
# The main job end to end: srtpedge on its embedded default (two ring ports,
# the generator playing both far ends) for each of a few suites. Every packet
# sent must arrive checked, each drop reason must equal the faults injected,
# nothing may be left in /dev/hugepages; and a bad configuration must stop
# srtpedge before anything starts.
set -euo pipefail

usage() {
	echo "usage: test_demo.sh SRTPEDGE_BINARY [SECONDS]"
	echo "Runs srtpedge's main job per suite and checks its summary; ends with"
	echo "'N passed, N failed'."
}
case "${1:-}" in -h|--help) usage; exit 0 ;; "") usage >&2; exit 2 ;; esac
bin=$1
secs=${2:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. "$(dirname "$0")/../common/check.sh"

# The summary lines, parsed whole:
#   demo: outside->inside: S SRTP packets sent, A arrived inside ..., W wrong
#   demo: inside->outside: S RTP packets sent, A arrived outside ..., W wrong
#   demo: spoilt on purpose: F forged, R replayed, T truncated
fields() { grep -m1 "$2" "$1" | sed 's/^[^:]*: [^:]*: //' | grep -oE '[0-9]+' | tr '\n' ' '; }
reason() { grep -m1 -oP "^srtpedge: +$2 +\K[0-9]+" "$1" || echo 0; }

for suite in AES_CM_128_HMAC_SHA1_80 AEAD_AES_128_GCM AES_256_CM_HMAC_SHA1_32 NULL_HMAC_SHA1_80; do
	prefix="test-demo-$$-$suite"
	log="$tmp/$suite.log"
	rc=0
	"$bin" --file-prefix "$prefix" -s demo.duration="$secs" -s demo.pps=40000 \
		-s demo.suite="$suite" -s demo.sessions=500 -s demo.bad_per_mille=20 \
		>"$log" 2>&1 || rc=$?
	check "$suite: exit status $rc" [ "$rc" -eq 0 ]
	read -r sent_o got_o bad_o _ <<<"$(fields "$log" 'demo: outside->inside:') -1 -1 -1"
	read -r sent_i got_i bad_i _ <<<"$(fields "$log" 'demo: inside->outside:') -1 -1 -1"
	read -r forged replayed truncated _ <<<"$(fields "$log" 'demo: spoilt on purpose:') -1 -1 -1"
	auth=$(reason "$log" auth_fail)
	replay=$(reason "$log" replay_duplicate)
	malformed=$(reason "$log" malformed)
	check "$suite: outside->inside sent something ($sent_o)" [ "$sent_o" -gt 1000 ]
	check "$suite: every SRTP packet arrived as its RTP ($got_o of $sent_o)" [ "$got_o" -eq "$sent_o" ]
	check "$suite: none wrong inside ($bad_o)" [ "$bad_o" -eq 0 ]
	check "$suite: inside->outside sent something ($sent_i)" [ "$sent_i" -gt 1000 ]
	check "$suite: every RTP packet arrived as SRTP ($got_i of $sent_i)" [ "$got_i" -eq "$sent_i" ]
	check "$suite: none wrong outside ($bad_i)" [ "$bad_i" -eq 0 ]
	check "$suite: forged $forged = auth_fail $auth" [ "$forged" -eq "$auth" ]
	check "$suite: replayed $replayed = replay_duplicate $replay" [ "$replayed" -eq "$replay" ]
	check "$suite: truncated $truncated = malformed $malformed" [ "$truncated" -eq "$malformed" ]
	check "$suite: faults were injected" [ $((forged + replayed + truncated)) -gt 0 ]
	left=$(find /dev/hugepages -maxdepth 1 -name "${prefix}map_*" 2>/dev/null | wc -l)
	check "$suite: no hugepage files left ($left)" [ "$left" -eq 0 ]
	if [ "$failed" -gt 0 ]; then
		sed 's/^/    /' "$log" | tail -20
	fi
done

# a bad configuration: a message naming file, section and key; exit 2;
# DPDK never started (no EAL lines)
cat >"$tmp/bad.ini" <<'INI'
[dataplane]
workers = 0
[outside]
port = net_af_packet0,iface=none
ipv4 = 192.0.2.1/24
[inside]
port = net_af_packet1,iface=none
ipv4 = 10.0.0.1/33
INI
rc=0
"$bin" -c "$tmp/bad.ini" --file-prefix "test-demo-$$-bad" >"$tmp/bad.log" 2>&1 || rc=$?
check "bad config: exit status 2 (got $rc)" [ "$rc" -eq 2 ]
check "bad config: names [dataplane] workers" grep -q "bad.ini: \[dataplane\] workers: '0'" "$tmp/bad.log"
check "bad config: names [inside] ipv4" grep -q "bad.ini: \[inside\] ipv4: '10.0.0.1/33'" "$tmp/bad.log"
check "bad config: DPDK was not started" bash -c "! grep -q '^EAL' '$tmp/bad.log'"
rc=0
"$bin" --help >"$tmp/help.log" 2>&1 || rc=$?
check "--help: exit 0 and usage" bash -c "[ $rc -eq 0 ] && grep -q '^usage: srtpedge' '$tmp/help.log'"

finish
