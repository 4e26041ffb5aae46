# shellcheck shell=bash
# Network-namespace rig for xdpdns: end-to-end tests and the quick-start
# source this file (bash only; it sets no shell options of its own).
#
#   netns_init                 root check, bpffs, temp dir, teardown trap
#   netns_pair_create          server and client namespaces over one veth
#   netns_router_create        client -- router -- server (IP forwarding)
#   netns_upstream_create      a third namespace behind the server (upstreams)
#   netns_tx_checksum_off NS IF  full checksums from NS's stack on IF
#   nsrun NS CMD...            run CMD in namespace NS (keeps bpffs visible)
#   nsbg NS CMD...             same in the background; pid in NSBG_PID
#   capture_start NS IF FILE [FILTER...] / capture_stop FILE
#   capture_fields FILE DISPLAY-FILTER FIELD...   tshark, checksums verified
#   xdpdnsctl_run NS ARGS...   the built xdpdnsctl, inside NS
#   xdpdns_attach NS IFACE [ARGS...]   xdpdnsctl attach, detached at teardown
#   xdpdnsd_start NS IFACE [ARGS...]   the built xdpdnsd, once it serves
#   xdpdns_stat NS IFACE NAME  one counter from `xdpdnsctl stats IFACE --json`
#   xdp_prog_id NS IFACE       id of the XDP program on IFACE
#   nsd_serve NS ZONE FILE ADDR...   NSD answering a zone, once it serves
#   unbound_serve NS DIR PORT ZONE AUTHORITY [LINE...]   unbound, once it listens
#   named_serve NS DIR PORT ZONE AUTHORITY [LINE...]     BIND named, the same
#   stop_pid PID WHAT          SIGTERM and wait for the exit
#
# Names are unique per process (tag + pid in hex), so parallel runs never
# clash: namespaces "<tag>-<pid>-<n>s", interfaces "<tag><pidhex><n>s" (at
# most 12 characters). Everything created is removed by netns_cleanup, which
# netns_init registers for EXIT (and INT/TERM turn into an exit), also when
# a command fails under `set -e`.
#
# Environment:
#   XDPDNS_BUILD_DIR   build tree (default: <repo>/build)
#   XDPDNS_NETNS_TAG   short prefix for names (default: xdt; at most 4 chars)
#   XDPDNS_TEST_DEBUG  1: on failure open a shell inside the server namespace
#                      before tearing down (needs a terminal)

NETNS_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
XDPDNS_REPO=$(cd "$NETNS_LIB_DIR/../.." && pwd)
XDPDNS_BUILD_DIR=${XDPDNS_BUILD_DIR:-$XDPDNS_REPO/build}
XDPDNS_NETNS_TAG=${XDPDNS_NETNS_TAG:-xdt}
XDPDNSCTL=${XDPDNSCTL:-$XDPDNS_BUILD_DIR/ctl/cli/xdpdnsctl}
XDPDNSD=${XDPDNSD:-$XDPDNS_BUILD_DIR/ctl/daemon/lifecycle/xdpdnsd}
XDP_PASS_OBJ=${XDP_PASS_OBJ:-$XDPDNS_BUILD_DIR/bpf/xdp_pass.bpf.o}
XDPDNS_PIN_ROOT=/sys/fs/bpf/xdpdns
# Debian's python3 (scapy, dnspython); a python3 earlier on PATH may lack them.
PYTHON=${PYTHON:-/usr/bin/python3}

_NETNS_NAMESPACES=()   # created namespaces (deleting one deletes its veths)
_NETNS_PIDS=()         # background processes to kill
_NETNS_XDPDNS=()       # "NS IFACE PINDIR" where xdpdnsctl attach was run
_NETNS_DAEMONS=0       # xdpdnsd_start calls (log file names)
_NETNS_LINKS=0         # counter giving each veth pair its own subnet/name
declare -A _CAPTURE_PID=()
NETNS_TMP=""

netns_log() { printf '%s\n' "$*" >&2; }
netns_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# ---- set-up -------------------------------------------------------------

netns_init() {
	[[ $(id -u) -eq 0 ]] || netns_die "must run as root (namespaces, XDP)"
	# Interface names: tag + pid in hex (<= 6) + link number + "rc" <= 15.
	[[ $XDPDNS_NETNS_TAG =~ ^[a-z][a-z0-9]{0,3}$ ]] ||
		netns_die "XDPDNS_NETNS_TAG '$XDPDNS_NETNS_TAG': 1-4 lower-case letters/digits, starting with a letter"
	netns_mount_bpffs
	_netns_reap_orphans
	NETNS_TMP=$(mktemp -d "/tmp/xdpdns-${XDPDNS_NETNS_TAG}-$BASHPID.XXXXXX")
	_NETNS_OWNER=$BASHPID
	exec {_NETNS_STDERR}>&2
	# stderr dropped: see _netns_exit_trap.
	trap '_netns_exit_trap 2>/dev/null' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
}

# Namespaces of a run that was killed outright (SIGKILL leaves no trap to
# run): named TAG-PID-N<letter> by netns_pair_create and friends, and PID
# is gone. Their processes, xdpdns pins and the namespaces (with their
# veths) go; a namespace whose owner still runs is never touched.
_netns_reap_orphans() {
	local path ns owner inode pid
	for path in /var/run/netns/*; do
		ns=${path##*/}
		[[ $ns =~ ^[a-z][a-z0-9]{0,3}-([0-9]+)-[0-9]+[a-z]$ ]] || continue
		owner=${BASH_REMATCH[1]}
		kill -0 "$owner" 2>/dev/null && continue
		inode=$(stat -L -c %i "$path" 2>/dev/null) || continue
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
		rm -rf "$XDPDNS_PIN_ROOT"/*@"$inode" 2>/dev/null
		ip netns del "$ns" 2>/dev/null && netns_log "removed $ns, left by a run (pid $owner) that was killed"
	done
}

netns_mount_bpffs() {
	if ! mountpoint -q /sys/fs/bpf; then
		mount -t bpf bpf /sys/fs/bpf || netns_die "cannot mount bpffs on /sys/fs/bpf"
	fi
}

# _netns_pid_hex: this process's pid in hex, the unique part of every name.
_netns_pid_hex() { printf '%x' "${_NETNS_OWNER:-$BASHPID}"; }

netns_add() {
	local ns=$1
	[[ -e /var/run/netns/$ns ]] && netns_die "namespace $ns exists already"
	ip netns add "$ns" || netns_die "ip netns add $ns failed"
	_NETNS_NAMESPACES+=("$ns")
	nsrun "$ns" ip link set lo up
	# Addresses must be usable at once and nothing may wander off by itself.
	nsrun "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	nsrun "$ns" sysctl -qw net.ipv6.conf.all.forwarding=0
}

nsrun() {
	local ns=$1
	shift
	# `ip netns exec` remounts /sys, which hides bpffs pins: enter only the
	# network namespace.
	nsenter --net="/var/run/netns/$ns" -- "$@"
}

# Runs in the background; NSBG_PID is the command's own pid (nsenter execs it).
nsbg() {
	local ns=$1
	shift
	# The subshell drops our traps and execs: a plain `cmd &` leaves a bash
	# child with the EXIT trap that runs it again when killed.
	(
		trap - EXIT INT TERM HUP
		exec nsenter --net="/var/run/netns/$ns" -- "$@"
	) &
	NSBG_PID=$!
	_NETNS_PIDS+=("$NSBG_PID")
}

# netns_veth NS_A IF_A NS_B IF_B SUBNET_INDEX: one veth pair, addresses
# 10.<tag byte>.<index>.1 (A) / .2 (B) and fd00:<tag>:<index>::1 / ::2.
# NETNS_VETH_QUEUES=N gives both ends N RX and N TX queues (default 1).
netns_veth() {
	local nsa=$1 ifa=$2 nsb=$3 ifb=$4 idx=$5
	local -a queues=()
	[[ -n ${NETNS_VETH_QUEUES:-} ]] && queues=(numtxqueues "$NETNS_VETH_QUEUES" numrxqueues "$NETNS_VETH_QUEUES")
	ip link add "$ifa" "${queues[@]}" netns "$nsa" type veth peer name "$ifb" "${queues[@]}" netns "$nsb" ||
		netns_die "cannot create veth $ifa/$ifb"
	local net4="10.$((200 + idx % 50)).$(( ${_NETNS_OWNER:-$BASHPID} % 250 ))"
	local net6
	net6=$(printf 'fd00:%d:%x' $((200 + idx % 50)) $(( ${_NETNS_OWNER:-$BASHPID} & 0xffff )))
	nsrun "$nsa" ip addr add "$net4.1/24" dev "$ifa"
	nsrun "$nsb" ip addr add "$net4.2/24" dev "$ifb"
	nsrun "$nsa" ip addr add "$net6::1/64" dev "$ifa" nodad
	nsrun "$nsb" ip addr add "$net6::2/64" dev "$ifb" nodad
	# Offloads stay as a veth has them: the namespaces' own stacks send
	# TCP/UDP with partial checksums (CHECKSUM_PARTIAL), as a client on a
	# veth or tap does, and xdpdns must answer them. Only a test that
	# compares the checksums of such packets byte for byte turns them off
	# (netns_tx_checksum_off).
	nsrun "$nsa" ip link set "$ifa" up
	nsrun "$nsb" ip link set "$ifb" up
	VETH_NET4=$net4
	VETH_NET6=$net6
}

# netns_tx_checksum_off NS IFACE: the stack of NS computes full TCP/UDP
# checksums on IFACE (tx checksum offload off), for tests that check the
# checksums of what that stack sends (tshark marks partial ones bad).
netns_tx_checksum_off() {
	nsrun "$1" ethtool -K "$2" tx off >/dev/null || netns_die "ethtool -K $2 tx off failed in $1"
}

# Frames sent by XDP_TX or AF_XDP on one end of a veth reach the other end
# only if that end runs an XDP program itself.
# Loaded with bpftool, not `ip link set ... obj`: iproute2's loader leaves
# its tc/, ip/ and xdp/ directories in bpffs for good. The pin is only the
# handle between load and attach; the attachment keeps the program alive.
netns_attach_xdp_pass() { netns_attach_xdp "$1" "$2" "$XDP_PASS_OBJ"; }

# netns_attach_xdp NS IFACE OBJ: attaches the object's XDP program
# (native) through a pin that is gone again at once (bpftool, not `ip link
# set xdp obj`, which leaves iproute2's directories in bpffs).
netns_attach_xdp() {
	local ns=$1 ifc=$2 obj=$3 pin rc
	[[ -r $obj ]] || netns_die "missing $obj (build the project first)"
	pin=/sys/fs/bpf/xdpdns-attach-$BASHPID-$ifc
	bpftool prog load "$obj" "$pin" type xdp || netns_die "bpftool cannot load $obj"
	# Under errexit a bare failing command would exit before the pin goes.
	rc=0
	nsrun "$ns" bpftool net attach xdpdrv pinned "$pin" dev "$ifc" || rc=$?
	rm -f "$pin"
	((rc == 0)) || netns_die "cannot attach $obj to $ifc in $ns"
}

# (/sys/class/net shows the root namespace's devices under nsenter --net.)
_netns_mac() {
	nsrun "$1" ip -o link show dev "$2" |
		sed -n 's/.* link\/ether \([0-9a-f:]*\) .*/\1/p'
}

# Two namespaces joined by a veth. Sets SERVER_NS CLIENT_NS SERVER_IF
# CLIENT_IF SERVER_IP4 CLIENT_IP4 SERVER_IP6 CLIENT_IP6 SERVER_MAC CLIENT_MAC.
netns_pair_create() {
	local n=$_NETNS_LINKS
	_NETNS_LINKS=$((n + 1))
	local base="${XDPDNS_NETNS_TAG}-${_NETNS_OWNER:-$BASHPID}-$n"
	local ifbase="${XDPDNS_NETNS_TAG}$(_netns_pid_hex)$n"
	SERVER_NS="${base}s"
	CLIENT_NS="${base}c"
	SERVER_IF="${ifbase}s"
	CLIENT_IF="${ifbase}c"
	netns_add "$SERVER_NS"
	netns_add "$CLIENT_NS"
	netns_veth "$SERVER_NS" "$SERVER_IF" "$CLIENT_NS" "$CLIENT_IF" "$n"
	SERVER_IP4="$VETH_NET4.1"
	CLIENT_IP4="$VETH_NET4.2"
	SERVER_IP6="$VETH_NET6::1"
	CLIENT_IP6="$VETH_NET6::2"
	SERVER_MAC=$(_netns_mac "$SERVER_NS" "$SERVER_IF")
	CLIENT_MAC=$(_netns_mac "$CLIENT_NS" "$CLIENT_IF")
	netns_attach_xdp_pass "$CLIENT_NS" "$CLIENT_IF"
	export SERVER_NS CLIENT_NS SERVER_IF CLIENT_IF SERVER_IP4 CLIENT_IP4 \
		SERVER_IP6 CLIENT_IP6 SERVER_MAC CLIENT_MAC
}

# client -- router -- server. Sets the variables of netns_pair_create (the
# CLIENT_*/SERVER_* addresses are on different subnets) plus ROUTER_NS,
# ROUTER_CLIENT_IF, ROUTER_SERVER_IF. The router forwards IPv4 and IPv6;
# its server-side veth runs xdp_pass so XDP_TX/AF_XDP frames of the server
# arrive.
netns_router_create() {
	local n=$_NETNS_LINKS
	_NETNS_LINKS=$((n + 2))
	local base="${XDPDNS_NETNS_TAG}-${_NETNS_OWNER:-$BASHPID}-$n"
	local ifbase="${XDPDNS_NETNS_TAG}$(_netns_pid_hex)$n"
	CLIENT_NS="${base}c"
	ROUTER_NS="${base}r"
	SERVER_NS="${base}s"
	CLIENT_IF="${ifbase}c"
	ROUTER_CLIENT_IF="${ifbase}rc"
	ROUTER_SERVER_IF="${ifbase}rs"
	SERVER_IF="${ifbase}s"
	netns_add "$CLIENT_NS"
	netns_add "$ROUTER_NS"
	netns_add "$SERVER_NS"
	nsrun "$ROUTER_NS" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

	# Router side is .1/::1 on both links.
	netns_veth "$ROUTER_NS" "$ROUTER_CLIENT_IF" "$CLIENT_NS" "$CLIENT_IF" "$n"
	local c4=$VETH_NET4 c6=$VETH_NET6
	netns_veth "$ROUTER_NS" "$ROUTER_SERVER_IF" "$SERVER_NS" "$SERVER_IF" "$((n + 1))"
	local s4=$VETH_NET4 s6=$VETH_NET6
	CLIENT_IP4="$c4.2" CLIENT_IP6="$c6::2"
	SERVER_IP4="$s4.2" SERVER_IP6="$s6::2"
	nsrun "$CLIENT_NS" ip route add default via "$c4.1"
	nsrun "$CLIENT_NS" ip -6 route add default via "$c6::1"
	nsrun "$SERVER_NS" ip route add default via "$s4.1"
	nsrun "$SERVER_NS" ip -6 route add default via "$s6::1"
	SERVER_MAC=$(_netns_mac "$SERVER_NS" "$SERVER_IF")
	CLIENT_MAC=$(_netns_mac "$CLIENT_NS" "$CLIENT_IF")
	netns_attach_xdp_pass "$ROUTER_NS" "$ROUTER_SERVER_IF"
	export SERVER_NS CLIENT_NS ROUTER_NS SERVER_IF CLIENT_IF ROUTER_CLIENT_IF \
		ROUTER_SERVER_IF SERVER_IP4 CLIENT_IP4 SERVER_IP6 CLIENT_IP6 SERVER_MAC CLIENT_MAC
}

# A namespace behind the server, for upstream servers: a veth from the
# server namespace (no XDP on it), the server's end .1/::1, the upstream's
# .2/::2. Sets UP_NS UP_IF SRV_UP_IF UP4 UP6.
netns_upstream_create() {
	local n=$_NETNS_LINKS
	_NETNS_LINKS=$((n + 1))
	UP_NS="${XDPDNS_NETNS_TAG}-${_NETNS_OWNER:-$BASHPID}-${n}u"
	UP_IF="${XDPDNS_NETNS_TAG}$(_netns_pid_hex)${n}u"
	SRV_UP_IF="${XDPDNS_NETNS_TAG}$(_netns_pid_hex)${n}x"
	netns_add "$UP_NS"
	netns_veth "$SERVER_NS" "$SRV_UP_IF" "$UP_NS" "$UP_IF" "$n"
	UP4="$VETH_NET4.2"
	UP6="$VETH_NET6::2"
}

# ---- other servers --------------------------------------------------------

# unbound_serve NS DIR PORT ZONE AUTHORITY [SERVER-LINE...]: a fresh unbound
# (empty cache) in NS, config and log in DIR, listening on 127.0.0.1:PORT,
# asking AUTHORITY for ZONE (a stub zone); no chroot, no user change, one
# thread, no IPv6, no query-name minimisation, "test." not answered by
# unbound itself; each SERVER-LINE ("key: value") goes into its server:
# clause (module-config, tcp-upstream, trust anchors...). Returns once it
# listens; UNBOUND_PID and UNBOUND_LOG are set.
unbound_serve() {
	local ns=$1 dir=$2 port=$3 zone=$4 authority=$5 line
	shift 5
	mkdir -p "$dir"
	{
		printf 'server:\n'
		printf '\t%s\n' "interface: 127.0.0.1@$port" "port: $port" \
			"access-control: 127.0.0.0/8 allow" "do-daemonize: no" \
			'chroot: ""' 'username: ""' "directory: \"$dir\"" \
			"pidfile: \"$dir/unbound.pid\"" "use-syslog: no" 'logfile: ""' \
			"verbosity: 1" "qname-minimisation: no" "do-not-query-localhost: no" \
			"do-ip6: no" "num-threads: 1" 'local-zone: "test." nodefault'
		for line in "$@"; do
			printf '\t%s\n' "$line"
		done
		printf 'remote-control:\n\tcontrol-enable: no\n'
		printf 'stub-zone:\n\tname: "%s"\n\tstub-addr: %s\n' "$zone" "$authority"
	} >"$dir/unbound.conf"
	unbound-checkconf "$dir/unbound.conf" >/dev/null || netns_die "unbound-checkconf rejects $dir/unbound.conf"
	nsbg "$ns" unbound -d -c "$dir/unbound.conf" 2>"$dir/log"
	UNBOUND_PID=$NSBG_PID
	UNBOUND_LOG=$dir/log
	wait_udp_listen "$ns" "$UNBOUND_PID" "$port" "$dir/log" unbound
}

# named_serve NS DIR PORT ZONE AUTHORITY [OPTION-LINE...]: BIND named as a
# resolver in NS (recursion for 127/8 only, no validation, no query-name
# minimisation, IPv4 only, NAMED_THREADS threads (1), no control channel), everything in
# DIR, listening on 127.0.0.1:PORT, with ZONE a static stub at AUTHORITY;
# each OPTION-LINE ("max-udp-size 4096;") goes into its options. Returns
# once it listens; NAMED_PID is set.
named_serve() {
	local ns=$1 dir=$2 port=$3 zone=$4 authority=$5 line
	shift 5
	mkdir -p "$dir"
	{
		printf 'options {\n'
		printf '\t%s\n' "directory \"$dir\";" "pid-file \"$dir/named.pid\";" \
			"session-keyfile \"$dir/session.key\";" "managed-keys-directory \"$dir\";" \
			"dump-file \"$dir/cache.db\";" "listen-on port $port { 127.0.0.1; };" \
			"listen-on-v6 { none; };" "recursion yes;" "allow-query { 127.0.0.0/8; };" \
			"allow-recursion { 127.0.0.0/8; };" "dnssec-validation no;" \
			"qname-minimization off;" "notify no;"
		for line in "$@"; do
			printf '\t%s\n' "$line"
		done
		printf '};\ncontrols { };\n'
		printf 'zone "%s" {\n\ttype static-stub;\n\tserver-addresses { %s; };\n};\n' "$zone" "$authority"
	} >"$dir/named.conf"
	named-checkconf "$dir/named.conf" || netns_die "named-checkconf rejects $dir/named.conf"
	nsbg "$ns" named -g -4 -n "${NAMED_THREADS:-1}" -c "$dir/named.conf" 2>"$dir/log"
	NAMED_PID=$NSBG_PID
	wait_udp_listen "$ns" "$NAMED_PID" "$port" "$dir/log" named
}

# wait_udp_listen NS PID PORT LOG WHO: returns once PID (WHO, logging to
# LOG) listens on UDP PORT in NS; fails with its log if it exits or does
# not listen within 10 s.
wait_udp_listen() {
	local ns=$1 pid=$2 port=$3 log=$4 who=$5 i
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; netns_die "$who exited at start"; }
		nsrun "$ns" ss -lnu "sport = :$port" | grep -q ":$port" && return 0
		sleep 0.1
	done
	cat "$log" >&2
	netns_die "$who did not listen on 127.0.0.1:$port"
}

# nsd_serve NS ZONE FILE ADDR...: NSD in the foreground (one server process,
# no rate limit) in NS, answering zone ZONE from FILE on ADDR port 53 (each
# ADDR an ip-address line); NSD_OPTIONS (lines) goes into its server: clause;
# NSD_MORE_ZONES (lines "ZONE FILE") are served too.
# Returns once every ADDR answers the zone's SOA inside NS; sets NSD_PID and
# NSD_DIR (config, log). Called again, it writes the same config and starts
# a new NSD (stop the old one first).
nsd_serve() {
	local ns=$1 zone=$2 file=$3 addr line i ok more more_file
	shift 3
	NSD_DIR=$NETNS_TMP/nsd-$ns
	mkdir -p "$NSD_DIR"
	{
		echo "server:"
		for addr in "$@"; do printf '\tip-address: %s\n' "$addr"; done
		printf '\t%s\n' "port: 53" 'username: ""' 'chroot: ""' 'database: ""' \
			"zonesdir: \"$NSD_DIR\"" "zonelistfile: \"$NSD_DIR/zone.list\"" \
			"xfrdfile: \"$NSD_DIR/xfrd.state\"" "xfrdir: \"$NSD_DIR\"" \
			"pidfile: \"$NSD_DIR/nsd.pid\"" "logfile: \"$NSD_DIR/nsd.log\"" \
			"rrl-ratelimit: 0" "server-count: 1" "verbosity: 1"
		while IFS= read -r line; do
			[[ -z $line ]] || printf '\t%s\n' "$line"
		done <<<"${NSD_OPTIONS:-}"
		printf '%s\n' "remote-control:" "	control-enable: no" "zone:" \
			"	name: \"$zone\"" "	zonefile: \"$file\""
		while read -r more more_file; do
			[[ -z $more ]] || printf '%s\n' "zone:" "	name: \"$more\"" "	zonefile: \"$more_file\""
		done <<<"${NSD_MORE_ZONES:-}"
	} >"$NSD_DIR/nsd.conf"
	nsd-checkconf "$NSD_DIR/nsd.conf" || netns_die "nsd-checkconf rejects $NSD_DIR/nsd.conf"
	nsbg "$ns" nsd -d -c "$NSD_DIR/nsd.conf"
	NSD_PID=$NSBG_PID
	for ((i = 0; i < 100; i++)); do
		kill -0 "$NSD_PID" 2>/dev/null || { cat "$NSD_DIR/nsd.log" >&2; netns_die "nsd exited at start"; }
		ok=1
		for addr in "$@"; do
			nsrun "$ns" dig +short +time=1 +tries=1 @"$addr" "$zone" SOA 2>/dev/null | grep -q . ||
				{ ok=0; break; }
		done
		((ok)) && return 0
		sleep 0.1
	done
	cat "$NSD_DIR/nsd.log" >&2
	netns_die "nsd does not answer $zone SOA on $* within 10 s"
}

# stop_pid PID WHAT: SIGTERM to PID and wait (up to 5 s) until it is gone.
stop_pid() {
	local i
	kill "$1" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.05
	done
	netns_die "$2 (pid $1) did not exit after SIGTERM"
}

# ---- xdpdns ---------------------------------------------------------------

xdpdnsctl_run() {
	local ns=$1
	shift
	[[ -x $XDPDNSCTL ]] || netns_die "missing $XDPDNSCTL (build the project first)"
	nsrun "$ns" "$XDPDNSCTL" "$@"
}

# xdpdns_attach NS IFACE [ARGS...]: attach and remember it for teardown.
xdpdns_attach() {
	local ns=$1 ifc=$2
	shift 2
	_NETNS_XDPDNS+=("$ns $ifc $(xdpdns_pin_dir "$ns" "$ifc")")
	xdpdnsctl_run "$ns" attach "$ifc" "$@"
}

# xdpdnsd_start NS IFACE [ARGS...]: starts the built xdpdnsd in NS on IFACE
# (ARGS: --zone FILE, --upstream ADDR, knobs ...) in the background and waits
# until it serves (its "serving on" log line: program attached, AF_XDP sockets
# registered). Sets XDPDNSD_PID and XDPDNSD_LOG; shows the log and fails when
# it exits or does not serve within 20 s. Its pins are removed at teardown
# even if it dies without cleaning up.
xdpdnsd_start() {
	local ns=$1 ifc=$2 i
	shift 2
	XDPDNSD_LOG=$NETNS_TMP/xdpdnsd.$((++_NETNS_DAEMONS)).log
	_NETNS_XDPDNS+=("$ns $ifc $(xdpdns_pin_dir "$ns" "$ifc")")
	nsbg "$ns" "$XDPDNSD" --interface "$ifc" "$@" 2>"$XDPDNSD_LOG"
	XDPDNSD_PID=$NSBG_PID
	for ((i = 0; i < 400; i++)); do
		grep -q 'serving on' "$XDPDNSD_LOG" && return 0
		kill -0 "$XDPDNSD_PID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$XDPDNSD_LOG" >&2
	netns_die "xdpdnsd did not start serving on $ifc (its log is above)"
}

# Pins live in /sys/fs/bpf/xdpdns/<IFACE>@<inode of the network namespace>
# (bpffs is shared by all network namespaces of a mount namespace).
xdpdns_pin_dir() {
	local ns=$1 ifc=$2 inode
	inode=$(stat -L -c %i "/var/run/netns/$ns") || return 1
	printf '%s/%s@%s\n' "$XDPDNS_PIN_ROOT" "$ifc" "$inode"
}

# xdpdns_set NS IFACE KNOB VALUE: live knob change (xdpdnsctl set --iface).
xdpdns_set() {
	local ns=$1 ifc=$2 knob=$3 value=$4
	[[ -e $(xdpdns_pin_dir "$ns" "$ifc") ]] || netns_die "xdpdns_set: nothing pinned for $ifc in $ns"
	xdpdnsctl_run "$ns" set --iface "$ifc" "$knob" "$value"
}

# Prints the id of the XDP program attached to IFACE in NS (empty if none).
xdp_prog_id() {
	nsrun "$1" ip -d -o link show dev "$2" | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p'
}

# Prints the integer value of counter NAME (e.g. tcp-syn-answered, or a
# daemon counter such as d-rx) from `xdpdnsctl stats IFACE --json`, whose
# layout is {"interfaces": {IFACE: {"xdp": {...}, "daemon": {...}}}}.
xdpdns_stat() {
	local ns=$1 ifc=$2 name=$3 json
	json=$(xdpdnsctl_run "$ns" stats "$ifc" --json) ||
		netns_die "xdpdnsctl stats $ifc --json failed"
	printf '%s' "$json" | "$PYTHON" -c '
import json, sys
ifc, name = sys.argv[1], sys.argv[2]
try:
    doc = json.load(sys.stdin)
    counters = doc["interfaces"][ifc]
except (ValueError, KeyError, TypeError) as e:
    sys.exit("xdpdnsctl stats %s --json: no interfaces.%s object (%r)" % (ifc, ifc, e))
group = "daemon" if name.startswith("d-") else "xdp"
value = counters.get(group, {}).get(name)
if not isinstance(value, int) or isinstance(value, bool):
    sys.exit("xdpdnsctl stats %s --json: no counter %s.%s" % (ifc, group, name))
print(value)' "$ifc" "$name"
}

# ---- captures -------------------------------------------------------------

# capture_start NS IFACE FILE [FILTER...]: tcpdump -w FILE, returns once the
# capture socket is live, so nothing sent afterwards is missed.
capture_start() {
	local ns=$1 ifc=$2 file=$3
	shift 3
	local err="$file.stderr"
	nsbg "$ns" tcpdump -n -U --immediate-mode -Z root -s 0 -i "$ifc" -w "$file" "$@" 2>"$err"
	_CAPTURE_PID[$file]=$NSBG_PID
	local i
	for ((i = 0; i < 100; i++)); do
		grep -q 'listening on' "$err" 2>/dev/null && return 0
		kill -0 "$NSBG_PID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$err" >&2
	netns_die "tcpdump on $ifc in $ns did not start"
}

capture_stop() {
	local file=$1 pid=${_CAPTURE_PID[$1]:-} size last=-1 quiet=0 i
	[[ -n $pid ]] || netns_die "no capture running into $file"
	# Let packets in flight (XDP_TX through the peer) land first, and
	# tcpdump write what it has (-U: packet by packet): stop once the file
	# has not grown for 0.3 s, so a busy machine gets the time it needs
	# (at most 10 s), an idle one about 0.4 s.
	for ((i = 0; i < 100 && quiet < 3; i++)); do
		sleep 0.1
		size=$(stat -c %s "$file" 2>/dev/null || echo 0)
		if [[ $size == "$last" ]]; then quiet=$((quiet + 1)); else quiet=0; fi
		last=$size
	done
	kill -INT "$pid" 2>/dev/null || true
	{ wait "$pid"; } 2>/dev/null || true
	unset "_CAPTURE_PID[$file]"
}

# capture_fields FILE DISPLAY-FILTER FIELD...: one line per matching packet,
# fields separated by '|'. IP/TCP/UDP checksums are verified (fields
# *.checksum.status: 1 = good, 0 = bad); sequence numbers are absolute.
capture_fields() {
	local file=$1 filter=$2
	shift 2
	local args=() f
	for f in "$@"; do args+=(-e "$f"); done
	local err="$NETNS_TMP/tshark.stderr"
	if ! tshark -n -r "$file" \
		-o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE \
		-o udp.check_checksum:TRUE -o tcp.relative_sequence_numbers:FALSE \
		-o tcp.analyze_sequence_numbers:FALSE \
		-Y "$filter" -T fields -E separator='|' -E occurrence=a -E aggregator=, \
		"${args[@]}" 2>"$err"; then
		grep -v 'Running as user "root"' "$err" >&2
		netns_die "tshark could not read $file with filter: $filter"
	fi
}

# Prints the capture human-readably (for logs of failed tests).
capture_show() {
	tshark -n -r "$1" -o tcp.relative_sequence_numbers:FALSE \
		-o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE \
		2>/dev/null || true
}

# ---- teardown -------------------------------------------------------------

_netns_debug_shell() {
	local ns=${SERVER_NS:-}
	[[ -n $ns ]] || return 0
	if ! { : </dev/tty; } 2>/dev/null; then
		netns_log "XDPDNS_TEST_DEBUG: no terminal, tearing down at once" 2>&"$_NETNS_STDERR"
		return 0
	fi
	{
		echo ""
		echo "=== XDPDNS_TEST_DEBUG: test failed; shell in namespace $ns"
		echo "    client: nsenter --net=/var/run/netns/${CLIENT_NS:-?}   temp files: $NETNS_TMP"
		echo "    exit the shell to tear everything down"
	} >/dev/tty
	export -f nsrun
	export NETNS_TMP XDPDNSCTL XDPDNSD XDPDNS_BUILD_DIR
	nsenter --net="/var/run/netns/$ns" -- bash -i </dev/tty >/dev/tty 2>&1 || true
}

# The EXIT trap set by netns_init: debug shell on failure if asked, then
# teardown, keeping the script's exit status. It runs with stderr dropped:
# bash 5.2, reaping children during an EXIT trap (after `exit` cleared its
# job table), prints "wait_for: No record of process N", and the teardown has
# nothing else to say.
_netns_exit_trap() {
	local status=$?
	# Subshells inherit nothing to tear down.
	[[ ${_NETNS_OWNER:-} == "$BASHPID" ]] || return "$status"
	if [[ $status -ne 0 && $status -ne 77 && ${XDPDNS_TEST_DEBUG:-0} == 1 ]]; then
		_netns_debug_shell
	fi
	netns_cleanup
	return "$status"
}

# Kills the background processes. Polls rather than `wait`s (capture_stop
# may have reaped some).
_netns_stop_pids() {
	local pid i alive
	for pid in "${_NETNS_PIDS[@]}"; do kill "$pid"; done
	for ((i = 0; i < 40; i++)); do
		alive=0
		for pid in "${_NETNS_PIDS[@]}"; do kill -0 "$pid" && alive=1; done
		((alive)) || break
		sleep 0.05
	done
	for pid in "${_NETNS_PIDS[@]}"; do kill -KILL "$pid"; done
}

# Removes everything this process created: background processes, xdpdns
# attachments and their pins, namespaces (with their veths), temp files.
# Safe to call more than once.
netns_cleanup() {
	local -
	set +e
	trap - INT TERM HUP
	local entry i
	_netns_stop_pids 2>/dev/null
	for entry in "${_NETNS_XDPDNS[@]}"; do
		# shellcheck disable=SC2086
		set -- $entry
		if [[ -e /var/run/netns/$1 && -x $XDPDNSCTL ]]; then
			nsrun "$1" "$XDPDNSCTL" detach "$2" >/dev/null 2>&1
		fi
		# Pins outlive the interface: remove whatever detach left.
		[[ $3 == "$XDPDNS_PIN_ROOT/$2@"* && -e $3 ]] && rm -rf "$3"
	done
	# The root too once it is empty (as detach does), under the lock that
	# attach takes; it fails while other interfaces have pins.
	[[ -d $XDPDNS_PIN_ROOT ]] && flock "$XDPDNS_PIN_ROOT" rmdir "$XDPDNS_PIN_ROOT" 2>/dev/null
	for ((i = ${#_NETNS_NAMESPACES[@]} - 1; i >= 0; i--)); do
		ip netns del "${_NETNS_NAMESPACES[i]}" 2>/dev/null
	done
	[[ -n $NETNS_TMP && -d $NETNS_TMP ]] && rm -rf "$NETNS_TMP"
	_NETNS_NAMESPACES=() _NETNS_PIDS=() _NETNS_XDPDNS=()
	return 0
}
