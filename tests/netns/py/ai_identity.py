"""In-kernel answers on the wire: every query is sent three times, the same
frame each time (same ports, same ID), from an AF_PACKET socket on the
client veth. The first two are answered by xdpdnsd (it stores an answer
when a question comes a second time), the third by the XDP program when
the answer could be stored. All three replies must be the same frame, octet
for octet, Ethernet header to the last DNS octet.

usage: ai_identity.py IFACE CLIENT_MAC SERVER_MAC CLIENT4 SERVER4 CLIENT6 SERVER6 ZONE:ORIGIN...

Each question is asked once (three sends), so exactly the storable ones
are answered by XDP, on the third send.

Prints "queries=N identical=N storable=N" (storable: replies XDP may give:
sections after the question of at most 880 octets, TC clear, within the
client's buffer); mismatches and missing replies on stderr, exit 1.
"""
import os
import socket
import struct
import sys

from dnsquery import encode_name

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
TYPES = [1, 28, 16, 15, 2, 6, 5, 43, 48, 46, 33, 255, 99]
SHAPES = [(False, False), (True, False), (True, True)]  # (OPT, DO)
BODY_MAX = 880


def zone_names(path, origin):
    names = set()
    with open(path) as f:
        for line in f:
            if not line.strip() or line[0] in ";$ \t":
                continue
            owner = line.split()[0]
            if owner == "@":
                owner = origin
            elif not owner.endswith("."):
                owner += "." + origin
            if owner.startswith("*."):
                owner = "anything" + owner[1:]
            names.add(owner)
    names.update({"nothere." + origin, "host.sub." + origin, "outside.elsewhere."})
    return sorted(names)


def mixed(name):
    return "".join(c.upper() if i % 2 == 0 else c for i, c in enumerate(name))


def message(qid, name, qtype, opt, do):
    flags = 0x0100
    m = struct.pack("!HHHHHH", qid, flags, 1, 0, 0, 1 if opt else 0)
    m += encode_name(name) + struct.pack("!HH", qtype, 1)
    if opt:
        m += b"\x00" + struct.pack("!HHBBHH", 41, 1232, 0, 0, 0x8000 if do else 0, 0)
    return m


def csum(data):
    if len(data) % 2:
        data += b"\x00"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def frame(cmac, smac, v6, caddr, saddr, sport, payload):
    udp_len = 8 + len(payload)
    if v6:
        src, dst = socket.inet_pton(socket.AF_INET6, caddr), socket.inet_pton(socket.AF_INET6, saddr)
        pseudo = src + dst + struct.pack("!I3xB", udp_len, 17)
        ip = struct.pack("!IHBB", 0x60000000, udp_len, 17, 64) + src + dst
        ethertype = 0x86DD
    else:
        src, dst = socket.inet_aton(caddr), socket.inet_aton(saddr)
        pseudo = src + dst + struct.pack("!BBH", 0, 17, udp_len)
        hdr = struct.pack("!BBHHHBBH", 0x45, 0, 20 + udp_len, 0, 0x4000, 64, 17, 0) + src + dst
        ip = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
        ethertype = 0x0800
    udp = struct.pack("!HHHH", sport, 53, udp_len, 0) + payload
    c = csum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    return smac + cmac + struct.pack("!H", ethertype) + ip + udp


def reply_port(f):
    """(UDP source port, destination port, DNS payload) of an IPv4/IPv6 UDP frame, or None."""
    et = struct.unpack("!H", f[12:14])[0]
    if et == 0x0800 and len(f) >= 42 and f[23] == 17:
        off = 14 + (f[14] & 0x0F) * 4
    elif et == 0x86DD and len(f) >= 62 and f[20] == 17:
        off = 54
    else:
        return None
    sp, dp = struct.unpack("!HH", f[off:off + 4])
    return sp, dp, f[off + 8:]


def main():
    a = sys.argv[1:]
    if len(a) < 8:
        sys.exit(__doc__)
    iface = a[0]
    cmac, smac = bytes.fromhex(a[1].replace(":", "")), bytes.fromhex(a[2].replace(":", ""))
    c4, s4, c6, s6 = a[3:7]
    zones = [z.split(":", 1) for z in a[7:]]

    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    s.settimeout(1.0)

    def exchange(f, sport):
        s.send(f)
        while True:
            try:
                data, addr = s.recvfrom(65535)
            except socket.timeout:
                return None
            if addr[2] == PACKET_OUTGOING:
                continue
            r = reply_port(data)
            if r and r[0] == 53 and r[1] == sport:
                return data

    queries = identical = storable = 0
    bad = 0
    qid = 1
    names = sorted({n for path, origin in zones for n in zone_names(path, origin)})
    if True:
        for name in names:
            for qtype in TYPES:
                for shape_i, (opt, do) in enumerate(SHAPES):
                    # Each question once (the map's key is lowercase): EDNS
                    # DO=0 asks in mixed case, the others as the zone has it.
                    for asked in [mixed(name) if shape_i == 1 else name]:
                        qid = (qid + 1) & 0xFFFF
                        v6 = qid % 2 == 0
                        sport = 20000 + qid % 30000
                        msg = message(qid, asked, qtype, opt, do)
                        f = frame(cmac, smac, v6, c6 if v6 else c4, s6 if v6 else s4, sport, msg)
                        replies = [exchange(f, sport) for _ in range(3)]
                        queries += 1
                        what = "%s type %d %s %s" % (asked, qtype, "IPv6" if v6 else "IPv4",
                                                     ("DO=1" if do else "DO=0") if opt else "no EDNS")
                        if None in replies:
                            bad += 1
                            print("no reply to %s (%s)" % (what, [r is not None for r in replies]), file=sys.stderr)
                            continue
                        if replies[0] == replies[1] == replies[2]:
                            identical += 1
                        else:
                            bad += 1
                            if bad <= 10:
                                for i, r in enumerate(replies):
                                    print("%s reply %d: %s" % (what, i + 1, r.hex()), file=sys.stderr)
                        dns = reply_port(replies[0])[2]
                        body = len(dns) - len(msg) + (11 if opt else 0)
                        tc = dns[2] & 0x02
                        if body <= BODY_MAX and not tc and len(dns) <= (1232 if opt else 512):
                            storable += 1
    print("queries=%d identical=%d storable=%d" % (queries, identical, storable))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
