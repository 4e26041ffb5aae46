#!/usr/bin/env bash
# Several RX queues, one worker and one AF_XDP socket per queue, and every
# queue's socket answers:
# * a veth with 4 RX/TX queues on both ends; xdpdnsd logs an AF_XDP socket
#   for each of queues 0..3;
# * the client's flows spread over the queues: a veth delivers what its peer
#   sent on TX queue Q into RX queue Q, and the client's stack picks the TX
#   queue by a hash of each socket's flow (this kernel has no tc skbedit to
#   steer by port); 64 UDP and 64 TCP queries, each from its own source
#   port, leave a queue without one with a probability of 4 x (3/4)^64,
#   about 4e-8;
# * every query, dig over UDP and over TCP, IPv4 and IPv6, gets the right
#   answer (small.example.test A/AAAA);
# * `xdpdnsctl stats --workers --json` lists exactly the workers of queues
#   0..3; each one answered UDP and TCP queries, and the workers' answers add
#   up to the queries sent, no more.
# The queries carry a DNS COOKIE (dig +cookie): queries with EDNS options
# are always answered by the daemon, never from the kernel.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"

QUEUES=4
BASE_PORT=20000
QUERIES=64  # per transport
ZONE_FILE=$XDPDNS_REPO/tools/zones/example.test.zone

require_cmds dig nsenter "$PYTHON"
require_built "$XDPDNSD" "$XDPDNSCTL" "$XDP_PASS_OBJ"
netns_init
NETNS_VETH_QUEUES=$QUEUES netns_pair_create

step "xdpdnsd on $SERVER_IF ($QUEUES RX queues)"
start_daemon --zone "$ZONE_FILE" --tcp-connections 1024 --tcp-flows 1024
for ((q = 0; q < QUEUES; q++)); do
	grep -q "$SERVER_IF: queue $q: AF_XDP socket" "$DAEMON_LOG" ||
		{ cat "$DAEMON_LOG" >&2; fail "no AF_XDP socket logged for queue $q"; }
done
expect_eq "$(grep -c "$SERVER_IF: queue [0-9]*: AF_XDP socket" "$DAEMON_LOG")" "$QUEUES" "AF_XDP sockets created"

# workers_json: the per-worker daemon counters, one line per worker:
# "QUEUE d-udp-answers d-tcp-answers d-rx".
workers() {
	xdpdnsctl_run "$SERVER_NS" stats "$SERVER_IF" --workers --json | "$PYTHON" -c '
import json, sys
ifc = sys.argv[1]
for w in json.load(sys.stdin)["interfaces"][ifc]["workers"]:
    d = w["daemon"]
    print(w["queue"], d["d-udp-answers"], d["d-tcp-answers"], d["d-rx"])' "$SERVER_IF"
}
expect_eq "$(workers | awk '{print $1}' | sort -n | tr '\n' ' ')" "0 1 2 3 " "workers listed by stats --workers"
expect_eq "$(workers | awk '{s += $2 + $3} END {print s + 0}')" 0 "answers before any query"

dig_from() {  # dig_from PORT ADDR TYPE [dig options]
	local port=$1 addr=$2 type=$3 src
	shift 3
	[[ $addr == *:* ]] && src=$CLIENT_IP6 || src=$CLIENT_IP4
	nsrun "$CLIENT_NS" dig +cookie +tries=1 +time=3 +short -b "$src#$port" @"$addr" "$@" small.example.test "$type"
}

step "$QUERIES UDP and $QUERIES TCP queries, each from its own source port, IPv4 and IPv6 in turn"
for ((i = 0; i < QUERIES; i++)); do
	port=$((BASE_PORT + i))
	if ((i % 2)); then
		expect_eq "$(dig_from "$port" "$SERVER_IP6" AAAA)" 2001:db8::1 "query $i: UDP IPv6 answer" >/dev/null
		expect_eq "$(dig_from "$port" "$SERVER_IP6" AAAA +tcp)" 2001:db8::1 "query $i: TCP IPv6 answer" >/dev/null
	else
		expect_eq "$(dig_from "$port" "$SERVER_IP4" A)" 192.0.2.1 "query $i: UDP IPv4 answer" >/dev/null
		expect_eq "$(dig_from "$port" "$SERVER_IP4" A +tcp)" 192.0.2.1 "query $i: TCP IPv4 answer" >/dev/null
	fi
done
echo "ok: $((2 * QUERIES)) answers, each the zone's address"

step "every queue's worker answered UDP and TCP; the workers' answers add up"
rows=$(workers)
printf '%s\n' "$rows" | sed 's/^/   queue udp tcp rx: /'
for ((q = 0; q < QUEUES; q++)); do
	row=$(awk -v q="$q" '$1 == q' <<<"$rows")
	expect_ge "$(awk '{print $2}' <<<"$row")" 1 "queue $q worker: d-udp-answers"
	expect_ge "$(awk '{print $3}' <<<"$row")" 1 "queue $q worker: d-tcp-answers"
done
expect_eq "$(awk '{u += $2; t += $3} END {print u "|" t}' <<<"$rows")" "$QUERIES|$QUERIES" \
	"sum over the workers' rows: d-udp-answers|d-tcp-answers"
expect_eq "$(counter d-udp-answers)|$(counter d-tcp-answers)" "$QUERIES|$QUERIES" \
	"xdpdnsctl stats (summed): d-udp-answers|d-tcp-answers"

echo "PASS: $QUEUES queues, one AF_XDP socket each, every one answered UDP and TCP"
