#!/usr/bin/env bash
# Stateless TCP edge cases against xdpdnsd (zone backend), over IPv4 and
# IPv6, played segment by segment with scapy (py/et_tcp_segments.py, which
# checks every segment: seq, ack, flags, payload octets, checksums):
#  (a) length prefix and message in separate segments: a bare ACK of the two
#      octets, then the answer train;
#  (b) two queries in one segment: both answers, in order, one train, ack =
#      end of the segment; one query and part of the next: held (a bare ACK
#      of it all), both answered once the second completes;
#  (c) a retransmitted query: the same octets at the same sequence numbers;
#      also a split query retransmitted whole (repacketized);
#  (d) a bad cookie (ack-1 != cookie): no reply at all;
#  (e) RST in the middle of big4000's answer: nothing more in reply; a new
#      connection on the same 4-tuple right after is answered;
#  (f) a FIN carrying a query: answered, and our ACK covers the FIN;
#  (g) a pipelined second query (own segment, same ack = cookie+1): never
#      answered, no two answers overlap in sequence space; reuse after our
#      FIN (acking it) gets nothing;
#  (h) MSS 600 in the SYN: 512-octet segments; MSS 300: at most 300; window
#      1000 in the query segment with big4000: a TC=1 answer within it.
# Then the counters: d-tcp-partial, d-tcp-retransmit, d-tcp-after-fin,
# d-tcp-window-tc, tcp-bad-cookie, tcp-rst-consumed, and no RST and no bad
# checksum from the server anywhere in the client-side capture.
#
# The client namespace has no sockets on scapy's ports, so its kernel would
# answer the server's SYN-ACKs and data with RSTs (which XDP would swallow,
# but they would also muddle the capture): an nftables rule in the client
# namespace drops locally generated RSTs. scapy's own frames leave through
# an AF_PACKET socket, below that hook.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export XDPDNS_NETNS_TAG=${XDPDNS_NETNS_TAG:-et}
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"

require_cmds tcpdump tshark ethtool nsenter nft dig "$PYTHON"
require_built "$XDPDNSD" "$XDPDNSCTL" "$XDP_PASS_OBJ"
"$PYTHON" -c 'import scapy.all' 2>/dev/null || skip "scapy missing for $PYTHON"
ZONE=$XDPDNS_REPO/tools/zones/example.test.zone
netns_init
netns_pair_create

step "client namespace: drop the kernel's RSTs (scapy owns these ports)"
drop_client_rsts

step "start xdpdnsd on $SERVER_IF"
start_daemon --zone "$ZONE" --set tcp.reuse=off  # the stateless contract; netns.tcp_reuse covers reuse

cap=$NETNS_TMP/client.pcap
capture_start "$CLIENT_NS" "$CLIENT_IF" "$cap" tcp port 53
show_on_failure "$cap"

cases=(split repack oneandhalf two retransmit badcookie rst fin pipeline mss600 mss300 window)
status=0
step "IPv4: ${cases[*]}"
nsrun "$CLIENT_NS" "$PYTHON" "$here/py/et_tcp_segments.py" "$CLIENT_IF" "$CLIENT_MAC" \
	"$SERVER_MAC" "$CLIENT_IP4" "$SERVER_IP4" 30000 "${cases[@]}" || status=1
step "IPv6: ${cases[*]}"
nsrun "$CLIENT_NS" "$PYTHON" "$here/py/et_tcp_segments.py" "$CLIENT_IF" "$CLIENT_MAC" \
	"$SERVER_MAC" "$CLIENT_IP6" "$SERVER_IP6" 31000 "${cases[@]}" || status=1
capture_stop "$cap"

step "capture: no RST and no bad checksum from the server"
from_server="tcp.srcport == 53"
rows=$(capture_fields "$cap" "$from_server" tcp.flags.reset tcp.checksum.status ip.checksum.status)
expect_ge "$(grep -c . <<<"$rows" || true)" 40 "segments from the server in the capture"
expect_eq "$(awk -F'|' '$1 == 1' <<<"$rows" | grep -c . || true)" 0 "RSTs from the server"
expect_eq "$(awk -F'|' '$2 != 1 || ($3 != "" && $3 != 1)' <<<"$rows" | grep -c . || true)" 0 \
	"server segments with a bad (or unverified) checksum"

step "counters (both families)"
expect_eq "$(counter d-tcp-partial)" 6 "d-tcp-partial (cases split, repack, oneandhalf)"
expect_eq "$(counter d-tcp-retransmit)" 4 "d-tcp-retransmit (cases retransmit, repack)"
expect_eq "$(counter d-tcp-window-tc)" 2 "d-tcp-window-tc (case window)"
# Per family: badcookie's 4 segments (bad cookie), and pipeline's second
# query before our answer and its query after our FIN. Those two are
# dropped by the daemon's flow table (d-tcp-after-fin) and for a bad
# cookie, or, when XDP gave the first answer with its FIN, both by XDP's
# record of it (tcp-after-answer).
expect_ge "$(counter tcp-bad-cookie)" 8 "tcp-bad-cookie (case badcookie)"
expect_eq "$(($(counter d-tcp-after-fin) + $(counter tcp-after-answer) + $(counter tcp-bad-cookie)))" 12 \
	"d-tcp-after-fin + tcp-after-answer + tcp-bad-cookie (cases pipeline, badcookie)"
expect_eq "$(counter tcp-rst-consumed)" 2 "tcp-rst-consumed (case rst)"
expect_eq "$(counter d-tcp-unanswerable)" 0 "d-tcp-unanswerable"
expect_eq "$(counter drop-bad-checksum)" 0 "drop-bad-checksum"

kill -0 "$XDPDNSD_PID" 2>/dev/null || fail "xdpdnsd died during the test"
[[ $status -eq 0 ]] || fail "segment checks failed (see FAIL lines above)"
