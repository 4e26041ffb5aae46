#!/usr/bin/env bash
# DNS Cookies with resolvers: xdpdnsd (zone backend, `--cookies require`)
# as the authority of example.test for a resolver in the client namespace
# (dig -> resolver on 127.0.0.1 -> xdpdnsd); first dig itself: BADCOOKIE
# with +nobadcookie, NOERROR after its retry:
# * BIND named (static-stub for example.test; it sends cookies by default):
#   resolves small, www (CNAME) and mail; its first query to us gets
#   BADCOOKIE, it retries with our server cookie: d-cookie-badcookie and
#   d-cookie-valid both move.
# * unbound 1.17 (Debian 12) as a resolver (stub-zone): it resolves the
#   same names. It sends no COOKIE to its upstreams (its server-side cookies
#   came in 1.18; it has no client side), so it is answered as a client that
#   is not cookie-aware: no d-cookie-* counter moves while it resolves.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export XDPDNS_NETNS_TAG=${XDPDNS_NETNS_TAG:-cr}
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"

require_cmds dig named named-checkconf unbound unbound-checkconf ss "$PYTHON"
require_built "$XDPDNSD" "$XDPDNSCTL" "$XDP_PASS_OBJ"
ZONE=$XDPDNS_REPO/tools/zones/example.test.zone
PORT=5335
netns_init
netns_pair_create
source "$here/dns_cookies_lib.sh"

start_daemon --zone "$ZONE" --cookies require
step "dig against the zone backend with cookies required"
out=$(cdig +cookie +nobadcookie small.example.test A)
expect_grep 'status: BADCOOKIE' "$out" "dig +nobadcookie: BADCOOKIE"
expect_grep 'ANSWER: 0, AUTHORITY: 0, ADDITIONAL: 1' "$out" "BADCOOKIE: no sections but the OPT"
out=$(cdig +cookie small.example.test A)
expect_grep 'status: NOERROR' "$out" "dig +cookie (retries on BADCOOKIE): NOERROR"
expect_grep '^; COOKIE: [0-9a-f]\{16\}01000000[0-9a-f]\{24\} (good)' "$out" "our COOKIE, good"
snap

step "BIND named as a resolver"
badcookie=${C[d-cookie-badcookie]}
valid=${C[d-cookie-valid]}
named_serve "$CLIENT_NS" "$NETNS_TMP/named" "$PORT" example.test "$SERVER_IP4"
resolver_names "$PORT" named
snap
expect_ge "$(delta d-cookie-badcookie "$badcookie")" 1 "named's first query: BADCOOKIE"
expect_ge "$(delta d-cookie-valid "$valid")" 2 "named's queries with our server cookie"
stop_pid "$NAMED_PID" named

step "unbound 1.17 as a resolver"
unbound_serve "$CLIENT_NS" "$NETNS_TMP/unbound" "$PORT" example.test "$SERVER_IP4" 'module-config: "iterator"'
before=""
for c in d-cookie-client-only d-cookie-valid d-cookie-invalid d-cookie-badcookie; do before+="${C[$c]} "; done
resolver_names "$PORT" unbound
snap
after=""
for c in d-cookie-client-only d-cookie-valid d-cookie-invalid d-cookie-badcookie; do after+="${C[$c]} "; done
expect_eq "$after" "$before" "d-cookie-* while unbound resolves (it sends no COOKIE)"
stop_pid "$UNBOUND_PID" unbound
