# shellcheck shell=bash
# Load generators of tools/bench/qps.sh, run in CLIENT_NS with every thread
# on CPU $CLIENT_CPU. Each prints two numbers on stdout, answered queries
# per second and offered (queries, or SYNs, sent per second), and keeps the
# tool's own output in $QPS_LOG_DIR.
#
#   load_run MODE DURATION LOGFILE
#   MODE: kxdpgun-udp | kxdpgun-tcp | kxdpgun-tcp-big | dnsperf-udp | dnsperf-tcp |
#         dnsperf-tcp-pipelined

# kxdpgun attaches its own XDP program to the client veth (and leaves it
# there when it exits): xdp_pass goes off before and back on after.
_client_xdp_off() {
	nsrun "$CLIENT_NS" ip link set dev "$CLIENT_IF" xdp off 2>/dev/null || true
	nsrun "$CLIENT_NS" ip link set dev "$CLIENT_IF" xdpgeneric off 2>/dev/null || true
}

_kxdpgun() { # DURATION LOGFILE QUERYFILE [ARGS...]
	local duration=$1 log=$2 queries=$3
	shift 3
	_client_xdp_off
	local status=0
	nsrun "$CLIENT_NS" taskset -c "$CLIENT_CPU" kxdpgun -t "$duration" -Q 1000000 -F "$CLIENT_CPU" \
		-I "$CLIENT_IF" -i "$queries" "$@" "$SERVER_IP4" >"$log" 2>&1 || status=$?
	_client_xdp_off
	netns_attach_xdp_pass "$CLIENT_NS" "$CLIENT_IF"
	((status == 0)) || { tail -n 5 "$log" >&2; netns_die "kxdpgun failed (status $status), see $log"; }
	# "total replies: N (R pps) (P%)" counts every reply, whatever its rcode
	# (an ATR follow-up would count too; small answers trigger none).
	# Answered = replies with NOERROR, over the run time.
	local noerror sent
	noerror=$(sed -n 's/^responded NOERROR: *\([0-9]*\).*/\1/p' "$log" | tail -1)
	[[ -n $noerror ]] || noerror=0
	sent=$(sed -n 's/^total \(queries\|SYNs\): *\([0-9]*\).*/\2/p' "$log" | tail -1)
	[[ -n $sent ]] || netns_die "cannot read kxdpgun's result in $log"
	echo "$((noerror / duration)) $((sent / duration))"
}

_dnsperf() { # DURATION LOGFILE QUERYFILE [ARGS...]
	local duration=$1 log=$2 queries=$3
	shift 3
	local status=0
	nsrun "$CLIENT_NS" taskset -c "$CLIENT_CPU" dnsperf -s "$SERVER_IP4" -d "$queries" \
		-l "$duration" "$@" >"$log" 2>&1 || status=$?
	((status == 0)) || { tail -n 5 "$log" >&2; netns_die "dnsperf failed (status $status), see $log"; }
	# Completed = answered (any rcode); the rcode table must show NOERROR only.
	local completed sent runtime
	completed=$(sed -n 's/^ *Queries completed: *\([0-9]*\).*/\1/p' "$log")
	sent=$(sed -n 's/^ *Queries sent: *\([0-9]*\).*/\1/p' "$log")
	runtime=$(sed -n 's/^ *Run time (s): *\([0-9.]*\).*/\1/p' "$log")
	[[ -n $completed && -n $sent && -n $runtime ]] || netns_die "cannot read dnsperf's result in $log"
	if grep -q 'Response codes:' "$log" && ! grep -Eq 'Response codes: *NOERROR [0-9]+ \(100\.00%\)' "$log"; then
		grep 'Response codes:' "$log" >&2
	fi
	awk -v n="$completed" -v s="$sent" -v t="$runtime" 'BEGIN { printf "%d %d\n", n / t, s / t }'
}

load_run() {
	local mode=$1 duration=$2 log=$3
	case $mode in
	kxdpgun-udp) _kxdpgun "$duration" "$log" "$QUERIES_SMALL" ;;
	# One query per connection; source addresses from a /28 so that source
	# ports (2000-65535 per address) do not run out.
	kxdpgun-tcp) _kxdpgun "$duration" "$log" "$QUERIES_SMALL" -T -b 4 -l "$CLIENT_RANGE" ;;
	kxdpgun-tcp-big) _kxdpgun "$duration" "$log" "$QUERIES_BIG" -T -b 4 -l "$CLIENT_RANGE" ;;
	# Closed loop: a lost query holds its slot for the time-out (-t 1 s).
	dnsperf-udp) _dnsperf "$duration" "$log" "$QUERIES_SMALL" -m udp -c 1 -T 1 -q 500 -t 1 ;;
	# dnsperf reconnects a socket only from a 100 ms poll loop and keeps at
	# most 256 sockets per thread: 4 threads x 256 connections is what it
	# takes to reach a few thousand connections per second.
	dnsperf-tcp) _dnsperf "$duration" "$log" "$QUERIES_SMALL" -m tcp -O num-queries-per-conn=1 -c 1024 -T 4 -q 1024 -t 2 ;;
	# Resolvers' way (RFC 7766): 8 persistent connections, up to 256
	# queries in flight over them, answers pipelined.
	dnsperf-tcp-pipelined) _dnsperf "$duration" "$log" "$QUERIES_SMALL" -m tcp -c 8 -T 1 -q 256 -t 2 ;;
	*) netns_die "unknown mode $mode" ;;
	esac
}
