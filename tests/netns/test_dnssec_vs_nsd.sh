#!/usr/bin/env bash
# DNSSEC denial of existence: xdpdnsd answers like NSD 4.6 (minimal-
# responses) serving the same pre-signed zone, proofs included.
# * tests/unit/dns/zones/dnssec.test.zone is signed at test time five ways
#   (dnssec_sign.sh: ldns-signzone NSEC, NSEC3 with salt and iterations,
#   NSEC3 opt-out; BIND's dnssec-signzone NSEC and NSEC3 opt-out);
# * for each, NSD on 127.0.0.1 in the client namespace and xdpdnsd on the
#   server veth serve the file, and py/ed_dnssec_compare.py asks both the
#   same ~46 questions (positive, NXDOMAIN, NODATA, empty non-terminal
#   NODATA, wildcard, wildcard NODATA, referral to unsigned and signed
#   children, DS at and beside the cuts, CNAMEs to a wildcard and to
#   nothing, NSEC3 owner names) with DO=1 and DO=0, over UDP and TCP, and
#   requires the same records in the same order in every section, the same
#   flags and rcode, and the proof records each answer kind needs.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"
source "$here/dnssec_sign.sh"

require_cmds nsd nsd-checkconf dig ldns-keygen ldns-signzone dnssec-keygen dnssec-signzone \
	dnssec-dsfromkey ethtool nsenter "$PYTHON"
require_built "$XDPDNSD" "$XDPDNSCTL" "$XDP_PASS_OBJ"
netns_init
netns_pair_create

step "sign $DNSSEC_ZONE five ways"
sign_zone_variants "$NETNS_TMP/signed"

total=0
for v in "${DNSSEC_VARIANTS[@]}"; do
	file=$NETNS_TMP/signed/$v.signed
	step "$v: nsd and xdpdnsd serve $(basename "$file")"
	NSD_OPTIONS="minimal-responses: yes" nsd_serve "$CLIENT_NS" "$DNSSEC_ZONE" "$file" 127.0.0.1
	start_daemon --zone "$file"
	out=$NETNS_TMP/compare-$v.txt
	if ! nsrun "$CLIENT_NS" "$PYTHON" "$here/py/ed_dnssec_compare.py" \
		"$DNSSEC_ZONE" "$file" "$SERVER_IP4" 127.0.0.1 >"$out" 2>&1; then
		cat "$out"
		fail "$v: xdpdns and nsd answer differently (see above)"
	fi
	grep -v '^ok ' "$out"
	checks=$(grep -c '^ok ' "$out" || true)
	expect_ge "$checks" 176 "$v: answers identical to nsd's"
	total=$((total + checks))
	kill -0 "$DAEMON_PID" 2>/dev/null || fail "xdpdnsd died"
	stop_pid "$DAEMON_PID" xdpdnsd
	stop_pid "$NSD_PID" nsd
done
echo "$total answers identical to nsd's over the five signed zones"
