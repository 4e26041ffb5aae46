#!/usr/bin/env bash
# Response rate limiting end to end (rrl.rate 10, rrl.slip 2): a burst of 90
# UDP queries from three addresses of the client's /24
# * answered in XDP from the answers map: at most the rate a second gets
#   full answers, every second limited one comes back TC=1, the rest get
#   nothing; rrl-slipped and rrl-dropped equal the TC=1 replies and the
#   missing ones, the daemon limits nothing;
# * answered by the daemon (answers.in-kernel off): the same with
#   d-rrl-slipped and d-rrl-dropped, and the log's "rrl: limiting" line;
# * a client in another prefix asking during each burst gets every answer;
# * with rrl.slip 1, dig (without +ignore) from the limited /24 gets TC=1,
#   retries over TCP (not rate limited) and gets its answer.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"

require_cmds dig nsenter "$PYTHON"
require_built "$XDPDNSD" "$XDPDNSCTL" "$XDP_PASS_OBJ"
netns_init
netns_pair_create

flood_srcs="$CLIENT_IP4,$VETH_NET4.3,$VETH_NET4.4"
other=10.199.77.2  # another /24: no route needed, replies swap addresses
for a in "$VETH_NET4.3/24" "$VETH_NET4.4/24" "$other/32"; do
	nsrun "$CLIENT_NS" ip addr add "$a" dev "$CLIENT_IF"
done

step "xdpdnsd with example.test, rrl.rate 10"
start_daemon --zone "$XDPDNS_REPO/tools/zones/example.test.zone" --set rrl.rate=10 --set rrl.slip=2
expect_eq "$(xdpdnsctl_run "$SERVER_NS" get --iface "$SERVER_IF" rrl.prefix-v4 --value)" 24 "rrl.prefix-v4 default"

flood() {  # COUNT SOURCES [WAIT]: prints full tc none
	nsrun "$CLIENT_NS" env PYTHONPATH="$here/py" "$PYTHON" "$here/py/rrl_flood.py" \
		"$SERVER_IP4" small.example.test 1 "$@" |
		sed -n 's/^sent=[0-9]* full=\([0-9]*\) tc=\([0-9]*\) none=\([0-9]*\)$/\1 \2 \3/p'
}

names=(rrl-dropped rrl-slipped d-rrl-dropped d-rrl-slipped udp-answered d-udp-answers)
declare -A before
snapshot() { local n; for n in "${names[@]}"; do before[$n]=$(counter "$n"); done; }
delta() { printf '%s' $(($(counter "$1") - ${before[$1]})); }

# burst PATH: the flood and, meanwhile, 5 queries from the other prefix.
burst() {
	local path=$1 full tc none ofull otc onone
	snapshot
	flood 5 "$other" >"$NETNS_TMP/other.out" &
	read -r full tc none < <(flood 90 "$flood_srcs")
	wait $!
	read -r ofull otc onone <"$NETNS_TMP/other.out"
	echo "$path: flooding /24: full=$full tc=$tc none=$none; other prefix: full=$ofull tc=$otc none=$onone"
	expect_eq "$ofull $otc $onone" "5 0 0" "$path: the other prefix during the burst"
	expect_eq "$((full + tc + none))" 90 "$path: replies and silences"
	# One second's tokens, or two when the burst straddles a second.
	((full >= 10 && full <= 20)) || fail "$path: $full full answers to the /24, want 10..20"
	expect_ge "$tc" 30 "$path: TC=1 replies"
	expect_ge "$none" 30 "$path: unanswered"
	((tc - none <= 1 && none - tc <= 1)) || fail "$path: slip 2: every second limited answer TC=1 ($tc vs $none)"
	local x=rrl- d=d-rrl-
	[[ $path == daemon ]] && { x=d-rrl-; d=rrl-; }
	expect_eq "$(delta ${x}slipped)" "$tc" "$path: ${x}slipped"
	expect_eq "$(delta ${x}dropped)" "$none" "$path: ${x}dropped"
	expect_eq "$(delta ${d}slipped) $(delta ${d}dropped)" "0 0" "$path: the other side limited nothing"
	if [[ $path == xdp ]]; then
		expect_eq "$(delta udp-answered)" $((full + 5)) "xdp: udp-answered"
	else
		expect_eq "$(delta d-udp-answers)" $((full + 5)) "daemon: d-udp-answers"
	fi
}

step "answers made in XDP: stored first (the daemon stores a question asked twice)"
read -r full tc none < <(flood 3 "$other")
expect_eq "$full" 3 "warm-up answers"
a0=$(counter udp-answered)
expect_eq "$(flood 1 "$other")" "1 0 0" "one more"
expect_eq "$(($(counter udp-answered) - a0))" 1 "that one came from XDP"
sleep 1
burst xdp

step "answers the daemon builds (answers.in-kernel off)"
xdpdns_set "$SERVER_NS" "$SERVER_IF" answers.in-kernel off >/dev/null
sleep 1
burst daemon
grep -q "rrl: limiting $VETH_NET4.0/24 (answer class [0-9a-f]*): more than 10 responses/s" "$DAEMON_LOG" ||
	fail "no 'rrl: limiting $VETH_NET4.0/24' line in the daemon log"
lines=$(grep -c 'rrl: limiting' "$DAEMON_LOG")
((lines <= 2)) || fail "$lines 'rrl: limiting' lines for one episode, want one (two if it straddled a second)"

step "rrl.slip 1: dig from the limited /24 gets TC=1, retries over TCP, gets its answer"
xdpdns_set "$SERVER_NS" "$SERVER_IF" rrl.slip 1 >/dev/null
got=
for try in 1 2 3 4 5; do
	flood 40 "$flood_srcs" 0.05 >/dev/null
	out=$(nsrun "$CLIENT_NS" dig +nocookie +time=2 +tries=1 -b "$VETH_NET4.3" @"$SERVER_IP4" small.example.test A) ||
		fail "dig: $out"
	if grep -q 'Truncated, retrying in TCP mode' <<<"$out"; then
		got=$out
		break
	fi
	sleep 0.3
done
[[ -n $got ]] || fail "dig was never truncated (5 tries)"
grep -Eq '^small\.example\.test\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.1$' <<<"$got" ||
	fail "no answer over TCP: $got"
grep -q ';; SERVER: .*(TCP)' <<<"$got" || fail "the answer did not come over TCP: $got"
echo "dig: truncated on try $try, answered over TCP"
expect_eq "$(counter drop-bad-checksum)" 0 "drop-bad-checksum"
