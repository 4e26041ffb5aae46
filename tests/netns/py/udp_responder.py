#!/usr/bin/python3
"""A tiny host DNS server for the "XDP passes UDP when no daemon" checks.

usage: udp_responder.py PORT LOGFILE

Listens on UDP [::]:PORT (IPv4 too), answers every query with NOERROR and
A 192.0.2.53 (AA set), and appends "ID NAME" per query to LOGFILE, so a test
can tell which queries reached the host stack. Writes "ready" to
LOGFILE.ready once bound.
"""
import socket
import sys

import dns.flags
import dns.message
import dns.rrset


def main() -> int:
    port, logfile = int(sys.argv[1]), sys.argv[2]
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    with open(logfile + ".ready", "w") as f:
        f.write("ready\n")
    while True:
        wire, peer = s.recvfrom(65535)
        try:
            q = dns.message.from_wire(wire)
        except Exception as e:  # log and go on: a test server must not die
            with open(logfile, "a") as f:
                f.write(f"unparsable {e}\n")
            continue
        with open(logfile, "a") as f:
            f.write(f"{q.id} {q.question[0].name}\n")
        r = dns.message.make_response(q)
        r.flags |= dns.flags.AA
        r.answer.append(dns.rrset.from_text(q.question[0].name, 300, "IN", "A", "192.0.2.53"))
        s.sendto(r.to_wire(), peer)


if __name__ == "__main__":
    sys.exit(main())
