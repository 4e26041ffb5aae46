# shellcheck shell=bash
# Assertions and skip/fail for the netns test scripts (sourced after
# tools/netns/lib.sh). A failed check prints what was expected and what was
# seen, dumps the captures registered with show_on_failure, and exits 1.

_SHOW_ON_FAILURE=()

step() { printf '== %s\n' "$*"; }

# skip REASON: the runner prints "SKIP name (REASON)"; CTest reports skipped.
skip() {
	[[ -n ${XDPDNS_TEST_SKIP_FILE:-} ]] && printf '%s' "$*" >"$XDPDNS_TEST_SKIP_FILE"
	printf 'SKIP: %s\n' "$*" >&2
	exit 77
}

fail() {
	printf 'FAIL: %s\n' "$*" >&2
	local f
	for f in "${_SHOW_ON_FAILURE[@]}"; do
		[[ -s $f ]] || continue
		printf -- '--- capture %s\n' "$(basename "$f")" >&2
		capture_show "$f" >&2
	done
	exit 1
}

show_on_failure() { _SHOW_ON_FAILURE+=("$@"); }

# expect_eq ACTUAL EXPECTED WHAT
expect_eq() {
	if [[ "$1" != "$2" ]]; then fail "$3: expected '$2', got '$1'"; fi
	printf 'ok: %s = %s\n' "$3" "$1"
}

# expect_ge ACTUAL MINIMUM WHAT (integers)
expect_ge() {
	if ! [[ $1 =~ ^[0-9]+$ ]] || (($1 < $2)); then fail "$3: expected >= $2, got '$1'"; fi
	printf 'ok: %s = %s (>= %s)\n' "$3" "$1" "$2"
}

# expect_lines OUTPUT COUNT WHAT: OUTPUT has exactly COUNT non-empty lines.
expect_lines() {
	local n
	n=$(printf '%s' "$1" | grep -c . || true)
	if [[ $n -ne $2 ]]; then fail "$3: expected $2 packet(s), got $n: '$1'"; fi
	printf 'ok: %s: %s packet(s)\n' "$3" "$n"
}

# Missing system tools are the environment's fault: skip visibly.
require_cmds() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "missing tool $c (run tools/setup-deps.sh)"
	done
}

# Missing build outputs are ours: fail.
require_built() {
	local f
	for f in "$@"; do
		[[ -e $f ]] || fail "missing $f: build the project first (XDPDNS_BUILD_DIR=$XDPDNS_BUILD_DIR)"
	done
}

# field LINE INDEX: the INDEX-th (1-based) '|'-separated field of LINE.
field() { printf '%s' "$1" | cut -d'|' -f"$2"; }

# The server side of netns_pair_create / netns_router_create.
# start_daemon ARGS...: xdpdnsd on SERVER_IF (ARGS: --zone, --upstream,
# knobs ...), once it serves; DAEMON_PID and DAEMON_LOG are xdpdnsd_start's
# XDPDNSD_PID and XDPDNSD_LOG.
start_daemon() {
	xdpdnsd_start "$SERVER_NS" "$SERVER_IF" "$@"
	DAEMON_PID=$XDPDNSD_PID
	DAEMON_LOG=$XDPDNSD_LOG
}
# counter NAME: one counter of SERVER_IF (xdpdns_stat), XDP or daemon.
counter() { xdpdns_stat "$SERVER_NS" "$SERVER_IF" "$1"; }
# drop_client_rsts: the client namespace's kernel answers segments for
# ports it has no socket on with RSTs; scapy owns those ports in the segment
# tests, so the kernel's RSTs are dropped (nftables output hook). Frames
# scapy sends through AF_PACKET do not pass that hook.
drop_client_rsts() {
	nsrun "$CLIENT_NS" nft -f - <<-'NFT'
	table inet xdpdns_test_norst {
		chain out {
			type filter hook output priority 0; policy accept;
			tcp flags & rst == rst drop
		}
	}
	NFT
}
# counter_settles NAME VALUE [SECONDS]: waits up to SECONDS (default 5) for
# a counter or gauge to read VALUE (the daemon mirrors its counters once per
# loop, and a client's last ACK may still be on its way); prints the last
# value read.
counter_settles() {
	local name=$1 want=$2 tries=$((${3:-5} * 10)) v
	while :; do
		v=$(counter "$name")
		[[ $v == "$want" || $tries -le 0 ]] && break
		tries=$((tries - 1))
		sleep 0.1
	done
	printf '%s' "$v"
}
