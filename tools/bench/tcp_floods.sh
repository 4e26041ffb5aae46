#!/usr/bin/env bash
# TCP floods against xdpdns, Knot DNS in XDP mode and NSD, on one veth
# between two network namespaces: how legitimate `dig +tcp` clients fare
# during each flood, and what the flood costs the server in memory. Prints
# one table. A benchmark: it measures, it asserts nothing.
#
# Floods (each for --duration seconds, against a freshly started server):
#   syn  spoofed SYNs from random addresses of a /16 and ports (IPv4 only:
#        NSD listens on IPv4 here), as fast as tests/netns/py/tcp_flood_syn.py
#        sends from one core;
#   T1 T3 T5 T7 T8   kxdpgun's TCP debug modes at --rate connections/s:
#        SYN only; handshake then silence; an incomplete query; no ACK for
#        the answer; never close. Sources: a /27 of the client subnet that no
#        host has (the server namespace has static neighbour entries for it,
#        so NSD's kernel can answer): once kxdpgun stops, its peers are
#        silent.
# During the flood, legitimate clients send `dig +tcp` queries one after the
# other (a new connection each; small.example.test A and the three-segment
# big1200.example.test TXT, in batches of 50 from 16 client addresses and
# ports 1024-1999, as kxdpgun's XDP program takes 2000-65535 on the client
# veth). Per flood and server:
#   answered   correct answers / queries sent during the flood (dig +tries=1
#              +time=2: a query not answered within 2 s counts as lost);
#   q/s        legitimate queries completed per second (closed loop: a slow
#              server shows here too);
#   p50, p99   latency from the client's SYN to the last answer octet, from a
#              capture on the client veth (microseconds; dig's own query time
#              moves in 4 ms steps here);
#   after      correct answers to 20 queries 1 s after the flood stopped;
#   memory     the server's memory: Pss of its processes (smaps_rollup,
#              every process of the server) before the flood and the largest
#              sample during it, and the most TCP sockets the server
#              namespace's kernel held beyond those before the flood
#              (/proc/net/sockstat "inuse": NSD's connection state lives
#              there, Knot's in its process, xdpdns's in its process and in
#              BPF maps allocated at attach).
# Servers are interleaved (every server for flood 1, then flood 2, ...;
# --runs rounds of that): the machine's speed drifts. Rates are pooled over
# the runs (sums), latencies over all answered queries, memory is the
# largest seen.
#
# Rig as tools/bench/qps.sh: GRO and threaded NAPI on both veths, the client
# side (flood generator, dig and its NAPI thread) on CPU 0, the server and
# its NAPI thread on CPU 1; servers from tools/bench/qps/servers.sh.
#
#   tools/bench/tcp_floods.sh [--duration S] [--runs N] [--rate CONN_PER_S]
#                             [--floods "syn T1 T3 T5 T7 T8"]
#                             [--servers "xdpdns knot-xdp nsd"]
#                             [--build DIR] [--logs DIR] [--xdpdnsd-args "ARGS"]
#
# Root only. Everything lives in namespaces it creates and removes on exit.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
PY=$REPO/tests/netns/py

DURATION=10
RUNS=2
RATE=50000
FLOODS="syn T1 T3 T5 T7 T8"
SERVERS="xdpdns knot-xdp nsd"
BUILD=${XDPDNS_BUILD_DIR:-$REPO/build}
LOGS=""
XDPDNSD_ARGS=""
CLIENT_CPU=0
SERVER_CPU=1
BATCH=50
AFTER=20

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit "${1:-0}"; }

while (($#)); do
	case $1 in
	--duration) DURATION=$2; shift 2 ;;
	--runs) RUNS=$2; shift 2 ;;
	--rate) RATE=$2; shift 2 ;;
	--floods) FLOODS=$2; shift 2 ;;
	--servers) SERVERS=$2; shift 2 ;;
	--build) BUILD=$2; shift 2 ;;
	--logs) LOGS=$2; shift 2 ;;
	--xdpdnsd-args) XDPDNSD_ARGS=$2; shift 2 ;;
	-h | --help) usage 0 ;;
	*) echo "tcp_floods.sh: unknown argument '$1'" >&2; usage 2 >&2 ;;
	esac
done
[[ $DURATION =~ ^[1-9][0-9]*$ && $DURATION -le 120 ]] || { echo "tcp_floods.sh: --duration: 1..120 s" >&2; exit 2; }
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "tcp_floods.sh: --runs: a number > 0" >&2; exit 2; }
[[ $RATE =~ ^[1-9][0-9]*$ ]] || { echo "tcp_floods.sh: --rate: a number > 0" >&2; exit 2; }
for f in $FLOODS; do
	[[ $f =~ ^(syn|T1|T3|T5|T7|T8)$ ]] || { echo "tcp_floods.sh: unknown flood $f (syn T1 T3 T5 T7 T8)" >&2; exit 2; }
done
abs=$(cd "$BUILD" 2>/dev/null && pwd) || { echo "tcp_floods.sh: --build: no directory $BUILD" >&2; exit 2; }
BUILD=$abs

export XDPDNS_BUILD_DIR=$BUILD XDPDNS_NETNS_TAG=bf
# shellcheck source=../netns/lib.sh
source "$REPO/tools/netns/lib.sh"
# shellcheck source=qps/rig.sh
source "$HERE/qps/rig.sh"
# shellcheck source=qps/servers.sh
source "$HERE/qps/servers.sh"

[[ -x $XDPDNSD ]] || XDPDNSD=$XDPDNS_BUILD_DIR/ctl/daemon/lifecycle/xdpdnsd
for tool in kxdpgun knotd nsd dig tcpdump taskset ethtool timeout ss "$PYTHON"; do
	command -v "$tool" >/dev/null || { echo "tcp_floods.sh: $tool not found" >&2; exit 1; }
done
if [[ " $SERVERS " == *" xdpdns "* && ! -x $XDPDNSD ]]; then
	echo "tcp_floods.sh: no $XDPDNSD (build first, or --build DIR)" >&2
	exit 1
fi

netns_init
if [[ -n $LOGS ]]; then
	QPS_LOG_DIR=$LOGS
	mkdir -p "$QPS_LOG_DIR"
else
	QPS_LOG_DIR=$(mktemp -d /tmp/xdpdns-tcp-floods-logs.XXXXXX)
fi
ZONE=$REPO/tools/zones/example.test.zone

# ---- rig ------------------------------------------------------------------

rig_pair_create "$SERVER_CPU" "$CLIENT_CPU"
NET4=${CLIENT_IP4%.*}
# Flood sources: a spoofed /16 routed to the client side, and a /27 of the
# client subnet with static neighbour entries on the server side (kernel
# servers answer them without ARP; no host has them).
SPOOF4="10.$((150 + $$ % 50)).0.0/16"
nsrun "$SERVER_NS" ip route add "$SPOOF4" via "$CLIENT_IP4"
KX_RANGE="$NET4.160/27"
for i in $(seq 160 191); do
	nsrun "$SERVER_NS" ip neigh replace "$NET4.$i" lladdr "$CLIENT_MAC" dev "$SERVER_IF" nud permanent
done
# kxdpgun takes the server's MAC from the neighbour table.
nsrun "$CLIENT_NS" ip neigh replace "$SERVER_IP4" lladdr "$SERVER_MAC" dev "$CLIENT_IF" nud permanent
# Legitimate clients: 16 addresses, ports 1024-1999 (dig binds port 0 first:
# half of them, each then in TIME_WAIT for 60 s per address).
nsrun "$CLIENT_NS" sysctl -qw net.ipv4.ip_local_port_range="1024 1999"
SOURCES=$CLIENT_IP4 FILTER="host $CLIENT_IP4"
for i in $(seq 10 24); do
	nsrun "$CLIENT_NS" ip addr add "$NET4.$i/24" dev "$CLIENT_IF"
	SOURCES+=",$NET4.$i" FILTER+=" or host $NET4.$i"
done
FILTER="tcp port 53 and ($FILTER)"
echo "small.example.test A" >"$NETNS_TMP/kxdpgun.queries"

# ---- measuring --------------------------------------------------------------

REFERENCE=$NETNS_TMP/reference.json

# legit_round LABEL COUNT: COUNT dig +tcp queries; prints "SENT ANSWERED".
legit_round() {
	local batch=$NETNS_TMP/batch.$1 out=$NETNS_TMP/dig.$1 res save=()
	"$PYTHON" "$PY/tcp_flood_digs.py" batch "$2" "$SERVER_IP4" "$SOURCES" >"$batch"
	nsrun "$CLIENT_NS" taskset -c "$CLIENT_CPU" timeout -k 2 60 \
		dig +tcp +tries=1 +time=2 +noall +answer +stats -f "$batch" >"$out" 2>&1 || true
	[[ -e $REFERENCE ]] || save=(--save)
	res=$("$PYTHON" "$PY/tcp_flood_digs.py" judge "$batch" "$out" "$REFERENCE" "${save[@]}") ||
		netns_die "judging dig's output: $res"
	sed -n 's/^queries=\([0-9]*\) answered=\([0-9]*\) wrong=\([0-9]*\).*/\1 \2 \3/p' <<<"$res"
}

# server_pids: the server's processes (SERVER_PID and its descendants).
server_pids() {
	local pid=$1 child
	echo "$pid"
	for child in $(pgrep -P "$pid" 2>/dev/null); do server_pids "$child"; done
}
# memory_kb: Pss of every process of the server, kB.
memory_kb() {
	local total=0 pid v
	for pid in $(server_pids "$SERVER_PID"); do
		v=$(awk '$1 == "Pss:" { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null) || continue
		total=$((total + ${v:-0}))
	done
	echo "$total"
}
# tcp_sockets: TCP sockets of the server namespace's kernel ("inuse" of
# /proc/net/sockstat is per namespace; "alloc" and "orphan" count the whole
# machine).
tcp_sockets() { nsrun "$SERVER_NS" awk '$1 == "TCP:" { for (i = 2; i < NF; i++) if ($i == "inuse") print $(i + 1) }' /proc/net/sockstat; }

flood_start() { # NAME LOG
	if [[ $1 == syn ]]; then
		rm -f "$NETNS_TMP/stop"
		nsbg "$CLIENT_NS" taskset -c "$CLIENT_CPU" "$PYTHON" "$PY/tcp_flood_syn.py" "$CLIENT_IF" "$CLIENT_MAC" \
			"$SERVER_MAC" "$SERVER_IP4" "$SPOOF4" - - $((DURATION + 30)) 100000000 \
			"$NETNS_TMP/stop" >"$2" 2>&1
	else
		nsrun "$CLIENT_NS" ip link set dev "$CLIENT_IF" xdp off
		nsbg "$CLIENT_NS" kxdpgun -t $((DURATION + 30)) -Q "$RATE" -F "$CLIENT_CPU" -I "$CLIENT_IF" \
			-i "$NETNS_TMP/kxdpgun.queries" "-$1" -l "$KX_RANGE" "$SERVER_IP4" >"$2" 2>&1
	fi
	FLOOD_PID=$NSBG_PID
}
flood_stop() { # NAME LOG; prints what the generator sent
	local i
	if [[ $1 == syn ]]; then touch "$NETNS_TMP/stop"; else kill -INT "$FLOOD_PID" 2>/dev/null || true; fi
	for ((i = 0; i < 100; i++)); do
		kill -0 "$FLOOD_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$FLOOD_PID" 2>/dev/null || true
	wait "$FLOOD_PID" 2>/dev/null || true
	if [[ $1 != syn ]]; then
		nsrun "$CLIENT_NS" ip link set dev "$CLIENT_IF" xdp off
		netns_attach_xdp_pass "$CLIENT_NS" "$CLIENT_IF"
		sed -n 's/^total SYNs: *\([0-9]*\).*/\1/p' "$2" | tail -1
	else
		awk -F= '$1 == "sent4" || $1 == "sent6" { n += $2 } END { print n + 0 }' "$2"
	fi
}

# run_one FLOOD SERVER RUN: one measurement; appends to the totals.
declare -A SENT=() OK=() WRONG=() AFTER_OK=() AFTER_SENT=() SECS=() MEM0=() MEMPEAK=() SOCKS=() FLOODED=() FLOOD_MS=()
run_one() {
	local flood=$1 server=$2 run=$3 key="$1 $2" log=$QPS_LOG_DIR/$2.$1.$3 t0 sent=0 ok=0 wrong=0 n a w
	local mem0 mem peak socks socks0 maxsocks=0 cap elapsed fsent fstart fms
	server_start "$server"
	pin_napi "$SERVER_IF" "$SERVER_CPU"
	pin_napi "$CLIENT_IF" "$CLIENT_CPU"
	[[ -e $REFERENCE ]] || legit_round reference 8 >/dev/null
	sleep 1
	mem0=$(memory_kb) peak=$mem0 socks0=$(tcp_sockets)
	fstart=$EPOCHREALTIME
	flood_start "$flood" "$log.flood"
	sleep 2  # kxdpgun takes a second or so to start sending
	cap=$log.pcap  # kept with the logs: the latencies come from it
	rm -f "$cap"
	capture_start "$CLIENT_NS" "$CLIENT_IF" "$cap" -s 128 "$FILTER"
	t0=$EPOCHREALTIME
	while :; do
		read -r n a w < <(legit_round "$flood.$server" "$BATCH")
		sent=$((sent + n)) ok=$((ok + a)) wrong=$((wrong + w))
		mem=$(memory_kb)
		((mem > peak)) && peak=$mem
		socks=$(tcp_sockets)
		((socks - socks0 > maxsocks)) && maxsocks=$((socks - socks0))
		elapsed=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }')
		((elapsed < DURATION * 1000)) || break
	done
	capture_stop "$cap"
	kill -0 "$FLOOD_PID" 2>/dev/null || echo "  warning: the $flood generator stopped early: $(tail -2 "$log.flood")" >&2
	fsent=$(flood_stop "$flood" "$log.flood")
	fms=$(awk -v a="$fstart" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }')
	"$PYTHON" "$PY/tcp_flood_digs.py" pcap "$cap" --latencies "$NETNS_TMP/lat.$flood.$server" >"$log.latency"
	sleep 1
	read -r n a w < <(legit_round "after.$flood.$server" "$AFTER")
	server_stop "$server"
	# A kernel server's connections outlive it (orphans retransmitting to
	# silent peers): none may weigh on the next run.
	nsrun "$SERVER_NS" ss -K -t state all >/dev/null 2>&1 || true
	SENT[$key]=$((${SENT[$key]:-0} + sent)) OK[$key]=$((${OK[$key]:-0} + ok))
	WRONG[$key]=$((${WRONG[$key]:-0} + wrong))
	AFTER_SENT[$key]=$((${AFTER_SENT[$key]:-0} + n)) AFTER_OK[$key]=$((${AFTER_OK[$key]:-0} + a))
	SECS[$key]=$((${SECS[$key]:-0} + elapsed))
	FLOODED[$key]=$((${FLOODED[$key]:-0} + fsent)) FLOOD_MS[$key]=$((${FLOOD_MS[$key]:-0} + fms))
	((${MEM0[$key]:--1} >= mem0)) || MEM0[$key]=$mem0
	((${MEMPEAK[$key]:--1} >= peak)) || MEMPEAK[$key]=$peak
	((${SOCKS[$key]:--1} >= maxsocks)) || SOCKS[$key]=$maxsocks
	printf '  run %d  %-4s %-9s %5d/%-5d answered (%d wrong), %s; after %d/%d; memory %d -> %d kB, TCP sockets %d; flood %d SYNs (load %s)\n' \
		"$run" "$flood" "$server" "$ok" "$sent" "$wrong" "$(cat "$log.latency")" "$a" "$n" "$mem0" "$peak" \
		"$maxsocks" "$fsent" "$(cut -d' ' -f1-3 /proc/loadavg)" >&2
}

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
printf 'tcp_floods.sh: %s s x %s runs; floods: %s; servers: %s; kxdpgun %s conn/s; load average %s\n' \
	"$DURATION" "$RUNS" "$FLOODS" "$SERVERS" "$RATE" "$LOAD_START" >&2
for ((run = 1; run <= RUNS; run++)); do
	for flood in $FLOODS; do
		for server in $SERVERS; do
			run_one "$flood" "$server" "$run"
		done
	done
done

# ---- table ----------------------------------------------------------------

flood_text() {
	case $1 in
	syn) echo "spoofed SYNs" ;;
	T1) echo "-T1 SYN only" ;;
	T3) echo "-T3 handshake, silence" ;;
	T5) echo "-T5 incomplete query" ;;
	T7) echo "-T7 no ACKs" ;;
	T8) echo "-T8 never close" ;;
	esac
}
echo
echo "Legitimate dig +tcp during TCP floods ($DURATION s each, $RUNS runs pooled; kxdpgun $RATE conn/s; spoofed SYNs"
echo "as fast as one core sends). veth, client CPU $CLIENT_CPU, server CPU $SERVER_CPU, threaded NAPI."
echo "kernel $(uname -r); load average $LOAD_START (start), $(cut -d' ' -f1-3 /proc/loadavg) (end); logs: $QPS_LOG_DIR"
echo
printf '| %-22s | %-8s | %9s | %16s | %6s | %8s | %8s | %-6s | %17s | %11s |\n' flood server "SYNs/s" "legit answered" "q/s" \
	"p50 ms" "p99 ms" after "memory MiB" "TCP sockets"
printf '|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n' "------------------------" "----------" "-----------" "------------------" \
	"--------" "----------" "----------" "--------" "-------------------" "-------------"
for flood in $FLOODS; do
	for server in $SERVERS; do
		key="$flood $server"
		[[ -n ${SENT[$key]:-} ]] || continue
		lat=$("$PYTHON" "$PY/tcp_flood_digs.py" percentiles "$NETNS_TMP/lat.$flood.$server")
		p50=$(sed -n 's/.*p50=\([^ ]*\).*/\1/p' <<<"$lat") p99=$(sed -n 's/.*p99=\([^ ]*\).*/\1/p' <<<"$lat")
		pct=$(awk -v a="${OK[$key]}" -v s="${SENT[$key]}" 'BEGIN { printf "%.1f %%", s ? 100 * a / s : 0 }')
		qps=$(awk -v a="${OK[$key]}" -v ms="${SECS[$key]}" 'BEGIN { printf "%d", ms ? a * 1000 / ms : 0 }')
		fps=$(awk -v f="${FLOODED[$key]}" -v ms="${FLOOD_MS[$key]}" 'BEGIN { printf "%d", ms ? f * 1000 / ms : 0 }')
		mem=$(awk -v a="${MEM0[$key]}" -v b="${MEMPEAK[$key]}" 'BEGIN { printf "%.1f -> %.1f", a / 1024, b / 1024 }')
		printf '| %-22s | %-8s | %9s | %16s | %6s | %8s | %8s | %-6s | %17s | %11s |\n' "$(flood_text "$flood")" "$server" \
			"$fps" "${OK[$key]}/${SENT[$key]} $pct" "$qps" "$p50" "$p99" "${AFTER_OK[$key]}/${AFTER_SENT[$key]}" \
			"$mem" "${SOCKS[$key]}"
		((${WRONG[$key]} == 0)) || echo "  ${WRONG[$key]} WRONG answers from $server during $flood" >&2
	done
done
cat <<'NOTES'

legit answered: correct answers / queries, pooled over the runs (a query unanswered within 2 s is lost);
q/s: legitimate queries answered per second, one client, one query at a time (closed loop); p50/p99:
client SYN to last answer octet, answered queries only; after: 20 queries 1 s after the flood stopped;
memory: Pss of the server's processes before the flood -> largest during it; TCP sockets: most
kernel TCP sockets in the server namespace during the flood, beyond those before it (NSD's
connections; xdpdns and Knot XDP keep theirs in the process). SYNs/s: what the generator sent
(kxdpgun: connections it opened).
NOTES
