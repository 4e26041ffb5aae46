#!/usr/bin/env bash
# `kdig +tcp +keepopen` and `dig +tcp +keepopen` with many names (100) on
# one command line, straight against xdpdnsd (zone backend, default knobs:
# tcp.reuse on), IPv4 and IPv6 (issue 8, item 3). Both clients send every
# name on one TCP connection, one after the other, each once the previous
# answer is in (no pipelining). First the same against NSD (kernel TCP) on
# the same zone, which proves the checks pass for a server that keeps
# connections open.
#
# Asserted, per server, client and address family:
# * every name answered NOERROR with the zone's data (et_dns_answers.py
#   --all), and the client complained about nothing: no "can't receive
#   reply" (kdig) and no "communications error ... end of file" (dig's
#   retry on a new connection);
# * one TCP connection (one SYN from the client) carried all of them;
# * in the client's capture, no two answers overlap in sequence space, no
#   hole before a FIN, no RST, every TCP checksum good (et_tcp_streams.py;
#   NSD's checksums are not checked: the kernel's segments may carry
#   partial checksums on a veth, which tshark cannot verify).
#
# Before connection reuse, xdpdns closed after each answer and dropped the
# next query (tests/netns/test_kdig_tcp.sh describes what the clients do
# then): kdig lost every second name, dig answered every name but each one
# after the first on a new connection after an end-of-file.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export XDPDNS_NETNS_TAG=${XDPDNS_NETNS_TAG:-ko}
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"

require_cmds kdig dig nsd nsd-checkconf tcpdump tshark ethtool nsenter "$PYTHON"
"$PYTHON" -c 'import dns.zone' 2>/dev/null || skip "missing python3-dnspython"
require_built "$XDPDNSD" "$XDPDNSCTL" "$XDP_PASS_OBJ"
NAMES=${KO_NAMES:-100}
netns_init
netns_pair_create

# The resolver tests' zone generator: A, AAAA, small and 650-1,000-octet
# TXT answers (2 or 3 segments of 512), CNAMEs and chains of two.
ZONE=$NETNS_TMP/rt.test.zone
"$PYTHON" "$here/py/rt_zone.py" rt.test "$NAMES" "$ZONE" "$NETNS_TMP/queries.txt"
mapfile -t specs < <(awk '{ print $1 "/" $2 }' "$NETNS_TMP/queries.txt")
mapfile -t qargs < <(awk '{ print $1; print $2 }' "$NETNS_TMP/queries.txt")
expect_eq "${#specs[@]}" "$NAMES" "names on the command line"

# keepopen_check SERVER WHAT ADDR CLIENT-COMMAND...: runs the client with
# every name, checks its output and its one connection.
keepopen_check() {
	local server=$1 what="$1: $2" addr=$3 out=$NETNS_TMP/client.out cap=$NETNS_TMP/$RANDOM.pcap
	shift 3
	step "$what @$addr, $NAMES names"
	capture_start "$CLIENT_NS" "$CLIENT_IF" "$cap" -B 16384 tcp port 53
	nsrun "$CLIENT_NS" "$@" >"$out" 2>&1 || true
	capture_stop "$cap"
	if ! "$PYTHON" "$here/py/et_dns_answers.py" "$ZONE" "${specs[@]}" <"$out" >"$out.check"; then
		grep -v '^ok ' "$out.check" | head -n 20
		fail "$what @$addr: a wrong answer (see above)"
	fi
	local summary answered lost
	summary=$(tail -n 1 "$out.check")
	echo "${summary:0:200}"
	answered=$(sed -n 's/^answered=\([0-9]*\).*/\1/p' <<<"$summary")
	lost=$(sed -n 's/.*lost-warnings=\([0-9]*\).*/\1/p' <<<"$summary")
	grep -m 3 -E "can't receive reply|communications error|timed out" "$out" || true

	local syns rows nsd=0
	[[ $server == nsd ]] && nsd=1
	syns=$(capture_fields "$cap" "tcp.dstport == 53 && tcp.flags.syn == 1 && tcp.flags.ack == 0" tcp.srcport tcp.seq | sort -u)
	rows=$(capture_fields "$cap" "tcp.srcport == 53" ip.dst tcp.dstport tcp.seq tcp.flags tcp.payload \
		tcp.checksum.status ipv6.dst | awk -F'|' -v nsd="$nsd" '
		BEGIN { OFS = "|" } { if ($1 == "") $1 = $7; if (nsd) $6 = 1; NF = 6; print }')
	"$PYTHON" "$here/py/et_tcp_streams.py" <<<"$rows" >"$NETNS_TMP/streams" ||
		{ cat "$NETNS_TMP/streams" >&2; fail "$what @$addr: a connection broke the sequence-space rule (see above)"; }
	tail -n 1 "$NETNS_TMP/streams"
	check "$answered|$lost" "$NAMES|0" "$what @$addr: names answered with the zone's data|client warnings"
	check "$(grep -c . <<<"$syns" || true)" 1 "$what @$addr: connections (SYNs from the client)"
	rm -f "$cap"
}

# check ACTUAL EXPECTED WHAT: as expect_eq, but every client runs before
# the test fails, so one run shows every outcome.
FAILED=()
check() {
	if [[ $1 == "$2" ]]; then
		printf 'ok: %s = %s\n' "$3" "$1"
	else
		printf 'FAILED: %s: expected %s, got %s\n' "$3" "$2" "$1"
		FAILED+=("$3")
	fi
}

clients() {
	local server=$1 addr
	for addr in "$SERVER_IP4" "$SERVER_IP6"; do
		keepopen_check "$server" "kdig +tcp +keepopen" "$addr" \
			kdig +tcp +keepopen +timeout=2 +retry=0 @"$addr" "${qargs[@]}"
		keepopen_check "$server" "dig +tcp +keepopen" "$addr" \
			dig +tcp +keepopen +time=2 +tries=2 @"$addr" "${qargs[@]}"
	done
}

step "reference: NSD"
nsd_serve "$SERVER_NS" rt.test "$ZONE" "$SERVER_IP4" "$SERVER_IP6"
clients nsd
stop_pid "$NSD_PID" nsd
((${#FAILED[@]} == 0)) || fail "the checks fail against NSD too: $(printf '%s; ' "${FAILED[@]}")"

step "xdpdnsd"
start_daemon --zone "$ZONE"
clients xdpdns
kill -0 "$DAEMON_PID" 2>/dev/null || fail "xdpdnsd died during the test"
((${#FAILED[@]} == 0)) || fail "${#FAILED[@]} check(s) failed: $(printf '%s; ' "${FAILED[@]}")"
