#!/usr/bin/env bash
# Malformed DNS to xdpdnsd, over UDP and over TCP (a kernel client: real
# handshake with the XDP program, then the bytes), IPv4 and IPv6:
# short header, QR=1, a label loop and a pointer loop through compression
# pointers, a 320-octet name, a reserved label type, QDCOUNT 0 and 2, a
# truncated OPT, an OPT option overrunning its RDATA, two OPTs, EDNS
# version 1, opcodes 4 and 2. Each gets the byte-exact FORMERR / NOTIMP /
# BADVERS answer ctl/dns/query.h and response.h document, with its ID, or
# a drop counted where the contract says (udp-not-query in XDP for UDP,
# d-dns-dropped in the daemon for TCP) — checked case by case on the
# counters (py/ez_malformed.py). The daemon stays up and answers a good
# query after each series, and nothing it sent had a bad checksum.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"

ZONE_FILE=$XDPDNS_REPO/tools/zones/example.test.zone

require_cmds tcpdump tshark ethtool nsenter "$PYTHON"
require_built "$XDPDNSD" "$XDPDNSCTL" "$XDP_PASS_OBJ"
netns_init
netns_pair_create

step "xdpdnsd on $SERVER_IF"
start_daemon --zone "$ZONE_FILE"

cap=$NETNS_TMP/client.pcap
capture_start "$CLIENT_NS" "$CLIENT_IF" "$cap" port 53
show_on_failure "$cap"

step "malformed queries over UDP and TCP, IPv4 and IPv6"
out=$NETNS_TMP/malformed.txt
status=0
nsrun "$CLIENT_NS" "$PYTHON" "$here/py/ez_malformed.py" "$SERVER_IP4,$SERVER_IP6" \
	nsenter --net="/var/run/netns/$SERVER_NS" -- "$XDPDNSCTL" stats "$SERVER_IF" --json \
	>"$out" 2>&1 || status=$?
cat "$out"
capture_stop "$cap"
if [[ $status -ne 0 ]]; then
	cat "$DAEMON_LOG"
	fail "malformed-query checks failed (see above)"
fi
# 14 cases + 1 good query, 2 transports, 2 families.
expect_eq "$(grep -c '^ok ' "$out")" 60 "checks passed"

step "the daemon is alive and sent only well-formed packets"
kill -0 "$DAEMON_PID" 2>/dev/null || fail "xdpdnsd died"
# Port-53 packets from the server with a bad IP, UDP or TCP checksum.
bad=$(capture_fields "$cap" \
	"(ip.src == $SERVER_IP4 || ipv6.src == $SERVER_IP6) && (ip.checksum.status == 0 || udp.checksum.status == 0 || tcp.checksum.status == 0)" \
	frame.number)
expect_lines "$bad" 0 "server packets with a bad checksum"
rst=$(capture_fields "$cap" "(ip.src == $SERVER_IP4 || ipv6.src == $SERVER_IP6) && tcp.flags.reset == 1" frame.number)
expect_lines "$rst" 0 "RSTs from the server"
expect_eq "$(xdpdns_stat "$SERVER_NS" "$SERVER_IF" d-bad-frame)" 0 "d-bad-frame"
expect_eq "$(xdpdns_stat "$SERVER_NS" "$SERVER_IF" d-tx-ring-full)" 0 "d-tx-ring-full"
