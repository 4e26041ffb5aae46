#!/usr/bin/env bash
# Secondary zone from NSD 4.6 as the primary (TSIG hmac-sha256 on the
# transfers and the NOTIFYs), end to end:
# * xdpdnsd in the server namespace, NSD on the client side (port 5300);
#   the zone's SOA has refresh 3 s, retry 1 s, expire 12 s (time for a
#   restart under load before it runs out);
# * AXFR at start: the serial is served, answers to a set of questions are
#   the ones NSD gives, the zone is in the state directory;
# * an update on NSD (nsd-control reload): its NOTIFY is accepted and the
#   new serial is served within a second (d-notify-accepted counts it);
# * NOTIFYs with a wrong key, without a key, and from an address that is
#   not the primary's are refused (NOTAUTH, NOTAUTH, REFUSED; counted);
# * restart with NSD stopped: the zone is served from the state directory
#   before any transfer; the refreshes fail (logged, retried every second)
#   and once the expire time has passed the zone answers SERVFAIL;
# * NSD back: the zone is served again after the next retry.
# NSD 4.6 serves IXFR only from the differences of its own secondary zones
# (or ixfr files it made), not for a primary zone reloaded from a file: the
# update here comes as AXFR, which xdpdnsd takes when its IXFR request is
# answered with a whole zone (test_secondary_knot.sh covers IXFR).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"
source "$here/secondary_lib.sh"

require_cmds nsd nsd-checkconf nsd-control dig nsenter "$PYTHON"
require_built "$XDPDNSD" "$XDPDNSCTL" "$XDP_PASS_OBJ"
netns_init
netns_pair_create

export SOA_TIMERS="3 1 12 60"
ZONE=$NETNS_TMP/sec.test.zone
STATE=$NETNS_TMP/state
secondary_zone_file "$ZONE" 1

step "NSD primary on $CLIENT_IP4 port 5300 (TSIG key xfr-key), NOTIFY to $SERVER_IP4"
nsd_primary "$CLIENT_NS" "$CLIENT_IP4" 5300 sec.test "$ZONE" "$SERVER_IP4@53" xfr-key "$TSIG_SECRET"

CONF=$NETNS_TMP/xdpdnsd.yaml
cat >"$CONF" <<YAML
interfaces: [$SERVER_IF]
backend:
  secondary:
    - zone: sec.test
      primaries: ["$CLIENT_IP4:5300"]
      key: xfr-key
  state-dir: $STATE
tsig-keys:
  - name: xfr-key
    algorithm: hmac-sha256
    secret: $TSIG_SECRET
YAML

step "xdpdnsd: AXFR at start"
start_daemon --config "$CONF"
ms=$(wait_serial "$CLIENT_NS" "$SERVER_IP4" 1 5000) || { cat "$DAEMON_LOG"; fail "serial 1 not served within 5 s"; }
echo "serial 1 served ${ms} ms after start"
grep -q "zone sec.test.: serial 1 by AXFR" "$DAEMON_LOG" || { cat "$DAEMON_LOG"; fail "no AXFR logged"; }
compare_with_primary "$CLIENT_NS" "$SERVER_IP4" "$CLIENT_IP4" 5300
[[ -s $STATE/sec.test.zone ]] || fail "no $STATE/sec.test.zone"
grep -q "serial 1" "$STATE/sec.test.zone" || fail "state file without its serial note"

step "update on NSD + NOTIFY: the new serial within a second"
secondary_zone_file "$ZONE" 2 "new A 192.0.2.200"
nsd_primary_reload "$CLIENT_NS" sec.test
ms=$(wait_serial "$CLIENT_NS" "$SERVER_IP4" 2 1000) || { cat "$DAEMON_LOG"; fail "serial 2 not served within 1 s of the reload"; }
echo "serial 2 served ${ms} ms after nsd-control reload"
grep -q "NOTIFY for sec.test. from $CLIENT_IP4: accepted" "$DAEMON_LOG" || { cat "$DAEMON_LOG"; fail "no NOTIFY accepted in the log"; }
# NSD notifies at its start too: at least the reload's NOTIFY was counted.
expect_ge "$(counter d-notify-accepted)" 1 "d-notify-accepted"
# Our IXFR request is answered with the whole zone (see the top).
grep -q "zone sec.test.: serial 2 (was 1) by IXFR answered as AXFR" "$DAEMON_LOG" ||
	{ cat "$DAEMON_LOG"; fail "NSD's answer to IXFR is not the one documented"; }
expect_eq "$(nsrun "$CLIENT_NS" dig +short @"$SERVER_IP4" new.sec.test A)" 192.0.2.200 "new.sec.test A"
compare_with_primary "$CLIENT_NS" "$SERVER_IP4" "$CLIENT_IP4" 5300
grep -q "serial 2" "$STATE/sec.test.zone" || fail "state file not rewritten for serial 2"

step "NOTIFYs refused: wrong key, no key, not the primary's address"
accepted=$(counter d-notify-accepted)
out=$(nsrun "$CLIENT_NS" "$PYTHON" "$here/py/send_notify.py" "$SERVER_IP4" sec.test --source "$CLIENT_IP4" --key "xfr-key:$TSIG_SECRET")
expect_eq "$out" "NOERROR aa=1 opcode=NOTIFY question=sec.test. tsig=ok" "NOTIFY with the key"
out=$(nsrun "$CLIENT_NS" "$PYTHON" "$here/py/send_notify.py" "$SERVER_IP4" sec.test --source "$CLIENT_IP4" --key "xfr-key:$TSIG_WRONG" || true)
expect_eq "$out" "NOTAUTH aa=0 opcode=NOTIFY question=sec.test. tsig=none" "NOTIFY with a wrong key"
out=$(nsrun "$CLIENT_NS" "$PYTHON" "$here/py/send_notify.py" "$SERVER_IP4" sec.test --source "$CLIENT_IP4")
expect_eq "$out" "NOTAUTH aa=0 opcode=NOTIFY question=sec.test. tsig=none" "NOTIFY without a key"
other=${CLIENT_IP4%.*}.77
nsrun "$CLIENT_NS" ip addr add "$other/24" dev "$CLIENT_IF"
out=$(nsrun "$CLIENT_NS" "$PYTHON" "$here/py/send_notify.py" "$SERVER_IP4" sec.test --source "$other" --key "xfr-key:$TSIG_SECRET" || true)
expect_eq "$out" "REFUSED aa=0 opcode=NOTIFY question=sec.test. tsig=none" "NOTIFY from $other"
expect_eq "$(counter_settles d-notify-refused 3)" 3 "d-notify-refused"
expect_eq "$(counter_settles d-notify-accepted $((accepted + 1)))" $((accepted + 1)) "d-notify-accepted (+1)"
grep -q "TSIG MAC does not verify" "$DAEMON_LOG" || fail "the wrong key is not named in the log"

step "restart with the primary stopped: served from the state directory"
stop_pid "$DAEMON_PID" xdpdnsd
stop_pid "$NSD_PID" nsd
start_daemon --config "$CONF"
expect_eq "$(soa_serial "$CLIENT_NS" "$SERVER_IP4")" 2 "serial right after the restart"
grep -q "zone sec.test.: serial 2 from the state file" "$DAEMON_LOG" || { cat "$DAEMON_LOG"; fail "state file not used"; }
expect_eq "$(nsrun "$CLIENT_NS" dig +short @"$SERVER_IP4" new.sec.test A)" 192.0.2.200 "new.sec.test A from the state file"

step "the primary stays away: retries logged, then expiry and SERVFAIL"
for ((i = 0; i < 300; i++)); do
	[[ $(rcode_of "$CLIENT_NS" "$SERVER_IP4" www.sec.test A) == SERVFAIL ]] && break
	sleep 0.1
done
expect_eq "$(rcode_of "$CLIENT_NS" "$SERVER_IP4" www.sec.test A)" SERVFAIL "www.sec.test A after expiry"
expect_eq "$(rcode_of "$CLIENT_NS" "$SERVER_IP4" sec.test SOA)" SERVFAIL "sec.test SOA after expiry"
grep -q "zone sec.test.: refresh (refresh timer) from $CLIENT_IP4:5300 failed: SOA query: connect" "$DAEMON_LOG" ||
	{ cat "$DAEMON_LOG"; fail "no failed refresh logged"; }
retries=$(grep -c "zone sec.test.: no primary answered; retry in 1 s" "$DAEMON_LOG" || true)
expect_ge "$retries" 2 "retries logged before expiry"
grep -q "zone sec.test.: expired" "$DAEMON_LOG" || fail "no expiry logged"
# Nothing else changed: other zones (none here) and names outside stay REFUSED.
expect_eq "$(rcode_of "$CLIENT_NS" "$SERVER_IP4" www.other.test A)" REFUSED "a name in no zone"

step "the primary is back: served again after the next retry"
nsd_primary "$CLIENT_NS" "$CLIENT_IP4" 5300 sec.test "$ZONE" "$SERVER_IP4@53" xfr-key "$TSIG_SECRET"
ms=$(wait_serial "$CLIENT_NS" "$SERVER_IP4" 2 5000) || { cat "$DAEMON_LOG"; fail "serial 2 not served again within 5 s"; }
echo "served again ${ms} ms after NSD came back"
compare_with_primary "$CLIENT_NS" "$SERVER_IP4" "$CLIENT_IP4" 5300
kill -0 "$DAEMON_PID" || fail "xdpdnsd died"
