#!/usr/bin/env bash
# Path MTU from ICMP, IPv6 and IPv4. scapy in the client namespace sends
# "too big" messages quoting a (crafted) UDP answer of the server, from port
# 53 to the client (py/e4_icmp.py):
# * ICMPv6 Packet Too Big, MTU 1280: pmtu-accepted, `xdpdnsctl pmtu list`
#   shows the client with 1280, and the next big4000 answer comes in
#   fragments of at most 1280 octets (1280 exactly for the first ones);
# * ICMPv4 fragmentation needed, MTU 1200 (above the 552 floor), quoting a
#   whole 1,428-octet answer with DF: the same with fragments of at most
#   1200 octets;
# * rejected, the entry unchanged: MTU below the floor (IPv6 1000, IPv4 500:
#   pmtu-too-small), inner source port 80 or another inner source address
#   or a non-first inner fragment (pmtu-not-ours), a quote cut before the
#   UDP ports (pmtu-truncated), a bad ICMP checksum (pmtu-bad-checksum), an
#   IPv4 answer quoted without DF (pmtu-not-answer: ours carry DF); an inner
#   IPv6 first fragment is accepted;
# * every message also reaches the host stack (XDP_PASS): Icmp6InPktTooBigs
#   and InDestUnreachs in the server namespace count all of them but those
#   with a bad checksum, which the host stack drops itself;
# * `pmtu flush` empties the list and answers go back to 1500-octet packets.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export XDPDNS_NETNS_TAG=${XDPDNS_NETNS_TAG:-e4}
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"

require_cmds tcpdump tshark ethtool nsenter dig "$PYTHON"
require_built "$XDPDNSD" "$XDPDNSCTL" "$XDP_PASS_OBJ"
"$PYTHON" -c 'import scapy.all' 2>/dev/null || skip "scapy missing for $PYTHON"
ZONE=$XDPDNS_REPO/tools/zones/example.test.zone
netns_init
netns_pair_create

# start_xdpdnsd ARGS...: start_daemon with the example zone, udp.max-size
# raised so that answers up to the client's buffer go out whole (the
# default cap, 1232, would make big4000 TC=1 and nothing would fragment).
# shellcheck disable=SC2120
start_xdpdnsd() { start_daemon --zone "$ZONE" --set udp.max-size=65535 "$@"; }

pmtu() { xdpdnsctl_run "$SERVER_NS" pmtu "$@" --iface "$SERVER_IF" || fail "xdpdnsctl pmtu $*"; }

# pmtu_of ADDR: the MTU `pmtu list` shows for ADDR (empty if none).
pmtu_of() {
	pmtu list | awk -v a="$1" '$1 == a { print $2 }'
}

# snmp FILE KEY: a host-stack counter of the server namespace
# (/proc/net/snmp6 "Key value" lines, /proc/net/snmp "Proto: names" pairs).
snmp6() { nsrun "$SERVER_NS" awk -v k="$1" '$1 == k { print $2 }' /proc/net/snmp6; }
snmp4_icmp() {
	nsrun "$SERVER_NS" awk -v k="$1" '$1 == "Icmp:" && !h { for (i = 2; i <= NF; i++) n[i] = $i; h = 1; next }
		$1 == "Icmp:" && h { for (i = 2; i <= NF; i++) if (n[i] == k) print $i }' /proc/net/snmp
}

# too_big ADDR_CLIENT ADDR_SERVER MTU [e4_icmp.py options]
too_big() {
	nsrun "$CLIENT_NS" "$PYTHON" "$here/py/e4_icmp.py" "$CLIENT_IF" "$CLIENT_MAC" "$SERVER_MAC" "$@" ||
		fail "sending ICMP too big ($*)"
}

# expect_counted NAME DELTA CMD...: CMD raises counter NAME by exactly DELTA.
expect_counted() {
	local name=$1 delta=$2 before
	shift 2
	before=$(counter "$name")
	"$@"
	expect_eq "$(($(counter "$name") - before))" "$delta" "$name after: ${*:2}"
}

n=0
# big_answer ADDR MTU: dig for big4000 over UDP, capture it at the client and
# check its fragments are <= MTU; sets MAXLEN to the largest one.
big_answer() {
	local addr=$1 mtu=$2 cap out
	n=$((n + 1))
	cap=$NETNS_TMP/answer$n.pcap
	capture_start "$CLIENT_NS" "$CLIENT_IF" "$cap" ip or ip6
	out=$(nsrun "$CLIENT_NS" dig +nocookie +bufsize=4096 +tries=1 +timeout=2 +ignore @"$addr" big4000.example.test TXT) ||
		fail "dig @$addr failed: $out"
	grep -q 'ANSWER: 15,' <<<"$out" || fail "dig @$addr: not 15 records (reassembly failed?): $out"
	capture_stop "$cap"
	out=$("$PYTHON" "$here/py/e4_capture.py" frags "$cap" --server "$addr" --mtu "$mtu" --trains 1) || {
		capture_show "$cap" >&2
		fail "fragments of big4000 from $addr exceed MTU $mtu or are malformed: $out"
	}
	printf '%s\n' "$out"
	MAXLEN=$(sed -n 's/^trains=1 max=//p' <<<"$out")
	echo "ok: every fragment <= $mtu octets (largest $MAXLEN)"
}

step "start xdpdnsd on $SERVER_IF"
start_xdpdnsd
# No ATR here: a follow-up reaching the client after dig exits draws a port
# unreachable, which the host-stack ICMP counters below would count.
xdpdns_set "$SERVER_NS" "$SERVER_IF" atr.enabled off >/dev/null
expect_eq "$(pmtu list | awk 'NR > 1' | grep -c . || true)" 0 "pmtu list entries at start"

# ---- IPv6 -------------------------------------------------------------------
step "IPv6: before any Packet Too Big, fragments fill the 1500-octet MTU"
big_answer "$SERVER_IP6" 1500
expect_eq "$MAXLEN" 1496 "largest IPv6 fragment"

v6=("$CLIENT_IP6" "$SERVER_IP6")
ptb0=$(snmp6 Icmp6InPktTooBigs)
step "IPv6: Packet Too Big, MTU 1280, quoting our answer from port 53"
expect_counted pmtu-accepted 1 too_big "${v6[@]}" 1280
pmtu list
expect_eq "$(pmtu_of "$CLIENT_IP6")" 1280 "pmtu list: MTU of $CLIENT_IP6"
pmtu list | awk -v a="$CLIENT_IP6" '$1 == a' | grep -q valid || fail "pmtu entry of $CLIENT_IP6 not valid"
big_answer "$SERVER_IP6" 1280
expect_eq "$MAXLEN" 1280 "largest IPv6 fragment after the PTB"

step "IPv6: rejected messages leave the entry alone"
expect_counted pmtu-too-small 1 too_big "${v6[@]}" 1000
expect_counted pmtu-not-ours 1 too_big "${v6[@]}" 1300 --sport 80
expect_counted pmtu-not-ours 1 too_big "${v6[@]}" 1300 --inner-src "${SERVER_IP6%::*}::99"
expect_counted pmtu-not-ours 1 too_big "${v6[@]}" 1300 --frag-offset 1448
expect_counted pmtu-truncated 1 too_big "${v6[@]}" 1300 --cut 44
# Forged ones the host stack drops too (bad checksum: not in the count below).
expect_counted pmtu-bad-checksum 1 too_big "${v6[@]}" 1300 --bad-checksum
expect_eq "$(pmtu_of "$CLIENT_IP6")" 1280 "pmtu list: MTU of $CLIENT_IP6 after rejected messages"

step "IPv6: a quoted first fragment (Fragment header, offset 0) is ours"
expect_counted pmtu-accepted 1 too_big "${v6[@]}" 1400 --frag-offset 0
expect_eq "$(pmtu_of "$CLIENT_IP6")" 1400 "pmtu list: MTU of $CLIENT_IP6"
big_answer "$SERVER_IP6" 1400

step "IPv6: every message reached the host stack too"
expect_eq "$(($(snmp6 Icmp6InPktTooBigs) - ptb0))" 7 "Icmp6InPktTooBigs in $SERVER_NS"

step "IPv6: pmtu flush"
pmtu flush
expect_eq "$(pmtu_of "$CLIENT_IP6")" "" "pmtu list: entry of $CLIENT_IP6 after flush"
big_answer "$SERVER_IP6" 1500
expect_eq "$MAXLEN" 1496 "largest IPv6 fragment after the flush"

# ---- IPv4 -------------------------------------------------------------------
step "IPv4: before any fragmentation-needed, 1500-octet fragments"
big_answer "$SERVER_IP4" 1500
expect_eq "$MAXLEN" 1500 "largest IPv4 fragment"

v4=("$CLIENT_IP4" "$SERVER_IP4")
unreach0=$(snmp4_icmp InDestUnreachs)
step "IPv4: fragmentation needed, MTU 1200, quoting our answer from port 53"
expect_counted pmtu-accepted 1 too_big "${v4[@]}" 1200
pmtu list
expect_eq "$(pmtu_of "$CLIENT_IP4")" 1200 "pmtu list: MTU of $CLIENT_IP4"
big_answer "$SERVER_IP4" 1200
# 1,200 less the 20-octet header, rounded down to 8 octets: 1,176 + 20.
expect_eq "$MAXLEN" 1196 "largest IPv4 fragment after the message"

step "IPv4: rejected messages leave the entry alone"
expect_counted pmtu-too-small 1 too_big "${v4[@]}" 500
expect_counted pmtu-not-ours 1 too_big "${v4[@]}" 1000 --sport 80
expect_counted pmtu-not-ours 1 too_big "${v4[@]}" 1000 --inner-src "${SERVER_IP4%.*}.99"
expect_counted pmtu-not-ours 1 too_big "${v4[@]}" 1000 --frag-offset 1480
expect_counted pmtu-truncated 1 too_big "${v4[@]}" 1000 --cut 24
expect_counted pmtu-not-answer 1 too_big "${v4[@]}" 1000 --no-df
expect_counted pmtu-bad-checksum 1 too_big "${v4[@]}" 1000 --bad-checksum
expect_eq "$(pmtu_of "$CLIENT_IP4")" 1200 "pmtu list: MTU of $CLIENT_IP4 after rejected messages"

step "IPv4: every message with a good checksum reached the host stack too"
expect_eq "$(($(snmp4_icmp InDestUnreachs) - unreach0))" 7 "Icmp InDestUnreachs in $SERVER_NS"

step "IPv4: pmtu flush"
pmtu flush
expect_eq "$(pmtu list | awk 'NR > 1' | grep -c . || true)" 0 "pmtu list entries after flush"
big_answer "$SERVER_IP4" 1500
expect_eq "$MAXLEN" 1500 "largest IPv4 fragment after the flush"
