#!/usr/bin/env bash
# The Prometheus metrics endpoint (--metrics), end to end:
# * a metrics address in use, or not on this host, stops the start with a
#   message naming the address and the cause (nothing attached);
# * curl scrapes /metrics (text format 0.0.4) before and after 3 UDP and
#   2 TCP digs: the daemon's answer counters, XDP's redirect and SYN-ACK
#   counters and the answer-size and segment histograms move by exactly
#   what was sent; build info and the zone serial are there;
# * `promtool check metrics` accepts the scrape;
# * a reload with a new SOA serial shows the new serial.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"

require_cmds dig curl promtool nsenter "$PYTHON"
require_built "$XDPDNSD" "$XDPDNSCTL" "$XDP_PASS_OBJ"
netns_init
netns_pair_create

zone=$NETNS_TMP/example.test.zone
cp "$XDPDNS_REPO/tools/zones/example.test.zone" "$zone"
port=9153
listen="$SERVER_IP4:$port"

step "metrics address in use: the start fails naming it"
nsbg "$SERVER_NS" "$PYTHON" -c "import socket,time
s=socket.socket(); s.bind(('$SERVER_IP4', $port)); s.listen(); time.sleep(30)"
holder=$NSBG_PID
for ((i = 0; i < 100; i++)); do
	nsrun "$SERVER_NS" ss -Hltn "sport = :$port" | grep -q . && break
	sleep 0.05
done
rc=0
out=$(nsrun "$SERVER_NS" timeout 20 "$XDPDNSD" --interface "$SERVER_IF" --zone "$zone" --metrics "$listen" 2>&1) || rc=$?
expect_eq "$rc" 1 "exit status with the port taken"
grep -q "metrics $listen: cannot listen: Address already in use" <<<"$out" || fail "no bind error in: $out"
expect_eq "$(xdp_prog_id "$SERVER_NS" "$SERVER_IF")" "" "XDP program attached after the failed start"
stop_pid "$holder" "port holder"

step "metrics address not on this host: the start fails naming it"
rc=0
out=$(nsrun "$SERVER_NS" timeout 20 "$XDPDNSD" --interface "$SERVER_IF" --zone "$zone" --metrics 192.0.2.77:$port 2>&1) || rc=$?
expect_eq "$rc" 1 "exit status with a foreign address"
grep -q "metrics 192.0.2.77:$port: cannot listen: Cannot assign requested address" <<<"$out" || fail "no bind error in: $out"

step "xdpdnsd --metrics $listen (answers.in-kernel off: every query reaches the daemon)"
start_daemon --zone "$zone" --metrics "$listen" --set answers.in-kernel=off
grep -q "metrics at http://$listen/metrics" "$DAEMON_LOG" || fail "no metrics line in the log"

# Scraped from inside the server's namespace: the HTTP exchange never
# crosses the veth, so XDP's counters see only the DNS traffic.
scrape() {
	nsrun "$SERVER_NS" curl -sS --max-time 5 -D "$1.headers" -o "$1" "http://$listen/metrics" ||
		fail "curl http://$listen/metrics failed"
}
# metric FILE NAME [LABEL-TEXT]: the sum of NAME's samples whose labels
# contain LABEL-TEXT.
metric() {
	awk -v n="$2" -v l="${3:-}" '
		!/^#/ { split($1, a, "{"); if (a[1] == n && index($1, l)) s += $2 }
		END { printf "%d\n", s }' "$1"
}
delta() { echo $(($(metric "$after" "$@") - $(metric "$before" "$@"))); }

before=$NETNS_TMP/scrape1 after=$NETNS_TMP/scrape2
scrape "$before"
grep -qi '^content-type: text/plain; version=0.0.4' "$before.headers" || fail "content type: $(cat "$before.headers")"

step "3 UDP and 2 TCP queries"
for name in small.example.test mail.example.test www.example.test; do
	out=$(nsrun "$CLIENT_NS" dig +nocookie +short +time=2 +tries=1 @"$SERVER_IP4" "$name" A) || fail "dig $name"
	[[ -n $out ]] || fail "dig $name: no answer"
done
for name in small.example.test mail.example.test; do
	out=$(nsrun "$CLIENT_NS" dig +tcp +nocookie +short +time=2 +tries=1 @"$SERVER_IP4" "$name" A) || fail "dig +tcp $name"
	[[ -n $out ]] || fail "dig +tcp $name: no answer"
done
# The client's last ACKs and FINs may still be on their way.
sleep 0.3
scrape "$after"

expect_eq "$(delta xdpdns_daemon_udp_answers_total)" 3 "daemon UDP answers"
expect_eq "$(delta xdpdns_daemon_tcp_answers_total)" 2 "daemon TCP answers"
expect_eq "$(delta xdpdns_xdp_udp_to_daemon_total "interface=\"$SERVER_IF\"")" 3 "XDP udp-to-daemon"
expect_eq "$(delta xdpdns_xdp_tcp_syn_answered_total)" 2 "XDP SYN-ACKs"
expect_eq "$(delta xdpdns_xdp_udp_answered_total)" 0 "XDP in-kernel answers (off)"
expect_eq "$(delta xdpdns_answer_size_octets_count 'transport="udp"')" 3 "UDP answer sizes observed"
expect_eq "$(delta xdpdns_answer_size_octets_count 'transport="tcp"')" 2 "TCP answer sizes observed"
# Every answer here is small: all in the le="128" bucket.
expect_eq "$(delta xdpdns_answer_size_octets_bucket 'transport="udp",le="128"')" 3 "UDP answers of <= 128 octets"
expect_eq "$(delta xdpdns_tcp_answer_segments_bucket 'le="1"')" 2 "TCP answers in one segment"
expect_eq "$(delta xdpdns_tcp_answer_segments_count)" 2 "TCP answers observed"
# The sum of sizes is the sum of the answers dig received.
sizes=0
for name in small.example.test mail.example.test www.example.test; do
	n=$(nsrun "$CLIENT_NS" dig +nocookie +time=2 +tries=1 @"$SERVER_IP4" "$name" A | sed -n 's/.*MSG SIZE  rcvd: \([0-9]*\)/\1/p')
	sizes=$((sizes + n))
done
sleep 0.1
third=$NETNS_TMP/scrape3
scrape "$third"
expect_eq "$(($(metric "$third" xdpdns_answer_size_octets_sum 'transport="udp"') - $(metric "$after" xdpdns_answer_size_octets_sum 'transport="udp"')))" \
	"$sizes" "UDP answer octets (dig's MSG SIZE)"

grep -q "^xdpdns_build_info{version=\"[0-9.]*\",abi=\"[0-9]*\"} 1$" "$after" || fail "no build info"
expect_eq "$(metric "$after" xdpdns_zone_serial 'zone="example.test."')" 2024010101 "zone serial"
grep -q "^xdpdns_daemon_tcp_conns_open{interface=\"$SERVER_IF\",queue=\"0\"} [0-9]*$" "$after" || fail "no tcp-conns-open gauge"
grep -q '^# TYPE xdpdns_daemon_tcp_conns_open gauge$' "$after" || fail "tcp-conns-open is not a gauge"
start=$(metric "$after" xdpdns_start_time_seconds)
expect_ge "$start" $(($(date +%s) - 120)) "start time"

step "promtool check metrics"
out=$(promtool check metrics <"$after" 2>&1) || fail "promtool check metrics: $out"
echo "promtool: ok${out:+ ($out)}"

step "SIGHUP with serial 2024010102: the new serial is scraped"
sed -i 's/2024010101 ; serial/2024010102 ; serial/' "$zone"
kill -HUP "$DAEMON_PID"
for ((i = 0; i < 100; i++)); do
	grep -q 'zones reloaded' "$DAEMON_LOG" && break
	sleep 0.05
done
scrape "$NETNS_TMP/scrape4"
expect_eq "$(metric "$NETNS_TMP/scrape4" xdpdns_zone_serial 'zone="example.test."')" 2024010102 "zone serial after reload"
echo "PASS"
