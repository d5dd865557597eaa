#!/usr/bin/env python3
"""An ICE connectivity check (STUN Binding request, RFC 5389 / RFC 8445),
written with the standard library only (hmac, zlib, socket), and a check of
the answer: class, ERROR-CODE, XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY and
FINGERPRINT, independently of the code under test.

  stun_client.py --bind ADDR:PORT --to ADDR:PORT --ufrag THEIRS --pwd PWD
                 [--peer-ufrag OURS] [--use-candidate] [--bad-integrity]
                 [--expect success|401|400|none] [--timeout S] [--count N]

--ufrag/--pwd are the credentials of the agent checked (srtpedge's);
--bad-integrity signs with a wrong password. Prints one line per request
('success 198.51.100.10:40002', 'error 401', 'none'); exits 0 when every
answer is what --expect says, 1 otherwise. Also: 'dtls' sends a
DTLS-looking datagram (a ClientHello record header) and expects nothing.
With --flood, the --count packets go out as fast as the socket takes them,
and the answers are counted afterwards: prints 'sent N answered M'.
"""
import argparse
import hmac
import hashlib
import os
import socket
import struct
import sys
import zlib

MAGIC = 0x2112A442


def attr(t, v):
    pad = (4 - len(v) % 4) % 4
    return struct.pack("!HH", t, len(v)) + v + b"\0" * pad


def build_request(tid, username, pwd, use_candidate):
    attrs = attr(0x0006, username.encode())                 # USERNAME
    attrs += attr(0x0024, struct.pack("!I", 1853824767))    # PRIORITY
    attrs += attr(0x802A, os.urandom(8))                    # ICE-CONTROLLING
    if use_candidate:
        attrs += attr(0x0025, b"")                          # USE-CANDIDATE
    # MESSAGE-INTEGRITY over the message with the length counting it
    hdr = struct.pack("!HHI", 0x0001, len(attrs) + 24, MAGIC) + tid
    mac = hmac.new(pwd.encode(), hdr + attrs, hashlib.sha1).digest()
    attrs += attr(0x0008, mac)
    hdr = struct.pack("!HHI", 0x0001, len(attrs) + 8, MAGIC) + tid
    crc = (zlib.crc32(hdr + attrs) ^ 0x5354554E) & 0xFFFFFFFF
    attrs += attr(0x8028, struct.pack("!I", crc))           # FINGERPRINT
    return struct.pack("!HHI", 0x0001, len(attrs), MAGIC) + tid + attrs


def parse(msg):
    if len(msg) < 20:
        raise ValueError("short")
    mtype, mlen, cookie = struct.unpack("!HHI", msg[:8])
    if cookie != MAGIC or mlen + 20 != len(msg):
        raise ValueError("bad header")
    attrs = []
    off = 20
    while off < len(msg):
        t, l = struct.unpack("!HH", msg[off:off + 4])
        attrs.append((t, msg[off + 4:off + 4 + l], off))
        off += 4 + l + (4 - l % 4) % 4
    return mtype, msg[8:20], attrs


def check_fingerprint(msg, attrs):
    t, v, off = attrs[-1]
    if t != 0x8028:
        return False
    crc = (zlib.crc32(msg[:off]) ^ 0x5354554E) & 0xFFFFFFFF
    return struct.unpack("!I", v)[0] == crc


def check_integrity(msg, attrs, pwd):
    for t, v, off in attrs:
        if t == 0x0008:
            hdr = msg[:2] + struct.pack("!H", off + 24 - 20) + msg[4:20]
            mac = hmac.new(pwd.encode(), hdr + msg[20:off], hashlib.sha1).digest()
            return hmac.compare_digest(mac, v)
    return None


def xor_address(v, tid):
    fam, xport = struct.unpack("!xBH", v[:4])
    port = xport ^ (MAGIC >> 16)
    if fam == 1:
        a = struct.unpack("!I", v[4:8])[0] ^ MAGIC
        return "%s:%d" % (socket.inet_ntoa(struct.pack("!I", a)), port)
    key = struct.pack("!I", MAGIC) + tid
    a = bytes(x ^ y for x, y in zip(v[4:20], key))
    return "[%s]:%d" % (socket.inet_ntop(socket.AF_INET6, a), port)


def parse_ep(s):
    if s.startswith("["):
        h, p = s[1:].split("]:")
        return socket.AF_INET6, (h, int(p))
    h, p = s.rsplit(":", 1)
    return socket.AF_INET, (h, int(p))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", nargs="?", default="stun", choices=["stun", "dtls"])
    ap.add_argument("--bind", required=True)
    ap.add_argument("--to", required=True)
    ap.add_argument("--ufrag", default="none")
    ap.add_argument("--pwd", default="x" * 22)
    ap.add_argument("--peer-ufrag", default="peerfrag")
    ap.add_argument("--use-candidate", action="store_true")
    ap.add_argument("--bad-integrity", action="store_true")
    ap.add_argument("--expect", default="success",
                    choices=["success", "401", "400", "none"])
    ap.add_argument("--timeout", type=float, default=1.0)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--flood", action="store_true")
    a = ap.parse_args()

    fam, bind = parse_ep(a.bind)
    _, to = parse_ep(a.to)
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(bind)
    s.settimeout(a.timeout)
    me = a.bind
    good = 0
    if a.flood:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        sent = answered = 0
        for i in range(a.count):
            if a.mode == "dtls":
                p = b"\x16\xfe\xfd" + b"\0" * 10 + b"\0\x10" + os.urandom(16)
            else:
                p = build_request(os.urandom(12), "%s:%s" % (a.ufrag, a.peer_ufrag),
                                  a.pwd, False)
            s.sendto(p, to)
            sent += 1
        s.settimeout(a.timeout)
        try:
            while True:
                s.recvfrom(2048)
                answered += 1
        except socket.timeout:
            pass
        print("sent %d answered %d" % (sent, answered))
        sys.exit(0)
    for _ in range(a.count):
        if a.mode == "dtls":
            s.sendto(b"\x16\xfe\xfd" + b"\0" * 10 + b"\0\x10" + os.urandom(16), to)
            try:
                s.recvfrom(2048)
                print("answer")
            except socket.timeout:
                print("none")
                good += a.expect == "none"
            continue
        tid = os.urandom(12)
        pwd = a.pwd + ("x" if a.bad_integrity else "")
        s.sendto(build_request(tid, "%s:%s" % (a.ufrag, a.peer_ufrag), pwd,
                               a.use_candidate), to)
        try:
            while True:
                msg, src = s.recvfrom(2048)
                mtype, rtid, attrs = parse(msg)
                if rtid == tid:
                    break
        except socket.timeout:
            print("none")
            good += a.expect == "none"
            continue
        except ValueError as e:
            print("malformed answer: %s" % e)
            continue
        if not check_fingerprint(msg, attrs):
            print("answer without a good FINGERPRINT")
            continue
        if mtype == 0x0101:
            xma = [xor_address(v, tid) for t, v, _ in attrs if t == 0x0020]
            integ = check_integrity(msg, attrs, a.pwd)
            print("success %s integrity %s" % (xma[0] if xma else "-", integ))
            if a.expect == "success" and xma == [me] and integ is True:
                good += 1
        elif mtype == 0x0111:
            codes = [v for t, v, _ in attrs if t == 0x0009]
            code = codes[0][2] * 100 + codes[0][3] if codes else 0
            integ = check_integrity(msg, attrs, a.pwd)
            print("error %d integrity %s" % (code, integ))
            # RFC 5389 §10.1.2: 400 and 401 carry no MESSAGE-INTEGRITY
            if a.expect == str(code) and integ is None:
                good += 1
        else:
            print("type 0x%04x" % mtype)
    sys.exit(0 if good == a.count else 1)


if __name__ == "__main__":
    main()
