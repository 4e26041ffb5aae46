#!/usr/bin/python3
"""Checks the server's TCP segments in a capture, per connection.

usage: et_tcp_streams.py [--ack-first] < rows

Reads tshark rows "client-address|client-port|seq|flags|payload-hex|
tcp-checksum-status[|ack]" of the segments FROM the server (capture_fields of
tools/netns/lib.sh with tcp.srcport == 53). A connection is a client address
and port, split at every SYN-ACK (a client may reuse its port).

Checks, for every connection: no sequence number carries two different
octets (no two answers overlap in sequence space), at most one FIN position,
the answer octets before it leave no hole, no RST, every TCP checksum good.
With --ack-first (the upstream backend, Huston's trace), also: on every
connection with an answer, the segment after our SYN-ACK is a bare ACK
(flags ACK only, no payload) with the sequence and acknowledgement numbers
of the first answer segment, which follows it.
Prints a summary per connection and "connections=N answers=M"; exit status
1 on any violation.
"""
import sys

M32 = 0xFFFFFFFF
FIN, SYN, RST, ACK = 0x01, 0x02, 0x04, 0x10


def main() -> int:
    ack_first = sys.argv[1:] == ["--ack-first"]
    if len(sys.argv) != 1 and not ack_first:
        print(__doc__, file=sys.stderr)
        return 2
    conns = {}  # (addr, port) -> list of connections, each a list of segments
    bad = 0
    for line in sys.stdin:
        f = line.rstrip("\n").split("|")
        if len(f) < 6 or not f[1]:
            continue
        addr, port, seq, flags, payload, csum = f[:6]
        ack = int(f[6]) if len(f) > 6 and f[6] else None
        flags = int(flags, 16)
        key = (addr, port)
        if flags & SYN or key not in conns:
            conns.setdefault(key, []).append([])
        conns[key][-1].append((int(seq), flags, bytes.fromhex(payload.replace(":", "")), csum, ack))
    total_conns = answers = 0
    for (addr, port), lst in conns.items():
        for segs in lst:
            total_conns += 1
            octet = {}
            conflicts = 0
            fins = set()
            for seq, flags, payload, csum, _ in segs:
                if flags & RST:
                    print(f"RST from the server to {addr} port {port}")
                    bad += 1
                if csum != "1":
                    print(f"bad TCP checksum (status {csum!r}) to {addr} port {port} seq {seq}")
                    bad += 1
                if flags & FIN:
                    fins.add((seq + len(payload)) & M32)
                for i, b in enumerate(payload):
                    if octet.setdefault((seq + i) & M32, b) != b:
                        conflicts += 1
            data = sum(1 for s in segs if s[2])
            if fins:
                answers += 1
            print(f"{addr} port {port}: {len(segs)} segment(s), {data} with data, "
                  f"{len(octet)} octets, FIN positions {sorted(fins)}, conflicts {conflicts}")
            if conflicts:
                print(f"OVERLAP: {conflicts} sequence number(s) to {addr} port {port} carry two different octets")
                bad += 1
            starts = [seq for seq, _, payload, _, _ in segs if payload]
            if len(fins) == 1 and not starts:
                print(f"FIN without any answer octet to {addr} port {port}")
                bad += 1
            elif len(fins) == 1:
                first = min(starts, key=lambda q: (q - starts[0] + 2**31) & M32)
                span = (next(iter(fins)) - first) & M32
                if span != len(octet):
                    print(f"HOLE: to {addr} port {port}: {len(octet)} octets before the FIN, "
                          f"{span} sequence numbers")
                    bad += 1
            if ack_first and starts:
                shape = [(q, fl, len(pl), a) for q, fl, pl, _, a in segs]
                ok = (len(shape) >= 3 and shape[0][1] & SYN and shape[1][1] == ACK
                      and shape[1][2] == 0 and shape[2][2] > 0
                      and (shape[1][0], shape[1][3]) == (shape[2][0], shape[2][3])
                      and shape[1][3] is not None)
                if not ok:
                    print(f"SHAPE: to {addr} port {port}: not SYN-ACK, bare ACK, answer: "
                          f"{[(q, hex(fl), n, a) for q, fl, n, a in shape[:3]]}")
                    bad += 1
            if len(fins) > 1:
                print(f"OVERLAP: {len(fins)} FIN positions to {addr} port {port}")
                bad += 1
    print(f"connections={total_conns} answers={answers}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
