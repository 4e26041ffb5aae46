#!/usr/bin/python3
"""Answers every UDP DNS query with TC=1: what xdpdns's udp.truncate-all does,
for NSD (which has no such switch) in the reference runs of the resolver
tests, so that every resolution goes over TCP to the kernel's TCP and NSD.

usage: rt_tc_front.py ADDRESS PORT READYFILE

Listens on UDP ADDRESS:PORT; the test rewrites UDP to the service port to
PORT in front of it (nft, stateless). The answer is the one xdpdns's
dns_truncate() (bpf/lib/dns.h) builds: the query's header with QR and TC
set, RD and CD copied, everything else clear (AA 0, rcode NOERROR), the
question, and an OPT record (payload size 1232, DO copied) if the query had
one; no other records. Anything else (not a QUERY with one question and no
answer or authority records) is not answered. Writes READYFILE once bound;
writes the number of answers to READYFILE.count on SIGTERM.
"""
import signal
import socket
import struct
import sys


def question_end(wire):
    """Offset after the (single) question, or None if it does not parse."""
    pos = 12
    while True:
        if pos >= len(wire):
            return None
        n = wire[pos]
        pos += 1
        if n == 0:
            break
        if n > 63:
            return None  # no compression in a question name
        pos += n
    pos += 4
    return pos if pos <= len(wire) else None


def answer(wire):
    if len(wire) < 12:
        return None
    qid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", wire[:12])
    if flags & 0x8000 or flags & 0x7800 or qd != 1 or an or ns:
        return None  # a response, not QUERY, not one question, records
    end = question_end(wire)
    if end is None:
        return None
    out_flags = 0x8000 | 0x0200 | (flags & 0x0100) | (flags & 0x0010)  # QR TC, RD CD copied
    opt = b""
    if ar and wire[end:end + 3] == b"\x00\x00\x29" and len(wire) >= end + 11:
        do = wire[end + 7] & 0x80
        opt = struct.pack("!BHHBBBBH", 0, 41, 1232, 0, 0, do, 0, 0)
    header = struct.pack("!HHHHHH", qid, out_flags, 1, 0, 0, 1 if opt else 0)
    return header + wire[12:end] + opt


def main() -> int:
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    addr, port, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((addr, port))
    answered = 0

    def stop(*_):
        with open(ready + ".count", "w") as f:
            f.write(f"{answered}\n")
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    with open(ready, "w") as f:
        f.write("ready\n")
    while True:
        wire, peer = s.recvfrom(65535)
        out = answer(wire)
        if out is not None:
            s.sendto(out, peer)
            answered += 1


if __name__ == "__main__":
    sys.exit(main())
