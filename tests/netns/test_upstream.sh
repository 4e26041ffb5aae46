#!/usr/bin/env bash
# xdpdnsd's upstream backend in front of NSD:
#
#   client --veth-- server (xdpdnsd, XDP on this veth only) --veth-- upstream (nsd)
#
# The server namespace reaches NSD over its second veth with kernel sockets;
# NSD serves tools/zones/example.test.zone with an EDNS size of 1232, so its
# UDP answer for big4000 is truncated (checked first).
# 1. xdpdnsd --upstream NSD-IPv4: dig over UDP (+bufsize=4096) and +tcp, IPv4
#    and IPv6 clients, for answers, CNAME, MX, AAAA, NXDOMAIN, NODATA,
#    big1200 and big4000: status, flags and records equal NSD's own answer
#    (asked from the server namespace). With udp.max-size raised to 65535
#    (the default, 1232, would truncate it): big4000 comes whole to both UDP and
#    TCP clients after xdpdnsd's TCP retry to NSD (d-upstream-tcp, one per
#    big4000 query). In the client capture, every TCP answer has Huston's
#    shape: SYN-ACK, a bare ACK of the query at once, then the train and FIN
#    (et_tcp_streams.py --ack-first), and nothing overlaps or is corrupt.
#    Then 40 queries: at NSD they come from at least 8 distinct source
#    ports (the pool of random ports); stray datagrams sent to three of
#    them count in d-upstream-mismatched.
# 2. NSD killed: SERVFAIL over UDP and TCP well within the client's time-out
#    (--upstream-timeout 300ms), d-upstream-servfail counts each.
# 3. NSD back, xdpdnsd restarted with two upstreams, the first a black hole
#    (its port dropped in the upstream namespace), the second NSD over IPv6
#    ([ADDR] form): every query answered as NSD answers, and
#    d-upstream-timeout shows the first was tried.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export XDPDNS_NETNS_TAG=${XDPDNS_NETNS_TAG:-et}
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"

require_cmds tcpdump tshark ethtool nsenter nft dig nsd nsd-checkconf "$PYTHON"
require_built "$XDPDNSD" "$XDPDNSCTL" "$XDP_PASS_OBJ"
ZONE=$XDPDNS_REPO/tools/zones/example.test.zone
netns_init
netns_pair_create

step "upstream namespace behind the server"
netns_upstream_create

# Answers above 1232 octets go out TC=1 over UDP, whatever the client's EDNS
# size: xdpdnsd must retry them over TCP.
nsd_start() {
	NSD_OPTIONS=$'ipv4-edns-size: 1232\nipv6-edns-size: 1232' \
		nsd_serve "$UP_NS" example.test "$ZONE" "$UP4" "$UP6"
}

# The worker copies the upstream backend's counters (d-upstream-*) into the
# shared row once per loop, before handling a batch: up to 100 ms late.
ustat() {
	sleep 0.25
	counter "$1"
}

# compare NAME TYPE CLIENT-ADDR DIG-OPTIONS...: dig through xdpdns from the
# client, and directly to NSD from the server namespace the way xdpdnsd asks
# it (UDP, EDNS 4096, TCP after TC=1): the same answer. (NSD fills its
# 1232-octet UDP answers with what fits, e.g. big1200 loses its glue, which
# it would carry over TCP; xdpdnsd retries over TCP only after TC=1.)
compare() {
	local name=$1 type=$2 addr=$3
	shift 3
	local via=$NETNS_TMP/via.out direct=$NETNS_TMP/direct.out what="$name $type @$addr $*"
	nsrun "$CLIENT_NS" dig +time=3 +tries=1 "$@" @"$addr" "$name" "$type" >"$via" 2>&1 || true
	nsrun "$SERVER_NS" dig +time=3 +tries=1 +bufsize=4096 @"$UP4" "$name" "$type" >"$direct" 2>&1 || true
	if ! "$PYTHON" "$here/py/et_dig_compare.py" "$via" "$direct" >"$via.cmp"; then
		cat "$via.cmp" "$via" >&2
		fail "$what: xdpdns and NSD answer differently"
	fi
	printf 'ok: %s: %s\n' "$what" "$(cat "$via.cmp")"
}

nsd_start
step "precondition: NSD truncates big4000 over UDP even for a 4096-octet buffer"
direct=$(nsrun "$SERVER_NS" dig +ignore +bufsize=4096 +time=2 +tries=1 @"$UP4" big4000.example.test TXT)
grep -q '^;; flags: qr aa tc' <<<"$direct" || { echo "$direct" >&2; fail "NSD did not set TC=1 for big4000"; }
echo "ok: NSD answers big4000 over UDP with TC=1"

step "1. xdpdnsd --upstream $UP4 --upstream-timeout 300ms"
start_daemon --upstream "$UP4" --upstream-timeout 300ms --set udp.max-size=65535
cap=$NETNS_TMP/client.pcap
capture_start "$CLIENT_NS" "$CLIENT_IF" "$cap" port 53
show_on_failure "$cap"

queries=(small.example.test/A www.example.test/A mx.example.test/MX small.example.test/AAAA
	nothere.example.test/A small.example.test/MX big1200.example.test/TXT big4000.example.test/TXT)
tcp_before=$(ustat d-upstream-tcp)
for addr in "$SERVER_IP4" "$SERVER_IP6"; do
	for q in "${queries[@]}"; do
		compare "${q%/*}" "${q#*/}" "$addr" +bufsize=4096
		compare "${q%/*}" "${q#*/}" "$addr" +tcp
	done
done
expect_eq "$(($(ustat d-upstream-tcp) - tcp_before))" 4 \
	"d-upstream-tcp: one TCP retry to NSD per big4000 query (2 families x UDP/TCP)"

step "big4000 whole at the client: 15 TXT records, no TC"
for opt in +bufsize=4096 +tcp; do
	out=$(nsrun "$CLIENT_NS" dig +ignore +time=3 +tries=1 $opt @"$SERVER_IP4" big4000.example.test TXT)
	grep -q '^;; flags: qr aa rd;' <<<"$out" || { echo "$out" >&2; fail "big4000 $opt: flags not 'qr aa rd'"; }
	expect_eq "$(grep -c '^big4000\.example\.test\..*TXT' <<<"$out" || true)" 15 "big4000 $opt: TXT records"
done

step "capture: Huston's shape on every TCP connection, no overlap, no RST"
capture_stop "$cap"
rows=$(capture_fields "$cap" "tcp.srcport == 53" ip.dst tcp.dstport tcp.seq tcp.flags tcp.payload \
	tcp.checksum.status tcp.ack ipv6.dst | awk -F'|' 'BEGIN { OFS = "|" } { if ($1 == "") $1 = $8; NF = 7; print }')
"$PYTHON" "$here/py/et_tcp_streams.py" --ack-first <<<"$rows" >"$NETNS_TMP/streams" ||
	{ cat "$NETNS_TMP/streams" >&2; fail "a TCP answer broke the shape or the sequence-space rule (see above)"; }
tail -n 1 "$NETNS_TMP/streams"
expect_eq "$(sed -n 's/^connections=[0-9]* answers=\([0-9]*\)$/\1/p' "$NETNS_TMP/streams")" 17 \
	"TCP answers in the capture (16 compared + big4000 +tcp)"

step "1b. upstream queries leave from a pool of random source ports"
# 40 names in one dig run through xdpdns; NSD's side of the link shows which
# source ports xdpdnsd's queries came from (16 sockets per family per worker
# by default, one picked at random per query).
upcap=$NETNS_TMP/upstream.pcap
capture_start "$UP_NS" "$UP_IF" "$upcap" udp dst port 53
names=()
for i in $(seq 1 40); do names+=("p$i.example.test" A); done
out=$(nsrun "$CLIENT_NS" dig +time=3 +tries=1 @"$SERVER_IP4" "${names[@]}")
expect_eq "$(grep -c 'status: NXDOMAIN' <<<"$out" || true)" 40 "NXDOMAIN answers for p1..p40.example.test"
capture_stop "$upcap"
sources=$(capture_fields "$upcap" "dns.qry.name matches \"^p[0-9]+[.]example[.]test$\"" udp.srcport)
expect_lines "$sources" 40 "queries from xdpdnsd to NSD for p1..p40"
distinct=$(sort -u <<<"$sources" | wc -l)
# 40 random picks over 16 sockets: at least 8 distinct ports unless the pick
# is broken (the chance is far below 1e-9).
expect_ge "$distinct" 8 "distinct source ports of 40 upstream queries"
# Stray datagrams to three of those ports (a DNS header whose ID no query
# waits for) are read, counted and never taken as answers.
srv_up4=${UP4%.*}.1
mismatched_before=$(ustat d-upstream-mismatched)
for port in $(sort -u <<<"$sources" | head -n 3); do
	nsrun "$UP_NS" bash -c "printf '\\xbe\\xef\\x81\\x80\\0\\0\\0\\0\\0\\0\\0\\0' >/dev/udp/$srv_up4/$port"
done
expect_eq "$(($(ustat d-upstream-mismatched) - mismatched_before))" 3 \
	"d-upstream-mismatched: stray datagrams to three source ports"

step "2. NSD killed: SERVFAIL within the time-out"
stop_pid "$NSD_PID" nsd
for addr in "$SERVER_IP4" "$SERVER_IP6"; do
	for opt in +notcp +tcp; do
		servfail_before=$(ustat d-upstream-servfail)
		out=$(nsrun "$CLIENT_NS" dig +time=3 +tries=1 $opt @"$addr" small.example.test A || true)
		grep -q 'status: SERVFAIL' <<<"$out" || { echo "$out" >&2; fail "$opt @$addr: no SERVFAIL with NSD down"; }
		grep -q '^;; QUESTION SECTION:' <<<"$out" || fail "$opt @$addr: SERVFAIL without the question"
		echo "ok: $opt @$addr: SERVFAIL"
		expect_eq "$(($(ustat d-upstream-servfail) - servfail_before))" 1 "$opt @$addr: d-upstream-servfail counted"
	done
done

step "3. two upstreams, the first a black hole: answered by the second"
stop_pid "$XDPDNSD_PID" xdpdnsd
nsd_start
nsrun "$UP_NS" nft -f - <<'EOF'
table inet et_blackhole {
	chain in {
		type filter hook input priority 0; policy accept;
		meta l4proto { tcp, udp } th dport 5300 drop
	}
}
EOF
start_daemon --upstream "$UP4:5300" --upstream "[$UP6]" --upstream-timeout 300ms --set udp.max-size=65535
timeouts_before=$(ustat d-upstream-timeout)
for q in small.example.test/A www.example.test/A nothere.example.test/A big1200.example.test/TXT \
	big4000.example.test/TXT mx.example.test/MX; do
	compare "${q%/*}" "${q#*/}" "$SERVER_IP4" +bufsize=4096
	compare "${q%/*}" "${q#*/}" "$SERVER_IP6" +tcp
done
expect_ge "$(($(ustat d-upstream-timeout) - timeouts_before))" 1 "d-upstream-timeout (the black hole was tried)"
expect_eq "$(ustat d-upstream-servfail)" 0 "d-upstream-servfail with the second upstream alive"
kill -0 "$XDPDNSD_PID" 2>/dev/null || fail "xdpdnsd died during the test"
