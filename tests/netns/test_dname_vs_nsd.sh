#!/usr/bin/env bash
# DNAME (RFC 6672) through the daemon answers like NSD serving the same
# zone files (tests/unit/dns/zones/{dname,other,apex}.test.zone), as dig,
# kdig and drill see it over UDP and TCP, IPv4 and IPv6:
# * xdpdnsd on the server veth; nsd 4.6 (minimal-responses) with the same
#   three zones on 127.0.0.1 and ::1 inside the client namespace;
# * py/ez_dname_compare.py asks every DNAME case (the synthesized CNAME,
#   the owner itself, negative answers after it, chains through CNAMEs, a
#   referral, other zones and a DNAME at an apex, loops, the 255-octet
#   limit and YXDOMAIN, RRSIGs under DO=1, a cut above a DNAME) with every
#   client and requires identical normalised outputs, plus the expected
#   rcode/AA/TC/section counts of each xdpdns answer;
# * afterwards the counters show every query answered by the daemon or
#   XDP (questions asked again are answered in XDP from the stored
#   answer), nothing malformed or dropped.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"

zones=$XDPDNS_REPO/tests/unit/dns/zones

require_cmds nsd nsd-checkconf dig kdig drill nsenter "$PYTHON"
require_built "$XDPDNSD" "$XDPDNSCTL" "$XDP_PASS_OBJ"
netns_init
netns_pair_create

step "nsd with dname.test, other.test and apex.test on 127.0.0.1 and ::1 in the client namespace"
NSD_OPTIONS="minimal-responses: yes" NSD_MORE_ZONES="other.test $zones/other.test.zone
apex.test $zones/apex.test.zone" \
	nsd_serve "$CLIENT_NS" dname.test "$zones/dname.test.zone" 127.0.0.1 ::1

step "xdpdnsd on $SERVER_IF with the same zones"
start_daemon --zone "$zones/dname.test.zone" --zone "$zones/other.test.zone" --zone "$zones/apex.test.zone"

step "compare every DNAME case with nsd (dig, kdig, drill; UDP, TCP; IPv4, IPv6)"
out=$NETNS_TMP/compare.txt
if ! nsrun "$CLIENT_NS" "$PYTHON" "$here/py/ez_dname_compare.py" \
	"$SERVER_IP4" "$SERVER_IP6" 127.0.0.1 ::1 >"$out" 2>&1; then
	cat "$out"
	echo "--- xdpdnsd log"
	cat "$DAEMON_LOG"
	fail "xdpdns and nsd answer DNAME questions differently (see above)"
fi
grep -v '^ok ' "$out"
checks=$(grep -c '^ok ' "$out" || true)
expect_eq "$checks" 220 "checks passed (every case, client, transport and family)"

step "counters: everything answered, nothing malformed or dropped"
kill -0 "$DAEMON_PID" 2>/dev/null || fail "xdpdnsd died"
for c in pass-udp-no-daemon tcp-no-daemon d-bad-frame d-dns-formerr d-dns-dropped d-tcp-unanswerable; do
	expect_eq "$(counter "$c")" 0 "$c"
done
udp_in=$(counter udp-to-daemon)
expect_eq "$(($(counter d-udp-answers) + $(counter d-udp-truncated)))" "$udp_in" \
	"d-udp-answers + d-udp-truncated = udp-to-daemon"
expect_eq "$(counter d-tcp-answers)" "$(counter tcp-to-daemon)" "d-tcp-answers = tcp-to-daemon"
# A question asked again is answered in XDP from the stored answer: those
# DNAME answers matched NSD's too.
expect_ge "$(counter udp-answered)" 1 "UDP answers given by XDP"
