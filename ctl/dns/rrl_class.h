// Response rate limiting classes: which answers share an RRL bucket (per
// client prefix), grouped as NSD and Knot group them, so that a flood of
// distinct questions with one kind of answer counts as one flood:
//   positive   the query name and type            (one RRset)
//   nodata     the query name, any type           (empty answers of a name)
//   nxdomain   the zone apex                      (random-subdomain floods)
//   referral   the delegation point (the cut)
//   wildcard   the wildcard's closest encloser    (every name it synthesizes)
//   dname      the DNAME owner                    (every name below it)
//   error      one class for all errors           (REFUSED, FORMERR, SERVFAIL, ...)
// The class of a CNAME/DNAME chain is its first name's. The key is a 32-bit
// hash (the in-kernel answer entry has room for that much), never 0.
#pragma once

#include <cstdint>
#include <span>

namespace xdpdns::dns {

enum class RrlKind : std::uint8_t { positive = 1, nodata, nxdomain, referral, wildcard, dname, error };

// FNV-1a over the kind, the type (positive only) and the name (lowercase
// wire form); 0 is mapped to 1.
inline std::uint32_t rrl_class_key(RrlKind kind, std::span<const std::uint8_t> name_lower, std::uint16_t qtype = 0)
{
	std::uint32_t h = 2166136261u;
	auto add = [&h](std::uint8_t b) {
		h ^= b;
		h *= 16777619u;
	};
	add(static_cast<std::uint8_t>(kind));
	if (kind == RrlKind::positive) {
		add(static_cast<std::uint8_t>(qtype >> 8));
		add(static_cast<std::uint8_t>(qtype));
	}
	for (const std::uint8_t b : name_lower)
		add(b);
	return h ? h : 1;
}

// The error class (no zone): every error answer of a client prefix.
inline std::uint32_t rrl_error_class() { return rrl_class_key(RrlKind::error, {}); }

}  // namespace xdpdns::dns
