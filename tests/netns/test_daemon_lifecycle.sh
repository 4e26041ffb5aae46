#!/usr/bin/env bash
# xdpdnsd's life cycle, as a service manager drives it:
# * --check-config: a good file prints "FILE: ok" and exits 0; a bad knob
#   value, an unknown key and a broken zone file exit 1 naming the file,
#   line (and column) and key;
# * attaching itself: XDP program and pins appear; SIGHUP with the zone file
#   changed (serial bump, a new name) makes the new name answer with the
#   same process and XDP program, while a client asking over UDP and TCP
#   throughout the reloads loses nothing; a SIGHUP with a broken zone file
#   keeps the old zones in service; SIGTERM: exit status 0, XDP detached
#   (ip link shows no xdp), pins removed;
# * adopting: after `xdpdnsctl attach`, the daemon says it adopts the
#   program, answers, and on SIGTERM exits 0 leaving program and pins in
#   place, its AF_XDP socket gone from the XSKMAP (the next UDP query is
#   passed to the host stack, pass-udp-no-daemon); a second daemon adopts
#   the same program again and answers;
# * the cookie epoch: with cookie.epoch 1s the daemon moves the published
#   config.cookie_epoch on (CLOCK_REALTIME seconds), second by second.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"

ZONE_SRC=$XDPDNS_REPO/tools/zones/example.test.zone

require_cmds dig ethtool nsenter bpftool "$PYTHON"
require_built "$XDPDNSD" "$XDPDNSCTL" "$XDP_PASS_OBJ"
netns_init
netns_pair_create

DAEMON_RUNS=0

# stop_daemon: SIGTERM, then the exit status (fails after 10 s).
stop_daemon() {
	kill -TERM "$DAEMON_PID"
	local i status=0
	for ((i = 0; i < 200; i++)); do
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$DAEMON_PID" 2>/dev/null && { cat "$DAEMON_LOG" >&2; fail "xdpdnsd still running 10 s after SIGTERM"; }
	wait "$DAEMON_PID" || status=$?
	DAEMON_STATUS=$status
}

# log_count PATTERN: lines of the current daemon log matching PATTERN.
log_count() { grep -c -- "$1" "$DAEMON_LOG" || true; }

# wait_log PATTERN COUNT: until the log has COUNT matching lines (10 s).
wait_log() {
	local i
	for ((i = 0; i < 200; i++)); do
		(($(log_count "$1") >= $2)) && return 0
		sleep 0.05
	done
	cat "$DAEMON_LOG" >&2
	fail "xdpdnsd log: no $2 line(s) matching '$1'"
}

# q ADDR NAME TYPE [+tcp]: dig +short answer (one line per record).
q() {
	nsrun "$CLIENT_NS" dig +short +norec +time=2 +tries=2 ${4:-} @"$1" "$2" "$3" ||
		fail "dig ${4:-} @$1 $2 $3 failed"
}
# rcode ADDR NAME TYPE: the status of dig's answer.
rcode() {
	nsrun "$CLIENT_NS" dig +norec +time=2 +tries=2 @"$1" "$2" "$3" |
		sed -n 's/.*status: \([A-Z]*\),.*/\1/p'
}
pins=$(xdpdns_pin_dir "$SERVER_NS" "$SERVER_IF")
# cookie_epoch: config.cookie_epoch as the map holds it (bpftool, BTF).
cookie_epoch() {
	bpftool -j map dump pinned "$pins/config" |
		"$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)[0]["formatted"]["value"]["cookie_epoch"])'
}
zone=$NETNS_TMP/example.test.zone
cp "$ZONE_SRC" "$zone"

step "--check-config: a good file and three bad ones"
good_cfg=$NETNS_TMP/good.yaml bad_knob=$NETNS_TMP/bad-knob.yaml
bad_key=$NETNS_TMP/bad-key.yaml bad_zone_cfg=$NETNS_TMP/bad-zone.yaml
broken_zone=$NETNS_TMP/broken.zone
cat >"$good_cfg" <<EOF
interfaces: [$SERVER_IF]
backend:
  zones:
    - file: $zone
knobs:
  tcp.segment-size: 512
log-level: info
EOF
sed 's/tcp.segment-size: 512/tcp.segment-size: 10/' "$good_cfg" >"$bad_knob"
sed 's/^backend:/bakend:/' "$good_cfg" >"$bad_key"
printf '$ORIGIN example.test.\n@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300\nfoo 3600 IN A 192.0.2\n' >"$broken_zone"
sed "s|file: $zone|file: $broken_zone|" "$good_cfg" >"$bad_zone_cfg"
out=$("$XDPDNSD" --check-config "$good_cfg" 2>&1) || fail "--check-config $good_cfg: exit status $?: $out"
expect_eq "$out" "$good_cfg: ok" "--check-config good file"
# check_bad FILE EXPECTED-MESSAGE
check_bad() {
	local status=0 out
	out=$("$XDPDNSD" --check-config "$1" 2>&1) || status=$?
	expect_eq "$status" 1 "--check-config $(basename "$1"): exit status"
	expect_eq "$out" "$2" "--check-config $(basename "$1"): message"
}
check_bad "$bad_knob" "$bad_knob:6:21: knobs.tcp.segment-size: 10 is out of range 64..9000"
check_bad "$bad_key" "$bad_key:2:1: bakend: unknown key; valid keys: interfaces, ports, mode, addresses, backend, knobs, cookie-key, cookies, tsig-keys, pmtu-entries, rrl-table-size, tcp-flows, tcp-connections, answer-entries, busy-poll, metrics, dnstap, log-level"
check_bad "$bad_zone_cfg" "$broken_zone:3: Syntax error, could not parse the RR's rdata"

step "the daemon attaches the XDP program itself"
start_daemon --zone "$zone"
expect_eq "$(log_count 'XDP program attached (')" 1 "log: XDP program attached"
prog=$(xdp_prog_id "$SERVER_NS" "$SERVER_IF")
[[ -n $prog ]] || fail "no XDP program on $SERVER_IF with the daemon running"
[[ -d $pins ]] || fail "no pins in $pins with the daemon running"
expect_eq "$(q "$SERVER_IP4" small.example.test A)" 192.0.2.1 "UDP small.example.test A"
expect_eq "$(rcode "$SERVER_IP4" new.example.test A)" NXDOMAIN "new.example.test before the reload"
expect_eq "$(q "$SERVER_IP4" example.test SOA | awk '{print $3}')" 2024010101 "serial before the reload"

step "the daemon moves the published cookie epoch on"
t0=$(date +%s)
xdpdnsctl_run "$SERVER_NS" set cookie.epoch 1s >/dev/null
e0=$(cookie_epoch)
sleep 3.5
e1=$(cookie_epoch)
t1=$(date +%s)
# 1 s epochs count CLOCK_REALTIME seconds; after the set, nobody but the
# daemon advances the number.
((e0 >= t0 && e0 <= t1)) || fail "cookie_epoch $e0 after set cookie.epoch 1s (clock $t0 .. $t1)"
((e1 >= e0 + 2 && e1 <= t1)) || fail "cookie_epoch $e0 -> $e1 over 3.5 s (clock $t0 .. $t1)"
echo "ok: cookie_epoch $e0 -> $e1"
t0=$(date +%s)
xdpdnsctl_run "$SERVER_NS" set cookie.epoch 64s >/dev/null
e0=$(cookie_epoch)
t1=$(date +%s)
((e0 >= t0 / 64 && e0 <= t1 / 64)) || fail "cookie_epoch $e0 after set cookie.epoch 64s (clock $t0 .. $t1)"
expect_eq "$(q "$SERVER_IP4" small.example.test A +tcp)" 192.0.2.1 "TCP small.example.test A after the renumbering"

step "SIGHUP with a new name and a serial bump, under load over UDP and TCP"
stop4=$NETNS_TMP/loop4.stop stop6=$NETNS_TMP/loop6.stop
nsbg "$CLIENT_NS" "$PYTHON" "$here/py/ez_query_loop.py" "$SERVER_IP4" "$stop4" >"$NETNS_TMP/loop4.out" 2>&1
loop4=$NSBG_PID
nsbg "$CLIENT_NS" "$PYTHON" "$here/py/ez_query_loop.py" "$SERVER_IP6" "$stop6" >"$NETNS_TMP/loop6.out" 2>&1
loop6=$NSBG_PID
sleep 1
sed -i 's/2024010101 ; serial/2024010102 ; serial/' "$zone"
printf 'new      A     192.0.2.99\n' >>"$zone"
# Several reloads in a row, each while the loops keep asking.
for n in 1 2 3 4 5; do
	kill -HUP "$DAEMON_PID"
	wait_log 'zones reloaded' "$n"
	sleep 0.3
done
sleep 0.5
touch "$stop4" "$stop6"
status4=0 status6=0
wait "$loop4" || status4=$?
wait "$loop6" || status6=$?
cat "$NETNS_TMP/loop4.out" "$NETNS_TMP/loop6.out"
expect_eq "$status4|$status6" "0|0" "query loops (IPv4|IPv6): every query answered correctly"
read -r _ usent6 uok6 _ tsent6 tok6 < <(tail -1 "$NETNS_TMP/loop6.out") || true
read -r _ usent uok _ tsent tok < <(tail -1 "$NETNS_TMP/loop4.out") || true
expect_ge "$usent" 50 "IPv4 UDP queries during the reloads"
expect_ge "$tsent" 10 "IPv4 TCP queries during the reloads"
expect_ge "$usent6" 50 "IPv6 UDP queries during the reloads"
expect_ge "$tsent6" 10 "IPv6 TCP queries during the reloads"
kill -0 "$DAEMON_PID" 2>/dev/null || fail "xdpdnsd exited on SIGHUP"
expect_eq "$(xdp_prog_id "$SERVER_NS" "$SERVER_IF")" "$prog" "XDP program id after the reloads"
expect_eq "$(q "$SERVER_IP4" new.example.test A)" 192.0.2.99 "UDP new.example.test A after the reload"
expect_eq "$(q "$SERVER_IP6" new.example.test A +tcp)" 192.0.2.99 "TCP (IPv6) new.example.test A after the reload"
expect_eq "$(q "$SERVER_IP4" example.test SOA | awk '{print $3}')" 2024010102 "serial after the reload"

step "SIGHUP with a broken zone file keeps the zones in service"
cp "$zone" "$zone.good"
printf 'broken   A     192.0.2\n' >>"$zone"
kill -HUP "$DAEMON_PID"
wait_log 'reload failed, keeping the zones in service' 1
expect_eq "$(log_count 'zones reloaded')" 5 "log: no further 'zones reloaded'"
expect_eq "$(q "$SERVER_IP4" new.example.test A)" 192.0.2.99 "UDP new.example.test A after the failed reload"
expect_eq "$(q "$SERVER_IP4" small.example.test A +tcp)" 192.0.2.1 "TCP small.example.test A after the failed reload"
cp "$zone.good" "$zone"

step "SIGTERM: exit 0, XDP detached, pins removed"
stop_daemon
expect_eq "$DAEMON_STATUS" 0 "xdpdnsd exit status on SIGTERM"
expect_eq "$(log_count 'XDP program detached')" 1 "log: XDP program detached"
expect_eq "$(xdp_prog_id "$SERVER_NS" "$SERVER_IF")" "" "XDP program on $SERVER_IF after SIGTERM"
nsrun "$SERVER_NS" ip -d link show dev "$SERVER_IF" | grep -q xdp &&
	fail "ip link still shows xdp on $SERVER_IF: $(nsrun "$SERVER_NS" ip -d link show dev "$SERVER_IF")"
echo "ok: ip -d link show dev $SERVER_IF shows no xdp"
[[ -e $pins ]] && fail "pins left in $pins after SIGTERM: $(ls "$pins")"
echo "ok: $pins removed"

step "xdpdnsctl attach, then the daemon adopts the program"
xdpdns_attach "$SERVER_NS" "$SERVER_IF"
prog=$(xdp_prog_id "$SERVER_NS" "$SERVER_IF")
[[ -n $prog ]] || fail "no XDP program after xdpdnsctl attach"
start_daemon --zone "$zone"
expect_eq "$(log_count "$SERVER_IF: adopting the XDP program attached by xdpdnsctl")" 1 "log: adopting"
expect_eq "$(log_count 'XDP program attached (')" 0 "log: no attach of its own"
expect_eq "$(xdp_prog_id "$SERVER_NS" "$SERVER_IF")" "$prog" "XDP program id with the adopting daemon"
expect_eq "$(q "$SERVER_IP4" small.example.test A)" 192.0.2.1 "UDP small.example.test A (adopted)"
expect_eq "$(q "$SERVER_IP6" new.example.test A +tcp)" 192.0.2.99 "TCP (IPv6) new.example.test A (adopted)"

step "SIGTERM of the adopting daemon leaves the program attached"
stop_daemon
expect_eq "$DAEMON_STATUS" 0 "xdpdnsd exit status on SIGTERM (adopted)"
expect_eq "$(log_count 'XDP program detached')" 0 "log: no detach"
expect_eq "$(xdp_prog_id "$SERVER_NS" "$SERVER_IF")" "$prog" "XDP program id after the daemon left"
[[ -d $pins ]] || fail "pins $pins gone after the adopting daemon left"
echo "ok: pins $pins still there"
# No AF_XDP socket left in the XSKMAP: the XDP program passes UDP queries
# to the host stack (which has no listener: dig sees no answer).
passed=$(counter pass-udp-no-daemon)
nsrun "$CLIENT_NS" dig +time=1 +tries=1 @"$SERVER_IP4" small.example.test A >/dev/null 2>&1 || true
expect_eq "$(counter pass-udp-no-daemon)" "$((passed + 1))" "pass-udp-no-daemon after the daemon left"

step "a new daemon adopts the same program again"
start_daemon --zone "$zone"
expect_eq "$(log_count 'adopting the XDP program')" 1 "log: adopting (second daemon)"
expect_eq "$(q "$SERVER_IP6" small.example.test A)" 192.0.2.1 "UDP (IPv6) small.example.test A (second daemon)"
expect_eq "$(q "$SERVER_IP4" small.example.test A +tcp)" 192.0.2.1 "TCP small.example.test A (second daemon)"
stop_daemon
expect_eq "$DAEMON_STATUS" 0 "second daemon's exit status on SIGTERM"
expect_eq "$(xdp_prog_id "$SERVER_NS" "$SERVER_IF")" "$prog" "XDP program id after the second daemon left"
