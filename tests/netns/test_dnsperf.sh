#!/usr/bin/env bash
# dnsperf against xdpdnsd (zone backend, tools/zones/example.test.zone):
# * `dnsperf -m udp` and `dnsperf -m tcp -O num-queries-per-conn=1`, 10 s
#   each at 2,000 queries per second (the rate issue 3 asks for: moderate,
#   well below what the daemon takes), over IPv4 and IPv6 respectively;
# * zero lost queries (over TCP judged by the capture, see below), only
#   NOERROR and NXDOMAIN (the query mix has one NXDOMAIN name);
# * the counters moved by exactly what dnsperf reports: over UDP one answer
#   per query, from the daemon (one full answer each) until it has stored
#   the ten questions, from XDP after (udp-answered); over TCP one query
#   segment to the daemon and one answer per query, one SYN answered and
#   one connection opened per connection (dnsperf's clients plus its
#   reconnections), every connection's state freed after dnsperf's FIN;
# * then `dnsperf -m tcp` with persistent connections (its default: 4
#   clients pipelining up to 64 queries): zero lost, one connection per
#   client, every query answered on it;
# * over TCP the client's capture proves every query answered on its own
#   connection: the first answer segment carries the query's ID at
#   seq = cookie + 1 with ack = end of the query, and the client's FIN
#   acknowledges the whole answer, i.e. its stack took every octet; no RST.
#
# dnsperf 2.10's TCP mode has a race between its sending and receiving
# threads when the server closes first (as we do, right after the answer):
# about once in 10,000 to 60,000 connections it files an answer its socket
# received under another socket ("received a response with an unexpected
# (maybe timed out) id") or drops it, and counts the query as lost. A
# trivial kernel-socket server that closes after answering shows the same
# losses. So over TCP, and only there, dnsperf's loss count is not the
# verdict: the capture is. Every query must be answered on the wire as
# above; then dnsperf may report at most 1 lost query in 2,000 (printed).
# Any query the capture shows unanswered fails, whatever dnsperf says.
# Never asserts a rate: dnsperf paces itself with -Q.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"

ZONE_FILE=$XDPDNS_REPO/tools/zones/example.test.zone
RATE=2000
SECONDS_EACH=10

require_cmds dnsperf dig tcpdump tshark ethtool nsenter "$PYTHON"
require_built "$XDPDNSD" "$XDPDNSCTL" "$XDP_PASS_OBJ"
netns_init
netns_pair_create

# Small answers only over UDP (dnsperf sends no EDNS: 512 octets); TCP also
# carries the 1,200- and 4,000-octet ones (3 and 9 segments of 512).
udp_queries=$NETNS_TMP/queries-udp.txt
cat >"$udp_queries" <<'EOF'
small.example.test A
small.example.test AAAA
www.example.test A
chain1.example.test A
mx.example.test MX
anything.wild.example.test A
b.ent.example.test A
host.sub.example.test A
example.test SOA
nothere.example.test A
EOF
tcp_queries=$NETNS_TMP/queries-tcp.txt
{
	cat "$udp_queries"
	echo "big1200.example.test TXT"
	echo "big4000.example.test TXT"
} >"$tcp_queries"

step "xdpdnsd on $SERVER_IF"
start_daemon --zone "$ZONE_FILE"
# One query first: neighbour discovery and ARP are done before dnsperf runs.
nsrun "$CLIENT_NS" dig +short +time=2 +tries=1 @"$SERVER_IP4" small.example.test A >/dev/null
nsrun "$CLIENT_NS" dig +short +time=2 +tries=1 @"$SERVER_IP6" small.example.test A >/dev/null

COUNTERS=(udp-to-daemon udp-answered d-udp-answers d-udp-truncated d-udp-fragmented tcp-syn-answered
	tcp-to-daemon d-tcp-answers tcp-fin-answered d-tcp-after-fin d-tcp-unanswerable
	d-tcp-conns-opened d-tcp-conn-queries tcp-answered tcp-close-answered d-tcp-adopted
	d-tcp-window-tc d-tx-ring-full d-dns-dropped d-dns-formerr tcp-bad-cookie
	pass-udp-no-daemon tcp-no-daemon)
declare -A before=()
snapshot() {
	local c
	for c in "${COUNTERS[@]}"; do before[$c]=$(counter "$c"); done
}
delta() { echo $(($(counter "$1") - ${before[$1]})); }

# dnsperf_field OUTPUT LABEL: the first number after "LABEL:".
dnsperf_field() {
	sed -n "s/^ *$2: *\([0-9][0-9]*\).*/\1/p" <<<"$1" | head -1
}

# run_dnsperf WHAT ARGS...: runs it; sets SENT LOST MISFILED CONNECTIONS
# and checks the response codes.
run_dnsperf() {
	local what=$1 out verbose=$NETNS_TMP/dnsperf-$1.txt
	shift
	# -v: one line per query ("> RCODE NAME TYPE LATENCY"), kept aside to
	# name the lost ones if any. Without suppress=sockready, -v also prints
	# a warning each time dnsperf's sender finds a socket busy; with
	# num-queries-per-conn=1 it polls its sockets to close and reconnect
	# them itself (the server keeps connections open under tcp.reuse), and
	# millions of such lines (70 MB in 10 s) slow it to a few queries a
	# second.
	nsrun "$CLIENT_NS" dnsperf -v -O suppress=sockready -l "$SECONDS_EACH" -Q "$RATE" -t 5 "$@" >"$verbose" 2>&1 ||
		{ cat "$verbose"; fail "$what: dnsperf failed"; }
	out=$(grep -v '^> ' "$verbose")
	printf '%s\n' "$out" | sed -n '/Statistics:/,$p'
	SENT=$(dnsperf_field "$out" "Queries sent")
	LOST=$(dnsperf_field "$out" "Queries lost")
	MISFILED=$(grep -c 'received a response with an unexpected' <<<"$out" || true)
	local completed noerror nxdomain
	completed=$(dnsperf_field "$out" "Queries completed")
	# A floor far below the pacing, only to prove the run happened: the
	# rate reached depends on the machine (dnsperf opens one connection per
	# TCP query), and no test asserts speed.
	expect_ge "$SENT" 500 "$what: queries sent"
	# TCP: every client's first connection plus its reconnections; the last
	# ones may close without a query when the time is up.
	CONNECTIONS=$(($(dnsperf_field "$out" "Reconnections" || true) + CLIENTS))
	if [[ $LOST != 0 ]]; then  # what dnsperf says about them, if anything
		grep '^Warning: received' "$verbose" | head -5 || true
		grep '^> ' "$verbose" | grep -v '^> \(NOERROR\|NXDOMAIN\) ' | head -5 || true
	fi
	expect_eq "$((completed + LOST))" "$SENT" "$what: queries completed + lost"
	# "Response codes: NOERROR 18000 (90.00%), NXDOMAIN 2000 (10.00%)"
	local codes
	codes=$(sed -n 's/^ *Response codes: *//p' <<<"$out")
	noerror=$(sed -n 's/.*NOERROR \([0-9]*\) .*/\1/p' <<<"$codes")
	nxdomain=$(sed -n 's/.*NXDOMAIN \([0-9]*\) .*/\1/p' <<<"$codes")
	expect_eq "$(sed 's/\(NOERROR\|NXDOMAIN\) [0-9]* ([0-9.]*%)//g; s/[ ,]//g' <<<"$codes")" "" \
		"$what: response codes other than NOERROR and NXDOMAIN"
	expect_eq "$((noerror + nxdomain))" "$completed" "$what: NOERROR + NXDOMAIN"
	expect_ge "$nxdomain" 1 "$what: NXDOMAIN answers (nothere.example.test)"
}

# wire_check PCAP: prints "QUERIES ANSWERED RSTS" from a client capture:
# a query counts as answered when its connection carries exactly that one
# query, our first data segment (relative seq 1) has its ID and
# acknowledges its last octet, and the client's FIN acknowledges our whole
# answer (our FIN too, unless the client closed as the FIN was on its way).
# (Payloads are cut by the snap length: the ID is octets 3-4 of the
# length-prefixed message.)
wire_check() {
	tshark -n -r "$1" -o tcp.desegment_tcp_streams:FALSE -o tcp.analyze_sequence_numbers:TRUE \
		-o tcp.relative_sequence_numbers:TRUE -Y tcp -T fields -E separator='|' \
		-e tcp.stream -e tcp.srcport -e tcp.flags.fin -e tcp.flags.reset -e tcp.seq \
		-e tcp.ack -e tcp.len -e tcp.payload 2>/dev/null | awk -F'|' '
	$2 != 53 {
		# A retransmitted query (same seq: the machine was busy) is not
		# another query.
		if ($7 > 0 && !(($1, $5) in seen)) { seen[$1, $5] = 1; nq[$1]++; qid[$1] = substr($8, 5, 4); qend[$1] = $5 + $7 }
		if ($3 == 1) cfin[$1] = $6
		if ($4 == 1) rst++
		next
	}
	{
		if ($7 > 0 && $5 == 1 && !($1 in aid)) { aid[$1] = substr($8, 5, 4); aack[$1] = $6 }
		if ($3 == 1) sfin[$1] = $5
		if ($4 == 1) rst++
	}
	END {
		for (s in nq) {
			q += nq[s]
			if (nq[s] == 1 && aid[s] == qid[s] && aack[s] == qend[s] &&
			    (cfin[s] == sfin[s] + 1 || cfin[s] == sfin[s]))
				ok++
			else if (bad++ < 5)
				printf "unanswered on the wire: stream %s queries %d id %s answer %s query end %s ack %s our FIN %s client FIN ack %s\n",
					s, nq[s], qid[s], aid[s], qend[s], aack[s], sfin[s], cfin[s] > "/dev/stderr"
		}
		print q + 0, ok + 0, rst + 0
	}'
}

step "dnsperf -m udp, IPv4, ${SECONDS_EACH} s at $RATE q/s"
snapshot
CLIENTS=4
run_dnsperf "UDP" -m udp -s "$SERVER_IP4" -d "$udp_queries" -c "$CLIENTS"
expect_eq "$LOST" 0 "UDP: queries lost"
# In-kernel answers (on by default): dnsperf's ten questions are answered by
# the daemon until it has stored them, then by XDP.
expect_eq "$(($(delta udp-to-daemon) + $(delta udp-answered)))" "$SENT" "UDP: udp-to-daemon + udp-answered"
expect_ge "$(delta udp-answered)" $((SENT - 100)) "UDP: udp-answered (in XDP)"
expect_eq "$(delta d-udp-answers)" "$(delta udp-to-daemon)" "UDP: d-udp-answers"
expect_eq "$(delta d-udp-truncated)" 0 "UDP: d-udp-truncated"
expect_eq "$(delta d-udp-fragmented)" 0 "UDP: d-udp-fragmented"
expect_eq "$(delta tcp-syn-answered)" 0 "UDP: tcp-syn-answered"

step "dnsperf -m tcp -O num-queries-per-conn=1, IPv6, ${SECONDS_EACH} s at $RATE q/s"
snapshot
CLIENTS=50
cap=$NETNS_TMP/tcp.pcap
# Headers and the first octets of each payload are enough (IDs).
capture_start "$CLIENT_NS" "$CLIENT_IF" "$cap" -s 128 tcp port 53
run_dnsperf "TCP" -m tcp -O num-queries-per-conn=1 -s "$SERVER_IP6" -d "$tcp_queries" -c "$CLIENTS"
sleep 0.3 # the last FINs are in flight when dnsperf exits
capture_stop "$cap"
read -r wire_queries wire_answered wire_rsts < <(wire_check "$cap")
expect_eq "$wire_queries" "$SENT" "TCP: queries on the wire"
expect_eq "$wire_answered" "$SENT" "TCP: queries answered on the wire (ID, ack, FIN acknowledged)"
expect_eq "$wire_rsts" 0 "TCP: RST segments"
if ((LOST > 0)); then
	echo "note: dnsperf counted $LOST lost and misfiled $MISFILED answers; the capture shows every answer delivered and acknowledged (dnsperf race, see the top of this file)"
	((LOST * 2000 <= SENT)) || fail "TCP: dnsperf lost $LOST of $SENT queries: more than its race explains"
else
	expect_eq "$LOST" 0 "TCP: queries lost"
fi
rm -f "$cap"
expect_ge "$CONNECTIONS" "$SENT" "TCP: connections (dnsperf: clients + reconnections)"
expect_eq "$(delta tcp-syn-answered)" "$CONNECTIONS" "TCP: tcp-syn-answered (one per connection)"
# A question asked before is answered in XDP (answers.in-kernel), the
# others by the daemon: one query segment per connection either way.
expect_eq "$(($(delta tcp-to-daemon) + $(delta tcp-answered)))" "$SENT" "TCP: tcp-to-daemon + tcp-answered"
expect_ge "$(delta tcp-answered)" $((SENT / 2)) "TCP: tcp-answered (in XDP)"
expect_eq "$(delta d-tcp-answers)" "$(delta tcp-to-daemon)" "TCP: d-tcp-answers"
expect_eq "$(delta d-tcp-after-fin)" 0 "TCP: d-tcp-after-fin"
expect_eq "$(delta d-tcp-window-tc)" 0 "TCP: d-tcp-window-tc"
expect_eq "$(delta udp-to-daemon)" 0 "TCP: udp-to-daemon"
# Each query opened a connection (tcp.reuse on); dnsperf closes it after
# the answer, and its FIN goes to that connection, not to the stateless FIN
# answer of the XDP program. Every connection's state is freed.
# Connections XDP answered end in XDP too: our FIN|ACK to the client's FIN.
expect_eq "$(($(delta d-tcp-conns-opened) - $(delta d-tcp-adopted)))" "$(delta tcp-to-daemon)" \
	"TCP: d-tcp-conns-opened - d-tcp-adopted (one per query the daemon answered)"
expect_eq "$(($(delta tcp-close-answered) + $(delta d-tcp-adopted)))" "$(delta tcp-answered)" \
	"TCP: tcp-close-answered + d-tcp-adopted (every connection XDP answered, closed)"
expect_eq "$(delta tcp-fin-answered)" 0 "TCP: tcp-fin-answered (FINs of connections with state)"
expect_eq "$(counter_settles d-tcp-conns-open 0)" 0 "TCP: d-tcp-conns-open after dnsperf closed them all"

step "dnsperf -m tcp, persistent connections (pipelined), IPv4, ${SECONDS_EACH} s at $RATE q/s"
snapshot
CLIENTS=4
run_dnsperf "TCP-pipelined" -m tcp -s "$SERVER_IP4" -d "$tcp_queries" -c "$CLIENTS" -q 64
expect_eq "$LOST" 0 "TCP pipelined: queries lost"
# A connection's first query may be answered in XDP (then the daemon
# adopts the connection at the second): the rest are the daemon's.
expect_eq "$(($(delta d-tcp-conn-queries) + $(delta tcp-answered)))" "$SENT" "TCP pipelined: d-tcp-conn-queries + tcp-answered"
expect_eq "$(($(delta d-tcp-answers) + $(delta tcp-answered)))" "$SENT" "TCP pipelined: d-tcp-answers + tcp-answered"
expect_eq "$(delta d-tcp-adopted)" "$(delta tcp-answered)" "TCP pipelined: d-tcp-adopted (each connection XDP answered first)"
expect_eq "$(delta d-tcp-conns-opened)" "$CLIENTS" "TCP pipelined: d-tcp-conns-opened (one per dnsperf client)"
expect_eq "$(delta tcp-syn-answered)" "$CLIENTS" "TCP pipelined: tcp-syn-answered"

step "nothing dropped along the way"
for c in d-tcp-unanswerable d-tx-ring-full d-dns-dropped d-dns-formerr tcp-bad-cookie \
	pass-udp-no-daemon tcp-no-daemon; do
	expect_eq "$(counter "$c")" 0 "$c"
done
kill -0 "$DAEMON_PID" 2>/dev/null || fail "xdpdnsd died"
