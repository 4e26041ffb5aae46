"""A burst of UDP queries for one name, each with the same COOKIE option,
from one socket; every reply classified as in rrl_flood.py: a full answer
(TC=0, with an answer record), TC=1 (slipped), or none (dropped).

usage: cookie_flood.py SERVER NAME COUNT COOKIE-HEX [WAIT_S]
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
    server, name, count, cookie = sys.argv[1], sys.argv[2], int(sys.argv[3]), bytes.fromhex(sys.argv[4])
    wait = float(sys.argv[5]) if len(sys.argv) > 5 else 1.5
    s = socket.socket(socket.AF_INET6 if ":" in server else socket.AF_INET, socket.SOCK_DGRAM)
    s.setblocking(False)
    pending = set(random.sample(range(1, 65536), count))
    for qid in pending:
        s.sendto(with_cookie(query(name, qid), cookie), (server, 53))
    full = tc = 0
    deadline = time.monotonic() + wait
    while pending and time.monotonic() < deadline:
        ready, _, _ = select.select([s], [], [], max(0.0, deadline - time.monotonic()))
        while ready:
            try:
                data = s.recv(4096)
            except BlockingIOError:
                break
            if len(data) < 12:
                continue
            qid, flags, _, ancount = struct.unpack("!HHHH", data[:8])
            if qid not in pending:
                continue
            pending.discard(qid)
            if flags & 0x0200:
                tc += 1
            elif ancount > 0:
                full += 1
    print(f"sent={count} full={full} tc={tc} none={len(pending)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
