#!/usr/bin/python3
"""Kernel TCP client: connect, optionally send one DNS query, then close.

usage: tcp_connect.py ADDR PORT [--query NAME] [--pause SECONDS] [--abort]

Prints the local (client) port on success. --abort closes with SO_LINGER 0,
so the kernel sends an RST instead of a FIN. Exits 1 with a message when the
connection is refused (an RST came back) or times out.
"""
import argparse
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dnsquery  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("addr")
    ap.add_argument("port", type=int)
    ap.add_argument("--query")
    ap.add_argument("--pause", type=float, default=0.0)
    ap.add_argument("--abort", action="store_true")
    args = ap.parse_args()

    family = socket.AF_INET6 if ":" in args.addr else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(3)
    try:
        s.connect((args.addr, args.port))
    except OSError as e:
        print(f"connect to {args.addr} port {args.port} failed: {e}", file=sys.stderr)
        return 1
    print(s.getsockname()[1], flush=True)
    if args.query:
        s.sendall(dnsquery.tcp_framed(dnsquery.query(args.query)))
    if args.pause:
        time.sleep(args.pause)
    if args.abort:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
