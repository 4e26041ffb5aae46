#!/bin/bash
# xdpdnsctl tests: run.sh XDPDNSCTL CASE
#
# Each case builds its own network namespace(s) and veth pair (names unique
# to this process), runs xdpdnsctl inside with `nsenter --net` (as operators
# do), checks its output, the pinned maps (read back independently with
# bpftool) and the interface, and tears everything down on exit, also on
# failure. Prints PASS/FAIL/SKIP; the log of the case is shown only on
# failure. XDPDNS_TEST_DEBUG=1 drops into a shell inside the namespace before
# teardown.
set -u

CTL=${1:?usage: run.sh XDPDNSCTL CASE}
CASE=${2:?usage: run.sh XDPDNSCTL CASE}

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: $CASE: needs root (network namespaces, BPF)"
	exit 77
fi
for tool in bpftool ip nsenter python3; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP: $CASE: $tool not installed"
		exit 77
	fi
done

# pin_root watches /sys/fs/bpf/xdpdns come and go, so it runs in a mount
# namespace of its own (and mounts a bpffs of its own there): no other
# test's pins share that root.
if [ "$CASE" = pin_root ] && [ -z "${XDPDNS_CLI_OWN_MOUNTS:-}" ]; then
	exec env XDPDNS_CLI_OWN_MOUNTS=1 unshare --mount --propagation private bash "$0" "$@"
fi

# The ABI version this build speaks, from the header it was built from.
abi_version() {
	sed -n 's/^#define XDPDNS_ABI_VERSION \([0-9]*\)u.*/\1/p' "$(dirname "$0")/../../include/xdpdns/abi.h"
}

ID=$(printf '%x' $$)
NS=xcli-$CASE-$ID            # namespace
NS2=xcli2-$CASE-$ID          # second namespace (isolation cases)
IF=xcs$ID                    # server side, inside $NS (<= 15 chars)
PEER=xcp$ID                  # host side
LOG=$(mktemp /tmp/xdpdns-cli-$CASE.XXXXXX)
OUT=$(mktemp /tmp/xdpdns-cli-out.XXXXXX)
ERR=$(mktemp /tmp/xdpdns-cli-err.XXXXXX)
RC=0

cleanup() {
	if [ "${XDPDNS_TEST_DEBUG:-0}" = 1 ]; then
		echo "debug shell in $NS (exit to tear down)" >&2
		nsenter --net=/var/run/netns/"$NS" bash </dev/tty >/dev/tty 2>&1 || true
	fi
	# Detach by pin directory, so pins of interfaces already gone go too.
	local ns dir inode
	for ns in "$NS" "$NS2"; do
		[ -e /var/run/netns/"$ns" ] || continue
		inode=$(stat -L -c %i /var/run/netns/"$ns")
		for dir in /sys/fs/bpf/xdpdns/*@"$inode"; do
			[ -e "$dir" ] || continue
			dir=${dir##*/}
			nsenter --net=/var/run/netns/"$ns" "$CTL" detach "${dir%@*}" >/dev/null 2>&1
		done
		ip netns del "$ns" 2>/dev/null
	done
	ip link del "$PEER" 2>/dev/null
	ip link del "${PEER}b" 2>/dev/null
	rm -f "$OUT" "$ERR" "$LOG.key"
	if [ "$RC" = 0 ]; then
		rm -f "$LOG"
	fi
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >>"$LOG"
	echo "FAIL: $CASE: $*"
	echo "----- log of $CASE -----"
	cat "$LOG"
	RC=1
	exit 1
}
note() { echo "ok - $*" >>"$LOG"; }

# ctl ARGS...: xdpdnsctl inside $NS; stdout in $OUT, stderr in $ERR, rc in $CTL_RC.
ctl() {
	nsenter --net=/var/run/netns/"$NS" "$CTL" "$@" >"$OUT" 2>"$ERR"
	CTL_RC=$?
	{ echo "\$ xdpdnsctl $* -> $CTL_RC"; sed 's/^/  out: /' "$OUT"; sed 's/^/  err: /' "$ERR"; } >>"$LOG"
	return 0
}
ctl_in() {  # ctl_in NS ARGS...
	local ns=$1
	shift
	nsenter --net=/var/run/netns/"$ns" "$CTL" "$@" >"$OUT" 2>"$ERR"
	CTL_RC=$?
	{ echo "\$ [$ns] xdpdnsctl $* -> $CTL_RC"; sed 's/^/  out: /' "$OUT"; sed 's/^/  err: /' "$ERR"; } >>"$LOG"
}
ok() {  # ok ARGS...: must succeed
	ctl "$@"
	[ "$CTL_RC" = 0 ] || fail "xdpdnsctl $* failed: $(cat "$ERR")"
}
# bad "expected text" ARGS...: non-zero exit, exactly one line on stderr
# containing the text, nothing on stdout.
bad() {
	local want=$1
	shift
	ctl "$@"
	[ "$CTL_RC" != 0 ] || fail "xdpdnsctl $* succeeded; expected an error"
	[ "$(wc -l <"$ERR")" = 1 ] || fail "xdpdnsctl $*: expected one line on stderr, got: $(cat "$ERR")"
	grep -qF -- "$want" "$ERR" || fail "xdpdnsctl $*: stderr lacks '$want': $(cat "$ERR")"
	[ ! -s "$OUT" ] || fail "xdpdnsctl $*: unexpected stdout: $(cat "$OUT")"
	note "rejected: $* ($(cat "$ERR"))"
}
out_has() { grep -qF -- "$1" "$OUT" || fail "output lacks '$1': $(cat "$OUT")"; }
expect_eq() { [ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"; }

netns_inode() { stat -L -c %i /var/run/netns/"$1"; }
pins() { echo "/sys/fs/bpf/xdpdns/$IF@$(netns_inode "$NS")"; }

# Reads field $2 of the one-element map pinned at $1, independently of
# xdpdnsctl (bpftool + BTF).
map_field() {
	bpftool -j map dump pinned "$1" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["formatted"]["value"][sys.argv[1]])' "$2"
}
cfg() { map_field "$(pins)/config" "$1"; }
keys_json() { bpftool -j map dump pinned "$(pins)/keys" |
	python3 -c 'import json,sys; v=json.load(sys.stdin)[0]["formatted"]["value"]; print(v["current"], v["generation"], " ".join("%x:%x" % (s["k0"], s["k1"]) for s in v["slot"]))'; }
xdp_prog_id() {  # id of the XDP program on $IF, 0 if none
	nsenter --net=/var/run/netns/"$NS" ip -j link show dev "$IF" |
		python3 -c 'import json,sys; l=json.load(sys.stdin)[0]; print(l.get("xdp",{}).get("prog",{}).get("id",0))'
}
pinned_prog_id() { bpftool -j prog show pinned "$(pins)/prog_main" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }

# A namespace with one end of a veth pair, both ends up.
make_ns() {  # make_ns NS IFNAME PEERNAME
	ip netns add "$1" || fail "ip netns add $1"
	ip link add "$3" type veth peer name "$2" netns "$1" || fail "ip link add $3"
	ip link set "$3" up
	nsenter --net=/var/run/netns/"$1" ip link set "$2" up
	nsenter --net=/var/run/netns/"$1" ip link set lo up
}

# The service_addrs keys as bpftool reads them: sorted, IPv4-mapped ones
# as dotted quads.
addr_keys() {
	bpftool -j map dump pinned "$(pins)/service_addrs" | python3 -c '
import ipaddress, json, sys
out = []
for e in json.load(sys.stdin):
    ip = ipaddress.IPv6Address(bytes(e["formatted"]["key"]["a"]))
    out.append(str(ip.ipv4_mapped) if ip.ipv4_mapped else str(ip))
print(" ".join(sorted(out, key=lambda s: ipaddress.ip_address(s).packed.rjust(16, b"\0"))))'
}

# Everything a bad input must leave alone: every knob, ports, addresses (map
# and flag), the allow list, the keys and the attached program.
snapshot() {
	nsenter --net=/var/run/netns/"$NS" "$CTL" get --json
	nsenter --net=/var/run/netns/"$NS" "$CTL" atr allow list
	addr_keys
	cfg addr_filter_active
	keys_json
	xdp_prog_id
	ls "$(pins)"
}

# ---------------------------------------------------------------- cases

case_attach_detach() {
	make_ns "$NS" "$IF" "$PEER"
	ok attach "$IF"
	out_has "attached xdpdns to $IF (native mode, ports 53)"
	local dir
	dir=$(pins)
	for p in config ports keys xsks stats dstats pmtu atr_allow service_addrs tcp_conns answers rrl rrl_exempt prog_main prog_atr; do
		[ -e "$dir/$p" ] || fail "pin $dir/$p missing"
	done
	note "all 15 pins in $dir"
	local id
	id=$(pinned_prog_id)
	expect_eq "$(xdp_prog_id)" "$id" "program on $IF"
	expect_eq "$(cfg abi_version)" "$(abi_version)" "config.abi_version"
	expect_eq "$(cfg addr_filter_active)" 0 "no address filter by default"
	expect_eq "$(cfg tcp_mss_v4)" 1220 "default tcp_mss_v4 written at attach"
	expect_eq "$(cfg atr_delay_us)" 10000 "default atr_delay_us written at attach"

	ok status
	out_has "INTERFACE"
	grep -E "^$IF +[0-9]+ +native +$id +53 +all +[^ ]+ +$(abi_version) +$dir\$" "$OUT" >/dev/null ||
		fail "status row wrong: $(cat "$OUT")"

	bad "xdpdns is already attached to $IF (program id $id" attach "$IF"
	bad "already attached" attach "$IF" --mode skb
	expect_eq "$(xdp_prog_id)" "$id" "program still attached after refused attach"

	ok detach "$IF"
	out_has "detached xdpdns from $IF"
	[ ! -e "$dir" ] || fail "pin directory $dir left after detach"
	expect_eq "$(xdp_prog_id)" 0 "XDP program after detach"
	bad "xdpdns is not attached to $IF (no pins in $dir)" detach "$IF"
	bad "interface 'nosuch0' not found in this network namespace" detach nosuch0
}

case_attach_options() {
	make_ns "$NS" "$IF" "$PEER"
	ok attach "$IF" --mode skb --port 53 --port 5353,8053 --pmtu-entries 1024
	out_has "(skb mode, ports 53,5353,8053)"
	ok status "$IF"
	grep -E "^$IF +[0-9]+ +skb +[0-9]+ +53,5353,8053 +all " "$OUT" >/dev/null || fail "status: $(cat "$OUT")"
	local entries
	entries=$(bpftool -j map show pinned "$(pins)/pmtu" | python3 -c 'import json,sys; print(json.load(sys.stdin)["max_entries"])')
	expect_eq "$entries" 1024 "pmtu max_entries"
	ok get ports --value
	expect_eq "$(cat "$OUT")" "53,5353,8053" "get ports"
	# An XDP program that is not ours is named and left alone.
	ok detach "$IF"
	[ -n "${XDP_PASS_OBJ:-}" ] || fail "XDP_PASS_OBJ (build/bpf/xdp_pass.bpf.o) not set"
	# bpftool, not `ip ... obj` (iproute2 leaves directories in bpffs).
	local pass_pin=/sys/fs/bpf/xdpdns-cli-pass-$$
	bpftool prog load "$XDP_PASS_OBJ" "$pass_pin" type xdp 2>>"$LOG" || fail "bpftool cannot load $XDP_PASS_OBJ"
	nsenter --net=/var/run/netns/"$NS" bpftool net attach xdpgeneric pinned "$pass_pin" dev "$IF" 2>>"$LOG" ||
		{ rm -f "$pass_pin"; fail "could not attach a foreign XDP program"; }
	rm -f "$pass_pin"
	local foreign
	foreign=$(xdp_prog_id)
	bad "interface $IF already has an XDP program (id $foreign" attach "$IF"
	expect_eq "$(xdp_prog_id)" "$foreign" "foreign program untouched"
	[ ! -e "$(pins)" ] || fail "pins created by a refused attach"
	nsenter --net=/var/run/netns/"$NS" ip link set dev "$IF" xdpgeneric off
}

case_set_get() {
	make_ns "$NS" "$IF" "$PEER"
	ok attach "$IF"
	local id
	id=$(pinned_prog_id)
	# knob value(as typed) get-value field stored
	while read -r knob value shown field stored; do
		ok set "$knob" "$value"
		ok get "$knob" --value
		expect_eq "$(cat "$OUT")" "$shown" "get $knob after set $value"
		expect_eq "$(cfg "$field")" "$stored" "config.$field after set $knob $value"
	done <<'EOF'
tcp.mss-v4 1000 1000 tcp_mss_v4 1000
tcp.mss-v6 9000 9000 tcp_mss_v6 9000
tcp.window 1 1 tcp_window 1
tcp.segment-size 64 64 tcp_segment_size 64
cookie.epoch 2m 2m cookie_epoch_s 120
cookie.rotate 0 0s cookie_rotate_s 0
udp.truncate-all on on udp_truncate_all 1
edns.buffer-size 4096 4096 edns_buffer_size 4096
atr.enabled off off atr_enabled 0
atr.size-v4 512 512 atr_size_v4 512
atr.size-v6 65487 65487 atr_size_v6 65487
atr.delay 25ms 25ms atr_delay_us 25000
atr.delay 500us 500us atr_delay_us 500
atr.delay 7 7ms atr_delay_us 7000
atr.delay 1s 1s atr_delay_us 1000000
atr.probability 10% 10% atr_probability 10
atr.probability 0 0% atr_probability 0
pmtu.lifetime 10m 10m pmtu_lifetime_s 600
pmtu.min-v4 1500 1500 pmtu_min_v4 1500
tcp.reuse off off tcp_reuse 0
tcp.idle-timeout 2500ms 2500ms tcp_idle_ms 2500
tcp.idle-timeout 30 30s tcp_idle_ms 30000
tcp.max-queries 7 7 tcp_max_queries 7
checksum.strict on on checksum_strict 1
EOF
	note "every knob type set and read back (get and bpftool)"
	# The published cookie epoch counts CLOCK_REALTIME seconds in units of
	# cookie.epoch; setting the knob renumbers it at once.
	local t0 t1 e
	t0=$(date +%s)
	ok set cookie.epoch 16s
	t1=$(date +%s)
	e=$(cfg cookie_epoch)
	[ "$e" -ge $((t0 / 16)) ] && [ "$e" -le $((t1 / 16)) ] ||
		fail "cookie_epoch $e after set cookie.epoch 16s: expected $((t0 / 16))..$((t1 / 16))"
	ok set atr.delay 25ms
	out_has "$IF: atr.delay 1s -> 25ms"
	ok set ports 53,5353
	out_has "$IF: ports 53 -> 53,5353"
	ok get ports --value
	expect_eq "$(cat "$OUT")" "53,5353" "get ports"
	ok get
	out_has "tcp.mss-v4"
	out_has "1000 bytes"
	out_has "pmtu.min-v4"
	grep -E '^ports +53,5353 +53 ' "$OUT" >/dev/null || fail "ports row: $(cat "$OUT")"
	grep -E '^addresses +all +all +up to 64 addresses ' "$OUT" >/dev/null || fail "addresses row: $(cat "$OUT")"
	[ "$(grep -c . "$OUT")" = 28 ] || fail "get lists header + 25 knobs + ports + addresses"
	ok get --json
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); k={x["name"]: x for x in j["knobs"]}; assert k["atr.delay"]["raw"] == 25000, k; assert k["atr.delay"]["value"] == "25ms"; assert k["addresses"]["value"] == "all"; assert k["addresses"]["raw"] == []; assert len(k) == 27' "$OUT" ||
		fail "get --json"
	expect_eq "$(pinned_prog_id)" "$id" "no re-attach by set"
	expect_eq "$(xdp_prog_id)" "$id" "same program on the interface"
}

case_bad_input() {
	make_ns "$NS" "$IF" "$PEER"
	ok attach "$IF"
	ok set atr.delay 25ms
	local before after
	before=$(snapshot)
	bad "interface 'nosuch0' not found in this network namespace" attach nosuch0
	bad "mode 'turbo' is not valid; valid modes: native, skb" attach "$IF" --mode turbo
	bad "port: 0 is out of range 1..65535" attach "$IF" --port 0
	bad "port: 'dns' is not a port number (1..65535)" attach "$IF" --port dns
	bad "pmtu entries: 0 is out of range 1..16777216" attach "$IF" --pmtu-entries 0
	bad "--limit: 0 is out of range 1..100000000" answers list --limit 0
	bad "already attached" attach "$IF"
	bad "IFACE is required" attach
	bad "unknown command 'frobnicate'; valid commands: attach, detach," frobnicate
	bad "unknown knob 'atr.prob'; valid knobs: tcp.mss-v4, tcp.mss-v6," set atr.prob 10
	bad ", rrl.log-only, ports" set atr.prob 10
	bad "unknown knob 'nosuch'" get nosuch
	bad "atr.probability: 150 is out of range 0..100" set atr.probability 150
	bad "tcp.mss-v4: 100 is out of range 536..9000" set tcp.mss-v4 100
	bad "tcp.mss-v4: 'big' is not a whole number of bytes" set tcp.mss-v4 big
	bad "atr.delay: 2s is out of range 0s..1s" set atr.delay 2s
	bad "atr.delay: '25xs' has an unknown unit 'xs' (valid: us, ms, s, m, h, d)" set atr.delay 25xs
	bad "cookie.epoch: 500ms is not a whole number of seconds" set cookie.epoch 500ms
	bad "atr.enabled: 'maybe' is not a boolean (on/off, yes/no, true/false, 1/0)" set atr.enabled maybe
	bad "pmtu.lifetime: 2d is out of range 1s..1d" set pmtu.lifetime 2d
	bad "port: 70000 is out of range 1..65535" set ports 53,70000
	bad "port: 'x' is not a port number (1..65535)" set ports x
	bad "address: 'bogus' is not an IPv4 or IPv6 address" attach "$IF" --address bogus
	bad "address: 'all' is the default; leave --address out" attach "$IF" --address all
	bad "address: '192.0.2.0/24' is not an IPv4 or IPv6 address" set addresses 192.0.2.53,192.0.2.0/24
	bad "addresses: ',' names no address (e.g. 192.0.2.53,2001:db8::53, or all)" set addresses ,
	bad "addresses: 65 given, at most 64" set addresses "$(python3 -c 'print(",".join("10.0.0.%d" % i for i in range(1, 66)))')"
	bad "interface 'nosuch0' not found in this network namespace" set tcp.mss-v4 1000 --iface nosuch0
	bad "interface 'nosuch0' not found in this network namespace" get --iface nosuch0
	bad "interface 'nosuch0' not found in this network namespace" stats nosuch0
	bad "interface 'nosuch0' not found in this network namespace" status nosuch0
	bad "interface 'nosuch0' not found in this network namespace" rotate-key nosuch0
	bad "prefix '192.0.2.1/24' has host bits set (did you mean 192.0.2.0/24?)" atr allow add 192.0.2.1/24
	bad "prefix 'example.net': 'example.net' is not an IPv4 or IPv6 address" atr allow add example.net
	bad "prefix '2001:db8::/129': length must be 0..128" atr allow add 2001:db8::/129
	bad "atr allow: 192.0.2.0/24 is not in the allow-list" atr allow del 192.0.2.0/24
	bad "watch: 0 is out of range 1..86400" stats --watch 0
	echo "no key here" >"$LOG.key"
	bad "fleet key $LOG.key:1: expected 32 hex digits, or 'k0 k1'" rotate-key "$IF" --key-file "$LOG.key"
	after=$(snapshot)
	[ "$before" = "$after" ] || fail "state changed by rejected commands: $(diff <(echo "$before") <(echo "$after"))"
	note "state unchanged after every rejected command"
}

case_stats() {
	make_ns "$NS" "$IF" "$PEER"
	ok attach "$IF"
	local dir ncpu
	dir=$(pins)
	ncpu=$(bpftool -j map lookup pinned "$dir/stats" key 0 0 0 0 | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["values"]))')
	# Counters written behind xdpdnsctl's back: 5 per CPU for tcp-syn-answered
	# (index 8), daemon rows 0 and 3 with d-rx (index 0) 7 and 11.
	bpftool map update pinned "$dir/stats" key 8 0 0 0 value 5 0 0 0 0 0 0 0 || fail "bpftool update stats"
	local zeros
	zeros=$(python3 -c "print(' '.join(['0'] * 504))")  # a row: XDPDNS_DSTATS_ROW_U64 (64) counters of 8 octets
	bpftool map update pinned "$dir/dstats" key 0 0 0 0 value 7 0 0 0 0 0 0 0 $zeros || fail "update dstats"
	bpftool map update pinned "$dir/dstats" key 3 0 0 0 value 11 0 0 0 0 0 0 0 $zeros || fail "update dstats"
	ok stats
	out_has "interface $IF"
	grep -E "^tcp-syn-answered +$((5 * ncpu)) +SYN answered" "$OUT" >/dev/null || fail "per-CPU sum: $(cat "$OUT")"
	grep -E "^d-rx +18 " "$OUT" >/dev/null || fail "daemon row sum: $(cat "$OUT")"
	for c in rx-frames pass-not-ip drop-truncated tcp-bad-cookie udp-to-daemon atr-sent pmtu-truncated d-tx d-upstream-full; do
		grep -qE "^$c +[0-9]+ " "$OUT" || fail "stats lacks $c"
	done
	ok stats "$IF" --json
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1]))["interfaces"][sys.argv[2]]; assert j["xdp"]["tcp-syn-answered"] == int(sys.argv[3]), j; assert j["daemon"]["d-rx"] == 18; assert all(isinstance(j["xdp"][c], int) for c in ("rx-frames", "drop-ext-headers", "pmtu-accepted")), j' "$OUT" "$IF" $((5 * ncpu)) ||
		fail "stats --json"
	ok stats --watch 1 --count 2
	[ "$(grep -c "^interface $IF" "$OUT")" = 2 ] || fail "two samples expected"
	grep -qE '^COUNTER +VALUE +RATE/s +DESCRIPTION' "$OUT" || fail "second sample shows rates"
	grep -E "^tcp-syn-answered +$((5 * ncpu)) +0.0 " "$OUT" >/dev/null || fail "rate of an idle counter"
	# Per worker: the row's last u64 is its RX queue + 1 (0: unused row).
	# Row 3 becomes queue 1's worker, row 0 stays anonymous.
	local mid
	mid=$(python3 -c "print(' '.join(['0'] * 496))")  # counters 1..62
	bpftool map update pinned "$dir/dstats" key 3 0 0 0 value 11 0 0 0 0 0 0 0 $mid 2 0 0 0 0 0 0 0 ||
		fail "update dstats queue slot"
	ok stats "$IF" --workers
	grep -qE '^COUNTER +QUEUE-1$' "$OUT" || fail "stats --workers: one worker column, queue 1: $(cat "$OUT")"
	grep -qE '^d-rx +11$' "$OUT" || fail "stats --workers: queue 1's d-rx: $(cat "$OUT")"
	grep -E "^d-rx +18 " "$OUT" >/dev/null || fail "stats --workers keeps the sum: $(cat "$OUT")"
	ok stats "$IF" --workers --json
	python3 -c 'import json,sys; w=json.load(open(sys.argv[1]))["interfaces"][sys.argv[2]]["workers"]; assert [(x["queue"], x["row"], x["daemon"]["d-rx"]) for x in w] == [(1, 3, 11)], w' "$OUT" "$IF" ||
		fail "stats --workers --json: $(cat "$OUT")"
}

case_rotate_key() {
	make_ns "$NS" "$IF" "$PEER"
	ok attach "$IF"
	local cur gen slots
	read -r cur gen slots <<<"$(keys_json)"
	expect_eq "$cur $gen" "0 0" "keys after attach"
	local s0 s1 s2
	read -r s0 s1 s2 <<<"$slots"
	[ "$s0" != "$s1" ] && [ "$s1" != "$s2" ] && [ "$s0" != "0:0" ] || fail "attach keys not random: $slots"
	ok rotate-key "$IF"
	out_has "$IF: cookie key rotated: slot 0 -> 1, generation 0 -> 1"
	local n0 n1 n2
	read -r cur gen slots <<<"$(keys_json)"
	read -r n0 n1 n2 <<<"$slots"
	expect_eq "$cur $gen" "1 1" "keys after rotation"
	expect_eq "$n0" "$s0" "current-before slot kept (previous key)"
	[ "$n1" != "$s1" ] || fail "slot 1 not rewritten"
	ok rotate-key "$IF"
	ok rotate-key "$IF"
	read -r cur gen slots <<<"$(keys_json)"
	expect_eq "$cur $gen" "0 3" "current wraps after three rotations"
	printf '# fleet\n0706050403020100 0f0e0d0c0b0a0908\n' >"$LOG.key"
	ok rotate-key "$IF" --key-file "$LOG.key"
	read -r cur gen slots <<<"$(keys_json)"
	read -r n0 n1 n2 <<<"$slots"
	expect_eq "$cur $gen" "1 4" "keys after fleet key"
	expect_eq "$n1" "706050403020100:f0e0d0c0b0a0908" "fleet key in the current slot"
}

case_atr_allow() {
	make_ns "$NS" "$IF" "$PEER"
	ok attach "$IF"
	ok atr allow list
	out_has "empty: every client gets ATR follow-ups"
	expect_eq "$(cfg atr_allow_active)" 0 "atr_allow_active initially"
	ok atr allow add 192.0.2.0/24
	out_has "$IF: added 192.0.2.0/24 to the ATR allow-list"
	expect_eq "$(cfg atr_allow_active)" 1 "atr_allow_active after add"
	ok atr allow add 2001:db8::/32 --iface "$IF"
	ok atr allow add 198.51.100.7
	ok atr allow list
	expect_eq "$(sort "$OUT" | tr '\n' ' ')" "192.0.2.0/24 198.51.100.7/32 2001:db8::/32 " "allow list"
	local n
	n=$(bpftool -j map dump pinned "$(pins)/atr_allow" | python3 -c 'import json,sys; print(sorted(e["formatted"]["key"]["prefixlen"] for e in json.load(sys.stdin)))')
	expect_eq "$n" "[32, 120, 128]" "trie prefix lengths (IPv4 mapped: +96)"
	bad "atr allow: 192.0.2.0/24 is already in the allow-list" atr allow add 192.0.2.0/24
	ok atr allow del 192.0.2.0/24
	ok atr allow del 198.51.100.7/32
	expect_eq "$(cfg atr_allow_active)" 1 "still active with one prefix"
	ok atr allow del 2001:db8::/32
	expect_eq "$(cfg atr_allow_active)" 0 "inactive when empty"
	ok atr allow list
	out_has "empty"
	bad "is not in the allow-list" atr allow del 2001:db8::/32
}

case_rrl() {
	make_ns "$NS" "$IF" "$PEER"
	bad "rrl table size: 1000 is not a power of two in 4..16777216" attach "$IF" --rrl-table-size 1000
	ok attach "$IF" --rrl-table-size 1024
	local sets
	sets=$(bpftool -j map show pinned "$(pins)/rrl" | python3 -c 'import json,sys; m=json.load(sys.stdin); print(m["max_entries"], m["bytes_value"])')
	expect_eq "$sets" "256 128" "rrl map: 1024 buckets in 4-way sets of 128 octets"
	ok get rrl.rate --value
	expect_eq "$(cat "$OUT")" 0 "rrl.rate default (off)"
	ok set rrl.rate 200
	expect_eq "$(cfg rrl_rate)" 200 "rrl_rate after set"
	bad "rrl.prefix-v4: 33 is out of range 8..32" set rrl.prefix-v4 33
	ok rrl exempt list
	out_has "empty: RRL may limit every client"
	expect_eq "$(cfg rrl_exempt_active)" 0 "rrl_exempt_active initially"
	ok rrl exempt add 192.0.2.0/24
	out_has "$IF: added 192.0.2.0/24 to the RRL exempt list"
	expect_eq "$(cfg rrl_exempt_active)" 1 "rrl_exempt_active after add"
	ok rrl exempt add 2001:db8::/56
	ok rrl exempt list
	expect_eq "$(sort "$OUT" | tr '\n' ' ')" "192.0.2.0/24 2001:db8::/56 " "exempt list"
	bad "rrl exempt: 192.0.2.0/24 is already in the exempt list" rrl exempt add 192.0.2.0/24
	ok rrl exempt del 192.0.2.0/24
	expect_eq "$(cfg rrl_exempt_active)" 1 "still active with one prefix"
	ok rrl exempt del 2001:db8::/56
	expect_eq "$(cfg rrl_exempt_active)" 0 "inactive when empty"
	bad "is not in the exempt list" rrl exempt del 2001:db8::/56
}

case_pmtu() {
	make_ns "$NS" "$IF" "$PEER"
	ok attach "$IF"
	local dir now
	dir=$(pins)
	ok pmtu list
	expect_eq "$(grep -c . "$OUT")" 1 "empty list is the header only"
	# Two entries as the XDP program writes them (CLOCK_MONOTONIC, which
	# starts at boot): ::ffff:192.0.2.9 -> 1400 updated now, valid, and
	# 2001:db8::1 -> 1280 updated 40 s ago, expired under a 30 s lifetime.
	# The lifetime is lowered so the past entry never predates the boot of a
	# freshly started machine; the clock is waited for until it is 41 s old
	# (only right after boot). 30 s leaves the valid entry time to be listed
	# on a busy machine.
	ok set pmtu.lifetime 30s
	now=$(python3 -c 'import time; c = time.CLOCK_MONOTONIC; time.sleep(max(0, 41 - time.clock_gettime(c))); print(time.clock_gettime_ns(c))')
	val() { python3 -c 'import struct,sys; print(" ".join(str(b) for b in struct.pack("<IIQ", int(sys.argv[1]), 0, int(sys.argv[2]))))' "$1" "$2"; }
	bpftool map update pinned "$dir/pmtu" key 0 0 0 0 0 0 0 0 0 0 255 255 192 0 2 9 value $(val 1400 "$now") || fail "update pmtu"
	bpftool map update pinned "$dir/pmtu" key 0x20 0x01 0x0d 0xb8 0 0 0 0 0 0 0 0 0 0 0 1 value $(val 1280 $((now - 40000000000))) || fail "update pmtu"
	ok pmtu list
	local age
	age=$(sed -nE 's/^192\.0\.2\.9 +1400 +([0-9]+)s +valid$/\1/p' "$OUT")
	[ -n "$age" ] && [ "$age" -lt 30 ] || fail "v4 entry (valid, younger than 30 s): $(cat "$OUT")"
	age=$(sed -nE 's/^2001:db8::1 +1280 +([0-9]+)s +expired$/\1/p' "$OUT")
	[ -n "$age" ] && [ "$age" -ge 40 ] && [ "$age" -lt 70 ] || fail "v6 entry (expired, 40 s old): $(cat "$OUT")"
	# The lifetime is the knob's: back at 10 minutes the old entry is valid.
	ok set pmtu.lifetime 10m
	ok pmtu list
	grep -E '^2001:db8::1 +1280 +[0-9]+s +valid$' "$OUT" >/dev/null || fail "v6 entry under 10m: $(cat "$OUT")"
	ok pmtu flush
	out_has "$IF: removed 2 path-MTU entries"
	expect_eq "$(bpftool -j map dump pinned "$dir/pmtu")" "[]" "pmtu map after flush"
	ok pmtu list
	expect_eq "$(grep -c . "$OUT")" 1 "list after flush"
}

# Service addresses: attach --address, get/set addresses (the map and the
# flag read back with bpftool), bad input rejected with nothing changed.
case_addresses() {
	make_ns "$NS" "$IF" "$PEER"
	ok attach "$IF" --address 192.0.2.53 --address 2001:db8::53,192.0.2.54
	out_has "attached xdpdns to $IF (native mode, ports 53, addresses 192.0.2.53,192.0.2.54,2001:db8::53)"
	expect_eq "$(cfg addr_filter_active)" 1 "addr_filter_active after attach --address"
	expect_eq "$(addr_keys)" "192.0.2.53 192.0.2.54 2001:db8::53" "service_addrs after attach"
	ok get addresses --value
	expect_eq "$(cat "$OUT")" "192.0.2.53,192.0.2.54,2001:db8::53" "get addresses"
	ok get addresses --json
	python3 -c 'import json,sys; k=json.load(open(sys.argv[1]))["knobs"]; assert [x["name"] for x in k] == ["addresses"], k; assert k[0]["raw"] == ["192.0.2.53", "192.0.2.54", "2001:db8::53"], k' "$OUT" ||
		fail "get addresses --json: $(cat "$OUT")"
	ok status "$IF"
	grep -E "^$IF +[0-9]+ +native +[0-9]+ +53 +192\.0\.2\.53,192\.0\.2\.54,2001:db8::53 " "$OUT" >/dev/null ||
		fail "status: $(cat "$OUT")"
	local id
	id=$(pinned_prog_id)

	ok set addresses 2001:db8::53,198.51.100.1
	out_has "$IF: addresses 192.0.2.53,192.0.2.54,2001:db8::53 -> 198.51.100.1,2001:db8::53"
	expect_eq "$(addr_keys)" "198.51.100.1 2001:db8::53" "service_addrs after set"
	expect_eq "$(cfg addr_filter_active)" 1 "addr_filter_active after set"

	local before after
	before=$(snapshot)
	bad "address: 'bogus' is not an IPv4 or IPv6 address" set addresses bogus
	bad "address: 'bogus' is not an IPv4 or IPv6 address" set addresses 192.0.2.1,bogus
	bad "address: 'all' is not an IPv4 or IPv6 address" set addresses all,192.0.2.1
	bad "addresses: '' names no address (e.g. 192.0.2.53,2001:db8::53, or all)" set addresses ""
	bad "addresses: 65 given, at most 64" set addresses "$(python3 -c 'print(",".join("10.0.0.%d" % i for i in range(1, 66)))')"
	bad "unknown knob 'address'" set address 192.0.2.1
	bad "interface 'nosuch0' not found in this network namespace" set addresses 192.0.2.1 --iface nosuch0
	after=$(snapshot)
	[ "$before" = "$after" ] || fail "state changed by rejected commands: $(diff <(echo "$before") <(echo "$after"))"
	note "addresses unchanged after every rejected command"

	ok set addresses all
	out_has "$IF: addresses 198.51.100.1,2001:db8::53 -> all"
	expect_eq "$(cfg addr_filter_active)" 0 "addr_filter_active after set all"
	expect_eq "$(addr_keys)" "" "service_addrs after set all"
	ok get addresses --value
	expect_eq "$(cat "$OUT")" all "get addresses after set all"

	# The map's capacity, then a disjoint set of the same size (old and new
	# do not fit together: the old ones make room first).
	local first second
	first=$(python3 -c 'print(",".join("10.0.0.%d" % i for i in range(1, 65)))')
	second=$(python3 -c 'print(",".join("10.0.1.%d" % i for i in range(1, 65)))')
	ok set addresses "$first"
	expect_eq "$(addr_keys | wc -w)" 64 "64 service addresses"
	ok set addresses "$second"
	expect_eq "$(addr_keys | tr ' ' '\n' | grep -c '^10\.0\.1\.')" 64 "the second 64 replaced the first"
	expect_eq "$(addr_keys | wc -w)" 64 "still 64 service addresses"
	expect_eq "$(cfg addr_filter_active)" 1 "addr_filter_active with 64 addresses"
	expect_eq "$(pinned_prog_id)" "$id" "no re-attach by set addresses"
	expect_eq "$(xdp_prog_id)" "$id" "same program on the interface"
}

# The same interface name in two namespaces: separate pins, no interference.
case_netns_isolation() {
	make_ns "$NS" "$IF" "$PEER"
	make_ns "$NS2" "$IF" "${PEER}b"
	ok attach "$IF"
	ctl_in "$NS2" attach "$IF" --port 5353
	[ "$CTL_RC" = 0 ] || fail "attach in second namespace: $(cat "$ERR")"
	local d1 d2
	d1=/sys/fs/bpf/xdpdns/$IF@$(netns_inode "$NS")
	d2=/sys/fs/bpf/xdpdns/$IF@$(netns_inode "$NS2")
	[ "$d1" != "$d2" ] && [ -e "$d1/config" ] && [ -e "$d2/config" ] || fail "pin dirs $d1 $d2"
	ok set tcp.mss-v4 1000
	ctl_in "$NS2" get tcp.mss-v4 --value
	expect_eq "$(cat "$OUT")" 1220 "other namespace's knob untouched"
	ctl_in "$NS2" get ports --value
	expect_eq "$(cat "$OUT")" 5353 "other namespace's ports"
	ok status
	[ "$(grep -c "^$IF " "$OUT")" = 1 ] || fail "status shows only this namespace's interface"
	ok detach "$IF"
	[ -e "$d2/config" ] || fail "detach in one namespace removed the other's pins"
	ctl_in "$NS2" detach "$IF"
	[ "$CTL_RC" = 0 ] && [ ! -e "$d2" ] || fail "detach in second namespace"
}

# Pins whose program is no longer on the interface are stale: attach
# replaces them (with a note), detach of a vanished interface removes them.
case_stale_pins() {
	make_ns "$NS" "$IF" "$PEER"
	ok attach "$IF"
	local old
	old=$(pinned_prog_id)
	ip link del "$PEER"
	ip link add "$PEER" type veth peer name "$IF" netns "$NS" || fail "recreate veth"
	nsenter --net=/var/run/netns/"$NS" ip link set "$IF" up
	ok status
	out_has "stale (detached)"
	ok attach "$IF"
	grep -qF "note: removed stale pins in $(pins) (their program id $old is not attached to $IF)" "$ERR" ||
		fail "note about stale pins: $(cat "$ERR")"
	[ "$(pinned_prog_id)" != "$old" ] || fail "new program pinned"
	expect_eq "$(xdp_prog_id)" "$(pinned_prog_id)" "new program attached"
	ip link del "$PEER"
	ok detach "$IF"
	grep -qF "interface $IF is gone; removing its pins" "$ERR" || fail "note: $(cat "$ERR")"
	[ ! -e "$(pins)" ] || fail "pins left"
}

# Several interfaces: commands that need one refuse to guess.
case_select_iface() {
	make_ns "$NS" "$IF" "$PEER"
	ip link add "${PEER}b" type veth peer name "${IF}b" netns "$NS" || fail "second veth"
	nsenter --net=/var/run/netns/"$NS" ip link set "${IF}b" up
	bad "xdpdns is not attached to any interface in this network namespace" get
	ok attach "$IF"
	ok get tcp.window --value
	expect_eq "$(cat "$OUT")" 65535 "only attached interface is implied"
	ok attach "${IF}b" --mode skb
	bad "several interfaces have xdpdns attached ($IF, ${IF}b); choose one with --iface" set tcp.window 1000
	bad "choose one with --iface" atr allow list
	bad "choose one with --iface" pmtu flush
	ok set tcp.window 1000 --iface "${IF}b"
	ok get tcp.window --value --iface "$IF"
	expect_eq "$(cat "$OUT")" 65535 "the other interface is untouched"
	ok stats
	[ "$(grep -c '^interface ' "$OUT")" = 2 ] || fail "stats without IFACE shows both"
	ok status
	grep -qE "^${IF}b +[0-9]+ +skb " "$OUT" || fail "status of second interface"
	ok detach "${IF}b"
}

# Parallel attaches of one interface: exactly one wins, the pins are whole.
case_concurrent_attach() {
	make_ns "$NS" "$IF" "$PEER"
	local i pids=() wins=0
	for i in 1 2 3 4 5 6; do
		nsenter --net=/var/run/netns/"$NS" "$CTL" attach "$IF" >"$LOG.$i.out" 2>"$LOG.$i.err" &
		pids+=($!)
	done
	for i in 1 2 3 4 5 6; do
		if wait "${pids[$((i - 1))]}"; then
			wins=$((wins + 1))
		else
			grep -qF "already attached" "$LOG.$i.err" || fail "loser $i: $(cat "$LOG.$i.err")"
		fi
		cat "$LOG.$i.out" "$LOG.$i.err" >>"$LOG"
		rm -f "$LOG.$i.out" "$LOG.$i.err"
	done
	expect_eq "$wins" 1 "successful attaches"
	for p in config ports keys xsks stats dstats pmtu atr_allow service_addrs prog_main prog_atr; do
		[ -e "$(pins)/$p" ] || fail "pin $p missing after the race"
	done
	expect_eq "$(xdp_prog_id)" "$(pinned_prog_id)" "attached program is the pinned one"
	ok get tcp.mss-v4 --value
	expect_eq "$(cat "$OUT")" 1220 "config of the winner"
}

# Pins of another layout are refused by name; detach still cleans them up.
case_abi_mismatch() {
	make_ns "$NS" "$IF" "$PEER"
	ok attach "$IF"
	local value
	value=$(python3 -c 'print(" ".join(["99", "0", "0", "0"] + ["0"] * 188))')
	bpftool map update pinned "$(pins)/config" key 0 0 0 0 value $value || fail "bpftool update config"
	bad "pins in $(pins) have ABI version 99, this build speaks $(abi_version); detach and attach again with this build" get
	bad "have ABI version 99" set tcp.mss-v4 1000
	ok status
	out_has "error: pins in $(pins) have ABI version 99"
	ok detach "$IF"
	[ ! -e "$(pins)" ] || fail "pins left"
	expect_eq "$(xdp_prog_id)" 0 "XDP program after detach"
}

# A failure at the last step (native XDP on a device without it) leaves no
# pins and nothing attached.
case_rollback() {
	make_ns "$NS" "$IF" "$PEER"
	bad "attach XDP in native mode to lo (driver lacks native XDP? try --mode skb)" attach lo
	[ ! -e "/sys/fs/bpf/xdpdns/lo@$(netns_inode "$NS")" ] || fail "pins left by a failed attach"
	expect_eq "$(nsenter --net=/var/run/netns/"$NS" ip -j link show dev lo | python3 -c 'import json,sys; print(json.load(sys.stdin)[0].get("xdp",{}).get("prog",{}).get("id",0))')" 0 "XDP on lo"
	ok attach lo --mode skb
	ok detach lo
}

# The pin root exists only while something is attached: the last detach
# removes it, the next attach makes it again; nothing else of ours is left
# in bpffs.
case_pin_root() {
	[ -n "${XDPDNS_CLI_OWN_MOUNTS:-}" ] || fail "pin_root must run in its own mount namespace"
	mount -t bpf bpf /sys/fs/bpf || fail "cannot mount a private bpffs"
	local before
	before=$(ls -A /sys/fs/bpf)
	make_ns "$NS" "$IF" "$PEER"
	[ ! -e /sys/fs/bpf/xdpdns ] || fail "a fresh bpffs has /sys/fs/bpf/xdpdns"
	ok attach "$IF" --mode skb
	ok attach lo --mode skb
	ok detach lo
	[ -d /sys/fs/bpf/xdpdns ] || fail "pin root removed while $IF is still attached"
	ok detach "$IF"
	[ ! -e /sys/fs/bpf/xdpdns ] || fail "pin root left after the last detach: $(ls -A /sys/fs/bpf/xdpdns)"
	ok attach "$IF" --mode skb
	[ -d "$(pins)" ] || fail "no pins after attaching again"
	ok detach "$IF"
	# A refused attach (another XDP program on the interface) leaves no
	# root behind either.
	local pass_pin=/sys/fs/bpf/xdpdns-cli-pass-$$
	bpftool prog load "$XDP_PASS_OBJ" "$pass_pin" type xdp 2>>"$LOG" || fail "bpftool cannot load $XDP_PASS_OBJ"
	nsenter --net=/var/run/netns/"$NS" bpftool net attach xdpgeneric pinned "$pass_pin" dev "$IF" 2>>"$LOG" ||
		{ rm -f "$pass_pin"; fail "could not attach a foreign XDP program"; }
	rm -f "$pass_pin"
	bad "interface $IF already has an XDP program" attach "$IF" --mode skb
	[ ! -e /sys/fs/bpf/xdpdns ] || fail "pin root left by a refused attach: $(ls -A /sys/fs/bpf/xdpdns)"
	nsenter --net=/var/run/netns/"$NS" ip link set dev "$IF" xdpgeneric off
	expect_eq "$(ls -A /sys/fs/bpf)" "$before" "bpffs entries after attach/detach"
}

case_help() {
	for cmd in attach detach status stats get set rotate-key knobs "atr allow add" "atr allow del" \
		   "atr allow list" "pmtu list" "pmtu flush" "answers list" "answers flush"; do
		# shellcheck disable=SC2086
		ctl $cmd --help
		[ "$CTL_RC" = 0 ] && grep -q '^Usage: ' "$OUT" || fail "$cmd --help"
	done
	ok knobs --markdown
	out_has "| \`atr.delay\` | duration | 10ms | 0s..1s |"
}

fn=case_$CASE
if ! declare -F "$fn" >/dev/null; then
	echo "FAIL: unknown case '$CASE'"
	exit 1
fi
# Set-up needs no namespace for `help`; make one anyway for uniform cleanup.
[ "$CASE" = help ] && make_ns "$NS" "$IF" "$PEER"
"$fn"
echo "PASS: $CASE"
