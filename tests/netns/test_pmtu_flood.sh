#!/usr/bin/env bash
# A flood of forged "too big" messages cannot grow the path-MTU map nor stop
# the service. xdpdnsd runs with --pmtu-entries 4096; the client namespace
# sends 300,000 ICMPv6 Packet Too Big and 100,000 ICMPv4
# fragmentation-needed messages, each quoting an answer of ours to a
# different client address from a different (forged) source
# (py/e4_ptb_flood.py):
# * every one is parsed and stored (pmtu-accepted) and passed to the host
#   stack (Icmp6InPktTooBigs, InDestUnreachs count them all);
# * `xdpdnsctl pmtu list` never shows more than 4096 entries, with the flood
#   paused (SIGSTOP) in each round and after it, and shows a full map at the
#   end (the bound was hit);
# * `bpftool map show` reports the same map (id, max_entries 4096, memlock)
#   before and after;
# * dig over UDP and TCP, IPv4 and IPv6, is answered during and after;
# * afterwards a genuine Packet Too Big for the real client still takes
#   effect: listed, and the next big4000 answer comes in 1280-octet fragments.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export XDPDNS_NETNS_TAG=${XDPDNS_NETNS_TAG:-e4}
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"

require_cmds tcpdump tshark ethtool nsenter dig bpftool "$PYTHON"
require_built "$XDPDNSD" "$XDPDNSCTL" "$XDP_PASS_OBJ"
"$PYTHON" -c 'import scapy.all' 2>/dev/null || skip "scapy missing for $PYTHON"
ZONE=$XDPDNS_REPO/tools/zones/example.test.zone
ENTRIES=4096
COUNT6=300000
COUNT4=100000
netns_init
netns_pair_create

# start_xdpdnsd ARGS...: start_daemon with the example zone, udp.max-size
# raised so that answers up to the client's buffer go out whole (the
# default cap, 1232, would make big4000 TC=1 and nothing would fragment).
# shellcheck disable=SC2120
start_xdpdnsd() { start_daemon --zone "$ZONE" --set udp.max-size=65535 "$@"; }

pmtu_entries() {
	xdpdnsctl_run "$SERVER_NS" pmtu list --iface "$SERVER_IF" | awk 'NR > 1' | grep -c . || true
}
snmp6() { nsrun "$SERVER_NS" awk -v k="$1" '$1 == k { print $2 }' /proc/net/snmp6; }
snmp4_icmp() {
	nsrun "$SERVER_NS" awk -v k="$1" '$1 == "Icmp:" && !h { for (i = 2; i <= NF; i++) n[i] = $i; h = 1; next }
		$1 == "Icmp:" && h { for (i = 2; i <= NF; i++) if (n[i] == k) print $i }' /proc/net/snmp
}
# map_show: the pmtu map as bpftool reports it (id, type, name, sizes, memlock).
map_show() {
	bpftool map show pinned "$(xdpdns_pin_dir "$SERVER_NS" "$SERVER_IF")/pmtu" | tr -s ' \t\n' ' ' |
		sed 's/ *btf_id.*//; s/ $//'
}

# answers ROUND: small over UDP and big4000 over TCP, both families.
answers() {
	local addr out
	for addr in "$SERVER_IP4" "$SERVER_IP6"; do
		out=$(nsrun "$CLIENT_NS" dig +tries=2 +timeout=2 +short @"$addr" small.example.test A) ||
			fail "$1: dig over UDP @$addr failed: $out"
		[[ $out == 192.0.2.1 ]] || fail "$1: dig over UDP @$addr: '$out'"
		out=$(nsrun "$CLIENT_NS" dig +tcp +tries=2 +timeout=2 @"$addr" big4000.example.test TXT) ||
			fail "$1: dig over TCP @$addr failed: $out"
		grep -q 'ANSWER: 15,' <<<"$out" || fail "$1: dig over TCP @$addr: not 15 records: $out"
	done
}

step "start xdpdnsd --pmtu-entries $ENTRIES; ATR off (no follow-ups: the ICMP counters stay ours)"
start_xdpdnsd --pmtu-entries "$ENTRIES"
xdpdns_set "$SERVER_NS" "$SERVER_IF" atr.enabled off >/dev/null
map_before=$(map_show)
echo "$map_before"
grep -q "max_entries $ENTRIES " <<<"$map_before " || fail "pmtu map max_entries is not $ENTRIES: $map_before"
acc0=$(counter pmtu-accepted) ptb0=$(snmp6 Icmp6InPktTooBigs) unreach0=$(snmp4_icmp InDestUnreachs)
answers "before the flood"

step "flood: $COUNT6 ICMPv6 + $COUNT4 ICMPv4 forged messages, distinct clients"
flood_out=$NETNS_TMP/flood.out
nsbg "$CLIENT_NS" "$PYTHON" "$here/py/e4_ptb_flood.py" "$CLIENT_IF" "$CLIENT_MAC" "$SERVER_MAC" \
	"$SERVER_IP6" "$SERVER_IP4" "$COUNT6" "$COUNT4" 1280 >"$flood_out"
flood_pid=$NSBG_PID
rounds=0 peak=0
while kill -0 "$flood_pid" 2>/dev/null; do
	answers "during the flood (round $((rounds + 1)))"
	# Rounds that end before the flood does were served under load.
	kill -0 "$flood_pid" 2>/dev/null || break
	rounds=$((rounds + 1))
	# A walk of the map while it churns is no count (get_next_key restarts
	# when its key is evicted): record one, then pause the flood to count.
	rows=$(xdpdnsctl_run "$SERVER_NS" pmtu list --iface "$SERVER_IF" | awk 'NR > 1 { print $1 }')
	echo "record: pmtu list while the map churns: $(grep -c . <<<"$rows" || true) rows, $(sort -u <<<"$rows" | grep -c . || true) distinct"
	kill -STOP "$flood_pid" 2>/dev/null || break
	sleep 0.2
	n=$(pmtu_entries)
	m=$(map_show)
	kill -CONT "$flood_pid" 2>/dev/null || true
	((n <= ENTRIES)) || fail "during the flood (paused): pmtu list shows $n entries > $ENTRIES"
	[[ $m == "$map_before" ]] || fail "during the flood: bpftool map show changed: '$m' (before: '$map_before')"
	((n > peak)) && peak=$n
	echo "round $rounds: UDP and TCP answered; paused: $n path-MTU entries, same map; pmtu-accepted $(($(counter pmtu-accepted) - acc0))"
done
wait "$flood_pid" 2>/dev/null || fail "the flood generator failed: $(cat "$flood_out")"
cat "$flood_out"
expect_ge "$rounds" 1 "rounds of dig answered (UDP and TCP, both families) while the flood ran"
sent6=$(sed -n 's/^sent6=//p' "$flood_out") sent4=$(sed -n 's/^sent4=//p' "$flood_out")
expect_eq "$sent6|$sent4" "$COUNT6|$COUNT4" "messages sent (IPv6|IPv4)"

step "after the flood"
sleep 0.5
expect_eq "$(($(counter pmtu-accepted) - acc0))" $((COUNT6 + COUNT4)) "pmtu-accepted (every forged message stored)"
expect_eq "$(($(snmp6 Icmp6InPktTooBigs) - ptb0))" "$COUNT6" "Icmp6InPktTooBigs (host stack saw them)"
expect_eq "$(($(snmp4_icmp InDestUnreachs) - unreach0))" "$COUNT4" "InDestUnreachs (host stack saw them)"
n=$(pmtu_entries)
((n <= ENTRIES)) || fail "after the flood: pmtu list shows $n entries > $ENTRIES"
expect_ge "$n" $((ENTRIES / 2)) "path-MTU entries after the flood (at most $ENTRIES: the map is full)"
echo "ok: largest entry count seen during the flood: $peak (<= $ENTRIES)"
expect_eq "$(map_show)" "$map_before" "bpftool map show pmtu (same map, same size and memlock)"
answers "after the flood"

step "a genuine Packet Too Big for the client still takes effect"
nsrun "$CLIENT_NS" "$PYTHON" "$here/py/e4_icmp.py" "$CLIENT_IF" "$CLIENT_MAC" "$SERVER_MAC" \
	"$CLIENT_IP6" "$SERVER_IP6" 1280 || fail "sending the Packet Too Big"
expect_eq "$(xdpdnsctl_run "$SERVER_NS" pmtu list --iface "$SERVER_IF" | awk -v a="$CLIENT_IP6" '$1 == a { print $2 }')" \
	1280 "pmtu list: MTU of $CLIENT_IP6"
cap=$NETNS_TMP/after.pcap
capture_start "$CLIENT_NS" "$CLIENT_IF" "$cap" ip6
show_on_failure "$cap"
out=$(nsrun "$CLIENT_NS" dig +nocookie +bufsize=4096 +tries=1 +timeout=2 @"$SERVER_IP6" big4000.example.test TXT) ||
	fail "dig @$SERVER_IP6 failed: $out"
grep -q 'ANSWER: 15,' <<<"$out" || fail "dig @$SERVER_IP6: not 15 records: $out"
capture_stop "$cap"
out=$("$PYTHON" "$here/py/e4_capture.py" frags "$cap" --server "$SERVER_IP6" --mtu 1280 --trains 1) ||
	fail "fragments after the genuine PTB: $out"
printf '%s\n' "$out"
expect_eq "$(sed -n 's/^trains=1 max=//p' <<<"$out")" 1280 "largest fragment after the genuine PTB"
