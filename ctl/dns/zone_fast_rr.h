// A fast path for the records that make up large zones (A, AAAA, NS, CNAME,
// PTR, MX, DS, and RRSIG and NSEC3 of signed zones) written in their plain
// form, with or without an owner (the previous one then). It accepts only what it can
// convert exactly as ldns_rr_new_frm_str would; anything else (other types,
// escapes, quoted text, TTL units, an entry without an owner, every error)
// is left to ldns, so the result and every error message stay ldns's. The
// fields whose text forms are intricate (RRSIG times and signature, NSEC3
// hash and type bitmap) are converted by ldns's own str2rdf functions.
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
// origin: absolute wire name the relative names end in (empty: none known
// yet, so only absolute names are taken). default_ttl: $TTL (0 means ldns's default of 3600). prev: the
// previous record's owner, for an entry that starts with a blank (empty:
// left to ldns). line must be followed by a NUL (std::string's is).
bool fast_parse_record(std::string_view line, std::span<const uint8_t> origin, uint32_t default_ttl,
		       std::span<const uint8_t> prev, FastRecord &out);

}  // namespace xdpdns::dns
