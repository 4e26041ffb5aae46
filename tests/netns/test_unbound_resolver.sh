#!/usr/bin/env bash
# Unbound as a resolver with xdpdnsd (zone backend) as the authority of
# example.test, both in the client namespace's view:
#   dig -> unbound (127.0.0.1, client namespace) -> xdpdnsd (server namespace)
# 1. tcp-upstream: yes. small (A), www (CNAME chain to small) and big4000
#    (TXT, ~4,000 octets) resolve through unbound, answers as in the zone
#    (TTLs aside); the client capture shows unbound asked xdpdnsd over TCP
#    only (no UDP query), every TCP answer well formed (no overlap, no RST,
#    checksums good).
#    Then bursts of 7 concurrent queries, each burst into a freshly started
#    unbound (empty cache): every answer unbound gives is correct, and none
#    is SERVFAIL. Unbound 1.17.1 reuses its TCP connections to xdpdnsd,
#    writing further queries as soon as it has an answer; with tcp.reuse on
#    they are answered on the same connection (before connection reuse, the
#    XDP program dropped them as tcp-bad-cookie and unbound answered 1 to 6
#    of 21 SERVFAIL).
# 2. tcp-upstream: no (a new unbound). small resolves, and the capture shows
#    a UDP query to xdpdnsd.
# Unbound runs in the foreground with its own config in the test's temp dir:
# no chroot, no user change, no DNSSEC validation (module-config iterator),
# no QNAME minimisation, do-not-query-localhost: no, a stub zone pointing at
# xdpdnsd's IPv4 address.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export XDPDNS_NETNS_TAG=${XDPDNS_NETNS_TAG:-et}
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"

require_cmds tcpdump tshark ethtool nsenter dig unbound unbound-checkconf "$PYTHON"
require_built "$XDPDNSD" "$XDPDNSCTL" "$XDP_PASS_OBJ"
ZONE=$XDPDNS_REPO/tools/zones/example.test.zone
PORT=5335
netns_init
netns_pair_create

# start_unbound yes|no: a fresh unbound with tcp-upstream set so; returns
# once it listens.
start_unbound() {
	unbound_serve "$CLIENT_NS" "$NETNS_TMP/unbound-$1" "$PORT" example.test "$SERVER_IP4" \
		'module-config: "iterator"' "tcp-upstream: $1"
}

# resolve NAME TYPE [DIG-OPTIONS...]: through unbound; the zone's answer.
resolve() {
	local name=$1 type=$2 out=$NETNS_TMP/resolve.out
	shift 2
	nsrun "$CLIENT_NS" dig +time=5 +tries=1 "$@" -p "$PORT" @127.0.0.1 "$name" "$type" >"$out" 2>&1 || true
	if ! "$PYTHON" "$here/py/et_dns_answers.py" "$ZONE" --all --any-ttl "$name/$type" <"$out" >"$out.check"; then
		cat "$out" "$out.check" >&2
		fail "unbound did not resolve $name $type as the zone says"
	fi
	printf 'ok: %s %s through unbound: %s\n' "$name" "$type" "$(head -n 1 "$out.check")"
}

start_daemon --zone "$ZONE"
cap=$NETNS_TMP/client.pcap
capture_start "$CLIENT_NS" "$CLIENT_IF" "$cap" host "$SERVER_IP4" and port 53
show_on_failure "$cap"

step "1. unbound with tcp-upstream: yes"
start_unbound yes
resolve small.example.test A
resolve www.example.test A
resolve big4000.example.test TXT +tcp

step "1b. bursts of 7 concurrent queries, each burst into a fresh unbound"
burst=(mx.example.test/MX mail.example.test/A chain1.example.test/A big1200.example.test/TXT
	small.example.test/AAAA ns1.example.test/A a.wild.example.test/A)
servfails=0
bad_cookie_before=$(xdpdns_stat "$SERVER_NS" "$SERVER_IF" tcp-bad-cookie)
for round in 1 2 3; do
	stop_pid "$UNBOUND_PID" unbound
	start_unbound yes
	pids=()
	for i in "${!burst[@]}"; do
		q=${burst[i]}
		nsrun "$CLIENT_NS" dig +time=8 +tries=1 -p "$PORT" @127.0.0.1 "${q%/*}" "${q#*/}" \
			>"$NETNS_TMP/burst-$round-$i.out" 2>&1 &
		pids+=($!)
	done
	wait "${pids[@]}" || true
	for i in "${!burst[@]}"; do
		out=$NETNS_TMP/burst-$round-$i.out
		"$PYTHON" "$here/py/et_dns_answers.py" "$ZONE" --any-ttl --servfail-lost "${burst[i]}" <"$out" >"$out.check" ||
			{ cat "$out" "$out.check" >&2; fail "burst $round, ${burst[i]}: a wrong answer through unbound"; }
		if grep -q '^lost ' "$out.check"; then
			servfails=$((servfails + 1))
		else
			grep -q '^answered=1 ' "$out.check" || { cat "$out" >&2; fail "burst $round, ${burst[i]}: no answer"; }
		fi
	done
done
bad_cookie=$(($(xdpdns_stat "$SERVER_NS" "$SERVER_IF" tcp-bad-cookie) - bad_cookie_before))
expect_eq "$servfails" 0 "burst queries answered SERVFAIL by unbound (of 21)"
expect_eq "$bad_cookie" 0 "segments on reused connections dropped (tcp-bad-cookie)"
step "after the bursts, unbound still resolves every name"
# Every burst name resolves through the same unbound (from its cache or
# again from xdpdnsd).
for q in "${burst[@]}"; do
	resolve "${q%/*}" "${q#*/}"
done
resolve r1.wild.example.test A
stop_pid "$UNBOUND_PID" unbound
capture_stop "$cap"

udp_queries=$(capture_fields "$cap" "udp.dstport == 53 && dns.flags.response == 0" dns.qry.name)
expect_lines "$udp_queries" 0 "UDP queries to xdpdnsd with tcp-upstream: yes"
tcp_queries=$(capture_fields "$cap" "tcp.dstport == 53 && dns.flags.response == 0" dns.qry.name dns.qry.type)
printf '%s\n' "$tcp_queries"
for q in small.example.test www.example.test big4000.example.test; do
	expect_ge "$(grep -c "^$q|" <<<"$tcp_queries" || true)" 1 "TCP queries from unbound for $q"
done
rows=$(capture_fields "$cap" "tcp.srcport == 53" ip.dst tcp.dstport tcp.seq tcp.flags tcp.payload tcp.checksum.status)
"$PYTHON" "$here/py/et_tcp_streams.py" <<<"$rows" >"$NETNS_TMP/streams" ||
	{ cat "$NETNS_TMP/streams" >&2; fail "a TCP answer to unbound broke the sequence-space rule (see above)"; }
tail -n 1 "$NETNS_TMP/streams"
big=$(capture_fields "$cap" "tcp.srcport == 53 && dns.qry.name == big4000.example.test && dns.flags.response == 1" \
	dns.count.answers dns.flags.truncated)
expect_eq "$(sort -u <<<"$big")" "15|0" "xdpdnsd's TCP answer to unbound for big4000: answers|TC"

step "2. unbound with tcp-upstream: no"
cap2=$NETNS_TMP/client-udp.pcap
capture_start "$CLIENT_NS" "$CLIENT_IF" "$cap2" host "$SERVER_IP4" and port 53
show_on_failure "$cap2"
start_unbound no
resolve small.example.test A
stop_pid "$UNBOUND_PID" unbound
capture_stop "$cap2"
udp_small=$(capture_fields "$cap2" "udp.dstport == 53 && dns.qry.name == small.example.test" dns.qry.type)
expect_ge "$(grep -c . <<<"$udp_small" || true)" 1 "UDP queries from unbound for small.example.test"
udp_answers=$(capture_fields "$cap2" "udp.srcport == 53 && dns.qry.name == small.example.test && dns.flags.rcode == 0 && dns.a == 192.0.2.1" udp.checksum.status)
expect_ge "$(grep -c '^1$' <<<"$udp_answers" || true)" 1 "xdpdnsd's UDP answers to unbound (A 192.0.2.1, checksum good)"

step "counters"
expect_eq "$(xdpdns_stat "$SERVER_NS" "$SERVER_IF" d-tcp-unanswerable)" 0 "d-tcp-unanswerable"
expect_ge "$(xdpdns_stat "$SERVER_NS" "$SERVER_IF" d-tcp-answers)" 3 "d-tcp-answers"
kill -0 "$XDPDNSD_PID" 2>/dev/null || fail "xdpdnsd died during the test"
