#!/usr/bin/env bash
# udp.max-size (default 1232): no UDP answer of ours is larger than the
# smaller of the client's buffer and the cap; a larger one goes out TC=1.
# With `dig +bufsize=4096`, IPv4 and IPv6:
# * default: big1200 (1,200 octets) comes whole over UDP; big1400 and
#   big4000 come TC=1 with no records (d-udp-truncated), nothing is
#   fragmented (d-udp-fragmented stays 0), and dig's own retry over TCP
#   gets big1400's 5 records;
# * the boundary, set live: cap 1200 -> big1200 whole; cap 1199 -> TC=1;
# * answers made in XDP: mid700 (662 octets), asked twice, is stored in the
#   answers map (d-answer-inserts) and comes whole under the cap (from XDP
#   when a local socket's frame on the veth has the room to grow, else from
#   the daemon; tests/bpf/answers_test.cpp pins XDP's answer itself); with
#   the cap set to 600 XDP leaves it to the daemon (answer-too-big, never
#   udp-answered) and the client gets TC=1.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"

require_cmds dig nsenter
require_built "$XDPDNSD" "$XDPDNSCTL" "$XDP_PASS_OBJ"
netns_init
netns_pair_create

# A zone with one answer between 512 and what XDP can store (880 octets
# after the question): three TXT strings of 200 octets.
cap_zone=$NETNS_TMP/cap.test.zone
s200=$(printf 'x%.0s' {1..200})
cat >"$cap_zone" <<ZONE
\$ORIGIN cap.test.
\$TTL 3600
@ SOA ns1 hostmaster 1 7200 3600 1209600 300
@ NS ns1
ns1 A 192.0.2.53
mid700 TXT "a$s200" "b$s200" "c$s200"
ZONE

start_daemon --zone "$XDPDNS_REPO/tools/zones/example.test.zone" --zone "$cap_zone"
expect_eq "$(xdpdnsctl_run "$SERVER_NS" get --iface "$SERVER_IF" udp.max-size --value)" 1232 "udp.max-size default"
knob() { xdpdns_set "$SERVER_NS" "$SERVER_IF" udp.max-size "$1" >/dev/null || fail "set udp.max-size $1"; }

# ask ADDR NAME [DIG ARGS...]: dig +bufsize=4096 over UDP only (+ignore: no
# retry over TCP; +nocookie: XDP serves queries whose OPT has no options);
# sets FLAGS, COUNT (answer records) and SIZE (octets).
ask() {
	local addr=$1 name=$2 out
	shift 2
	out=$(nsrun "$CLIENT_NS" dig +bufsize=4096 +nocookie +tries=1 +timeout=2 +ignore "$@" @"$addr" "$name" TXT) ||
		fail "dig $name @$addr: $out"
	FLAGS=$(sed -n 's/^;; flags: \([a-z ]*\);.*/\1/p' <<<"$out")
	COUNT=$(sed -n 's/.* ANSWER: \([0-9]*\),.*/\1/p' <<<"$out")
	SIZE=$(sed -n 's/^;; MSG SIZE  rcvd: \([0-9]*\)$/\1/p' <<<"$out")
	[[ -n $FLAGS && -n $COUNT && -n $SIZE ]] || fail "dig $name @$addr: unexpected output: $out"
}
whole() {  # ADDR NAME RECORDS OCTETS
	ask "$1" "$2"
	expect_eq "$FLAGS|$COUNT|$SIZE" "qr aa rd|$3|$4" "$2 @$1: whole (flags|records|octets)"
}
truncated() {  # ADDR NAME
	ask "$1" "$2"
	expect_eq "$FLAGS|$COUNT" "qr aa tc rd|0" "$2 @$1: TC=1, no records (flags|records)"
	((SIZE <= 512)) || fail "$2 @$1: TC=1 answer of $SIZE octets"
}

tc0=$(counter d-udp-truncated)
for addr in "$SERVER_IP4" "$SERVER_IP6"; do
	step "default cap @$addr: big1200 whole, big1400 and big4000 TC=1"
	whole "$addr" big1200.example.test 5 1200
	truncated "$addr" big1400.example.test
	truncated "$addr" big4000.example.test
	out=$(nsrun "$CLIENT_NS" dig +bufsize=4096 +tries=1 +timeout=2 @"$addr" big1400.example.test TXT)
	grep -q 'ANSWER: 5,' <<<"$out" || { echo "$out" >&2; fail "dig's TCP retry for big1400 @$addr"; }
	grep -q 'Truncated, retrying in TCP mode' <<<"$out" || { echo "$out" >&2; fail "dig did not see TC=1 for big1400"; }
	echo "ok: dig retried big1400 over TCP and got its 5 records"
done
expect_eq "$(($(counter d-udp-truncated) - tc0))" 6 "d-udp-truncated: big1400 twice and big4000 once per family"
expect_eq "$(counter d-udp-fragmented)" 0 "d-udp-fragmented: nothing fragmented under the default cap"

step "the boundary, set live: cap 1200 -> big1200 whole, 1199 -> TC=1"
knob 1200
whole "$SERVER_IP4" big1200.example.test 5 1200
whole "$SERVER_IP6" big1200.example.test 5 1200
knob 1199
truncated "$SERVER_IP4" big1200.example.test
truncated "$SERVER_IP6" big1200.example.test
knob 1232

step "answers made in XDP: mid700 in the answers map, then above a 600-octet cap"
ask "$SERVER_IP4" mid700.cap.test
mid=$SIZE
((mid > 600 && mid < 930)) || fail "mid700 is $mid octets, not between the cap and what XDP stores"
i0=$(counter d-answer-inserts)
whole "$SERVER_IP4" mid700.cap.test 1 "$mid"
expect_ge "$(($(counter d-answer-inserts) - i0))" 1 "d-answer-inserts: mid700 stored for XDP (asked twice)"
for addr in "$SERVER_IP4" "$SERVER_IP6"; do
	a0=$(counter udp-answered)
	whole "$addr" mid700.cap.test 1 "$mid"
	# Under the cap XDP gives it, or the daemon when the frame cannot grow
	# (a local socket's frame on a veth may lack the tailroom): whole either way.
	echo "mid700 @$addr under the cap: $(($(counter udp-answered) - a0)) answer(s) from XDP"
	knob 600
	a1=$(counter udp-answered) big0=$(counter answer-too-big)
	truncated "$addr" mid700.cap.test
	expect_eq "$(($(counter udp-answered) - a1))" 0 "udp-answered with the cap below mid700 @$addr"
	expect_eq "$(($(counter answer-too-big) - big0))" 1 "answer-too-big: XDP found mid700 and left it to the daemon @$addr"
	knob 1232
done
kill -0 "$DAEMON_PID" 2>/dev/null || fail "xdpdnsd died during the test"
echo "PASS: udp.max-size caps every UDP answer, from the daemon and from XDP"
