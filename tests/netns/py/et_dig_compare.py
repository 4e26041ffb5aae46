#!/usr/bin/python3
"""Compares two dig outputs as DNS answers.

usage: et_dig_compare.py THROUGH_XDPDNS DIRECT

Each file holds the full output of one dig query. The answers are the same
when status, header flags, and the answer, authority and additional records
(each section as a sorted set; the OPT pseudo-record left out: it is hop by
hop) are equal. The message ID and timings are ignored. Prints a one-line
summary ("same: STATUS flags N/N/N records") or both normalised forms;
exit status 1 if they differ or either holds no answer.
"""
import re
import sys


def normalise(path):
    text = open(path, encoding="utf-8", errors="replace").read()
    if "->>HEADER<<-" not in text:
        return None
    # Only the last answer (dig prints the TCP retry after a TC=1 answer
    # unless +ignore).
    text = text[text.rindex("->>HEADER<<-"):]
    status = re.search(r"status: (\w+)", text).group(1)
    flags = re.search(r";; flags:([^;]*);", text).group(1).split()
    sections = {}
    current = None
    for line in text.splitlines():
        m = re.match(r";; (ANSWER|AUTHORITY|ADDITIONAL) SECTION:", line)
        if m:
            current = m.group(1)
            sections[current] = []
            continue
        if not line.strip() or line.startswith(";"):
            current = None if not line.strip() else current
            continue
        if current:
            f = line.split()
            sections[current].append(" ".join([f[0].lower()] + f[1:]))
    return (status, tuple(sorted(flags)),
            tuple(tuple(sorted(sections.get(s, []))) for s in ("ANSWER", "AUTHORITY", "ADDITIONAL")))


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    a, b = normalise(sys.argv[1]), normalise(sys.argv[2])
    if a is None or b is None:
        print(f"no answer in {sys.argv[1] if a is None else sys.argv[2]}")
        return 1
    if a != b:
        print("DIFFERENT answers")
        print(f"  through xdpdns: {a}")
        print(f"  direct:         {b}")
        return 1
    counts = "/".join(str(len(s)) for s in a[2])
    print(f"same: {a[0]} flags {' '.join(a[1])} {counts} records")
    return 0


if __name__ == "__main__":
    sys.exit(main())
