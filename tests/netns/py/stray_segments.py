#!/usr/bin/python3
"""Sends crafted TCP segments that a stateless server must swallow silently.

usage: stray_segments.py IFACE SRC_MAC DST_MAC SRC_IP DST_IP DPORT SPORT KIND...

Each KIND goes out once, from source port SPORT, SPORT+1, ... in order:
  ack            pure ACK                         -> tcp-ack-consumed
  rst, rst-ack   RST, RST+ACK                     -> tcp-rst-consumed
  bad-cookie     data + ACK, ack-1 not a cookie   -> tcp-bad-cookie
  bad-cookie-fin the same with FIN                -> tcp-bad-cookie
  no-ack-data    data without ACK                 -> tcp-no-ack-dropped
  no-ack-null    no flags at all                  -> tcp-no-ack-dropped
  no-ack-fin     FIN without ACK                  -> tcp-no-ack-dropped
Frames are sent on IFACE with explicit MACs (no ARP/ND), full checksums.
Prints "KIND SPORT" per segment.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dnsquery  # noqa: E402

from scapy.all import IP, TCP, Ether, IPv6, Raw, conf, sendp  # noqa: E402

# A fixed, arbitrary acknowledgement number: ack-1 is a valid cookie for a
# given tuple with probability ~2^-28.
BAD_ACK = 0x5EC0DE01
PAYLOAD = dnsquery.tcp_framed(dnsquery.query("stray.example.", qid=0x5151))

KINDS = {
    "ack": ("A", b""),
    "rst": ("R", b""),
    "rst-ack": ("RA", b""),
    "bad-cookie": ("PA", PAYLOAD),
    "bad-cookie-fin": ("FPA", PAYLOAD),
    "no-ack-data": ("P", PAYLOAD),
    "no-ack-null": ("", b""),
    "no-ack-fin": ("F", b""),
}


def main() -> int:
    if len(sys.argv) < 9:
        print(__doc__, file=sys.stderr)
        return 2
    iface, smac, dmac, src, dst = sys.argv[1:6]
    dport, sport = int(sys.argv[6]), int(sys.argv[7])
    conf.verb = 0
    ip = IPv6(src=src, dst=dst) if ":" in dst else IP(src=src, dst=dst)
    for i, kind in enumerate(sys.argv[8:]):
        if kind not in KINDS:
            print(f"unknown kind {kind}; known: {' '.join(KINDS)}", file=sys.stderr)
            return 2
        flags, payload = KINDS[kind]
        seg = TCP(sport=sport + i, dport=dport, flags=flags, seq=0x1000 + i,
                  ack=BAD_ACK if "A" in flags else 0, window=8192)
        frame = Ether(src=smac, dst=dmac) / ip / seg
        if payload:
            frame = frame / Raw(payload)
        sendp(frame, iface=iface)
        print(kind, sport + i, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
