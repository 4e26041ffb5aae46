#!/usr/bin/env bash
# dnstap, end to end, read back with BIND's dnstap-read:
# * to a file (--dnstap-file): UDP over IPv4 and IPv6 and TCP queries with
#   chosen IDs and source ports each give one AUTH_QUERY and one
#   AUTH_RESPONSE with the right protocol, family, addresses, ports, ID and
#   question, and nothing else is logged;
# * to a Unix socket read by fstrm_capture (--dnstap), with the knob
#   dnstap.xdp-sample 1 set live: the same question three times, the third
#   answered in XDP from the answers map; that answer is logged as an
#   AUTH_RESPONSE from its copy (no AUTH_QUERY: the query never left XDP).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"

require_cmds fstrm_capture dnstap-read nsenter "$PYTHON"
require_built "$XDPDNSD" "$XDPDNSCTL" "$XDP_PASS_OBJ"
netns_init
netns_pair_create

zone=$NETNS_TMP/example.test.zone
cp "$XDPDNS_REPO/tools/zones/example.test.zone" "$zone"
C4=$CLIENT_IP4 S4=$SERVER_IP4 C6=$CLIENT_IP6 S6=$SERVER_IP6

queries() { nsrun "$CLIENT_NS" "$PYTHON" "$here/py/dnstap_queries.py" "$@"; }
check() { "$PYTHON" "$here/py/dnstap_check.py" "$@"; }
# Both ends of an exchange: KIND,PROTO,FAMILY,CLIENT,CPORT,SERVER,SPORT,ID,NAME.
pair() { echo "AUTH_QUERY,$1" "AUTH_RESPONSE,$1"; }

step "dnstap to a file: UDP/IPv4, UDP/IPv6, TCP/IPv4"
tapfile=$NETNS_TMP/tap.fstrm
start_daemon --zone "$zone" --dnstap-file "$tapfile" --set answers.in-kernel=off
grep -q "dnstap to file $tapfile" "$DAEMON_LOG" || fail "no dnstap line in the log"
queries "udp,$C4,$S4,40101,4101,small.example.test,A" \
	"udp,$C6,$S6,40102,4102,small.example.test,AAAA" \
	"tcp,$C4,$S4,40103,4103,mail.example.test,A" || fail "queries failed"
expect_eq "$(counter d-dnstap-logged)" 6 "d-dnstap-logged"
expect_eq "$(counter d-dnstap-dropped)" 0 "d-dnstap-dropped"
stop_pid "$DAEMON_PID" xdpdnsd  # flushes and closes the file
dnstap-read -y "$tapfile" >"$NETNS_TMP/file.yaml" || fail "dnstap-read $tapfile"
# shellcheck disable=SC2046
check "$NETNS_TMP/file.yaml" \
	$(pair "UDP,INET,$C4,40101,$S4,53,4101,small.example.test") \
	$(pair "UDP,INET6,$C6,40102,$S6,53,4102,small.example.test") \
	$(pair "TCP,INET,$C4,40103,$S4,53,4103,mail.example.test") || fail "file log differs"

step "dnstap to a socket (fstrm_capture), answers made in XDP sampled 1 in 1"
sock=$NETNS_TMP/tap.sock capfile=$NETNS_TMP/capture.fstrm
nsbg "$SERVER_NS" fstrm_capture -t protobuf:dnstap.Dnstap -u "$sock" -w "$capfile"
capture_pid=$NSBG_PID
for ((i = 0; i < 100; i++)); do
	[[ -S $sock ]] && break
	sleep 0.05
done
[[ -S $sock ]] || fail "fstrm_capture did not make $sock"
start_daemon --zone "$zone" --dnstap "$sock"
xdpdns_set "$SERVER_NS" "$SERVER_IF" dnstap.xdp-sample 1 >/dev/null || fail "set dnstap.xdp-sample"
a0=$(counter udp-answered)
# The daemon answers the first two and stores the answer the second time;
# XDP answers the third.
for n in 1 2 3; do
	queries "udp,$C4,$S4,4020$n,420$n,mx.example.test,MX" || fail "query $n"
done
expect_eq "$(($(counter udp-answered) - a0))" 1 "answers made in XDP"
# The copy goes through a perf buffer polled every 100 ms.
sleep 0.5
stop_pid "$DAEMON_PID" xdpdnsd
stop_pid "$capture_pid" fstrm_capture
dnstap-read -y "$capfile" >"$NETNS_TMP/socket.yaml" || fail "dnstap-read $capfile"
# shellcheck disable=SC2046
check "$NETNS_TMP/socket.yaml" \
	$(pair "UDP,INET,$C4,40201,$S4,53,4201,mx.example.test") \
	$(pair "UDP,INET,$C4,40202,$S4,53,4202,mx.example.test") \
	"AUTH_RESPONSE,UDP,INET,$C4,40203,$S4,53,4203,mx.example.test" || fail "socket log differs"
echo "PASS"
