#!/usr/bin/python3
"""Reads a client-side capture of DNS over UDP with the server's answers IP
fragmented, with tshark (IP reassembly OFF, checksums verified), and either
checks the fragment trains or pairs every query with its answer and ATR
follow-up.

  e4_capture.py frags PCAP --server ADDR --mtu N [--trains K] [--udp-len L]
      Checks every fragmented answer from ADDR (one family). IPv4: DF=0, MF
      on all but the last, offsets contiguous in 8-octet units, every
      fragment <= N octets, header checksums good, IDs distinct between
      answers. IPv6: a Fragment header in every fragment (next header UDP),
      one 32-bit identification per answer and distinct between answers,
      M flag on all but the last, contiguous offsets, every packet <= N; the
      first fragment carries the UDP header (port 53, length L). Then the
      reassembled datagrams (a second tshark run with reassembly ON): UDP
      checksum good, DNS length L - 8. Prints "trains=K max=M" last.

  e4_capture.py atr PCAP --server ADDR [--summary]
      One line per DNS query to ADDR, in capture order:
        id|qname|answer|frags|udp_len|followups|gap_ms|check
      answer: "full" (TC=0), "tc" (TC=1 only), "none"; frags: fragments of
      the full answer (0 = one unfragmented packet); followups: TC=1 answers
      after the full one; gap_ms: from the last packet of the full answer to
      the first follow-up ("-" without); check: "ok" when the follow-up has
      the query's ID, question (name, type, class, exact case), port, QR=1,
      TC=1, no records but one OPT, good UDP checksum; else what differs.
      --summary prints min/p50/p99/max of the gaps instead (nearest-rank
      percentiles), and with --delay-ms D how many gaps are below D (early=).
"""
import argparse
import ipaddress
import subprocess
import sys

FIELDS = [
    "frame.number", "frame.time_epoch", "ip.src", "ip.dst", "ip.id", "ip.flags.df",
    "ip.flags.mf", "ip.frag_offset", "ip.len", "ip.hdr_len", "ip.checksum.status",
    "ipv6.src", "ipv6.dst", "ipv6.plen", "ipv6.fraghdr.ident", "ipv6.fraghdr.offset",
    "ipv6.fraghdr.more", "ipv6.fraghdr.nxt", "udp.srcport", "udp.dstport", "udp.length",
    "udp.checksum.status", "dns.id", "dns.flags.response", "dns.flags.truncated",
    "dns.count.queries", "dns.count.answers", "dns.count.auth_rr", "dns.count.add_rr",
    "dns.qry.name", "dns.qry.type", "dns.qry.class", "dns.rr.udp_payload_size",
]


def tshark(pcap, defragment, display_filter, fields):
    cmd = ["tshark", "-n", "-r", pcap,
           "-o", "ip.defragment:%s" % ("TRUE" if defragment else "FALSE"),
           "-o", "ipv6.defragment:%s" % ("TRUE" if defragment else "FALSE"),
           "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
           "-Y", display_filter, "-T", "fields", "-E", "separator=|", "-E", "occurrence=f"]
    for f in fields:
        cmd += ["-e", f]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit("tshark failed on %s: %s" % (pcap, res.stderr.strip()))
    rows = []
    for line in res.stdout.splitlines():
        if line:
            rows.append(dict(zip(fields, line.split("|"))))
    return rows


def num(s):
    """tshark integer field (decimal or 0x hex); None when empty."""
    if s is None or s == "":
        return None
    return int(s, 0)


class Ctx:
    def __init__(self, server):
        self.server = str(ipaddress.ip_address(server))
        self.v6 = ipaddress.ip_address(server).version == 6
        self.src = "ipv6.src" if self.v6 else "ip.src"
        self.dst = "ipv6.dst" if self.v6 else "ip.dst"

    def filter(self):
        # ICMP errors quote our packets: keep them out.
        ipf = "ipv6" if self.v6 else "ip"
        return "(%s.src == %s || %s.dst == %s) && !icmp && !icmpv6" % (
            ipf, self.server, ipf, self.server)

    def is_fragment(self, r):
        if self.v6:
            return r["ipv6.fraghdr.ident"] != ""
        return num(r["ip.flags.mf"]) == 1 or num(r["ip.frag_offset"]) not in (0, None)

    def frag_key(self, r):
        if self.v6:
            return (r["ipv6.src"], r["ipv6.dst"], num(r["ipv6.fraghdr.ident"]))
        return (r["ip.src"], r["ip.dst"], num(r["ip.id"]))

    def offset(self, r):
        return 8 * num(r["ipv6.fraghdr.offset" if self.v6 else "ip.frag_offset"])

    def more(self, r):
        return num(r["ipv6.fraghdr.more" if self.v6 else "ip.flags.mf"]) == 1

    def packet_len(self, r):
        return num(r["ipv6.plen"]) + 40 if self.v6 else num(r["ip.len"])

    def payload_len(self, r):
        """Octets of the fragmentable part this fragment carries."""
        if self.v6:
            return num(r["ipv6.plen"]) - 8
        return num(r["ip.len"]) - num(r["ip.hdr_len"])


def datagrams(ctx, rows):
    """Server-to-client datagrams in capture order: lists of packets (one
    for an unfragmented answer, the fragments of one answer otherwise)."""
    out, trains = [], {}
    for r in rows:
        if r[ctx.src] != ctx.server:
            continue
        if ctx.is_fragment(r):
            # 16-bit IPv4 IDs repeat over a thousand answers: a train whose
            # first and last fragments have arrived is closed.
            key = ctx.frag_key(r)
            t = trains.get(key)
            if t is None or (any(ctx.offset(x) == 0 for x in t) and any(not ctx.more(x) for x in t)):
                t = trains[key] = []
                out.append(t)
            t.append(r)
        elif r["udp.srcport"] != "":
            out.append([r])
    return out


def first_fragment(train):
    return next((r for r in train if r["udp.srcport"] != ""), None)


class Failures:
    def __init__(self):
        self.msgs = []

    def check(self, cond, msg):
        if not cond:
            self.msgs.append(msg)
        return cond


def cmd_frags(args):
    ctx = Ctx(args.server)
    rows = tshark(args.pcap, False, ctx.filter(), FIELDS)
    trains = [d for d in datagrams(ctx, rows) if ctx.is_fragment(d[0])]
    f = Failures()
    idents, maxlen = [], 0
    for t in trains:
        ident = ctx.frag_key(t[0])[2]
        what = "answer with fragment id %#x" % ident
        idents.append(ident)
        t = sorted(t, key=ctx.offset)
        expect = 0
        for i, r in enumerate(t):
            frame = "%s frame %s" % (what, r["frame.number"])
            last = i == len(t) - 1
            plen = ctx.packet_len(r)
            maxlen = max(maxlen, plen)
            f.check(plen <= args.mtu, "%s: %d octets > MTU %d" % (frame, plen, args.mtu))
            f.check(ctx.offset(r) == expect,
                    "%s: offset %d, expected %d (gap or overlap)" % (frame, ctx.offset(r), expect))
            f.check(ctx.more(r) != last, "%s: more-fragments flag %s on %s fragment" % (
                frame, ctx.more(r), "the last" if last else "a non-last"))
            if not last:
                f.check(ctx.payload_len(r) % 8 == 0,
                        "%s: non-last fragment carries %d octets (not a multiple of 8)" %
                        (frame, ctx.payload_len(r)))
            expect += ctx.payload_len(r)
            if ctx.v6:
                f.check(num(r["ipv6.fraghdr.nxt"]) == 17,
                        "%s: Fragment header next header %s, expected 17" % (frame, r["ipv6.fraghdr.nxt"]))
            else:
                f.check(num(r["ip.flags.df"]) == 0, "%s: DF set" % frame)
                f.check(num(r["ip.checksum.status"]) == 1,
                        "%s: IPv4 header checksum status %s (1 = good)" % (frame, r["ip.checksum.status"]))
        head = first_fragment(t)
        if f.check(head is not None and ctx.offset(head) == 0,
                   "%s: the first fragment carries no UDP header" % what):
            f.check(num(head["udp.srcport"]) == 53 and num(head["udp.length"]) == args.udp_len,
                    "%s: first fragment UDP port %s length %s, expected 53 / %d" %
                    (what, head["udp.srcport"], head["udp.length"], args.udp_len))
        f.check(expect == args.udp_len, "%s: fragments carry %d octets, expected %d" %
                (what, expect, args.udp_len))
    if args.trains is not None:
        f.check(len(trains) == args.trains, "%d fragmented answers, expected %d" % (len(trains), args.trains))
    f.check(len(set(idents)) == len(idents), "fragment ids repeat between answers: %s" %
            ", ".join("%#x" % i for i in idents))
    if ctx.v6 and len(idents) >= 2:
        # A 32-bit identification: with unpredictable ids some use the high half.
        f.check(any(i > 0xffff for i in idents), "IPv6 fragment ids all fit 16 bits: %s" %
                ", ".join("%#x" % i for i in idents))

    # The client's view: each train reassembles into a datagram with a good
    # UDP checksum (the daemon computes it over the whole datagram).
    ipf = "ipv6" if ctx.v6 else "ip"
    whole = tshark(args.pcap, True, "%s.src == %s && udp.srcport == 53 && !icmp && !icmpv6" %
                   (ipf, ctx.server), ["frame.number", "udp.length", "udp.checksum.status", "dns.id"])
    reassembled = {num(r["frame.number"]): r for r in whole}
    for t in trains:
        last = max(t, key=lambda r: num(r["frame.number"]))
        r = reassembled.get(num(last["frame.number"]))
        what = "reassembled answer ending at frame %s" % last["frame.number"]
        if f.check(r is not None, "%s: tshark did not reassemble it" % what):
            f.check(num(r["udp.length"]) == args.udp_len and num(r["udp.checksum.status"]) == 1,
                    "%s: UDP length %s checksum status %s, expected %d / 1 (good)" %
                    (what, r["udp.length"], r["udp.checksum.status"], args.udp_len))
    for m in f.msgs:
        print("FAIL: " + m, file=sys.stderr)
    for t in sorted(trains, key=lambda t: num(t[0]["frame.number"])):
        print("train id=%#x fragments=%d sizes=%s" % (ctx.frag_key(t[0])[2], len(t),
              ",".join(str(ctx.packet_len(r)) for r in sorted(t, key=ctx.offset))))
    print("trains=%d max=%d" % (len(trains), maxlen))
    return 1 if f.msgs else 0


def followup_check(q, a):
    diffs = []
    want = [("dns.qry.name", q["dns.qry.name"]), ("dns.qry.type", q["dns.qry.type"]),
            ("dns.qry.class", q["dns.qry.class"]), ("udp.dstport", q["udp.srcport"]),
            ("udp.srcport", "53"), ("dns.flags.response", "1"), ("dns.flags.truncated", "1"),
            ("dns.count.queries", "1"), ("dns.count.answers", "0"), ("dns.count.auth_rr", "0"),
            ("dns.count.add_rr", "1"), ("udp.checksum.status", "1")]
    for k, v in want:
        if a[k] != v:
            diffs.append("%s=%s(want %s)" % (k, a[k], v))
    if a["dns.rr.udp_payload_size"] == "":
        diffs.append("no OPT")
    return ",".join(diffs) or "ok"


def pair(ctx, rows):
    """[(query, full answer train or None, [follow-up packets])]"""
    queries = [r for r in rows if r[ctx.dst] == ctx.server and r["udp.dstport"] == "53"
               and r["dns.flags.response"] == "0"]
    answers = {}
    for d in datagrams(ctx, rows):
        head = first_fragment(d)
        if head is None or head["dns.id"] == "":
            continue
        answers.setdefault((num(head["dns.id"]), head["udp.dstport"]), []).append((head, d))
    out = []
    for q in queries:
        got = answers.get((num(q["dns.id"]), q["udp.srcport"]), [])
        full = next((d for h, d in got if h["dns.flags.truncated"] == "0"), None)
        tcs = [h for h, d in got if h["dns.flags.truncated"] == "1"]
        out.append((q, full, tcs))
    return out


def cmd_atr(args):
    ctx = Ctx(args.server)
    rows = tshark(args.pcap, False, ctx.filter(), FIELDS)
    gaps = []
    for q, full, tcs in pair(ctx, rows):
        answer = "full" if full else ("tc" if tcs else "none")
        frags = len(full) if full and ctx.is_fragment(full[0]) else 0
        udp_len = first_fragment(full)["udp.length"] if full else "-"
        follow = []
        if full:
            end = max(float(r["frame.time_epoch"]) for r in full)
            follow = [t for t in tcs if num(t["frame.number"]) > max(num(r["frame.number"]) for r in full)]
        gap, check = "-", "-"
        if full and follow:
            g = (float(follow[0]["frame.time_epoch"]) - end) * 1000.0
            gaps.append(g)
            gap = "%.3f" % g
            check = followup_check(q, follow[0])
        if not args.summary:
            print("%s|%s|%s|%d|%s|%d|%s|%s" % (q["dns.id"], q["dns.qry.name"], answer, frags,
                                               udp_len, len(follow), gap, check))
    if args.summary:
        if not gaps:
            print("n=0")
            return 1
        gaps.sort()

        def pct(p):
            # nearest-rank percentile
            k = max(0, min(len(gaps) - 1, int(-(-p * len(gaps) // 100)) - 1))
            return gaps[k]
        line = "n=%d min=%.3f p50=%.3f p99=%.3f max=%.3f" % (len(gaps), gaps[0], pct(50), pct(99), gaps[-1])
        if args.delay_ms is not None:
            line += " early=%d" % sum(1 for g in gaps if g < args.delay_ms)
        print(line)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    fr = sub.add_parser("frags")
    fr.add_argument("pcap")
    fr.add_argument("--server", required=True)
    fr.add_argument("--mtu", type=int, required=True)
    fr.add_argument("--trains", type=int)
    fr.add_argument("--udp-len", type=int, default=4008)
    at = sub.add_parser("atr")
    at.add_argument("pcap")
    at.add_argument("--server", required=True)
    at.add_argument("--summary", action="store_true")
    at.add_argument("--delay-ms", type=float, help="with --summary: count gaps below this (early=)")
    args = ap.parse_args()
    return cmd_frags(args) if args.cmd == "frags" else cmd_atr(args)


if __name__ == "__main__":
    sys.exit(main())
