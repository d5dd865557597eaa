#!/usr/bin/env python3
"""rtpengine's ng control protocol (bencode over UDP), for perf/rtpengine.sh:
sets up one SDES call per session of an srtp-load plan (SRTP from the caller,
plain RTP to the callee: `transport-protocol: RTP/AVP`) and writes the plan
again with the port rtpengine gave each call on the caller's side; or
deletes the calls. Call ids are perf-N, N counted from --first (so that
calls set up in several batches, one per measured point, stay apart).
Standard library only."""
import argparse, base64, os, socket, sys


def benc(x):
    if isinstance(x, int):
        return b"i%de" % x
    if isinstance(x, str):
        x = x.encode()
    if isinstance(x, bytes):
        return b"%d:%s" % (len(x), x)
    if isinstance(x, list):
        return b"l" + b"".join(benc(v) for v in x) + b"e"
    if isinstance(x, dict):
        return b"d" + b"".join(benc(k) + benc(x[k]) for k in sorted(x)) + b"e"
    raise TypeError(type(x))


def bdec(b, i=0):
    c = b[i:i + 1]
    if c == b"i":
        j = b.index(b"e", i)
        return int(b[i + 1:j]), j + 1
    if c == b"l":
        out, i = [], i + 1
        while b[i:i + 1] != b"e":
            v, i = bdec(b, i)
            out.append(v)
        return out, i + 1
    if c == b"d":
        out, i = {}, i + 1
        while b[i:i + 1] != b"e":
            k, i = bdec(b, i)
            v, i = bdec(b, i)
            out[k.decode()] = v
        return out, i + 1
    j = b.index(b":", i)
    n = int(b[i:j])
    return b[j + 1:j + 1 + n], j + 1 + n


class Ng:
    def __init__(self, addr):
        host, port = addr.rsplit(":", 1)
        self.to = (host, int(port))
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.settimeout(2)
        self.n = 0

    def call(self, msg):
        self.n += 1
        cookie = b"%d_%d" % (os.getpid(), self.n)
        for _ in range(5):
            self.s.sendto(cookie + b" " + benc(msg), self.to)
            try:
                while True:
                    data, _ = self.s.recvfrom(65535)
                    if data.startswith(cookie + b" "):
                        r, _ = bdec(data, len(cookie) + 1)
                        if r.get("result") not in (b"ok", b"pong"):
                            sys.exit("rtpengine_ng: %s: %r" % (msg["command"], r))
                        return r
            except socket.timeout:
                continue
        sys.exit("rtpengine_ng: no answer from rtpengine at %s:%d" % self.to)


def sdp(addr, port, proto, crypto=None):
    lines = ["v=0", "o=- 1 1 IN IP4 %s" % addr, "s=-", "c=IN IP4 %s" % addr, "t=0 0",
             "m=audio %d %s 0" % (port, proto), "a=rtpmap:0 PCMU/8000"]
    if crypto:
        lines.append("a=crypto:1 %s inline:%s" % crypto)
    lines.append("a=sendrecv")
    return "\r\n".join(lines) + "\r\n"


def media_port(sdp_bytes):
    for line in sdp_bytes.decode().splitlines():
        if line.startswith("m=audio "):
            return int(line.split()[1])
    sys.exit("rtpengine_ng: no m=audio line in %r" % sdp_bytes)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("cmd", choices=["setup", "delete", "ping"])
    p.add_argument("--ng", default="127.0.0.1:2223")
    p.add_argument("--plan", help="srtp-load plan: PORT SUITE HEXKEY SSRC")
    p.add_argument("--out", help="the plan with rtpengine's ports")
    p.add_argument("--caller", default="198.51.100.10:40000")
    p.add_argument("--callee", default="203.0.113.10:50000")
    p.add_argument("--count", type=int, default=0, help="delete: calls to delete")
    p.add_argument("--first", type=int, default=0, help="the first call's N (perf-N)")
    a = p.parse_args()
    ng = Ng(a.ng)
    if a.cmd == "ping":
        ng.call({"command": "ping"})
        return
    if a.cmd == "delete":
        for i in range(a.first, a.first + a.count):
            ng.call({"command": "delete", "call-id": "perf-%d" % i})
        return
    ca, cp = a.caller.rsplit(":", 1)
    ea, ep = a.callee.rsplit(":", 1)
    with open(a.plan) as f, open(a.out, "w") as out:
        for i, line in enumerate(f, a.first):
            port, suite, hexkey, ssrc = line.split()
            key = base64.b64encode(bytes.fromhex(hexkey)).decode()
            ng.call({"command": "offer", "call-id": "perf-%d" % i, "from-tag": "a%d" % i,
                     "sdp": sdp(ca, int(cp), "RTP/SAVP", (suite, key)),
                     "transport-protocol": "RTP/AVP", "direction": ["out", "in"],
                     "ICE": "remove"})
            r = ng.call({"command": "answer", "call-id": "perf-%d" % i, "from-tag": "a%d" % i,
                         "to-tag": "b%d" % i, "sdp": sdp(ea, int(ep), "RTP/AVP")})
            out.write("%d %s %s %s\n" % (media_port(r["sdp"]), suite, hexkey, ssrc))


if __name__ == "__main__":
    main()
