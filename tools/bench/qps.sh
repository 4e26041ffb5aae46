#!/usr/bin/env bash
# Answered DNS queries per second of xdpdns, Knot DNS (XDP mode and kernel
# sockets) and NSD, on one veth between two network namespaces, with kxdpgun
# (UDP; TCP one query per connection, small and big answer) and dnsperf (UDP;
# TCP one query per connection). Prints one table: the median of the runs
# and the ratio to xdpdns. A benchmark: it measures, it asserts nothing.
#
# Rig: GRO and threaded NAPI on both veths; the client side (load generator
# and its NAPI thread) on CPU 0, the server (every thread) and its NAPI
# thread on CPU 1. Without threaded NAPI a veth runs the receiver's NAPI (and
# the server's XDP program) in the sender's softirq, on the client's CPU.
#
#   tools/bench/qps.sh [--duration S] [--runs N] [--quick]
#                      [--servers "xdpdns xdpdns-afxdp knot-xdp knot nsd reflector"]
#                      [--modes "kxdpgun-udp kxdpgun-tcp kxdpgun-tcp-big dnsperf-udp dnsperf-tcp
#                               dnsperf-tcp-pipelined"]
#                      [--build DIR] [--logs DIR] [--xdpdnsd-args "ARGS"]
#
# --xdpdnsd-args: extra xdpdnsd flags, e.g. "--set tcp.segment-size=1460".
# xdpdns-afxdp is xdpdns with answers.in-kernel off: every query crosses to
# the daemon over AF_XDP. reflector is no DNS server: an XDP program that
# turns each UDP query into a reply (XDP_TX), the rig's UDP ceiling.
#
# Root only. Everything lives in namespaces it creates and removes on exit.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)

DURATION=10
RUNS=3
SERVERS="xdpdns knot-xdp knot nsd"
MODES="kxdpgun-udp kxdpgun-tcp kxdpgun-tcp-big dnsperf-udp dnsperf-tcp dnsperf-tcp-pipelined"
BUILD=${XDPDNS_BUILD_DIR:-$REPO/build}
LOGS=""
XDPDNSD_ARGS=""
CLIENT_CPU=0
SERVER_CPU=1

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit "${1:-0}"; }

while (($#)); do
	case $1 in
	--duration) DURATION=$2; shift 2 ;;
	--runs) RUNS=$2; shift 2 ;;
	--quick) DURATION=3 RUNS=1; shift ;;
	--servers) SERVERS=$2; shift 2 ;;
	--modes) MODES=$2; shift 2 ;;
	--build) BUILD=$2; shift 2 ;;
	--logs) LOGS=$2; shift 2 ;;
	--xdpdnsd-args) XDPDNSD_ARGS=$2; shift 2 ;;
	-h | --help) usage 0 ;;
	*) echo "qps.sh: unknown argument '$1'" >&2; usage 2 >&2 ;;
	esac
done
[[ $DURATION =~ ^[1-9][0-9]*$ ]] || { echo "qps.sh: --duration: whole seconds > 0" >&2; exit 2; }
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "qps.sh: --runs: a number > 0" >&2; exit 2; }
abs=$(cd "$BUILD" 2>/dev/null && pwd) || { echo "qps.sh: --build: no directory $BUILD" >&2; exit 2; }
BUILD=$abs

export XDPDNS_BUILD_DIR=$BUILD XDPDNS_NETNS_TAG=bn
# shellcheck source=../netns/lib.sh
source "$REPO/tools/netns/lib.sh"
# shellcheck source=qps/rig.sh
source "$HERE/qps/rig.sh"
# shellcheck source=qps/servers.sh
source "$HERE/qps/servers.sh"
# shellcheck source=qps/load.sh
source "$HERE/qps/load.sh"

[[ -x $XDPDNSD ]] || XDPDNSD=$XDPDNS_BUILD_DIR/ctl/daemon/lifecycle/xdpdnsd
for tool in kxdpgun dnsperf knotd nsd dig taskset ethtool; do
	command -v "$tool" >/dev/null || { echo "qps.sh: $tool not found" >&2; exit 1; }
done
if [[ " $SERVERS " == *" xdpdns "* && ! -x $XDPDNSD ]]; then
	echo "qps.sh: no $XDPDNSD (build first, or --build DIR)" >&2
	exit 1
fi

netns_init
# The tools' outputs outlive the rig (NETNS_TMP goes at exit).
if [[ -n $LOGS ]]; then
	QPS_LOG_DIR=$LOGS
	mkdir -p "$QPS_LOG_DIR"
else
	QPS_LOG_DIR=$(mktemp -d /tmp/xdpdns-qps-logs.XXXXXX)
fi

ZONE=$REPO/tools/zones/example.test.zone
QUERIES_SMALL=$NETNS_TMP/small.queries
QUERIES_BIG=$NETNS_TMP/big.queries
echo "small.example.test A" >"$QUERIES_SMALL"
echo "big1200.example.test TXT" >"$QUERIES_BIG"

# ---- rig ------------------------------------------------------------------

rig_pair_create "$SERVER_CPU" "$CLIENT_CPU"
# kxdpgun's TCP source addresses: 16 of them, answered by the client kernel's ARP.
CLIENT_RANGE="${CLIENT_IP4%.*}.128/28"
for i in $(seq 128 143); do
	nsrun "$CLIENT_NS" ip addr add "${CLIENT_IP4%.*}.$i/24" dev "$CLIENT_IF"
done
# dnsperf's TCP mode opens thousands of connections a second, each bound
# before connect: wide port range, and TIME_WAIT entries dropped at once
# (past tcp_max_tw_buckets), or a later run finds no free port.
nsrun "$CLIENT_NS" sysctl -qw net.ipv4.ip_local_port_range="1024 65535" net.ipv4.tcp_max_tw_buckets=64
# kxdpgun takes the server MAC from the neighbour table.
nsrun "$CLIENT_NS" ip neigh replace "$SERVER_IP4" lladdr "$SERVER_MAC" dev "$CLIENT_IF" nud permanent

# ---- runs -----------------------------------------------------------------

declare -A RESULT=()   # "server mode" -> median answered/s
declare -A OFFERED=()  # "server mode" -> median offered/s
declare -A SAMPLES=()  # "server mode" -> "a1 a2 a3"
FAILED=0

median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%d\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
printf 'qps.sh: %s s x %s runs; servers: %s; modes: %s; load average %s\n' \
	"$DURATION" "$RUNS" "$SERVERS" "$MODES" "$LOAD_START" >&2
# Round-robin: run 1 of every server and mode, then run 2, ... so that a
# change of load on the machine during the benchmark weighs on all servers
# alike (it shows in the spread of the runs, not in the ratios).
declare -A ANSWERED=() OFFERS=()  # "server mode" -> "v1 v2 ..."
for ((run = 1; run <= RUNS; run++)); do
	for mode in $MODES; do
		for server in $SERVERS; do
			[[ $server == reflector && $mode != *udp* ]] && continue  # it answers UDP only
			# A fresh server for every run: Knot's XDP TCP stops answering after
			# a TCP flood until restarted, and no run inherits another's state.
			server_start "$server"
			pin_napi "$SERVER_IF" "$SERVER_CPU"
			pin_napi "$CLIENT_IF" "$CLIENT_CPU"
			a="" o=""
			read -r a o < <(load_run "$mode" "$DURATION" "$QPS_LOG_DIR/$server.$mode.$run.txt") || true
			server_stop "$server"
			if [[ -z $a || -z $o ]]; then
				# Reported, and left out of the median: one failed tool run
				# should not throw away the others.
				printf '  run %d  %-16s %-9s FAILED (see %s)\n' "$run" "$mode" "$server" \
					"$QPS_LOG_DIR/$server.$mode.$run.txt" >&2
				FAILED=$((FAILED + 1))
				continue
			fi
			ANSWERED["$server $mode"]+="$a " OFFERS["$server $mode"]+="$o "
			printf '  run %d  %-16s %-9s %8d answered/s of %8d offered/s  (load %s)\n' "$run" "$mode" \
				"$server" "$a" "$o" "$(cut -d' ' -f1-3 /proc/loadavg)" >&2
		done
	done
done
for server in $SERVERS; do
	for mode in $MODES; do
		read -r -a answered <<<"${ANSWERED["$server $mode"]:-}"
		read -r -a offered <<<"${OFFERS["$server $mode"]:-}"
		SAMPLES["$server $mode"]="${answered[*]:-}"
		if ((${#answered[@]})); then
			RESULT["$server $mode"]=$(median "${answered[@]}")
			OFFERED["$server $mode"]=$(median "${offered[@]}")
		fi
	done
done

# ---- table ----------------------------------------------------------------

mode_text() {
	case $1 in
	kxdpgun-udp) echo "kxdpgun UDP" ;;
	kxdpgun-tcp) echo "kxdpgun TCP 1 q/conn, 50 B" ;;
	kxdpgun-tcp-big) echo "kxdpgun TCP 1 q/conn, 1,200 B" ;;
	dnsperf-udp) echo "dnsperf UDP" ;;
	dnsperf-tcp) echo "dnsperf TCP 1 q/conn" ;;
	dnsperf-tcp-pipelined) echo "dnsperf TCP pipelined, 8 conns, 256 in flight" ;;
	*) echo "$1" ;;
	esac
}

echo
echo "Answered queries per second (NOERROR answers / s), median of $RUNS x $DURATION s; offered: queries"
echo "(kxdpgun TCP: SYNs) sent per second. veth, client CPU $CLIENT_CPU, server CPU $SERVER_CPU, threaded NAPI."
echo "kernel $(uname -r); load average $LOAD_START (start), $(cut -d' ' -f1-3 /proc/loadavg) (end)"
echo "tool outputs: $QPS_LOG_DIR"
echo
printf '| %-9s | %-30s | %10s | %8s | %10s | %-24s |\n' server "tool / mode" "answered/s" "x xdpdns" "offered/s" "runs (answered/s)"
printf '|%s|%s|%s|%s|%s|%s|\n' "-----------" "--------------------------------" "------------" "----------" \
	"------------" "--------------------------"
for mode in $MODES; do
	ref=${RESULT["xdpdns $mode"]:-}
	for server in $SERVERS; do
		q=${RESULT["$server $mode"]:-}
		ratio="-"
		[[ -n $q && -n $ref && $ref -gt 0 ]] && ratio=$(awk -v a="$q" -v b="$ref" 'BEGIN { printf "%.2f", a / b }')
		printf '| %-9s | %-30s | %10s | %8s | %10s | %-24s |\n' "$server" "$(mode_text "$mode")" "${q:-failed}" \
			"$ratio" "${OFFERED["$server $mode"]:--}" "${SAMPLES["$server $mode"]}"
	done
done
cat <<'NOTES'

kxdpgun is open loop: it sends at its own pace (offered/s) and counts every reply, unmatched; at
saturation losses are expected, and kernel-socket servers under its TCP SYN flood mostly overflow
their listen queue. dnsperf is closed loop on kernel sockets; in TCP mode with one query per
connection it is limited by its own reconnection handling (a 100 ms poll loop, 256 sockets per
thread), so those figures follow the client CPU more than the server.
NOTES
((FAILED == 0)) || { echo "$FAILED tool run(s) failed: see above" >&2; exit 1; }
