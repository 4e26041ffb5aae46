#!/usr/bin/python3
"""Sends one NOTIFY (RFC 1996) for ZONE to SERVER:53 over UDP and prints the
answer as "RCODE aa=0|1 opcode=NAME question=NAME tsig=none|ok" (tsig=ok:
the answer is signed and verifies with the key of the request).

  send_notify.py SERVER ZONE [--source ADDR] [--key NAME:SECRET]
"""
import argparse
import sys

import dns.flags
import dns.message
import dns.opcode
import dns.query
import dns.rcode
import dns.rdatatype
import dns.tsig
import dns.tsigkeyring


def main():
    p = argparse.ArgumentParser()
    p.add_argument("server")
    p.add_argument("zone")
    p.add_argument("--source")
    p.add_argument("--key")
    a = p.parse_args()
    q = dns.message.make_query(a.zone, dns.rdatatype.SOA)
    q.set_opcode(dns.opcode.NOTIFY)
    q.flags = dns.flags.AA | (q.flags & ~dns.flags.RD)
    keyring = None
    if a.key:
        name, secret = a.key.split(":", 1)
        keyring = dns.tsigkeyring.from_text({name: secret})
        q.use_tsig(keyring, keyname=name, algorithm=dns.tsig.HMAC_SHA256)
    try:
        r = dns.query.udp(q, a.server, timeout=2, source=a.source, ignore_unexpected=True)
        tsig = "ok" if r.had_tsig else "none"
    except dns.message.UnknownTSIGKey:
        print("answer signed with an unknown key")
        return 1
    except dns.tsig.BadSignature as e:
        print("answer TSIG does not verify: %s" % e)
        return 1
    except Exception as e:  # noqa: BLE001 - a test tool: say what happened
        print("no answer: %r" % e)
        return 1
    print("%s aa=%d opcode=%s question=%s tsig=%s" % (
        dns.rcode.to_text(r.rcode()), 1 if r.flags & dns.flags.AA else 0,
        dns.opcode.to_text(r.opcode()), r.question[0].name if r.question else "-", tsig))
    return 0


if __name__ == "__main__":
    sys.exit(main())
