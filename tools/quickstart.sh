#!/usr/bin/env bash
# xdpdns quick start: installs what it needs, builds the daemon and the CLI,
# and shows xdpdns answering real DNS clients over UDP and stateless TCP in
# two network namespaces joined by a veth pair. Then removes everything it
# made (namespaces, XDP program, pins), also when something fails.
#
#   tools/quickstart.sh          (as root; from a sudo-capable user: sudo tools/quickstart.sh)
#
# Nothing touches the host's own network: all traffic stays inside the two
# namespaces. Takes a few minutes for the first build, under a minute after.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${XDPDNS_BUILD_DIR:-$repo/build}  # override only for development
zone=$repo/tools/zones/example.test.zone

bold=$'\e[1m' dim=$'\e[2m' reset=$'\e[0m'
[[ -t 1 ]] || bold='' dim='' reset=''

heading() { printf '\n%s== %s ==%s\n' "$bold" "$*" "$reset"; }
note() { printf '%s%s%s\n' "$dim" "$*" "$reset"; }
# show CMD...: prints the command as typed, then runs it.
show() {
	printf '%s$ %s%s\n' "$bold" "$*" "$reset"
	"$@"
}

printf '%sxdpdns quick start%s: DNS over UDP and stateless TCP, answered by XDP + AF_XDP\n' "$bold" "$reset"

if [[ $(id -u) -ne 0 ]]; then
	echo "quickstart: run as root: $0 (from a sudo-capable user: sudo $0; it installs packages, makes namespaces, loads XDP)" >&2
	exit 1
fi

heading "1. Dependencies (Debian 12 packages, tools/setup-deps.sh)"
"$repo/tools/setup-deps.sh"

heading "2. Build: xdpdnsd, xdpdnsctl and the XDP programs into ${build#"$repo"/}/"
buildlog=$(mktemp /tmp/xdpdns-quickstart-build.XXXXXX.log)
if ! { cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
	cmake --build "$build" --target xdpdnsd xdpdnsctl xdp_pass_skel_gen -- -j"$(nproc)"; } \
	>"$buildlog" 2>&1; then
	tail -40 "$buildlog" >&2
	echo "quickstart: the build failed (full log: $buildlog)" >&2
	exit 1
fi
rm -f "$buildlog"
note "built: $build/ctl/daemon/lifecycle/xdpdnsd, $build/ctl/cli/xdpdnsctl"

# The namespace rig of the end-to-end tests: its teardown (on any exit)
# stops what we start, removes the namespaces and with them the veths.
export XDPDNS_BUILD_DIR=$build XDPDNS_NETNS_TAG=qs
export XDPDNSD=$build/ctl/daemon/lifecycle/xdpdnsd XDPDNSCTL=$build/ctl/cli/xdpdnsctl
# shellcheck source=tools/netns/lib.sh
source "$repo/tools/netns/lib.sh"
netns_init

heading "3. Two network namespaces joined by a veth pair"
netns_pair_create
printf '  client  %-16s %-14s %s  (%s)\n' "$CLIENT_NS" "$CLIENT_IP4" "$CLIENT_IP6" "$CLIENT_IF"
printf '  server  %-16s %-14s %s  (%s)\n' "$SERVER_NS" "$SERVER_IP4" "$SERVER_IP6" "$SERVER_IF"
note "(the client's veth end runs a pass-through XDP program: frames sent by XDP or"
note " AF_XDP on one end of a veth arrive only if the other end has one)"

heading "4. xdpdnsd on $SERVER_IF, serving $(basename "$zone")"
daemon_log=$NETNS_TMP/xdpdnsd.log
printf '%s$ xdpdnsd --interface %s --zone %s%s\n' "$bold" "$SERVER_IF" "tools/zones/$(basename "$zone")" "$reset"
nsbg "$SERVER_NS" "$XDPDNSD" --interface "$SERVER_IF" --zone "$zone" 2>"$daemon_log"
daemon_pid=$NSBG_PID
for ((i = 0; i < 200; i++)); do
	grep -q 'serving on' "$daemon_log" && break
	kill -0 "$daemon_pid" 2>/dev/null || break
	sleep 0.05
done
sed 's/^/  /' "$daemon_log"
grep -q 'serving on' "$daemon_log" || { echo "quickstart: xdpdnsd did not start (log above)" >&2; exit 1; }
note "No TCP socket is open in the server namespace; \`ss -tanu\` there lists:"
sockets=$(nsrun "$SERVER_NS" ss -tanuH)
printf '  %s\n' "${sockets:-(nothing)}"

# client CMD...: a command in the client namespace, shown as typed.
client() {
	printf '%s$ %s%s\n' "$bold" "$*" "$reset"
	nsrun "$CLIENT_NS" "$@"
}
# Long TXT records are cut for the screen.
cut_long() { awk '{ if (length($0) > 100) print substr($0, 1, 97) "..."; else print }'; }

heading "5. DNS over UDP: dig"
client dig +norec @"$SERVER_IP4" small.example.test A |
	grep -v '^$\|^; <<>> DiG\|^;; global options\|server found'

echo
note "In-kernel answers: once xdpdnsd has answered a question twice, the XDP program answers"
note "it itself (udp-answered). dig sends a DNS Cookie by default, which goes to the daemon;"
note "without it:"
for i in 1 2 3; do
	client dig +nocookie +short @"$SERVER_IP4" www.example.test A | tr '\n' ' '
	echo
done
printf '%s$ xdpdnsctl answers list%s   %s(in the server namespace)%s\n' "$bold" "$reset" "$dim" "$reset"
xdpdnsctl_run "$SERVER_NS" answers list --iface "$SERVER_IF" | sed 's/^/  /'

heading "6. DNS over stateless TCP: dig +tcp"
client dig +tcp +norec @"$SERVER_IP6" small.example.test AAAA |
	grep -v '^$\|^; <<>> DiG\|^;; global options\|server found'
echo
client dig +tcp +norec +noall +answer +stats @"$SERVER_IP4" big1200.example.test TXT | grep -v '^$' | cut_long

heading "7. A 4,000-octet answer over TCP: kdig +tcp"
client kdig +tcp +short @"$SERVER_IP6" big4000.example.test TXT | cut_long
note "(15 TXT records, a 3,989-octet message: 8 TCP segments of at most 512 octets)"

heading "8. What one TCP exchange looks like on the wire"
pcap=$NETNS_TMP/exchange.pcap
capture_start "$CLIENT_NS" "$CLIENT_IF" "$pcap" tcp port 53
nsrun "$CLIENT_NS" dig +tcp +norec +short @"$SERVER_IP4" big1200.example.test TXT >/dev/null
capture_stop "$pcap"
printf '%s$ dig +tcp @%s big1200.example.test TXT   # captured on the client side%s\n' \
	"$bold" "$SERVER_IP4" "$reset"
printf '%s$ tcpdump -r exchange.pcap -nn -v%s   %s(one line per segment, addresses named)%s\n' \
	"$bold" "$reset" "$dim" "$reset"
# tcpdump -v prints the IP header on one line and the TCP segment indented
# below it: keep the time since the first segment and the segment. Its DNS
# decoder complains about segments that hold the middle of an answer:
# dropped.
tcpdump -r "$pcap" -nn -v -ttttt 2>/dev/null | awk -v c="$CLIENT_IP4." -v s="$SERVER_IP4." '
	/^ ?[0-9][0-9]:/ { split($1, hms, ":"); t = sprintf("%.6f", hms[3]); next }
	{
		sub(/^ +/, "")
		gsub(c, "client."); gsub(s, "server.")
		sub(/ \[prefix length\([0-9]+\) != length\([0-9]+\)\] \(invalid\)/, "")
		sub(/ \(incorrect -> 0x[0-9a-f]+\)/, " (partial, offloaded)")
		printf "  %s  %s\n", t, $0
	}'
cat <<'EOF'

  [S]   the client's SYN; [S.] our SYN-ACK, sent by the XDP program itself:
        its sequence number is a keyed-hash cookie, its only option MSS 1220
  [P.]  the query: its ack (cookie + 1) proves the handshake, so the XDP
        program hands it to xdpdnsd through an AF_XDP socket; having proved
        itself, the connection now gets a small state (tcp.reuse on): the
        client could send more queries on it
  then  the answer in segments of at most 512 octets, back to back, each
        acknowledging the end of the query (no FIN: the connection stays
        open for more queries until tcp.idle-timeout, 10 s)
  [F.]  dig is done and closes: our FIN answers its FIN, its ACK of ours
        frees the state; the server never sent an RST. With
        `xdpdnsctl set tcp.reuse off` our FIN follows the answer at once
        and no state is kept (Huston's trace)
  cksum (partial, offloaded): the client's stack leaves its checksums for
        the veth to finish (tx offload), as clients on a veth or tap do;
        xdpdns accepts that form unless checksum.strict is on
EOF

heading "9. Counters: xdpdnsctl stats $SERVER_IF"
printf '%s$ xdpdnsctl stats %s%s   %s(counters at 0 left out)%s\n' "$bold" "$SERVER_IF" "$reset" "$dim" "$reset"
xdpdnsctl_run "$SERVER_NS" stats "$SERVER_IF" |
	awk 'NR <= 2 || $2 != "0" { print "  " $0 }'

heading "10. Clean up"
kill -TERM "$daemon_pid"
for ((i = 0; i < 200; i++)); do
	kill -0 "$daemon_pid" 2>/dev/null || break
	sleep 0.05
done
status=0
wait "$daemon_pid" 2>/dev/null || status=$?
grep -E 'signal|detached' "$daemon_log" | sed 's/^/  /' || true
[[ $status -eq 0 ]] || echo "quickstart: xdpdnsd exited with status $status" >&2
netns_cleanup
echo "  namespaces $CLIENT_NS and $SERVER_NS removed"
echo
echo "Next: tools/test.sh (as root) runs every test; README.md explains the knobs and the design."
