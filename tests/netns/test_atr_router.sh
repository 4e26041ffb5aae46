#!/usr/bin/env bash
# The ATR draft's scenario (draft-song-atr-large-resp-02): client -- router
# -- server, and the router drops IP fragments (nftables in its forward
# hook: IPv4 fragments, first ones included, and IPv6 packets with a
# Fragment header), IPv4 and IPv6:
# (a) `set atr.enabled off`: `dig +bufsize=4096 +tries=1 +timeout=3` for
#     big4000 (4,000 octets, fragmented) gets nothing and times out;
# (b) ATR on: dig takes the TC=1 follow-up, retries over TCP (stateless, in
#     XDP and the daemon) and gets the 15 records, all within 2.5 s (a
#     bound on behaviour, not a speed measurement: the timeout alone is
#     3 s; about 100 ms on an idle machine);
# (c) both for IPv6 as for IPv4;
# (d) unbound in the client namespace (stub zone example.test -> the
#     server, edns-buffer-size 4096, tcp-upstream no) resolves big4000
#     through the router with ATR on, over each family; with ATR off its
#     outcome and time are only recorded.
# The router's drop counters prove fragments were sent and dropped.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export XDPDNS_NETNS_TAG=${XDPDNS_NETNS_TAG:-e4}
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"

require_cmds tcpdump tshark ethtool nsenter nft dig unbound "$PYTHON"
require_built "$XDPDNSD" "$XDPDNSCTL" "$XDP_PASS_OBJ"
ZONE=$XDPDNS_REPO/tools/zones/example.test.zone
netns_init
netns_router_create

# start_xdpdnsd ARGS...: start_daemon with the example zone, udp.max-size
# raised so that answers up to the client's buffer go out whole (the
# default cap, 1232, would make big4000 TC=1 and nothing would fragment).
# shellcheck disable=SC2120
start_xdpdnsd() { start_daemon --zone "$ZONE" --set udp.max-size=65535 "$@"; }

knob() { xdpdns_set "$SERVER_NS" "$SERVER_IF" "$@" >/dev/null || fail "xdpdnsctl set $*"; }
# Milliseconds since boot (/proc/uptime, 10 ms steps): durations must not
# follow the wall clock, which NTP may step on a freshly booted machine.
now_ms() {
	local up
	read -r up _ </proc/uptime
	echo $((10#${up/./} * 10))
}

# drops FAMILY: packets the router's rule for FAMILY (v4|v6) dropped.
drops() {
	nsrun "$ROUTER_NS" nft list counter inet e4_fragdrop "$1" |
		sed -n 's/.*packets \([0-9]*\) .*/\1/p'
}

step "router $ROUTER_NS: drop every IP fragment it forwards"
nsrun "$ROUTER_NS" nft -f - <<'EOF'
table inet e4_fragdrop {
	counter v4 { }
	counter v6 { }
	chain forward {
		type filter hook forward priority 0; policy accept;
		# non-first fragments, then first fragments (MF set)
		ip frag-off & 0x1fff != 0 counter name "v4" drop
		ip frag-off & 0x2000 != 0 counter name "v4" drop
		exthdr frag exists counter name "v6" drop
	}
}
EOF

step "start xdpdnsd on $SERVER_IF"
start_xdpdnsd
expect_eq "$(xdpdnsctl_run "$SERVER_NS" get atr.enabled --value --iface "$SERVER_IF")" on "atr.enabled default"

cap=$NETNS_TMP/client.pcap
capture_start "$CLIENT_NS" "$CLIENT_IF" "$cap" ip or ip6
show_on_failure "$cap"

# dig_big ADDR: dig for big4000 over UDP with a 4,096-octet buffer; sets
# DIG_OUT, DIG_STATUS and DIG_MS.
dig_big() {
	local t0
	t0=$(now_ms)
	DIG_STATUS=0
	DIG_OUT=$(nsrun "$CLIENT_NS" dig +bufsize=4096 +tries=1 +timeout=3 @"$1" big4000.example.test TXT 2>&1) ||
		DIG_STATUS=$?
	DIG_MS=$(($(now_ms) - t0))
}

for fam in v4 v6; do
	if [[ $fam == v4 ]]; then addr=$SERVER_IP4; else addr=$SERVER_IP6; fi

	step "($fam a) atr.enabled off: dig @$addr big4000 times out (fragments dropped)"
	knob atr.enabled off
	drops0=$(drops "$fam")
	dig_big "$addr"
	printf '%s\n' "$DIG_OUT" | grep -E 'timed out|no servers|Truncated|ANSWER' || true
	[[ $DIG_STATUS -ne 0 ]] || fail "dig @$addr got an answer through a router that drops fragments: $DIG_OUT"
	grep -q 'timed out' <<<"$DIG_OUT" || fail "dig @$addr failed, but not by timing out: $DIG_OUT"
	echo "ok: dig failed (exit $DIG_STATUS) after $DIG_MS ms"
	expect_ge "$(($(drops "$fam") - drops0))" 3 "$fam fragments dropped by the router"

	step "($fam b) atr.enabled on: dig takes the TC=1 follow-up and retries over TCP"
	knob atr.enabled on
	tcp0=$(counter d-tcp-answers) atr0=$(counter atr-sent) drops0=$(drops "$fam")
	dig_big "$addr"
	printf '%s\n' "$DIG_OUT" | grep -E 'Truncated|status:|ANSWER:|SERVER:|MSG SIZE|Query time' || true
	[[ $DIG_STATUS -eq 0 ]] || fail "dig @$addr failed with ATR on: $DIG_OUT"
	grep -q ';; Truncated, retrying in TCP mode.' <<<"$DIG_OUT" || fail "dig @$addr did not retry over TCP: $DIG_OUT"
	grep -q 'status: NOERROR' <<<"$DIG_OUT" || fail "dig @$addr: not NOERROR: $DIG_OUT"
	grep -q 'ANSWER: 15,' <<<"$DIG_OUT" || fail "dig @$addr: not 15 records: $DIG_OUT"
	grep -q '^;; SERVER: .*(TCP)$' <<<"$DIG_OUT" || fail "dig @$addr: final answer not over TCP: $DIG_OUT"
	# 4,000 octets and our COOKIE option (28: dig sends a client cookie, and
	# the TC=1 follow-up that made it retry carried none).
	grep -q 'MSG SIZE  rcvd: 4028$' <<<"$DIG_OUT" || fail "dig @$addr: not 4,000 octets and a cookie: $DIG_OUT"
	# About 100 ms on an idle machine; the bound only has to stay below
	# dig's 3 s timeout (the follow-up, not a timeout, made dig retry) with
	# room for a busy CPU.
	((DIG_MS < 2500)) || fail "dig @$addr took $DIG_MS ms with ATR (expected well under dig's 3 s timeout)"
	echo "ok: full answer over TCP after the follow-up, $DIG_MS ms in all (< 2500)"
	expect_ge "$(($(drops "$fam") - drops0))" 3 "$fam fragments dropped by the router"
	expect_eq "$(($(counter atr-sent) - atr0))" 1 "atr-sent"
	expect_eq "$(($(counter d-tcp-answers) - tcp0))" 1 "d-tcp-answers"
done
capture_stop "$cap"

step "the client saw a TC=1 follow-up for each ATR query and no fragment at all"
tc=$(capture_fields "$cap" "udp.srcport == 53 && dns.flags.truncated == 1 && dns.qry.name == \"big4000.example.test\"" dns.id)
expect_lines "$tc" 2 "TC=1 follow-ups at the client"
expect_lines "$(capture_fields "$cap" "ip.flags.mf == 1 || ip.frag_offset > 0 || ipv6.fraghdr" frame.number)" 0 \
	"fragments at the client"

# unbound_run FAMILY ADDR PORT: a fresh unbound (empty cache) in the client
# namespace with the server as stub; resolves big4000 once; sets UB_OUT,
# UB_STATUS, UB_MS.
unbound_run() {
	local fam=$1 addr=$2 port=$3 conf=$NETNS_TMP/unbound-$1-$3.conf i pid
	cat >"$conf" <<EOF
server:
	verbosity: 1
	interface: 127.0.0.1@$port
	port: $port
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$NETNS_TMP"
	pidfile: "$NETNS_TMP/unbound-$fam-$port.pid"
	use-syslog: no
	logfile: "$NETNS_TMP/unbound-$fam-$port.log"
	access-control: 127.0.0.0/8 allow
	num-threads: 1
	so-reuseport: no
	module-config: "iterator"
	qname-minimisation: no
	target-fetch-policy: "0 0 0 0 0"
	do-not-query-localhost: no
	edns-buffer-size: 4096
	tcp-upstream: no
	do-ip4: yes
	do-ip6: yes
	# "test." is a special-use name unbound answers itself by default.
	local-zone: "test." nodefault
remote-control:
	control-enable: no
stub-zone:
	name: "example.test"
	stub-addr: $addr
	stub-prime: no
EOF
	nsbg "$CLIENT_NS" unbound -d -c "$conf"
	pid=$NSBG_PID
	for ((i = 0; i < 50; i++)); do
		nsrun "$CLIENT_NS" dig +time=1 +tries=1 @127.0.0.1 -p "$port" +short version.bind TXT CH >/dev/null 2>&1 && break
		kill -0 "$pid" 2>/dev/null || { cat "$NETNS_TMP/unbound-$fam-$port.log" >&2; fail "unbound exited at start"; }
		sleep 0.1
	done
	local t0
	t0=$(now_ms)
	UB_STATUS=0
	UB_OUT=$(nsrun "$CLIENT_NS" dig +tcp +tries=1 +timeout=10 @127.0.0.1 -p "$port" big4000.example.test TXT 2>&1) ||
		UB_STATUS=$?
	UB_MS=$(($(now_ms) - t0))
	kill "$pid" 2>/dev/null || true
	for ((i = 0; i < 40; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
}

port=5301
for fam in v4 v6; do
	if [[ $fam == v4 ]]; then addr=$SERVER_IP4; else addr=$SERVER_IP6; fi
	step "($fam d) unbound with stub $addr resolves big4000 through the router, ATR on"
	tcp0=$(counter d-tcp-answers) atr0=$(counter atr-sent) drops0=$(drops "$fam")
	unbound_run "$fam" "$addr" $((port++))
	printf '%s\n' "$UB_OUT" | grep -E 'status:|ANSWER:|MSG SIZE' || true
	[[ $UB_STATUS -eq 0 ]] || fail "dig to unbound failed: $UB_OUT"
	grep -q 'status: NOERROR' <<<"$UB_OUT" || fail "unbound: not NOERROR: $UB_OUT"
	grep -q 'ANSWER: 15,' <<<"$UB_OUT" || fail "unbound: not 15 records: $UB_OUT"
	echo "ok: unbound resolved big4000 over $fam in $UB_MS ms"
	expect_ge "$(($(drops "$fam") - drops0))" 3 "$fam fragments dropped by the router"
	expect_ge "$(($(counter atr-sent) - atr0))" 1 "atr-sent"
	expect_ge "$(($(counter d-tcp-answers) - tcp0))" 1 "d-tcp-answers (unbound's TCP retry)"
done

knob atr.enabled off
for fam in v4 v6; do
	if [[ $fam == v4 ]]; then addr=$SERVER_IP4; else addr=$SERVER_IP6; fi
	step "($fam d, record only) unbound with stub $addr, ATR off"
	unbound_run "$fam" "$addr" $((port++))
	if [[ $UB_STATUS -eq 0 ]] && grep -q 'ANSWER: 15,' <<<"$UB_OUT"; then
		echo "record: ATR off, $fam: unbound resolved big4000 in $UB_MS ms (its own fallback)"
	else
		echo "record: ATR off, $fam: unbound failed after $UB_MS ms: $(grep -E 'status:|timed out' <<<"$UB_OUT" | head -1)"
	fi
done
