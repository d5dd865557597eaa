#!/usr/bin/env python3
"""Many API requests pipelined on one connection to srtpedge-control
(standard library only): session.create of COUNT SDES sessions with ICE
credentials (random keys), or session.delete of them. Checks that every
answer comes, in order, with its id, and says ok.

  api_load.py --socket PATH create|delete --count N --first-id ID
              [--outside ADDR --inside ADDR --inside-remote A:P --port0 P]

Prints 'N ok of N in T s: R/s'; exits 0 when every answer is ok and in
order, 1 otherwise.
"""
import argparse
import base64
import json
import os
import socket
import sys
import time


def crypto():
    return "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + base64.b64encode(os.urandom(30)).decode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("op", choices=["create", "delete"])
    ap.add_argument("--socket", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--first-id", type=int, required=True)
    ap.add_argument("--outside", default="198.51.100.1")
    ap.add_argument("--inside", default="203.0.113.1")
    ap.add_argument("--inside-remote", default="203.0.113.10:50000")
    ap.add_argument("--port0", type=int, default=41000)
    a = ap.parse_args()
    lines = []
    for i in range(a.count):
        sid = a.first_id + i
        if a.op == "create":
            r = {"id": i, "op": "session.create", "session": sid, "name": "api%d" % sid,
                 "outside": {"local": "%s:%d" % (a.outside, a.port0 + i), "remote": "latch",
                             "sdes": {"rx": crypto(), "tx": crypto()},
                             "ice": {"ufrag": "uf%06d" % sid,
                                     "pwd": base64.b64encode(os.urandom(18)).decode()}},
                 "inside": {"local": "%s:%d" % (a.inside, a.port0 + i),
                            "remote": a.inside_remote}}
        else:
            r = {"id": i, "op": "session.delete", "session": sid}
        lines.append(json.dumps(r))
    s = socket.socket(socket.AF_UNIX)
    s.connect(a.socket)
    t = time.time()
    s.sendall(("\n".join(lines) + "\n").encode())
    s.shutdown(socket.SHUT_WR)
    buf = b""
    while True:
        d = s.recv(1 << 20)
        if not d:
            break
        buf += d
    dt = time.time() - t
    ans = [json.loads(x) for x in buf.decode().splitlines()]
    ok = sum(1 for x in ans if x.get("ok"))
    in_order = [x.get("id") for x in ans] == list(range(a.count))
    print("%d ok of %d in %.2f s: %.0f/s%s" % (ok, a.count, dt, a.count / dt,
                                                "" if in_order else " (out of order)"))
    for x in ans:
        if not x.get("ok"):
            print("  %s" % json.dumps(x)[:200])
            break
    sys.exit(0 if ok == a.count and in_order else 1)


if __name__ == "__main__":
    main()
