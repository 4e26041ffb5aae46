# shellcheck shell=bash
# The four DNS servers of tools/bench/qps.sh, each started in SERVER_NS on
# SERVER_IF with every thread on CPU $SERVER_CPU, serving $ZONE, and stopped
# again leaving nothing attached. Sourced by qps.sh (which sources
# tools/netns/lib.sh first: nsrun, nsbg, netns_die, NETNS_TMP).
#
#   server_start NAME   xdpdns | xdpdns-afxdp | knot-xdp | knot | nsd; sets SERVER_PID
#   server_stop NAME    (xdpdns: appends `xdpdnsctl stats` to $QPS_LOG_DIR/NAME.stats)

SERVER_PID=""

# Worker counts are Knot's defaults (one per CPU): all of them share CPU 1
# anyway, and a single UDP/TCP worker made Knot slower, not faster.
_knot_conf() { # FILE XDP(0|1)
	local dir=$NETNS_TMP/knot
	mkdir -p "$dir/db"
	{
		cat <<-CONF
		server:
		    rundir: "$dir"
		    pidfile: "$dir/knot.pid"
		CONF
		if (($2)); then
			# UDP and TCP through AF_XDP; no kernel socket.
			cat <<-CONF
			xdp:
			    listen: $SERVER_IF@53
			    udp: on
			    tcp: on
			CONF
		else
			printf '    listen: %s@53\n' "$SERVER_IP4"
		fi
		cat <<-CONF
		database:
		    storage: "$dir/db"
		control:
		    listen: "$dir/knot.sock"
		log:
		  - target: stderr
		    any: warning
		template:
		  - id: default
		    storage: "$dir"
		    journal-content: none
		    zonefile-sync: -1
		    semantic-checks: off
		zone:
		  - domain: example.test
		    file: "$ZONE"
		CONF
	} >"$1"
}

_nsd_conf() { # FILE
	local dir=$NETNS_TMP/nsd
	mkdir -p "$dir"
	cat >"$1" <<-CONF
	server:
	    ip-address: $SERVER_IP4
	    port: 53
	    server-count: 1
	    tcp-count: 1000
	    username: ""
	    chroot: ""
	    zonesdir: "$dir"
	    database: ""
	    pidfile: "$dir/nsd.pid"
	    xfrdfile: "$dir/xfrd.state"
	    xfrdir: "$dir"
	    logfile: "$dir/nsd.log"
	    verbosity: 0
	    # Debian's default rate limit would drop most of a benchmark's answers.
	    rrl-ratelimit: 0
	remote-control:
	    control-enable: no
	zone:
	    name: example.test
	    zonefile: "$ZONE"
	CONF
}

# Waits (10 s at most) until the server answers small.example.test over UDP
# and over TCP from the client namespace.
_wait_answering() {
	local name=$1 i
	for ((i = 0; i < 50; i++)); do
		kill -0 "$SERVER_PID" 2>/dev/null || netns_die "$name exited at start (log: $QPS_LOG_DIR/$name.log)"
		if [[ $(nsrun "$CLIENT_NS" dig +short +tries=1 +time=1 @"$SERVER_IP4" small.example.test A 2>/dev/null) == 192.0.2.1 &&
			$(nsrun "$CLIENT_NS" dig +tcp +short +tries=1 +time=1 @"$SERVER_IP4" small.example.test A 2>/dev/null) == 192.0.2.1 ]]; then
			return 0
		fi
		sleep 0.2
	done
	netns_die "$name does not answer small.example.test over UDP and TCP (log: $QPS_LOG_DIR/$name.log)"
}

# Every thread of every process of the server on SERVER_CPU (knotd re-pins
# its workers at start; nsd forks children).
_pin_server_tree() {
	local pid=$1 child
	taskset -a -p -c "$SERVER_CPU" "$pid" >/dev/null || netns_die "taskset -a -p -c $SERVER_CPU $pid failed"
	for child in $(pgrep -P "$pid"); do _pin_server_tree "$child"; done
}

server_start() {
	local name=$1 log=$QPS_LOG_DIR/$1.log
	case $name in
	xdpdns | xdpdns-afxdp)
		# xdpdns-afxdp: every query through AF_XDP to the daemon.
		local -a extra=()
		read -r -a extra <<<"${XDPDNSD_ARGS:-}"
		[[ $name == xdpdns-afxdp ]] && extra+=(--set answers.in-kernel=off)
		nsbg "$SERVER_NS" taskset -c "$SERVER_CPU" "$XDPDNSD" --interface "$SERVER_IF" \
			--zone "$ZONE" --log-level warn "${extra[@]}" 2>>"$log"
		;;
	knot-xdp | knot)
		local conf=$NETNS_TMP/knot.conf
		_knot_conf "$conf" "$([[ $name == knot-xdp ]] && echo 1 || echo 0)"
		nsbg "$SERVER_NS" taskset -c "$SERVER_CPU" knotd -c "$conf" 2>>"$log"
		;;
	nsd)
		local conf=$NETNS_TMP/nsd.conf
		_nsd_conf "$conf"
		nsbg "$SERVER_NS" taskset -c "$SERVER_CPU" nsd -d -c "$conf" 2>>"$log"
		;;
	reflector)
		# No DNS at all: the rig's UDP ceiling (tools/bench/bpf/bench_reflect.bpf.c).
		local obj=$XDPDNS_BUILD_DIR/tools/bench/bench_reflect.bpf.o
		[[ -e $obj ]] || netns_die "no $obj (build the benchmarks)"
		netns_attach_xdp "$SERVER_NS" "$SERVER_IF" "$obj"
		nsbg "$SERVER_NS" sleep 1000000
		SERVER_PID=$NSBG_PID
		return 0
		;;
	*) netns_die "unknown server $name (xdpdns, xdpdns-afxdp, knot-xdp, knot, nsd, reflector)" ;;
	esac
	SERVER_PID=$NSBG_PID
	_wait_answering "$name"
	_pin_server_tree "$SERVER_PID"
}

server_stop() {
	local name=$1 i
	[[ -n $SERVER_PID ]] || return 0
	# What answered: XDP (udp-/tcp-answered) or the daemon, per run.
	if [[ $name == xdpdns* ]]; then
		xdpdnsctl_run "$SERVER_NS" stats "$SERVER_IF" >>"$QPS_LOG_DIR/$name.stats" 2>&1 || true
	fi
	kill "$SERVER_PID" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$SERVER_PID" 2>/dev/null && { kill -KILL "$SERVER_PID"; sleep 0.2; }
	SERVER_PID=""
	# knotd leaves its XDP program attached; xdpdnsd detaches its own, and
	# its pins go with a clean exit (removed here when it did not exit cleanly).
	nsrun "$SERVER_NS" ip link set dev "$SERVER_IF" xdp off 2>/dev/null || true
	nsrun "$SERVER_NS" ip link set dev "$SERVER_IF" xdpgeneric off 2>/dev/null || true
	local pins
	pins=$(xdpdns_pin_dir "$SERVER_NS" "$SERVER_IF")
	[[ -e $pins ]] && rm -rf "$pins"
	return 0
}
