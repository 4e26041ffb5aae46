#!/usr/bin/python3
"""One TCP connection whose segments land on two servers of a fleet.

usage: fleet_handover.py IFACE SMAC DMAC SRC VIP (SPORT MODE STEER_FIRST STEER_SECOND)...

The handshake is made by hand with scapy (the client kernel has no socket:
the caller drops its RSTs). Each group of four is one connection, run in
order. STEER_FIRST and STEER_SECOND are shell commands (the caller's route
and knob changes) run before the SYN and before the segment that must land
on the other server.

MODE stateless: SYN (first server), then ACK + query for small.example.test
  A (second server): the second server validates the first one's cookie and
  answers: a DNS answer with our ID, NOERROR, A 192.0.2.1, then our FIN.
MODE reuse: SYN and a first query (first server, which answers and keeps
  the connection: tcp.reuse on), then a second query on the same connection
  (second server, which has no state for it and whose cookie check fails as
  the ack has moved past the answer): an RST at once (within 1 s) whose
  sequence number is the segment's ack.
Prints "ok: ..." lines; exit status 1 on the first failure.
"""
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dnsquery  # noqa: E402

import dns.message  # noqa: E402
import dns.rcode  # noqa: E402
from scapy.all import IP, TCP, AsyncSniffer, Ether, Raw, conf, sendp  # noqa: E402

conf.verb = 0
M32 = 0xFFFFFFFF


def fail(msg):
    print(f"FAIL: {msg}", flush=True)
    sys.exit(1)


class Client:
    def __init__(self, iface, smac, dmac, src, vip, sport):
        self.iface, self.smac, self.dmac, self.src, self.vip, self.sport = iface, smac, dmac, src, vip, sport
        self.lock = threading.Lock()
        self.rx = []
        started = threading.Event()
        self.sniffer = AsyncSniffer(iface=iface, store=False, prn=self._on,
                                    filter=f"tcp and src host {vip} and src port 53 and dst port {sport}",
                                    started_callback=started.set)
        self.sniffer.start()
        if not started.wait(5):
            fail("sniffer did not start")
        time.sleep(0.1)

    def _on(self, pkt):
        with self.lock:
            self.rx.append(pkt[TCP])

    def send(self, flags, seq, ack, payload=b"", options=()):
        seg = TCP(sport=self.sport, dport=53, flags=flags, seq=seq, ack=ack, window=65535, options=list(options))
        frame = Ether(src=self.smac, dst=self.dmac) / IP(src=self.src, dst=self.vip) / seg
        if payload:
            frame = frame / Raw(payload)
        sendp(frame, iface=self.iface)

    def wait(self, pred, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                got = [s for s in self.rx if pred(s)]
            if got:
                return got
            time.sleep(0.01)
        return []

    def clear(self):
        with self.lock:
            self.rx = []


def answer_of(segs, qid, what):
    data = b"".join(bytes(s.payload) for s in sorted(segs, key=lambda s: s.seq))
    if len(data) < 2 or len(data) < 2 + int.from_bytes(data[:2], "big"):
        fail(f"{what}: incomplete answer ({len(data)} octets)")
    msg = dns.message.from_wire(data[2:2 + int.from_bytes(data[:2], "big")])
    if msg.id != qid or dns.rcode.from_flags(msg.flags, msg.ednsflags) != dns.rcode.NOERROR:
        fail(f"{what}: answer id {msg.id} rcode {msg.rcode()}")
    addrs = [r.to_text() for rr in msg.answer for r in rr]
    if addrs != ["192.0.2.1"]:
        fail(f"{what}: answer records {addrs}")
    print(f"ok: {what}: id {qid:#06x}, NOERROR, A 192.0.2.1", flush=True)
    return len(data)


def steer(cmd):
    subprocess.run(cmd, shell=True, check=True)


def handshake(c, isn):
    c.send("S", isn, 0, options=[("MSS", 1460)])
    synack = c.wait(lambda s: s.flags & 0x12 == 0x12, 2)
    if not synack:
        fail("no SYN-ACK")
    s = synack[0]
    if s.ack != (isn + 1) & M32:
        fail(f"SYN-ACK ack {s.ack}, expected {isn + 1}")
    print(f"ok: SYN-ACK, cookie {s.seq:#010x}", flush=True)
    return s.seq


def run(c, isn, mode, first, second):
    steer(first)
    cookie = handshake(c, isn)
    q1 = dnsquery.tcp_framed(dnsquery.query("small.example.test", qid=0x5101))
    if mode == "stateless":
        c.clear()
        steer(second)
        c.send("PA", isn + 1, cookie + 1, q1)
        fin = c.wait(lambda s: s.flags & 0x01, 2)
        if not fin:
            fail("no answer and FIN from the second server for the first one's cookie")
        segs = [s for s in c.wait(lambda s: len(s.payload) > 0, 0.1)]
        n = answer_of(segs, 0x5101, "query on the other server")
        if segs[0].seq != (cookie + 1) & M32:
            fail(f"answer seq {segs[0].seq:#x}, expected cookie + 1")
        print(f"ok: answer at seq cookie + 1, {n} octets, then FIN", flush=True)
    elif mode == "reuse":
        c.clear()
        c.send("PA", isn + 1, cookie + 1, q1)
        segs = c.wait(lambda s: len(s.payload) > 0, 2)
        if not segs:
            fail("no answer to the first query on the first server")
        time.sleep(0.2)
        segs = c.wait(lambda s: len(s.payload) > 0, 0.1)
        if any(s.flags & 0x01 for s in c.wait(lambda s: True, 0.1)):
            fail("FIN after the first answer: tcp.reuse is not on")
        n = answer_of(segs, 0x5101, "first query, first server")
        c.clear()
        steer(second)
        q2 = dnsquery.tcp_framed(dnsquery.query("small.example.test", qid=0x5102))
        ack = (cookie + 1 + n) & M32
        t0 = time.monotonic()
        c.send("PA", isn + 1 + len(q1), ack, q2)
        rst = c.wait(lambda s: s.flags & 0x04, 1)
        if not rst:
            fail("no RST from the server without the connection's state")
        if rst[0].seq != ack:
            fail(f"RST seq {rst[0].seq:#x}, expected the segment's ack {ack:#x}")
        print(f"ok: second query on the other server: RST after {1000 * (time.monotonic() - t0):.0f} ms, "
              f"seq = the segment's ack", flush=True)
    else:
        fail(f"unknown mode {mode}")


def main():
    iface, smac, dmac, src, vip = sys.argv[1:6]
    cases = sys.argv[6:]
    if not cases or len(cases) % 4:
        sys.exit(__doc__)
    for k in range(0, len(cases), 4):
        sport, mode, first, second = int(cases[k]), cases[k + 1], cases[k + 2], cases[k + 3]
        print(f"-- {mode}, source port {sport}", flush=True)
        c = Client(iface, smac, dmac, src, vip, sport)
        run(c, 0x10000000 + sport * 7919, mode, first, second)
        c.sniffer.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
