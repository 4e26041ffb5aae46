# Sourced by the DNSSEC tests: signs tests/unit/dns/zones/dnssec.test.zone at
# test time (so no signature expires), one ECDSA P-256 key per signer
# (ldns-signzone and BIND's dnssec-signzone keep their keys apart), as
#   ldns-nsec             ldns-signzone, NSEC
#   ldns-nsec3            ldns-signzone -n, salt 5a17, 5 iterations
#   ldns-nsec3-optout     ldns-signzone -n -p (opt-out flag on every NSEC3)
#   bind-nsec             dnssec-signzone, NSEC
#   bind-nsec3-optout     dnssec-signzone -3 - -A (no salt, 0 iterations; no
#                         NSEC3 for insecure delegations and the empty
#                         non-terminals that only lead to them)
# sign_zone_variants DIR: writes DIR/VARIANT.signed for each, and
# DIR/ldns.ds and DIR/bind.ds, the DS records of the two keys (trust anchors).
DNSSEC_ZONE=dnssec.test
DNSSEC_SOURCE=$XDPDNS_REPO/tests/unit/dns/zones/dnssec.test.zone
DNSSEC_VARIANTS=(ldns-nsec ldns-nsec3 ldns-nsec3-optout bind-nsec bind-nsec3-optout)

sign_zone_variants() {
	local dir=$1 key
	mkdir -p "$dir/ldns" "$dir/bind"
	cp "$DNSSEC_SOURCE" "$dir/source.zone"
	key=$(cd "$dir/ldns" && ldns-keygen -a ECDSAP256SHA256 -k "$DNSSEC_ZONE") ||
		fail "ldns-keygen failed"
	key=$dir/ldns/$key
	cp "$key.ds" "$dir/ldns.ds"
	ldns-signzone -f "$dir/ldns-nsec.signed" "$dir/source.zone" "$key" ||
		fail "ldns-signzone (NSEC) failed"
	ldns-signzone -n -s 5a17 -t 5 -f "$dir/ldns-nsec3.signed" "$dir/source.zone" "$key" ||
		fail "ldns-signzone (NSEC3) failed"
	ldns-signzone -n -p -f "$dir/ldns-nsec3-optout.signed" "$dir/source.zone" "$key" ||
		fail "ldns-signzone (NSEC3 opt-out) failed"
	key=$(dnssec-keygen -q -a ECDSAP256SHA256 -f KSK -K "$dir/bind" "$DNSSEC_ZONE") ||
		fail "dnssec-keygen failed"
	dnssec-dsfromkey -2 "$dir/bind/$key.key" >"$dir/bind.ds" || fail "dnssec-dsfromkey failed"
	# -S: the key from -K goes into the zone; -z: the one key signs all.
	(cd "$dir/bind" && dnssec-signzone -q -S -z -K . -o "$DNSSEC_ZONE" \
		-f "$dir/bind-nsec.signed" "$dir/source.zone") >/dev/null ||
		fail "dnssec-signzone (NSEC) failed"
	(cd "$dir/bind" && dnssec-signzone -q -S -z -K . -o "$DNSSEC_ZONE" -3 - -A \
		-f "$dir/bind-nsec3-optout.signed" "$dir/source.zone") >/dev/null ||
		fail "dnssec-signzone (NSEC3 opt-out) failed"
}
