// A fast path for the records that make up large zones (A, AAAA, NS, CNAME,
// PTR, MX, DS) written in their plain form. It accepts only what it can
// convert exactly as ldns_rr_new_frm_str would; anything else (other types,
// escapes, quoted text, TTL units, an entry without an owner, every error)
// is left to ldns, so the result and every error message stay ldns's.
// tests/unit/dns/zone_fast_rr_test.cpp holds both to the same output.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace xdpdns::dns {

struct FastRecord {
	std::vector<uint8_t> owner;  // wire, case as written
	bool owner_set = false;      // an owner (or '@') was written: the next "previous owner"
	uint32_t ttl = 0;
	uint16_t rrclass = 0;
	uint16_t type = 0;
	std::vector<uint8_t> rdata;  // wire
};

// line: one entry as ZoneText gives it, trailing space removed.
// origin: absolute wire name the relative names end in (empty: no fast
// path). default_ttl: $TTL (0 means ldns's default of 3600).
bool fast_parse_record(std::string_view line, std::span<const uint8_t> origin, uint32_t default_ttl,
		       FastRecord &out);

}  // namespace xdpdns::dns
