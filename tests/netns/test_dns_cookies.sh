#!/usr/bin/env bash
# DNS Cookies (RFC 7873, server cookies of RFC 9018) with real clients,
# xdpdnsd (zone backend) in the server namespace, the clients in the other:
# 1. Cookies on (the default):
#    * `dig +cookie`: the answer carries our COOKIE, 8 octets of dig's client
#      cookie and a 16-octet version-1 server cookie ("(good)"); sent back
#      with `dig +cookie=COOKIE`, the same cookie comes back, "(good)", and
#      d-cookie-valid counts it; a forged server cookie gets a fresh one
#      (d-cookie-invalid); over TCP the same.
#    * `kdig +cookie`, then `kdig +cookie=COOKIE` with the server cookie kdig
#      was given: echoed, counted valid.
#    * a COOKIE of 5 octets (dnspython): FORMERR, d-cookie-malformed.
#    * RRL (rrl.rate 5, slip 0, set live): a burst of 40 queries with the
#      client cookie only is limited (at most a few answered, the rest
#      d-rrl-dropped); the same burst with our valid server cookie is
#      answered in full, each counted d-rrl-exempt.
#    * none of these got an answer from XDP (the map holds small.example.test
#      after three plain queries): answer-not-eligible counts them, and
#      udp-answered does not move.
# 2. The upstream backend (NSD behind xdpdnsd), cookies required
#    (`--cookies require`):
#    * `dig +cookie +nobadcookie`: BADCOOKIE, no answer, our COOKIE;
#      `dig +cookie` (dig retries on BADCOOKIE with the new cookie):
#      NOERROR from NSD with our COOKIE (good); `dig +nocookie`: NOERROR
#      (no COOKIE: not a cookie-aware client); `dig +tcp +cookie` without a
#      server cookie: NOERROR; with it, the cookie back.
#    (The zone backend with cookies required, and resolvers:
#    test_dns_cookies_resolvers.sh.)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export XDPDNS_NETNS_TAG=${XDPDNS_NETNS_TAG:-ck}
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"

require_cmds dig kdig nsd nsd-checkconf "$PYTHON"
"$PYTHON" -c 'import dns.message, dns.query, dns.edns' 2>/dev/null || skip "missing python3-dnspython"
require_built "$XDPDNSD" "$XDPDNSCTL" "$XDP_PASS_OBJ"
ZONE=$XDPDNS_REPO/tools/zones/example.test.zone
netns_init
netns_pair_create

source "$here/dns_cookies_lib.sh"

step "1. cookies on (the default)"
start_daemon --zone "$ZONE"
for i in 1 2 3; do cdig +nocookie small.example.test A >/dev/null; done
snap
udp_answered=${C[udp-answered]}
expect_ge "$udp_answered" 1 "plain queries answered in XDP (the map has small.example.test)"
not_eligible=${C[answer-not-eligible]}
client_only=${C[d-cookie-client-only]}
valid=${C[d-cookie-valid]}
invalid=${C[d-cookie-invalid]}
malformed=${C[d-cookie-malformed]}

out=$(cdig +cookie small.example.test A)
expect_grep 'status: NOERROR' "$out" "dig +cookie: NOERROR"
expect_grep '^small.example.test.*192.0.2.1$' "$out" "dig +cookie: the address"
expect_grep '^; COOKIE: [0-9a-f]\{48\} (good)' "$out" "dig +cookie: client + server cookie, good"
cookie=$(dig_cookie "$out")
expect_eq "${cookie:16:8}" 01000000 "server cookie version 1, reserved 0"
stamp=$((16#${cookie:24:8}))
now=$(date +%s)
((stamp >= now - 5 && stamp <= now + 5)) || fail "server cookie timestamp $stamp is not now ($now)"

out=$(cdig +cookie="$cookie" small.example.test A)
expect_grep 'status: NOERROR' "$out" "dig +cookie=COOKIE: NOERROR"
expect_eq "$(dig_cookie "$out")" "$cookie" "dig +cookie=COOKIE: the same cookie back (fresh)"
expect_grep '^; COOKIE: [0-9a-f]* (good)' "$out" "dig +cookie=COOKIE: good"

forged=${cookie:0:32}0000000000000000
out=$(cdig +cookie="$forged" small.example.test A)
expect_grep 'status: NOERROR' "$out" "forged server cookie: answered"
new=$(dig_cookie "$out")
[[ ${new:0:16} == "${cookie:0:16}" && ${new:32:16} != 0000000000000000 ]] ||
	fail "forged server cookie: expected our client cookie and a fresh server cookie, got '$new'"
printf 'ok: forged server cookie replaced by a fresh one\n'

out=$(cdig +tcp +cookie="$cookie" small.example.test A)
expect_grep 'status: NOERROR' "$out" "dig +tcp +cookie=COOKIE: NOERROR"
expect_eq "$(dig_cookie "$out")" "$cookie" "dig +tcp: the cookie back"

step "kdig +cookie"
kout=$(nsrun "$CLIENT_NS" kdig +cookie +norec +time=2 +retry=0 @"$SERVER_IP4" small.example.test A 2>&1 || true)
expect_grep 'status: NOERROR' "$kout" "kdig +cookie: NOERROR"
kcookie=$(sed -n 's/^;; COOKIE: \([0-9a-fA-F]*\).*/\1/p' <<<"$kout" | tr A-F a-f)
[[ ${#kcookie} == 48 && ${kcookie:16:8} == 01000000 ]] || { printf '%s\n' "$kout" >&2; fail "kdig: no client + version-1 server cookie"; }
printf 'ok: kdig got cookie %s\n' "$kcookie"
kout=$(nsrun "$CLIENT_NS" kdig +cookie="$kcookie" +norec +time=2 +retry=0 @"$SERVER_IP4" small.example.test A 2>&1 || true)
expect_grep 'status: NOERROR' "$kout" "kdig +cookie=COOKIE: NOERROR"
expect_eq "$(sed -n 's/^;; COOKIE: \([0-9a-fA-F]*\).*/\1/p' <<<"$kout" | tr A-F a-f)" "$kcookie" "kdig: the cookie echoed"

step "a malformed COOKIE: FORMERR"
rcode=$(nsrun "$CLIENT_NS" "$PYTHON" -c '
import sys, dns.message, dns.query, dns.edns, dns.rcode
q = dns.message.make_query("small.example.test", "A", use_edns=0,
                           options=[dns.edns.GenericOption(10, b"\x01\x02\x03\x04\x05")])
r = dns.query.udp(q, sys.argv[1], timeout=2)
print(dns.rcode.to_text(r.rcode()))' "$SERVER_IP4")
expect_eq "$rcode" FORMERR "5-octet COOKIE"

snap
# dig: client only, valid, forged (UDP), valid (TCP); kdig: client only, valid.
expect_eq "$(delta d-cookie-client-only "$client_only")" 2 "d-cookie-client-only (dig, kdig)"
expect_eq "$(delta d-cookie-valid "$valid")" 3 "d-cookie-valid (dig UDP and TCP, kdig)"
expect_eq "$(delta d-cookie-invalid "$invalid")" 1 "d-cookie-invalid (the forged one)"
expect_eq "$(delta d-cookie-malformed "$malformed")" 1 "d-cookie-malformed"
expect_eq "${C[udp-answered]}" "$udp_answered" "udp-answered: no cookie query answered in XDP"
expect_ge "$(delta answer-not-eligible "$not_eligible")" 6 "answer-not-eligible: the UDP cookie queries went to the daemon"
step "RRL (rrl.rate 5, rrl.slip 0): a valid server cookie is exempt"
xdpdns_set "$SERVER_NS" "$SERVER_IF" rrl.rate 5 >/dev/null
xdpdns_set "$SERVER_NS" "$SERVER_IF" rrl.slip 0 >/dev/null
cookie_flood() {  # COOKIE-HEX: 40 queries for small.example.test; prints "full tc none"
	nsrun "$CLIENT_NS" env PYTHONPATH="$here/py" "$PYTHON" "$here/py/rrl_flood.py" --cookie "$1" \
		"$SERVER_IP4" small.example.test 1 40 "$CLIENT_IP4" |
		sed -n 's/^sent=40 full=\([0-9]*\) tc=\([0-9]*\) none=\([0-9]*\)$/\1 \2 \3/p'
}
snap
exempt=${C[d-rrl-exempt]}
rrl_dropped=${C[d-rrl-dropped]}
# The client cookie alone: not valid, so limited like any other query.
read -r full tc none <<<"$(cookie_flood "${cookie:0:16}")"
printf 'client cookie only: full=%s tc=%s none=%s\n' "$full" "$tc" "$none"
((full <= 12 && none >= 28)) || fail "client cookie only: expected the /24 limited to about 5/s, got full=$full none=$none"
# Our server cookie: every one answered, none counted by the limiter.
read -r full tc none <<<"$(cookie_flood "$cookie")"
expect_eq "$full $tc $none" "40 0 0" "valid server cookie: full tc none"
snap
expect_eq "$(delta d-rrl-exempt "$exempt")" 40 "d-rrl-exempt (the valid cookies)"
expect_ge "$(delta d-rrl-dropped "$rrl_dropped")" 28 "d-rrl-dropped (the client-only ones)"
xdpdns_set "$SERVER_NS" "$SERVER_IF" rrl.rate 0 >/dev/null
stop_pid "$DAEMON_PID" xdpdnsd

step "2. the upstream backend (NSD behind xdpdnsd), --cookies require"
netns_upstream_create
nsd_serve "$UP_NS" example.test "$ZONE" "$UP4"
start_daemon --upstream "$UP4" --cookies require
snap
badcookie=${C[d-cookie-badcookie]}
valid=${C[d-cookie-valid]}
out=$(cdig +cookie +nobadcookie small.example.test A)
expect_grep 'status: BADCOOKIE' "$out" "dig +nobadcookie: BADCOOKIE"
expect_grep 'ANSWER: 0, AUTHORITY: 0, ADDITIONAL: 1' "$out" "BADCOOKIE: no sections but the OPT"
[[ $(dig_cookie "$out") =~ ^[0-9a-f]{16}01000000[0-9a-f]{24}$ ]] || { printf '%s\n' "$out" >&2; fail "BADCOOKIE without our server cookie"; }
out=$(cdig +cookie mail.example.test A)
expect_grep 'status: NOERROR' "$out" "dig +cookie (retries on BADCOOKIE): NOERROR"
expect_grep '^mail.example.test.*192.0.2.25$' "$out" "NSD's address"
expect_grep '^; COOKIE: [0-9a-f]\{16\}01000000[0-9a-f]\{24\} (good)' "$out" "our COOKIE, good"
cookie=$(dig_cookie "$out")
out=$(cdig +nocookie small.example.test A)
expect_grep 'status: NOERROR' "$out" "dig +nocookie: answered (not cookie-aware)"
out=$(cdig +tcp +cookie small.example.test A)
expect_grep 'status: NOERROR' "$out" "dig +tcp +cookie without a server cookie: answered (TCP is never refused)"
out=$(cdig +tcp +cookie="$cookie" www.example.test A)
expect_grep 'status: NOERROR' "$out" "upstream over TCP: NOERROR"
expect_eq "$(dig_cookie "$out")" "$cookie" "upstream over TCP: the cookie back"
snap
# +nobadcookie, then dig's first try before its retry.
expect_eq "$(delta d-cookie-badcookie "$badcookie")" 2 "d-cookie-badcookie"
expect_eq "$(delta d-cookie-valid "$valid")" 2 "upstream: d-cookie-valid (dig's retry, TCP)"
