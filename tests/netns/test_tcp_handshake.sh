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

# check_connection FAMILY PORT MSS
check_connection() {
	local fam=$1 port=$2 mss=$3 what="$1 port $2"
	local cli="tcp.srcport == $port" srv="tcp.dstport == $port"
	local ipf saddr caddr
	if [[ $fam == v4 ]]; then
		ipf=ip saddr=$SERVER_IP4 caddr=$CLIENT_IP4
	else
		ipf=ipv6 saddr=$SERVER_IP6 caddr=$CLIENT_IP6
	fi

	local syn synack ack fin finack
	syn=$(capture_fields "$cap" "$cli && tcp.flags == 0x002" tcp.seq)
	expect_lines "$syn" 1 "$what: client SYN"

	synack=$(capture_fields "$cap" "$srv && tcp.flags == 0x012" \
		tcp.seq tcp.ack tcp.window_size_value tcp.hdr_len tcp.options \
		tcp.options.mss_val tcp.checksum.status tcp.len \
		eth.src eth.dst $ipf.src $ipf.dst tcp.srcport)
	expect_lines "$synack" 1 "$what: SYN-ACK"
	local cookie
	cookie=$(field "$synack" 1)
	expect_eq "$(field "$synack" 2)" "$(((syn + 1) & 0xffffffff))" "$what: SYN-ACK ack = client ISN + 1"
	expect_eq "$(field "$synack" 3)" 65535 "$what: SYN-ACK window"
	expect_eq "$(field "$synack" 4)" 24 "$what: SYN-ACK TCP header length"
	expect_eq "$(field "$synack" 5)" "$(printf '0204%04x' "$mss")" "$what: SYN-ACK options (MSS only)"
	expect_eq "$(field "$synack" 6)" "$mss" "$what: SYN-ACK MSS"
	expect_eq "$(field "$synack" 7)" 1 "$what: SYN-ACK TCP checksum good"
	expect_eq "$(field "$synack" 8)" 0 "$what: SYN-ACK payload"
	expect_eq "$(field "$synack" 9)|$(field "$synack" 10)" "$SERVER_MAC|$CLIENT_MAC" "$what: SYN-ACK MACs"
	expect_eq "$(field "$synack" 11)|$(field "$synack" 12)" "$saddr|$caddr" "$what: SYN-ACK addresses"
	expect_eq "$(field "$synack" 13)" 53 "$what: SYN-ACK source port"
	if [[ $fam == v4 ]]; then
		local ip
		ip=$(capture_fields "$cap" "$srv && tcp.flags == 0x012" \
			ip.flags.df ip.checksum.status ip.ttl ip.id ip.len ip.hdr_len)
		expect_eq "$(field "$ip" 1)|$(field "$ip" 2)" "1|1" "$what: SYN-ACK IPv4 DF|checksum good"
		expect_eq "$(field "$ip" 3)|$(($(field "$ip" 4)))" "64|0" "$what: SYN-ACK IPv4 TTL|ID"
		expect_eq "$(field "$ip" 5)|$(field "$ip" 6)" "44|20" "$what: SYN-ACK IPv4 total|header length"
	else
		local ip6
		ip6=$(capture_fields "$cap" "$srv && tcp.flags == 0x012" \
			ipv6.plen ipv6.nxt ipv6.hlim ipv6.flow ipv6.tclass)
		expect_eq "$(field "$ip6" 1)|$(field "$ip6" 2)|$(field "$ip6" 3)" "24|6|64" \
			"$what: SYN-ACK IPv6 payload length|next header|hop limit"
		expect_eq "$(($(field "$ip6" 4)))|$(($(field "$ip6" 5)))" "0|0" "$what: SYN-ACK IPv6 flow label|traffic class"
	fi

	# The client's ACK of the SYN-ACK proves the handshake completed.
	ack=$(capture_fields "$cap" "$cli && tcp.flags == 0x010 && tcp.len == 0 && tcp.ack == $(((cookie + 1) & 0xffffffff))" tcp.seq)
	expect_lines "$ack" 1 "$what: client ACK of the SYN-ACK (handshake complete)"

	fin=$(capture_fields "$cap" "$cli && tcp.flags.fin == 1" tcp.seq tcp.ack tcp.len)
	expect_lines "$fin" 1 "$what: client FIN"
	expect_eq "$(field "$fin" 3)" 0 "$what: client FIN payload"
	finack=$(capture_fields "$cap" "$srv && tcp.flags == 0x010" \
		tcp.seq tcp.ack tcp.window_size_value tcp.hdr_len tcp.checksum.status tcp.len)
	expect_lines "$finack" 1 "$what: ACK of the FIN"
	expect_eq "$(field "$finack" 1)" "$(field "$fin" 2)" "$what: FIN-ACK seq = FIN's ack"
	expect_eq "$(field "$finack" 2)" "$((($(field "$fin" 1) + 1) & 0xffffffff))" "$what: FIN-ACK ack = FIN's seq + 1"
	expect_eq "$(field "$finack" 3)|$(field "$finack" 4)|$(field "$finack" 5)|$(field "$finack" 6)" \
		"65535|20|1|0" "$what: FIN-ACK window|header length|checksum|payload"
	if [[ $fam == v4 ]]; then
		expect_eq "$(capture_fields "$cap" "$srv && tcp.flags == 0x010" ip.checksum.status ip.flags.df ip.len)" \
			"1|1|40" "$what: FIN-ACK IPv4 checksum|DF|length"
	else
		expect_eq "$(capture_fields "$cap" "$srv && tcp.flags == 0x010" ipv6.plen)" 20 "$what: FIN-ACK IPv6 payload length"
	fi
}

step "check the capture"
check_connection v4 "$port_v4_default" 1220
check_connection v4 "$port_v4_1000" 1000
check_connection v6 "$port_v6_default" 1220
check_connection v6 "$port_v6_1400" 1400

expect_lines "$(capture_fields "$cap" "tcp.flags.reset == 1" frame.number)" 0 "RST segments"

step "counters"
syns=$(capture_fields "$cap" "tcp.dstport == 53 && tcp.flags == 0x002" frame.number | grep -c . || true)
fins=$(capture_fields "$cap" "tcp.dstport == 53 && tcp.flags.fin == 1" frame.number | grep -c . || true)
acks=$(capture_fields "$cap" "tcp.dstport == 53 && tcp.flags == 0x010 && tcp.len == 0" frame.number | grep -c . || true)
expect_eq "$syns" 4 "SYNs sent"
expect_eq "$fins" 4 "FINs sent"
expect_ge "$acks" 4 "pure ACKs sent"
expect_eq "$(xdpdns_stat "$SERVER_NS" "$SERVER_IF" tcp-syn-answered)" "$syns" "tcp-syn-answered"
expect_eq "$(xdpdns_stat "$SERVER_NS" "$SERVER_IF" tcp-fin-answered)" "$fins" "tcp-fin-answered"
expect_ge "$(xdpdns_stat "$SERVER_NS" "$SERVER_IF" tcp-ack-consumed)" "$acks" "tcp-ack-consumed"
