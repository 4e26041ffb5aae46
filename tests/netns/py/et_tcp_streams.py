#!/usr/bin/python3
"""Checks the server's TCP segments in a capture, per connection.

usage: et_tcp_streams.py < rows

Reads tshark rows "client-address|client-port|seq|flags|payload-hex|
tcp-checksum-status" of the segments FROM the server (capture_fields of
tools/netns/lib.sh with tcp.srcport == 53). A connection is a client address
and port, split at every SYN-ACK (a client may reuse its port).

Checks, for every connection: no sequence number carries two different
octets (no two answers overlap in sequence space), at most one FIN position,
the answer octets before it leave no hole, no RST, every TCP checksum good.
Prints a summary per connection and "connections=N answers=M"; exit status
1 on any violation.
"""
import sys

M32 = 0xFFFFFFFF
FIN, SYN, RST = 0x01, 0x02, 0x04


def main() -> int:
    if len(sys.argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    conns = {}  # (addr, port) -> list of connections, each a list of segments
    bad = 0
    for line in sys.stdin:
        f = line.rstrip("\n").split("|")
        if len(f) < 6 or not f[1]:
            continue
        addr, port, seq, flags, payload, csum = f[:6]
        flags = int(flags, 16)
        key = (addr, port)
        if flags & SYN or key not in conns:
            conns.setdefault(key, []).append([])
        conns[key][-1].append((int(seq), flags, bytes.fromhex(payload.replace(":", "")), csum))
    total_conns = answers = 0
    for (addr, port), lst in conns.items():
        for segs in lst:
            total_conns += 1
            octet = {}
            conflicts = 0
            fins = set()
            for seq, flags, payload, csum in segs:
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
            starts = [seq for seq, _, payload, _ in segs if payload]
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
            if len(fins) > 1:
                print(f"OVERLAP: {len(fins)} FIN positions to {addr} port {port}")
                bad += 1
    print(f"connections={total_conns} answers={answers}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
