// The NSEC/NSEC3 records that prove what a DO=1 answer from a signed zone
// says does not exist (RFC 4035 3.1.3, RFC 5155 7.2), chosen and ordered as
// NSD 4.6 does, from the zone's DenialIndex. Per query: no heap allocation
// (a fixed array of pointers into the zone; NSEC3 hashes on the stack).
//
// The answer code calls one function per step of its lookup and writes out
// what was collected when the authority section is due (take()); a record
// already collected is not collected again (NSD adds each RRset once). The
// zone's negative SOA is one of the entries (rrset == nullptr), because NSD
// puts the proofs of an NXDOMAIN, and of an empty non-terminal under NSEC3,
// before the SOA and those of other NODATA answers after it.
//
// Proofs (qname: the chain's current name; CE: its closest encloser; next
// closer: CE plus one more label of qname):
//  * wildcard answer: NSEC at or before qname / NSEC3 covering next closer;
//  * NXDOMAIN: NSEC at or before qname, NSEC at or before *.CE, SOA /
//    NSEC3 covering next closer, NSEC3 matching CE, NSEC3 matching or
//    covering *.CE, SOA;
//  * NODATA: SOA, NSEC at or before qname (its own, or an empty
//    non-terminal's predecessor) / SOA, NSEC3 matching qname (an empty
//    non-terminal: NSEC3 matching, then SOA; a name without NSEC3, as under
//    opt-out: NSEC3 covering the highest such ancestor, then the one
//    matching its parent);
//  * wildcard NODATA: SOA, NSEC of *.CE / SOA, NSEC3 matching CE, NSEC3
//    matching *.CE (after the wildcard answer's proof);
//  * DS NODATA and referral without DS: the NSEC at the cut / the NSEC3
//    matching the cut, or (opt-out, none) the closest provable encloser
//    proof: NSEC3 matching the nearest ancestor that has one, NSEC3
//    covering the name below it on the way (if not the cut), NSEC3
//    covering the cut.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include "dns/zone.h"

namespace xdpdns::dns {

class DenialIndex;

// Trivially constructible, so the array in DenialProof is left
// uninitialized per query (only what is added gets written).
struct ProofRecord {
	const uint8_t *owner_data;  // lowercase wire, in the zone
	size_t owner_size;
	const RRset *rrset;         // nullptr: the zone's negative SOA

	std::span<const uint8_t> owner() const { return {owner_data, owner_size}; }
};
static_assert(std::is_trivially_default_constructible_v<ProofRecord>);

class DenialProof {
public:
	// All names: lowercase uncompressed wire, inside z, z signed with a
	// DenialIndex (otherwise the calls add nothing but the SOA entries).
	void wildcard_answer(const Zone &z, std::span<const uint8_t> qname);
	void nxdomain(const Zone &z, std::span<const uint8_t> qname);
	// NODATA at qname: an existing node (wildcard false) or via the
	// wildcard that matched qname (wildcard true). empty_non_terminal:
	// the node has no RRsets at all.
	void nodata(const Zone &z, std::span<const uint8_t> qname, uint16_t qtype, bool wildcard,
		    bool empty_non_terminal);
	// A referral to cut (lowercase wire, below the apex) without DS.
	void insecure_referral(const Zone &z, std::span<const uint8_t> cut);

	// Entries added since the previous call, in order.
	std::span<const ProofRecord> take()
	{
		const size_t from = taken_;
		taken_ = n_;
		return std::span<const ProofRecord>(recs_.data() + from, n_ - from);
	}

private:
	static constexpr size_t capacity = 48;  // 16 wildcard CNAME links, then an NXDOMAIN
	std::array<ProofRecord, capacity> recs_;
	size_t n_ = 0;
	size_t taken_ = 0;

	void add(std::span<const uint8_t> owner, const RRset *rrset);
	void add_soa();
	void add_nsec_at_or_before(const DenialIndex &d, std::span<const uint8_t> name);
	void add_nsec3(const DenialIndex &d, std::span<const uint8_t> name, bool exact_only);
	void add_nsec3_ds_proof(const Zone &z, const DenialIndex &d, std::span<const uint8_t> cut);
};

}  // namespace xdpdns::dns
