#!/usr/bin/env bash
# Connection reuse (tcp.reuse on, the default) segment by segment with scapy
# (py/et_tcp_reuse.py), IPv4 and IPv6, against xdpdnsd (zone backend,
# tcp.idle-timeout 2s): pipelined queries answered in order on one stream,
# a query after the answers, our FIN after the client's; a lost answer
# segment resent on three duplicate ACKs and a lost tail on the timer;
# our FIN after the idle time-out; edns-tcp-keepalive answered with it; an
# RST for data of a connection no one knows (state gone); the client's RST
# frees the state. Then the capture (no bad checksum from the server) and
# the counters, and every connection's state is gone at the end. Last, a
# connection open while xdpdnsd restarts: its next query gets an RST at once.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export XDPDNS_NETNS_TAG=${XDPDNS_NETNS_TAG:-eu}
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"

require_cmds tcpdump tshark ethtool nsenter nft "$PYTHON"
require_built "$XDPDNSD" "$XDPDNSCTL" "$XDP_PASS_OBJ"
"$PYTHON" -c 'import scapy.all' 2>/dev/null || skip "scapy missing for $PYTHON"
ZONE=$XDPDNS_REPO/tools/zones/example.test.zone
netns_init
netns_pair_create

step "client namespace: drop the kernel's RSTs (scapy owns these ports)"
drop_client_rsts

step "start xdpdnsd on $SERVER_IF (tcp.idle-timeout 2s)"
start_daemon --zone "$ZONE" --set tcp.idle-timeout=2s

cap=$NETNS_TMP/client.pcap
capture_start "$CLIENT_NS" "$CLIENT_IF" "$cap" tcp port 53
show_on_failure "$cap"

cases=(pipeline loss tail idle keepalive nostate clientrst)
status=0
step "IPv4: ${cases[*]}"
nsrun "$CLIENT_NS" "$PYTHON" "$here/py/et_tcp_reuse.py" "$CLIENT_IF" "$CLIENT_MAC" \
	"$SERVER_MAC" "$CLIENT_IP4" "$SERVER_IP4" 32000 "${cases[@]}" || status=1
step "IPv6: ${cases[*]}"
nsrun "$CLIENT_NS" "$PYTHON" "$here/py/et_tcp_reuse.py" "$CLIENT_IF" "$CLIENT_MAC" \
	"$SERVER_MAC" "$CLIENT_IP6" "$SERVER_IP6" 33000 "${cases[@]}" || status=1

capture_stop "$cap"
((status == 0)) || fail "a case failed (see above)"

step "capture: every server segment with good checksums"
rows=$(capture_fields "$cap" "tcp.srcport == 53" tcp.checksum.status ip.checksum.status)
expect_ge "$(grep -c . <<<"$rows" || true)" 40 "segments from the server in the capture"
expect_eq "$(awk -F'|' '$1 != 1 || ($2 != "" && $2 != 1)' <<<"$rows" | grep -c . || true)" 0 \
	"server segments with a bad (or unverified) checksum"

step "counters (both families)"
expect_ge "$(counter d-tcp-fast-resent)" 2 "d-tcp-fast-resent (case loss)"
expect_ge "$(counter d-tcp-rto)" 2 "d-tcp-rto (case tail)"
expect_ge "$(counter d-tcp-idle-closed)" 2 "d-tcp-idle-closed (case idle)"
expect_eq "$(counter tcp-rst-sent)" 2 "tcp-rst-sent (case nostate)"
expect_ge "$(counter d-tcp-rst-received)" 4 "d-tcp-rst-received (cases loss, tail, keepalive, clientrst)"
# Connections the daemon opened, and those whose first query XDP answered
# (some of them adopted by the daemon later).
expect_ge "$(($(counter d-tcp-conns-opened) + $(counter tcp-answered)))" 12 "d-tcp-conns-opened + tcp-answered"
expect_eq "$(counter d-tcp-ring-lost)" 0 "d-tcp-ring-lost"
expect_eq "$(counter_settles d-tcp-conns-open 0)" 0 "d-tcp-conns-open at the end: no state outlives its connection"
kill -0 "$XDPDNSD_PID" 2>/dev/null || fail "xdpdnsd died during the test"

step "a connection open while xdpdnsd restarts: its next query gets an RST at once"
# The program attached by xdpdnsctl stays, and so does the connection's
# tcp_conns entry: the XDP program steers the query to the new xdpdnsd,
# which knows no such connection and no valid cookie in it.
stop_pid "$XDPDNSD_PID" xdpdnsd
xdpdns_attach "$SERVER_NS" "$SERVER_IF"
start_daemon --zone "$ZONE" --set tcp.idle-timeout=2s
export STATE_FILE=$NETNS_TMP/conn.state
nsrun "$CLIENT_NS" env STATE_FILE="$STATE_FILE" "$PYTHON" "$here/py/et_tcp_reuse.py" "$CLIENT_IF" "$CLIENT_MAC" \
	"$SERVER_MAC" "$CLIENT_IP4" "$SERVER_IP4" 34000 open || status=1
stop_pid "$XDPDNSD_PID" xdpdnsd
start_daemon --zone "$ZONE" --set tcp.idle-timeout=2s
nsrun "$CLIENT_NS" env STATE_FILE="$STATE_FILE" "$PYTHON" "$here/py/et_tcp_reuse.py" "$CLIENT_IF" "$CLIENT_MAC" \
	"$SERVER_MAC" "$CLIENT_IP4" "$SERVER_IP4" 34000 resume || status=1
((status == 0)) || fail "the restart case failed (see above)"
expect_eq "$(counter d-tcp-rst-sent)" 1 "d-tcp-rst-sent by the new xdpdnsd (the resumed query)"
expect_ge "$(counter tcp-conn-to-daemon)" 1 "tcp-conn-to-daemon (steered by the entry that outlived the daemon)"
