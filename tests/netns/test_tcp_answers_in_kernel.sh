#!/usr/bin/env bash
# In-kernel TCP answers end to end, with real clients:
# * tcp.reuse on (the default): `dig +tcp` asks one question three times on
#   three connections; the third is answered by XDP (tcp-answered) with the
#   same answer, and its close too (the client's FIN gets our FIN from XDP,
#   tcp-close-answered); on the wire: answer segment ACK|PSH, no RST;
# * a second query on a connection XDP answered (`kdig +keepopen`): the
#   daemon adopts the connection (d-tcp-adopted) and answers it in order;
# * a connection XDP answered and the client keeps quiet: our FIN after
#   tcp.idle-timeout, from the daemon's sweep;
# * tcp.reuse off: the third `dig +tcp` answer comes from XDP with the FIN
#   riding on it (one segment ACK|PSH|FIN);
# * answers.in-kernel off: no TCP answer from XDP.
# Every server segment in the capture has good checksums.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"

require_cmds dig kdig nsenter tcpdump tshark "$PYTHON"
require_built "$XDPDNSD" "$XDPDNSCTL" "$XDP_PASS_OBJ"
netns_init
netns_pair_create

ZONE=$XDPDNS_REPO/tools/zones/example.test.zone
step "xdpdnsd with example.test (tcp.idle-timeout 1s)"
start_daemon --zone "$ZONE" --set tcp.idle-timeout=1s

cap=$NETNS_TMP/client.pcap
capture_start "$CLIENT_NS" "$CLIENT_IF" "$cap" tcp port 53
show_on_failure "$cap"

dig_tcp() { nsrun "$CLIENT_NS" dig +tcp +nocookie +short +time=2 +tries=1 @"$1" "${@:2}"; }

step "tcp.reuse on: one question three times, the third answered and closed by XDP"
a0=$(counter tcp-answered) c0=$(counter tcp-close-answered) d0=$(counter d-tcp-answers)
for i in 1 2 3; do
	expect_eq "$(dig_tcp "$SERVER_IP4" small.example.test A)" 192.0.2.1 "dig +tcp small.example.test ($i)"
done
expect_eq "$(($(counter tcp-answered) - a0))" 1 "tcp-answered after three digs"
expect_eq "$(counter_settles tcp-close-answered $((c0 + 1)))" $((c0 + 1)) "tcp-close-answered (dig's FIN)"
expect_eq "$(($(counter d-tcp-answers) - d0))" 2 "d-tcp-answers: the first two only"
for i in 1 2 3; do
	expect_eq "$(dig_tcp "$SERVER_IP6" small.example.test AAAA)" 2001:db8::1 "IPv6 dig +tcp small.example.test AAAA ($i)"
done
expect_eq "$(($(counter tcp-answered) - a0))" 2 "tcp-answered after the IPv6 digs"

step "a second query on a connection XDP answered: the daemon adopts it"
# Three times: the first query's answer is stored the second time kdig asks.
ad0=$(counter d-tcp-adopted)
for i in 1 2 3; do
	out=$(nsrun "$CLIENT_NS" kdig +tcp +keepopen +nocookie +short +timeout=2 +retry=0 @"$SERVER_IP4" \
		small.example.test A mail.example.test A small.example.test AAAA) || fail "kdig +keepopen: $out"
	expect_eq "$(tr '\n' ' ' <<<"$out")" "192.0.2.1 192.0.2.25 2001:db8::1 " "kdig +keepopen answers in order ($i)"
done
expect_eq "$(counter_settles d-tcp-adopted $((ad0 + 1)))" $((ad0 + 1)) "d-tcp-adopted"
expect_ge "$(counter tcp-adopt)" 1 "tcp-adopt (segments handed over)"

step "a connection XDP answered, then silence: our FIN after the idle time-out"
for i in 1 2; do  # the same question without EDNS: stored the second time
	expect_eq "$(dig_tcp "$SERVER_IP4" +noedns small.example.test A)" 192.0.2.1 "dig +tcp +noedns ($i)"
done
a0=$(counter tcp-answered)
out=$(nsrun "$CLIENT_NS" /usr/bin/python3 "$here/py/tcp_idle_client.py" "$SERVER_IP4" small.example.test 1 4) ||
	fail "tcp_idle_client.py: $out"
echo "$out"
expect_eq "$(($(counter tcp-answered) - a0))" 1 "answered in XDP"
read -r rcode ancount closed < <(sed -n 's/^rcode=\([0-9]*\) ancount=\([0-9]*\) closed_after=\(.*\)$/\1 \2 \3/p' <<<"$out")
expect_eq "$rcode $ancount" "0 1" "the answer"
[[ $closed != none ]] || fail "no FIN from the server within 4 s of an idle time-out of 1 s"
awk -v c="$closed" 'BEGIN { exit !(c >= 0.9 && c <= 2.0) }' || fail "FIN after $closed s, want about 1 s (sweep every 0.25 s)"

step "tcp.reuse off: the third answer from XDP carries the FIN"
xdpdns_set "$SERVER_NS" "$SERVER_IF" tcp.reuse off >/dev/null || fail "set tcp.reuse off"
a0=$(counter tcp-answered)
for i in 1 2 3; do
	expect_eq "$(dig_tcp "$SERVER_IP4" mx.example.test MX)" "10 mail.example.test." "dig +tcp mx.example.test MX ($i)"
done
expect_eq "$(($(counter tcp-answered) - a0))" 1 "tcp-answered (reuse off)"

step "answers.in-kernel off: the daemon answers"
xdpdns_set "$SERVER_NS" "$SERVER_IF" answers.in-kernel off >/dev/null || fail "set answers.in-kernel off"
a0=$(counter tcp-answered)
for i in 1 2 3; do
	expect_eq "$(dig_tcp "$SERVER_IP4" mx.example.test MX)" "10 mail.example.test." "knob off ($i)"
done
expect_eq "$(($(counter tcp-answered) - a0))" 0 "tcp-answered with the knob off"

capture_stop "$cap"
step "capture: XDP's segments as the daemon's, good checksums, no RST"
rows=$(capture_fields "$cap" "tcp.srcport == 53" tcp.checksum.status ip.checksum.status)
expect_eq "$(awk -F'|' '$1 != 1 || ($2 != "" && $2 != 1)' <<<"$rows" | grep -c . || true)" 0 \
	"server segments with a bad (or unverified) checksum"
expect_eq "$(capture_fields "$cap" "tcp.flags.reset == 1" frame.number | grep -c . || true)" 0 "RSTs"
# dig small.example.test: the answers of the three connections alike (flags
# PSH|ACK, 2 + message octets); for mx MX with reuse off: FIN|PSH|ACK.
small=$(capture_fields "$cap" "tcp.srcport == 53 && dns.qry.name == \"small.example.test\" && tcp.stream <= 2" \
	tcp.flags tcp.len | sort | uniq -c)
echo "$small"
expect_eq "$(awk '{print $1}' <<<"$small" | head -1)" 3 "the three small.example.test answers: same flags and length"
grep -q '0x0018|' <<<"$small" || fail "small.example.test answers are not PSH|ACK segments: $small"
mx=$(capture_fields "$cap" "tcp.srcport == 53 && dns.qry.name == \"mx.example.test\" && dns.qry.type == 15" \
	tcp.flags | sort | uniq -c)
echo "$mx"
grep -Eq '^ +6 0x0019$' <<<"$mx" || fail "mx MX answers (reuse off, 6 of them) not each FIN|PSH|ACK: $mx"
