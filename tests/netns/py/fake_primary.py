#!/usr/bin/python3
"""A primary that misbehaves on request, for test_secondary_bad_primary.sh.

  fake_primary.py ADDR PORT ZONEFILE MODEFILE KEYNAME SECRET

Serves the zone of ZONEFILE (origin sec.test.) over TCP: an SOA query gets
the SOA; AXFR and IXFR get the whole zone in two messages (an IXFR answered
AXFR-style, as RFC 1995 allows), every message TSIG-signed (dnspython's
multi-message signing). MODEFILE, read at each connection, holds one word:
  good       as above
  truncated  the second message never comes: the connection is closed
  corrupt    the second message's ANCOUNT says one record more than it holds
  wrongsoa   the closing SOA has another serial than the opening one
  badtsig    the answers are signed with another secret
  slow       as good, with 3 s between the two messages of a transfer
             (MODEFILE.held exists during those 3 s)
"""
import os
import socket
import struct
import sys
import time

import dns.exception
import dns.message
import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.tsig
import dns.tsigkeyring
import dns.zone


def recv_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def send(conn, wire):
    conn.sendall(struct.pack("!H", len(wire)) + wire)


def main():
    addr, port, zonefile, modefile, keyname, secret = sys.argv[1:7]
    keyring = dns.tsigkeyring.from_text({keyname: secret})
    wrong = dns.tsigkeyring.from_text({keyname: "b3RoZXItc2VjcmV0LW9mLXRoaXJ0eS10d28tb2N0ZXRzIQ=="})
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    s.listen(8)
    print("listening", flush=True)
    origin = dns.name.from_text("sec.test.")
    while True:
        conn, _ = s.accept()
        try:
            mode = open(modefile).read().strip()
            zone = dns.zone.from_file(zonefile, origin=origin, relativize=False)
            n = struct.unpack("!H", recv_exact(conn, 2))[0]
            q = dns.message.from_wire(recv_exact(conn, n), keyring=keyring)
            qtype = q.question[0].rdtype
            soa = zone.find_rrset(origin, dns.rdatatype.SOA)
            records = []
            for name, node in zone.nodes.items():
                for rds in node.rdatasets:
                    if rds.rdtype == dns.rdatatype.SOA:
                        continue
                    records.append(dns.rrset.from_rdata_list(name, rds.ttl, list(rds)))

            def response():
                r = dns.message.make_response(q)
                r.flags |= 0x0400
                if mode == "badtsig":
                    r.use_tsig(wrong, keyname=q.keyname, algorithm=q.keyalgorithm)
                    r.request_mac = q.mac
                return r

            if qtype == dns.rdatatype.SOA:
                r = response()
                r.answer.append(soa)
                send(conn, r.to_wire())
                continue
            half = len(records) // 2
            first = response()
            first.answer = [soa] + records[:half]
            w1 = first.to_wire(multi=True)
            send(conn, w1)
            if mode == "truncated":
                continue
            if mode == "slow":
                open(modefile + ".held", "w").close()
                time.sleep(3)
                os.unlink(modefile + ".held")
            second = response()
            closing = soa
            if mode == "wrongsoa":
                rd = soa[0].replace(serial=soa[0].serial + 1)
                closing = dns.rrset.from_rdata_list(origin, soa.ttl, [rd])
            second.answer = records[half:] + [closing]
            w2 = bytearray(second.to_wire(multi=True, tsig_ctx=first.tsig_ctx))
            if mode == "corrupt":
                struct.pack_into("!H", w2, 6, struct.unpack_from("!H", w2, 6)[0] + 1)
            send(conn, bytes(w2))
        except (EOFError, ConnectionError, dns.exception.DNSException) as e:
            print("connection: %r" % e, flush=True)
        finally:
            conn.close()


if __name__ == "__main__":
    main()
