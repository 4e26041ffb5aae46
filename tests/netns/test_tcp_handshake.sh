#!/usr/bin/env bash
# Stateless TCP in XDP alone (no daemon): a kernel TCP client connects to
# port 53 and closes, over IPv4 and IPv6.
# * the SYN-ACK carries only an MSS option (1220), window 65535, correct IP
#   and TCP checksums, IPv4 DF set, ack = client ISN + 1, addresses swapped;
# * the client's FIN gets an ACK with seq = the FIN's ack, ack = its seq + 1;
# * `xdpdnsctl set tcp.mss-v4 1000` (and tcp.mss-v6 1400: IPv6 MSS values
#   start at 1220, its minimum MTU less headers) shows in the next SYN-ACK,
#   with the same XDP program still attached;
# * no RST anywhere; tcp-syn-answered and tcp-fin-answered equal the SYNs
#   and FINs sent, tcp-ack-consumed covers the client's pure ACKs.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"

require_cmds tcpdump tshark ethtool nsenter "$PYTHON"
require_built "$XDPDNSCTL" "$XDP_PASS_OBJ"
netns_init
netns_pair_create

step "attach xdpdns to $SERVER_IF"
xdpdns_attach "$SERVER_NS" "$SERVER_IF"
prog_id=$(xdp_prog_id "$SERVER_NS" "$SERVER_IF")
[[ -n $prog_id ]] || fail "no XDP program on $SERVER_IF after xdpdnsctl attach"

cap=$NETNS_TMP/client.pcap
capture_start "$CLIENT_NS" "$CLIENT_IF" "$cap" tcp port 53
show_on_failure "$cap"

# connect ADDR: kernel client connects, closes; prints its port.
connect() {
	nsrun "$CLIENT_NS" "$PYTHON" "$here/py/tcp_connect.py" "$1" 53 ||
		fail "TCP connect to $1 port 53 failed (see above)"
}

step "IPv4: connect and close with the default MSS"
port_v4_default=$(connect "$SERVER_IP4")
step "IPv4: set tcp.mss-v4 1000, connect and close"
xdpdns_set "$SERVER_NS" "$SERVER_IF" tcp.mss-v4 1000
port_v4_1000=$(connect "$SERVER_IP4")
step "IPv6: connect and close with the default MSS"
port_v6_default=$(connect "$SERVER_IP6")
step "IPv6: set tcp.mss-v6 1400, connect and close"
xdpdns_set "$SERVER_NS" "$SERVER_IF" tcp.mss-v6 1400
port_v6_1400=$(connect "$SERVER_IP6")
capture_stop "$cap"

expect_eq "$(xdp_prog_id "$SERVER_NS" "$SERVER_IF")" "$prog_id" \
	"XDP program id after the knob changes (no re-attach)"

# Every TCP segment of the capture, one tshark run (each costs a second):
#  1 sport  2 dport  3 flags  4 seq  5 ack  6 len  7 window  8 header len
#  9 options  10 MSS  11 TCP csum  12 eth src  13 eth dst  14 src  15 dst
# 16 DF  17 IP csum  18 TTL  19 IP id  20 IP len  21 IHL  22 IPv6 plen
# 23 next header  24 hop limit  25 flow  26 tclass  27 FIN  28 RST
# 29 IPv6 src  30 IPv6 dst
tcp_rows() {
	capture_fields "$cap" tcp tcp.srcport tcp.dstport tcp.flags tcp.seq tcp.ack \
		tcp.len tcp.window_size_value tcp.hdr_len tcp.options tcp.options.mss_val \
		tcp.checksum.status eth.src eth.dst ip.src ip.dst ip.flags.df \
		ip.checksum.status ip.ttl ip.id ip.len ip.hdr_len ipv6.plen ipv6.nxt \
		ipv6.hlim ipv6.flow ipv6.tclass tcp.flags.fin tcp.flags.reset ipv6.src ipv6.dst
}
# rows AWK-CONDITION: the rows of the table matching the condition.
rows() { awk -F'|' "$1" <<<"$table"; }

# check_connection FAMILY PORT MSS
check_connection() {
	local fam=$1 port=$2 mss=$3 what="$1 port $2"
	local cli="\$1 == $port" srv="\$2 == $port"
	local saddr caddr src=14 dst=15
	if [[ $fam == v4 ]]; then
		saddr=$SERVER_IP4 caddr=$CLIENT_IP4
	else
		saddr=$SERVER_IP6 caddr=$CLIENT_IP6 src=29 dst=30
	fi

	local syn synack ack fin finack
	syn=$(rows "$cli && \$3 == \"0x0002\"")
	expect_lines "$syn" 1 "$what: client SYN"

	synack=$(rows "$srv && \$3 == \"0x0012\"")
	expect_lines "$synack" 1 "$what: SYN-ACK"
	local cookie
	cookie=$(field "$synack" 4)
	expect_eq "$(field "$synack" 5)" "$((($(field "$syn" 4) + 1) & 0xffffffff))" "$what: SYN-ACK ack = client ISN + 1"
	expect_eq "$(field "$synack" 7)" 65535 "$what: SYN-ACK window"
	expect_eq "$(field "$synack" 8)" 24 "$what: SYN-ACK TCP header length"
	expect_eq "$(field "$synack" 9)" "$(printf '0204%04x' "$mss")" "$what: SYN-ACK options (MSS only)"
	expect_eq "$(field "$synack" 10)" "$mss" "$what: SYN-ACK MSS"
	expect_eq "$(field "$synack" 11)" 1 "$what: SYN-ACK TCP checksum good"
	expect_eq "$(field "$synack" 6)" 0 "$what: SYN-ACK payload"
	expect_eq "$(field "$synack" 12)|$(field "$synack" 13)" "$SERVER_MAC|$CLIENT_MAC" "$what: SYN-ACK MACs"
	expect_eq "$(field "$synack" $src)|$(field "$synack" $dst)" "$saddr|$caddr" "$what: SYN-ACK addresses"
	expect_eq "$(field "$synack" 1)" 53 "$what: SYN-ACK source port"
	if [[ $fam == v4 ]]; then
		expect_eq "$(field "$synack" 16)|$(field "$synack" 17)" "1|1" "$what: SYN-ACK IPv4 DF|checksum good"
		expect_eq "$(field "$synack" 18)|$(($(field "$synack" 19)))" "64|0" "$what: SYN-ACK IPv4 TTL|ID"
		expect_eq "$(field "$synack" 20)|$(field "$synack" 21)" "44|20" "$what: SYN-ACK IPv4 total|header length"
	else
		expect_eq "$(field "$synack" 22)|$(field "$synack" 23)|$(field "$synack" 24)" "24|6|64" \
			"$what: SYN-ACK IPv6 payload length|next header|hop limit"
		expect_eq "$(($(field "$synack" 25)))|$(($(field "$synack" 26)))" "0|0" \
			"$what: SYN-ACK IPv6 flow label|traffic class"
	fi

	# The client's ACK of the SYN-ACK proves the handshake completed.
	ack=$(rows "$cli && \$3 == \"0x0010\" && \$6 == 0 && \$5 == $(((cookie + 1) & 0xffffffff))")
	expect_lines "$ack" 1 "$what: client ACK of the SYN-ACK (handshake complete)"

	fin=$(rows "$cli && \$27 == 1")
	expect_lines "$fin" 1 "$what: client FIN"
	expect_eq "$(field "$fin" 6)" 0 "$what: client FIN payload"
	finack=$(rows "$srv && \$3 == \"0x0010\"")
	expect_lines "$finack" 1 "$what: ACK of the FIN"
	expect_eq "$(field "$finack" 4)" "$(field "$fin" 5)" "$what: FIN-ACK seq = FIN's ack"
	expect_eq "$(field "$finack" 5)" "$((($(field "$fin" 4) + 1) & 0xffffffff))" "$what: FIN-ACK ack = FIN's seq + 1"
	expect_eq "$(field "$finack" 7)|$(field "$finack" 8)|$(field "$finack" 11)|$(field "$finack" 6)|$(field "$finack" 9)" \
		"65535|20|1|0|" "$what: FIN-ACK window|header length|checksum|payload|options"
	expect_eq "$(field "$finack" 12)|$(field "$finack" 13)" "$SERVER_MAC|$CLIENT_MAC" "$what: FIN-ACK MACs"
	expect_eq "$(field "$finack" $src)|$(field "$finack" $dst)" "$saddr|$caddr" "$what: FIN-ACK addresses"
	if [[ $fam == v4 ]]; then
		expect_eq "$(field "$finack" 17)|$(field "$finack" 16)|$(field "$finack" 20)" "1|1|40" \
			"$what: FIN-ACK IPv4 checksum|DF|length"
	else
		expect_eq "$(field "$finack" 22)" 20 "$what: FIN-ACK IPv6 payload length"
	fi
}

step "check the capture"
table=$(tcp_rows)
check_connection v4 "$port_v4_default" 1220
check_connection v4 "$port_v4_1000" 1000
check_connection v6 "$port_v6_default" 1220
check_connection v6 "$port_v6_1400" 1400

expect_lines "$(rows '$28 == 1')" 0 "RST segments"

step "counters"
syns=$(rows '$2 == 53 && $3 == "0x0002"' | grep -c . || true)
fins=$(rows '$2 == 53 && $27 == 1' | grep -c . || true)
acks=$(rows '$2 == 53 && $3 == "0x0010" && $6 == 0' | grep -c . || true)
expect_eq "$syns" 4 "SYNs sent"
expect_eq "$fins" 4 "FINs sent"
expect_ge "$acks" 4 "pure ACKs sent"
expect_eq "$(xdpdns_stat "$SERVER_NS" "$SERVER_IF" tcp-syn-answered)" "$syns" "tcp-syn-answered"
expect_eq "$(xdpdns_stat "$SERVER_NS" "$SERVER_IF" tcp-fin-answered)" "$fins" "tcp-fin-answered"
expect_ge "$(xdpdns_stat "$SERVER_NS" "$SERVER_IF" tcp-ack-consumed)" "$acks" "tcp-ack-consumed"
