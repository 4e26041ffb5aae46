#!/usr/bin/env bash
# With xdpdnsd serving, TCP is answered by XDP and AF_XDP alone:
# * dig +tcp and kdig +tcp for several names (small, CNAME, NXDOMAIN, a
#   1,200- and a 4,000-octet answer), IPv4 and IPv6, all get their answers;
# * a capture on the server's veth (what the server namespace's own stack
#   sends and receives) shows no RST and no port-53 TCP at all, and the
#   client's capture shows no RST from the server;
# * `ss -tan` and `ss -uan` in the server namespace, sampled throughout,
#   list no socket at all: there is no listener;
# * one dig +tcp exchange (IPv4, 1,200 octets and our cookie) and one kdig +tcp exchange
#   (IPv6, small) have the shape of Huston's trace ("Stateless Dateless and
#   DNS Desperate!"): S; S. with only MSS 1220;
#   .; P. (query); the answer in segments of 512 with ack = end of the
#   query, contiguous from cookie + 1, the FIN riding on the last one
#   (FP., no F. of its own: one frame less per answer); the client's F.
#   acknowledging it; our final . with seq = the client's ack and ack = its
#   FIN + 1; the client's other segments pure ACKs; every checksum good.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"

ZONE_FILE=$XDPDNS_REPO/tools/zones/example.test.zone

require_cmds dig kdig ss tcpdump tshark ethtool nsenter
require_built "$XDPDNSD" "$XDPDNSCTL" "$XDP_PASS_OBJ"
netns_init
netns_pair_create
# The shape check below wants every segment's checksum good, the client's
# too: its stack computes full checksums (no tx offload) in this test.
netns_tx_checksum_off "$CLIENT_NS" "$CLIENT_IF"

step "xdpdnsd on $SERVER_IF"
# tcp.reuse off: the shape below is Huston's close-after-each-answer
# (netns.tcp_reuse and netns.kdig_tcp check reused connections on the wire).
start_daemon --zone "$ZONE_FILE" --set tcp.reuse=off

scap=$NETNS_TMP/server.pcap
ccap=$NETNS_TMP/client.pcap
capture_start "$SERVER_NS" "$SERVER_IF" "$scap"
capture_start "$CLIENT_NS" "$CLIENT_IF" "$ccap"
show_on_failure "$ccap" "$scap"

# Sockets of the server namespace, sampled every 50 ms until told to stop.
ss_log=$NETNS_TMP/ss.log
ss_stop=$NETNS_TMP/ss.stop
parent=$BASHPID
(
	trap - EXIT INT TERM HUP
	n=0
	# Also ends if the test dies first (teardown removes the namespace).
	while [[ ! -e $ss_stop && -e /var/run/netns/$SERVER_NS ]] && kill -0 "$parent" 2>/dev/null; do
		nsenter --net="/var/run/netns/$SERVER_NS" -- ss -tanH >>"$ss_log"
		nsenter --net="/var/run/netns/$SERVER_NS" -- ss -uanH >>"$ss_log"
		n=$((n + 1))
		echo "$n" >"$ss_log.samples"
		sleep 0.05
	done
) &
ss_pid=$!

# ask TOOL ADDR NAME TYPE EXPECTED-SHORT-LINES [FIRST-LINE]: one TCP query.
ask() {
	local tool=$1 addr=$2 name=$3 type=$4 lines=$5 first=${6:-} out
	case $tool in
	dig) out=$(nsrun "$CLIENT_NS" dig +tcp +norec +time=3 +tries=1 +short @"$addr" "$name" "$type") ;;
	kdig) out=$(nsrun "$CLIENT_NS" kdig +tcp +norec +timeout=3 +retry=0 +short @"$addr" "$name" "$type") ;;
	esac || fail "$tool +tcp @$addr $name $type failed"
	expect_eq "$(printf '%s' "$out" | grep -c . || true)" "$lines" "$tool +tcp @$addr $name $type: answer lines"
	if [[ -n $first ]]; then
		expect_eq "$(printf '%s\n' "$out" | head -1)" "$first" "$tool +tcp @$addr $name $type: first line"
	fi
}

step "dig +tcp and kdig +tcp, IPv4 and IPv6"
for addr in "$SERVER_IP4" "$SERVER_IP6"; do
	for tool in dig kdig; do
		ask "$tool" "$addr" small.example.test A 1 192.0.2.1
		ask "$tool" "$addr" www.example.test A 2 small.example.test.
		ask "$tool" "$addr" nothere.example.test A 0
		ask "$tool" "$addr" big1200.example.test TXT 5
		ask "$tool" "$addr" big4000.example.test TXT 15
	done
done

# The two exchanges whose shape is checked, each in its own capture.
shape4=$NETNS_TMP/shape4.pcap
shape6=$NETNS_TMP/shape6.pcap
capture_start "$CLIENT_NS" "$CLIENT_IF" "$shape4" tcp port 53
ask dig "$SERVER_IP4" big1200.example.test TXT 5
capture_stop "$shape4"
capture_start "$CLIENT_NS" "$CLIENT_IF" "$shape6" tcp port 53
ask kdig "$SERVER_IP6" small.example.test A 1 192.0.2.1
capture_stop "$shape6"
show_on_failure "$shape4" "$shape6"

touch "$ss_stop"
wait "$ss_pid" 2>/dev/null || true
capture_stop "$ccap"
capture_stop "$scap"

step "no socket in the server namespace"
expect_ge "$(cat "$ss_log.samples")" 3 "ss samples taken during the exchanges"
if [[ -s $ss_log ]]; then
	sort -u "$ss_log" >&2
	fail "sockets listed by ss -tan / ss -uan in $SERVER_NS"
fi
echo "ok: ss -tanH and ss -uanH listed nothing in $(cat "$ss_log.samples") samples"

step "no RST anywhere, nothing reached the server's own stack"
from_server="(ip.src == $SERVER_IP4 || ipv6.src == $SERVER_IP6)"
expect_lines "$(capture_fields "$scap" "tcp.flags.reset == 1" frame.number)" 0 \
	"RSTs on the server's veth (its own stack)"
expect_lines "$(capture_fields "$scap" "tcp.port == 53" frame.number)" 0 \
	"port-53 TCP segments seen by the server's own stack"
expect_lines "$(capture_fields "$ccap" "$from_server && tcp.flags.reset == 1" frame.number)" 0 \
	"RSTs from the server at the client"
syns=$(capture_fields "$ccap" "tcp.dstport == 53 && tcp.flags.syn == 1 && tcp.flags.ack == 0" frame.number)
# 2 addresses x 2 tools x 5 names, plus the 2 shaped exchanges.
expect_lines "$syns" 22 "client SYNs (one connection per query)"

# check_shape FILE WHAT ANSWER-SEGMENT-LENGTHS...
check_shape() {
	local file=$1 what=$2
	shift 2
	local want_lens="$*"
	#  1 sport 2 dport 3 flags 4 seq 5 ack 6 len 7 options 8 TCP checksum
	local rows
	rows=$(capture_fields "$file" tcp tcp.srcport tcp.dstport tcp.flags tcp.seq tcp.ack \
		tcp.len tcp.options tcp.checksum.status)
	printf '%s\n' "$rows" | sed 's/^/   /'
	tcpdump -nn -v -r "$file" 2>/dev/null | sed 's/^/   /'
	local -a r
	mapfile -t r <<<"$rows"
	f() { field "${r[$1]}" "$2"; }
	local n=${#r[@]} i
	for ((i = 0; i < n; i++)); do
		expect_eq "$(f "$i" 8)" 1 "$what: segment $((i + 1)) TCP checksum good"
	done
	# S, S. (MSS 1220 only), ., P. (query)
	expect_eq "$(f 0 2)|$(f 0 3)" "53|0x0002" "$what: 1st segment: client SYN"
	local isn cookie
	isn=$(f 0 4)
	expect_eq "$(f 1 1)|$(f 1 3)" "53|0x0012" "$what: 2nd segment: our SYN-ACK"
	expect_eq "$(f 1 5)" "$(((isn + 1) & 0xffffffff))" "$what: SYN-ACK ack = client ISN + 1"
	expect_eq "$(f 1 7)" "020404c4" "$what: SYN-ACK options (MSS 1220, nothing else)"
	cookie=$(f 1 4)
	local c1=$(((cookie + 1) & 0xffffffff)) q0=$(((isn + 1) & 0xffffffff))
	expect_eq "$(f 2 2)|$(f 2 3)|$(f 2 6)|$(f 2 5)" "53|0x0010|0|$c1" "$what: 3rd segment: client ACK of cookie + 1"
	expect_eq "$(f 3 2)|$(f 3 3)|$(f 3 4)|$(f 3 5)" "53|0x0018|$q0|$c1" "$what: 4th segment: client P. (query)"
	local qend=$(((q0 + $(f 3 6)) & 0xffffffff))

	# After the query: our data segments, the last one FP. (the FIN rides
	# on it), our final .; the client's pure ACKs and its F.
	local lens="" seq=$c1 fin_row="" cfin_row="" last_row="" total=0 k
	for ((i = 4; i < n; i++)); do
		if [[ $(f "$i" 1) == 53 ]]; then
			if [[ $(f "$i" 6) -gt 0 ]]; then
				[[ -z $fin_row ]] || fail "$what: data segment $((i + 1)) after our FIN"
				expect_eq "$(f "$i" 4)|$(f "$i" 5)" "$seq|$qend" "$what: answer segment $((i + 1)) seq|ack (ack = end of the query)"
				lens+="${lens:+ }$(f "$i" 6)"
				total=$((total + $(f "$i" 6)))
				seq=$(((c1 + total) & 0xffffffff))
				if (($(f "$i" 3) & 1)); then
					fin_row=$i
				else
					expect_eq "$(f "$i" 3)" 0x0010 "$what: answer segment $((i + 1)) before the last: a plain ."
				fi
			elif [[ -z $fin_row ]]; then
				fail "$what: segment $((i + 1)) without data before our FIN"
			else
				[[ -z $last_row ]] || fail "$what: more than one segment after our FIN"
				last_row=$i
			fi
		else
			if (($(f "$i" 3) & 1)); then
				cfin_row=$i
			else
				expect_eq "$(f "$i" 3)|$(f "$i" 6)" "0x0010|0" "$what: client segment $((i + 1)) is a pure ACK"
			fi
		fi
	done
	expect_eq "$lens" "$want_lens" "$what: answer segment lengths"
	[[ -n $fin_row && -n $cfin_row && -n $last_row ]] ||
		fail "$what: missing our F. ($fin_row), the client's F. ($cfin_row) or our final . ($last_row)"
	# The loop above saw the FIN only on a data segment and no data after
	# it; its sequence number is the octet after the answer.
	local fin_seq=$seq
	expect_eq "$(f "$fin_row" 3)|$(f "$fin_row" 5)" \
		"0x0019|$qend" "$what: our last answer segment FP. (ack = end of query)"
	((cfin_row > fin_row)) || fail "$what: the client's FIN came before ours"
	local cfin_ack cfin_seq
	cfin_seq=$(f "$cfin_row" 4)
	cfin_ack=$(f "$cfin_row" 5)
	expect_eq "$cfin_seq|$cfin_ack" "$qend|$(((fin_seq + 1) & 0xffffffff))" \
		"$what: client F. seq = end of query, ack = our FIN + 1"
	((last_row > cfin_row)) || fail "$what: our final ACK came before the client's FIN"
	expect_eq "$(f "$last_row" 3)|$(f "$last_row" 4)|$(f "$last_row" 5)|$(f "$last_row" 6)" \
		"0x0010|$cfin_ack|$(((cfin_seq + 1) & 0xffffffff))|0" \
		"$what: our final . (seq = client's ack, ack = client FIN + 1)"
	k=$(printf '%s\n' "$rows" | awk -F'|' '$1 == 53' | grep -c . || true)
	expect_eq "$k" "$((1 + $(wc -w <<<"$want_lens") + 1))" "$what: segments we sent (SYN-ACK, data with the FIN on the last, .)"
}

# dig sends a client cookie, so the answer carries our 28-octet COOKIE.
step "shape of a dig +tcp exchange over IPv4 (big1200: 2 + 1,200 + 28 octets)"
check_shape "$shape4" "dig IPv4 big1200" 512 512 206
step "shape of a kdig +tcp exchange over IPv6 (small: 2 + 52 octets)"
check_shape "$shape6" "kdig IPv6 small" 54

step "counters"
expect_eq "$(xdpdns_stat "$SERVER_NS" "$SERVER_IF" tcp-syn-answered)" 22 "tcp-syn-answered"
# Answered by the daemon, or by XDP when a question came again.
expect_eq "$(($(xdpdns_stat "$SERVER_NS" "$SERVER_IF" d-tcp-answers) + $(xdpdns_stat "$SERVER_NS" "$SERVER_IF" tcp-answered)))" 22 \
	"d-tcp-answers + tcp-answered"
expect_eq "$(xdpdns_stat "$SERVER_NS" "$SERVER_IF" tcp-fin-answered)" 22 "tcp-fin-answered"
expect_eq "$(xdpdns_stat "$SERVER_NS" "$SERVER_IF" tcp-rst-consumed)" 0 "tcp-rst-consumed"
kill -0 "$DAEMON_PID" 2>/dev/null || fail "xdpdnsd died"
