#!/usr/bin/env bash
# The zone backend through the daemon answers like NSD serving the same zone
# file (tools/zones/example.test.zone), as dig, kdig and drill see it over
# UDP and TCP, IPv4 and IPv6:
# * xdpdnsd on the server veth; nsd 4.6 (minimal-responses, no RRL) on
#   127.0.0.1 and ::1 inside the client namespace, so the clients reach
#   both from the same place;
# * py/ez_compare.py asks ~40 questions (every answer kind of RFC 1034
#   4.3.2, EDNS on/off/DO, referral and DS at the cut, REFUSED, TC=1 over
#   UDP, 1,200- and 4,000-octet answers over TCP) with every client, and
#   requires the normalised outputs to be identical, plus the expected
#   rcode/AA/TC/section counts of each xdpdns answer (TC=1 answers for our
#   names carry AA=1, as NSD's); the documented differences (CD copied,
#   ANY) are asserted as such;
# * afterwards the counters show every query answered by the daemon and
#   nothing malformed, dropped or passed to the host stack.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"

ZONE_FILE=$XDPDNS_REPO/tools/zones/example.test.zone

require_cmds nsd nsd-checkconf dig kdig drill ethtool nsenter "$PYTHON"
require_built "$XDPDNSD" "$XDPDNSCTL" "$XDP_PASS_OBJ"
netns_init
netns_pair_create

step "nsd on 127.0.0.1 and ::1 in the client namespace"
NSD_OPTIONS="minimal-responses: yes" nsd_serve "$CLIENT_NS" example.test "$ZONE_FILE" 127.0.0.1 ::1

step "xdpdnsd on $SERVER_IF with $(basename "$ZONE_FILE")"
start_daemon --zone "$ZONE_FILE"

step "compare every case with nsd (dig, kdig, drill; UDP, TCP; IPv4, IPv6)"
out=$NETNS_TMP/compare.txt
if ! nsrun "$CLIENT_NS" "$PYTHON" "$here/py/ez_compare.py" \
	"$SERVER_IP4" "$SERVER_IP6" 127.0.0.1 ::1 >"$out" 2>&1; then
	cat "$out"
	echo "--- xdpdnsd log"
	cat "$DAEMON_LOG"
	fail "xdpdns and nsd answer differently (see above)"
fi
grep -v '^ok ' "$out"
checks=$(grep -c '^ok ' "$out" || true)
expect_ge "$checks" 200 "checks passed"

step "counters: everything answered by the daemon, nothing malformed"
kill -0 "$DAEMON_PID" 2>/dev/null || fail "xdpdnsd died"
expect_eq "$(counter pass-udp-no-daemon)" 0 "pass-udp-no-daemon"
expect_eq "$(counter tcp-no-daemon)" 0 "tcp-no-daemon"
expect_eq "$(counter tcp-bad-cookie)" 0 "tcp-bad-cookie"
expect_eq "$(counter drop-bad-checksum)" 0 "drop-bad-checksum"
expect_eq "$(counter d-bad-frame)" 0 "d-bad-frame"
expect_eq "$(counter d-bad-checksum)" 0 "d-bad-checksum"
expect_eq "$(counter d-dns-formerr)" 0 "d-dns-formerr"
expect_eq "$(counter d-dns-dropped)" 0 "d-dns-dropped"
expect_eq "$(counter d-tx-ring-full)" 0 "d-tx-ring-full"
expect_eq "$(counter d-tcp-unanswerable)" 0 "d-tcp-unanswerable"
# Every UDP query the XDP program handed over got exactly one answer (full
# or TC=1); every TCP query segment one answer train.
udp_in=$(counter udp-to-daemon)
expect_eq "$(($(counter d-udp-answers) + $(counter d-udp-truncated)))" "$udp_in" \
	"d-udp-answers + d-udp-truncated = udp-to-daemon"
expect_eq "$(counter d-tcp-answers)" "$(counter tcp-to-daemon)" "d-tcp-answers = tcp-to-daemon"
# A question asked again may be answered in XDP (answers.in-kernel).
expect_ge "$((udp_in + $(counter udp-answered)))" 100 "UDP queries answered (daemon + XDP)"
