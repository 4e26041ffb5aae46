#!/usr/bin/env bash
# Measures the real ATR delay: the time between the last fragment of a large
# UDP answer and its TC=1 follow-up, as seen on the client's side of the
# wire. A benchmark: it prints numbers and asserts nothing.
#
#   tools/bench/atr_delay.sh [-n QUERIES] [-d "10ms 25ms" (in ms)] [--build-dir DIR]
#                            [--keep DIR]   (keep the captures in DIR)
#
# Two namespaces over a veth (tools/netns/lib.sh), xdpdnsd with the example
# zone; for each atr.delay and family, QUERIES (default 1,000) queries for
# big4000 (4,000 octets: three fragments) one after the other
# (atr_delay_client.py waits for the answer and the follow-up), captured
# with tcpdump on the client veth and paired by tests/netns/py/e4_capture.py.
# Prints min, p50 (median), p99 (nearest rank) and max in ms per run, how
# many follow-ups came less than atr.delay after the last fragment (early)
# and how many queries got no follow-up (lost).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

queries=1000
delays="10ms 25ms"
keep=""
while [[ $# -gt 0 ]]; do
	case $1 in
	-n) queries=$2; shift ;;
	-d) delays=$2; shift ;;
	--build-dir) export XDPDNS_BUILD_DIR=$2; shift ;;
	--keep) keep=$2; shift ;;
	-h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "atr_delay.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done

export XDPDNS_NETNS_TAG=${XDPDNS_NETNS_TAG:-e4b}
source "$repo/tools/netns/lib.sh"
# The daemon's target lives in ctl/daemon/lifecycle.
[[ -x $XDPDNSD ]] || XDPDNSD=$XDPDNS_BUILD_DIR/ctl/daemon/lifecycle/xdpdnsd
for f in "$XDPDNSD" "$XDPDNSCTL" "$XDP_PASS_OBJ"; do
	[[ -e $f ]] || netns_die "missing $f: build the project first (XDPDNS_BUILD_DIR=$XDPDNS_BUILD_DIR)"
done
for c in tcpdump tshark dig "$PYTHON"; do
	command -v "$c" >/dev/null || netns_die "missing tool $c"
done

netns_init
netns_pair_create
_NETNS_XDPDNS+=("$SERVER_NS $SERVER_IF $(xdpdns_pin_dir "$SERVER_NS" "$SERVER_IF")")
log=$NETNS_TMP/xdpdnsd.log
nsbg "$SERVER_NS" "$XDPDNSD" --interface "$SERVER_IF" --zone "$repo/tools/zones/example.test.zone" 2>"$log"
daemon=$NSBG_PID
for ((i = 0; i < 50; i++)); do
	kill -0 "$daemon" 2>/dev/null || { cat "$log" >&2; netns_die "xdpdnsd exited at start"; }
	nsrun "$CLIENT_NS" dig +time=1 +tries=1 +short @"$SERVER_IP4" small.example.test A 2>/dev/null |
		grep -qx 192.0.2.1 && break
	sleep 0.2
done
((i < 50)) || { cat "$log" >&2; netns_die "xdpdnsd did not answer within 10 s"; }

printf '# ATR delay, client side: last fragment of big4000 -> TC=1 follow-up, %d queries per run\n' "$queries"
printf '# kernel %s, %s CPUs, load average %s\n' "$(uname -r)" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %-9s %6s %9s %9s %9s %9s %6s %5s\n' family atr.delay n min_ms p50_ms p99_ms max_ms early lost
for delay in $delays; do
	xdpdns_set "$SERVER_NS" "$SERVER_IF" atr.delay "$delay" >/dev/null
	for fam in IPv4 IPv6; do
		if [[ $fam == IPv4 ]]; then addr=$SERVER_IP4; else addr=$SERVER_IP6; fi
		cap=$NETNS_TMP/atr-$fam-$delay.pcap
		capture_start "$CLIENT_NS" "$CLIENT_IF" "$cap" -B 16384 ip or ip6
		client=$(nsrun "$CLIENT_NS" "$PYTHON" "$here/atr_delay_client.py" "$addr" "$queries")
		capture_stop "$cap"
		summary=$("$PYTHON" "$repo/tests/netns/py/e4_capture.py" atr "$cap" --server "$addr" --summary \
			--delay-ms "${delay%ms}") || true
		# summary: n=N min=... p50=... p99=... max=...
		declare -A s=()
		for kv in $summary; do s[${kv%%=*}]=${kv#*=}; done
		followups=$(sed -n 's/.*followups=\([0-9]*\).*/\1/p' <<<"$client")
		printf '%-6s %-9s %6s %9s %9s %9s %9s %6s %5s\n' "$fam" "$delay" "${s[n]:-0}" "${s[min]:--}" \
			"${s[p50]:--}" "${s[p99]:--}" "${s[max]:--}" "${s[early]:--}" "$((queries - ${followups:-0}))"
		unset s
		[[ -z $keep ]] || cp "$cap" "$keep/"
	done
done
