#!/usr/bin/python3
"""Compares xdpdns with NSD on DNAME (RFC 6672), both serving
tests/unit/dns/zones/{dname,other,apex}.test.zone, as dig, kdig and drill
see them over UDP and TCP, IPv4 and IPv6.

usage: ez_dname_compare.py XDPDNS_V4 XDPDNS_V6 NSD_V4 NSD_V6

The machinery is ez_compare.py's (same normalisation, same per-answer
expectation of rcode, AA, TC and section counts, so two servers failing
alike cannot pass); only the questions differ. Prints one line per check;
exits 1 on any failure.
"""
import sys
from concurrent.futures import ThreadPoolExecutor

from ez_compare import Case, check_same

NOERROR, NXDOMAIN, YXDOMAIN = "NOERROR", "NXDOMAIN", "YXDOMAIN"
ALL, DIG = ("dig", "kdig", "drill"), ("dig",)


def d(host):
    return f"{host}.dname.test"


# A 63- and a 50-octet label before long.dname.test (a 140-octet target)
# make a 255-octet name; one octet more overflows (YXDOMAIN).
FITS = f"{'l' * 63}.{'l' * 50}.long.dname.test"
OVERFLOWS = f"{'l' * 63}.{'l' * 51}.long.dname.test"

CASES = [
    # DNAME, synthesized CNAME, the target's data; the client's case
    Case(d("www.d"), "A", (NOERROR, 1, 0, 3, 0), tools=ALL),
    Case("WwW.D.dNaMe.TEST", "A", (NOERROR, 1, 0, 3, 0), tools=DIG),
    # negative answers at the target
    Case(d("a.b.d"), "A", (NXDOMAIN, 1, 0, 2, 1), tools=ALL),
    Case(d("www.d"), "TXT", (NOERROR, 1, 0, 2, 1), tools=DIG),
    # the owner itself: ordinary data
    Case(d("d"), "DNAME", (NOERROR, 1, 0, 1, 0), tools=ALL),
    Case(d("d"), "TXT", (NOERROR, 1, 0, 1, 0), tools=DIG),
    Case(d("d"), "A", (NOERROR, 1, 0, 0, 1), tools=DIG),
    # below it every type is redirected; a CNAME query is not followed
    Case(d("x.d"), "DNAME", (NXDOMAIN, 1, 0, 2, 1), tools=DIG),
    Case(d("www.d"), "CNAME", (NOERROR, 1, 0, 2, 0), tools=("dig", "kdig")),
    # chains: DNAME -> CNAME, -> referral, -> another zone, DNAME -> CNAME
    # -> DNAME across zones, DNAME -> DNAME, CNAME -> DNAME, out of our zones
    Case(d("alias.d"), "A", (NOERROR, 1, 0, 4, 0), tools=ALL),
    Case(d("host.cut.d"), "A", (NOERROR, 1, 0, 2, 1), tools=("dig", "drill")),
    Case(d("www.other"), "A", (NOERROR, 1, 0, 3, 0), tools=DIG),
    Case(d("hop.other"), "A", (NOERROR, 1, 0, 6, 0), tools=ALL),
    Case("www.back.other.test", "AAAA", (NOERROR, 1, 0, 5, 0), tools=ALL),
    Case(d("to-d"), "A", (NOERROR, 1, 0, 4, 0), tools=ALL),
    Case(d("www.out"), "A", (NOERROR, 1, 0, 2, 0), tools=DIG),
    # owners at other depths, a longer target, the apex
    Case(d("x.deep.x"), "TXT", (NXDOMAIN, 1, 0, 2, 1), tools=DIG),
    Case("A.far.dname.test", "A", (NXDOMAIN, 1, 0, 2, 1), tools=DIG),
    Case("www.apex.test", "A", (NOERROR, 1, 0, 3, 0), tools=ALL),
    Case("nothere.apex.test", "A", (NXDOMAIN, 1, 0, 2, 1), tools=DIG),
    Case("apex.test", "DNAME", (NOERROR, 1, 0, 1, 0), tools=DIG),
    Case("apex.test", "TXT", (NOERROR, 1, 0, 1, 0), tools=DIG),
    # loops
    Case(d("a.loop1"), "A", (NOERROR, 1, 0, 4, 0), tools=ALL),
    Case(d("a.self"), "A", (NOERROR, 1, 0, 2, 0), tools=DIG),
    # 255 octets exactly, and one more (RFC 6672 2.2)
    Case(FITS, "A", (NXDOMAIN, 1, 0, 2, 1), tools=DIG),
    Case(OVERFLOWS, "A", (YXDOMAIN, 1, 0, 1, 0), tools=ALL),
    # signed zone, DO=1: the DNAME's RRSIG, none for the synthesized CNAME
    Case(d("www.signed"), "A", (NOERROR, 1, 0, 4, 0), do=True, tools=ALL),
    Case(d("www.signed"), "A", (NOERROR, 1, 0, 3, 0), tools=DIG),
    # a zone cut above a DNAME wins: referral
    Case(d("x.dn.sub"), "A", (NOERROR, 0, 0, 0, 1), tools=DIG),
    # no EDNS
    Case(d("www.d"), "A", (NOERROR, 1, 0, 3, 0), edns=None, tools=("dig", "drill")),
]


def main():
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    ours4, ours6, nsd4, nsd6 = sys.argv[1:5]
    jobs = []
    for case in CASES:
        for tool in case.tools:
            for transport in case.transports:
                for fam, ours, ref in (("v4", ours4, nsd4), ("v6", ours6, nsd6)):
                    jobs.append((case, tool, transport, fam, ours, ref))
    with ThreadPoolExecutor(max_workers=6) as pool:
        checks = list(pool.map(lambda j: check_same(*j), jobs))
    failures = 0
    for c in checks:
        failures += c.failed
        print("\n".join(c.report()))
    print(f"{len(checks) - failures}/{len(checks)} checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
