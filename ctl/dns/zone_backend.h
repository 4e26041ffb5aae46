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
//  * DNAME (RFC 6672): a DNAME at a proper ancestor of the name (met on
//    the walk down from the apex, so a zone cut above it wins) -> the
//    DNAME RRset (with its RRSIGs as below), then a CNAME synthesized
//    from the current name (TTL of the DNAME) to the name with the DNAME's
//    owner replaced by its target, then the chain goes on at that name as
//    for a CNAME (same link limit; a chain may go DNAME -> CNAME -> DNAME
//    across our zones). The labels before the DNAME owner are written
//    lowercase in the target when they come from the query name (as NSD;
//    so the octets after the question never depend on the client's case,
//    which the in-kernel answers need). A synthesized name longer than 255
//    octets -> YXDOMAIN after the DNAME (RFC 6672 2.2; NSD adds an Extended
//    DNS Error option, we send none). A CNAME query gets the synthesized
//    CNAME, not followed. As NSD, a DNAME is answered once
//    per chain, and the chain ends at a DNAME met again whose target is
//    below its owner, or at a name that already had a CNAME synthesized
//    (loops). The DNAME owner itself answers from its own data (a DNAME
//    query there returns the DNAME). Zones with names below a DNAME or a
//    DNAME beside NS below the apex are refused (Zone::finish).
//  * Wildcards (RFC 4592): when the name does not exist, "*.<closest
//    encloser>" answers, with the query name (or the chain's current name)
//    as owner; wildcard CNAMEs are followed as above.
//  * NXDOMAIN and NODATA (including empty non-terminals) -> the zone's SOA
//    in the authority section with TTL min(SOA TTL, SOA MINIMUM) (RFC 2308).
//  * Zone cut on the way down -> referral: NS in authority, AA=0 (AA=1 only
//    when a CNAME or DNAME chain already put records in the answer), and glue: A then
//    AAAA records (all A first, NS order) of the NS targets that are in this
//    zone, in the additional section. A DS query for the cut's own name is
//    answered from the parent side (the DS RRset or NODATA).
//  * ANY (RFC 8482): over TCP every RRset of the node, ordered by type code;
//    over UDP only the RRset with the lowest type code (a small answer that
//    still proves the name exists, instead of an amplification vector).
//    NSD 4.6 differs: one RRset over both transports, the SOA at the apex.
//  * RRSIG queries: all RRSIGs of the node (every covered type).
//  * DO=1 in a signed zone (Zone::is_signed: the apex DNSKEY RRset has
//    RRSIGs, NSD's rule): each RRset in the answer, authority and
//    additional sections is followed by its RRSIGs (glue has none), and a
//    referral carries the DS RRset and its RRSIGs after the NS RRset, or the
//    NSEC/NSEC3 proof that there is no DS. Denial of existence (RFC 4035
//    3.1.3, RFC 5155 7.2) for NXDOMAIN, NODATA (empty non-terminals and DS
//    at a cut included), wildcard answers and wildcard NODATA, per link of
//    a CNAME chain as NSD does: the NSEC or NSEC3 records (with their
//    RRSIGs) that dns/denial_proof.h lists, in NSD 4.6's order (before the
//    SOA for NXDOMAIN and, under NSEC3, for empty non-terminals; after it
//    for other NODATA). Pre-signed zones only: nothing is signed here. NSD
//    differs: it answers SERVFAIL on an NSEC3 hash collision (not
//    detected here) and writes NSEC3 owner names as the zone file has them
//    (lowercase here). The synthesized CNAME of a DNAME has no RRSIGs
//    (RFC 6672 5.3), the DNAME has its own.
//  * NSEC3 owner names are not names of the zone (RFC 5155 7.2.8, as NSD):
//    a query for one is answered like any absent name, DO=0 or not.
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
//    every other type are written uncompressed (RFC 3597 section 4, RFC
//    6672 2.5) and are no compression targets. DNAME answers are the same
//    octets as NSD 4.6's (compare_with_nsd.py checks).
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
#include "dns/rrl_class.h"
#include "dns/wire.h"
#include "dns/zone_set.h"

namespace xdpdns::dns {

enum class Transport { udp, tcp };

struct AnswerInfo {
	size_t size = 0;
	uint8_t rcode = 0;
	bool aa = false;
	uint32_t rrl_class = 0;  // the answer's RRL class (dns/rrl_class.h), 0 only when size is 0
};

// q must come from parse_query() returning ParseResult::ok.
AnswerInfo answer(const ZoneSet &zones, const Query &q, Transport t, std::span<uint8_t> out,
		  uint16_t edns_size = default_edns_size);

}  // namespace xdpdns::dns
