#!/usr/bin/python3
"""One TCP query on a connection that then stays quiet: prints the answer's
RCODE and ANCOUNT, then how long until the server closed the connection
(its FIN: recv() returns b"").

usage: tcp_idle_client.py SERVER NAME QTYPE WAIT_S
Prints "rcode=N ancount=N closed_after=S" (closed_after=none if the server
did not close within WAIT_S seconds); exit 1 on a short or missing answer.
"""
import socket
import struct
import sys
import time

sys.path.insert(0, __import__("os").path.dirname(__import__("os").path.abspath(__file__)))
import dnsquery  # noqa: E402


def recv_exact(s, n):
    out = b""
    while len(out) < n:
        chunk = s.recv(n - len(out))
        if not chunk:
            return None
        out += chunk
    return out


def main():
    server, name, qtype, wait_s = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    family = socket.AF_INET6 if ":" in server else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(3)
    s.connect((server, 53))
    s.sendall(dnsquery.tcp_framed(dnsquery.query(name, 0x5151, qtype)))
    head = recv_exact(s, 2)
    msg = head and recv_exact(s, struct.unpack("!H", head)[0])
    if not msg:
        print("no answer")
        return 1
    t0 = time.monotonic()
    s.settimeout(wait_s)
    closed = "none"
    try:
        if s.recv(1) == b"":
            closed = "%.2f" % (time.monotonic() - t0)
    except socket.timeout:
        pass
    print("rcode=%d ancount=%d closed_after=%s" % (msg[3] & 0x0F, struct.unpack("!H", msg[6:8])[0], closed))
    s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
