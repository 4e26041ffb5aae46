// The messages of a transfer: our queries (SOA, AXFR, IXFR), built by hand,
// and the answers, parsed with ldns into uncompressed records.
#pragma once

#include "common/result.h"
#include "daemon/secondary/records.h"

#include <cstdint>
#include <span>
#include <vector>

namespace xdpdns::secondary {

// A query for origin/qtype with id; for IXFR `soa` is the SOA record we
// hold (put in the authority section, RFC 1995 3).
std::vector<std::uint8_t> make_query(std::uint16_t id, std::span<const std::uint8_t> origin, std::uint16_t qtype,
				     const Record *soa = nullptr);

struct Answer {
	std::uint16_t id = 0;
	std::uint16_t flags = 0;
	std::uint8_t rcode = 0;
	std::vector<Record> answers;  // the answer section, in order
};

// Parses a response (the TSIG, if any, is not part of `answers`). Errors:
// not a response, unparseable.
Result<Answer> parse_answer(std::span<const std::uint8_t> msg);

// "NOERROR", "REFUSED", ... for log lines.
const char *rcode_name(std::uint8_t rcode);

}  // namespace xdpdns::secondary
