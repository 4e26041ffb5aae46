#!/usr/bin/python3
"""Generates the zone and query lists of the resolver-over-TCP tests.

usage: rt_zone.py ZONE-NAME COUNT ZONEFILE QUERYFILE [SEED]

Writes ZONEFILE: zone ZONE-NAME with COUNT distinct query names, chosen
deterministically from SEED (default 1), and QUERYFILE: one "NAME TYPE" line
per query name, in a shuffled order (dnsperf's input format). Every query
name is asked once, and its answer needs the authority (CNAME targets are
names of their own that are never asked directly), so a resolver with an
empty cache sends one resolution per line to the authority.

The mix, per ten names: four A (1-3 records), two AAAA (1-2 records), one
small TXT, one big TXT (3-4 records, a DNS answer of about 650-1,000
octets: over 512, so 2 or 3 TCP segments of 512 from xdpdns; below 1,232
so that every resolver passes it to dnsperf over UDP with its default
limits), one CNAME to an A name, one chain of two CNAMEs to an A name.

The file uses the simple "owner TYPE rdata" lines that
tests/netns/py/et_dns_answers.py reads (one string per TXT record), so
dig/kdig output can be checked against it too.
"""
import random
import sys


def main() -> int:
    if len(sys.argv) not in (5, 6):
        print(__doc__, file=sys.stderr)
        return 2
    zone, count, zonefile, queryfile = sys.argv[1].rstrip(".") + ".", int(sys.argv[2]), sys.argv[3], sys.argv[4]
    rng = random.Random(int(sys.argv[5]) if len(sys.argv) == 6 else 1)
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    lines = [
        f"$ORIGIN {zone}",
        "$TTL 3600",
        f"@ IN SOA ns1.{zone} hostmaster.{zone} 2024010101 7200 3600 1209600 300",
        "@ NS ns1",
        "ns1 A 192.0.2.53",
        # for warming up a resolver (never in the query list)
        "warm A 192.0.2.99",
    ]
    queries = []

    def a_records(owner):
        for _ in range(rng.randint(1, 3)):
            lines.append(f"{owner} A 198.51.{rng.randint(0, 255)}.{rng.randint(1, 254)}")

    for i in range(count):
        kind = i % 10
        if kind < 4:
            owner = f"a{i}"
            a_records(owner)
            queries.append((owner, "A"))
        elif kind < 6:
            owner = f"h{i}"
            for _ in range(rng.randint(1, 2)):
                lines.append(f"{owner} AAAA 2001:db8:{rng.randint(0, 0xffff):x}::{rng.randint(1, 0xffff):x}")
            queries.append((owner, "AAAA"))
        elif kind == 6:
            owner = f"t{i}"
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(10, 120)))
            lines.append(f'{owner} TXT "{owner}-{text}"')
            queries.append((owner, "TXT"))
        elif kind == 7:
            owner = f"b{i}"
            records = rng.randint(3, 4)
            for r in range(records):
                # 3 x 180..250 or 4 x 130..230 octets per string (at most
                # 255): answers of about 650-1,000 octets.
                n = rng.randint(180, 250) if records == 3 else rng.randint(130, 230)
                prefix = f"{owner}-{r}-"
                text = "".join(rng.choice(alphabet) for _ in range(n - len(prefix)))
                lines.append(f'{owner} TXT "{prefix}{text}"')
            queries.append((owner, "TXT"))
        elif kind == 8:
            owner = f"c{i}"
            lines.append(f"{owner} CNAME ct{i}")
            a_records(f"ct{i}")
            queries.append((owner, "A"))
        else:
            owner = f"d{i}"
            lines.append(f"{owner} CNAME dm{i}")
            lines.append(f"dm{i} CNAME dt{i}")
            a_records(f"dt{i}")
            queries.append((owner, "A"))
    rng.shuffle(queries)
    with open(zonefile, "w", encoding="ascii") as f:
        f.write("\n".join(lines) + "\n")
    with open(queryfile, "w", encoding="ascii") as f:
        for owner, qtype in queries:
            f.write(f"{owner}.{zone} {qtype}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
