#!/usr/bin/python3
"""Sends N queries for NAME/TXT (EDNS buffer 4096) one after the other from
one UDP socket, and waits for each one's full answer (the kernel reassembles
the fragments) and its ATR follow-up (TC=1, same ID) before the next query.

  atr_delay_client.py SERVER N [NAME] [--timeout-ms MS]

Prints "queries=N answers=A followups=F": the delays themselves are read
from a capture (the socket sees the datagrams later than the wire does).
"""
import argparse
import os
import socket
import struct
import sys
import time


def query(qid, name):
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 1)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack("!HH", 16, 1)
    # OPT: root name, type 41, class = buffer size, TTL 0, no options.
    q += b"\0" + struct.pack("!HHIH", 41, 4096, 0, 0)
    return q


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("server")
    ap.add_argument("n", type=int)
    ap.add_argument("name", nargs="?", default="big4000.example.test")
    ap.add_argument("--timeout-ms", type=int, default=500)
    args = ap.parse_args()
    fam = socket.AF_INET6 if ":" in args.server else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.connect((args.server, 53))
    answers = followups = 0
    for i in range(args.n):
        qid = struct.unpack("!H", os.urandom(2))[0]
        s.send(query(qid, args.name))
        deadline = time.monotonic() + args.timeout_ms / 1000.0
        got_full = got_tc = False
        while not got_tc and time.monotonic() < deadline:
            s.settimeout(max(0.001, deadline - time.monotonic()))
            try:
                msg = s.recv(65535)
            except socket.timeout:
                break
            if len(msg) < 12 or struct.unpack("!H", msg[:2])[0] != qid:
                continue
            flags = struct.unpack("!H", msg[2:4])[0]
            if flags & 0x0200:
                got_tc = True
            else:
                got_full = True
        answers += got_full
        followups += got_tc
    print("queries=%d answers=%d followups=%d" % (args.n, answers, followups))
    return 0


if __name__ == "__main__":
    sys.exit(main())
