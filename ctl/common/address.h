// Addresses and prefixes as the maps store them: 16 octets, IPv4 as
// ::ffff:a.b.c.d, so one LPM trie / hash key covers both families.
#pragma once

#include "result.h"

#include <xdpdns/abi.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace xdpdns {

using Addr16 = std::array<std::uint8_t, 16>;

bool is_v4_mapped(const Addr16 &a);
Addr16 v4_mapped(std::uint32_t addr_be);  // network-order IPv4 address

// "192.0.2.1" or "2001:db8::1" (no brackets, no scope).
Result<Addr16> parse_address(std::string_view text);
// IPv4-mapped addresses print as dotted quads.
std::string format_address(const Addr16 &a);

// A prefix over the 128-bit mapped space: "192.0.2.0/24" has len 120.
struct Prefix {
	Addr16 addr{};
	std::uint32_t len = 0;  // 0..128
	bool operator==(const Prefix &) const = default;
};

// "192.0.2.0/24", "2001:db8::/32", or a bare address (/32, /128). Host bits
// must be zero, so that add and del of a prefix name the same entry.
Result<Prefix> parse_prefix(std::string_view text);
std::string format_prefix(const Prefix &p);

xdpdns_lpm_key to_lpm_key(const Prefix &p);
Prefix from_lpm_key(const xdpdns_lpm_key &k);

}  // namespace xdpdns
