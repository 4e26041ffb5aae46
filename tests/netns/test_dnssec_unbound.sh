#!/usr/bin/env bash
# A validating unbound gets secure (AD=1) answers from xdpdnsd serving a
# pre-signed zone: positive, NXDOMAIN, NODATA, empty non-terminal NODATA,
# wildcard, wildcard NODATA and CNAMEs, for the zone signed four ways
# (dnssec_sign.sh: ldns NSEC, ldns NSEC3 with salt and iterations, BIND
# NSEC, BIND NSEC3 opt-out), over UDP (tcp-upstream: no) and over TCP (yes).
# Under opt-out, an answer that rests on an NSEC3 covering the next closer
# name (NXDOMAIN, wildcard answers and wildcard NODATA; dnssec-signzone -A
# sets opt-out on every NSEC3) is insecure by design (RFC 5155 9.2: the name
# might be an unsigned delegation): those cases must come back with their
# rcode and without AD (validated insecure, not bogus, which would be
# SERVFAIL), exactly as they do from NSD; the others secure.
#   dig -> unbound (127.0.0.1:5335, client namespace) -> authority
# Unbound: module-config "validator iterator", the DS of the signing key as
# its only trust anchor (dnssec.test.), a stub zone to the authority,
# aggressive-nsec off (every answer is the authority's own, none
# synthesized from cached NSEC records), qname-minimisation off,
# local-zone "test." nodefault (test. is special-use: unbound would answer
# it itself). The same setup is first run against NSD serving the same file
# (127.0.0.1:53, client namespace), so a failure with xdpdnsd is xdpdnsd's.
# A captured exchange shows unbound asked xdpdnsd over the transport meant.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"
source "$here/dnssec_sign.sh"

require_cmds nsd nsd-checkconf dig unbound unbound-checkconf ldns-keygen ldns-signzone \
	dnssec-keygen dnssec-signzone dnssec-dsfromkey ethtool nsenter tcpdump tshark
require_built "$XDPDNSD" "$XDPDNSCTL" "$XDP_PASS_OBJ"
PORT=5335
netns_init
netns_pair_create

step "sign $DNSSEC_ZONE"
sign_zone_variants "$NETNS_TMP/signed"

# start_unbound TAG AUTHORITY TCP ANCHOR: a fresh validating unbound.
start_unbound() {
	unbound_serve "$CLIENT_NS" "$NETNS_TMP/unbound-$1" "$PORT" "$DNSSEC_ZONE" "$2" \
		"val-log-level: 2" 'module-config: "validator iterator"' \
		"trust-anchor-file: \"$4\"" "aggressive-nsec: no" "tcp-upstream: $3"
}

# NAME TYPE RCODE OPT-OUT: each must come back with that rcode and AD=1;
# under opt-out, the cases marked "insecure" without AD.
CASES=(
	"host A NOERROR secure" "www A NOERROR secure" "nothere A NXDOMAIN insecure"
	"x.a.b.ent A NXDOMAIN insecure" "host TXT NOERROR secure" "ent A NOERROR secure"
	"x.wild A NOERROR insecure" "x.wild TXT NOERROR insecure" "dangling A NXDOMAIN insecure"
	"towild A NOERROR insecure"
)
SECURE=0
INSECURE=0

# validate TAG OPTOUT: every case through the running unbound.
validate() {
	local tag=$1 optout=$2 c name type rcode under_optout out flags status ad has_ad
	for c in "${CASES[@]}"; do
		read -r name type rcode under_optout <<<"$c"
		out=$NETNS_TMP/$tag-$name-$type.dig
		nsrun "$CLIENT_NS" dig +dnssec +time=5 +tries=1 -p "$PORT" @127.0.0.1 \
			"$name.$DNSSEC_ZONE" "$type" >"$out" 2>&1 || true
		status=$(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' "$out")
		flags=$(sed -n 's/^;; flags: \([a-z ]*\);.*/\1/p' "$out")
		ad=yes
		[[ $optout == yes && $under_optout == insecure ]] && ad=no
		has_ad=no
		[[ " $flags " == *" ad "* ]] && has_ad=yes
		if [[ $status != "$rcode" || $has_ad != "$ad" ]]; then
			cat "$out" >&2
			grep -i 'validat\|bogus' "$UNBOUND_LOG" | tail -n 20 >&2 || true
			fail "$tag: $name $type: status $status, flags '$flags' (want $rcode, ad: $ad)"
		fi
		if [[ $ad == yes ]]; then
			printf 'ok %s: %s %s %s, ad (secure)\n' "$tag" "$name" "$type" "$status"
			SECURE=$((SECURE + 1))
		else
			printf 'ok %s: %s %s %s, no ad (insecure: opt-out)\n' "$tag" "$name" "$type" "$status"
			INSECURE=$((INSECURE + 1))
		fi
	done
}

for v in ldns-nsec ldns-nsec3 bind-nsec bind-nsec3-optout; do
	file=$NETNS_TMP/signed/$v.signed
	anchor=$NETNS_TMP/signed/${v%%-*}.ds
	optout=no
	[[ $v == *optout ]] && optout=yes

	step "$v: unbound validating against nsd (the setup's own check)"
	NSD_OPTIONS="minimal-responses: yes" nsd_serve "$CLIENT_NS" "$DNSSEC_ZONE" "$file" 127.0.0.1
	for tcp in no yes; do
		start_unbound "$v-nsd-$tcp" 127.0.0.1 "$tcp" "$anchor"
		validate "$v nsd tcp-upstream=$tcp" "$optout"
		stop_pid "$UNBOUND_PID" unbound
	done
	stop_pid "$NSD_PID" nsd

	step "$v: unbound validating against xdpdnsd"
	start_daemon --zone "$file"
	for tcp in no yes; do
		cap=$NETNS_TMP/$v-$tcp.pcap
		capture_start "$CLIENT_NS" "$CLIENT_IF" "$cap" host "$SERVER_IP4" and port 53
		start_unbound "$v-xdpdns-$tcp" "$SERVER_IP4" "$tcp" "$anchor"
		validate "$v xdpdns tcp-upstream=$tcp" "$optout"
		stop_pid "$UNBOUND_PID" unbound
		capture_stop "$cap"
		udp=$(capture_fields "$cap" "udp.dstport == 53 && dns.flags.response == 0" dns.qry.name | grep -c . || true)
		tcpq=$(capture_fields "$cap" "tcp.dstport == 53 && dns.flags.response == 0" dns.qry.name | grep -c . || true)
		if [[ $tcp == yes ]]; then
			expect_eq "$udp" 0 "$v: UDP queries to xdpdnsd with tcp-upstream: yes"
			expect_ge "$tcpq" "${#CASES[@]}" "$v: TCP queries to xdpdnsd with tcp-upstream: yes"
		else
			expect_eq "$tcpq" 0 "$v: TCP queries to xdpdnsd with tcp-upstream: no"
			expect_ge "$udp" "${#CASES[@]}" "$v: UDP queries to xdpdnsd with tcp-upstream: no"
		fi
	done
	kill -0 "$DAEMON_PID" 2>/dev/null || fail "xdpdnsd died"
	stop_pid "$DAEMON_PID" xdpdnsd
done
echo "$SECURE secure answers (AD=1) and $INSECURE opt-out answers validated insecure, nsd and xdpdnsd, UDP and TCP, four signed zones"
insecure_cases=$(printf '%s\n' "${CASES[@]}" | grep -c ' insecure$')
expect_eq "$SECURE" $((4 * 4 * ${#CASES[@]} - 2 * 2 * insecure_cases)) "secure answers"
