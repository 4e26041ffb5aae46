#!/usr/bin/env bash
# TCP floods against xdpdnsd (zone backend, tools/zones/example.test.zone,
# tcp.reuse on, tcp.idle-timeout 2s for the test), one after the other, a
# few seconds each:
#   syn  spoofed SYNs (py/tcp_flood_syn.py) from random addresses of a /16
#        and a /64 that exist only inside this test (no host has them: the
#        SYN-ACKs die in the client namespace), random ports and ISNs;
#   T1   kxdpgun -T1: SYN, SYN-ACK, nothing more;
#   T3   kxdpgun -T3: full handshake, then silence;
#   T7   kxdpgun -T7: a query, and no ACK for the answer or anything else;
#   T8   kxdpgun -T8: a query, its answer acknowledged, our FIN ignored;
#   T5   kxdpgun -T5: handshake and an incomplete query (N-1 octets).
# Each kxdpgun flood comes from its own /27 of the client's subnet, none of
# whose addresses exists on the client: once kxdpgun stops, the peers of
# every connection it made are silent (what an attacker who walks away
# leaves), so the server's own timers must clear the state.
#
# During each flood 180 legitimate `dig +tcp` queries (IPv4 and IPv6, a
# one-segment and a three-segment answer, a new connection each, from
# ports 1024-1999: kxdpgun's XDP program takes 2000-65535 on the client
# veth) must get >= 99 % correct answers; their latency (SYN to the last
# answer octet, from a client-side capture) is printed, never asserted.
# Asserted:
# * memory: xdpdnsd's VmRSS (and VmHWM) never grows, over its value after
#   start-up, by more than the TCP connection state its workers allocated
#   at start ("TCP reuse: N connections, M MiB allocated" in its log, per
#   worker: the 16,384-entry table, its index and timer wheel, 1,024
#   reassembly slots of 4 KiB and the 16 MiB send ring; M rounded, so M + 1
#   MiB each). All of it is allocated in the constructor; at most the pages
#   not touched yet can become resident. Growth beyond that would be
#   per-connection allocation, i.e. a leak under a flood;
# * d-tcp-conns-open never exceeds connections per worker x workers;
# * syn, T1 and T3 make no state: tcp_conns has no entry from the flood's
#   prefix at any sample, and d-tcp-conns-opened grows by at most the
#   legitimate queries (each opens its own connection); everything is gone
#   idle-timeout + 3 s after the flood;
# * T7, T8 and T5 do make state (a query started it: a daemon connection,
#   or a tcp_conns entry XDP keeps when it answered the query itself, which
#   gets our FIN after the idle time-out and goes an idle time-out later if
#   that FIN is not acknowledged), bounded as above
#   (a full table evicts the connection idle longest, so each flood's
#   connections make room for the next flood's); once the last of them
#   stops, every tcp_conns entry and every daemon connection is gone within
#   the state's documented lifetime: the idle time-out (2 s) for an idle
#   connection, and for one that still has our octets or FIN
#   unacknowledged (a silent peer: T7's connections their answer, T8's and
#   T5's our idle FIN) the retransmission give-up of the README: 6
#   expiries of a timer starting at 1 s (no RTT sample: T5, T7) and
#   doubling to 8 s, then RST: 1+2+4+8+8+8+8 = 39 s. Bound: 2 + 39 + 8 s
#   margin after the last flood, T5, whose connections are the slowest to
#   go (idle time-out, then the whole give-up). The time each flood's state
#   took to go is printed. One exception, counted and printed, not hidden:
#   the XDP program makes a tcp_conns entry before it hands the query to
#   the daemon, and a frame the AF_XDP RX ring then drops (a busy machine:
#   tcp-to-daemon + tcp-conn-to-daemon + udp-to-daemon - d-rx > 0) leaves
#   an entry the daemon never knew, which no timer removes (only the LRU,
#   or a later segment of its tuple once it is idle time-out + 60 s old).
#   So "gone" means: d-tcp-conns-open 0, and no more tcp_conns entries
#   than frames the ring dropped (a NOTE says when there are any);
# * afterwards 100 legitimate queries are all answered, with the same
#   answers as before the floods, and xdpdnsd is still running.
# Floods are bounded in time (kxdpgun -t, the SYN generator's deadline) and
# count (the SYN generator's maximum).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export XDPDNS_NETNS_TAG=${XDPDNS_NETNS_TAG:-tf}
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"

require_cmds kxdpgun dig tcpdump bpftool nsenter timeout "$PYTHON"
require_built "$XDPDNSD" "$XDPDNSCTL" "$XDP_PASS_OBJ"
ZONE=$XDPDNS_REPO/tools/zones/example.test.zone

IDLE_S=2                # tcp.idle-timeout for the test
FLOOD_MIN_S=3           # each flood runs at least this long ...
FLOOD_MAX_S=25          # ... and never longer (kxdpgun -t, generator deadline)
KXDPGUN_QPS=20000       # connections per second kxdpgun opens
SYN_MAX=1500000         # the SYN generator's count bound
LEGIT_ROUNDS=3          # legitimate queries during each flood: rounds ...
LEGIT_PER_ROUND=60      # ... of this many (dig -f, one at a time)
GIVEUP_S=39             # 1+2+4+8+8+8+8: RTO expiries until the RST (README)
DRAIN_BOUND_S=$((IDLE_S + GIVEUP_S + 8))

netns_init
netns_pair_create
PIN=$(xdpdns_pin_dir "$SERVER_NS" "$SERVER_IF")
NET4=${CLIENT_IP4%.*}
# Spoofed sources: a /16 and a /64 of our own, routed to the client side.
SPOOF4="10.$((150 + ${_NETNS_OWNER:-$$} % 50)).0.0/16"
SPOOF6=$(printf 'fd00:f1:%x::/64' $((${_NETNS_OWNER:-$$} & 0xffff)))
nsrun "$SERVER_NS" ip route add "$SPOOF4" via "$CLIENT_IP4"
nsrun "$SERVER_NS" ip -6 route add "$SPOOF6" via "$CLIENT_IP6"
declare -A PREFIX=([syn]="$SPOOF4" [T1]="$NET4.32/27" [T3]="$NET4.64/27"
	[T5]="$NET4.96/27" [T7]="$NET4.128/27" [T8]="$NET4.160/27")
FLOODS=(syn T1 T3 T7 T8 T5)
STATELESS=" syn T1 T3 "

# kxdpgun reads the server's MAC from the neighbour table; its XDP program
# takes every TCP/UDP port from 2000 up on the client veth, so the
# legitimate clients use 1024-1999, each port held 60 s in TIME_WAIT after
# use (the test makes 640 connections per family, over four addresses).
# (TIME_WAIT is kept: a port reused at once can meet the state of its
# previous connection, see the README's Floods section.)
nsrun "$CLIENT_NS" ip neigh replace "$SERVER_IP4" lladdr "$SERVER_MAC" dev "$CLIENT_IF" nud permanent
nsrun "$CLIENT_NS" sysctl -qw net.ipv4.ip_local_port_range="1024 1999"
# dig binds to port 0 (half the range: 488 ports) before it connects: four
# addresses per family, each query bound to one in turn.
SOURCES4=$CLIENT_IP4 SOURCES6=$CLIENT_IP6
LEGIT_FILTER="host $CLIENT_IP4 or host $CLIENT_IP6"
for i in 10 11 12; do
	nsrun "$CLIENT_NS" ip addr add "$NET4.$i/24" dev "$CLIENT_IF"
	nsrun "$CLIENT_NS" ip addr add "${CLIENT_IP6%::*}::$i/64" dev "$CLIENT_IF" nodad
	SOURCES4+=",$NET4.$i" SOURCES6+=",${CLIENT_IP6%::*}::$i"
	LEGIT_FILTER+=" or host $NET4.$i or host ${CLIENT_IP6%::*}::$i"
done
LEGIT_FILTER="tcp port 53 and ($LEGIT_FILTER)"
echo "small.example.test A" >"$NETNS_TMP/kxdpgun.queries"

# ---- helpers ----------------------------------------------------------------

# stats NAME...: the counters' values, space-separated, from one read.
stats() {
	xdpdnsctl_run "$SERVER_NS" stats "$SERVER_IF" --json | "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)["interfaces"][sys.argv[1]]
v = {**d.get("xdp", {}), **d.get("daemon", {})}
print(" ".join(str(v[n]) for n in sys.argv[2:]))' "$SERVER_IF" "$@" ||
		fail "xdpdnsctl stats $SERVER_IF --json failed"
}

# conns: "total=N syn=n T1=n ..." of the tcp_conns map.
conns() {
	local args=() f
	for f in "${FLOODS[@]}"; do args+=("$f=${PREFIX[$f]}"); done
	"$PYTHON" "$here/py/tcp_flood_conns.py" "$PIN/tcp_conns" "${args[@]}" || fail "cannot read $PIN/tcp_conns"
}
# kv TEXT KEY: the value of KEY=value in TEXT.
kv() { sed -n "s/.*\\b$2=\\([^ ]*\\).*/\\1/p" <<<"$1"; }

# since T0: seconds from EPOCHREALTIME T0 to now, one decimal.
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
# tenths T0: the same in tenths of a second (an integer).
tenths() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 10 }'; }

rss_kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$DAEMON_PID/status"; }
PEAK_RSS=0
MAX_OPEN=0
sample_memory() {
	local r
	r=$(rss_kb VmRSS)
	((r > PEAK_RSS)) && PEAK_RSS=$r
	return 0
}
check_memory() { # WHEN
	local hwm
	sample_memory
	hwm=$(rss_kb VmHWM)
	((hwm > PEAK_RSS)) && PEAK_RSS=$hwm
	((PEAK_RSS - RSS0 <= RSS_BOUND_KB)) ||
		fail "$1: xdpdnsd VmRSS/VmHWM ${PEAK_RSS} kB, ${RSS0} kB after start-up: grew by $((PEAK_RSS - RSS0)) kB > $RSS_BOUND_KB kB"
}
check_open() { # OPEN WHEN
	((${1} > MAX_OPEN)) && MAX_OPEN=$1
	(($1 <= CONN_CAP)) || fail "$2: d-tcp-conns-open $1 > $CONN_CAP (connections x workers)"
	return 0
}
# settled: the daemon holds no connection, and tcp_conns no more entries
# than frames the AF_XDP ring dropped (see the top); sets SETTLED_C (the
# map's counts), SETTLED_OPEN and SETTLED_DROPPED.
settled() {
	local redirected conn_redirected udp_redirected rx
	SETTLED_C=$(conns)
	read -r SETTLED_OPEN redirected conn_redirected udp_redirected rx \
		<<<"$(stats d-tcp-conns-open tcp-to-daemon tcp-conn-to-daemon udp-to-daemon d-rx)"
	SETTLED_DROPPED=$((redirected + conn_redirected + udp_redirected - rx))
	[[ $SETTLED_OPEN == 0 ]] && (($(kv "$SETTLED_C" total) <= SETTLED_DROPPED))
}
alive() { kill -0 "$DAEMON_PID" 2>/dev/null || fail "xdpdnsd died (log: $(tail -5 "$DAEMON_LOG"))"; }

# legit LABEL COUNT: COUNT dig +tcp queries, one at a time; sets LEGIT_SENT,
# LEGIT_OK (correct answers), LEGIT_WRONG.
REFERENCE=$NETNS_TMP/reference.json
legit() {
	local label=$1 count=$2 batch=$NETNS_TMP/batch.$1 out=$NETNS_TMP/dig.$1 res save=() fam
	: >"$batch"
	: >"$out"
	# Half over IPv4, half over IPv6, one dig per family (see
	# py/tcp_flood_digs.py); dig exits 9 when a query got no answer: judged
	# below. Bounded: a dig that hangs is stopped.
	for fam in 4 6; do
		local server=SERVER_IP$fam sources=SOURCES$fam
		"$PYTHON" "$here/py/tcp_flood_digs.py" batch $((count / 2)) "${!server}" "${!sources}" >"$batch.$fam"
		cat "$batch.$fam" >>"$batch"
		nsrun "$CLIENT_NS" timeout -k 2 60 dig +tcp +tries=1 +time=2 +noall +answer +stats -f "$batch.$fam" \
			>>"$out" 2>&1 || true
	done
	[[ $label == before ]] && save=(--save)
	res=$("$PYTHON" "$here/py/tcp_flood_digs.py" judge "$batch" "$out" "$REFERENCE" "${save[@]}") ||
		fail "$label: judging dig's output: $res"
	LEGIT_SENT=$(kv "$res" queries) LEGIT_OK=$(kv "$res" answered) LEGIT_WRONG=$(kv "$res" wrong)
	if ((LEGIT_OK < LEGIT_SENT)); then  # what dig said about the others
		grep '^;; [^QSWM]\|^;; Query time: [0-9]\{4,\}' "$out" | sort | uniq -c | sed "s/^/$label: dig: /" | head -5 || true
	fi
	((LEGIT_WRONG == 0)) || fail "$label: $LEGIT_WRONG wrong answers ($res)"
}

# flood_start NAME / flood_stop NAME: sets FLOOD_PID, FLOOD_OUT; FLOOD_SENT.
flood_start() {
	local name=$1
	FLOOD_OUT=$NETNS_TMP/flood.$name
	if [[ $name == syn ]]; then
		rm -f "$NETNS_TMP/stop"
		nsbg "$CLIENT_NS" "$PYTHON" "$here/py/tcp_flood_syn.py" "$CLIENT_IF" "$CLIENT_MAC" "$SERVER_MAC" \
			"$SERVER_IP4" "$SPOOF4" "$SERVER_IP6" "$SPOOF6" "$FLOOD_MAX_S" "$SYN_MAX" "$NETNS_TMP/stop" \
			>"$FLOOD_OUT" 2>&1
	else
		# kxdpgun brings its own XDP program for the client veth.
		nsrun "$CLIENT_NS" ip link set dev "$CLIENT_IF" xdp off
		nsbg "$CLIENT_NS" kxdpgun -t "$FLOOD_MAX_S" -Q "$KXDPGUN_QPS" -I "$CLIENT_IF" \
			-i "$NETNS_TMP/kxdpgun.queries" "-$name" -l "${PREFIX[$name]}" "$SERVER_IP4" \
			>"$FLOOD_OUT" 2>&1
	fi
	FLOOD_PID=$NSBG_PID
}
flood_stop() {
	local name=$1 i status=0
	if [[ $name == syn ]]; then
		touch "$NETNS_TMP/stop"
	else
		kill -INT "$FLOOD_PID" 2>/dev/null || true
	fi
	for ((i = 0; i < 100; i++)); do
		kill -0 "$FLOOD_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$FLOOD_PID" 2>/dev/null; then
		kill -KILL "$FLOOD_PID" 2>/dev/null || true
		fail "$name: the flood generator did not stop within 10 s: $(tail -3 "$FLOOD_OUT")"
	fi
	wait "$FLOOD_PID" 2>/dev/null || status=$?
	if [[ $name != syn ]]; then
		nsrun "$CLIENT_NS" ip link set dev "$CLIENT_IF" xdp off
		netns_attach_xdp_pass "$CLIENT_NS" "$CLIENT_IF"
	fi
	((status == 0)) || fail "$name: the flood generator failed (status $status): $(tail -5 "$FLOOD_OUT")"
	if [[ $name == syn ]]; then
		FLOOD_SENT=$(($(sed -n 's/^sent4=//p' "$FLOOD_OUT") + $(sed -n 's/^sent6=//p' "$FLOOD_OUT")))
	else
		FLOOD_SENT=$(sed -n 's/^total SYNs: *\([0-9]*\).*/\1/p' "$FLOOD_OUT" | tail -1)
	fi
	[[ $FLOOD_SENT =~ ^[0-9]+$ ]] || fail "$name: cannot read what the generator sent: $(cat "$FLOOD_OUT")"
}

# ---- start ------------------------------------------------------------------

step "xdpdnsd on $SERVER_IF, tcp.idle-timeout ${IDLE_S}s"
start_daemon --zone "$ZONE" --set "tcp.idle-timeout=${IDLE_S}s"
mapfile -t tables < <(sed -n 's/.*TCP reuse: \([0-9]*\) connections, \([0-9]*\) MiB allocated.*/\1 \2/p' "$DAEMON_LOG")
((${#tables[@]} >= 1)) || fail "no 'TCP reuse: N connections, M MiB allocated' line in the daemon log"
WORKERS=${#tables[@]} CONN_CAP=0 RSS_BOUND_KB=0
for t in "${tables[@]}"; do
	read -r n mib <<<"$t"
	CONN_CAP=$((CONN_CAP + n))
	RSS_BOUND_KB=$((RSS_BOUND_KB + (mib + 1) * 1024))
done
echo "workers: $WORKERS; connections: $CONN_CAP; TCP state allocated at start: ${RSS_BOUND_KB} kB at most"

step "legitimate queries before the floods (the reference answers)"
legit before 100
expect_eq "$LEGIT_OK" "$LEGIT_SENT" "before the floods: queries answered"
RSS0=$(rss_kb VmRSS)
echo "xdpdnsd VmRSS after start-up and the first queries: $RSS0 kB; bound: + $RSS_BOUND_KB kB"
c=$(conns)
expect_eq "$(kv "$c" total)" 0 "tcp_conns entries before the floods"

declare -A RESULT=() FLOOD_END=()
for name in "${FLOODS[@]}"; do
	step "flood $name from ${PREFIX[$name]}$([[ $name == syn ]] && echo " and $SPOOF6")"
	read -r opened0 syns0 <<<"$(stats d-tcp-conns-opened tcp-syn-answered)"
	answered0=$(stats tcp-answered)
	started=$EPOCHREALTIME
	flood_start "$name"
	# The flood is on once the XDP program answers its SYNs.
	for ((i = 0; i < 100; i++)); do
		kill -0 "$FLOOD_PID" 2>/dev/null || fail "$name: the generator exited at once: $(cat "$FLOOD_OUT")"
		read -r syns <<<"$(stats tcp-syn-answered)"
		((syns - syns0 >= 500)) && break
		sleep 0.1
	done
	((syns - syns0 >= 500)) || fail "$name: fewer than 500 SYNs answered 10 s into the flood"
	sent=0 ok=0 flood_entries=0 max_total=0
	cap=$NETNS_TMP/legit.$name.pcap
	capture_start "$CLIENT_NS" "$CLIENT_IF" "$cap" -s 128 "$LEGIT_FILTER"
	for ((round = 1; round <= LEGIT_ROUNDS; round++)); do
		legit "$name.$round" "$LEGIT_PER_ROUND"
		sent=$((sent + LEGIT_SENT)) ok=$((ok + LEGIT_OK))
		read -r open <<<"$(stats d-tcp-conns-open)"
		check_open "$open" "during $name"
		c=$(conns)
		n=$(kv "$c" "$name")
		((n > flood_entries)) && flood_entries=$n
		(($(kv "$c" total) > max_total)) && max_total=$(kv "$c" total)
		check_memory "during $name"
		echo "round $round ($(since "$started") s): $LEGIT_OK/$LEGIT_SENT answered; d-tcp-conns-open $open; tcp_conns $c; VmRSS $(rss_kb VmRSS) kB"
		if [[ $STATELESS == *" $name "* && $n != 0 ]]; then
			fail "$name: tcp_conns holds $n entries from the flood's prefix ${PREFIX[$name]}"
		fi
	done
	kill -0 "$FLOOD_PID" 2>/dev/null ||
		fail "$name: the flood ended before the legitimate queries did (a slow machine? FLOOD_MAX_S=$FLOOD_MAX_S)"
	capture_stop "$cap"
	while (($(tenths "$started") < FLOOD_MIN_S * 10)); do sleep 0.1; done
	flood_stop "$name"
	FLOOD_END[$name]=$EPOCHREALTIME
	secs=$(since "$started")
	read -r opened1 syns1 open <<<"$(stats d-tcp-conns-opened tcp-syn-answered d-tcp-conns-open)"
	check_open "$open" "after $name"
	lat=$("$PYTHON" "$here/py/tcp_flood_digs.py" pcap "$cap")
	rm -f "$cap"
	echo "$name: $FLOOD_SENT SYNs sent in ${secs%.*} s, tcp-syn-answered +$((syns1 - syns0)), d-tcp-conns-opened +$((opened1 - opened0)); legitimate: $ok/$sent answered, latency (ms) $lat"
	((ok * 100 >= sent * 99)) || fail "$name: only $ok of $sent legitimate queries answered (< 99 %)"
	expect_ge "$((syns1 - syns0))" 1000 "$name: SYNs answered by the XDP program"
	if [[ $STATELESS == *" $name "* ]]; then
		# Every connection opened is a legitimate query's own.
		((opened1 - opened0 <= sent)) ||
			fail "$name: d-tcp-conns-opened grew by $((opened1 - opened0)) with $sent legitimate queries: the flood made state"
		echo "ok: $name: d-tcp-conns-opened +$((opened1 - opened0)) <= $sent legitimate queries; no tcp_conns entry from ${PREFIX[$name]}"
		gone=""
		for ((i = 0; i < (IDLE_S + 3) * 10; i++)); do
			if settled; then
				gone=$(since "${FLOOD_END[$name]}")
				break
			fi
			[[ $(kv "$SETTLED_C" "$name") != 0 ]] && fail "$name: tcp_conns holds entries from ${PREFIX[$name]}: $SETTLED_C"
			sleep 0.1
		done
		[[ -n $gone ]] || fail "$name: state left $((IDLE_S + 3)) s after the flood: d-tcp-conns-open $SETTLED_OPEN, tcp_conns $SETTLED_C (ring drops: $SETTLED_DROPPED)"
		[[ $(kv "$SETTLED_C" "$name") == 0 ]] || fail "$name: tcp_conns holds entries from ${PREFIX[$name]}: $SETTLED_C"
		echo "ok: $name: no connection state $gone s after the flood"
		RESULT[$name]="$FLOOD_SENT $secs $ok $sent $lat|$MAX_OPEN|$flood_entries|${gone%.*}"
	else
		# Connections the daemon opened, or XDP answered and keeps.
		xdp_kept=$(($(stats tcp-answered) - answered0))
		((opened1 - opened0 + xdp_kept > sent)) ||
			fail "$name: d-tcp-conns-opened grew by only $((opened1 - opened0)), tcp-answered by $xdp_kept: the flood made no connections (kxdpgun -$name?)"
		RESULT[$name]="$FLOOD_SENT $secs $ok $sent $lat|$MAX_OPEN|$flood_entries|"
	fi
	MAX_OPEN=0
	alive
done

step "after the floods: all state gone within ${DRAIN_BOUND_S} s (idle ${IDLE_S} s + retransmission give-up ${GIVEUP_S} s + 8 s)"
last_end=${FLOOD_END[T5]}
declare -A GONE=()
while :; do
	settled && done=1 || done=0
	check_open "$SETTLED_OPEN" "draining"
	for f in T7 T8 T5; do
		if [[ -z ${GONE[$f]:-} && $(kv "$SETTLED_C" "$f") == 0 ]]; then
			GONE[$f]=$(since "${FLOOD_END[$f]}")
		fi
	done
	((done)) && break
	if (($(tenths "$last_end") > DRAIN_BOUND_S * 10)); then
		fail "state outlived its bound: $(since "$last_end") s after the last flood d-tcp-conns-open $SETTLED_OPEN, tcp_conns $SETTLED_C (frames the AF_XDP ring dropped: $SETTLED_DROPPED)"
	fi
	sleep 0.5
done
drained=$(since "$last_end")
echo "ok: no connection state $drained s after the last flood (bound $DRAIN_BOUND_S s)"
left=$(kv "$SETTLED_C" total)
if ((left > 0)); then
	echo "NOTE: $left tcp_conns entries outlive every connection of the daemon ($SETTLED_C): the XDP program made them for frames the AF_XDP RX ring then dropped ($SETTLED_DROPPED frames); nothing removes them until the LRU recycles them"
fi
for f in T7 T8 T5; do
	echo "$f: its tcp_conns entries gone ${GONE[$f]:-never (entries for dropped frames)} s after it stopped"
	RESULT[$f]+=${GONE[$f]:--}
done
read -r idle rto rst evicted refused <<<"$(stats d-tcp-idle-closed d-tcp-rto d-tcp-rst-sent d-tcp-conns-evicted d-tcp-conns-refused)"
echo "daemon: d-tcp-idle-closed $idle, d-tcp-rto $rto, d-tcp-rst-sent $rst, d-tcp-conns-evicted $evicted, d-tcp-conns-refused $refused"

step "after the floods: every legitimate query answered as before"
legit after 100
expect_eq "$LEGIT_OK" "$LEGIT_SENT" "after the floods: queries answered (same answers as before)"
check_memory "after the floods"
echo "ok: xdpdnsd VmRSS $RSS0 kB after start-up, peak $PEAK_RSS kB (+$((PEAK_RSS - RSS0)) kB <= $RSS_BOUND_KB kB)"
alive

echo
echo "flood | SYNs sent | s | legit answered | SYN-to-answer p50/p99/max ms | max d-tcp-conns-open | max flood entries in tcp_conns | state gone after (s)"
for name in "${FLOODS[@]}"; do
	IFS='|' read -r a open entries gone <<<"${RESULT[$name]}"
	read -r fsent secs ok sent _ _ p50 p99 max <<<"$a"
	printf '%-5s | %9s | %4.1f | %3s/%-3s | %s/%s/%s | %5s | %5s | %s\n' "$name" "$fsent" "$secs" "$ok" "$sent" \
		"${p50#p50=}" "${p99#p99=}" "${max#max=}" "$open" "$entries" "$gone"
done
