#!/usr/bin/python3
"""Compares xdpdns with NSD, both serving tools/zones/example.test.zone, as
real clients see them: dig, kdig and drill, over UDP and TCP, IPv4 and IPv6.

usage: ez_compare.py XDPDNS_V4 XDPDNS_V6 NSD_V4 NSD_V6

Runs inside the client namespace. For every case and every (tool,
transport, family) it runs the same command against both servers,
normalises each output (IDs, timings, server lines, EDNS cookies and the
Extended DNS Error option dropped; records inside an RRset sorted, their
order carries no meaning) and requires identical text. Each xdpdns answer is
also checked against the case's own expectation (rcode, AA, TC, section
counts), so two servers failing alike cannot pass. The few documented
differences (KNOWN below) are asserted as such instead of being compared.
Prints one line per check; exits 1 on any failure.
"""
import difflib
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

ZONE = "example.test"


class Case:
    """One question. expect: (rcode, aa, tc, answer, authority) of xdpdns.
    edns: EDNS buffer size, or None for no EDNS. transports: which of
    "udp"/"tcp" to ask over. tools: which clients ("all" or a subset)."""

    def __init__(self, name, qtype, expect, edns=1232, do=False,
                 transports=("udp", "tcp"), tools=("dig", "kdig", "drill")):
        self.name = name
        self.qtype = qtype
        self.expect = expect
        self.edns = edns
        self.do = do
        self.transports = transports
        self.tools = tools

    def label(self):
        extra = []
        if self.edns is None:
            extra.append("no-edns")
        elif self.edns != 1232:
            extra.append(f"bufsize={self.edns}")
        if self.do:
            extra.append("do")
        return " ".join([self.name, self.qtype] + extra)


def n(host):
    return f"{host}.{ZONE}" if host else ZONE


NOERROR, NXDOMAIN, REFUSED = "NOERROR", "NXDOMAIN", "REFUSED"
CASES = [
    # positive answers
    Case(n("small"), "A", (NOERROR, 1, 0, 1, 0)),
    Case(n("small"), "AAAA", (NOERROR, 1, 0, 1, 0)),
    Case(n("ns1"), "AAAA", (NOERROR, 1, 0, 1, 0), tools=("dig",)),
    Case(n("mx"), "MX", (NOERROR, 1, 0, 1, 0)),
    Case(n(None), "SOA", (NOERROR, 1, 0, 1, 0), tools=("dig",)),
    # NS at the apex: NS in the answer, the targets' addresses in additional
    Case(n(None), "NS", (NOERROR, 1, 0, 1, 0), tools=("dig", "kdig")),
    # case of the question kept as sent
    Case("SmAlL.ExAmPlE.tEsT", "A", (NOERROR, 1, 0, 1, 0), tools=("dig",)),
    # CNAME, a chain of three links, and a CNAME asked for itself
    Case(n("www"), "A", (NOERROR, 1, 0, 2, 0)),
    Case(n("chain1"), "A", (NOERROR, 1, 0, 4, 0)),
    Case(n("www"), "CNAME", (NOERROR, 1, 0, 1, 0), tools=("dig",)),
    # CNAME to a name without the type: NODATA after the chain (RFC 6604)
    Case(n("www"), "TXT", (NOERROR, 1, 0, 1, 1), tools=("dig",)),
    # wildcard: synthesized answer; wildcard NODATA
    Case(n("anything.wild"), "A", (NOERROR, 1, 0, 1, 0)),
    Case(n("deep.er.wild"), "A", (NOERROR, 1, 0, 1, 0), tools=("dig",)),
    Case(n("anything.wild"), "TXT", (NOERROR, 1, 0, 0, 1), tools=("dig",)),
    # NXDOMAIN, NODATA, empty non-terminals
    Case(n("nothere"), "A", (NXDOMAIN, 1, 0, 0, 1)),
    Case(n("small"), "TXT", (NOERROR, 1, 0, 0, 1)),
    Case(n("wild"), "A", (NOERROR, 1, 0, 0, 1), tools=("dig",)),
    Case(n("b.ent"), "A", (NOERROR, 1, 0, 0, 1)),
    Case(n("ent"), "AAAA", (NOERROR, 1, 0, 0, 1), tools=("dig",)),
    Case(n("x.a.b.ent"), "A", (NXDOMAIN, 1, 0, 0, 1), tools=("dig",)),
    # delegation: referral with glue (AA=0), NS at the cut, DS at the cut
    # (answered from the parent side: NODATA)
    Case(n("host.sub"), "A", (NOERROR, 0, 0, 0, 1)),
    Case(n("sub"), "NS", (NOERROR, 0, 0, 0, 1), tools=("dig", "drill")),
    Case(n("sub"), "DS", (NOERROR, 1, 0, 0, 1)),
    Case(n("ns.sub"), "A", (NOERROR, 0, 0, 0, 1), tools=("dig",)),
    # outside our zones
    Case("nowhere.invalid", "A", (REFUSED, 0, 0, 0, 0)),
    Case("test", "SOA", (REFUSED, 0, 0, 0, 0), tools=("dig",)),
    # DO=1 (unsigned zone: the bit is echoed, no RRSIGs)
    Case(n("small"), "A", (NOERROR, 1, 0, 1, 0), do=True),
    Case(n("nothere"), "A", (NXDOMAIN, 1, 0, 0, 1), do=True, tools=("dig", "drill")),
    # no EDNS at all
    Case(n("small"), "A", (NOERROR, 1, 0, 1, 0), edns=None),
    Case(n("www"), "A", (NOERROR, 1, 0, 2, 0), edns=None, tools=("dig", "drill")),
    Case(n("host.sub"), "A", (NOERROR, 0, 0, 0, 1), edns=None, tools=("dig",)),
    # large answers: over TCP in full
    Case(n("big1200"), "TXT", (NOERROR, 1, 0, 5, 0), transports=("tcp",)),
    Case(n("big1400"), "TXT", (NOERROR, 1, 0, 5, 0), transports=("tcp",), tools=("dig",)),
    Case(n("big4000"), "TXT", (NOERROR, 1, 0, 15, 0), transports=("tcp",)),
    Case(n("big4000"), "TXT", (NOERROR, 1, 0, 15, 0), edns=None, transports=("tcp",),
         tools=("dig",)),
    # over UDP: 1,200 octets fit the default 1,232 buffer
    Case(n("big1200"), "TXT", (NOERROR, 1, 0, 5, 0), transports=("udp",)),
]

# Truncated UDP answers (TC=1): header, question and OPT only, AA=1 for our
# zone's names as NSD (the daemon copies AA from the full answer it built;
# ctl/dns/response.h, write_truncated): everything must match, AA included.
TC_CASES = [
    Case(n("big4000"), "TXT", (NOERROR, 1, 1, 0, 0), edns=512, transports=("udp",)),
    Case(n("big4000"), "TXT", (NOERROR, 1, 1, 0, 0), transports=("udp",), tools=("dig",)),
    Case(n("big1200"), "TXT", (NOERROR, 1, 1, 0, 0), edns=None, transports=("udp",)),
    Case(n("big1400"), "TXT", (NOERROR, 1, 1, 0, 0), transports=("udp",), tools=("dig",)),
]

# Documented intentional differences (ctl/dns/zone_backend.h), asserted
# on xdpdns alone:
#  * CD is copied into the answer (RFC 4035 3.1.6); NSD clears it. The
#    answer must otherwise equal NSD's.
#  * ANY (RFC 8482): over UDP only the RRset with the lowest type code,
#    over TCP every RRset of the node; NSD 4.6 answers one RRset on both.
CD_CASE = Case(n("small"), "A", (NOERROR, 1, 0, 1, 0), tools=("dig", "kdig", "drill"))
ANY_CASES = [
    (Case(n("small"), "ANY", (NOERROR, 1, 0, 1, 0), transports=("udp",)),
     [f"small.{ZONE}. 3600 IN A 192.0.2.1"]),
    (Case(n("small"), "ANY", (NOERROR, 1, 0, 2, 0), transports=("tcp",)),
     [f"small.{ZONE}. 3600 IN A 192.0.2.1", f"small.{ZONE}. 3600 IN AAAA 2001:db8::1"]),
]


def command(tool, case, server, transport, cd=False):
    tcp = transport == "tcp"
    if tool == "dig":
        cmd = ["dig", "+norec", "+nocookie", "+time=2", "+tries=1"]
        cmd += ["+tcp"] if tcp else ["+notcp", "+ignore"]
        cmd += ["+noedns"] if case.edns is None else [f"+bufsize={case.edns}"]
        cmd += ["+dnssec"] if case.do else []
        cmd += ["+cdflag"] if cd else []
        return cmd + [f"@{server}", case.name, case.qtype]
    if tool == "kdig":
        cmd = ["kdig", "+norec", "+nocookie", "+timeout=2", "+retry=0"]
        cmd += ["+tcp"] if tcp else ["+notcp", "+ignore"]
        cmd += ["+noedns"] if case.edns is None else [f"+bufsize={case.edns}"]
        cmd += ["+dnssec"] if case.do else []
        cmd += ["+cdflag"] if cd else []
        return cmd + [f"@{server}", case.name, case.qtype]
    if tool == "drill":
        # -o rd: clear RD (lower case clears, upper case sets a bit).
        cmd = ["drill", "-o", "CD" if cd else "rd"]
        cmd += ["-t"] if tcp else ["-u"]
        # drill sends no OPT unless given a buffer size or -D.
        cmd += [] if case.edns is None else ["-b", str(case.edns)]
        cmd += ["-D"] if case.do else []
        return cmd + [f"@{server}", case.name, case.qtype]
    raise ValueError(tool)


# Lines that differ between any two runs (IDs, times, addresses) or carry
# optional EDNS material (cookies; NSD's Extended DNS Error 20 on REFUSED,
# RFC 8914, an informational option xdpdns does not send).
VOLATILE = re.compile(
    r"^;; (Query time|SERVER|WHEN|MSG SIZE|Received \d+ B|Time \d|From \S+ in)"
    r"|^; <<>> DiG|^;; global options|^; \(\d+ servers? found\)"
    r"|COOKIE|^; EDE:|^;; EDE:|^;; (WARNING: The answer packet|query again with TCP)")


def rr_key(line):
    f = line.split()
    return (f[0].lower(), f[2], f[3]) if len(f) >= 4 else None


def normalise(text):
    lines = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line or VOLATILE.search(line):
            continue
        line = re.sub(r"\bid: \d+", "id: ID", line)
        # kdig pads owner names to a column; whitespace carries nothing.
        line = " ".join(line.split())
        lines.append(line)
    # Sort records inside each run of one RRset (same owner, class, type),
    # and the whole additional section: the order of its RRsets carries no
    # meaning, and NSD puts the AAAA glue first when asked over IPv6.
    out, run = [], []
    additional = False

    def flush():
        out.extend(sorted(run))
        run.clear()

    for line in lines:
        key = rr_key(line) if not line.startswith(";") else None
        if line.startswith(";"):
            additional = line.upper().startswith(";; ADDITIONAL SECTION")
        if key is None or (run and rr_key(run[0]) != key and not additional):
            flush()
        if key is None:
            out.append(line)
        else:
            run.append(line)
    flush()
    return out


HEADER_RCODE = re.compile(r"(?:status|rcode): ([A-Z]+)")
HEADER_FLAGS = re.compile(r"flags: ([a-z ]*?) ?;", re.IGNORECASE)


def count(lines, section):
    m = re.search(section.upper() + r": (\d+)", "\n".join(lines))
    return int(m.group(1)) if m else None


def summary(lines):
    """(rcode, flags set, answer, authority) from a normalised output."""
    text = "\n".join(lines)
    rcode = HEADER_RCODE.search(text)
    flags = HEADER_FLAGS.search(text)
    if not rcode or not flags:
        return None
    return (rcode.group(1), set(flags.group(1).lower().split()),
            count(lines, "answer"), count(lines, "authority"))


def answer_records(lines):
    out, inside = [], False
    for line in lines:
        if line.startswith(";"):
            inside = line.upper().startswith(";; ANSWER SECTION")
            continue
        if inside:
            out.append(line)
    return out


def run(cmd):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=15)
    except subprocess.TimeoutExpired:
        return None, "timed out"
    return p.stdout, p.stderr.strip()


class Check:
    """One comparison; collects its own report (checks run in parallel)."""

    def __init__(self, what):
        self.what = what
        self.lines = []
        self.failed = False

    def fail(self, detail):
        self.failed = True
        self.lines.append(f"FAIL {self.what}: {detail}")

    def ask(self, cmd):
        out, err = run(cmd)
        lines = normalise(out or "")
        s = summary(lines)
        if s is None:
            self.fail(f"no answer from `{' '.join(cmd)}` ({err or 'no header'})\n{out}")
            return None, None
        return lines, s

    def expect(self, s, case):
        want = case.expect
        got = (s[0], int("aa" in s[1]), int("tc" in s[1]), s[2], s[3])
        if got != want:
            self.fail(f"xdpdns (rcode, aa, tc, answer, authority) = {got}, expected {want}")
            return False
        return True

    def compare(self, ours, ref, ignore_flags=()):
        def strip(lines):
            out = []
            for line in lines:
                for f in ignore_flags:
                    line = re.sub(rf"(flags:[a-z ]*?) {f}\b", r"\1", line, flags=re.I)
                out.append(line)
            return out

        ours, ref = strip(ours), strip(ref)
        if ours != ref:
            diff = "\n".join(difflib.unified_diff(ref, ours, "nsd", "xdpdns", lineterm=""))
            self.fail("differs from nsd:\n" + diff)
            return False
        return True

    def report(self):
        return self.lines if self.failed else [f"ok   {self.what}"]


def check_same(case, tool, transport, fam, ours, ref):
    c = Check(f"{tool} {transport} {fam} {case.label()}")
    o, so = c.ask(command(tool, case, ours, transport))
    r, sr = c.ask(command(tool, case, ref, transport))
    if o is None or r is None or not c.expect(so, case):
        return c
    c.compare(o, r)
    return c


def check_cd(case, tool, transport, fam, ours, ref):
    c = Check(f"{tool} {transport} {fam} {case.label()} CD=1 (known: CD copied)")
    o, so = c.ask(command(tool, case, ours, transport, cd=True))
    r, sr = c.ask(command(tool, case, ref, transport, cd=True))
    if o is None or r is None or not c.expect(so, case):
        return c
    if "cd" not in so[1]:
        c.fail(f"xdpdns answer lacks CD: flags {sorted(so[1])}")
    elif "cd" in sr[1]:
        c.fail("nsd copied CD too: the known difference moved")
    else:
        c.compare(o, r, ignore_flags=("cd",))
    return c


def check_any(case, records, tool, transport, fam, ours):
    c = Check(f"{tool} {transport} {fam} {case.label()} (known: RFC 8482 choice)")
    o, so = c.ask(command(tool, case, ours, transport))
    if o is None or not c.expect(so, case):
        return c
    got = sorted(answer_records(o))
    if got != sorted(records):
        c.fail(f"answer {got}, expected {sorted(records)}")
    return c


def main():
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    ours4, ours6, nsd4, nsd6 = sys.argv[1:5]
    families = [("v4", ours4, nsd4), ("v6", ours6, nsd6)]

    def matrix(case):
        for tool in case.tools:
            for transport in case.transports:
                for fam, ours, ref in families:
                    yield tool, transport, fam, ours, ref

    jobs = []
    for case in CASES + TC_CASES:
        jobs += [(check_same, (case,) + m) for m in matrix(case)]
    jobs += [(check_cd, (CD_CASE,) + m) for m in matrix(CD_CASE)]
    for case, records in ANY_CASES:
        jobs += [(check_any, (case, records) + m[:-1]) for m in matrix(case)]

    # Each client run costs a process start: a few at once keep the test
    # short; the reports come out in the order above.
    with ThreadPoolExecutor(max_workers=6) as pool:
        checks = list(pool.map(lambda j: j[0](*j[1]), jobs))
    failures = 0
    for c in checks:
        failures += c.failed
        print("\n".join(c.report()))
    print(f"{len(checks) - failures}/{len(checks)} checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
