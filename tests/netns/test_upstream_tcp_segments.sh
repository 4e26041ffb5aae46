#!/usr/bin/env bash
# The stateless TCP edge cases of test_tcp_odd_segments.sh, against the
# upstream backend (the asynchronous path: a bare ACK of the request at once,
# the train when NSD's answer comes), IPv4 and IPv6, with scapy
# (py/et_tcp_segments.py --upstream):
#   split, repack, oneandhalf, two, retransmit, badcookie, rst, fin,
#   pipeline, mss600, window:
#   as in the zone test, each train preceded by exactly one bare ACK
#   (seq = cookie+1, ack = end of the request);
#   pending: NSD's answer delayed 400 ms by a forwarder
#   (py/et_slow_udp_forwarder.py); the query retransmitted meanwhile gets
#   no reply (the flow table drops it: "answer in progress", counted in
#   d-tcp-unanswerable), and exactly one train follows the one bare ACK.
# Topology as test_upstream.sh: client -- server (xdpdnsd) -- upstream (nsd
# and the slow forwarder). The client namespace drops its kernel's RSTs
# (see test_tcp_odd_segments.sh).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export XDPDNS_NETNS_TAG=${XDPDNS_NETNS_TAG:-et}
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"

require_cmds tcpdump tshark ethtool nsenter nft dig nsd nsd-checkconf "$PYTHON"
require_built "$XDPDNSD" "$XDPDNSCTL" "$XDP_PASS_OBJ"
"$PYTHON" -c 'import scapy.all' 2>/dev/null || skip "scapy missing for $PYTHON"
ZONE=$XDPDNS_REPO/tools/zones/example.test.zone
netns_init
netns_pair_create

step "upstream namespace behind the server, NSD and a slow forwarder in it"
netns_upstream_create
nsd_serve "$UP_NS" example.test "$ZONE" "$UP4" "$UP6"
nsbg "$UP_NS" "$PYTHON" "$here/py/et_slow_udp_forwarder.py" "$UP4" 5400 "$UP4" 53 400 \
	>"$NETNS_TMP/forwarder.log" 2>&1
for ((i = 0; ; i++)); do
	grep -q ready "$NETNS_TMP/forwarder.log" && break
	((i < 50)) || { cat "$NETNS_TMP/forwarder.log" >&2; fail "slow forwarder did not start"; }
	sleep 0.1
done

drop_client_rsts

cap=$NETNS_TMP/client.pcap
capture_start "$CLIENT_NS" "$CLIENT_IF" "$cap" tcp port 53
show_on_failure "$cap"
status=0
segments() {
	nsrun "$CLIENT_NS" "$PYTHON" "$here/py/et_tcp_segments.py" --upstream "$CLIENT_IF" "$CLIENT_MAC" \
		"$SERVER_MAC" "$@" || status=1
}

step "A. xdpdnsd --upstream $UP4 (NSD answers at once), tcp.reuse off"
start_daemon --upstream "$UP4" --upstream-timeout 2s --set tcp.reuse=off
cases=(split repack oneandhalf two retransmit badcookie rst fin pipeline mss600 window)
segments "$CLIENT_IP4" "$SERVER_IP4" 30000 "${cases[@]}"
segments "$CLIENT_IP6" "$SERVER_IP6" 31000 "${cases[@]}"
sleep 0.3 # the upstream counters reach the shared row once per worker loop
expect_eq "$(counter d-tcp-partial)" 6 "d-tcp-partial (cases split, repack, oneandhalf)"
expect_eq "$(counter d-tcp-retransmit)" 4 "d-tcp-retransmit (cases retransmit, repack)"
expect_eq "$(counter d-tcp-after-fin)" 2 "d-tcp-after-fin (case pipeline)"
expect_eq "$(counter d-tcp-window-tc)" 2 "d-tcp-window-tc (case window)"
expect_eq "$(counter tcp-bad-cookie)" 10 "tcp-bad-cookie"
expect_eq "$(counter d-tcp-unanswerable)" 0 "d-tcp-unanswerable"
expect_eq "$(counter d-upstream-servfail)" 0 "d-upstream-servfail"

step "B. xdpdnsd --upstream $UP4:5400 (answers 400 ms late), tcp.reuse off"
stop_pid "$XDPDNSD_PID" xdpdnsd
start_daemon --upstream "$UP4:5400" --upstream-timeout 2s --set tcp.reuse=off
segments "$CLIENT_IP4" "$SERVER_IP4" 32000 pending
segments "$CLIENT_IP6" "$SERVER_IP6" 33000 pending
expect_eq "$(counter d-tcp-unanswerable)" 2 "d-tcp-unanswerable (the retransmissions while pending)"

step "C. xdpdnsd --upstream $UP4, tcp.reuse on: pipelined queries and loss recovery with answers that come later"
stop_pid "$XDPDNSD_PID" xdpdnsd
start_daemon --upstream "$UP4" --upstream-timeout 2s
for fam in 4 6; do
	src=CLIENT_IP$fam dst=SERVER_IP$fam
	nsrun "$CLIENT_NS" "$PYTHON" "$here/py/et_tcp_reuse.py" "$CLIENT_IF" "$CLIENT_MAC" "$SERVER_MAC" \
		"${!src}" "${!dst}" $((34000 + fam * 100)) pipeline loss || status=1
done
expect_eq "$(counter_settles d-tcp-conns-open 0)" 0 "d-tcp-conns-open at the end"
expect_ge "$(counter d-tcp-fast-resent)" 2 "d-tcp-fast-resent"
capture_stop "$cap"

step "capture: no RST and no bad checksum from the server"
rows=$(capture_fields "$cap" "tcp.srcport == 53" tcp.flags.reset tcp.checksum.status ip.checksum.status)
expect_eq "$(awk -F'|' '$1 == 1' <<<"$rows" | grep -c . || true)" 0 "RSTs from the server"
expect_eq "$(awk -F'|' '$2 != 1 || ($3 != "" && $3 != 1)' <<<"$rows" | grep -c . || true)" 0 \
	"server segments with a bad (or unverified) checksum"
kill -0 "$XDPDNSD_PID" 2>/dev/null || fail "xdpdnsd died during the test"
[[ $status -eq 0 ]] || fail "segment checks failed (see FAIL lines above)"
