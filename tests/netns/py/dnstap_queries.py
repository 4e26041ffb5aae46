#!/usr/bin/env python3
"""Sends DNS queries with chosen IDs and source ports (dnspython), so that a
dnstap log can be checked field by field. Each argument is
PROTO,FAMILY_ADDR,SERVER,PORT,ID,NAME,TYPE (PROTO udp or tcp); prints one
line per query: "ID RCODE ANSWERS" and exits non-zero when one failed."""
import sys

import dns.flags
import dns.message
import dns.query
import dns.rcode


def main():
    bad = 0
    for spec in sys.argv[1:]:
        proto, src, server, sport, qid, name, rdtype = spec.split(",")
        q = dns.message.make_query(name, rdtype, use_edns=0)
        q.id = int(qid)
        q.flags &= ~dns.flags.RD
        try:
            if proto == "udp":
                r = dns.query.udp(q, server, timeout=2, source=src, source_port=int(sport))
            else:
                r = dns.query.tcp(q, server, timeout=2, source=src, source_port=int(sport))
        except Exception as e:  # noqa: BLE001 - report any failure
            print(f"{qid} error {e}")
            bad += 1
            continue
        print(f"{r.id} {dns.rcode.to_text(r.rcode())} {len(r.answer)}")
        if r.id != q.id or r.rcode() != dns.rcode.NOERROR or not r.answer:
            bad += 1
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
