#!/usr/bin/env bash
# UDP answers larger than the MTU, fragmented by xdpdnsd itself (AF_XDP
# bypasses the kernel), IPv4 and IPv6:
# * `dig +nocookie +bufsize=4096` gets big4000 (4,000 octets) over UDP, twice per
#   family: the client's kernel reassembles the fragments;
# * the client-side capture, read with IP reassembly off, shows the
#   fragments: IPv4 DF=0, MF on all but the last, contiguous offsets in
#   8-octet units, every fragment <= 1500 octets, good header checksums, a
#   different ID for each answer; IPv6 a Fragment header in every fragment,
#   one 32-bit identification per answer (different between answers), the
#   UDP header in the first fragment; reassembled, the UDP checksum is good;
# * d-udp-fragmented counts the four answers.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export XDPDNS_NETNS_TAG=${XDPDNS_NETNS_TAG:-e4}
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"

require_cmds tcpdump tshark ethtool nsenter dig "$PYTHON"
require_built "$XDPDNSD" "$XDPDNSCTL" "$XDP_PASS_OBJ"
ZONE=$XDPDNS_REPO/tools/zones/example.test.zone
netns_init
netns_pair_create

# start_xdpdnsd ARGS...: start_daemon with the example zone, udp.max-size
# raised so that answers up to the client's buffer go out whole (the
# default cap, 1232, would make big4000 TC=1 and nothing would fragment).
# shellcheck disable=SC2120
start_xdpdnsd() { start_daemon --zone "$ZONE" --set udp.max-size=65535 "$@"; }

step "start xdpdnsd on $SERVER_IF"
start_xdpdnsd
frag0=$(xdpdns_stat "$SERVER_NS" "$SERVER_IF" d-udp-fragmented)

cap=$NETNS_TMP/client.pcap
capture_start "$CLIENT_NS" "$CLIENT_IF" "$cap" ip or ip6
show_on_failure "$cap"

for addr in "$SERVER_IP4" "$SERVER_IP6"; do
	for n in 1 2; do
		step "dig +bufsize=4096 @$addr big4000.example.test TXT (answer $n)"
		out=$(nsrun "$CLIENT_NS" dig +nocookie +bufsize=4096 +tries=1 +timeout=2 +ignore @"$addr" big4000.example.test TXT) ||
			fail "dig @$addr failed: $out"
		grep -q 'status: NOERROR' <<<"$out" || fail "dig @$addr: not NOERROR: $out"
		grep -Eq 'flags: qr aa( rd)?;' <<<"$out" || fail "dig @$addr: unexpected flags (TC?): $(grep flags: <<<"$out")"
		grep -q 'ANSWER: 15,' <<<"$out" || fail "dig @$addr: not 15 answers: $(grep ANSWER <<<"$out")"
		grep -q 'MSG SIZE  rcvd: 4000$' <<<"$out" || fail "dig @$addr: not 4,000 octets: $(grep 'MSG SIZE' <<<"$out")"
		grep -q "^;; SERVER: .*(UDP)$" <<<"$out" || fail "dig @$addr: not over UDP: $(grep SERVER: <<<"$out")"
		echo "ok: 4,000-octet answer over UDP, reassembled by the client"
	done
done
capture_stop "$cap"

for addr in "$SERVER_IP4" "$SERVER_IP6"; do
	step "fragments of the answers from $addr (reassembly off)"
	"$PYTHON" "$here/py/e4_capture.py" frags "$cap" --server "$addr" --mtu 1500 --trains 2 --udp-len 4008 ||
		fail "fragments from $addr: see above"
done

step "counters"
expect_eq "$(($(xdpdns_stat "$SERVER_NS" "$SERVER_IF" d-udp-fragmented) - frag0))" 4 "d-udp-fragmented"
