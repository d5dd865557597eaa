#!/usr/bin/env bash
# Capturing srtpedge's ports with dpdk-dumpcap (DPDK's packet capture as a
# secondary process, through the rte_pdump_init() of srtpedge): while the
# main job runs, each port is captured to a pcapng file; outside the
# packets must be SRTP to and from 192.0.2.1, inside the plain RTP the
# generator sent, both directions; forwarding must not notice.
#
# dpdk-dumpcap (22.11) starts its EAL as a secondary process and takes no
# --no-pci: it would scan the machine's PCI devices. It runs here in a
# private mount namespace with an empty tmpfs over /sys/bus/pci/devices, and
# not at all if that cannot be set up (SYSFS_PCI_DEVICES, which would point
# DPDK elsewhere, is unset).
set -euo pipefail

usage() {
	echo "usage: test_pdump.sh SRTPEDGE_BINARY"
	echo "Ends with 'N passed, N failed'."
}
case "${1:-}" in -h|--help) usage; exit 0 ;; "") usage >&2; exit 2 ;; esac
bin=$1
count=2000
prefix="test-pdump-$$"
tmp=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -f /dev/hugepages/"$prefix"map_* 2>/dev/null || true
	rm -rf /var/run/dpdk/"$prefix"
	rm -rf "$tmp"
}
trap cleanup EXIT

. "$(dirname "$0")/../common/check.sh"

dumpcap() {
	timeout -k 5 15 unshare -m --propagation private sh -c '
		unset SYSFS_PCI_DEVICES &&
		mount -t tmpfs none /sys/bus/pci/devices &&
		[ -z "$(ls -A /sys/bus/pci/devices)" ] &&
		exec dpdk-dumpcap "$@"' sh --file-prefix="$prefix" "$@"
}

# Reads a pcapng file as dpdk-dumpcap writes it (one interface block per
# port, the packets' direction in epb_flags) and prints, for PORT whose own
# address is ADDR and whose packets are KIND (srtp or plain):
#   packets inbound outbound other_port not_udp wrong_addr not_rtp2 not_kind
# inbound packets must go to ADDR, outbound ones come from it. The demo's
# RTP payload is 160 bytes, byte j of packet (seq, ssrc) being
# (seq * 7 + j + ssrc) mod 256: plain packets carry exactly that; SRTP ones
# are 10 bytes longer (the tag) and carry something else, or are the
# generator's truncated faults (5 bytes, inbound).
cat >"$tmp/pcapng.py" <<'PY'
import struct, sys

path, port, addr, kind = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
d = open(path, 'rb').read()

def plain(rtp):
    if len(rtp) != 172:
        return False
    seq, = struct.unpack_from('>H', rtp, 2)
    ssrc, = struct.unpack_from('>I', rtp, 8)
    return all(rtp[12 + j] == (seq * 7 + j + ssrc) & 0xff for j in range(160))

n = [0] * 8
off, e = 0, '<'
while off + 12 <= len(d):
    if d[off:off + 4] == b'\x0a\x0d\x0d\x0a':
        e = '<' if d[off + 8:off + 12] == b'\x4d\x3c\x2b\x1a' else '>'
    btype, blen = struct.unpack_from(e + 'II', d, off)
    if blen < 12 or off + blen > len(d):
        sys.exit('%s: broken block at offset %d' % (path, off))
    b = d[off + 8:off + blen - 4]
    off += blen
    if btype != 6:
        continue
    n[0] += 1
    iface, _, _, cap, _ = struct.unpack_from(e + 'IIIII', b)
    f, o, flags = b[20:20 + cap], 20 + (cap + 3) // 4 * 4, 0
    while o + 4 <= len(b):
        code, olen = struct.unpack_from(e + 'HH', b, o)
        if code == 0:
            break
        if code == 2:
            flags, = struct.unpack_from(e + 'I', b, o + 4)
        o += 4 + (olen + 3) // 4 * 4
    inbound = flags & 3 == 1
    if flags & 3 in (1, 2):
        n[1 if inbound else 2] += 1
    if iface != port:
        n[3] += 1
        continue
    if len(f) < 42 or f[12:14] != b'\x08\x00' or f[14] != 0x45 or f[23] != 17:
        n[4] += 1
        continue
    ours = '.'.join(map(str, f[30:34] if inbound else f[26:30]))
    if flags & 3 not in (1, 2) or ours != addr:
        n[5] += 1
    rtp = f[42:42 + struct.unpack_from('>H', f, 38)[0] - 8]
    if not rtp or rtp[0] >> 6 != 2:
        n[6] += 1
    elif not (plain(rtp) if kind == 'plain' else
              len(rtp) == 182 and not plain(rtp[:172]) or inbound and len(rtp) == 5):
        n[7] += 1
print(*n)
PY

"$bin" --file-prefix "$prefix" -s demo.duration=0 -s demo.pps=20000 \
	>"$tmp/run.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
	grep -qs 'worker on lcore' "$tmp/run.log" && break
	sleep 0.1
done
sleep 1
check "srtpedge started" grep -q 'worker on lcore' "$tmp/run.log"

# the secondary sees srtpedge's two ring ports and nothing else: a PCI
# device it had probed would be listed too
list=$(dumpcap -D 2>"$tmp/list.err") || true
check "dpdk-dumpcap -D lists the two ring ports only" \
	[ "$list" = $'0. net_ring_ring_outside\n1. net_ring_ring_inside' ]
if [ "$failed" -gt 0 ]; then
	printf '%s\n' "$list" | cat - "$tmp/list.err" | sed 's/^/    /' | tail -10
fi

capture() { # NAME PORT ADDR KIND
	local name=$1 port=$2 addr=$3 kind=$4 rc=0 stats before=$failed
	dumpcap -q -i "$port" -c "$count" -a duration:5 -w "$tmp/$name.pcapng" \
		>"$tmp/$name.out" 2>"$tmp/$name.err" || rc=$?
	check "$name: dpdk-dumpcap exit status 0 (got $rc)" [ "$rc" -eq 0 ]
	check "$name: dpdk-dumpcap dropped nothing" \
		grep -qE "^Packets received/dropped on interface '[^']*': [0-9]+/0 " "$tmp/$name.err"
	stats=$(python3 "$tmp/pcapng.py" "$tmp/$name.pcapng" "$port" "$addr" "$kind" 2>&1) || true
	local n in out other notudp wrongaddr notrtp notkind
	read -r n in out other notudp wrongaddr notrtp notkind _ <<<"$stats -1 -1 -1 -1 -1 -1 -1 -1"
	# -c stops after the burst (up to 32 packets) that reaches the count
	check "$name: the file holds $count to $((count + 31)) packets ($n)" \
		[ "$n" -ge "$count" -a "$n" -lt $((count + 32)) ]
	check "$name: all of port $port ($other others)" [ "$other" -eq 0 ]
	check "$name: all IPv4/UDP ($notudp others)" [ "$notudp" -eq 0 ]
	check "$name: inbound to $addr, outbound from it ($wrongaddr others)" [ "$wrongaddr" -eq 0 ]
	check "$name: every payload RTP version 2 ($notrtp others)" [ "$notrtp" -eq 0 ]
	check "$name: every packet $kind ($notkind others)" [ "$notkind" -eq 0 ]
	check "$name: both directions ($in in, $out out)" [ "$in" -gt 0 -a "$out" -gt 0 ]
	if [ "$failed" -gt "$before" ]; then
		echo "    pcapng.py: $stats"
		sed 's/^/    /' "$tmp/$name.out" "$tmp/$name.err" | tr '\b' ' ' | tail -5
	fi
}
capture outside 0 192.0.2.1 srtp
capture inside 1 10.0.0.1 plain
check "srtpedge still running after the captures" kill -0 "$pid"

kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
check "SIGTERM: exit status 0 (got $rc)" [ "$rc" -eq 0 ]
check "SIGTERM: every generated packet checked, none wrong" bash -c "grep -q 'outside->inside: .* 0 wrong' '$tmp/run.log' && grep -q 'inside->outside: .* 0 wrong' '$tmp/run.log'"
# the generator's faults show as these three reasons; capturing must not
# add drops of any other (tx_full, handoff_full, ...)
reason() { grep -m1 -oP "^srtpedge: +$1:? +\K[0-9]+" "$tmp/run.log" || echo 0; }
dropped=$(reason dropped)
faults=$(($(reason malformed) + $(reason auth_fail) + $(reason replay_duplicate)))
check "SIGTERM: every drop one of the faults injected ($dropped dropped, $faults faults)" \
	[ "$dropped" -eq "$faults" ]
left=$(find /dev/hugepages -maxdepth 1 -name "${prefix}map_*" | wc -l)
check "no hugepage files left ($left)" [ "$left" -eq 0 ]
if [ "$failed" -gt 0 ]; then
	sed 's/^/    /' "$tmp/run.log" "$tmp/list.err" | grep -v 'pps' | tail -20
fi
finish
