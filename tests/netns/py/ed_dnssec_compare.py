#!/usr/bin/python3
"""Compares xdpdns with NSD serving the same signed zone, DNSSEC proofs
included: every question of CASES with DO=1 and DO=0, over UDP and TCP.

usage: ed_dnssec_compare.py ZONE SIGNED_FILE OURS REF
  OURS, REF: ADDR (port 53) or ADDR:PORT of a server; OURS may also be
  tool:PATH, the dns_answer_tool of the unit tests (for trying a change
  without namespaces: tool:BUILD/tests/unit/dns/dns_answer_tool).

Both answers are decoded record by record in wire order (dnspython,
one_rr_per_rrset) and compared as lists per section: owner (case folded),
TTL, type and RDATA of each record, in the order sent, so the choice of
NSEC/NSEC3 records, their RRSIGs and their order must all be NSD's. Header
flags and rcode must match too. Each xdpdns answer is also checked against
the case's own expectation (rcode, and for DO=1 which proof record types the
authority section holds), so two servers failing alike cannot pass. The
documented differences (KNOWN) are reported as such. Prints one line per
check; exits 1 on any failure.
"""
import subprocess
import sys

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

NOERROR, NXDOMAIN = "NOERROR", "NXDOMAIN"


def cases(zone, nsec3_owner):
    def n(h):
        return f"{h}.{zone}" if h else zone

    # (kind, name, type, expected rcode)
    return [
        ("positive", n("host"), "A", NOERROR),
        ("positive", n("host"), "AAAA", NOERROR),
        ("positive", n(None), "SOA", NOERROR),
        ("positive", n(None), "DNSKEY", NOERROR),
        ("positive", n(None), "NS", NOERROR),
        ("positive", n("host"), "NSEC", NOERROR),
        ("positive", n("host"), "RRSIG", NOERROR),
        ("nxdomain", n("nothere"), "A", NXDOMAIN),
        ("nxdomain", n("zzz"), "A", NXDOMAIN),
        ("nxdomain", n("x.host"), "A", NXDOMAIN),
        ("nxdomain", n("x.a.b.ent"), "TXT", NXDOMAIN),
        ("nxdomain", n("x.y.z.ent"), "A", NXDOMAIN),
        ("nxdomain", n("x.deleg"), "A", NXDOMAIN),
        ("nxdomain", n("NoThere"), "AAAA", NXDOMAIN),
        ("nodata", n("host"), "TXT", NOERROR),
        ("nodata", n(None), "TXT", NOERROR),
        ("nodata", n("ns1"), "MX", NOERROR),
        ("nodata", n("host"), "NSEC3", NOERROR),
        ("ent-nodata", n("ent"), "A", NOERROR),
        ("ent-nodata", n("b.ent"), "TXT", NOERROR),
        ("ent-nodata", n("wild"), "A", NOERROR),
        ("ent-nodata", n("deleg"), "A", NOERROR),
        ("wildcard", n("x.wild"), "A", NOERROR),
        ("wildcard", n("a.b.wild"), "A", NOERROR),
        ("positive", n("*.wild"), "A", NOERROR),
        ("wildcard-nodata", n("x.wild"), "TXT", NOERROR),
        ("wildcard-nodata", n("*.wild"), "TXT", NOERROR),
        ("referral", n("host.ins"), "A", NOERROR),
        ("referral", n("ins"), "NS", NOERROR),
        ("referral", n("x.kid.deleg"), "A", NOERROR),
        ("referral", n("kid.deleg"), "A", NOERROR),
        ("secure-referral", n("x.secure"), "A", NOERROR),
        ("ds", n("ins"), "DS", NOERROR),
        ("ds", n("kid.deleg"), "DS", NOERROR),
        ("positive", n("secure"), "DS", NOERROR),
        ("ds", n("deleg"), "DS", NOERROR),
        ("ds", n("host"), "DS", NOERROR),
        ("ds", n(None), "DS", NOERROR),
        ("cname", n("www"), "A", NOERROR),
        ("cname", n("www"), "TXT", NOERROR),
        ("cname", n("dangling"), "A", NXDOMAIN),
        ("cname", n("towild"), "A", NOERROR),
        ("cname", n("towild"), "TXT", NOERROR),
        ("cname", n("towild"), "CNAME", NOERROR),
    ] + ([("nsec3-owner", nsec3_owner, "A", NXDOMAIN),
          ("nsec3-owner", nsec3_owner, "NSEC3", NXDOMAIN)] if nsec3_owner else [])


# Which denial records a DO=1 answer of each kind must carry (besides the
# SOA and RRSIGs), per zone flavour: a floor, not the full list.
def expected_proof(kind, flavour):
    if kind in ("positive", "cname", "secure-referral"):
        return None
    if flavour == "nsec":
        return "NSEC"
    return "NSEC3"


KNOWN = {}


def ask(server, wire, transport):
    if server.startswith("tool:"):
        tool, zonefile = server[5:].split(",", 1)
        out = subprocess.run([tool, transport, zonefile], input=wire.hex(), text=True,
                             capture_output=True, check=True).stdout.strip()
        return bytes.fromhex(out)
    addr, _, port = server.rpartition(":") if server.count(":") == 1 else (server, "", "53")
    q = dns.message.from_wire(wire)
    if transport == "tcp":
        r = dns.query.tcp(q, addr, port=int(port), timeout=3)
    else:
        r = dns.query.udp(q, addr, port=int(port), timeout=3, ignore_trailing=True)
    return r.to_wire()


def records(section):
    out = []
    for rrset in section:
        for line in rrset.to_text().splitlines():
            owner, rest = line.split(None, 1)
            out.append(owner.lower() + " " + rest)
    return out


def summary(wire):
    m = dns.message.from_wire(wire, one_rr_per_rrset=True)
    return m, {
        "rcode": dns.rcode.to_text(m.rcode()),
        "flags": dns.flags.to_text(m.flags),
        "edns": (m.edns, bool(m.ednsflags & dns.flags.DO)),
        "answer": records(m.answer),
        "authority": records(m.authority),
        "additional": records(m.additional),
    }


def main():
    if len(sys.argv) != 5:
        print(__doc__)
        return 2
    zone, signed, ours, ref = sys.argv[1:]
    text = open(signed).read()
    flavour = "nsec3" if "NSEC3PARAM" in text else "nsec"
    nsec3_owner = None
    for line in text.splitlines():
        f = line.split()
        if len(f) > 3 and f[3] == "NSEC3" or len(f) > 2 and f[2] == "NSEC3":
            nsec3_owner = f[0]
            break
    if ours.startswith("tool:"):
        ours += "," + signed
    failures = checks = 0
    for kind, name, rtype, rcode in cases(zone, nsec3_owner):
        for do in (True, False):
            for transport in ("udp", "tcp"):
                checks += 1
                q = dns.message.make_query(name, rtype, use_edns=0, payload=4096, want_dnssec=do)
                q.flags &= ~dns.flags.RD
                wire = q.to_wire()
                label = f"{kind}: {name} {rtype} do={int(do)} {transport}"
                try:
                    mo, so = summary(ask(ours, wire, transport))
                    mr, sr = summary(ask(ref, wire, transport))
                except Exception as e:  # a timeout or a malformed answer
                    failures += 1
                    print(f"FAIL {label}: {e!r}")
                    continue
                problems = [k for k in sr if sr[k] != so[k]]
                if so["rcode"] != rcode:
                    problems.append(f"rcode {so['rcode']} (expected {rcode})")
                want = expected_proof(kind, flavour) if do else None
                types = {dns.rdatatype.to_text(r.rdtype) for r in mo.authority}
                if want and want not in types:
                    problems.append(f"no {want} in the authority section")
                if not do and types & {"NSEC", "NSEC3", "RRSIG"}:
                    problems.append("DNSSEC records with DO=0")
                if problems and (name, rtype) in KNOWN:
                    print(f"KNOWN {label}: {KNOWN[(name, rtype)]}")
                elif problems:
                    failures += 1
                    print(f"FAIL {label}: " + ", ".join(str(p) for p in problems))
                    for k in sr:
                        if sr[k] != so[k]:
                            print(f"   {k}: nsd:")
                            for line in (sr[k] if isinstance(sr[k], list) else [sr[k]]):
                                print(f"      {line}")
                            print(f"   {' ' * len(k)}  xdpdns:")
                            for line in (so[k] if isinstance(so[k], list) else [so[k]]):
                                print(f"      {line}")
                else:
                    print(f"ok {label}")
    print(f"{checks - failures}/{checks} answers match NSD ({flavour})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
