# The benchmark rig shared by qps.sh and tcp_floods.sh (sourced after
# tools/netns/lib.sh): a veth pair whose two ends each get GRO and threaded
# NAPI, the NAPI thread pinned to that side's CPU.
#
#   rig_pair_create SERVER_CPU CLIENT_CPU   the pair (SERVER_NS, CLIENT_NS, ...)
#   pin_napi IFACE CPU                      again after an XDP program changed

# NAPI threads are named napi/<dev>-<id>; comm keeps 15 characters.
pin_napi() { # IFACE CPU
	local prefix="napi/$1-" found=0 d comm
	prefix=${prefix:0:15}
	for d in /proc/[0-9]*; do
		comm=$(cat "$d/comm" 2>/dev/null) || continue
		if [[ $comm == "$prefix"* ]]; then
			taskset -p -c "$2" "${d#/proc/}" >/dev/null
			found=1
		fi
	done
	((found)) || netns_die "no NAPI thread for $1 (threaded NAPI not on?)"
}

rig_pair_create() { # SERVER_CPU CLIENT_CPU
	local side
	netns_pair_create
	for side in "$SERVER_NS $SERVER_IF $1" "$CLIENT_NS $CLIENT_IF $2"; do
		set -- $side
		# GRO gives the veth a NAPI instance of its own whatever XDP program
		# comes and goes; threaded, it runs in a kernel thread pinned to this
		# side's CPU instead of the sender's softirq.
		nsrun "$1" ethtool -K "$2" gro on >/dev/null
		ip netns exec "$1" sh -c "echo 1 > /sys/class/net/$2/threaded" ||
			netns_die "cannot turn on threaded NAPI on $2"
		pin_napi "$2" "$3"
	done
}
