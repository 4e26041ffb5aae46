#!/usr/bin/env python3
"""Writes a TLD-like zone file: the apex (SOA, NS, glue) and DELEGATIONS
delegations, each with five records, as a registry's zone has them:

    dN.ORIGIN.      NS    ns1.dN.ORIGIN.         in-zone name server ...
    dN.ORIGIN.      NS    ns.hoster-K.net.       ... and one elsewhere
    dN.ORIGIN.      DS    KEYTAG 13 2 <sha-256>  a signed child
    ns1.dN.ORIGIN.  A     ...                    glue
    ns1.dN.ORIGIN.  AAAA  ...

so 5 records per delegation plus 6 at the apex. Deterministic (the same
arguments give the same bytes), so a cached file can be reused.

    gen_tld_zone.py ORIGIN DELEGATIONS OUT
"""
import hashlib
import sys


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    origin, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    origin = origin.rstrip(".") + "."
    with open(out, "w", buffering=1 << 20) as f:
        f.write(f"$ORIGIN {origin}\n$TTL 86400\n")
        f.write(f"@ 86400 IN SOA a.nic.{origin} hostmaster.nic.{origin} "
                "2026120601 1800 900 604800 3600\n")
        f.write(f"@ IN NS a.nic.{origin}\n@ IN NS b.nic.{origin}\n")
        f.write(f"a.nic IN A 192.0.2.53\na.nic IN AAAA 2001:db8::53\nb.nic IN A 198.51.100.53\n")
        lines = []
        for n in range(count):
            digest = hashlib.sha256(n.to_bytes(8, "big")).hexdigest().upper()
            d = f"d{n}"
            lines.append(
                f"{d} 3600 IN NS ns1.{d}\n"
                f"{d} 3600 IN NS ns.hoster-{n % 997}.net.\n"
                f"{d} 3600 IN DS {n % 65536} 13 2 {digest}\n"
                f"ns1.{d} 3600 IN A 10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}\n"
                f"ns1.{d} 3600 IN AAAA 2001:db8:{(n >> 16) & 0xffff:x}:{n & 0xffff:x}::1\n")
            if len(lines) == 4096:
                f.write("".join(lines))
                lines.clear()
        f.write("".join(lines))


if __name__ == "__main__":
    main()
