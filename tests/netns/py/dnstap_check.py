#!/usr/bin/env python3
"""Checks `dnstap-read -y` output against what was sent. Arguments: the
YAML file, then one expectation per message:
KIND,PROTO,FAMILY,CLIENT,CLIENT_PORT,SERVER,SERVER_PORT,ID,QNAME
(KIND AUTH_QUERY or AUTH_RESPONSE, PROTO UDP or TCP, FAMILY INET or INET6).
Every expectation must match exactly one message, and every message one
expectation; identity and version must be present. Prints a summary."""
import ipaddress
import sys

import yaml


def message_id_and_name(data):
    """ID and question name from dnstap-read's decoded message."""
    if not isinstance(data, dict):
        return (None, None)
    question = (data.get("QUESTION_SECTION") or [""])[0].split()
    return (data.get("id"), question[0].rstrip(".").lower() if question else None)


def ip(text):
    return str(ipaddress.ip_address(str(text)))


def main():
    with open(sys.argv[1]) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    seen = []
    for d in docs:
        if not d.get("identity") or not str(d.get("version", "")).startswith("xdpdns"):
            sys.exit(f"message without identity/version: {d}")
        m = d["message"]
        query = m["type"] == "AUTH_QUERY"
        if not m.get("query_time" if query else "response_time"):
            sys.exit(f"message without its time: {m}")
        qid, qname = message_id_and_name(m.get("query_message_data" if query else "response_message_data"))
        seen.append((m["type"], m["socket_protocol"], m["socket_family"], ip(m["query_address"]),
                     int(m["query_port"]), ip(m["response_address"]), int(m["response_port"]), qid, qname))
    want = []
    for spec in sys.argv[2:]:
        k, p, fam, ca, cp, sa, sp, qid, qn = spec.split(",")
        want.append((k, p, fam, ip(ca), int(cp), ip(sa), int(sp), int(qid), qn.rstrip(".").lower()))
    missing = [w for w in want if seen.count(w) != 1]
    extra = [s for s in seen if s not in want]
    for s in seen:
        print("seen:", s)
    if missing or extra:
        for w in missing:
            print("missing (or not exactly once):", w)
        for s in extra:
            print("unexpected:", s)
        sys.exit(1)
    print(f"messages={len(seen)} matched={len(want)}")


if __name__ == "__main__":
    main()
