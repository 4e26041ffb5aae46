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
n=$_NETNS_LINKS
_NETNS_LINKS=$((n + 1))
UP_NS="${XDPDNS_NETNS_TAG}-${_NETNS_OWNER}-${n}u"
UP_IF="${XDPDNS_NETNS_TAG}$(_netns_pid_hex)${n}u"
SRV_UP_IF="${XDPDNS_NETNS_TAG}$(_netns_pid_hex)${n}x"
netns_add "$UP_NS"
netns_veth "$SERVER_NS" "$SRV_UP_IF" "$UP_NS" "$UP_IF" "$n"
UP4="$VETH_NET4.2"
UP6="$VETH_NET6::2"

nsd_dir=$NETNS_TMP/nsd
mkdir -p "$nsd_dir"
cat >"$nsd_dir/nsd.conf" <<EOF
server:
	ip-address: $UP4
	ip-address: $UP6
	port: 53
	username: ""
	chroot: ""
	zonesdir: "$nsd_dir"
	database: ""
	zonelistfile: "$nsd_dir/zone.list"
	xfrdfile: "$nsd_dir/xfrd.state"
	pidfile: "$nsd_dir/nsd.pid"
	logfile: "$nsd_dir/nsd.log"
	server-count: 1
	verbosity: 1
remote-control:
	control-enable: no
zone:
	name: "example.test"
	zonefile: "$ZONE"
EOF
nsd-checkconf "$nsd_dir/nsd.conf" || fail "nsd-checkconf rejects $nsd_dir/nsd.conf"
nsbg "$UP_NS" nsd -d -c "$nsd_dir/nsd.conf"
NSD_PID=$NSBG_PID
for ((i = 0; ; i++)); do
	nsrun "$SERVER_NS" dig +time=1 +tries=1 +short @"$UP4" small.example.test A 2>/dev/null | grep -qx 192.0.2.1 && break
	if ! kill -0 "$NSD_PID" 2>/dev/null || ((i >= 50)); then
		cat "$nsd_dir/nsd.log" >&2
		fail "nsd does not answer"
	fi
	sleep 0.2
done
nsbg "$UP_NS" "$PYTHON" "$here/py/et_slow_udp_forwarder.py" "$UP4" 5400 "$UP4" 53 400 \
	>"$NETNS_TMP/forwarder.log" 2>&1
for ((i = 0; ; i++)); do
	grep -q ready "$NETNS_TMP/forwarder.log" && break
	((i < 50)) || { cat "$NETNS_TMP/forwarder.log" >&2; fail "slow forwarder did not start"; }
	sleep 0.1
done

start_xdpdnsd() {
	xdpdnsd_start "$SERVER_NS" "$SERVER_IF" "$@"
}
stop_pid() {
	local i
	kill "$1" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.05
	done
	fail "$2 (pid $1) did not exit after SIGTERM"
}
counter() { xdpdns_stat "$SERVER_NS" "$SERVER_IF" "$1"; }

nsrun "$CLIENT_NS" nft -f - <<'EOF'
table inet et_norst {
	chain out {
		type filter hook output priority 0; policy accept;
		tcp flags & rst == rst drop
	}
}
EOF

cap=$NETNS_TMP/client.pcap
capture_start "$CLIENT_NS" "$CLIENT_IF" "$cap" tcp port 53
show_on_failure "$cap"
status=0
segments() {
	nsrun "$CLIENT_NS" "$PYTHON" "$here/py/et_tcp_segments.py" --upstream "$CLIENT_IF" "$CLIENT_MAC" \
		"$SERVER_MAC" "$@" || status=1
}

step "A. xdpdnsd --upstream $UP4 (NSD answers at once)"
start_xdpdnsd --upstream "$UP4" --upstream-timeout 2s
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

step "B. xdpdnsd --upstream $UP4:5400 (answers 400 ms late)"
stop_pid "$XDPDNSD_PID" xdpdnsd
start_xdpdnsd --upstream "$UP4:5400" --upstream-timeout 2s
segments "$CLIENT_IP4" "$SERVER_IP4" 32000 pending
segments "$CLIENT_IP6" "$SERVER_IP6" 33000 pending
expect_eq "$(counter d-tcp-unanswerable)" 2 "d-tcp-unanswerable (the retransmissions while pending)"
capture_stop "$cap"

step "capture: no RST and no bad checksum from the server"
rows=$(capture_fields "$cap" "tcp.srcport == 53" tcp.flags.reset tcp.checksum.status ip.checksum.status)
expect_eq "$(awk -F'|' '$1 == 1' <<<"$rows" | grep -c . || true)" 0 "RSTs from the server"
expect_eq "$(awk -F'|' '$2 != 1 || ($3 != "" && $3 != 1)' <<<"$rows" | grep -c . || true)" 0 \
	"server segments with a bad (or unverified) checksum"
kill -0 "$XDPDNSD_PID" 2>/dev/null || fail "xdpdnsd died during the test"
[[ $status -eq 0 ]] || fail "segment checks failed (see FAIL lines above)"
