// Authoritative answers from in-memory zones (RFC 1034 4.3.2), written
// straight into the caller's buffer. Called per query on worker threads:
// no heap allocation, no locks, no exceptions.
//
// Behaviour
//  * Class other than IN, names outside every zone, AXFR and IXFR (no zone
//    transfers) -> REFUSED, question echoed, AA=0.
//  * A name in a secondary zone that is expired or not transferred yet
//    (ZoneSet's unavailable zones) -> SERVFAIL, question echoed, AA=0.
//  * Exact match -> the RRset, AA=1. The longest matching zone answers
//    (ZoneSet::find), so a child zone loaded next to its parent wins.
//  * CNAME (query type not CNAME) -> the CNAME, then the lookup restarts at
//    its target while one of our zones holds the target (the longest
//    matching one, so a chain may cross into a sibling or child zone we
//    serve, as with NSD): at most 16 links (NSD follows longer chains); a
//    node already visited ends the chain (loop). The RCODE and the
//    authority section describe the last name of the chain (RFC 6604).
//  * Wildcards (RFC 4592): when the name does not exist, "*.<closest
//    encloser>" answers, with the query name (or the chain's current name)
//    as owner; wildcard CNAMEs are followed as above.
//  * NXDOMAIN and NODATA (including empty non-terminals) -> the zone's SOA
//    in the authority section with TTL min(SOA TTL, SOA MINIMUM) (RFC 2308).
//  * Zone cut on the way down -> referral: NS in authority, AA=0 (AA=1 only
//    when a CNAME chain already put records in the answer), and glue: A then
//    AAAA records (all A first, NS order) of the NS targets that are in this
//    zone, in the additional section. A DS query for the cut's own name is
//    answered from the parent side (the DS RRset or NODATA).
//  * ANY (RFC 8482): over TCP every RRset of the node, ordered by type code;
//    over UDP only the RRset with the lowest type code (a small answer that
//    still proves the name exists, instead of an amplification vector).
//    NSD 4.6 differs: one RRset over both transports, the SOA at the apex.
//  * RRSIG queries: all RRSIGs of the node (every covered type).
//  * DO=1 in a signed zone (Zone::is_signed: the apex DNSKEY RRset has
//    RRSIGs, NSD's rule): each RRset in the answer and authority sections
//    is followed by its RRSIGs, and a referral carries the DS RRset and its
//    RRSIGs after the NS RRset. No NSEC/NSEC3 denial-of-existence proofs
//    are synthesized or looked up, and no DNAME substitution is done (a
//    DNAME is ordinary data at its own name).
//  * Minimal responses, as NSD 4.6 with `minimal-responses: yes` (checked
//    against it, tests/unit/dns/compare_with_nsd.py): no NS in the
//    authority section of positive answers; the additional section carries
//    only the addresses of NS targets: glue in referrals, and the same A/AAAA
//    records when an NS RRset is the answer (NSD does this too). No
//    additional processing for MX, SRV and others.
//  * EDNS (RFC 6891): an OPT in the answer exactly when the query had one
//    (see response.h for its fields).
//  * Header: ID copied, QR=1, opcode 0, RD and CD copied, RA=AD=0 (CD is
//    copied as RFC 4035 3.1.6 says and as the XDP TC=1 answer does; NSD
//    clears it).
//  * The question is copied byte for byte (the client's case). Owner names
//    are compressed against the question and earlier names; names inside
//    NS, CNAME, PTR, MX and SOA RDATA are compressed too; DNAME, SRV and
//    every other type are written uncompressed (RFC 3597 section 4).
//  * Deterministic: the same query on the same zone set gives the same
//    octets (records in zone-file order, no rotation), as TCP
//    retransmissions need.
//
// The complete answer is always written, up to min(out.size(), 65535)
// octets; deciding about truncation for UDP is the caller's job (compare
// size with Query::udp_size and use write_truncated()). Only when the answer
// exceeds `out`: answer or authority RRsets that do not fit are left out
// whole and TC=1 is set; additional records that do not fit are just left
// out (RFC 2181 9). size 0 means out cannot hold even the header and question.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dns/query.h"
#include "dns/wire.h"
#include "dns/zone_set.h"

namespace xdpdns::dns {

enum class Transport { udp, tcp };

struct AnswerInfo {
	size_t size = 0;
	uint8_t rcode = 0;
	bool aa = false;
};

// q must come from parse_query() returning ParseResult::ok.
AnswerInfo answer(const ZoneSet &zones, const Query &q, Transport t, std::span<uint8_t> out,
		  uint16_t edns_size = default_edns_size);

}  // namespace xdpdns::dns
