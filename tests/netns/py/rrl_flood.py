"""A burst of UDP queries for one question from several source addresses,
then every reply classified: a full answer (TC=0, with an answer record),
TC=1 (a slipped, rate-limited answer), or none (dropped). With --cookie,
every query carries an OPT record (1232 octets) with that COOKIE option.

usage: rrl_flood.py [--cookie HEX] SERVER NAME QTYPE COUNT SRC[,SRC...] [WAIT_S]
prints: sent=N full=F tc=T none=D
"""
import random
import select
import socket
import struct
import sys
import time

from dnsquery import query


def with_cookie(msg: bytes, cookie: bytes) -> bytes:
    """The query with ARCOUNT 1 and an OPT (1232 octets) carrying COOKIE."""
    option = struct.pack("!HH", 10, len(cookie)) + cookie
    opt = b"\x00" + struct.pack("!HHIH", 41, 1232, 0, len(option)) + option
    return msg[:10] + struct.pack("!H", 1) + msg[12:] + opt


def main() -> int:
    args = sys.argv[1:]
    cookie = None
    if args[:1] == ["--cookie"]:
        cookie, args = bytes.fromhex(args[1]), args[2:]
    server, name, qtype, count, sources = args[0], args[1], int(args[2]), int(args[3]), args[4]
    family = socket.AF_INET6 if ":" in server else socket.AF_INET
    socks = []
    for src in sources.split(","):
        s = socket.socket(family, socket.SOCK_DGRAM)
        s.bind((src, 0))
        s.setblocking(False)
        socks.append(s)
    ids = random.sample(range(1, 65536), count)
    pending = set()
    for i, qid in enumerate(ids):
        s = socks[i % len(socks)]
        msg = query(name, qid, qtype)
        s.sendto(with_cookie(msg, cookie) if cookie else msg, (server, 53))
        pending.add((socks.index(s), qid))
    full = tc = 0
    deadline = time.monotonic() + (float(args[5]) if len(args) > 5 else 1.5)
    while pending and time.monotonic() < deadline:
        ready, _, _ = select.select(socks, [], [], max(0.0, deadline - time.monotonic()))
        for s in ready:
            while True:
                try:
                    data = s.recv(4096)
                except BlockingIOError:
                    break
                if len(data) < 12:
                    continue
                qid, flags, _, ancount = struct.unpack("!HHHH", data[:8])
                key = (socks.index(s), qid)
                if key not in pending:
                    continue
                pending.discard(key)
                if flags & 0x0200:
                    tc += 1
                elif ancount > 0:
                    full += 1
    print(f"sent={count} full={full} tc={tc} none={len(pending)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
