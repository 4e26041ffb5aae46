#!/usr/bin/python3
"""Judges one dnsperf run through a resolver: rcodes per query from dnsperf's
verbose output, and the data, asked again from the resolver, against the zone.

usage: rt_check.py ZONEFILE ZONE QUERYFILE DNSPERF-OUTPUT RESOLVER-ADDR PORT

Runs inside the client namespace, after `dnsperf -v -n 1` sent every line
of QUERYFILE once. From DNSPERF-OUTPUT it takes dnsperf's own summary
(queries sent, completed, lost, response codes) and its per-query lines
("> RCODE NAME TYPE LATENCY", "> T ..." for a query it gave up on); every
line of QUERYFILE must appear exactly once among them, or once as not sent
(dnsperf stopped by its time limit).

Then every name dnsperf saw answered NOERROR is asked again (UDP, EDNS 4096,
RD, one query at a time, through the resolver's cache) and the answer
section must be exactly the zone's: the RRset of the name and type, or the
CNAME chain inside the zone and the RRset at its end (TTLs aside). A
resolver that answers NOERROR with other data, or no data, is WRONG.

Prints the WRONG cases, the first ten queries not answered NOERROR, and
one summary line:
  sent=N completed=N lost=N noerror=N servfail=N other=N unsent=N checked=N wrong=N
Exit status 1 if dnsperf's output does not add up or any answer is wrong;
the caller asserts the counts.
"""
import re
import sys

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.zone

VERBOSE = re.compile(r"^> (\S+) (\S+) (\S+)(?: [0-9.]+)?$")


def expected(zone, name, rdtype):
    """Sorted (owner, type, rdata) of the answer section the zone gives."""
    out = []
    for _ in range(16):
        node = zone.get_node(name)
        if node is None:
            return out
        cname = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.CNAME)
        if cname is not None and rdtype != dns.rdatatype.CNAME:
            target = cname[0].target
            out.append((name.to_text().lower(), "CNAME", target.to_text().lower()))
            name = target
            continue
        rds = node.get_rdataset(dns.rdataclass.IN, rdtype)
        for rd in rds or []:
            out.append((name.to_text().lower(), dns.rdatatype.to_text(rdtype), rd.to_text().lower()))
        break
    return sorted(out)


def got(msg):
    out = []
    for rrset in msg.answer:
        for rd in rrset:
            out.append((rrset.name.to_text().lower(), dns.rdatatype.to_text(rrset.rdtype), rd.to_text().lower()))
    return sorted(out)


def summary_int(text, label):
    m = re.search(r"^\s*" + re.escape(label) + r":\s+(\d+)", text, re.M)
    return int(m.group(1)) if m else None


def main() -> int:
    if len(sys.argv) != 7:
        print(__doc__, file=sys.stderr)
        return 2
    zonefile, origin, queryfile, perfout, addr, port = sys.argv[1:]
    port = int(port)
    zone = dns.zone.from_file(zonefile, origin, relativize=False)
    queries = []
    for line in open(queryfile, encoding="ascii"):
        f = line.split()
        if f:
            queries.append((f[0].lower().rstrip(".") + ".", f[1].upper()))
    text = open(perfout, encoding="utf-8", errors="replace").read()
    bad = 0

    sent = summary_int(text, "Queries sent")
    completed = summary_int(text, "Queries completed")
    lost = summary_int(text, "Queries lost")
    if sent is None or completed is None or lost is None:
        print("dnsperf's output has no summary (sent/completed/lost)")
        return 1
    codes = {}
    m = re.search(r"^\s*Response codes:\s+(.*)$", text, re.M)
    if m:
        for code, n in re.findall(r"(\w+) (\d+) \(", m.group(1)):
            codes[code] = int(n)

    per_query = {}
    for line in text.splitlines():
        v = VERBOSE.match(line)
        if not v:
            continue
        rcode, name, qtype = v.groups()
        key = (name.lower().rstrip(".") + ".", qtype.upper())
        if key in per_query:
            print(f"dnsperf reported {key[0]}/{key[1]} twice ({per_query[key]}, {rcode})")
            bad += 1
        per_query[key] = rcode
    wanted = set(queries)
    stray = [k for k in per_query if k not in wanted]
    if stray:
        print(f"dnsperf reported {len(stray)} question(s) not in the query file, e.g. {stray[:3]}")
        bad += 1
    unsent = [q for q in queries if q not in per_query]
    if sent != len(per_query) or sent + len(unsent) != len(queries):
        print(f"dnsperf: {sent} sent, {len(per_query)} reported per query, {len(queries)} in the file")
        bad += 1
    timeouts = sum(1 for r in per_query.values() if r == "T")
    if timeouts != lost or completed != sent - lost or sum(codes.values()) != completed:
        print(f"dnsperf's counts disagree: completed {completed}, lost {lost}, per-query timeouts {timeouts}, "
              f"response codes {codes}")
        bad += 1

    failed = [(q, per_query[q]) for q in queries if q in per_query and per_query[q] != "NOERROR"]
    for (name, qtype), rcode in failed[:10]:
        print(f"not answered: {name}/{qtype} {'timed out' if rcode == 'T' else rcode}")
    if len(failed) > 10:
        print(f"not answered: {len(failed) - 10} more")
    checked = wrong = 0
    for name, qtype in queries:
        if per_query.get((name, qtype)) != "NOERROR":
            continue
        want = expected(zone, dns.name.from_text(name), dns.rdatatype.from_text(qtype))
        if not want:
            print(f"WRONG {name}/{qtype}: dnsperf saw NOERROR for a question the zone has no data for")
            wrong += 1
            continue
        q = dns.message.make_query(name, qtype, use_edns=0, payload=4096)
        answer = None
        for _ in range(3):
            try:
                answer = dns.query.udp(q, addr, port=port, timeout=2)
                break
            except dns.exception.Timeout:
                continue
        checked += 1
        if answer is None:
            print(f"WRONG {name}/{qtype}: no answer from the resolver when asked again")
            wrong += 1
        elif answer.rcode() != 0 or answer.flags & dns.flags.TC or got(answer) != want:
            print(f"WRONG {name}/{qtype}: rcode {dns.rcode.to_text(answer.rcode())} "
                  f"TC {bool(answer.flags & dns.flags.TC)} answer {got(answer)} expected {want}")
            wrong += 1
    noerror = codes.get("NOERROR", 0)
    servfail = codes.get("SERVFAIL", 0)
    print(f"sent={sent} completed={completed} lost={lost} noerror={noerror} servfail={servfail} "
          f"other={completed - noerror - servfail} unsent={len(unsent)} checked={checked} wrong={wrong}")
    return 1 if bad or wrong else 0


if __name__ == "__main__":
    sys.exit(main())
