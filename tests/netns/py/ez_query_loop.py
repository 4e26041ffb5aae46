#!/usr/bin/python3
"""Asks small.example.test A without pause until told to stop, and checks
every answer: the load that must keep being served while xdpdnsd reloads.

usage: ez_query_loop.py ADDR STOP-FILE [UDP-INTERVAL-S]

One UDP query every UDP-INTERVAL-S (default 0.005) and, in between, one TCP
query (kernel client: connect, query, read the answer, close) every
0.05 s. Each must get NOERROR, AA, one A 192.0.2.1 record, with its ID,
within 2 s. Stops when STOP-FILE exists; prints
"udp SENT ANSWERED tcp SENT ANSWERED" and exits 1 if any query went
unanswered or got a wrong answer (each such query is printed).
"""
import os
import socket
import struct
import sys
import time

QNAME = b"\x05small\x07example\x04test\x00"


def query(qid):
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + QNAME + struct.pack("!HH", 1, 1)


def good(answer, qid):
    if answer is None or len(answer) < 12:
        return False
    rid, flags, qd, an = struct.unpack("!HHHH", answer[:8])
    return (rid == qid and flags & 0x840F == 0x8400 and qd == 1 and an == 1
            and answer.endswith(struct.pack("!HHIH", 1, 1, 3600, 4) + bytes([192, 0, 2, 1])))


def ask_udp(sock, qid):
    sock.send(query(qid))
    deadline = time.monotonic() + 2
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        sock.settimeout(left)
        try:
            answer = sock.recv(4096)
        except socket.timeout:
            return None
        if answer[:2] == struct.pack("!H", qid):
            return answer


def ask_tcp(family, addr, qid):
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(2)
        s.connect((addr, 53))
        msg = query(qid)
        s.sendall(struct.pack("!H", len(msg)) + msg)
        data = b""
        # Read the length-prefixed answer, as resolvers do: with connection
        # reuse the server keeps the connection open (our close then sends
        # the FIN).
        while len(data) < 2 or len(data) < 2 + struct.unpack("!H", data[:2])[0]:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    if len(data) < 2 or struct.unpack("!H", data[:2])[0] != len(data) - 2:
        return None
    return data[2:]


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    addr, stop = sys.argv[1], sys.argv[2]
    interval = float(sys.argv[3]) if len(sys.argv) > 3 else 0.005
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    udp = socket.socket(family, socket.SOCK_DGRAM)
    udp.connect((addr, 53))
    counts = {"udp": [0, 0], "tcp": [0, 0]}
    qid = 0
    next_tcp = 0.0
    bad = 0
    while not os.path.exists(stop):
        qid = (qid + 1) & 0xFFFF
        counts["udp"][0] += 1
        if good(ask_udp(udp, qid), qid):
            counts["udp"][1] += 1
        else:
            bad += 1
            print(f"udp query {qid} at {time.time():.3f}: no or wrong answer", flush=True)
        if time.monotonic() >= next_tcp:
            next_tcp = time.monotonic() + 0.05
            qid = (qid + 1) & 0xFFFF
            counts["tcp"][0] += 1
            try:
                ok = good(ask_tcp(family, addr, qid), qid)
            except OSError as e:
                ok = False
                print(f"tcp query {qid}: {e}", flush=True)
            if ok:
                counts["tcp"][1] += 1
            else:
                bad += 1
                print(f"tcp query {qid} at {time.time():.3f}: no or wrong answer", flush=True)
        time.sleep(interval)
    print(f"udp {counts['udp'][0]} {counts['udp'][1]} tcp {counts['tcp'][0]} {counts['tcp'][1]}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
