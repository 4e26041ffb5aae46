#!/usr/bin/env bash
# UDP to the service port without a daemon (XDP alone):
# * a query reaches a host DNS server in the server namespace (XDP_PASS,
#   counted as pass-udp-no-daemon), IPv4 and IPv6;
# * with `xdpdnsctl set udp.truncate-all on` XDP answers itself: TC=1, same
#   ID, question echoed byte for byte (mixed case kept), RD/CD copied, OPT
#   with our buffer size and the query's DO bit (none without EDNS), correct
#   IP/UDP checksums, IPv4 DF and ID 0; the host server sees none of these;
# * plain dig takes the TC=1 answer and retries over TCP (which has no
#   daemon to answer yet: only the TC=1 answer and the retry are checked).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"

require_cmds tcpdump tshark ethtool nsenter dig "$PYTHON"
require_built "$XDPDNSCTL" "$XDP_PASS_OBJ"
"$PYTHON" -c 'import dns.message' 2>/dev/null || skip "dnspython missing for $PYTHON"
netns_init
netns_pair_create

step "attach xdpdns to $SERVER_IF, start a host DNS server on port 53"
xdpdns_attach "$SERVER_NS" "$SERVER_IF"
qlog=$NETNS_TMP/responder.log
touch "$qlog"
nsbg "$SERVER_NS" "$PYTHON" "$here/py/udp_responder.py" 53 "$qlog"
for _ in $(seq 50); do [[ -e $qlog.ready ]] && break; sleep 0.1; done
[[ -e $qlog.ready ]] || fail "host DNS server did not start"

cap=$NETNS_TMP/client.pcap
capture_start "$CLIENT_NS" "$CLIENT_IF" "$cap" port 53
show_on_failure "$cap"

dig_c() { nsrun "$CLIENT_NS" dig +tries=1 +timeout=2 "$@"; }

for addr in "$SERVER_IP4" "$SERVER_IP6"; do
	step "no daemon: query to $addr reaches the host server"
	out=$(dig_c @"$addr" pass.example. A) || fail "dig @$addr failed: $out"
	grep -q 'status: NOERROR' <<<"$out" || fail "dig @$addr: no NOERROR answer: $out"
	grep -Eq '^pass\.example\.[[:space:]]+300[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.53$' <<<"$out" ||
		fail "dig @$addr: host server's answer missing: $out"
done
expect_eq "$(grep -c 'pass.example' "$qlog")" 2 "queries seen by the host server"

step "set udp.truncate-all on"
xdpdns_set "$SERVER_NS" "$SERVER_IF" udp.truncate-all on

# Each case: name (mixed case: the echo must keep it), dig options, the
# expected DNS flags and whether an OPT (and DO) comes back.
cases=(
	"TrUnC.ExAmple.|+ignore|0x8300|opt|do0"
	"nOrEc.example.|+ignore +norecurse +cdflag|0x8210|opt|do0"
	"DnsSec.example.|+ignore +dnssec|0x8300|opt|do1"
	"NoEdns.example.|+ignore +noedns|0x8300|noopt|-"
)
answers=0
for addr in "$SERVER_IP4" "$SERVER_IP6"; do
	for c in "${cases[@]}"; do
		IFS='|' read -r name opts _ _ _ <<<"$c"
		step "TC=1 from XDP: dig @$addr $opts $name"
		# shellcheck disable=SC2086
		out=$(dig_c @"$addr" $opts "$name" A) || fail "dig @$addr $opts $name failed: $out"
		grep -Eq 'flags: qr[a-z ]* tc' <<<"$out" || fail "no TC=1 answer: $out"
		grep -q 'ANSWER: 0, AUTHORITY: 0' <<<"$out" || fail "records in a TC=1 answer: $out"
		answers=$((answers + 1))
	done
done

step "plain dig @$SERVER_IP4 (no +ignore) retries over TCP after TC=1"
out=$(dig_c @"$SERVER_IP4" retry.example. A || true)
grep -q 'Truncated, retrying in TCP mode' <<<"$out" || fail "dig did not retry over TCP: $out"
answers=$((answers + 1))
capture_stop "$cap"

expect_eq "$(grep -c . "$qlog")" 2 "queries seen by the host server (none of the truncated ones)"

# Every DNS packet of the capture, one tshark run (each costs a second):
#  1 response  2 IP version  3 name  4 id  5 sport  6 dport  7 qtype  8 qclass
#  9 flags  10-13 counts  14 UDP csum  15 eth src  16 eth dst  17 IP csum
# 18 DF  19 IP id  20 TTL  21 hop limit  22-26 OPT size, ext rcode,
# version, DO, rdlength
dns_rows() {
	capture_fields "$cap" "dns && udp" dns.flags.response ip.version dns.qry.name \
		dns.id udp.srcport udp.dstport dns.qry.type dns.qry.class dns.flags \
		dns.count.queries dns.count.answers dns.count.auth_rr dns.count.add_rr \
		udp.checksum.status eth.src eth.dst ip.checksum.status ip.flags.df ip.id \
		ip.ttl ipv6.hlim dns.rr.udp_payload_size dns.resp.ext_rcode \
		dns.resp.edns0_version dns.resp.z.do dns.resp.len
}

# check_tc FAMILY NAME FLAGS OPT DO: the TC=1 answer to the query for NAME.
check_tc() {
	# tshark shows names without the root dot; names compare exactly (case).
	local fam=$1 name=${2%.} flags=$3 opt=$4 do=$5 ver what="TC=1 for $2 ($1)"
	[[ $fam == v4 ]] && ver=4 || ver=6
	local q a
	q=$(awk -F'|' -v v="$ver" -v n="$name" '$1 == 0 && $2 == v && $3 == n' <<<"$rows")
	expect_lines "$q" 1 "$what: query"
	a=$(awk -F'|' -v v="$ver" -v n="$name" '$1 == 1 && $2 == v && $3 == n' <<<"$rows")
	expect_lines "$a" 1 "$what: answer"
	expect_eq "$(field "$a" 4)|$(field "$a" 6)|$(field "$a" 7)|$(field "$a" 8)" \
		"$(field "$q" 4)|$(field "$q" 5)|$(field "$q" 7)|$(field "$q" 8)" "$what: id|port|qtype|qclass"
	expect_eq "$(field "$a" 5)" 53 "$what: source port"
	expect_eq "$(field "$a" 9)" "$flags" "$what: flags"
	local arcount=0
	[[ $opt == opt ]] && arcount=1
	expect_eq "$(field "$a" 10)|$(field "$a" 11)|$(field "$a" 12)|$(field "$a" 13)" "1|0|0|$arcount" "$what: counts"
	expect_eq "$(field "$a" 14)" 1 "$what: UDP checksum good"
	expect_eq "$(field "$a" 15)|$(field "$a" 16)" "$SERVER_MAC|$CLIENT_MAC" "$what: MACs"
	if [[ $fam == v4 ]]; then
		expect_eq "$(field "$a" 17)|$(field "$a" 18)|$(($(field "$a" 19)))|$(field "$a" 20)" "1|1|0|64" \
			"$what: IPv4 checksum|DF|ID|TTL"
	else
		expect_eq "$(field "$a" 21)" 64 "$what: IPv6 hop limit"
	fi
	if [[ $opt == opt ]]; then
		expect_eq "$(field "$a" 22)|$(field "$a" 23)|$(field "$a" 24)|$(field "$a" 25)|$(field "$a" 26)" \
			"1232|0x00|0|${do#do}|0" "$what: OPT size|ext rcode|version|DO|rdlength"
	else
		expect_eq "$(field "$a" 22)" "" "$what: no OPT"
	fi
}

step "check the TC=1 answers in the capture"
rows=$(dns_rows)
for c in "${cases[@]}"; do
	IFS='|' read -r name _ flags opt do <<<"$c"
	check_tc v4 "$name" "$flags" "$opt" "$do"
	check_tc v6 "$name" "$flags" "$opt" "$do"
done
check_tc v4 retry.example. 0x8300 opt do0
expect_ge "$(capture_fields "$cap" "tcp.dstport == 53 && tcp.flags == 0x002" frame.number | grep -c . || true)" 1 \
	"dig's TCP retry (SYN to port 53)"

step "counters"
expect_eq "$(xdpdns_stat "$SERVER_NS" "$SERVER_IF" pass-udp-no-daemon)" 2 "pass-udp-no-daemon"
expect_eq "$(xdpdns_stat "$SERVER_NS" "$SERVER_IF" udp-truncated)" "$answers" "udp-truncated"
expect_eq "$(xdpdns_stat "$SERVER_NS" "$SERVER_IF" udp-to-daemon)" 0 "udp-to-daemon"
