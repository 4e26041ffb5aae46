#!/usr/bin/env bash
# Nothing leaks to the host TCP stack and nothing answers what must be
# swallowed (XDP alone, no daemon, tcp.reuse off: the stateless contract;
# with reuse on, data with a bad cookie gets an RST instead, see
# netns.tcp_reuse and bpf TcpReuseTable):
# * kernel clients: handshake, a DNS query (dropped: no daemon), close; and a
#   handshake closed with an RST (SO_LINGER 0);
# * scapy segments over IPv4 and IPv6: pure ACK, RST, RST+ACK, data with a
#   bad cookie (with and without FIN), segments without ACK (data, no flags,
#   FIN);
# * a capture on the server side of the veth shows no RST and no port-53 TCP
#   segment at all (XDP passes none to the host stack), the client side shows
#   no reply to any stray segment;
# * every TCP segment the client sent to port 53, classified from the
#   capture, is counted under exactly the contract's reason.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"

require_cmds tcpdump tshark ethtool nsenter "$PYTHON"
require_built "$XDPDNSCTL" "$XDP_PASS_OBJ"
"$PYTHON" -c 'import scapy.all' 2>/dev/null || skip "scapy missing for $PYTHON"
netns_init
netns_pair_create

step "attach xdpdns to $SERVER_IF"
xdpdns_attach "$SERVER_NS" "$SERVER_IF"
xdpdns_set "$SERVER_NS" "$SERVER_IF" tcp.reuse off >/dev/null || fail "xdpdnsctl set tcp.reuse off"

ccap=$NETNS_TMP/client.pcap
scap=$NETNS_TMP/server.pcap
capture_start "$CLIENT_NS" "$CLIENT_IF" "$ccap"
capture_start "$SERVER_NS" "$SERVER_IF" "$scap"
show_on_failure "$ccap" "$scap"

client() {
	nsrun "$CLIENT_NS" "$PYTHON" "$here/py/tcp_connect.py" "$@" >/dev/null ||
		fail "TCP client $* failed (see above)"
}

for addr in "$SERVER_IP4" "$SERVER_IP6"; do
	step "kernel client to $addr: handshake, query (no daemon), close"
	# Close 50 ms after the query: before the first retransmission timeout,
	# which would shrink the window to the unanswered query and hold the FIN.
	client "$addr" 53 --query example.com. --pause 0.05
	step "kernel client to $addr: handshake, abort with RST"
	client "$addr" 53 --abort
done

# Source ports 20000.. (IPv4) and 21000.. (IPv6), outside the kernel's
# ephemeral range, mark the stray segments in the captures.
strays=(ack rst rst-ack bad-cookie bad-cookie-fin no-ack-data no-ack-null no-ack-fin)
step "stray segments over IPv4 and IPv6: ${strays[*]}"
nsrun "$CLIENT_NS" "$PYTHON" "$here/py/stray_segments.py" "$CLIENT_IF" "$CLIENT_MAC" \
	"$SERVER_MAC" "$CLIENT_IP4" "$SERVER_IP4" 53 20000 "${strays[@]}"
nsrun "$CLIENT_NS" "$PYTHON" "$here/py/stray_segments.py" "$CLIENT_IF" "$CLIENT_MAC" \
	"$SERVER_MAC" "$CLIENT_IP6" "$SERVER_IP6" 53 21000 "${strays[@]}"
sleep 0.5 # a reply, if the server sent one, would arrive now
capture_stop "$ccap"
capture_stop "$scap"

# One tshark run per capture (each costs a second), then awk:
#  1 src (IPv4 or IPv6)  2 sport  3 dport  4 RST  5 SYN  6 ACK  7 FIN
#  8 TCP payload  9 ICMP type  10 ICMPv6 type
packet_rows() {
	capture_fields "$1" "ip || ipv6" ip.src tcp.srcport tcp.dstport tcp.flags.reset \
		tcp.flags.syn tcp.flags.ack tcp.flags.fin tcp.len icmp.type icmpv6.type ipv6.src |
		awk -F'|' 'BEGIN { OFS = "|" } { if ($1 == "") $1 = $11; NF = 10; print }'
}
crows=$(packet_rows "$ccap")
srows=$(packet_rows "$scap")
# count ROWS AWK-CONDITION
count() { awk -F'|' "$2" <<<"$1" | grep -c . || true; }
from_server="(\$1 == \"$SERVER_IP4\" || \$1 == \"$SERVER_IP6\")"
stray_port='($2 >= 20000 && $2 < 22000)'
to_service="(\$3 == 53 && !$from_server)"

step "server side: nothing passed to the host stack, no RST sent"
expect_eq "$(count "$srows" "$from_server && \$4 == 1")" 0 "RSTs sent by the server namespace"
expect_eq "$(count "$srows" '$2 == 53 || $3 == 53')" 0 "port-53 TCP segments seen by the server's host stack"

step "client side: no reply to any stray segment"
expect_eq "$(count "$crows" "$from_server && \$3 >= 20000 && \$3 < 22000")" 0 \
	"TCP segments from the server to stray ports"
expect_eq "$(count "$crows" "$from_server && (\$9 != \"\" || (\$10 != \"\" && \$10 < 128))")" 0 \
	"ICMP errors from the server"
expect_eq "$(count "$crows" "$from_server && \$4 == 1")" 0 "RSTs from the server"

step "classify every segment the client sent to port 53"
# The contract's order: RST, then SYN, then no ACK, then FIN without data,
# then data (cookie check), then pure ACK.
rst=$(count "$crows" "$to_service && \$4 == 1")
syn=$(count "$crows" "$to_service && \$4 == 0 && \$5 == 1")
noack=$(count "$crows" "$to_service && \$4 == 0 && \$5 == 0 && \$6 == 0")
ackd="$to_service && \$4 == 0 && \$5 == 0 && \$6 == 1"
fin=$(count "$crows" "$ackd && \$7 == 1 && \$8 == 0")
bad_cookie=$(count "$crows" "$ackd && \$8 > 0 && $stray_port")
no_daemon=$(count "$crows" "$ackd && \$8 > 0 && !$stray_port")
pure_ack=$(count "$crows" "$ackd && \$7 == 0 && \$8 == 0")

# The capture must hold what we know we sent.
expect_eq "$(count "$crows" "$to_service && $stray_port")" 16 "stray segments captured"
expect_eq "$syn" 4 "SYNs (4 kernel connections)"
expect_eq "$fin" 2 "FINs without data (2 closed connections)"
expect_eq "$noack" 6 "segments without ACK (3 kinds x 2 families)"
expect_eq "$bad_cookie" 4 "bad-cookie data segments (2 kinds x 2 families)"
expect_ge "$rst" 6 "RSTs (2 kinds x 2 families + 2 aborts)"
expect_ge "$no_daemon" 2 "kernel data segments (2 queries, plus retransmissions)"
expect_ge "$pure_ack" 6 "pure ACKs (4 handshakes + 2 strays)"

step "counters match the traffic exactly"
expect_eq "$(counter tcp-rst-consumed)" "$rst" "tcp-rst-consumed"
expect_eq "$(counter tcp-syn-answered)" "$syn" "tcp-syn-answered"
expect_eq "$(counter tcp-no-ack-dropped)" "$noack" "tcp-no-ack-dropped"
expect_eq "$(counter tcp-fin-answered)" "$fin" "tcp-fin-answered"
expect_eq "$(counter tcp-bad-cookie)" "$bad_cookie" "tcp-bad-cookie"
expect_eq "$(counter tcp-no-daemon)" "$no_daemon" "tcp-no-daemon"
expect_eq "$(counter tcp-ack-consumed)" "$pure_ack" "tcp-ack-consumed"
expect_eq "$(counter tcp-to-daemon)" 0 "tcp-to-daemon"
expect_eq "$(counter drop-bad-checksum)" 0 "drop-bad-checksum"
