#!/usr/bin/python3
"""Connection reuse (tcp.reuse on), played with scapy against xdpdnsd (zone
backend, tcp.idle-timeout 2s), segment by segment.

usage: et_tcp_reuse.py IFACE SRC_MAC DST_MAC SRC_IP DST_IP SPORT_BASE CASE...
       (cases open and resume keep the connection in $STATE_FILE)

Cases:
  pipeline   two queries in their own segments, sent back to back before any
             answer (both ack = cookie+1): both answered in order, one stream
             from cookie+1, no FIN; a third query after acknowledging them:
             answered right after; then our FIN answers the client's FIN
  loss       big4000 (8 segments of 512): the client acknowledges the first
             segment three times more (the second is "lost"): the second is
             sent again at once, octet for octet
  tail       big4000, all but the last segment acknowledged once: the last
             comes again on the retransmission timer, the same octets
  idle       one query answered and acknowledged, then silence: our FIN after
             the idle time-out (2 s), seq = end of the answer
  keepalive  a query with edns-tcp-keepalive: the answer's OPT carries it
             with TIMEOUT 20 (2 s in units of 100 ms)
  nostate    data whose SEG.ACK is no cookie and which no connection knows (a
             client whose state is gone): one RST, seq = SEG.ACK, at once
  clientrst  a query answered, then the client's RST: nothing in reply
  open       (with STATE_FILE) a query answered and acknowledged; the
             connection's numbers are written to the file
  resume     (with STATE_FILE, after the caller restarted xdpdnsd) the next
             query on that connection: one RST at once, seq = SEG.ACK (the
             state is gone with the daemon)
Every segment from the server: addresses, checksums, no RST (except in
nostate). Prints ok:/FAIL: lines; exit status 1 if any check failed.
"""
import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dnsquery  # noqa: E402
import et_tcp_segments as seg  # noqa: E402
from et_tcp_segments import (M32, Conn, Rig, check_common, expect_eq, flags_of,  # noqa: E402
                             ok, payload_of)
from scapy.all import TCP  # noqa: E402

IDLE_S = 2.0
BIG4000_LEN = 3989


def stream_of(segs, start):
    """The octets of the data segments in `segs` laid out from `start`."""
    octets = {}
    for p in segs:
        data = payload_of(p)
        for i, b in enumerate(data):
            octets[(p[TCP].seq + i - start) & M32] = b
    out = bytearray()
    while len(out) in octets:
        out.append(octets[len(out)])
    return bytes(out)


def messages(stream):
    msgs, pos = [], 0
    while pos + 2 <= len(stream):
        n = struct.unpack("!H", stream[pos:pos + 2])[0]
        if pos + 2 + n > len(stream):
            break
        msgs.append(stream[pos + 2:pos + 2 + n])
        pos += 2 + n
    return msgs


def data_segs(segs):
    return [p for p in segs if payload_of(p)]


def q(name, qid, qtype=1):
    return dnsquery.tcp_framed(dnsquery.query(name, qid, qtype))


def connect_and_ask(rig, sport, isn, name, query, answer_octets=None):
    """Handshake from `sport`, then `query`; waits for one whole answer (or
    `answer_octets` of answer data). Returns (conn, data segments) or None."""
    c = Conn(rig, sport, isn, name=f"{name} {sport}")
    if not c.handshake():
        return None
    t0 = c.send_data(query)
    if answer_octets is None:
        done = lambda s: len(messages(stream_of(data_segs(s), c.answer_seq))) >= 1  # noqa: E731
    else:
        done = lambda s: sum(len(payload_of(p)) for p in s) >= answer_octets  # noqa: E731
    return c, data_segs(rig.wait(sport, t0, done, seg.REPLY_WAIT))


def case_pipeline(rig, sport):
    c = Conn(rig, sport, 0x10000000 + sport, name=f"pipeline {sport}")
    if not c.handshake():
        return
    q1, q2 = q("small.example.test", 0x1111), q("www.example.test", 0x2222)
    t0 = c.send_data(q1)
    c.send_data(q2, offset=len(q1))
    segs = rig.wait(sport, t0, lambda s: len(messages(stream_of(data_segs(s), c.answer_seq))) >= 2,
                    seg.REPLY_WAIT)
    check_common(rig, c, segs, "pipeline: answers")
    stream = stream_of(data_segs(segs), c.answer_seq)
    ids = [struct.unpack("!H", m[:2])[0] for m in messages(stream)]
    expect_eq(ids, [0x1111, 0x2222], "pipeline: both answered, in order, in one stream from cookie+1")
    ok(not any("F" in flags_of(p) for p in segs), "pipeline: no FIN (the connection stays open)")
    expect_eq(max(p[TCP].ack for p in segs), (c.data_seq + len(q1) + len(q2)) & M32,
              "pipeline: both queries acknowledged")

    q3 = q("mx.example.test", 0x3333, 15)
    t1 = c.send_data(q3, offset=len(q1) + len(q2), ack=c.answer_seq + len(stream))
    segs = rig.wait(sport, t1, lambda s: len(messages(stream_of(data_segs(s), c.answer_seq + len(stream)))) >= 1,
                    seg.REPLY_WAIT)
    check_common(rig, c, segs, "pipeline: third answer")
    more = stream_of(data_segs(segs), c.answer_seq + len(stream))
    expect_eq([struct.unpack("!H", m[:2])[0] for m in messages(more)], [0x3333],
              "pipeline: a query after the answers is answered right after them")
    end = (c.answer_seq + len(stream) + len(more)) & M32
    client_end = c.data_seq + len(q1) + len(q2) + len(q3)

    t2 = time.monotonic()
    rig.send(c.tcp("FA", client_end, end))
    segs = c.wait_fin(t2)
    fins = [p for p in segs if "F" in flags_of(p)]
    if ok(len(fins) == 1, f"pipeline: our FIN after the client's (got {len(fins)})"):
        expect_eq((fins[0][TCP].seq, fins[0][TCP].ack), (end, (client_end + 1) & M32),
                  "pipeline: FIN seq = end of our answers, ack = client FIN + 1")
        rig.send(c.tcp("A", client_end + 1, end + 1))


def case_loss(rig, sport):
    query = q("big4000.example.test", 0x4444, 16)
    total = BIG4000_LEN + 2
    opened = connect_and_ask(rig, sport, 0x20000000 + sport, "loss", query, total)
    if not opened:
        return
    c, first = opened
    check_common(rig, c, first, "loss: answer")
    expect_eq(len(first), 8, "loss: big4000 in 8 segments of at most 512")
    by_seq = {p[TCP].seq: payload_of(p) for p in first}
    client_end = c.data_seq + len(query)

    # Segment 2 "lost": the first acknowledged, then three duplicate ACKs.
    t1 = time.monotonic()
    for _ in range(4):
        rig.send(c.tcp("A", client_end, c.answer_seq + 512))
    second = (c.answer_seq + 512) & M32
    segs = rig.wait(sport, t1, lambda s: any(p[TCP].seq == second and payload_of(p) for p in s), 0.5)
    again = [p for p in segs if p[TCP].seq == second and payload_of(p)]
    if ok(len(again) >= 1, "loss: the lost segment sent again on three duplicate ACKs (within 0.5 s)"):
        expect_eq(payload_of(again[0]), by_seq.get(second), "loss: the same octets at the same sequence number")
        check_common(rig, c, again, "loss: fast retransmission")

    rig.send(c.tcp("A", client_end, c.answer_seq + total))
    rig.send(c.tcp("R", client_end))


def case_tail(rig, sport):
    query = q("big4000.example.test", 0x4545, 16)
    total = BIG4000_LEN + 2
    opened = connect_and_ask(rig, sport, 0x28000000 + sport, "tail", query, total)
    if not opened:
        return
    c, first = opened
    client_end = c.data_seq + len(query)
    # All but the last acknowledged, once: no duplicate ACK, so only the
    # retransmission timer can bring the tail back.
    last = max(first, key=lambda p: p[TCP].seq)
    t1 = time.monotonic()
    rig.send(c.tcp("A", client_end, last[TCP].seq))
    segs = rig.wait(sport, t1, lambda s: any(p[TCP].seq == last[TCP].seq and payload_of(p) for p in s), 3.0)
    tail = [p for p in segs if p[TCP].seq == last[TCP].seq and payload_of(p)]
    if ok(len(tail) >= 1, "tail: the unacknowledged tail sent again by the retransmission timer"):
        waited = min(t for t, p in rig.segments(sport, t1) if p[TCP].seq == last[TCP].seq and payload_of(p)) - t1
        ok(waited >= 0.15, f"tail: after the timer, not at once ({waited:.2f} s; min RTO 200 ms)")
        expect_eq(payload_of(tail[0]), payload_of(last), "tail: the same octets")
        check_common(rig, c, tail, "tail: retransmission")
    rig.send(c.tcp("A", client_end, c.answer_seq + total))
    rig.send(c.tcp("R", client_end))


def case_idle(rig, sport):
    query = q("small.example.test", 0x5555)
    opened = connect_and_ask(rig, sport, 0x30000000 + sport, "idle", query)
    if not opened:
        return
    c, answer = opened
    stream = stream_of(answer, c.answer_seq)
    end = (c.answer_seq + len(stream)) & M32
    client_end = c.data_seq + len(query)
    t1 = time.monotonic()
    rig.send(c.tcp("A", client_end, end))
    segs = c.wait_fin(t1, IDLE_S + 2.0)
    fins = [p for p in segs if "F" in flags_of(p)]
    if ok(len(fins) == 1, "idle: our FIN after the idle time-out"):
        waited = min(t for t, p in rig.segments(sport, t1) if "F" in flags_of(p)) - t1
        ok(waited >= IDLE_S - 0.1, f"idle: not before the time-out ({waited:.2f} s)")
        expect_eq((fins[0][TCP].seq, fins[0][TCP].ack), (end, client_end & M32), "idle: FIN seq/ack")
        check_common(rig, c, fins, "idle: FIN")
        rig.send(c.tcp("FA", client_end, end + 1))


def case_keepalive(rig, sport):
    msg = bytearray(dnsquery.query("small.example.test", 0x6666))
    msg[10:12] = struct.pack("!H", 1)  # ARCOUNT
    msg += b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 4) + struct.pack("!HH", 11, 0)
    query = dnsquery.tcp_framed(bytes(msg))
    opened = connect_and_ask(rig, sport, 0x40000000 + sport, "keepalive", query)
    if not opened:
        return
    c, answer = opened
    answers = messages(stream_of(answer, c.answer_seq))
    if ok(len(answers) == 1, "keepalive: answered"):
        # The OPT is the last record: its RDATA ends the message.
        expect_eq(answers[0][-6:], struct.pack("!HHH", 11, 2, int(IDLE_S * 10)),
                  "keepalive: edns-tcp-keepalive with TIMEOUT = idle time-out / 100 ms")
    rig.send(c.tcp("R", c.data_seq + len(query)))


def case_nostate(rig, sport):
    c = Conn(rig, sport, 0x50000000 + sport, name=f"nostate {sport}")
    if not c.handshake():
        return
    gone = (c.answer_seq + 5000) & M32  # as if 5,000 answer octets had come
    t0 = c.send_data(q("small.example.test", 0x7777), offset=300, ack=gone)
    segs = rig.wait(sport, t0, lambda s: len(s) > 0, 1.0)
    time.sleep(0.3)
    segs = [p for _, p in rig.segments(sport, t0)]
    if ok(len(segs) == 1, f"nostate: exactly one reply (got {len(segs)})"):
        expect_eq((flags_of(segs[0]), segs[0][TCP].seq, len(payload_of(segs[0]))), ("R", gone, 0),
                  "nostate: an RST with seq = SEG.ACK, no data")
        ok(seg.checksums_good(segs[0]), "nostate: RST checksums")


def case_clientrst(rig, sport):
    query = q("small.example.test", 0x7878)
    opened = connect_and_ask(rig, sport, 0x60000000 + sport, "clientrst", query)
    if not opened:
        return
    c, answer = opened
    ok(len(answer) >= 1, "clientrst: answered")
    t1 = time.monotonic()
    rig.send(c.tcp("R", c.data_seq + len(query)))
    expect_eq([flags_of(p) for p in c.silence(t1)], [], "clientrst: nothing in reply to the RST")


def case_open(rig, sport):
    query = q("small.example.test", 0x7979)
    opened = connect_and_ask(rig, sport, 0x70000000 + sport, "open", query)
    if not opened:
        return
    c, answer = opened
    stream = stream_of(answer, c.answer_seq)
    if ok(len(messages(stream)) == 1, "open: answered"):
        client_next = (c.data_seq + len(query)) & M32
        server_next = (c.answer_seq + len(stream)) & M32
        rig.send(c.tcp("A", client_next, server_next))
        with open(os.environ["STATE_FILE"], "w") as f:
            f.write(f"{sport} {c.isn} {c.cookie} {client_next} {server_next}\n")


def case_resume(rig, sport):
    with open(os.environ["STATE_FILE"]) as f:
        sport, isn, cookie, client_next, server_next = (int(x) for x in f.read().split())
    c = Conn(rig, sport, isn, name=f"resume {sport}")
    c.cookie = cookie
    t0 = time.monotonic()
    rig.send(c.tcp("PA", client_next, server_next), q("www.example.test", 0x7a7a))
    rig.wait(sport, t0, lambda s: len(s) > 0, 1.0)
    time.sleep(0.3)
    segs = [p for _, p in rig.segments(sport, t0)]
    if ok(len(segs) == 1, f"resume: exactly one reply (got {len(segs)})"):
        expect_eq((flags_of(segs[0]), segs[0][TCP].seq), ("R", server_next),
                  "resume: the state went with the daemon: an RST at once, seq = SEG.ACK")


CASES = {
    "open": case_open,
    "resume": case_resume,
    "pipeline": case_pipeline,
    "loss": case_loss,
    "tail": case_tail,
    "idle": case_idle,
    "keepalive": case_keepalive,
    "nostate": case_nostate,
    "clientrst": case_clientrst,
}


def main() -> int:
    args = sys.argv[1:]
    if len(args) < 7:
        print(__doc__, file=sys.stderr)
        return 2
    iface, smac, dmac, src, dst = args[0:5]
    sport = int(args[5])
    for n in args[6:]:
        if n not in CASES:
            print(f"unknown case {n}; known: {' '.join(CASES)}", file=sys.stderr)
            return 2
    rig = Rig(iface, smac, dmac, src, dst)
    try:
        for i, n in enumerate(args[6:]):
            print(f"== case {n} ({dst}, port {sport + i})", flush=True)
            CASES[n](rig, sport + i)
    finally:
        rig.stop()
    if seg.failures:
        print(f"{len(seg.failures)} check(s) failed:", flush=True)
        for f in seg.failures:
            print(f"  {f}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
