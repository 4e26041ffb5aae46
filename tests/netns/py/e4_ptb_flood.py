#!/usr/bin/python3
"""Floods the server with forged "too big" messages, each about one of its
UDP answers (inner source SERVER, inner source port 53) to a different
client address: the address the path-MTU map would be keyed by.

  e4_ptb_flood.py IFACE SRC_MAC DST_MAC SERVER6 SERVER4 COUNT6 COUNT4 [MTU]

COUNT6 ICMPv6 Packet Too Big messages about 2001:db8:e4::/48 addresses,
then COUNT4 ICMPv4 fragmentation-needed messages (quoting a whole
1,400-octet answer with DF) about 198.18.0.0/15 and 100.64.0.0/10
addresses; every message comes from its client address (a
forged source), so sources and quoted destinations are all distinct.
Frames are written to an AF_PACKET socket; only the address words change
between messages, so the checksums are patched, not recomputed. Prints the
number of frames sent per family.
"""
import ipaddress
import socket
import struct
import sys


def csum_add(s, data):
    if len(data) % 2:
        data += b"\0"
    return s + sum(struct.unpack("!%dH" % (len(data) // 2), data))


def fold(s):
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def eth(src, dst, ethertype):
    return (bytes.fromhex(dst.replace(":", "")) + bytes.fromhex(src.replace(":", "")) +
            struct.pack("!H", ethertype))


def quoted_answer6(server, client):
    udp = struct.pack("!HHHH", 53, 40000, 8 + 4000, 0)
    ip6 = struct.pack("!IHBB", 6 << 28, 8 + 4000, 17, 64) + server + client
    return ip6 + udp + bytes(64)


def flood6(sock, src_mac, dst_mac, server, count, mtu):
    """Outer src = inner dst = the client address (offsets patched below)."""
    zero = bytes(16)
    icmp = struct.pack("!BBHI", 2, 0, 0, mtu) + quoted_answer6(server, zero)
    outer = struct.pack("!IHBB", 6 << 28, len(icmp), 58, 64) + zero + server
    frame = bytearray(eth(src_mac, dst_mac, 0x86DD) + outer + icmp)
    o_src = 14 + 8
    o_icmp = 14 + 40
    o_inner_dst = o_icmp + 8 + 24
    # Checksum of everything but the client address (pseudo-header: src,
    # dst, length, next header).
    base = csum_add(0, server)
    base = csum_add(base, struct.pack("!IxxxB", len(icmp), 58))
    base = csum_add(base, icmp)
    prefix = ipaddress.IPv6Address("2001:db8:e4::").packed[:6]
    sent = 0
    for i in range(count):
        client = prefix + struct.pack("!HII", 0, i >> 16, (i & 0xffff) | 0x10000)
        frame[o_src:o_src + 16] = client
        frame[o_inner_dst:o_inner_dst + 16] = client
        s = fold(csum_add(csum_add(base, client), client))
        struct.pack_into("!H", frame, o_icmp + 2, (~s) & 0xffff or 0xffff)
        sock.send(frame)
        sent += 1
    return sent


def v4_addresses(count):
    for net in ("198.18.0.0/15", "100.64.0.0/10"):
        n = ipaddress.IPv4Network(net)
        base = int(n.network_address)
        for k in range(1, n.num_addresses - 1):
            if count == 0:
                return
            yield struct.pack("!I", base + k)
            count -= 1


def flood4(sock, src_mac, dst_mac, server, count, mtu):
    zero = bytes(4)
    # A whole 1,400-octet answer with DF, as we send them (our fragments
    # carry no DF, so no router sends fragmentation-needed about them).
    inner = struct.pack("!BBHHHBBH", 0x45, 0, 20 + 8 + 1400, 0x4242, 0x4000, 64, 17, 0) + server + zero
    inner += struct.pack("!HHHH", 53, 40000, 8 + 1400, 0) + bytes(56)
    icmp = struct.pack("!BBHHH", 3, 4, 0, 0, mtu) + inner
    total = 20 + len(icmp)
    outer = struct.pack("!BBHHHBBH", 0x45, 0, total, 0, 0, 64, 1, 0) + zero + server
    frame = bytearray(eth(src_mac, dst_mac, 0x0800) + outer + icmp)
    o_ip = 14
    o_icmp = 14 + 20
    o_inner_dst = o_icmp + 8 + 16
    ip_base = csum_add(0, bytes(outer))
    icmp_base = csum_add(0, icmp)
    sent = 0
    for client in v4_addresses(count):
        frame[o_ip + 12:o_ip + 16] = client
        frame[o_inner_dst:o_inner_dst + 4] = client
        struct.pack_into("!H", frame, o_ip + 10, (~fold(csum_add(ip_base, client))) & 0xffff)
        struct.pack_into("!H", frame, o_icmp + 2, (~fold(csum_add(icmp_base, client))) & 0xffff)
        sock.send(frame)
        sent += 1
    return sent


def main():
    if len(sys.argv) not in (8, 9):
        sys.exit(__doc__)
    iface, src_mac, dst_mac, s6, s4, c6, c4 = sys.argv[1:8]
    mtu = int(sys.argv[8]) if len(sys.argv) == 9 else 1280
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((iface, 0))
    n6 = flood6(sock, src_mac, dst_mac, ipaddress.IPv6Address(s6).packed, int(c6), mtu)
    print("sent6=%d" % n6, flush=True)
    n4 = flood4(sock, src_mac, dst_mac, ipaddress.IPv4Address(s4).packed, int(c4), max(mtu, 1200))
    print("sent4=%d" % n4, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
