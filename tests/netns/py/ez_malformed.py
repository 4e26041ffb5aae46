#!/usr/bin/python3
"""Malformed DNS queries to xdpdnsd over UDP and TCP: each gets the exact
answer ctl/dns/query.h and ctl/dns/response.h document, or a counted drop.

usage: ez_malformed.py ADDR[,ADDR...] STATS-COMMAND...

Runs in the client namespace. ADDRs are the server's addresses (IPv4,
IPv6); STATS-COMMAND prints `xdpdnsctl stats IFACE --json` of the server
(run through nsenter), read before and after every case to check the
counters it moved.

The messages are built octet by octet with struct (every malformation is in
the DNS payload, so no scapy is needed: kernel sockets give a real UDP
socket and a real TCP handshake). Expected answers are built the same way
from the documented rules:
  * header: same ID and opcode, QR=1, RD and CD copied, AA=TC=RA=AD=0,
    RCODE = low 4 bits (FORMERR 1, NOTIMP 4; BADVERS 16 -> 0 here);
  * the question echoed, as sent, only when it parsed (QDCOUNT == 1 and an
    uncompressed name within 255 octets);
  * our OPT (root, type 41, class 1232, TTL = ext-rcode << 24 | DO << 15,
    no RDATA) only when the query's sections parsed with one OPT;
  * opcode != QUERY -> NOTIMP first; then FORMERR; then BADVERS.
Fewer than 12 octets or QR=1: never answered. Over UDP the XDP program
drops them itself (udp-not-query); over TCP the daemon does: such a first
segment cannot start a query stream, so no connection is made
(d-tcp-not-query for every segment that reached it, retransmissions
included; nothing sent back, not even an ACK).
Prints one line per check; exits 1 on any failure.
"""
import json
import socket
import struct
import subprocess
import sys
import time

RD, CD, QR = 0x0100, 0x0010, 0x8000
FORMERR, NOTIMP, BADVERS = 1, 4, 16
OUR_EDNS_SIZE = 1232
QNAME = "small.example.test"


def name(text):
    out = b""
    for label in text.split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\x00"


def header(qid, flags=RD, qd=1, an=0, ns=0, ar=0):
    return struct.pack("!HHHHHH", qid, flags, qd, an, ns, ar)


QUESTION = name(QNAME) + struct.pack("!HH", 1, 1)  # A IN


def opt(size=4096, ext=0, version=0, do=False, rdata=b""):
    ttl = (ext << 24) | (version << 16) | (0x8000 if do else 0)
    return b"\x00" + struct.pack("!HHIH", 41, size, ttl, len(rdata)) + rdata


def our_opt(rcode=0, do=False):
    return opt(OUR_EDNS_SIZE, rcode >> 4, 0, do)


def error_answer(query, rcode, question=None, with_opt=False, do=False):
    qid, flags = struct.unpack("!HH", query[:4])
    rflags = QR | (flags & 0x7800) | (flags & (RD | CD)) | (rcode & 0xF)
    out = header(qid, rflags, 1 if question else 0, 0, 0, 1 if with_opt else 0)
    out += question or b""
    return out + (our_opt(rcode, do) if with_opt else b"")


class Case:
    def __init__(self, label, query, expect, counters):
        self.label = label
        self.query = query
        self.expect = expect        # answer octets, or None: never answered
        self.counters = counters    # {"udp": {...}, "tcp": {...}} deltas


def cases():
    out = []

    def add(label, query, expect, udp=None, tcp=None):
        out.append(Case(label, query, expect, {"udp": udp or {}, "tcp": tcp or {}}))

    # Never answered.
    q = header(0x0101)[:7]
    add("short header (7 octets)", q, None,
        udp={"udp-not-query": 1, "udp-to-daemon": 0}, tcp={"d-tcp-not-query": "segments"})
    q = header(0x0102, QR | RD) + QUESTION
    add("QR=1", q, None,
        udp={"udp-not-query": 1, "udp-to-daemon": 0}, tcp={"d-tcp-not-query": "segments"})

    formerr = {"d-dns-formerr": 1, "d-dns-dropped": 0}
    # Question name through a compression pointer back to its own start
    # (a label loop): no question echoed; the OPT after it is never read.
    q = header(0x0103, RD, ar=1) + b"\x03abc\xc0\x0c" + struct.pack("!HH", 1, 1) + opt()
    add("label loop via a compression pointer in the question", q,
        error_answer(q, FORMERR), formerr, formerr)
    # A record in the answer section whose owner is a pointer to itself
    # (a pointer loop): the question parsed and is echoed; the sections did
    # not, so the OPT is not echoed.
    owner = 12 + len(QUESTION)
    q = (header(0x0104, RD, an=1, ar=1) + QUESTION + struct.pack("!H", 0xC000 | owner)
         + struct.pack("!HHIH", 1, 1, 60, 4) + bytes(4) + opt())
    add("pointer loop in the answer section", q,
        error_answer(q, FORMERR, QUESTION), formerr, formerr)
    # 4 labels of 63 and one of 62: 4*64 + 63 + 1 = 320 octets > 255.
    long_name = ".".join(["a" * 63] * 4 + ["b" * 62])
    q = header(0x0105) + name(long_name) + struct.pack("!HH", 1, 1)
    add("name of 320 octets", q, error_answer(q, FORMERR), formerr, formerr)
    # Label length 0x40: a reserved label type (RFC 6891 dropped it).
    q = header(0x0106) + b"\x40" + b"x" * 64 + b"\x00" + struct.pack("!HH", 1, 1)
    add("label type 0x40", q, error_answer(q, FORMERR), formerr, formerr)
    q = header(0x0107, RD, qd=0, ar=1) + opt()
    add("QDCOUNT 0", q, error_answer(q, FORMERR), formerr, formerr)
    q = header(0x0108, RD, qd=2) + QUESTION + name("www.example.test") + struct.pack("!HH", 1, 1)
    add("QDCOUNT 2", q, error_answer(q, FORMERR), formerr, formerr)
    # ARCOUNT 1 but the OPT stops after 6 of its 11 fixed octets.
    q = header(0x0109, RD, ar=1) + QUESTION + opt()[:6]
    add("truncated OPT (6 of 11 octets)", q, error_answer(q, FORMERR, QUESTION), formerr, formerr)
    # RDLENGTH 4, an option header announcing 8 octets of data.
    q = header(0x010A, RD, ar=1) + QUESTION + opt(rdata=struct.pack("!HH", 10, 8))
    add("OPT option overrunning its RDATA", q, error_answer(q, FORMERR, QUESTION), formerr, formerr)
    q = header(0x010B, RD, ar=2) + QUESTION + opt() + opt()
    add("two OPT records", q, error_answer(q, FORMERR, QUESTION), formerr, formerr)

    # BADVERS: extended RCODE 16 = 1 << 4 in our OPT, header RCODE 0, our
    # version 0, DO copied.
    q = header(0x010C, RD | CD, ar=1) + QUESTION + opt(version=1, do=True)
    add("EDNS version 1", q, error_answer(q, BADVERS, QUESTION, True, do=True),
        {"d-dns-formerr": 0}, {"d-dns-formerr": 0})
    # NOTIMP for opcode 4 (NOTIFY): opcode copied, question and OPT echoed.
    q = header(0x010D, (4 << 11), ar=1) + QUESTION + opt()
    add("opcode 4 (NOTIFY)", q, error_answer(q, NOTIMP, QUESTION, True),
        {"d-dns-formerr": 0}, {"d-dns-formerr": 0})
    # NOTIMP wins over FORMERR: opcode 2 (STATUS) without a question.
    q = header(0x010E, (2 << 11) | RD, qd=0)
    add("opcode 2 (STATUS) with QDCOUNT 0", q, error_answer(q, NOTIMP),
        {"d-dns-formerr": 0}, {"d-dns-formerr": 0})
    return out


GOOD = header(0x0BEE, RD, ar=1) + QUESTION + opt(1232)


def check_good(answer):
    """The zone's answer to small.example.test A: NOERROR, AA, A 192.0.2.1."""
    if answer is None or len(answer) < 12:
        return "no answer"
    qid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", answer[:12])
    if (qid, flags & 0x800F, flags & 0x0400, qd, an, ns, ar) != (0x0BEE, QR, 0x0400, 1, 1, 0, 1):
        return f"header {answer[:12].hex()}"
    if struct.pack("!HHIH", 1, 1, 3600, 4) + bytes([192, 0, 2, 1]) not in answer:
        return "no A 192.0.2.1 record"
    return None


def udp_exchange(addr, query, wait):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    with socket.socket(fam, socket.SOCK_DGRAM) as s:
        s.connect((addr, 53))
        s.send(query)
        s.settimeout(wait)
        try:
            return s.recv(65535)
        except socket.timeout:
            return None


def tcp_exchange(addr, query, expect_answer):
    """Connects, sends the framed query, reads one length-prefixed message
    (the server keeps the connection open for more queries, tcp.reuse), or
    to the server's FIN. Returns the list of DNS messages received. When no
    answer is expected, waits 0.5 s and closes with an RST (nothing would
    ever acknowledge the query: the kernel would retransmit it for
    minutes)."""
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(3)
    s.connect((addr, 53))
    s.sendall(struct.pack("!H", len(query)) + query)
    data = b""
    try:
        s.settimeout(3 if expect_answer else 0.5)
        while len(data) < 2 or len(data) < 2 + struct.unpack("!H", data[:2])[0]:
            chunk = s.recv(65535)
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        if expect_answer:
            s.close()
            raise
    if not expect_answer:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    msgs = []
    while len(data) >= 2:
        n = struct.unpack("!H", data[:2])[0]
        msgs.append(data[2:2 + n])
        data = data[2 + n:]
    if data:
        msgs.append(b"<trailing " + data.hex().encode() + b">")
    return msgs


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    addrs = sys.argv[1].split(",")
    stats_cmd = sys.argv[2:]

    def stats():
        doc = json.loads(subprocess.run(stats_cmd, check=True, capture_output=True,
                                        text=True).stdout)
        (itf,) = doc["interfaces"].values()
        return {**itf["xdp"], **itf["daemon"]}

    failures = 0
    checks = 0

    def report(what, problem):
        nonlocal failures, checks
        checks += 1
        if problem:
            failures += 1
            print(f"FAIL {what}: {problem}")
        else:
            print(f"ok   {what}")

    for addr in addrs:
        fam = "v6" if ":" in addr else "v4"
        for transport in ("udp", "tcp"):
            for case in cases():
                what = f"{transport} {fam} {case.label}"
                before = stats()
                try:
                    if transport == "udp":
                        got = udp_exchange(addr, case.query, 2 if case.expect else 0.5)
                        got = [] if got is None else [got]
                    else:
                        got = tcp_exchange(addr, case.query, case.expect is not None)
                except OSError as e:
                    report(what, f"{transport} exchange failed: {e}")
                    continue
                time.sleep(0.05)  # the XDP ACK of our FIN, counted after we return
                after = stats()
                delta = {k: after[k] - before[k] for k in after}
                want = [case.expect] if case.expect is not None else []
                problem = None
                if got != want:
                    problem = (f"answer {[m.hex() for m in got]}, "
                               f"expected {[m.hex() for m in want]}")
                for name, value in case.counters[transport].items():
                    if value == "segments":
                        # Every query segment that reached the daemon was
                        # dropped (the kernel may have retransmitted it).
                        value = delta["tcp-to-daemon"]
                        if value < 1:
                            problem = problem or "the query never reached the daemon"
                    if delta[name] != value:
                        problem = problem or f"counter {name} moved by {delta[name]}, expected {value}"
                if case.expect is not None and transport == "tcp" and delta["d-tcp-answers"] != 1:
                    problem = problem or f"d-tcp-answers moved by {delta['d-tcp-answers']}"
                if case.expect is None and delta["d-tx"] != 0:
                    problem = problem or f"d-tx moved by {delta['d-tx']}: something was sent"
                report(what, problem)

            # The daemon is still there and answers a good query.
            what = f"{transport} {fam} good query afterwards"
            try:
                if transport == "udp":
                    got = udp_exchange(addr, GOOD, 2)
                else:
                    msgs = tcp_exchange(addr, GOOD, True)
                    got = msgs[0] if len(msgs) == 1 else None
            except OSError as e:
                got = None
                print(f"     ({e})")
            report(what, check_good(got))

    print(f"{checks - failures}/{checks} checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
