#!/usr/bin/env bash
# Real TCP clients against xdpdnsd (zone backend), IPv4 and IPv6: kdig +tcp,
# kdig +fastopen, kdig +tcp +keepopen with several names, dig +tcp
# +keepopen, drill -t. Every answer a client prints must be the zone's
# (et_dns_answers.py); in the client-side capture no two answers overlap in
# sequence space on any connection, no RST, all checksums good
# (et_tcp_streams.py); our SYN-ACK to a TFO SYN carries only the MSS option.
#
# What connection-reusing clients see (kdig 3.2.6 and dig 9.18.49, Debian
# 12; the test asserts it):
# * tcp.reuse on (the default): kdig +tcp +keepopen NAME1 NAME2 ... sends
#   each name on the same connection after the previous answer; every one is
#   answered, in order, on that connection, and the client's FIN at the end
#   gets our FIN. dig +tcp +keepopen likewise: every name, no end-of-file.
# * tcp.reuse off (Huston's close-after-each-answer, asserted over IPv4):
#   kdig sends NAME2 after our FIN; that segment acknowledges our FIN
#   (ack = cookie + answer + 2), so its ack-1 is no cookie: the XDP program
#   drops it (tcp-bad-cookie, or tcp-after-answer when XDP answered with the
#   FIN) and only acknowledges the client's FIN. kdig
#   reads end-of-file, prints ";; WARNING: can't receive reply from
#   ADDR@53(TCP)" at once, does NOT retry NAME2, and opens a new connection
#   for NAME3: names 1, 3, 5 answered, 2 and 4 get the warning. dig prints
#   ";; communications error to ADDR#53: end of file" and retries on a new
#   connection: every name answered, each after the first costing one lost
#   segment and one extra handshake. Never a wrong answer.
# * kdig +fastopen: the SYN carries a TFO cookie request (option 34); our
#   SYN-ACK carries only MSS, so the kernel sends the query after the
#   handshake as usual and it is answered. Having got no cookie, Linux asks
#   with the experimental TFO option (kind 254, ExID 0xF989) on the next
#   connection to the same server; that one gets the same treatment.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export XDPDNS_NETNS_TAG=${XDPDNS_NETNS_TAG:-et}
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"

require_cmds tcpdump tshark ethtool nsenter kdig dig drill "$PYTHON"
require_built "$XDPDNSD" "$XDPDNSCTL" "$XDP_PASS_OBJ"
ZONE=$XDPDNS_REPO/tools/zones/example.test.zone
netns_init
netns_pair_create

# client_check WHAT OPTIONS-FOR-CHECKER -- CLIENT-COMMAND...: runs the client
# in the client namespace, checks its output; sets ANSWERED and LOST.
client_check() {
	local what=$1 out=$NETNS_TMP/client.out summary
	shift
	local checker_args=()
	while [[ $1 != -- ]]; do checker_args+=("$1"); shift; done
	shift
	printf '$ %s\n' "$*"
	nsrun "$CLIENT_NS" "$@" >"$out" 2>&1 || true
	if ! "$PYTHON" "$here/py/et_dns_answers.py" "$ZONE" "${checker_args[@]}" <"$out" >"$out.check"; then
		cat "$out" "$out.check" >&2
		fail "$what: a wrong or missing answer (see above)"
	fi
	cat "$out.check"
	summary=$(tail -n 1 "$out.check")
	ANSWERED=$(sed -n 's/^answered=\([0-9]*\).*/\1/p' <<<"$summary")
	LOST=$(sed -n 's/.*lost-warnings=\([0-9]*\).*/\1/p' <<<"$summary")
	printf 'ok: %s\n' "$what"
}

nsrun "$CLIENT_NS" sysctl -qw net.ipv4.tcp_fastopen=1 # client side of TFO on
start_daemon --zone "$ZONE"
cap=$NETNS_TMP/client.pcap
capture_start "$CLIENT_NS" "$CLIENT_IF" "$cap" tcp port 53
show_on_failure "$cap"

names=(small.example.test/A www.example.test/A big1200.example.test/TXT big4000.example.test/TXT
	small.example.test/AAAA mx.example.test/MX)
# kdig/dig arguments for NAME/TYPE pairs.
query_args() {
	local spec
	for spec in "$@"; do printf '%s\n%s\n' "${spec%/*}" "${spec#*/}"; done
}
mapfile -t qargs < <(query_args "${names[@]}")
bad_cookie_expected=0

for addr in "$SERVER_IP4" "$SERVER_IP6"; do
	step "kdig +tcp @$addr, one connection per name"
	client_check "kdig +tcp $addr" --all "${names[@]}" -- kdig +tcp +timeout=2 +retry=0 @"$addr" "${qargs[@]}"
	expect_eq "$ANSWERED|$LOST" "${#names[@]}|0" "kdig +tcp $addr: answered|lost"

	step "kdig +fastopen @$addr"
	client_check "kdig +fastopen $addr" --all small.example.test/A big4000.example.test/TXT -- \
		kdig +fastopen +timeout=2 +retry=0 @"$addr" small.example.test A big4000.example.test TXT

	step "kdig +tcp +keepopen @$addr with 5 names (tcp.reuse on)"
	keep=(small.example.test/A www.example.test/A mx.example.test/MX big4000.example.test/TXT
		small.example.test/AAAA)
	mapfile -t kargs < <(query_args "${keep[@]}")
	client_check "kdig +keepopen $addr" --all "${keep[@]}" -- kdig +tcp +keepopen +timeout=2 +retry=0 @"$addr" "${kargs[@]}"
	expect_eq "$ANSWERED|$LOST" "5|0" "kdig +keepopen $addr: answered|lost-warnings"

	step "dig +tcp +keepopen @$addr with 4 names (tcp.reuse on)"
	mapfile -t dargs < <(query_args "${keep[@]:0:4}")
	client_check "dig +keepopen $addr" --all "${keep[@]:0:4}" -- dig +tcp +keepopen +time=2 +tries=2 @"$addr" "${dargs[@]}"
	expect_eq "$ANSWERED|$LOST" "4|0" "dig +keepopen $addr: answered|end-of-file retries"

	for spec in small.example.test/A www.example.test/A big4000.example.test/TXT; do
		step "drill -t @$addr ${spec%/*} ${spec#*/}"
		client_check "drill -t $addr $spec" --all "$spec" -- drill -t @"$addr" "${spec%/*}" "${spec#*/}"
	done
done

step "tcp.reuse off: close after each answer, as before connection reuse"
xdpdns_set "$SERVER_NS" "$SERVER_IF" tcp.reuse off >/dev/null || fail "xdpdnsctl set tcp.reuse off"
keep=(small.example.test/A www.example.test/A mx.example.test/MX big4000.example.test/TXT small.example.test/AAAA)
mapfile -t kargs < <(query_args "${keep[@]}")
client_check "kdig +keepopen, reuse off" "${keep[@]}" -- kdig +tcp +keepopen +timeout=2 +retry=0 @"$SERVER_IP4" "${kargs[@]}"
expect_eq "$ANSWERED|$LOST" "3|2" "kdig +keepopen, reuse off: answered|lost-warnings (names 2 and 4 after our FIN)"
bad_cookie_expected=$((bad_cookie_expected + LOST))
mapfile -t dargs < <(query_args "${keep[@]:0:4}")
client_check "dig +keepopen, reuse off" --all "${keep[@]:0:4}" -- dig +tcp +keepopen +time=2 +tries=2 @"$SERVER_IP4" "${dargs[@]}"
expect_eq "$ANSWERED|$LOST" "4|3" "dig +keepopen, reuse off: answered|end-of-file retries"
bad_cookie_expected=$((bad_cookie_expected + LOST))
capture_stop "$cap"

step "capture: per connection, no overlapping answers, no RST, checksums good"
rows=$(capture_fields "$cap" "tcp.srcport == 53" ip.dst tcp.dstport tcp.seq tcp.flags tcp.payload \
	tcp.checksum.status ipv6.dst | awk -F'|' 'BEGIN { OFS = "|" } { if ($1 == "") $1 = $7; NF = 6; print }')
"$PYTHON" "$here/py/et_tcp_streams.py" <<<"$rows" >"$NETNS_TMP/streams" ||
	{ cat "$NETNS_TMP/streams" >&2; fail "a connection broke the sequence-space rule (see above)"; }
tail -n 1 "$NETNS_TMP/streams"
conns=$(sed -n 's/^connections=\([0-9]*\).*/\1/p' "$NETNS_TMP/streams")
expect_ge "$conns" 30 "connections seen"

step "capture: TFO SYNs carried a TFO option, our SYN-ACKs only MSS"
# Connections are named by tshark's tcp.stream: kdig may use the same source
# port over IPv4 and IPv6.
tfo_streams=$(capture_fields "$cap" "tcp.flags == 0x002 && tcp.option_kind == 34" tcp.stream)
expect_lines "$tfo_streams" 2 "SYNs with TFO option 34 (first kdig +fastopen connection per family)"
# 254 with ExID 0xf989: the experimental TFO option (RFC 7413 section 4.1.1).
tfo_exp=$(capture_fields "$cap" "tcp.flags == 0x002 && tcp.option_kind == 254 && tcp.options contains f9:89" tcp.stream)
expect_lines "$tfo_exp" 2 "SYNs with the experimental TFO option (second connection per family)"
tfo_streams=$(printf '%s\n%s\n' "$tfo_streams" "$tfo_exp")
for stream in $tfo_streams; do
	synack=$(capture_fields "$cap" "tcp.flags == 0x012 && tcp.stream == $stream" tcp.options tcp.checksum.status)
	expect_eq "$synack" "020404c4|1" "SYN-ACK on TFO connection $stream: options (MSS 1220 only)|checksum"
done
data_after_tfo=$(capture_fields "$cap" "tcp.dstport == 53 && tcp.len > 0 && tcp.stream in {$(paste -sd, - <<<"$tfo_streams")}" tcp.stream)
expect_lines "$data_after_tfo" 4 "queries sent after the handshake on the TFO connections"

step "counters"
# With reuse off, every query sent on a kept connection after our FIN
# acknowledges the FIN: the XDP program drops it as carrying no cookie.
# Dropped either way: a bad cookie once the client acknowledged our FIN, or,
# when XDP gave that answer with its FIN, by the connection's record.
expect_eq "$(($(counter tcp-bad-cookie) + $(counter tcp-after-answer)))" "$bad_cookie_expected" \
	"tcp-bad-cookie + tcp-after-answer (queries after our FIN, reuse off)"
expect_eq "$(counter tcp-rst-sent)" 0 "tcp-rst-sent (no client lost its state)"
expect_ge "$(counter d-tcp-conns-opened)" 4 "d-tcp-conns-opened"
expect_eq "$(counter_settles d-tcp-conns-open 0)" 0 "d-tcp-conns-open after every client closed"
expect_eq "$(counter d-tcp-unanswerable)" 0 "d-tcp-unanswerable"
expect_eq "$(counter drop-bad-checksum)" 0 "drop-bad-checksum"
kill -0 "$XDPDNSD_PID" 2>/dev/null || fail "xdpdnsd died during the test"
