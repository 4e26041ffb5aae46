#!/usr/bin/env python3
"""Query probes of tools/bench/large_zone.sh (dnspython, UDP).

  probe.py wait T0_NS ADDR NAME TYPE EXPECT TIMEOUT_S
      Queries NAME/TYPE every 20 ms until an answer holds a record whose
      text contains EXPECT; prints the seconds since T0_NS (CLOCK_REALTIME
      nanoseconds, `date +%s%N`). Exit 1 on time-out.

  probe.py loop ADDR DURATION_S ORIGIN DELEGATIONS
      Asks for the DS of random delegations (dN.ORIGIN), one query at a
      time with a 200 ms time-out, for DURATION_S or until SIGTERM; prints
      "sent answered failed longest_gap_ms".
"""
import random
import signal
import sys
import time

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype


def ask(addr, name, rdtype, timeout):
    q = dns.message.make_query(name, rdtype)
    return dns.query.udp(q, addr, timeout=timeout)


def wait(t0_ns, addr, name, rdtype, expect, limit):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            r = ask(addr, name, rdtype, 0.02)
            for rrset in r.answer:
                for rd in rrset:
                    if expect in rd.to_text():
                        print(f"{(time.time_ns() - t0_ns) / 1e9:.2f}")
                        return 0
        except Exception:
            pass
        time.sleep(0.02)
    return 1


def loop(addr, duration, origin, delegations):
    sent = answered = failed = 0
    longest = 0.0
    last_ok = time.monotonic()
    end = last_ok + duration
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    while time.monotonic() < end and not stop:
        n = random.randrange(delegations)
        sent += 1
        ok = False
        try:
            r = ask(addr, f"d{n}.{origin}", dns.rdatatype.DS, 0.2)
            ok = r.rcode() == dns.rcode.NOERROR and len(r.answer) == 1
        except Exception:
            pass
        now = time.monotonic()
        if ok:
            answered += 1
            longest = max(longest, now - last_ok)
            last_ok = now
        else:
            failed += 1
    longest = max(longest, time.monotonic() - last_ok)
    print(sent, answered, failed, round(longest * 1000))
    return 0


def main():
    a = sys.argv[1:]
    if a[:1] == ["wait"] and len(a) == 7:
        return wait(int(a[1]), a[2], a[3], a[4], a[5], float(a[6]))
    if a[:1] == ["loop"] and len(a) == 5:
        return loop(a[1], float(a[2]), a[3], int(a[4]))
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
