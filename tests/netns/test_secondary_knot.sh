#!/usr/bin/env bash
# Secondary zone from Knot DNS 3.2 as the primary, with IXFR:
# * knotd on the client side (port 5301) keeps the changes of its zone in
#   its journal (journal-content: changes) and serves IXFR from it; every
#   transfer and NOTIFY is signed (TSIG hmac-sha256);
# * AXFR at start, answers compared with Knot's;
# * two updates through knotc transactions (serial 1 -> 2 -> 3): each is
#   NOTIFYed, fetched by IXFR (the log says so), served within a second,
#   and the answers are Knot's again (an added name, a deleted record);
# * TSIG required: xdpdnsd without the key, and with a wrong secret, gets
#   no zone (Knot refuses; the cause is logged) and answers SERVFAIL.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"
source "$here/secondary_lib.sh"

require_cmds knotd knotc dig nsenter "$PYTHON"
require_built "$XDPDNSD" "$XDPDNSCTL" "$XDP_PASS_OBJ"
netns_init
netns_pair_create

ZONE=$NETNS_TMP/sec.test.zone
secondary_zone_file "$ZONE" 1

step "Knot primary on $CLIENT_IP4 port 5301 (TSIG key xfr-key), NOTIFY to $SERVER_IP4"
knot_primary "$CLIENT_NS" "$CLIENT_IP4" 5301 sec.test "$ZONE" "$SERVER_IP4@53" xfr-key "$TSIG_SECRET"

# write_conf FILE SECRET|"" STATE-DIR
write_conf() {
	{
		printf 'interfaces: [%s]\nbackend:\n  secondary:\n    - zone: sec.test\n' "$SERVER_IF"
		printf '      primaries: ["%s:5301"]\n' "$CLIENT_IP4"
		[[ -n $2 ]] && printf '      key: xfr-key\n'
		printf '  state-dir: %s\n' "$3"
		[[ -n $2 ]] && printf 'tsig-keys:\n  - name: xfr-key\n    algorithm: hmac-sha256\n    secret: %s\n' "$2"
		true
	} >"$1"
}

step "xdpdnsd: AXFR at start"
write_conf "$NETNS_TMP/good.yaml" "$TSIG_SECRET" "$NETNS_TMP/state"
start_daemon --config "$NETNS_TMP/good.yaml"
wait_serial "$CLIENT_NS" "$SERVER_IP4" 1 5000 >/dev/null || { cat "$DAEMON_LOG"; fail "serial 1 not served within 5 s"; }
grep -q "zone sec.test.: serial 1 by AXFR" "$DAEMON_LOG" || { cat "$DAEMON_LOG"; fail "no AXFR logged"; }
compare_with_primary "$CLIENT_NS" "$SERVER_IP4" "$CLIENT_IP4" 5301

step "update 1 (add new.sec.test): NOTIFY, IXFR, served within a second"
knotc_run zone-begin sec.test >/dev/null
knotc_run zone-set sec.test new 300 A 192.0.2.200 >/dev/null
knotc_run zone-commit sec.test >/dev/null
ms=$(wait_serial "$CLIENT_NS" "$SERVER_IP4" 2 1000) || { cat "$DAEMON_LOG"; cat "$KNOT_DIR/knot.log"; fail "serial 2 not served within 1 s"; }
echo "serial 2 served ${ms} ms after the commit"
grep -q "zone sec.test.: serial 2 (was 1) by IXFR" "$DAEMON_LOG" || { cat "$DAEMON_LOG"; fail "serial 2 not by IXFR"; }
expect_eq "$(nsrun "$CLIENT_NS" dig +short @"$SERVER_IP4" new.sec.test A)" 192.0.2.200 "new.sec.test A"
compare_with_primary "$CLIENT_NS" "$SERVER_IP4" "$CLIENT_IP4" 5301

step "update 2 (delete www AAAA, change the MX): IXFR again"
knotc_run zone-begin sec.test >/dev/null
knotc_run zone-unset sec.test www AAAA >/dev/null
knotc_run zone-unset sec.test mx MX >/dev/null
knotc_run zone-set sec.test mx 300 MX 20 mail.sec.test. >/dev/null
knotc_run zone-commit sec.test >/dev/null
wait_serial "$CLIENT_NS" "$SERVER_IP4" 3 1000 >/dev/null || { cat "$DAEMON_LOG"; grep -i notif "$KNOT_DIR/knot.log"; fail "serial 3 not served within 1 s"; }
grep -q "zone sec.test.: serial 3 (was 2) by IXFR" "$DAEMON_LOG" || { cat "$DAEMON_LOG"; fail "serial 3 not by IXFR"; }
expect_eq "$(nsrun "$CLIENT_NS" dig +short @"$SERVER_IP4" www.sec.test AAAA)" "" "www.sec.test AAAA deleted"
expect_eq "$(nsrun "$CLIENT_NS" dig +short @"$SERVER_IP4" mx.sec.test MX)" "20 mail.sec.test." "mx.sec.test MX changed"
compare_with_primary "$CLIENT_NS" "$SERVER_IP4" "$CLIENT_IP4" 5301
expect_ge "$(counter_settles d-notify-accepted 2)" 2 "d-notify-accepted"
stop_pid "$DAEMON_PID" xdpdnsd

step "TSIG required: without the key Knot refuses the transfer"
write_conf "$NETNS_TMP/nokey.yaml" "" "$NETNS_TMP/state-nokey"
start_daemon --config "$NETNS_TMP/nokey.yaml"
for ((i = 0; i < 50; i++)); do
	grep -q "zone sec.test.: refresh (no zone yet) from $CLIENT_IP4:5301 failed: AXFR: primary answered" "$DAEMON_LOG" && break
	sleep 0.1
done
grep "zone sec.test.: refresh" "$DAEMON_LOG" | head -2
grep -q "failed: AXFR: primary answered NOTAUTH\|failed: AXFR: primary answered REFUSED" "$DAEMON_LOG" ||
	{ cat "$DAEMON_LOG"; fail "the refused transfer is not logged"; }
expect_eq "$(rcode_of "$CLIENT_NS" "$SERVER_IP4" www.sec.test A)" SERVFAIL "www.sec.test A without a transfer"
stop_pid "$DAEMON_PID" xdpdnsd

step "a wrong key: Knot answers BADSIG, nothing is transferred"
write_conf "$NETNS_TMP/wrong.yaml" "$TSIG_WRONG" "$NETNS_TMP/state-wrong"
start_daemon --config "$NETNS_TMP/wrong.yaml"
for ((i = 0; i < 50; i++)); do
	grep -q "failed: SOA query: TSIG BADSIG" "$DAEMON_LOG" && break
	sleep 0.1
done
grep -q "zone sec.test.: refresh (no zone yet) from $CLIENT_IP4:5301 failed: SOA query: TSIG BADSIG from the other side (key xfr-key.)" "$DAEMON_LOG" ||
	{ cat "$DAEMON_LOG"; fail "the wrong key is not logged"; }
expect_eq "$(rcode_of "$CLIENT_NS" "$SERVER_IP4" sec.test SOA)" SERVFAIL "sec.test SOA with a wrong key"
[[ ! -e $NETNS_TMP/state-wrong/sec.test.zone ]] || fail "a zone was stored with a wrong key"
