#!/usr/bin/env python3
"""Helpers of SRTP Edge's integration tests (standard library only).

  tel PREFIX CMD        one DPDK telemetry command of the srtpedge whose
                        --file-prefix is PREFIX; prints 'key value' lines
  wav FILE              samples, RMS and frequency (zero crossings) of a
                        16-bit mono WAV file
  send                  UDP payloads of a pcap, sent from an ordinary socket
  sink                  binds UDP ports and counts what arrives (with the
                        payload pattern of srtp-load checked, --pattern);
                        writes its counts at SIGTERM, and at SIGUSR1 too
  flows FILE            UDP packets of a capture grouped by destination port
                        and SSRC
  samepayloads          the RTP/RTCP payloads of one SSRC in a capture equal
                        those of the same SSRC in another capture, in order
  loadplan              a sessions file of N sessions and srtp-load's plan
  bad                   netns_bad's traffic: a good stream with bad traffic
                        interleaved; prints what srtpedge must count
  hex / b64             key conversions
"""
import argparse
import base64
import json
import math
import os
import random
import select
import signal
import socket
import struct
import sys
import time
import wave


def die(msg):
    sys.stderr.write("sre_it: %s\n" % msg)
    sys.exit(1)


# ---- telemetry ---------------------------------------------------------

def cmd_tel(a):
    path = "/var/run/dpdk/%s/dpdk_telemetry.v2" % a.prefix
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(5)
    try:
        s.connect(path)
        json.loads(s.recv(1024).decode())
        s.send(a.cmd.encode())
        reply = json.loads(s.recv(1 << 20).decode())
    except (OSError, ValueError) as e:
        die("telemetry %s: %s" % (path, e))
    val = reply.get(a.cmd.split(",")[0])
    if val is None:
        die("telemetry %s: no answer" % a.cmd)
    if isinstance(val, dict):
        for k, v in val.items():
            print(k, v)
    else:
        print(json.dumps(val))


# ---- WAV -----------------------------------------------------------------

def cmd_wav(a):
    try:
        w = wave.open(a.file, "rb")
    except (OSError, wave.Error, EOFError) as e:
        die("%s: %s" % (a.file, e))
    if w.getsampwidth() != 2 or w.getnchannels() != 1:
        die("%s: not 16-bit mono" % a.file)
    n = w.getnframes()
    rate = w.getframerate()
    raw = w.readframes(n)
    n = len(raw) // 2
    vals = struct.unpack("<%dh" % n, raw[:2 * n])
    rms = math.sqrt(sum(v * v for v in vals) / n) if n else 0.0
    crossings = sum(1 for i in range(1, n) if (vals[i - 1] < 0) != (vals[i] < 0))
    freq = crossings / 2.0 / (n / float(rate)) if n else 0.0
    # the longest run of near-silence (a gap where packets went missing
    # would be silence in a decoded tone)
    longest = run = 0
    for v in vals:
        run = run + 1 if abs(v) < 64 else 0
        longest = max(longest, run)
    print("samples %d" % n)
    print("rate %d" % rate)
    print("rms %d" % int(rms))
    print("freq %d" % int(round(freq)))
    print("silent_run %d" % longest)


# ---- pcap ------------------------------------------------------------------

def pcap_frames(path):
    """Yields the frames of a pcap file (Ethernet link type)."""
    with open(path, "rb") as f:
        hdr = f.read(24)
        if len(hdr) < 24:
            return
        magic = struct.unpack("<I", hdr[:4])[0]
        if magic in (0xa1b2c3d4, 0xa1b23c4d):
            end = "<"
        elif magic in (0xd4c3b2a1, 0x4d3cb2a1):
            end = ">"
        else:
            die("%s: not a pcap file" % path)
        link = struct.unpack(end + "I", hdr[20:24])[0]
        if link != 1:
            die("%s: link type %d, not Ethernet" % (path, link))
        while True:
            rh = f.read(16)
            if len(rh) < 16:
                return
            _, _, incl, _ = struct.unpack(end + "IIII", rh)
            data = f.read(incl)
            if len(data) < incl:
                return
            yield data


def udp_of(frame):
    """(family, src, sport, dst, dport, payload) of a UDP frame, or None."""
    off = 12
    et = struct.unpack("!H", frame[off:off + 2])[0]
    off += 2
    while et in (0x8100, 0x88a8):
        et = struct.unpack("!H", frame[off + 2:off + 4])[0]
        off += 4
    if et == 0x0800:
        ihl = (frame[off] & 0x0f) * 4
        if frame[off + 9] != 17:
            return None
        tot = struct.unpack("!H", frame[off + 2:off + 4])[0]
        src = socket.inet_ntop(socket.AF_INET, frame[off + 12:off + 16])
        dst = socket.inet_ntop(socket.AF_INET, frame[off + 16:off + 20])
        u = off + ihl
        end = off + tot
        fam = 4
    elif et == 0x86dd:
        if frame[off + 6] != 17:
            return None
        plen = struct.unpack("!H", frame[off + 4:off + 6])[0]
        src = socket.inet_ntop(socket.AF_INET6, frame[off + 8:off + 24])
        dst = socket.inet_ntop(socket.AF_INET6, frame[off + 24:off + 40])
        u = off + 40
        end = u + plen
        fam = 6
    else:
        return None
    sport, dport, ulen = struct.unpack("!HHH", frame[u:u + 6])
    return fam, src, sport, dst, dport, frame[u + 8:min(end, u + ulen)]


def rtp_ssrc(p):
    """SSRC of an RTP or RTCP packet (RFC 5761 by the second byte)."""
    if len(p) < 8:
        return None
    if 192 <= p[1] <= 223:
        return struct.unpack("!I", p[4:8])[0]
    if len(p) < 12:
        return None
    return struct.unpack("!I", p[8:12])[0]


def cmd_flows(a):
    flows = {}
    for fr in pcap_frames(a.file):
        u = udp_of(fr)
        if u is None:
            continue
        key = (u[4], rtp_ssrc(u[5]))
        flows[key] = flows.get(key, 0) + 1
    for (port, ssrc), n in sorted(flows.items(), key=lambda x: (x[0][0], x[0][1] or 0)):
        print("dport %d ssrc %s packets %d" % (port, ssrc, n))


def cmd_samepayloads(a):
    got = [u[5] for u in (udp_of(f) for f in pcap_frames(a.got))
           if u is not None and rtp_ssrc(u[5]) == a.ssrc
           and (a.dport is None or u[4] == a.dport)]
    want = [u[5] for u in (udp_of(f) for f in pcap_frames(a.want))
            if u is not None and rtp_ssrc(u[5]) == a.ssrc]
    if a.skip:
        want = want[a.skip:]
    bad = 0
    for i in range(min(len(got), len(want))):
        if got[i] != want[i]:
            if bad < 5:
                print("packet %d differs (%d vs %d bytes)" % (i, len(got[i]), len(want[i])))
            bad += 1
    print("got %d want %d differing %d" % (len(got), len(want), bad))
    sys.exit(0 if bad == 0 and len(got) == len(want) else 1)


# ---- sending ------------------------------------------------------------

def parse_ep(s):
    if s.startswith("["):
        host, port = s[1:].split("]:")
        return socket.AF_INET6, (host, int(port))
    host, port = s.rsplit(":", 1)
    return socket.AF_INET, (host, int(port))


def udp_socket(bind):
    fam, addr = parse_ep(bind)
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(addr)
    return s


class Pacer:
    def __init__(self, pps):
        self.period = 1.0 / pps
        self.next = time.monotonic()

    def wait(self):
        now = time.monotonic()
        if self.next > now:
            time.sleep(self.next - now)
        self.next = max(self.next + self.period, time.monotonic() - 0.05)


def cmd_send(a):
    payloads = [u[5] for u in (udp_of(f) for f in pcap_frames(a.pcap)) if u is not None]
    payloads = payloads[a.skip:]
    if a.count is not None:
        payloads = payloads[:a.count]
    if a.rtcp_first:
        # the first RTCP packet before everything: a stream that starts
        # with RTCP
        k = next(i for i, p in enumerate(payloads) if 192 <= p[1] <= 223)
        payloads.insert(0, payloads.pop(k))
    s = udp_socket(a.bind)
    _, to = parse_ep(a.to)
    pacer = Pacer(a.pps)
    n = 0
    for i, p in enumerate(payloads):
        if i == 1 and a.first_pause:
            time.sleep(a.first_pause)
            pacer = Pacer(a.pps)
        pacer.wait()
        s.sendto(p, to)
        n += 1
    print("sent %d" % n)


def cmd_sink(a):
    fam = socket.AF_INET6 if ":" in a.bind else socket.AF_INET
    socks = []
    for port in a.port:
        s = socket.socket(fam, socket.SOCK_DGRAM)
        # a sender may take the port for a while (symmetric RTP: a peer
        # sends from the port it receives on); nothing arrives meanwhile
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.SOL_SOCKET, 33, a.rcvbuf)  # SO_RCVBUFFORCE
        s.bind((a.bind, port))
        s.setblocking(False)
        socks.append(s)
    stop = []
    dump = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    signal.signal(signal.SIGUSR1, lambda *_: dump.append(1))
    count = {}
    by_ssrc = {}
    bad = dups = 0
    seen = set()

    def write():
        tmp = a.out + ".tmp"
        with open(tmp, "w") as f:
            f.write("total %d\n" % sum(count.values()))
            for port in a.port:
                f.write("port %d %d\n" % (port, count.get(port, 0)))
            if a.pattern:
                f.write("bad %d\n" % bad)
                f.write("dups %d\n" % dups)
                f.write("ssrcs %d\n" % len(by_ssrc))
                hist = {}
                for n in by_ssrc.values():
                    hist[n] = hist.get(n, 0) + 1
                for n in sorted(hist):
                    f.write("ssrcs_with %d %d\n" % (n, hist[n]))
        os.rename(tmp, a.out)

    if a.ready:
        open(a.ready, "w").close()
    while True:
        r, _, _ = select.select(socks, [], [], 0.2)
        got = False
        for s in r:
            while True:
                try:
                    p, src = s.recvfrom(4096)
                except BlockingIOError:
                    break
                got = True
                port = s.getsockname()[1]
                count[port] = count.get(port, 0) + 1
                if a.pattern:
                    if len(p) < 12 or p[0] != 0x80:
                        bad += 1
                        continue
                    seq = struct.unpack("!H", p[2:4])[0]
                    ssrc = struct.unpack("!I", p[8:12])[0]
                    body = p[12:]
                    base = (ssrc * 31 + seq * 7) & 0xff
                    if body != bytes((base + k) & 0xff for k in range(len(body))):
                        bad += 1
                        continue
                    if (ssrc, seq) in seen:
                        dups += 1
                        continue
                    seen.add((ssrc, seq))
                    by_ssrc[ssrc] = by_ssrc.get(ssrc, 0) + 1
        if dump and not got:
            dump.clear()
            write()     # SIGUSR1: the counts so far
        if stop and not got:
            break
    write()


# ---- load plan -------------------------------------------------------------

SUITES = {
    # name: (key bytes + salt bytes)
    "AES_CM_128_HMAC_SHA1_80": 30,
    "AES_CM_128_HMAC_SHA1_32": 30,
    "AES_256_CM_HMAC_SHA1_80": 46,
    "AES_256_CM_HMAC_SHA1_32": 46,
    "AEAD_AES_128_GCM": 28,
    "AEAD_AES_256_GCM": 44,
}


def cmd_loadplan(a):
    """Sessions file and plan; with --churn K also the second version of
    both for a reload: the first K sessions removed (the plan still sends
    to them), the next K changed (new keys, new SSRC), the rest unchanged,
    and K new ones added."""
    suites = a.suites.split(",")
    for s in suites:
        if s not in SUITES:
            die("unknown suite %s" % s)
    rng = random.Random(a.seed)
    ssrcs = set()

    def new_ssrc():
        x = rng.randrange(1, 1 << 32)
        while x in ssrcs:
            x = rng.randrange(1, 1 << 32)
        ssrcs.add(x)
        return x

    def session(i):
        suite = suites[i % len(suites)]
        return {"i": i, "suite": suite, "rx": os.urandom(SUITES[suite]),
                "tx": os.urandom(SUITES[suite]), "ssrc": new_ssrc()}

    def write(path_s, path_p, sess, plan_only=()):
        with open(path_s, "w") as sf, open(path_p, "w") as pf:
            sf.write("; %d sessions for netns_load (generated)\n" % len(sess))
            for x in sess:
                i = x["i"]
                sf.write("[session load%d]\n" % i)
                sf.write("id = %d\n" % (i + 1))
                sf.write("outside.local = %s:%d\n" % (a.outside_local, a.outside_port0 + i))
                sf.write("outside.remote = %s\n" % a.outside_remote)
                sf.write("outside.suite = %s\n" % x["suite"])
                sf.write("outside.rx_key = inline:%s\n" % base64.b64encode(x["rx"]).decode())
                sf.write("outside.tx_key = inline:%s\n" % base64.b64encode(x["tx"]).decode())
                sf.write("inside.local = %s:%d\n" % (a.inside_local, a.inside_port0 + i))
                sf.write("inside.remote = %s\n" % a.inside_remote)
                sf.write("inside.suite = none\n")
            for x in list(sess) + list(plan_only):
                pf.write("%d %s %s %d\n" % (a.outside_port0 + x["i"], x["suite"],
                                            x["rx"].hex(), x["ssrc"]))

    first = [session(i) for i in range(a.count)]
    write(a.sessions, a.plan, first)
    if a.churn:
        k = a.churn
        if 3 * k > a.count:
            die("--churn: at most a third of the sessions")
        removed = first[:k]
        changed = []
        for x in first[k:2 * k]:
            y = session(x["i"])
            y["suite"] = x["suite"]
            y["rx"] = os.urandom(SUITES[x["suite"]])
            changed.append(y)
        kept = first[2 * k:]
        added = [session(a.count + j) for j in range(k)]
        write(a.reload_sessions, a.reload_plan, changed + kept + added, plan_only=removed)


# ---- netns_bad's traffic ---------------------------------------------------

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def mac_bytes(m):
    return bytes(int(x, 16) for x in m.split(":"))


def ipv4_udp(src, dst, sport, dport, payload, ident=1, frag=0x4000, proto=17,
             bad_csum=False, ulen=None, tot=None, ihl=None, opts=b""):
    udp = struct.pack("!HHHH", sport, dport, ulen if ulen is not None else 8 + len(payload), 0) + payload
    if proto != 17:
        udp = payload
    if ihl is None:
        ihl = 5 + len(opts) // 4
    total = tot if tot is not None else 20 + len(opts) + len(udp)
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, total, ident, frag, 64, proto, 0,
                    socket.inet_aton(src), socket.inet_aton(dst)) + opts
    c = csum(h)
    if bad_csum:
        c ^= 0x5555
    h = h[:10] + struct.pack("!H", c) + h[12:]
    return h + udp


def ipv6_pkt(src, dst, nxt, body, plen=None):
    return struct.pack("!IHBB16s16s", 6 << 28, plen if plen is not None else len(body), nxt, 64,
                       socket.inet_pton(socket.AF_INET6, src),
                       socket.inet_pton(socket.AF_INET6, dst)) + body


def cmd_bad(a):
    """The good stream (a pcap of srtp-pcap gen) paced at --pps, every bad
    kind interleaved; prints the counters srtpedge must show."""
    rng = random.Random(a.seed)
    good = [u[5] for u in (udp_of(f) for f in pcap_frames(a.good)) if u is not None]
    wrongkey = [u[5] for u in (udp_of(f) for f in pcap_frames(a.wrongkey)) if u is not None]
    extra = [u[5] for u in (udp_of(f) for f in pcap_frames(a.extra)) if u is not None]
    extra_ssrcs = []
    for p in extra:
        s = rtp_ssrc(p)
        if s not in extra_ssrcs:
            extra_ssrcs.append(s)

    fam, srtpedge = parse_ep(a.to)
    sock = udp_socket(a.bind)                       # the session's peer
    host = parse_ep(a.bind)[1][0]
    other_port = udp_socket("%s:%d" % (host, a.other_port))   # wrong source port
    other_addr = udp_socket("%s:%d" % (a.other_addr, parse_ep(a.bind)[1][1]))
    raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    raw.bind((a.iface, 0))
    my_mac = mac_bytes(open("/sys/class/net/%s/address" % a.iface).read().strip())
    se_mac = mac_bytes(a.srtpedge_mac)
    eth4 = se_mac + my_mac + b"\x08\x00"
    eth6 = se_mac + my_mac + b"\x86\xdd"
    se_ip = srtpedge[0]
    my_ip = host
    sport = parse_ep(a.bind)[1][1]
    dport = srtpedge[1]

    exp = {}        # drop reason -> count
    srtp = {}       # crypto status -> count (exact ones only)
    kinds = {}      # what was sent, by kind
    fwd = [0]
    sent = [0]

    def count(d, k, n=1):
        d[k] = d.get(k, 0) + n

    def udp(payload, kind, reason, s=None, to=None):
        (s or sock).sendto(payload, to or srtpedge)
        sent[0] += 1
        count(kinds, kind)
        if reason == "forwarded":
            fwd[0] += 1
        else:
            count(exp, reason)

    def frame(f, kind, reason):
        raw.send(f)
        sent[0] += 1
        count(kinds, kind)
        count(exp, reason)

    def classify_random(p):
        """srtpedge's outcome for an arbitrary UDP payload to the session
        from its peer (RFC 7983 demux, then the minimum lengths)."""
        if len(p) == 0:
            return "not_rtp"
        b = p[0]
        if 128 <= b <= 191:
            rtcp = len(p) >= 2 and 192 <= p[1] <= 223
            if len(p) < (8 if rtcp else 12):
                return "malformed"
            return "srtp"
        if b <= 3:
            return "stun"
        if 20 <= b <= 63:
            return "dtls"
        return "not_rtp"

    def stun():
        tid = os.urandom(12)
        attrs = struct.pack("!HH", 0x0006, 8) + b"user:abc"   # USERNAME
        return struct.pack("!HHI", 0x0001, len(attrs), 0x2112A442) + tid + attrs

    def dtls():
        b = rng.choice([20, 21, 22, 23, 25, rng.randrange(20, 64)])
        body = os.urandom(rng.randrange(10, 120))
        return bytes([b, 0xfe, 0xfd]) + os.urandom(8) + struct.pack("!H", len(body)) + body

    # the bad kinds; each a function sending one packet (or a few)
    def k_random():
        p = os.urandom(rng.randrange(0, 300))
        udp(p, "random_bytes", classify_random(p))

    def k_truncated():
        # a packet still to come, cut short: one already received would
        # be refused as a replay before its length or tag is looked at
        ahead = [g for g in good[pos[0] + 1:pos[0] + 40] if not 192 <= g[1] <= 223]
        if not ahead:
            ahead = [os.urandom(8)]
        p = rng.choice(ahead)
        n = rng.randrange(0, len(p))
        q = p[:n]
        r = classify_random(q)
        udp(q, "truncated", r)

    def k_stun():
        udp(stun(), "stun_flood", "stun")

    def k_dtls():
        udp(dtls(), "dtls_flood", "dtls")

    def k_notrtp():
        p = bytes([rng.randrange(64, 128)]) + os.urandom(rng.randrange(10, 100))
        udp(p, "not_rtp", "not_rtp")

    def k_wrong_port():
        udp(rng.choice(good), "wrong_source_port", "unexpected_source", s=other_port)

    def k_wrong_addr():
        udp(rng.choice(good), "wrong_source_addr", "unexpected_source", s=other_addr)

    def k_unknown_port():
        udp(rng.choice(good), "unknown_port", "no_session", to=(se_ip, a.unknown_port))

    def k_raw():
        c = rng.randrange(14)
        pl = rng.choice(good)
        if c == 0:
            frame(eth4 + ipv4_udp(my_ip, se_ip, sport, dport, pl, bad_csum=True),
                  "ipv4_bad_header_checksum", "malformed")
        elif c == 1:
            f = eth4 + ipv4_udp(my_ip, se_ip, sport, dport, pl)
            frame(f[:14 + 20 + 8 + 10], "ipv4_truncated", "malformed")
        elif c == 2:
            frame(eth4 + ipv4_udp(my_ip, se_ip, sport, dport, pl, ulen=8 + len(pl) + 40),
                  "udp_length_beyond_ip", "malformed")
        elif c == 3:
            # (no IPv4 fragments: net_af_packet's fanout socket has the
            # kernel reassemble them, a lone one never reaches srtpedge)
            frame(eth4 + ipv4_udp(my_ip, se_ip, sport, dport, pl, ihl=4),
                  "ipv4_header_too_short", "malformed")
        elif c == 4:
            frame(eth4 + ipv4_udp(my_ip, se_ip, 0, 0, struct.pack("!BBHI", 3, 3, 0, 0) +
                                  os.urandom(28), proto=1),
                  "icmp_not_echo", "not_for_us")
        elif c == 5:
            frame(eth4 + ipv4_udp(my_ip, se_ip, 0, 0, os.urandom(40), proto=6),
                  "ipv4_tcp", "not_for_us")
        elif c == 6:
            frame(eth4 + ipv4_udp(my_ip, a.not_ours, sport, dport, pl),
                  "ipv4_other_address", "not_for_us")
        elif c == 7:
            frame(b"\x02\x00\x00\x00\x00\x99" + my_mac + b"\x08\x00" +
                  ipv4_udp(my_ip, se_ip, sport, dport, pl),
                  "other_mac", "not_for_us")
        elif c == 8:
            frame(se_mac + my_mac + b"\x88\xb5" + os.urandom(rng.randrange(46, 200)),
                  "unknown_ethertype", "not_for_us")
        elif c == 9:
            frame(eth4 + os.urandom(rng.randrange(0, 19)), "ipv4_runt", "malformed")
        elif c == 10:
            u = struct.pack("!HHHH", sport, a.unknown_port, 8 + len(pl), 0) + pl
            frame(eth6 + ipv6_pkt(a.my_ip6, a.se_ip6, 17, u), "ipv6_unknown_port", "no_session")
        elif c == 11:
            u = struct.pack("!HHHH", sport, dport, 8 + len(pl), 0) + pl
            fragh = struct.pack("!BBHI", 17, 0, 1, rng.randrange(1 << 32))
            frame(eth6 + ipv6_pkt(a.my_ip6, a.se_ip6, 44, fragh + u), "ipv6_fragment", "fragment")
        elif c == 12:
            u = struct.pack("!HHHH", sport, dport, 8 + len(pl), 0) + pl
            frame(eth6 + ipv6_pkt(a.my_ip6, a.se_ip6, 17, u, plen=len(u) + 100),
                  "ipv6_truncated", "malformed")
        else:
            # hop-by-hop options first: extension headers are not walked
            u = struct.pack("!HHHH", sport, dport, 8 + len(pl), 0) + pl
            hbh = struct.pack("!BB", 17, 0) + b"\x01\x04\0\0\0\0"
            frame(eth6 + ipv6_pkt(a.my_ip6, a.se_ip6, 0, hbh + u),
                  "ipv6_extension_header", "not_for_us")

    flood = [k_stun] * 6 + [k_dtls] * 6 + [k_random] * 3 + [k_truncated] * 2 + \
        [k_notrtp, k_wrong_port, k_wrong_addr, k_unknown_port, k_raw, k_raw]

    pacer = Pacer(a.pps)
    wrong_i = extra_i = 0
    good_rtp = 0
    pos = [0]
    for i, p in enumerate(good):
        pos[0] = i
        pacer.wait()
        is_rtp = not 192 <= p[1] <= 223
        if is_rtp and i % 5 == 2:
            # a forged copy of the packet about to arrive: its tag, or
            # its encrypted payload, changed
            q = bytearray(p)
            q[-1 if i % 10 == 2 else 20] ^= 0x01
            udp(bytes(q), "forged", "srtp")
            count(srtp, "auth_fail")
        udp(p, "good", "forwarded")
        if is_rtp:
            good_rtp += 1
            if i % 10 == 5:
                udp(p, "replay_duplicate", "srtp")
                count(srtp, "replay_duplicate")
        # a stream under an unknown key first, then new SSRCs under the
        # session's key: the first ones take the free slots, the rest are
        # over the limit
        if i >= a.unknown_after and wrong_i < len(wrongkey):
            udp(wrongkey[wrong_i], "unknown_ssrc_wrong_key", "srtp")
            count(srtp, "auth_fail")
            wrong_i += 1
        elif wrong_i == len(wrongkey) and extra_i < len(extra) and i % 2 == 0:
            p2 = extra[extra_i]
            slot = extra_ssrcs.index(rtp_ssrc(p2))
            if slot < a.free_slots:
                # genuine packets in unusual but valid frames: IPv4
                # options, bytes after the IP datagram (Ethernet padding,
                # as NICs add to short frames)
                v = extra_i % 3
                if v == 0:
                    udp(p2, "new_ssrc", "forwarded")
                elif v == 1:
                    raw.send(eth4 + ipv4_udp(my_ip, se_ip, sport, dport, p2,
                                             opts=b"\x01\x01\x01\x00"))
                    sent[0] += 1
                    fwd[0] += 1
                    count(kinds, "new_ssrc_ipv4_options")
                else:
                    raw.send(eth4 + ipv4_udp(my_ip, se_ip, sport, dport, p2) + bytes(18))
                    sent[0] += 1
                    fwd[0] += 1
                    count(kinds, "new_ssrc_trailing_padding")
            else:
                udp(p2, "new_ssrc_over_limit", "ssrc_limit")
            extra_i += 1
        for _ in range(a.per_tick):
            rng.choice(flood)()
    if extra_i < len(extra):
        die("the good stream is too short for the extra streams")
    # late replays of the first packets: far below the window
    for p in [g for g in good if not 192 <= g[1] <= 223][:a.old]:
        pacer.wait()
        udp(p, "replay_too_old", "srtp")
        count(srtp, "replay_too_old")

    print("sent %d" % sent[0])
    print("forwarded %d" % fwd[0])
    for k in sorted(exp):
        print("drop %s %d" % (k, exp[k]))
    for k in sorted(srtp):
        print("srtp %s %d" % (k, srtp[k]))
    for k in sorted(kinds):
        print("kind %s %d" % (k, kinds[k]))


# ---- keys ----------------------------------------------------------------

def cmd_hex(a):
    print(base64.b64decode(a.b64).hex())


def cmd_key(a):
    print(base64.b64encode(os.urandom(a.bytes)).decode())


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd_name", required=True)

    p = sub.add_parser("tel")
    p.add_argument("prefix")
    p.add_argument("cmd")
    p.set_defaults(fn=cmd_tel)

    p = sub.add_parser("wav")
    p.add_argument("file")
    p.set_defaults(fn=cmd_wav)

    p = sub.add_parser("flows")
    p.add_argument("file")
    p.set_defaults(fn=cmd_flows)

    p = sub.add_parser("samepayloads")
    p.add_argument("--got", required=True)
    p.add_argument("--want", required=True)
    p.add_argument("--ssrc", type=int, required=True)
    p.add_argument("--dport", type=int)
    p.add_argument("--skip", type=int, default=0)
    p.set_defaults(fn=cmd_samepayloads)

    p = sub.add_parser("send")
    p.add_argument("--pcap", required=True)
    p.add_argument("--bind", required=True)
    p.add_argument("--to", required=True)
    p.add_argument("--pps", type=float, default=50)
    p.add_argument("--first-pause", type=float, default=0)
    p.add_argument("--rtcp-first", action="store_true")
    p.add_argument("--skip", type=int, default=0, help="leave out the first N")
    p.add_argument("--count", type=int, help="send N at most")
    p.set_defaults(fn=cmd_send)

    p = sub.add_parser("sink")
    p.add_argument("--bind", required=True)
    p.add_argument("--port", type=int, action="append", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--ready")
    p.add_argument("--pattern", action="store_true")
    p.add_argument("--rcvbuf", type=int, default=64 << 20)
    p.set_defaults(fn=cmd_sink)

    p = sub.add_parser("loadplan")
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--sessions", required=True)
    p.add_argument("--plan", required=True)
    p.add_argument("--suites", default=",".join(SUITES))
    p.add_argument("--outside-local", required=True)
    p.add_argument("--outside-remote", required=True)
    p.add_argument("--outside-port0", type=int, default=10000)
    p.add_argument("--inside-local", required=True)
    p.add_argument("--inside-remote", required=True)
    p.add_argument("--inside-port0", type=int, default=10000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--churn", type=int, default=0)
    p.add_argument("--reload-sessions")
    p.add_argument("--reload-plan")
    p.set_defaults(fn=cmd_loadplan)

    p = sub.add_parser("bad")
    p.add_argument("--good", required=True, help="SRTP capture of the good stream")
    p.add_argument("--wrongkey", required=True, help="SRTP under another key")
    p.add_argument("--extra", required=True, help="more SSRCs under the session key")
    p.add_argument("--free-slots", type=int, required=True)
    p.add_argument("--bind", required=True)
    p.add_argument("--to", required=True)
    p.add_argument("--iface", required=True)
    p.add_argument("--srtpedge-mac", required=True)
    p.add_argument("--other-port", type=int, required=True)
    p.add_argument("--other-addr", required=True)
    p.add_argument("--unknown-port", type=int, required=True)
    p.add_argument("--not-ours", required=True)
    p.add_argument("--my-ip6", required=True)
    p.add_argument("--se-ip6", required=True)
    p.add_argument("--pps", type=float, default=100)
    p.add_argument("--per-tick", type=int, default=20)
    p.add_argument("--unknown-after", type=int, default=20)
    p.add_argument("--old", type=int, default=10)
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(fn=cmd_bad)

    p = sub.add_parser("hex")
    p.add_argument("b64")
    p.set_defaults(fn=cmd_hex)

    p = sub.add_parser("key")
    p.add_argument("bytes", type=int)
    p.set_defaults(fn=cmd_key)

    a = ap.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
