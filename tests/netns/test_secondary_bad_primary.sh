#!/usr/bin/env bash
# Transfers that must be rejected, from a fake primary (py/fake_primary.py,
# dnspython, two TSIG-signed messages per transfer): after a good AXFR of
# serial 1, a NOTIFY announces serial 2 and the primary sends it
#   truncated (connection closed before the closing SOA),
#   corrupted (a message that does not parse),
#   with a closing SOA of another serial,
#   signed with another secret;
# each time xdpdnsd logs the zone, the primary and the cause, and keeps
# serving serial 1 unchanged (answers and state file). Then a good serial 3
# comes slowly (3 s between its messages): serial 1 is answered at once
# meanwhile, serial 3 once the transfer is complete.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"
source "$here/secondary_lib.sh"

require_cmds dig nsenter "$PYTHON"
require_built "$XDPDNSD" "$XDPDNSCTL" "$XDP_PASS_OBJ"
netns_init
netns_pair_create

# Expire 60 s: the rejected transfers below do not count as refreshes, and
# the zone must not expire while they go on.
export SOA_TIMERS="3 1 60 60"
ZONE=$NETNS_TMP/sec.test.zone
MODE=$NETNS_TMP/mode
STATE=$NETNS_TMP/state
secondary_zone_file "$ZONE" 1
echo good >"$MODE"

step "fake primary on $CLIENT_IP4 port 5302"
nsbg "$CLIENT_NS" "$PYTHON" "$here/py/fake_primary.py" "$CLIENT_IP4" 5302 "$ZONE" "$MODE" xfr-key "$TSIG_SECRET"
for ((i = 0; i < 100; i++)); do
	nsrun "$CLIENT_NS" dig +short +tcp +time=1 +tries=1 -p 5302 @"$CLIENT_IP4" sec.test SOA -y "hmac-sha256:xfr-key:$TSIG_SECRET" 2>/dev/null | grep -q . && break
	sleep 0.1
done

cat >"$NETNS_TMP/x.yaml" <<YAML
interfaces: [$SERVER_IF]
backend:
  secondary: [{zone: sec.test, primaries: ["$CLIENT_IP4:5302"], key: xfr-key}]
  state-dir: $STATE
tsig-keys: [{name: xfr-key, algorithm: hmac-sha256, secret: "$TSIG_SECRET"}]
YAML
start_daemon --config "$NETNS_TMP/x.yaml"
wait_serial "$CLIENT_NS" "$SERVER_IP4" 1 5000 >/dev/null || { cat "$DAEMON_LOG"; fail "serial 1 not served"; }
grep -q "zone sec.test.: serial 1 by AXFR" "$DAEMON_LOG" || { cat "$DAEMON_LOG"; fail "no AXFR logged"; }
before=$(cat "$STATE/sec.test.zone")

secondary_zone_file "$ZONE" 2 "new A 192.0.2.200"
for case in "truncated|AXFR: connection closed before the closing SOA (after 1 messages," \
	"corrupt|AXFR: message does not parse" \
	"wrongsoa|AXFR: closing SOA has serial 3, the opening one 2 (message 2)" \
	"badtsig|SOA query: TSIG MAC does not verify with key xfr-key."; do
	mode=${case%%|*} cause=${case#*|}
	step "a $mode transfer is rejected, serial 1 stays"
	echo "$mode" >"$MODE"
	lines=$(wc -l <"$DAEMON_LOG")
	out=$(nsrun "$CLIENT_NS" "$PYTHON" "$here/py/send_notify.py" "$SERVER_IP4" sec.test --source "$CLIENT_IP4" --key "xfr-key:$TSIG_SECRET")
	expect_eq "$out" "NOERROR aa=1 opcode=NOTIFY question=sec.test. tsig=ok" "NOTIFY answer"
	for ((i = 0; i < 50; i++)); do
		tail -n +"$((lines + 1))" "$DAEMON_LOG" | grep -q "zone sec.test.: refresh (NOTIFY) from $CLIENT_IP4:5302 failed" && break
		sleep 0.1
	done
	got=$(tail -n +"$((lines + 1))" "$DAEMON_LOG" | grep "zone sec.test.: refresh (NOTIFY) from $CLIENT_IP4:5302 failed" || true)
	[[ $got == *"$cause"* ]] || { cat "$DAEMON_LOG"; fail "$mode: expected a log line with '$cause', got '$got'"; }
	echo "logged: ${got#*] }"
	expect_eq "$(soa_serial "$CLIENT_NS" "$SERVER_IP4")" 1 "serial after the $mode transfer"
	expect_eq "$(nsrun "$CLIENT_NS" dig +short @"$SERVER_IP4" www.sec.test A)" 192.0.2.80 "www.sec.test A"
	expect_eq "$(rcode_of "$CLIENT_NS" "$SERVER_IP4" new.sec.test A)" NXDOMAIN "new.sec.test A (not in serial 1)"
	[[ $(cat "$STATE/sec.test.zone") == "$before" ]] || fail "the state file changed after a $mode transfer"
done

step "a slow good transfer of serial 3: serial 1 answers meanwhile, then serial 3"
secondary_zone_file "$ZONE" 3 "new A 192.0.2.200"
echo slow >"$MODE"
nsrun "$CLIENT_NS" "$PYTHON" "$here/py/send_notify.py" "$SERVER_IP4" sec.test --source "$CLIENT_IP4" --key "xfr-key:$TSIG_SECRET" >/dev/null
# The primary holds the transfer's second message back for 3 s (while
# $MODE.held exists; the transfer may also be the refresh timer's, started
# a moment before the NOTIFY); answering goes on from the old zone (one try
# of 1 s per question: no wait for the transfer).
for ((i = 0; i < 100; i++)); do
	[[ -e $MODE.held ]] && break
	sleep 0.05
done
[[ -e $MODE.held ]] || fail "the slow transfer did not start"
n=0
while [[ -e $MODE.held ]]; do
	s=$(nsrun "$CLIENT_NS" dig +short +time=1 +tries=1 @"$SERVER_IP4" sec.test SOA | awk '{print $3}')
	if [[ $s != 1 ]]; then
		# Only once the primary has let the rest go may serial 3 show.
		[[ $s == 3 && ! -e $MODE.held ]] && break
		fail "during the transfer: serial '$s', expected 1 (answered at once)"
	fi
	n=$((n + 1))
	sleep 0.1
done
expect_ge "$n" 5 "questions answered from serial 1 while the transfer was held back"
wait_serial "$CLIENT_NS" "$SERVER_IP4" 3 5000 >/dev/null || { cat "$DAEMON_LOG"; fail "serial 3 not served after the slow transfer"; }
grep -q "zone sec.test.: serial 3 (was 1) by IXFR answered as AXFR" "$DAEMON_LOG" || { cat "$DAEMON_LOG"; fail "serial 3 not logged"; }
expect_eq "$(nsrun "$CLIENT_NS" dig +short @"$SERVER_IP4" new.sec.test A)" 192.0.2.200 "new.sec.test A"
kill -0 "$DAEMON_PID" || fail "xdpdnsd died"
