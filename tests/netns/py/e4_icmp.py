#!/usr/bin/python3
"""Sends one ICMP "packet too big" message from the client namespace to the
server, about a (crafted) UDP answer of the server to the client.

  e4_icmp.py IFACE SRC_MAC DST_MAC CLIENT SERVER MTU [options]

IPv6 addresses give an ICMPv6 Packet Too Big (type 2, code 0); IPv4 ones an
ICMPv4 destination unreachable / fragmentation needed (type 3, code 4, the
next-hop MTU in the low 16 bits of the second word). The quoted packet is
the start of a DNS answer from SERVER port --sport to CLIENT port 40000,
as a router would quote it: IPv6, a 4,000-octet one, up to 1,280 octets in
all; IPv4, a whole 1,400-octet one with DF (as we send them), the IP
header and the first 64 octets after it. Or:

  --sport N        inner UDP source port (53: one of ours)
  --inner-src A    inner source address (default SERVER: our answer)
  --frag-offset N  the inner packet is a fragment at octet offset N
                   (IPv6: Fragment header; IPv4: fragment offset, MF=1)
  --cut N          quote only N octets of the inner packet (a cut quote)
  --count N        send it N times
  --no-df          (IPv4) the quoted answer without DF: nothing we send
  --bad-checksum   the ICMP checksum is wrong
"""
import argparse
import ipaddress
import sys

from scapy.all import (ICMP, ICMPv6PacketTooBig, IP, IPerror, IPv6, IPerror6,
                       IPv6ExtHdrFragment, Ether, Raw, UDP, UDPerror, conf, sendp)


def build(args):
    client = ipaddress.ip_address(args.client)
    inner_src = args.inner_src or args.server
    dns = bytes(range(256)) * 16
    dns = dns[:4000]
    if client.version == 6:
        inner = IPerror6(src=inner_src, dst=args.client, nh=17, plen=8 + 4000, hlim=64)
        if args.frag_offset is not None:
            inner.nh = 44
            inner.plen = 8 + 1448
            frag = IPv6ExtHdrFragment(nh=17, offset=args.frag_offset // 8, m=1, id=0x1234abcd)
            inner = inner / frag
        if args.frag_offset:
            inner = inner / Raw(dns[:1440])
        else:
            inner = inner / UDPerror(sport=args.sport, dport=40000, len=8 + 4000) / Raw(dns)
        quoted = bytes(inner)[:1280 - 40 - 8]
        if args.cut is not None:
            quoted = quoted[:args.cut]
        pkt = (IPv6(src=args.client, dst=args.server, hlim=64) /
               ICMPv6PacketTooBig(mtu=args.mtu) / Raw(quoted))
    else:
        # Whole answers go out with DF (1,400 octets of DNS here); our
        # fragments carry none (MF on all but the last).
        flags, frag, size = (0 if args.no_df else 2), 0, 8 + 1400
        if args.frag_offset is not None:
            flags, frag, size = 1, args.frag_offset // 8, 8 + 4000  # MF
        inner = IPerror(src=inner_src, dst=args.client, proto=17,
                        len=20 + (1480 if args.frag_offset is not None else size),
                        flags=flags, frag=frag, ttl=64, id=0x4242)
        if args.frag_offset:
            inner = inner / Raw(dns[:1480])
        else:
            inner = inner / UDPerror(sport=args.sport, dport=40000, len=size) / Raw(dns[:size - 8])
        quoted = bytes(inner)[:20 + 64]
        if args.cut is not None:
            quoted = quoted[:args.cut]
        pkt = (IP(src=args.client, dst=args.server, ttl=64) /
               ICMP(type=3, code=4, nexthopmtu=args.mtu) / Raw(quoted))
    if args.bad_checksum:
        layer, field = (ICMPv6PacketTooBig, "cksum") if client.version == 6 else (ICMP, "chksum")
        pkt = pkt.__class__(bytes(pkt))
        setattr(pkt[layer], field, getattr(pkt[layer], field) ^ 0x5555)
    return Ether(src=args.src_mac, dst=args.dst_mac) / pkt


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("iface")
    ap.add_argument("src_mac")
    ap.add_argument("dst_mac")
    ap.add_argument("client")
    ap.add_argument("server")
    ap.add_argument("mtu", type=int)
    ap.add_argument("--sport", type=int, default=53)
    ap.add_argument("--inner-src")
    ap.add_argument("--frag-offset", type=int)
    ap.add_argument("--cut", type=int)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--no-df", action="store_true")
    ap.add_argument("--bad-checksum", action="store_true")
    args = ap.parse_args()
    conf.verb = 0
    frame = build(args)
    sendp(frame, iface=args.iface, count=args.count)
    return 0


if __name__ == "__main__":
    sys.exit(main())
