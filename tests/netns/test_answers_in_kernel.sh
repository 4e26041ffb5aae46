#!/usr/bin/env bash
# In-kernel answers (answers.in-kernel, on by default), end to end:
# * identity: every name of the three test zones in 13 types, without EDNS,
#   with EDNS DO=0 (in mixed case) and DO=1, over IPv4 and IPv6, each sent
#   three times as the same frame: the daemon answers the first two and
#   stores the answer the second time, XDP answers the third; all three
#   replies are the same frame octet for octet, udp-answered and
#   d-answer-inserts grow by exactly the number of storable answers;
# * dig gets its answers from XDP (udp-answered, not udp-to-daemon) and
#   `xdpdnsctl answers list` shows what is stored;
# * edns.buffer-size changed live: the next answers carry the new size
#   (the map was replaced, d-answer-evicted);
# * SIGHUP with a changed record: once the log says "zones reloaded" the
#   answer is the new one, never the stored old one;
# * `xdpdnsctl answers flush`: the next query goes to the daemon;
# * answers.in-kernel off: every query goes to the daemon.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"

require_cmds dig nsenter "$PYTHON"
require_built "$XDPDNSD" "$XDPDNSCTL" "$XDP_PASS_OBJ"
netns_init
netns_pair_create

zone=$NETNS_TMP/example.test.zone
cp "$XDPDNS_REPO/tools/zones/example.test.zone" "$zone"
ZONE_ARGS=(--zone "$zone" --zone "$XDPDNS_REPO/tests/unit/dns/zones/zone.test.zone"
	--zone "$XDPDNS_REPO/tests/unit/dns/zones/inner.zone.test.zone")

step "xdpdnsd with example.test, zone.test and inner.zone.test"
start_daemon "${ZONE_ARGS[@]}"
grep -q 'answers map: up to 16384 answers, 16 MiB at most' "$DAEMON_LOG" || fail "start-up log lacks the answers map bound"
expect_eq "$(xdpdnsctl_run "$SERVER_NS" get --iface "$SERVER_IF" answers.in-kernel --value)" on "answers.in-kernel default"

step "identity: each question three times, the third answered by XDP, all replies the same frame"
a0=$(counter udp-answered) i0=$(counter d-answer-inserts) d0=$(counter udp-to-daemon)
out=$(nsrun "$CLIENT_NS" "$PYTHON" "$here/py/ai_identity.py" "$CLIENT_IF" "$CLIENT_MAC" "$SERVER_MAC" \
	"$CLIENT_IP4" "$SERVER_IP4" "$CLIENT_IP6" "$SERVER_IP6" \
	"$zone:example.test." "$XDPDNS_REPO/tests/unit/dns/zones/zone.test.zone:zone.test." \
	"$XDPDNS_REPO/tests/unit/dns/zones/inner.zone.test.zone:inner.zone.test.") || fail "ai_identity.py: $out"
echo "$out"
read -r queries identical storable < <(sed -n 's/^queries=\([0-9]*\) identical=\([0-9]*\) storable=\([0-9]*\)$/\1 \2 \3/p' <<<"$out")
expect_ge "$queries" 1000 "questions asked"
expect_eq "$identical" "$queries" "questions whose three replies are the same frame"
expect_ge "$storable" 900 "storable answers"
# On a veth a frame from a local socket can grow by its headroom and a little
# tailroom only: longer answers stay with the daemon (answer-no-room).
answered=$(($(counter udp-answered) - a0)) no_room=$(counter answer-no-room)
echo "answered by XDP: $answered; no room in the frame: $no_room"
expect_eq "$((answered + no_room))" "$storable" "udp-answered + answer-no-room: one per storable question"
expect_ge "$answered" $((storable * 3 / 4)) "udp-answered"
expect_eq "$(counter answer-too-big)" 0 "answer-too-big"
counter_settles d-answer-inserts $((i0 + storable)) >/dev/null
expect_eq "$(($(counter d-answer-inserts) - i0))" "$storable" "d-answer-inserts"
expect_eq "$(($(counter udp-to-daemon) - d0))" $((3 * queries - answered)) "udp-to-daemon: the rest"

q() { nsrun "$CLIENT_NS" dig +nocookie +short +time=2 +tries=1 @"$SERVER_IP4" "$@"; }

step "dig: the third query is answered in XDP (HINFO: a question not asked yet)"
a0=$(counter udp-answered)
for i in 1 2 3; do
	expect_eq "$(nsrun "$CLIENT_NS" dig +nocookie +time=2 +tries=1 @"$SERVER_IP4" mail.example.test HINFO |
		sed -n 's/.*status: \([A-Z]*\), .*ANSWER: \([0-9]*\), AUTHORITY: \([0-9]*\).*/\1 \2 \3/p;s/.*status: \([A-Z]*\),.*/\1/p' | head -1)" \
		NOERROR "dig mail.example.test HINFO ($i)"
done
expect_eq "$(($(counter udp-answered) - a0))" 1 "udp-answered after three digs"
ok_list=$(xdpdnsctl_run "$SERVER_NS" answers list --iface "$SERVER_IF" --limit 100000) || fail "answers list: $ok_list"
grep -Eq '^mail\.example\.test\. +TYPE13 +IN +DO=0 +UDP +NOERROR +1 +0/1/1 ' <<<"$ok_list" ||
	fail "answers list lacks mail.example.test HINFO: $(head -5 <<<"$ok_list")"
expect_eq "$(tail -1 <<<"$ok_list")" "$((storable + 1)) answer(s) shown" "answers list: every stored answer"
expect_eq "$(grep -c ' UDP ' <<<"$ok_list")" "$((storable + 1))" "answers list: rows"

step "edns.buffer-size 1400 (live): the stored answers go, the new size is in the next answers"
e0=$(counter d-answer-evicted)
xdpdns_set "$SERVER_NS" "$SERVER_IF" edns.buffer-size 1400 >/dev/null || fail "set edns.buffer-size"
for i in 1 2 3; do
	udp=$(nsrun "$CLIENT_NS" dig +nocookie +time=2 +tries=1 @"$SERVER_IP4" mail.example.test A | sed -n 's/.*; udp: \([0-9]*\).*/\1/p')
	expect_eq "$udp" 1400 "OPT size in answer $i"
done
counter_settles d-answer-evicted $((e0 + storable + 1)) >/dev/null
expect_ge "$(($(counter d-answer-evicted) - e0))" $((storable + 1)) "d-answer-evicted"

step "SIGHUP with a changed record: the old answer is never given once reloaded"
for i in 1 2 3; do q small.example.test A >/dev/null; done
a0=$(counter udp-answered)
expect_eq "$(q small.example.test A)" 192.0.2.1 "before the reload (from XDP)"
expect_eq "$(($(counter udp-answered) - a0))" 1 "that answer came from XDP"
sed -i 's/^small    A     192.0.2.1$/small    A     192.0.2.111/' "$zone"
grep -q '192.0.2.111' "$zone" || fail "zone edit"
kill -HUP "$DAEMON_PID"
for ((i = 0; i < 100; i++)); do grep -q 'zones reloaded' "$DAEMON_LOG" && break; sleep 0.05; done
grep -q 'zones reloaded' "$DAEMON_LOG" || fail "no 'zones reloaded' in the log"
for i in 1 2 3 4; do expect_eq "$(q small.example.test A)" 192.0.2.111 "after the reload ($i)"; done

step "answers flush: the next query goes to the daemon"
out=$(xdpdnsctl_run "$SERVER_NS" answers flush --iface "$SERVER_IF") || fail "answers flush: $out"
expect_eq "$out" "$SERVER_IF: answers map emptied; the daemon starts a new one" "answers flush output"
d0=$(counter udp-to-daemon)
expect_eq "$(q small.example.test A)" 192.0.2.111 "after the flush"
expect_eq "$(($(counter udp-to-daemon) - d0))" 1 "udp-to-daemon after the flush"

step "answers.in-kernel off: the daemon answers everything"
xdpdns_set "$SERVER_NS" "$SERVER_IF" answers.in-kernel off >/dev/null || fail "set answers.in-kernel off"
a0=$(counter udp-answered) d0=$(counter udp-to-daemon)
for i in 1 2 3 4; do expect_eq "$(q small.example.test A)" 192.0.2.111 "knob off ($i)"; done
expect_eq "$(($(counter udp-answered) - a0))" 0 "udp-answered with the knob off"
expect_eq "$(($(counter udp-to-daemon) - d0))" 4 "udp-to-daemon with the knob off"
expect_eq "$(counter drop-bad-checksum)" 0 "drop-bad-checksum"
