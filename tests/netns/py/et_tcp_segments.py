#!/usr/bin/python3
"""What TCP clients rarely do, played with scapy against xdpdnsd (zone backend).

usage: et_tcp_segments.py [--upstream] IFACE SRC_MAC DST_MAC SRC_IP DST_IP SPORT_BASE CASE...

--upstream: xdpdnsd runs the upstream backend. Every answer train is then
preceded by a bare ACK of the request (sent at once, the train when the
upstream answers), big4000's answer is the upstream's (its length is not
the zone backend's), and replies may take longer.

Every CASE opens its own connection(s) from source ports SPORT_BASE, +1, ...
with a handshake made by hand (SYN, the server's SYN-ACK carries the cookie
as its ISN). The client kernel has no socket for these ports: it would answer
the server's segments with RSTs, so the calling script drops outgoing RSTs in
the client namespace (nftables output hook). Our own frames go out through an
AF_PACKET socket (sendp), which that hook does not see, so case `rst` still
sends its RST.

Cases (a..h of the end-to-end test):
  split      length prefix and message in two segments: bare ACK of the two
             octets, then the answer train after the second segment
  two        two queries in one segment: both answers in order in one train,
             ack = end of the segment
  repack     a split query answered, then retransmitted whole from its first
             octet: the same train again
  oneandhalf one query and part of the next in one segment: a bare ACK of
             all of it; the rest of the second: both answers, one train
  retransmit the same query segment twice: the same octets at the same
             sequence numbers
  badcookie  data with ack-1 != cookie (after a real handshake): no reply
  rst        RST after the first segment of big4000's answer: nothing more in
             reply, and a new connection on the same 4-tuple is answered
  fin        FIN carrying a query: answered, our ACK covers the FIN
  pipeline   a second query in its own segment, sent before the first answer
             arrives (same ack): never answered; nothing overlaps in sequence
             space; reuse after our FIN (acking it) gets nothing either
  mss600     SYN with MSS 600, big4000: data segments of 512 octets
  mss300     SYN with MSS 300, big4000: data segments of at most 300 octets
  window     window 1000 in the query segment, big4000: a TC=1 answer (AA=1) that
             fits the window
  pending    (--upstream, slow upstream) the query retransmitted while its
             upstream answer is pending: no reply to it, one train only

Every segment from the server is checked: addresses and ports, IP and TCP
checksums (recomputed), ack number, flags, payload. Answer messages are
compared byte for byte with the server's UDP answer to the same query where
that is complete (small names), else parsed and checked field by field.
Prints "ok: ..." per check, "FAIL: ..." per failed check; exit status 1 if
any check failed (all cases run regardless).
"""
import os
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dnsquery  # noqa: E402

from scapy.all import (IP, TCP, AsyncSniffer, Ether, IPv6, Raw, conf,  # noqa: E402
                       sendp)

conf.verb = 0

REPLY_WAIT = 2.0      # seconds to wait for a train's FIN (--upstream: 5)
SILENCE_WAIT = 1.0    # seconds of silence that prove "no reply"
M32 = 0xFFFFFFFF

# big4000 TXT: 3,989 octets without EDNS (tools/zones/example.test.zone).
BIG4000_LEN = 3989
TYPE_TXT = 16
TYPE_MX = 15

failures = []
UPSTREAM = False  # --upstream


def ok(cond, what):
    if cond:
        print(f"ok: {what}", flush=True)
    else:
        print(f"FAIL: {what}", flush=True)
        failures.append(what)
    return cond


def expect_eq(actual, expected, what):
    return ok(actual == expected, f"{what}: expected {expected!r}, got {actual!r}"
              if actual != expected else f"{what} = {actual!r}")


class Rig:
    """Sends frames on IFACE and records every TCP segment from the server."""

    def __init__(self, iface, smac, dmac, src, dst):
        self.iface, self.smac, self.dmac = iface, smac, dmac
        self.src, self.dst = src, dst
        self.v6 = ":" in dst
        self.lock = threading.Lock()
        self.rx = []  # (monotonic time, raw frame bytes)
        started = threading.Event()
        self.sniffer = AsyncSniffer(
            iface=iface, store=False, prn=self._on_frame,
            filter=f"tcp and src port 53 and src host {dst}",
            started_callback=started.set)
        self.sniffer.start()
        if not started.wait(5):
            sys.exit("sniffer did not start")
        time.sleep(0.1)

    def _on_frame(self, pkt):
        with self.lock:
            self.rx.append((time.monotonic(), bytes(pkt)))

    def stop(self):
        self.sniffer.stop()

    def ip(self):
        return IPv6(src=self.src, dst=self.dst) if self.v6 else IP(src=self.src, dst=self.dst)

    def send(self, seg, payload=b""):
        frame = Ether(src=self.smac, dst=self.dmac) / self.ip() / seg
        if payload:
            frame = frame / Raw(payload)
        sendp(frame, iface=self.iface)

    def segments(self, dport, since=0.0):
        """Segments from the server to `dport` received at or after `since`."""
        with self.lock:
            frames = [(t, f) for t, f in self.rx if t >= since]
        out = []
        for t, raw in frames:
            p = Ether(raw)
            if TCP in p and p[TCP].dport == dport:
                out.append((t, p))
        return out

    def wait(self, dport, since, pred, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            segs = [p for _, p in self.segments(dport, since)]
            if pred(segs):
                return segs
            time.sleep(0.02)
        return [p for _, p in self.segments(dport, since)]


def flags_of(p):
    return str(p[TCP].flags)


def payload_of(p):
    return bytes(p[TCP].payload)


def checksums_good(p):
    """True if the IP (v4) and TCP checksums equal freshly computed ones."""
    fresh = p.copy()
    if IP in fresh:
        del fresh[IP].chksum
    del fresh[TCP].chksum
    rebuilt = Ether(bytes(fresh))
    if IP in p and rebuilt[IP].chksum != p[IP].chksum:
        return False
    return rebuilt[TCP].chksum == p[TCP].chksum


class Conn:
    """One hand-made connection from `sport`."""

    def __init__(self, rig, sport, isn, mss=1220, name=""):
        self.rig, self.sport, self.isn, self.mss = rig, sport, isn & M32, mss
        self.name = name or f"port {sport}"
        self.cookie = None

    def tcp(self, flags, seq, ack=0, window=65535, options=None):
        return TCP(sport=self.sport, dport=53, flags=flags, seq=seq & M32, ack=ack & M32,
                   window=window, options=options or [])

    def handshake(self):
        t0 = time.monotonic()
        self.rig.send(self.tcp("S", self.isn, options=[("MSS", self.mss)]))
        segs = self.rig.wait(self.sport, t0, lambda s: any(flags_of(p) == "SA" for p in s), REPLY_WAIT)
        synacks = [p for p in segs if flags_of(p) == "SA"]
        if not ok(len(synacks) == 1, f"{self.name}: one SYN-ACK (got {len(synacks)})"):
            return False
        sa = synacks[0]
        expect_eq(sa[TCP].ack, (self.isn + 1) & M32, f"{self.name}: SYN-ACK ack = ISN+1")
        opts = [o[0] for o in sa[TCP].options]
        expect_eq(opts, ["MSS"], f"{self.name}: SYN-ACK options")
        self.cookie = sa[TCP].seq
        return True

    @property
    def data_seq(self):  # first client data octet
        return (self.isn + 1) & M32

    @property
    def answer_seq(self):  # our first answer octet: cookie + 1
        return (self.cookie + 1) & M32

    def send_data(self, payload, offset=0, flags="PA", ack=None, window=65535):
        """Sends `payload` at client stream offset `offset`; returns the send time."""
        t0 = time.monotonic()
        self.rig.send(self.tcp(flags, self.data_seq + offset,
                               self.answer_seq if ack is None else ack, window), payload)
        return t0

    def wait_fin(self, since, timeout=None):
        return self.rig.wait(self.sport, since, lambda s: any("F" in flags_of(p) for p in s),
                             timeout or REPLY_WAIT)

    def silence(self, since, wait=SILENCE_WAIT):
        time.sleep(wait)
        return [p for _, p in self.rig.segments(self.sport, since)]


def check_common(rig, conn, segs, what):
    """Addresses, ports, checksums, no RST, non-zero window."""
    for i, p in enumerate(segs):
        ipl = p[IPv6] if rig.v6 else p[IP]
        good = (ipl.src == rig.dst and ipl.dst == rig.src and p[TCP].sport == 53
                and p.src == rig.dmac and p.dst == rig.smac)
        ok(good, f"{what}: segment {i} addresses/ports/MACs")
        ok(checksums_good(p), f"{what}: segment {i} checksums")
        ok("R" not in flags_of(p), f"{what}: segment {i} is not an RST")
        ok(p[TCP].window > 0, f"{what}: segment {i} window non-zero")


def check_train(rig, conn, segs, ack_to, max_seg, what, exact=True, lead_acks=None):
    """`segs`: exactly one train: data segments back to back from cookie+1,
    the last with PSH and the FIN (no bare FIN: it rides on the last data
    segment, its sequence number the octet after the answer); every segment acks `ack_to` and holds
    at most `max_seg` octets; all but the last hold the same number, which
    is `max_seg` if `exact`. Before the train, `lead_acks` bare ACKs of the
    request (default: 1 with --upstream, else 0). Returns the stream or None."""
    check_common(rig, conn, segs, what)
    if lead_acks is None:
        lead_acks = 1 if UPSTREAM else 0
    lead = segs[:lead_acks]
    ok(len(lead) == lead_acks and all(
        (p[TCP].seq, p[TCP].ack, flags_of(p), len(payload_of(p))) == (conn.answer_seq, ack_to, "A", 0)
        for p in lead), f"{what}: {lead_acks} bare ACK(s) of the request before the train "
       f"(seq {conn.answer_seq}, ack {ack_to}): {[(p[TCP].seq, p[TCP].ack, flags_of(p)) for p in lead]}")
    segs = segs[lead_acks:]
    data = [p for p in segs if payload_of(p)]
    fins = [p for p in segs if "F" in flags_of(p)]
    others = [p for p in segs if not payload_of(p) and "F" not in flags_of(p)]
    if not ok(len(data) >= 1 and len(fins) == 1 and not others,
              f"{what}: one train: {len(data)} data segment(s), {len(fins)} FIN(s), "
              f"{len(others)} other segment(s) (want >=1, 1, 0)"):
        return None
    stream = b""
    expect_seq = conn.answer_seq
    for i, p in enumerate(data):
        expect_eq(p[TCP].seq, expect_seq, f"{what}: data segment {i} seq")
        expect_eq(p[TCP].ack, ack_to, f"{what}: data segment {i} ack")
        want_flags = "FPA" if i == len(data) - 1 else "A"
        expect_eq(flags_of(p), want_flags, f"{what}: data segment {i} flags")
        stream += payload_of(p)
        expect_seq = (expect_seq + len(payload_of(p))) & M32
    sizes = [len(payload_of(p)) for p in data]
    ok(max(sizes) <= max_seg, f"{what}: segment sizes {sizes} all <= {max_seg}")
    if len(sizes) > 1:
        full = sizes[0] if not exact else max_seg
        ok(all(n == full for n in sizes[:-1]) and sizes[-1] <= full,
           f"{what}: segment sizes {sizes}: all but the last hold {full} octets")
    fin = fins[0]
    ok(fin is data[-1], f"{what}: the FIN rides on the last data segment")
    expect_eq((fin[TCP].seq + len(payload_of(fin))) & M32, expect_seq,
              f"{what}: FIN position = the octet after the answer")
    # The FIN comes last.
    ok(segs[-1] is fin, f"{what}: the FIN is the last segment")
    return stream


def split_stream(stream, what):
    """Length-prefixed messages of a TCP DNS stream."""
    msgs = []
    off = 0
    while off < len(stream):
        if off + 2 > len(stream):
            ok(False, f"{what}: stream ends inside a length prefix")
            return msgs
        n = struct.unpack("!H", stream[off:off + 2])[0]
        if not ok(off + 2 + n <= len(stream), f"{what}: message at {off} ({n} octets) complete"):
            return msgs
        msgs.append(stream[off + 2:off + 2 + n])
        off += 2 + n
    return msgs


def udp_reference(dst, query):
    """The server's UDP answer to `query` (a complete small answer)."""
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    with socket.socket(fam, socket.SOCK_DGRAM) as s:
        s.settimeout(2)
        for _ in range(3):
            s.sendto(query, (dst, 53))
            try:
                data, _ = s.recvfrom(65535)
                return data
            except socket.timeout:
                continue
    return None


def check_answer_like_udp(rig, msg, query, what):
    ref = udp_reference(rig.dst, query)
    if not ok(ref is not None, f"{what}: UDP reference answer"):
        return
    ok(msg == ref, f"{what}: answer equals the UDP answer byte for byte "
       f"({len(msg)} vs {len(ref)} octets)")
    hdr = struct.unpack("!HHHHHH", msg[:12])
    ok(hdr[0] == struct.unpack("!H", query[:2])[0] and (hdr[1] & 0x8000) and (hdr[1] & 0xF) == 0
       and hdr[3] >= 1, f"{what}: QR, ID, NOERROR, answer records ({hdr})")


def check_big4000(msg, qid, what):
    hdr = struct.unpack("!HHHHHH", msg[:12])
    if UPSTREAM:  # the upstream's answer: NSD adds authority and glue
        ok(len(msg) >= BIG4000_LEN, f"{what}: big4000 answer length {len(msg)} >= {BIG4000_LEN}")
    else:
        expect_eq(len(msg), BIG4000_LEN, f"{what}: big4000 answer length")
    expect_eq((hdr[0], hdr[1] & 0x8000, hdr[1] & 0x0200, hdr[1] & 0xF, hdr[2], hdr[3]),
              (qid, 0x8000, 0, 0, 1, 15), f"{what}: big4000 ID/QR/TC/RCODE/QD/AN")
    ok(msg.count(b"big4000-record-") == 15, f"{what}: 15 TXT records in the answer")


# ---- cases ---------------------------------------------------------------

def case_split(rig, sport):
    c = Conn(rig, sport, 0x11110000, name="split")
    if not c.handshake():
        return
    q = dnsquery.query("small.example.test.", qid=0xA001)
    framed = dnsquery.tcp_framed(q)
    t0 = c.send_data(framed[:2])
    segs = c.silence(t0, 0.5)
    check_common(rig, c, segs, "split: reply to the length prefix")
    if ok(len(segs) == 1, f"split: one reply to the 2-octet prefix (got {len(segs)})"):
        p = segs[0]
        expect_eq((p[TCP].seq, p[TCP].ack, flags_of(p), len(payload_of(p))),
                  (c.answer_seq, (c.data_seq + 2) & M32, "A", 0),
                  "split: bare ACK of the prefix: seq/ack/flags/length")
    t1 = c.send_data(framed[2:], offset=2)
    segs = c.wait_fin(t1)
    stream = check_train(rig, c, segs, (c.data_seq + len(framed)) & M32, 512, "split: answer train")
    if stream is not None:
        msgs = split_stream(stream, "split")
        if expect_eq(len(msgs), 1, "split: messages in the stream"):
            check_answer_like_udp(rig, msgs[0], q, "split")


def case_repack(rig, sport):
    """A split query answered, then retransmitted whole (TCP may repacketize
    a retransmission): the same train, at the same sequence numbers."""
    c = Conn(rig, sport, 0xBBBB0000, name="repack")
    if not c.handshake():
        return
    q = dnsquery.query("big1200.example.test.", qid=0xBB01, qtype=TYPE_TXT)
    framed = dnsquery.tcp_framed(q)
    ack_to = (c.data_seq + len(framed)) & M32
    c.send_data(framed[:2])
    time.sleep(0.3)
    t1 = c.send_data(framed[2:], offset=2)
    first = c.wait_fin(t1)
    time.sleep(0.2)
    first = [p for _, p in rig.segments(sport, t1)]
    t2 = c.send_data(framed)  # the whole request again, from its first octet
    second = c.wait_fin(t2)
    time.sleep(0.2)
    second = [p for _, p in rig.segments(sport, t2)]
    s1 = check_train(rig, c, first, ack_to, 512, "repack: train for the completed query")
    s2 = check_train(rig, c, second, ack_to, 512, "repack: train for the whole retransmission",
                     lead_acks=0)
    ok(same_train(first, second),
       "repack: both trains identical segment for segment (seq, ack, flags, octets)")
    ok(s1 is not None and s1 == s2, "repack: identical stream octets")
    if s1 is not None:
        msgs = split_stream(s1, "repack")
        if expect_eq(len(msgs), 1, "repack: messages"):
            hdr = struct.unpack("!HHHHHH", msgs[0][:12])
            expect_eq((hdr[0], hdr[1] & 0x8200, hdr[1] & 0xF, hdr[3]), (0xBB01, 0x8000, 0, 5),
                      "repack: big1200 ID/QR+TC/RCODE/AN")


def case_oneandhalf(rig, sport):
    """One query and the first 10 octets of the next in one segment: held
    and acknowledged whole; the rest of the second completes both, answered
    in order in one train."""
    c = Conn(rig, sport, 0xCCCC0000, name="oneandhalf")
    if not c.handshake():
        return
    q1 = dnsquery.query("small.example.test.", qid=0xCC01)
    q2 = dnsquery.query("www.example.test.", qid=0xCC02)
    stream = dnsquery.tcp_framed(q1) + dnsquery.tcp_framed(q2)
    cut = len(dnsquery.tcp_framed(q1)) + 10
    t0 = c.send_data(stream[:cut])
    segs = c.silence(t0, 0.5)
    check_common(rig, c, segs, "oneandhalf: reply to the first segment")
    expect_eq([(p[TCP].seq, p[TCP].ack, flags_of(p), len(payload_of(p))) for p in segs],
              [(c.answer_seq, (c.data_seq + cut) & M32, "A", 0)],
              "oneandhalf: one bare ACK of all octets held")
    t1 = c.send_data(stream[cut:], offset=cut)
    segs = c.wait_fin(t1)
    time.sleep(0.3)
    segs = [p for _, p in rig.segments(sport, t1)]
    out = check_train(rig, c, segs, (c.data_seq + len(stream)) & M32, 512, "oneandhalf: train")
    if out is not None:
        msgs = split_stream(out, "oneandhalf")
        if expect_eq(len(msgs), 2, "oneandhalf: messages"):
            check_answer_like_udp(rig, msgs[0], q1, "oneandhalf: first answer (small A)")
            check_answer_like_udp(rig, msgs[1], q2, "oneandhalf: second answer (www A)")


def case_two(rig, sport):
    c = Conn(rig, sport, 0x22220000, name="two")
    if not c.handshake():
        return
    q1 = dnsquery.query("small.example.test.", qid=0xB001)
    q2 = dnsquery.query("mx.example.test.", qid=0xB002, qtype=TYPE_MX)
    payload = dnsquery.tcp_framed(q1) + dnsquery.tcp_framed(q2)
    t0 = c.send_data(payload)
    segs = c.wait_fin(t0)
    time.sleep(0.3)  # anything after the FIN would be a second train
    segs = [p for _, p in rig.segments(sport, t0)]
    stream = check_train(rig, c, segs, (c.data_seq + len(payload)) & M32, 512, "two: answer train")
    if stream is not None:
        msgs = split_stream(stream, "two")
        if expect_eq(len(msgs), 2, "two: messages in the stream"):
            check_answer_like_udp(rig, msgs[0], q1, "two: first answer (small A)")
            check_answer_like_udp(rig, msgs[1], q2, "two: second answer (mx MX)")


def seg_tuple(p):
    return (p[TCP].seq, p[TCP].ack, flags_of(p), payload_of(p))


def same_train(first, resent):
    """The resent train equals the first one (without its leading bare ACK
    under --upstream: a resend is the cached train alone)."""
    lead = 1 if UPSTREAM else 0
    return bool(resent) and [seg_tuple(p) for p in first[lead:]] == [seg_tuple(p) for p in resent]


def case_retransmit(rig, sport):
    c = Conn(rig, sport, 0x33330000, name="retransmit")
    if not c.handshake():
        return
    q = dnsquery.query("big4000.example.test.", qid=0xC001, qtype=TYPE_TXT)
    framed = dnsquery.tcp_framed(q)
    t0 = c.send_data(framed)
    first = c.wait_fin(t0)
    time.sleep(0.2)
    t1 = c.send_data(framed)  # the same segment again
    second = c.wait_fin(t1)
    time.sleep(0.2)
    ack_to = (c.data_seq + len(framed)) & M32
    s1 = check_train(rig, c, first, ack_to, 512, "retransmit: first train")
    s2 = check_train(rig, c, second, ack_to, 512, "retransmit: train for the retransmission",
                     lead_acks=0)
    if s1 is not None:
        msgs = split_stream(s1, "retransmit")
        if expect_eq(len(msgs), 1, "retransmit: messages"):
            check_big4000(msgs[0], 0xC001, "retransmit")
    ok(same_train(first, second),
       "retransmit: both trains identical segment for segment (seq, ack, flags, octets)")
    ok(s1 is not None and s1 == s2, "retransmit: identical stream octets")


def case_badcookie(rig, sport):
    c = Conn(rig, sport, 0x44440000, name="badcookie")
    if not c.handshake():
        return
    q = dnsquery.tcp_framed(dnsquery.query("small.example.test.", qid=0xD001))
    bad_acks = [(c.answer_seq + 1) & M32, (c.answer_seq - 1) & M32, c.answer_seq ^ 0x80000000]
    t0 = time.monotonic()
    for ack in bad_acks:
        c.send_data(q, ack=ack)
    c.send_data(q, ack=(c.answer_seq + 7) & M32, flags="FPA")
    segs = c.silence(t0)
    expect_eq(len(segs), 0, "badcookie: segments in reply to 4 data segments with ack-1 != cookie")


def case_rst(rig, sport):
    c = Conn(rig, sport, 0x55550000, name="rst")
    if not c.handshake():
        return
    q = dnsquery.query("big4000.example.test.", qid=0xE001, qtype=TYPE_TXT)
    framed = dnsquery.tcp_framed(q)
    t0 = c.send_data(framed)
    segs = rig.wait(sport, t0, lambda s: any(payload_of(p) for p in s), REPLY_WAIT)
    t_rst = time.monotonic()
    first = [p for p in segs if payload_of(p)]
    if not ok(len(first) >= 1, "rst: first answer segment arrived"):
        return
    p0 = first[0]
    # The RST acknowledges what arrived, as a client aborting would.
    rig.send(c.tcp("RA", c.data_seq + len(framed), p0[TCP].seq + len(payload_of(p0))))
    time.sleep(SILENCE_WAIT)
    all_segs = [p for _, p in rig.segments(sport, t0)]
    after = [p for t, p in rig.segments(sport, t_rst)]
    ack_to = (c.data_seq + len(framed)) & M32
    stream = check_train(rig, c, all_segs, ack_to, 512,
                         "rst: everything sent on the connection is the one train")
    train = {seg_tuple(p) for p in all_segs}
    ok(all(seg_tuple(p) in train for p in after) and
       len(after) <= len(all_segs) - 1,
       f"rst: after the RST only segments of the train already under way ({len(after)})")
    if stream is not None:
        msgs = split_stream(stream, "rst")
        if expect_eq(len(msgs), 1, "rst: messages"):
            check_big4000(msgs[0], 0xE001, "rst")

    # A new connection on the same 4-tuple (an ISN far from the old one).
    c2 = Conn(rig, sport, c.isn ^ 0x80000000, name="rst: new connection")
    if not c2.handshake():
        return
    q2 = dnsquery.query("small.example.test.", qid=0xE002)
    framed2 = dnsquery.tcp_framed(q2)
    t1 = c2.send_data(framed2)
    segs2 = c2.wait_fin(t1)
    stream2 = check_train(rig, c2, segs2, (c2.data_seq + len(framed2)) & M32, 512,
                          "rst: new connection's train")
    if stream2 is not None:
        msgs = split_stream(stream2, "rst: new connection")
        if expect_eq(len(msgs), 1, "rst: new connection: messages"):
            check_answer_like_udp(rig, msgs[0], q2, "rst: new connection")


def case_fin(rig, sport):
    c = Conn(rig, sport, 0x66660000, name="fin")
    if not c.handshake():
        return
    q = dnsquery.query("www.example.test.", qid=0xF001)
    framed = dnsquery.tcp_framed(q)
    t0 = c.send_data(framed, flags="FPA")
    segs = c.wait_fin(t0)
    time.sleep(0.2)
    segs = [p for _, p in rig.segments(sport, t0)]
    stream = check_train(rig, c, segs, (c.data_seq + len(framed) + 1) & M32, 512,
                         "fin: train acks the query and the FIN (seq+len+1)")
    if stream is not None:
        msgs = split_stream(stream, "fin")
        if expect_eq(len(msgs), 1, "fin: messages"):
            check_answer_like_udp(rig, msgs[0], q, "fin (www CNAME small)")


def no_overlap(segs, what):
    """No sequence number carries two different octets, and at most one FIN."""
    octet = {}
    conflicts = 0
    for p in segs:
        base = p[TCP].seq
        for i, b in enumerate(payload_of(p)):
            s = (base + i) & M32
            if octet.setdefault(s, b) != b:
                conflicts += 1
    # A FIN's position: the octet after the segment's data.
    fins = {(p[TCP].seq + len(payload_of(p))) & M32 for p in segs if "F" in flags_of(p)}
    ok(conflicts == 0, f"{what}: no sequence number with two different octets ({conflicts})")
    ok(len(fins) <= 1, f"{what}: at most one FIN position ({sorted(fins)})")


def case_pipeline(rig, sport):
    c = Conn(rig, sport, 0x77770000, name="pipeline")
    if not c.handshake():
        return
    q1 = dnsquery.query("small.example.test.", qid=0x7001)
    q2 = dnsquery.query("mx.example.test.", qid=0x7002, qtype=TYPE_MX)
    f1, f2 = dnsquery.tcp_framed(q1), dnsquery.tcp_framed(q2)
    t0 = c.send_data(f1)
    c.send_data(f2, offset=len(f1))  # same ack = cookie+1: sent before the answer
    c.wait_fin(t0)
    time.sleep(SILENCE_WAIT)
    segs = [p for _, p in rig.segments(sport, t0)]
    stream = check_train(rig, c, segs, (c.data_seq + len(f1)) & M32, 512,
                         "pipeline: only the first query's train")
    if stream is not None:
        msgs = split_stream(stream, "pipeline")
        if expect_eq(len(msgs), 1, "pipeline: messages"):
            check_answer_like_udp(rig, msgs[0], q1, "pipeline: first answer")
    no_overlap(segs, "pipeline")

    # Reuse after our FIN, acknowledging it: XDP sees no cookie (ack-1 is
    # cookie + stream + 1), so no reply at all.
    if stream is not None:
        t1 = c.send_data(f2, offset=len(f1), ack=c.answer_seq + len(stream) + 1)
        later = c.silence(t1)
        expect_eq(len(later), 0, "pipeline: segments in reply to a query after our FIN (acked)")
        no_overlap(segs + later, "pipeline: whole connection")


def case_mss(rig, sport, mss, want_seg, exact):
    name = f"mss{mss}"
    c = Conn(rig, sport, 0x88880000 + mss, mss=mss, name=name)
    if not c.handshake():
        return
    q = dnsquery.query("big4000.example.test.", qid=0x8000 + mss, qtype=TYPE_TXT)
    framed = dnsquery.tcp_framed(q)
    t0 = c.send_data(framed)
    segs = c.wait_fin(t0)
    time.sleep(0.2)
    segs = [p for _, p in rig.segments(sport, t0)]
    sizes = [len(payload_of(p)) for p in segs if payload_of(p)]
    ok(all(s <= mss for s in sizes), f"{name}: no segment above the client MSS {mss} ({sizes})")
    stream = check_train(rig, c, segs, (c.data_seq + len(framed)) & M32, want_seg,
                         f"{name}: train", exact=exact)
    if stream is not None:
        msgs = split_stream(stream, name)
        if expect_eq(len(msgs), 1, f"{name}: messages"):
            check_big4000(msgs[0], 0x8000 + mss, name)


def case_window(rig, sport):
    c = Conn(rig, sport, 0x99990000, name="window")
    if not c.handshake():
        return
    qid = 0x9001
    q = dnsquery.query("big4000.example.test.", qid=qid, qtype=TYPE_TXT)
    framed = dnsquery.tcp_framed(q)
    t0 = c.send_data(framed, window=1000)
    segs = c.wait_fin(t0)
    time.sleep(0.2)
    segs = [p for _, p in rig.segments(sport, t0)]
    stream = check_train(rig, c, segs, (c.data_seq + len(framed)) & M32, 512, "window: train")
    if stream is None:
        return
    ok(len(stream) <= 1000, f"window: {len(stream)} octets within the advertised window 1000")
    msgs = split_stream(stream, "window")
    if not expect_eq(len(msgs), 1, "window: messages"):
        return
    m = msgs[0]
    hdr = struct.unpack("!HHHHHH", m[:12])
    # AA as in the full answer (authoritative for the zone, and NSD's when
    # NSD is the upstream), as NSD sets it on its own TC=1 answers.
    expect_eq((hdr[0], hdr[1] & 0x8000, hdr[1] & 0x0400, hdr[1] & 0x0200, hdr[1] & 0xF, hdr[2], hdr[3]),
              (qid, 0x8000, 0x0400, 0x0200, 0, 1, 0), "window: ID/QR/AA/TC/RCODE/QD/AN of the TC=1 answer")
    ok(m[12:len(q)] == q[12:], "window: the question echoed")


def case_pending(rig, sport):
    """The upstream answers only after a delay (a slow forwarder in the
    test): the request is acknowledged at once; its retransmission meanwhile
    is dropped ("answer in progress", flow_table.h), and the answer goes out
    once, when it comes."""
    c = Conn(rig, sport, 0xAAAA0000, name="pending")
    if not c.handshake():
        return
    q = dnsquery.query("www.example.test.", qid=0xAA01)
    framed = dnsquery.tcp_framed(q)
    ack_to = (c.data_seq + len(framed)) & M32
    t0 = c.send_data(framed)
    time.sleep(0.1)
    early = [p for _, p in rig.segments(sport, t0)]
    bare = (c.answer_seq, ack_to, "A", 0)
    ok([(p[TCP].seq, p[TCP].ack, flags_of(p), len(payload_of(p))) for p in early] == [bare],
       f"pending: one bare ACK at once, the answer still pending ({[seg_tuple(p)[:3] for p in early]})")
    c.send_data(framed)  # as if the client had missed our ACK
    segs = c.wait_fin(t0)
    time.sleep(SILENCE_WAIT)
    segs = [p for _, p in rig.segments(sport, t0)]
    stream = check_train(rig, c, segs, ack_to, 512,
                         "pending: the bare ACK, then one train (nothing for the retransmission)")
    if stream is not None:
        msgs = split_stream(stream, "pending")
        if expect_eq(len(msgs), 1, "pending: messages"):
            check_answer_like_udp(rig, msgs[0], q, "pending")


CASES = {
    "split": case_split,
    "two": case_two,
    "repack": case_repack,
    "oneandhalf": case_oneandhalf,
    "retransmit": case_retransmit,
    "badcookie": case_badcookie,
    "rst": case_rst,
    "fin": case_fin,
    "pipeline": case_pipeline,
    # MSS 600: the segment-size knob (512) rules; MSS 300: at most 300 (the
    # cookie's MSS table may round the client's MSS down further).
    "mss600": lambda rig, sport: case_mss(rig, sport, 600, 512, True),
    "mss300": lambda rig, sport: case_mss(rig, sport, 300, 300, False),
    "window": case_window,
    "pending": case_pending,
}


def main() -> int:
    global UPSTREAM, REPLY_WAIT
    args = sys.argv[1:]
    if args and args[0] == "--upstream":
        UPSTREAM, REPLY_WAIT = True, 5.0
        args = args[1:]
    if len(args) < 7:
        print(__doc__, file=sys.stderr)
        return 2
    iface, smac, dmac, src, dst = args[0:5]
    sport = int(args[5])
    names = args[6:]
    for n in names:
        if n not in CASES:
            print(f"unknown case {n}; known: {' '.join(CASES)}", file=sys.stderr)
            return 2
    rig = Rig(iface, smac, dmac, src, dst)
    try:
        for i, n in enumerate(names):
            print(f"== case {n} ({dst}, port {sport + i})", flush=True)
            CASES[n](rig, sport + i)
    finally:
        rig.stop()
    if failures:
        print(f"{len(failures)} check(s) failed:", flush=True)
        for f in failures:
            print(f"  {f}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
