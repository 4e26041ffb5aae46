"""A burst of UDP queries for one question from several source addresses,
then every reply classified: a full answer (TC=0, with an answer record),
TC=1 (a slipped, rate-limited answer), or none (dropped).

usage: rrl_flood.py SERVER NAME QTYPE COUNT SRC[,SRC...] [WAIT_S]
prints: sent=N full=F tc=T none=D
"""
import random
import select
import socket
import struct
import sys
import time

from dnsquery import query


def main() -> int:
    server, name, qtype, count, sources = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
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
        s.sendto(query(name, qid, qtype), (server, 53))
        pending.add((socks.index(s), qid))
    full = tc = 0
    deadline = time.monotonic() + (float(sys.argv[6]) if len(sys.argv) > 6 else 1.5)
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
