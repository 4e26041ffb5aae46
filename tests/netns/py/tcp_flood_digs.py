#!/usr/bin/python3
"""Legitimate queries of the flood test: builds dig batch files and judges
what dig printed.

  tcp_flood_digs.py batch COUNT SERVER SOURCES > FILE
      COUNT dig batch lines alternating small.example.test A and
      big1200.example.test TXT to SERVER: one TCP connection each under
      `dig +tcp -f`, bound (-b) to the client addresses SOURCES
      (comma-separated) in turn: dig binds to port 0 before it connects, so a
      port in TIME_WAIT is unusable for that address only, and the addresses
      multiply the connections a small port range allows. One family per
      file: dig 9.18 keeps the family of a -b for the rest of the batch.

  tcp_flood_digs.py judge FILE DIG_OUTPUT REFERENCE [--save] [--latencies OUT]
      Reads `dig +tcp +tries=1 +noall +answer +stats -f FILE` output. dig runs
      the lines in order, one at a time; every query ends either with the
      stats block (";; MSG SIZE") or with ";; no servers could be reached".
      A query counts as answered when its answer section is exactly the
      reference's for its name and type; with --save the reference is written
      from this run instead (each name's answers must agree across the run
      and look right: one A 192.0.2.1, five big1200 TXT records).
      Prints: queries=N answered=A wrong=W failed=F p50=MS p99=MS max=MS
      (latency: dig's "Query time" of answered queries, milliseconds);
      --latencies appends the answered queries' times, one per line.

  tcp_flood_digs.py percentiles FILE
      p50, p99, max and count of the latencies in FILE (one per line).

  tcp_flood_digs.py pcap CAPTURE [--latencies OUT]
      Latency of every DNS-over-TCP exchange in a client-side capture
      (tcpdump -w, Ethernet, IPv4/IPv6), to the microsecond (dig's own
      "Query time" moves in steps of 4 ms here): from the client's SYN to
      the segment that completes the answer (the server's octets reach the
      2-octet length prefix plus the message). Connections are told apart
      by 4-tuple and SYN (a SYN sent again counts from the first). Prints: exchanges=N answered=A p50=MS p99=MS
      max=MS (milliseconds, 0.01); --latencies appends them, one per line.
"""
import json
import sys


def batch(count, server, sources):
    kinds = [("small.example.test", "A"), ("big1200.example.test", "TXT")]
    sources = sources.split(",")
    for i in range(count):
        name, qtype = kinds[i % len(kinds)]
        src = sources[(i // len(kinds)) % len(sources)]
        print("-b %s @%s %s %s" % (src, server, name, qtype))


def parse(path):
    """[(answer RR lines, latency ms or None for a failure)] in order."""
    out = []
    rrs, latency = [], None
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            if line.startswith(";; Query time:"):
                latency = int(line.split()[3])
            elif line.startswith(";; MSG SIZE"):
                out.append((sorted(rrs), latency))
                rrs, latency = [], None
            elif line.startswith(";; no servers could be reached"):
                out.append((None, None))
                rrs, latency = [], None
            elif not line.startswith(";"):
                rrs.append(" ".join(line.split()))
    return out


def percentile(values, p):
    if not values:
        return "-"
    v = sorted(values)
    return str(v[min(len(v) - 1, int(p / 100.0 * len(v)))])


def sane(key, rrs):
    if key == "small.example.test A":
        return rrs == ["small.example.test. 3600 IN A 192.0.2.1"]
    if key == "big1200.example.test TXT":
        return (len(rrs) == 5 and
                all(r.startswith('big1200.example.test. 3600 IN TXT "big1200-record-0%d' % (i + 1))
                    for i, r in enumerate(rrs)))
    return False


def judge(batch_file, dig_out, reference, save, latencies_out):
    with open(batch_file) as f:
        keys = [" ".join(line.split()[3:5]) for line in f if line.strip()]
    results = parse(dig_out)
    if len(results) > len(keys):
        sys.exit("dig printed %d results for %d queries" % (len(results), len(keys)))
    if save:
        ref = {}
        for key, (rrs, _) in zip(keys, results):
            if rrs is None:
                continue
            if not sane(key, rrs):
                sys.exit("reference run: unexpected answer to %s: %r" % (key, rrs))
            if ref.setdefault(key, rrs) != rrs:
                sys.exit("reference run: answers to %s differ: %r / %r" % (key, ref[key], rrs))
        with open(reference, "w") as f:
            json.dump(ref, f)
    with open(reference) as f:
        ref = json.load(f)
    answered, wrong, lat = 0, 0, []
    for i, (key, (rrs, ms)) in enumerate(zip(keys, results)):
        if rrs is None:
            continue
        if rrs == ref.get(key):
            answered += 1
            lat.append(ms)
        else:
            wrong += 1
            if wrong <= 3:
                print("wrong answer to query %d (%s): %r" % (i + 1, key, rrs), file=sys.stderr)
    failed = len(keys) - answered - wrong
    if latencies_out:
        with open(latencies_out, "a") as f:
            f.writelines("%d\n" % ms for ms in lat)
    print("queries=%d answered=%d wrong=%d failed=%d p50=%s p99=%s max=%s" % (
        len(keys), answered, wrong, failed, percentile(lat, 50), percentile(lat, 99),
        max(lat) if lat else "-"))


def pcap_exchanges(path):
    """[(SYN time, answer-complete time or None)] per client connection."""
    import struct
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return []
    magic = struct.unpack("<I", data[:4])[0]
    endian = {0xa1b2c3d4: "<", 0xd4c3b2a1: ">", 0xa1b23c4d: "<", 0x4d3cb2a1: ">"}.get(magic)
    if endian is None:
        sys.exit("%s: not a pcap file" % path)
    nano = magic in (0xa1b23c4d, 0x4d3cb2a1)

    class Conn:
        def __init__(self, t, isn):
            self.syn_t, self.isn = t, isn
            self.server_isn = None
            self.segments = {}   # offset of the answer stream -> length
            self.need = None     # 2 + the length prefix
            self.done_t = None

    conns = {}   # (client addr, client port, server addr) -> Conn
    done = []
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        t = sec + frac / (1e9 if nano else 1e6)
        if len(pkt) < 14:
            continue
        eth = struct.unpack("!H", pkt[12:14])[0]
        # The capture may be cut short (snap length): lengths come from the
        # IP header, octets only from what was captured.
        if eth == 0x0800 and len(pkt) >= 34:
            ihl = (pkt[14] & 0x0f) * 4
            if pkt[23] != 6:
                continue
            src, dst, l4 = pkt[26:30], pkt[30:34], 14 + ihl
            l4_len = struct.unpack("!H", pkt[16:18])[0] - ihl
        elif eth == 0x86dd and len(pkt) >= 54:
            if pkt[20] != 6:
                continue
            src, dst, l4 = pkt[22:38], pkt[38:54], 54
            l4_len = struct.unpack("!H", pkt[18:20])[0]
        else:
            continue
        if len(pkt) < l4 + 20:
            continue
        sport, dport, seq = struct.unpack("!HHI", pkt[l4:l4 + 8])
        flags = pkt[l4 + 13]
        doff = (pkt[l4 + 12] >> 4) * 4
        payload_len = l4_len - doff
        payload = pkt[l4 + doff:]
        if dport == 53:  # client to server
            key = (src, sport, dst)
            if flags & 0x02 and not flags & 0x10:  # SYN: a new connection ...
                if key in conns:
                    if conns[key].isn == seq:
                        continue  # ... unless it is the same SYN sent again
                    done.append((conns[key].syn_t, conns[key].done_t))
                conns[key] = Conn(t, seq)
        elif sport == 53:
            c = conns.get((dst, dport, src))
            if c is None or c.done_t is not None:
                continue
            if flags & 0x02:  # SYN-ACK: where the answer stream starts
                c.server_isn = seq
                continue
            if payload_len <= 0 or c.server_isn is None:
                continue
            # Segments may arrive out of order (seen on veth): place each by
            # its sequence number; one sent again counts once.
            rel = (seq - c.server_isn - 1) & 0xffffffff
            c.segments[rel] = max(payload_len, c.segments.get(rel, 0))
            if rel == 0 and len(payload) >= 2:
                c.need = 2 + struct.unpack("!H", payload[:2])[0]
            if c.need is not None:
                covered, end = 0, 0
                for start in sorted(c.segments):
                    if start > end:
                        break
                    end = max(end, start + c.segments[start])
                covered = end
                if covered >= c.need:
                    c.done_t = t
    done.extend((c.syn_t, c.done_t) for c in conns.values())
    return done


def pcap(path, latencies_out):
    ex = pcap_exchanges(path)
    lat = sorted((d - s) * 1000 for s, d in ex if d is not None)
    if latencies_out:
        with open(latencies_out, "a") as f:
            f.writelines("%.3f\n" % v for v in lat)
    pct = lambda p: "%.2f" % lat[min(len(lat) - 1, int(p / 100.0 * len(lat)))] if lat else "-"
    print("exchanges=%d answered=%d p50=%s p99=%s max=%s" % (
        len(ex), len(lat), pct(50), pct(99), ("%.2f" % lat[-1]) if lat else "-"))


def main():
    a = sys.argv[1:]
    if len(a) == 4 and a[0] == "batch":
        batch(int(a[1]), a[2], a[3])
    elif len(a) >= 4 and a[0] == "judge":
        rest = a[4:]
        save = "--save" in rest
        lat_out = rest[rest.index("--latencies") + 1] if "--latencies" in rest else None
        judge(a[1], a[2], a[3], save, lat_out)
    elif len(a) == 2 and a[0] == "percentiles":
        with open(a[1]) as f:
            v = [float(x) for x in f if x.strip()]
        fmt = lambda x: x if x == "-" else "%.2f" % float(x)
        print("p50=%s p99=%s max=%s n=%d" % (fmt(percentile(v, 50)), fmt(percentile(v, 99)),
                                            fmt(max(v)) if v else "-", len(v)))
    elif len(a) in (2, 4) and a[0] == "pcap":
        pcap(a[1], a[3] if len(a) == 4 and a[2] == "--latencies" else None)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
