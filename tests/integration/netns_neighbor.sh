#!/usr/bin/env bash
# Integration test: srtpedge follows a neighbour whose MAC address changes.
# A media server in the inside namespace receives a stream (IPv4 and IPv6)
# that srtpedge resolved by ARP and NS itself; then the server's interface
# takes a new MAC address and announces it as hosts and failover pairs do:
# a gratuitous ARP (arp_notify) and an unsolicited neighbour advertisement
# with the override flag (ndisc_notify). RFC 826 has an ARP receiver update
# the sender's entry it already holds whoever the target is, and RFC 4861
# §7.2.6 has an unsolicited NA with O set update the cache; the stream must
# go on to the new address. Last, the server sends to srtpedge (ARP/NS
# from its new address): from then on it must arrive in any case.
set -euo pipefail

TEST=netns_neighbor
usage() {
	cat <<'TXT'
usage: netns_neighbor.sh [--keep] PATH/TO/srtpedge PATH/TO/srtp-pcap

Runs srtpedge between two network namespaces, changes the inside server's
MAC address with a gratuitous ARP and an unsolicited NA, and checks that
the streams to it (IPv4, IPv6) follow.
TXT
	it_usage_common
}

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
it_need_tools ping ss
it_init
t_start=$SECONDS

K4=$("$PY" "$SRE_IT" key 30)
K6=$("$PY" "$SRE_IT" key 30)
cfg="$work/srtpedge.ini"
{
	echo "[dataplane]"
	echo "workers = 1"
	echo "max_sessions = 16"
	echo "stats_interval = 0"
	port_section outside v6
	port_section inside v6
	cat <<INI
[session v4]
id = 1
outside.local = $OUT4.1:20000
outside.remote = $OUT4.10:21000
outside.suite = AES_CM_128_HMAC_SHA1_80
outside.rx_key = inline:$K4
outside.tx_key = inline:$K4
inside.local = $IN4.1:30000
inside.remote = $IN4.10:31000
inside.suite = none
[session v6]
id = 2
outside.local = [$OUT6:1]:20000
outside.remote = [$OUT6:10]:21000
outside.suite = AES_CM_128_HMAC_SHA1_80
outside.rx_key = inline:$K6
outside.tx_key = inline:$K6
inside.local = [$IN6:1]:30000
inside.remote = [$IN6:10]:31000
inside.suite = none
INI
} >"$cfg"

# one stream a family, sent in three parts of 10 packets
"$SRTP_PCAP" gen --out "$work/v4.pcap" --suite AES_CM_128_HMAC_SHA1_80 --key "$K4" \
	--packets 30 --rtcp-every 0 --src "$OUT4.10:21000" --dst "$OUT4.1:20000" >/dev/null
"$SRTP_PCAP" gen --out "$work/v6.pcap" --suite AES_CM_128_HMAC_SHA1_80 --key "$K6" \
	--packets 30 --rtcp-every 0 --src "[$OUT6:10]:21000" --dst "[$OUT6:1]:20000" >/dev/null

topo_up v6
if ! se_start "$cfg"; then
	bad "srtpedge starts"
	it_summary
	exit 1
fi
ok "srtpedge starts"
SE_MAC_IN=$(mac_of "$VETH_IN")
# the server knows srtpedge statically (it never asks), so srtpedge has to
# resolve the server itself
ip -n "$NS_IN" neigh replace "$IN4.1" lladdr "$SE_MAC_IN" dev ms0 nud permanent
ip -n "$NS_IN" neigh replace "$IN6:1" lladdr "$SE_MAC_IN" dev ms0 nud permanent
ip netns exec "$NS_IN" "$PY" "$SRE_IT" sink --bind 0.0.0.0 --port 31000 \
	--out "$work/sink4.txt" --ready "$work/sink4.ready" &
sink4=$!
bg_add "$sink4"
ip netns exec "$NS_IN" "$PY" "$SRE_IT" sink --bind "$IN6:10" --port 31000 \
	--out "$work/sink6.txt" --ready "$work/sink6.ready" &
sink6=$!
bg_add "$sink6"
wait_file "$work/sink4.ready" && wait_file "$work/sink6.ready"
check_cmd "outside pings srtpedge (IPv4)" in_out ping -c 1 -W 2 "$OUT4.1"
check_cmd "outside pings srtpedge (IPv6)" in_out ping -6 -c 1 -W 2 "$OUT6:1"

# part P (0, 1, 2) of both streams, then the forwarded count of each
send_part() {
	local p=$1
	in_out "$PY" "$SRE_IT" send --pcap "$work/v4.pcap" --skip $((p * 10)) --count 10 \
		--bind "$OUT4.10:21000" --to "$OUT4.1:20000" --pps 50 --first-pause 0.3 >/dev/null
	in_out "$PY" "$SRE_IT" send --pcap "$work/v6.pcap" --skip $((p * 10)) --count 10 \
		--bind "[$OUT6:10]:21000" --to "[$OUT6:1]:20000" --pps 50 --first-pause 0.3 >/dev/null
	settle
}
# sink_now FILE: what a sink has counted so far (it writes on SIGUSR1)
sink_now() {
	local pid=$1 file=$2 i
	rm -f "$file"
	kill -USR1 "$pid"
	for ((i = 0; i < 50; i++)); do [ -s "$file" ] && break; sleep 0.1; done
	sed -nE 's/^total ([0-9]+)$/\1/p' "$file"
}

log "the server as srtpedge resolved it"
send_part 0
n4=$(sink_now "$sink4" "$work/sink4.txt")
n6=$(sink_now "$sink6" "$work/sink6.txt")
tel /srtpedge/stats
check_ge "srtpedge asked for the server (ARP, NS)" "${TEL[solicitations]}" 2
# the first packet of each waits for its answer and is dropped
check_eq "IPv4: the server received (10, less the first)" "$n4" 9
check_eq "IPv6: the server received (10, less the first)" "$n6" 9

log "the server's MAC address changes, announced by gratuitous ARP and unsolicited NA"
old_mac=$(ip netns exec "$NS_IN" cat /sys/class/net/ms0/address)
new_mac=02:00:5e:10:00:77
ip netns exec "$NS_IN" sysctl -qw net.ipv4.conf.ms0.arp_notify=1 net.ipv6.conf.ms0.ndisc_notify=1
rx0=$(tel /srtpedge/stats && echo "${TEL[inside_rx_packets]}")
ip -n "$NS_IN" link set ms0 address "$new_mac"
for ((i = 0; i < 20; i++)); do
	tel /srtpedge/stats
	[ "${TEL[inside_rx_packets]}" -ge $((rx0 + 2)) ] && break
	sleep 0.1
done
check_ge "srtpedge heard the announcements ($old_mac -> $new_mac)" \
	$((TEL[inside_rx_packets] - rx0)) 2
sleep 1.2   # past srtpedge's one-second reuse of a leg's next hop
send_part 1
m4=$(sink_now "$sink4" "$work/sink4.txt")
m6=$(sink_now "$sink6" "$work/sink6.txt")
tel /srtpedge/stats
echo "    srtpedge counted $((TEL[inside_forwarded] + TEL[outside_forwarded])) forwarded so far"
check_eq "IPv4: after the gratuitous ARP the stream reaches the new MAC" $((m4 - n4)) 10
check_eq "IPv6: after the unsolicited NA the stream reaches the new MAC" $((m6 - n6)) 10

log "the server sends to srtpedge from its new MAC (ARP and NS for srtpedge)"
# (the address change may have flushed the static entries already)
ip -n "$NS_IN" neigh del "$IN4.1" dev ms0 2>/dev/null || true
ip -n "$NS_IN" neigh del "$IN6:1" dev ms0 2>/dev/null || true
check_cmd "the server pings srtpedge (IPv4)" in_in ping -c 1 -W 2 "$IN4.1"
check_cmd "the server pings srtpedge (IPv6)" in_in ping -6 -c 1 -W 2 "$IN6:1"
sleep 1.2
send_part 2
o4=$(sink_now "$sink4" "$work/sink4.txt")
o6=$(sink_now "$sink6" "$work/sink6.txt")
check_eq "IPv4: once the server has asked, the stream reaches it" $((o4 - m4)) 10
check_eq "IPv6: once the server has asked, the stream reaches it" $((o6 - m6)) 10

stop_pid "$sink4" TERM
stop_pid "$sink6" TERM
if se_stop; then ok "srtpedge stops cleanly on SIGINT"; else bad "srtpedge exit status on SIGINT"; fi
se_print_final
echo "time: $((SECONDS - t_start)) s"
it_summary
