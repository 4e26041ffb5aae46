#!/usr/bin/env bash
# Clients on a veth with the default offloads, as in a container or behind a
# tap, send TCP and UDP with partial checksums (CHECKSUM_PARTIAL: the
# checksum field holds the folded pseudo-header sum, the device was to
# finish it). xdpdns answers them:
# * the client's veth has tx checksum offload on, and a capture on it shows
#   the client's queries and segments with checksums tshark calls bad (the
#   partial form really is what the server gets) and the server's with
#   good ones;
# * dig (UDP), dig +tcp and kdig +tcp, IPv4 and IPv6, small and
#   4,000-octet answers: the right answers, drop-bad-checksum and
#   d-bad-checksum 0;
# * `xdpdnsctl set checksum.strict on` (live): the UDP queries are dropped
#   by the daemon (d-bad-checksum, one per query) and the SYNs by the XDP
#   program (drop-bad-checksum), so dig gets nothing; with the client's
#   offload off (full checksums) everything is answered under strict too;
#   strict off with the offload back on: answered again.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"

ZONE_FILE=$XDPDNS_REPO/tools/zones/example.test.zone

require_cmds dig kdig tcpdump tshark ethtool nsenter
require_built "$XDPDNSD" "$XDPDNSCTL" "$XDP_PASS_OBJ"
netns_init
netns_pair_create

knob() { xdpdns_set "$SERVER_NS" "$SERVER_IF" "$@" >/dev/null || fail "xdpdnsctl set $*"; }
offload() { nsrun "$CLIENT_NS" ethtool -k "$CLIENT_IF" | sed -n 's/^tx-checksumming: \([a-z]*\).*/\1/p'; }

step "the client's veth checksums by offload (veth defaults)"
expect_eq "$(offload)" on "tx-checksumming on $CLIENT_IF"

step "xdpdnsd on $SERVER_IF"
start_daemon --zone "$ZONE_FILE"

# ask TOOL ADDR NAME TYPE LINES FIRST: one query (dig: UDP; dig+tcp,
# kdig+tcp), its +short answer with LINES lines, the first starting with
# FIRST (a TXT answer's first line with its opening quote).
ask() {
	local tool=$1 addr=$2 name=$3 type=$4 lines=$5 first=$6 out
	case $tool in
	dig) out=$(nsrun "$CLIENT_NS" dig +norec +time=2 +tries=2 +short @"$addr" "$name" "$type") ;;
	dig+tcp) out=$(nsrun "$CLIENT_NS" dig +tcp +norec +time=3 +tries=2 +short @"$addr" "$name" "$type") ;;
	kdig+tcp) out=$(nsrun "$CLIENT_NS" kdig +tcp +norec +timeout=3 +retry=1 +short @"$addr" "$name" "$type") ;;
	esac || fail "$tool @$addr $name $type failed: $out"
	expect_eq "$(printf '%s' "$out" | grep -c . || true)" "$lines" "$tool @$addr $name $type: answer lines"
	[[ $(printf '%s\n' "$out" | head -1) == "$first"* ]] ||
		fail "$tool @$addr $name $type: first line '$(printf '%s\n' "$out" | head -1)', expected '$first...'"
}
ask_all() {
	local addr
	for addr in "$SERVER_IP4" "$SERVER_IP6"; do
		ask dig "$addr" small.example.test A 1 192.0.2.1
		ask dig "$addr" www.example.test A 2 small.example.test.
		ask dig+tcp "$addr" small.example.test A 1 192.0.2.1
		ask dig+tcp "$addr" big4000.example.test TXT 15 '"'
		ask kdig+tcp "$addr" small.example.test A 1 192.0.2.1
		ask kdig+tcp "$addr" big4000.example.test TXT 15 '"'
	done
}

cap=$NETNS_TMP/client.pcap
capture_start "$CLIENT_NS" "$CLIENT_IF" "$cap" port 53
show_on_failure "$cap"

step "dig, dig +tcp, kdig +tcp with partial checksums, IPv4 and IPv6"
ask_all
capture_stop "$cap"
expect_eq "$(counter drop-bad-checksum)" 0 "drop-bad-checksum"
expect_eq "$(counter d-bad-checksum)" 0 "d-bad-checksum"

step "capture: the client's checksums are partial (bad to tshark), ours full"
# status: 0 bad, 1 good, 2 unverified
statuses() { capture_fields "$cap" "$1" "$2" | sort | uniq -c | awk '{ printf "%s:%s ", $2, $1 }'; }
q_udp=$(statuses "udp.dstport == 53" udp.checksum.status)
q_tcp=$(statuses "tcp.dstport == 53" tcp.checksum.status)
a_udp=$(statuses "udp.srcport == 53" udp.checksum.status)
a_tcp=$(statuses "tcp.srcport == 53" tcp.checksum.status)
echo "client UDP: $q_udp  client TCP: $q_tcp  server UDP: $a_udp  server TCP: $a_tcp"
[[ $q_udp =~ ^0:[0-9]+\ $ ]] || fail "client UDP queries: every checksum partial expected, got $q_udp"
[[ $q_tcp =~ ^0:[0-9]+\ $ ]] || fail "client TCP segments: every checksum partial expected, got $q_tcp"
[[ $a_udp =~ ^1:[0-9]+\ $ ]] || fail "server UDP answers: every checksum good expected, got $a_udp"
[[ $a_tcp =~ ^1:[0-9]+\ $ ]] || fail "server TCP segments: every checksum good expected, got $a_tcp"

step "checksum.strict on: partial checksums are refused"
knob checksum.strict on
bad_d=$(counter d-bad-checksum) bad_x=$(counter drop-bad-checksum)
for addr in "$SERVER_IP4" "$SERVER_IP6"; do
	if out=$(nsrun "$CLIENT_NS" dig +norec +time=1 +tries=1 +short @"$addr" small.example.test A 2>&1); then
		fail "dig @$addr answered under checksum.strict: $out"
	fi
done
expect_eq "$(($(counter d-bad-checksum) - bad_d))" 2 "d-bad-checksum: the two UDP queries"
if out=$(nsrun "$CLIENT_NS" dig +tcp +norec +time=1 +tries=1 +short @"$SERVER_IP4" small.example.test A 2>&1); then
	fail "dig +tcp answered under checksum.strict: $out"
fi
expect_ge "$(($(counter drop-bad-checksum) - bad_x))" 1 "drop-bad-checksum: the SYN (and its retransmissions)"

step "checksum.strict on, client offload off (full checksums): answered"
netns_tx_checksum_off "$CLIENT_NS" "$CLIENT_IF"
expect_eq "$(offload)" off "tx-checksumming on $CLIENT_IF"
bad_d=$(counter d-bad-checksum) bad_x=$(counter drop-bad-checksum)
ask_all
expect_eq "$(counter d-bad-checksum)|$(counter drop-bad-checksum)" "$bad_d|$bad_x" \
	"d-bad-checksum|drop-bad-checksum unchanged"

step "checksum.strict off, client offload on again: answered"
knob checksum.strict off
nsrun "$CLIENT_NS" ethtool -K "$CLIENT_IF" tx on >/dev/null
expect_eq "$(offload)" on "tx-checksumming on $CLIENT_IF"
ask_all
expect_eq "$(counter d-bad-checksum)|$(counter drop-bad-checksum)" "$bad_d|$bad_x" \
	"d-bad-checksum|drop-bad-checksum unchanged"
kill -0 "$DAEMON_PID" 2>/dev/null || fail "xdpdnsd died during the test"
