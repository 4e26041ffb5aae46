#!/usr/bin/python3
"""Checks the answers a DNS client printed against the zone file.

usage: et_dns_answers.py ZONE [--all] [--any-ttl] [--servfail-lost] NAME/TYPE... < output

Reads the full text output of dig, kdig or drill (one or more answers; each
starts at a "->>HEADER<<-" line) and checks every answer it printed:
status NOERROR, the question is one of NAME/TYPE, and the answer section is
exactly the RRset the zone gives (CNAME chains followed inside the zone,
TTLs from $TTL). Any answer that differs is WRONG, whatever the client did
otherwise. Also counts the client's complaints about lost replies
("can't receive reply", "communications error", "timed out", "no servers").

Prints one line per answer ("ok NAME/TYPE" or "WRONG ...") and a summary
line "answered=N lost-warnings=M names=K". Exit status 1 if any answer is
wrong, or with --all if some NAME/TYPE got no answer. --any-ttl ignores
TTLs (a resolver's cache counts them down). --servfail-lost counts an
empty SERVFAIL answer (a resolver that lost its query upstream) as a lost
query, not a wrong answer.
"""
import re
import sys

LINE = re.compile(r'^(\S+)\s+(A|AAAA|CNAME|MX|TXT|NS)\s+(.*?)\s*$')
LOST = ("can't receive reply", "communications error", "timed out", "no servers could be reached",
        "failed to query server", "connection refused", "Error:")


def load_zone(path):
    """{(owner, type): [rdata]} for the simple records of the zone."""
    origin, ttl = None, None
    records = {}
    for raw in open(path, encoding="ascii"):
        if raw.startswith("$ORIGIN"):
            origin = raw.split()[1]
            continue
        if raw.startswith("$TTL"):
            ttl = int(raw.split()[1])
            continue
        if raw.startswith((";", " ", "\t", "@")) or not raw.strip():
            continue
        line = raw.split(";", 1)[0] if '"' not in raw else raw
        m = LINE.match(line.rstrip("\n"))
        if not m:
            continue
        owner, rtype, rdata = m.groups()
        owner = owner + "." + origin if not owner.endswith(".") else owner
        if rtype in ("CNAME", "MX", "NS"):
            parts = rdata.split()
            target = parts[-1]
            if not target.endswith("."):
                parts[-1] = target + "." + origin
            rdata = " ".join(parts)
        records.setdefault((owner.lower(), rtype), []).append(rdata)
    return records, ttl


def expected_answer(records, ttl, qname, qtype):
    out = []
    name = qname.lower()
    for _ in range(8):
        if (name, "CNAME") in records and qtype != "CNAME":
            target = records[(name, "CNAME")][0]
            out.append(f"{name} {ttl} IN CNAME {target}")
            name = target.lower()
            continue
        owner = name
        if not any(key[0] == name for key in records):
            # Wildcard (RFC 4592) at the closest encloser's "*" child.
            labels = name.split(".")
            for i in range(1, len(labels) - 1):
                cand = "*." + ".".join(labels[i:])
                if any(key[0] == cand for key in records):
                    owner = cand
                    break
                if any(key[0].endswith("." + ".".join(labels[i:])) or key[0] == ".".join(labels[i:])
                       for key in records):
                    break  # an existing encloser without a wildcard child
        for rdata in records.get((owner, qtype), []):
            out.append(f"{name} {ttl} IN {qtype} {rdata}")
        break
    return sorted(out)


def without_ttl(record):
    f = record.split(" ")
    return " ".join(f[:1] + ["TTL"] + f[2:])


def blocks(text):
    """Split into answers: (header line, question, [answer records])."""
    lines = text.splitlines()
    starts = [i for i, l in enumerate(lines) if "->>HEADER<<-" in l]
    for k, i in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(lines)
        chunk = lines[i:end]
        status = re.search(r"(?:status|rcode): (\w+)", chunk[0])
        question, answer, section = None, [], None
        for l in chunk[1:]:
            if "QUESTION SECTION" in l:
                section = "q"
                continue
            if "ANSWER SECTION" in l:
                section = "a"
                continue
            if not l.strip() or "SECTION" in l or "PSEUDOSECTION" in l:
                section = None  # a blank line or another section ends one
                continue
            if section == "q" and question is None:
                f = l.lstrip("; \t").split()
                question = (f[0].lower(), f[-1])
            elif section == "a" and not l.startswith(";"):
                f = l.split()
                answer.append(" ".join([f[0].lower()] + f[1:]))
        yield (status.group(1) if status else "?"), question, sorted(answer)


def main() -> int:
    args = sys.argv[1:]
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    zone = args.pop(0)
    need_all = "--all" in args
    any_ttl = "--any-ttl" in args
    servfail_lost = "--servfail-lost" in args
    args = [a for a in args if not a.startswith("--")]
    records, ttl = load_zone(zone)
    wanted = {}
    for spec in args:
        name, qtype = spec.split("/")
        name = name.lower().rstrip(".") + "."
        wanted[(name, qtype)] = expected_answer(records, ttl, name, qtype)
        if not wanted[(name, qtype)]:
            print(f"no records for {spec} in {zone}", file=sys.stderr)
            return 2
    text = sys.stdin.read()
    bad = 0
    servfails = 0
    answered = {}
    for status, question, answer in blocks(text):
        if question not in wanted:
            print(f"WRONG: answer to an unexpected question {question} (status {status})")
            bad += 1
            continue
        label = f"{question[0]}/{question[1]}"
        expected = wanted[question]
        if any_ttl:
            answer = sorted(without_ttl(r) for r in answer)
            expected = sorted(without_ttl(r) for r in expected)
        if servfail_lost and status == "SERVFAIL" and not answer:
            servfails += 1
            print(f"lost {label}: SERVFAIL")
            continue
        if status != "NOERROR" or answer != expected:
            print(f"WRONG {label}: status {status}, answer {answer}, expected {expected}")
            bad += 1
            continue
        answered[question] = answered.get(question, 0) + 1
        print(f"ok {label} ({len(answer)} record(s))")
    lost = servfails + sum(1 for l in text.splitlines() if any(w in l for w in LOST))
    missing = [f"{n}/{t}" for (n, t) in wanted if (n, t) not in answered]
    print(f"answered={sum(answered.values())} lost-warnings={lost} names={len(wanted)} "
          f"unanswered={','.join(missing) or '-'}")
    if need_all and missing:
        print(f"WRONG: no answer for {', '.join(missing)}")
        bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
