#!/usr/bin/env bash
# Service addresses: xdpdns answers only on the addresses it is given and
# passes the service ports of every other address to the host stack.
# * The server veth carries two IPv4 and two IPv6 addresses: the first of
#   each (.1, ::1) for xdpdnsd (`--address`), the second (.3, ::3) for nsd,
#   listening on port 53 there, with its own zone whose small.example.test
#   A differs (198.51.100.99 instead of xdpdns' 192.0.2.1);
# * dig to a first address (UDP and +tcp) is answered by xdpdns (its
#   record; d-udp-answers / d-tcp-answers count it), dig to a second address
#   by nsd (its record), and the XDP counter pass-other-address counts the
#   passed frames while no xdpdns counter moves;
# * `xdpdnsctl set addresses all` (live) makes xdpdns answer the second
#   address too; setting the first addresses back hands it to nsd again;
# * xdpdnsd adopting an attachment keeps the attached set and logs that the
#   configured one differs.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export XDPDNS_NETNS_TAG=${XDPDNS_NETNS_TAG:-ad}
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"

ZONE=$XDPDNS_REPO/tools/zones/example.test.zone
XDPDNS_A=192.0.2.1      # small.example.test A in $ZONE
HOST_A=198.51.100.99    # small.example.test A in nsd's zone

require_cmds nsd nsd-checkconf dig ethtool nsenter "$PYTHON"
require_built "$XDPDNSD" "$XDPDNSCTL" "$XDP_PASS_OBJ"
netns_init
netns_pair_create

OURS4=$SERVER_IP4 OURS6=$SERVER_IP6
HOST4=$VETH_NET4.3 HOST6=$VETH_NET6::3
step "second addresses $HOST4 and $HOST6 on $SERVER_IF"
nsrun "$SERVER_NS" ip addr add "$HOST4/24" dev "$SERVER_IF"
nsrun "$SERVER_NS" ip addr add "$HOST6/64" dev "$SERVER_IF" nodad

step "nsd on $HOST4 and $HOST6 port 53 in the server namespace"
nsd_dir=$NETNS_TMP/nsd
mkdir -p "$nsd_dir"
cat >"$nsd_dir/example.test.zone" <<EOF
\$ORIGIN example.test.
\$TTL 300
@      IN SOA ns1 hostmaster 1 7200 3600 1209600 300
@      NS    ns1
ns1    A     $HOST4
small  A     $HOST_A
EOF
nsd_serve "$SERVER_NS" example.test "$nsd_dir/example.test.zone" "$HOST4" "$HOST6"

# answer ADDR [DIG-OPTIONS...]: the A record of small.example.test as ADDR
# answers it (dig from the client namespace, one try).
answer() {
	local addr=$1 out
	shift
	out=$(nsrun "$CLIENT_NS" dig +short +tries=1 +time=2 "$@" @"$addr" small.example.test A 2>&1) ||
		fail "dig $* @$addr failed: $out"
	printf '%s' "$out"
}

expect_eq "$(answer "$HOST4")" "$HOST_A" "nsd on $HOST4, asked from the client namespace"

OURS_COUNTERS=(udp-to-daemon tcp-syn-answered tcp-to-daemon tcp-fin-answered d-udp-answers d-tcp-answers)
snap_ours() {
	local c s=()
	for c in "${OURS_COUNTERS[@]}"; do s+=("$c=$(counter "$c")"); done
	printf '%s' "${s[*]}"
}

step "xdpdnsd on $SERVER_IF with --address $OURS4 --address $OURS6"
xdpdnsd_start "$SERVER_NS" "$SERVER_IF" --zone "$ZONE" --address "$OURS4" --address "$OURS6"
grep -q "service addresses $OURS4,$OURS6" "$XDPDNSD_LOG" ||
	fail "xdpdnsd log lacks the service addresses: $(cat "$XDPDNSD_LOG")"
expect_eq "$(xdpdnsctl_run "$SERVER_NS" get addresses --value --iface "$SERVER_IF")" "$OURS4,$OURS6" \
	"xdpdnsctl get addresses"

# ours ADDR PROTO: xdpdns answers (its record; its answer counter +1).
ours() {
	local addr=$1 proto=$2 before after opt=()
	[[ $proto == tcp ]] && opt=(+tcp)
	before=$(counter "d-$proto-answers")
	expect_eq "$(answer "$addr" "${opt[@]}")" "$XDPDNS_A" "$proto @$addr answered by xdpdns"
	after=$(counter "d-$proto-answers")
	expect_eq "$((after - before))" 1 "d-$proto-answers for $proto @$addr"
}

# host ADDR PROTO MIN: nsd answers (its record), pass-other-address grows by
# at least MIN, and no xdpdns counter moves.
host() {
	local addr=$1 proto=$2 min=$3 before after ours_before opt=()
	[[ $proto == tcp ]] && opt=(+tcp)
	before=$(counter pass-other-address)
	ours_before=$(snap_ours)
	expect_eq "$(answer "$addr" "${opt[@]}")" "$HOST_A" "$proto @$addr answered by the host's nsd"
	after=$(counter pass-other-address)
	expect_ge "$((after - before))" "$min" "pass-other-address for $proto @$addr"
	expect_eq "$(snap_ours)" "$ours_before" "xdpdns counters for $proto @$addr"
}

for fam in 4 6; do
	o=OURS$fam h=HOST$fam
	step "IPv$fam: ${!o} is xdpdns', ${!h} the host's"
	ours "${!o}" udp
	ours "${!o}" tcp
	# UDP: the query. TCP: at least SYN, ACK with the query, FIN.
	host "${!h}" udp 1
	host "${!h}" tcp 3
done
expect_eq "$(counter pass-udp-no-daemon)" 0 "pass-udp-no-daemon"

step "set addresses all: xdpdns answers the second addresses too"
xdpdnsctl_run "$SERVER_NS" set addresses all --iface "$SERVER_IF" || fail "xdpdnsctl set addresses all"
ours "$HOST4" udp
ours "$HOST6" tcp
step "set addresses back: the second addresses are the host's again"
xdpdnsctl_run "$SERVER_NS" set addresses "$OURS4,$OURS6" --iface "$SERVER_IF" ||
	fail "xdpdnsctl set addresses $OURS4,$OURS6"
host "$HOST4" udp 1
host "$HOST6" tcp 3
ours "$OURS6" udp

step "stop xdpdnsd; attach with xdpdnsctl (--address $OURS4 only), then xdpdnsd adopts"
kill -TERM "$XDPDNSD_PID"
for ((i = 0; i < 200; i++)); do
	kill -0 "$XDPDNSD_PID" 2>/dev/null || break
	sleep 0.05
done
kill -0 "$XDPDNSD_PID" 2>/dev/null && fail "xdpdnsd did not exit on SIGTERM"
expect_eq "$(xdp_prog_id "$SERVER_NS" "$SERVER_IF")" "" "XDP program after xdpdnsd exit"
xdpdns_attach "$SERVER_NS" "$SERVER_IF" --mode native --address "$OURS4" >/dev/null ||
	fail "xdpdnsctl attach --address $OURS4"
xdpdnsd_start "$SERVER_NS" "$SERVER_IF" --zone "$ZONE" --address "$OURS4" --address "$OURS6"
grep -q "keeping the attached service addresses ($OURS4); the configured ones ($OURS4,$OURS6) differ" \
	"$XDPDNSD_LOG" || fail "no warning about the differing addresses: $(cat "$XDPDNSD_LOG")"
expect_eq "$(xdpdnsctl_run "$SERVER_NS" get addresses --value --iface "$SERVER_IF")" "$OURS4" \
	"the attached set is kept"
ours "$OURS4" udp
# $OURS6 is not in the kept set: passed to the host, where nothing listens
# on port 53 of it (dig gets no xdpdns answer).
before=$(counter pass-other-address)
if out=$(nsrun "$CLIENT_NS" dig +short +tries=1 +time=1 @"$OURS6" small.example.test A 2>&1) &&
	[[ $out == "$XDPDNS_A" ]]; then
	fail "xdpdns answered $OURS6, which the kept set does not hold"
fi
expect_ge "$(($(counter pass-other-address) - before))" 1 "pass-other-address for udp @$OURS6"
