// What a signed zone needs to deny existence (RFC 4035 3.1.3, RFC 5155
// 7.2), built once when the zone is loaded and read-only afterwards:
//  * NSEC: every NSEC RRset of the zone with its owner, in canonical name
//    order (RFC 4034 6.1), so the NSEC at or before a name is one binary
//    search;
//  * NSEC3: the records of the chain the apex NSEC3PARAM names (SHA-1,
//    its salt and iterations), sorted by the hash decoded from the owner's
//    first label, so the NSEC3 matching or covering a name is its hash plus
//    one binary search.
// NSEC3 records are taken out of the zone's nodes (Zone::finish): their
// owner names do not exist as names (a query for one is answered as for any
// absent name, RFC 5155 7.2.8; NSD does the same).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dns/nsec3_hash.h"
#include "dns/zone.h"

namespace xdpdns::dns {

// Canonical order of two lowercase uncompressed wire names (RFC 4034 6.1):
// labels compared from the root down as octet strings. <0, 0 or >0.
int canonical_compare(std::span<const uint8_t> a, std::span<const uint8_t> b);

class DenialIndex {
public:
	enum class Kind { none, nsec, nsec3 };

	struct NsecEntry {
		std::string_view owner;  // lowercase wire; the zone's node key
		const RRset *nsec;
	};
	struct Nsec3Entry {
		Nsec3Hash hash;
		std::string_view owner;  // lowercase wire, in the zone's arena
		RRset rrset;             // the NSEC3 RRset with its RRSIGs
	};
	struct Nsec3Match {
		const Nsec3Entry *entry = nullptr;  // nullptr only for an empty chain
		bool exact = false;                 // hash equal (else: entry covers it)
	};

	// nsec: the NSEC RRsets of the zone, any order. nsec3: the NSEC3 RRsets
	// taken out of the zone (owner lowercase wire). apex: for the NSEC3PARAM.
	// NSEC3 is used when the apex has an NSEC3PARAM for SHA-1 and the chain
	// it names has records; else NSEC when there are NSEC records.
	static std::shared_ptr<const DenialIndex> build(const Node &apex, std::vector<NsecEntry> nsec,
							std::vector<std::pair<std::string_view, RRset>> nsec3);

	Kind kind() const { return kind_; }
	size_t size() const { return kind_ == Kind::nsec ? nsec_.size() : nsec3_.size(); }

	// The NSEC whose owner equals name or precedes it most closely in
	// canonical order (the last one for a name before the first).
	const NsecEntry *nsec_at_or_before(std::span<const uint8_t> lower_name) const;

	// The NSEC3 whose hash equals the name's, or else the one covering it.
	Nsec3Match nsec3_find(std::span<const uint8_t> lower_name) const;
	Nsec3Match nsec3_find_hash(const Nsec3Hash &h) const;
	std::span<const uint8_t> salt() const { return salt_; }
	uint16_t iterations() const { return iterations_; }

private:
	Kind kind_ = Kind::none;
	std::vector<NsecEntry> nsec_;
	std::vector<Nsec3Entry> nsec3_;
	std::vector<uint8_t> salt_;
	uint16_t iterations_ = 0;
};

}  // namespace xdpdns::dns
