#!/usr/bin/env bash
# An anycast fleet: two xdpdns servers (A, B) share one service address
# (VIP) behind a router whose route to it is ECMP over both (L4 hash,
# fib_multipath_hash_policy 1), and one fleet key file. The hosts' kernels
# have different TAI offsets: 37 s for A, 0 for B. The offset is one per
# kernel, so it is set before each daemon starts and, in (a), before each
# server makes or checks a cookie (then both daemons have republished their
# epoch, which they do at least once a second), and put back at exit. With
# cookie.epoch 16 s an epoch taken from CLOCK_TAI would put A two or three
# epochs ahead of B, and neither would accept the other's cookies. The
# epoch comes from CLOCK_REALTIME, so:
# (a) stateless (tcp.reuse off), steered with routes on the router: a SYN
#     answered by A at offset 37 and the ACK + query sent to B at offset 0
#     is answered by B (answer at cookie + 1, then FIN); and the reverse;
# (b) tcp.reuse on, a connection whose state lives on A: its second query,
#     sent to B, gets an RST at once (seq = the segment's ack);
# (c) `dig +tcp` and `kdig +tcp` through the router (15 each, tcp.reuse
#     off, then the same with it on), while a loop flips the router's hash policy (0/1) and its nexthop
#     set (both, A only, B only) every 50 ms: every query is answered
#     correctly; both servers took handshakes. Retries the tools make by
#     themselves are counted and shown (none expected).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export XDPDNS_NETNS_TAG=${XDPDNS_NETNS_TAG:-af}
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"

require_cmds dig kdig nsenter nft "$PYTHON"
require_built "$XDPDNSD" "$XDPDNSCTL" "$XDP_PASS_OBJ"
ZONE=$XDPDNS_REPO/tools/zones/example.test.zone
TAI=("$PYTHON" "$here/py/tai_offset.py")
netns_init

TAI0=$("${TAI[@]}") || skip "cannot read the kernel's TAI offset (adjtimex)"
"${TAI[@]}" "$TAI0" 2>/dev/null || skip "cannot set the kernel's TAI offset (CAP_SYS_TIME)"
# The offset is the whole machine's: put it back whatever happens.
_fleet_exit() {
	local status=$?
	if [[ ${_NETNS_OWNER:-} == "$BASHPID" ]]; then
		"${TAI[@]}" "$TAI0" >/dev/null 2>&1 || echo "error: could not restore the TAI offset $TAI0" >&2
	fi
	(exit "$status")
	_netns_exit_trap 2>/dev/null
}
trap _fleet_exit EXIT

step "client -- router -- servers A and B (ECMP to the VIP)"
n=$_NETNS_LINKS
_NETNS_LINKS=$((n + 3))
base="${XDPDNS_NETNS_TAG}-${_NETNS_OWNER}-$n"
ifb="${XDPDNS_NETNS_TAG}$(_netns_pid_hex)$n"
CLIENT_NS=${base}c ROUTER_NS=${base}r A_NS=${base}a B_NS=${base}b
CLIENT_IF=${ifb}c RC_IF=${ifb}rc RA_IF=${ifb}ra RB_IF=${ifb}rb A_IF=${ifb}a B_IF=${ifb}b
for ns in "$CLIENT_NS" "$ROUTER_NS" "$A_NS" "$B_NS"; do netns_add "$ns"; done
nsrun "$ROUTER_NS" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.fib_multipath_hash_policy=1
netns_veth "$ROUTER_NS" "$RC_IF" "$CLIENT_NS" "$CLIENT_IF" "$n"
c4=$VETH_NET4
netns_veth "$ROUTER_NS" "$RA_IF" "$A_NS" "$A_IF" "$((n + 1))"
a4=$VETH_NET4
netns_veth "$ROUTER_NS" "$RB_IF" "$B_NS" "$B_IF" "$((n + 2))"
b4=$VETH_NET4
CLIENT_IP=$c4.2
VIP="10.199.$((_NETNS_OWNER % 250)).53"
nsrun "$CLIENT_NS" ip route add default via "$c4.1"
for s in "A $A_NS $a4" "B $B_NS $b4"; do
	set -- $s
	nsrun "$2" ip addr add "$VIP/32" dev lo
	nsrun "$2" ip route add default via "$3.1"
done
# XDP_TX and AF_XDP frames of the servers reach the router only if its
# veth ends run an XDP program.
netns_attach_xdp_pass "$ROUTER_NS" "$RA_IF"
netns_attach_xdp_pass "$ROUTER_NS" "$RB_IF"
ECMP=(nexthop via "$a4.2" dev "$RA_IF" nexthop via "$b4.2" dev "$RB_IF")
nsrun "$ROUTER_NS" ip route add "$VIP/32" "${ECMP[@]}"
CLIENT_MAC=$(_netns_mac "$CLIENT_NS" "$CLIENT_IF")
ROUTER_MAC=$(_netns_mac "$ROUTER_NS" "$RC_IF")
drop_client_rsts

key=$NETNS_TMP/fleet.key
od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$key"
echo >>"$key"
DAEMON_ARGS=(--zone "$ZONE" --fleet-key "$key" --set cookie.epoch=16 --set tcp.reuse=off)

step "server A started with the TAI offset at 37 s, server B at 0"
"${TAI[@]}" 37
xdpdnsd_start "$A_NS" "$A_IF" "${DAEMON_ARGS[@]}"
A_PID=$XDPDNSD_PID
"${TAI[@]}" 0
xdpdnsd_start "$B_NS" "$B_IF" "${DAEMON_ARGS[@]}"
B_PID=$XDPDNSD_PID
echo "ok: both serve; CLOCK_TAI - CLOCK_REALTIME was 37 s for A's start, 0 for B's"

# stats NS IFACE NAME...: the counters' values, one line, one call.
stats() {
	local ns=$1 ifc=$2
	shift 2
	xdpdnsctl_run "$ns" stats "$ifc" --json | "$PYTHON" -c '
import json, sys
c = json.load(sys.stdin)["interfaces"][sys.argv[1]]
print(" ".join(str(c["daemon" if n.startswith("d-") else "xdp"][n]) for n in sys.argv[2:]))' "$ifc" "$@" ||
		fail "xdpdnsctl stats $ifc"
}
COUNTERS=(tcp-syn-answered tcp-answered tcp-to-daemon tcp-rst-sent)
# deltas BEFORE_A BEFORE_B: "A: syn queries rst | B: syn queries rst" since then.
snapshot() { echo "$(stats "$A_NS" "$A_IF" "${COUNTERS[@]}") $(stats "$B_NS" "$B_IF" "${COUNTERS[@]}")"; }
deltas() {
	local -a was now
	read -ra was <<<"$1"
	read -ra now <<<"$(snapshot)"
	echo "A: $((now[0] - was[0])) $((now[1] + now[2] - was[1] - was[2])) $((now[3] - was[3]))" \
		"| B: $((now[4] - was[4])) $((now[5] + now[6] - was[5] - was[6])) $((now[7] - was[7]))"
}
route() { echo "nsenter --net=/var/run/netns/$ROUTER_NS ip route replace $VIP/32 via $1 dev $2"; }
knob() {  # the shell command that sets KNOB VALUE on both servers
	echo "nsenter --net=/var/run/netns/$A_NS $XDPDNSCTL set --iface $A_IF $1 $2 >/dev/null &&" \
		"nsenter --net=/var/run/netns/$B_NS $XDPDNSCTL set --iface $B_IF $1 $2 >/dev/null"
}
to_a=$(route "$a4.2" "$RA_IF") to_b=$(route "$b4.2" "$RB_IF")
# tai SECONDS: the shell command that gives "this host" that TAI offset and
# waits until both daemons have published their epoch again (they do at
# least once a second): the server that makes a cookie and the one that
# checks it then see different offsets, as two hosts would.
tai() { echo "${TAI[*]} $1 && sleep 1.5"; }

step "(a) stateless: SYN answered by A (TAI offset 37), the query by B (0); the reverse; (b) tcp.reuse on: state on A, next query on B"
was=$(snapshot)
nsrun "$CLIENT_NS" "$PYTHON" "$here/py/fleet_handover.py" "$CLIENT_IF" "$CLIENT_MAC" "$ROUTER_MAC" "$CLIENT_IP" "$VIP" \
	40001 stateless "$(tai 37) && $to_a" "$(tai 0) && $to_b" \
	40002 stateless "$(tai 0) && $to_b" "$(tai 37) && $to_a" \
	40003 reuse "$(knob tcp.reuse on) && $to_a" "$to_b" || fail "hand-over between the servers"
# SYN-ACKs: A for 40001 and 40003, B for 40002; queries: B took 40001's,
# A 40002's and 40003's first; B sent the RST for 40003's second.
expect_eq "$(deltas "$was")" "A: 2 2 0 | B: 1 1 1" "counters (SYN-ACKs, queries taken, RSTs) per server"
nsrun "$ROUTER_NS" ip route replace "$VIP/32" "${ECMP[@]}"

step "(c) dig +tcp and kdig +tcp while the router's hash policy and nexthops flip"
(
	trap - EXIT INT TERM HUP
	routes=("${ECMP[*]}" "via $a4.2 dev $RA_IF" "via $b4.2 dev $RB_IF")
	i=0
	while :; do
		# One process per flip: the route, then the hash policy.
		nsenter --net="/var/run/netns/$ROUTER_NS" sh -c \
			"ip route replace $VIP/32 ${routes[i % 3]} && echo $((i / 3 % 2)) >/proc/sys/net/ipv4/fib_multipath_hash_policy" 2>/dev/null
		i=$((i + 1))
		sleep 0.05
	done
) &
_NETNS_PIDS+=("$!")
flipper=$!
was=$(snapshot)
answered=0 retries=0 total=0 QUERIES=${FLEET_QUERIES:-15} t0=$SECONDS
for reuse in off on; do
	eval "$(knob tcp.reuse "$reuse")" || fail "set tcp.reuse $reuse"
	for ((i = 0; i < QUERIES; i++)); do
		for tool in dig kdig; do
			total=$((total + 1))
			if [[ $tool == dig ]]; then
				out=$(nsrun "$CLIENT_NS" dig +tcp +tries=2 +timeout=2 @"$VIP" small.example.test A 2>&1) || true
				retry_re=';; (communications error|connection timed out)'
			else
				out=$(nsrun "$CLIENT_NS" kdig +tcp +retry=1 +timeout=2 @"$VIP" small.example.test A 2>&1) || true
				retry_re=';; WARNING'
			fi
			if grep -Eq "$retry_re" <<<"$out"; then
				retries=$((retries + 1))
				echo "retry by $tool (tcp.reuse $reuse): $(grep -E "$retry_re" <<<"$out" | head -2)"
			fi
			if grep -q 'status: NOERROR' <<<"$out" && grep -Eq '^small\.example\.test\.\s+[0-9]+\s+IN\s+A\s+192\.0\.2\.1$' <<<"$out"; then
				answered=$((answered + 1))
			else
				echo "$out" >&2
				fail "$tool +tcp (tcp.reuse $reuse, query $i): no correct answer"
			fi
		done
	done
done
kill "$flipper" 2>/dev/null || true
expect_eq "$answered/$total" "$total/$total" "queries answered through the flipping router ($((SECONDS - t0)) s)"
expect_eq "$retries" 0 "retries the tools made by themselves"
read -r _ da _ _ _ _ db _ _ <<<"$(deltas "$was")"
echo "handshakes: A $da, B $db"
((da > 0 && db > 0)) || fail "the flips did not spread the connections over both servers (A $da, B $db)"
kill -0 "$A_PID" 2>/dev/null && kill -0 "$B_PID" 2>/dev/null || fail "a daemon died"
echo "PASS: the fleet validates each other's cookies across TAI offsets and answers through ECMP flips"
