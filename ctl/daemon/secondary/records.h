// A secondary zone's records as transferred, kept next to the Zone built
// from them so that an IXFR diff can be applied and the Zone rebuilt.
#pragma once

#include "common/result.h"
#include "dns/zone.h"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace xdpdns::secondary {

struct Record {
	std::vector<std::uint8_t> owner;  // uncompressed wire, case as received
	std::uint16_t type = 0;
	std::uint16_t rrclass = 0;
	std::uint32_t ttl = 0;
	std::vector<std::uint8_t> rdata;  // uncompressed wire

	bool operator==(const Record &) const = default;
};

// One IXFR difference sequence (RFC 1995): the records to delete (the old
// SOA first) and to add (the new SOA first).
struct Diff {
	std::vector<Record> deleted;
	std::vector<Record> added;
};

// SOA serial arithmetic (RFC 1982): a is newer than b.
bool serial_newer(std::uint32_t a, std::uint32_t b);

// SOA fields from its RDATA (uncompressed): serial, refresh, retry, expire.
struct SoaTimers {
	std::uint32_t serial = 0, refresh = 0, retry = 0, expire = 0;
};
Result<SoaTimers> soa_timers(std::span<const std::uint8_t> rdata);

// The SOA at the apex of `records`, or an Error.
Result<SoaTimers> zone_soa(std::span<const Record> records, std::span<const std::uint8_t> origin);

// Applies the diffs in order. A deletion of a record we do not hold makes
// the diff inapplicable (the caller falls back to AXFR). Records are
// compared by lowercase owner, type, class and RDATA octets; an addition of
// a record present replaces its TTL.
Result<std::vector<Record>> apply_diffs(std::vector<Record> records, std::span<const Diff> diffs);

// Builds the Zone (dns::Zone::add/finish): the errors name the record.
Result<std::shared_ptr<const dns::Zone>> build_zone(std::span<const std::uint8_t> origin,
						    std::span<const Record> records);

}  // namespace xdpdns::secondary
