#!/usr/bin/env bash
# ATR follow-ups on the wire (client and server on one veth, nothing
# dropped), IPv4 and IPv6. Each query is `dig +nocookie +bufsize=4096` (the
# exact UDP lengths below are without a COOKIE option); the
# client-side capture pairs it with its answer and follow-up
# (py/e4_capture.py atr):
# * big4000: the fragments, then a TC=1 follow-up with the same ID and
#   question (exact case), QR=1, no records but an OPT, at least atr.delay
#   (10 ms) after the last fragment;
# * `set atr.delay 25ms` (no restart): the gap is at least 25 ms;
# * `set atr.enabled off`: no follow-up; `set atr.probability 0`: none;
# * `atr allow add` of a prefix without the client: none; adding the
#   client's prefix too: a follow-up again; `atr allow list` shows both;
# * big1200 (1,200 octets: below both ATR sizes): no follow-up, one packet;
# * big1400 (1,400: above the IPv6 ATR size 1,232, below the IPv4 one 1,472):
#   a follow-up over IPv6 only, after a single unfragmented packet;
# * atr-sent (XDP), d-atr-scheduled and d-atr-sent count the follow-ups.
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

knob() { xdpdns_set "$SERVER_NS" "$SERVER_IF" "$@" >/dev/null || fail "xdpdnsctl set $*"; }
allow() { xdpdnsctl_run "$SERVER_NS" atr allow "$@" --iface "$SERVER_IF" || fail "xdpdnsctl atr allow $*"; }

step "start xdpdnsd on $SERVER_IF"
start_xdpdnsd
expect_eq "$(xdpdnsctl_run "$SERVER_NS" get atr.delay --value --iface "$SERVER_IF")" 10ms "atr.delay default"
sent0=$(counter atr-sent) dsent0=$(counter d-atr-sent) dsched0=$(counter d-atr-scheduled)

cap=$NETNS_TMP/client.pcap
capture_start "$CLIENT_NS" "$CLIENT_IF" "$cap" ip or ip6
show_on_failure "$cap"

# query ADDR NAME: one dig; the follow-up (<= 25 ms later) lands before the
# next knob change.
query() {
	local out
	out=$(nsrun "$CLIENT_NS" dig +nocookie +bufsize=4096 +tries=1 +timeout=2 @"$1" "$2" TXT) ||
		fail "dig @$1 $2 failed: $out"
	grep -q 'status: NOERROR' <<<"$out" || fail "dig @$1 $2: not NOERROR: $out"
	sleep 0.15
}

# run_cases FAMILY ADDR CLIENT_PREFIX OTHER_PREFIX: the queries, and in
# EXPECT_<FAMILY> what each must show: qname|answer|frags|udp_len|followups|min gap ms
run_cases() {
	local fam=$1 addr=$2 mine=$3 other=$4
	local -n exp=EXPECT_$fam
	local big1400_followups=0 big1400_len=1408
	[[ $fam == v6 ]] && big1400_followups=1
	exp=()

	step "$fam: defaults (atr.delay 10ms): big4000, fragments then a follow-up >= 10 ms later"
	query "$addr" big4000.example.test
	exp+=("big4000.example.test|full|3|4008|1|10")

	step "$fam: set atr.delay 25ms: follow-up >= 25 ms after the last fragment"
	knob atr.delay 25ms
	query "$addr" BiG4000.ExAmPlE.TeSt
	exp+=("BiG4000.ExAmPlE.TeSt|full|3|4008|1|25")
	knob atr.delay 10ms

	step "$fam: set atr.enabled off: no follow-up"
	knob atr.enabled off
	query "$addr" big4000.example.test
	exp+=("big4000.example.test|full|3|4008|0|-")
	knob atr.enabled on

	step "$fam: set atr.probability 0: no follow-up"
	knob atr.probability 0
	query "$addr" big4000.example.test
	exp+=("big4000.example.test|full|3|4008|0|-")
	knob atr.probability 100

	step "$fam: atr allow add $other (not the client): no follow-up"
	allow add "$other"
	query "$addr" big4000.example.test
	exp+=("big4000.example.test|full|3|4008|0|-")

	step "$fam: atr allow add $mine (the client's): follow-up"
	allow add "$mine"
	local list
	list=$(allow list)
	if ! grep -qF "$other" <<<"$list" || ! grep -qF "$mine" <<<"$list"; then
		fail "atr allow list lacks $other or $mine: $list"
	fi
	query "$addr" big4000.example.test
	exp+=("big4000.example.test|full|3|4008|1|10")
	allow del "$other"
	allow del "$mine"
	list=$(allow list)
	grep -qF "$mine" <<<"$list" && fail "atr allow list still shows $mine: $list"

	step "$fam: big1200 (below both ATR sizes): one packet, no follow-up"
	query "$addr" big1200.example.test
	exp+=("big1200.example.test|full|0|1208|0|-")

	step "$fam: big1400 (above 1232, below 1472): one packet, follow-up over IPv6 only"
	query "$addr" big1400.example.test
	exp+=("big1400.example.test|full|0|$big1400_len|$big1400_followups|10")

	step "$fam: everyone again (empty allow-list): follow-up"
	query "$addr" big4000.example.test
	exp+=("big4000.example.test|full|3|4008|1|10")
}

EXPECT_v4=() EXPECT_v6=()
run_cases v4 "$SERVER_IP4" "${CLIENT_IP4%.*}.0/24" 192.0.2.0/24
run_cases v6 "$SERVER_IP6" "${CLIENT_IP6%::*}::/64" 2001:db8::/32
capture_stop "$cap"

# check_family FAMILY ADDR: the capture against EXPECT_<FAMILY>.
check_family() {
	local fam=$1 addr=$2 rows i
	# shellcheck disable=SC2178 # a name reference to an array
	local -n exp=EXPECT_$fam
	rows=$("$PYTHON" "$here/py/e4_capture.py" atr "$cap" --server "$addr") || fail "reading $cap"
	printf '%s\n' "$rows"
	expect_lines "$rows" "${#exp[@]}" "$fam: queries in the capture"
	mapfile -t got <<<"$rows"
	for i in "${!exp[@]}"; do
		local e=${exp[i]} g=${got[i]} what
		IFS='|' read -r name answer frags len follow mingap <<<"$e"
		what="$fam query $((i + 1)) ($name)"
		expect_eq "$(field "$g" 2)|$(field "$g" 3)|$(field "$g" 4)|$(field "$g" 5)|$(field "$g" 6)" \
			"$name|$answer|$frags|$len|$follow" "$what: qname|answer|fragments|UDP length|follow-ups"
		if [[ $follow == 1 ]]; then
			expect_eq "$(field "$g" 8)" ok "$what: follow-up ID, question, QR/TC, counts, OPT, checksum"
			awk -v g="$(field "$g" 7)" -v m="$mingap" 'BEGIN { exit !(g + 0 >= m + 0) }' ||
				fail "$what: follow-up $(field "$g" 7) ms after the last fragment, expected >= $mingap ms"
			echo "ok: $what: follow-up $(field "$g" 7) ms after the answer (>= $mingap)"
		fi
	done
}

step "check the capture"
check_family v4 "$SERVER_IP4"
check_family v6 "$SERVER_IP6"

step "counters"
followups=0
for e in "${EXPECT_v4[@]}" "${EXPECT_v6[@]}"; do
	[[ $(field "$e" 5) == 1 ]] && followups=$((followups + 1))
done
expect_eq "$(($(counter atr-sent) - sent0))" "$followups" "atr-sent"
expect_eq "$(($(counter d-atr-sent) - dsent0))" "$followups" "d-atr-sent"
expect_eq "$(($(counter d-atr-scheduled) - dsched0))" "$followups" "d-atr-scheduled"
