// Service addresses: the destination addresses the XDP program treats as
// ours (map service_addrs, IPv4 as ::ffff:a.b.c.d). An empty set means every
// address, which is also how the set is written as text: "all".
#pragma once

#include "address.h"
#include "result.h"

#include <xdpdns/abi.h>

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace xdpdns {

inline constexpr std::string_view kAllAddresses = "all";

// Sorted (IPv4 first, as mapped addresses sort), duplicates removed.
std::vector<Addr16> normalize_addresses(std::vector<Addr16> addrs);

// "all" -> {} (every address); else addresses separated by commas and/or
// spaces, e.g. "192.0.2.53,2001:db8::53". Errors:
// "address: 'x' is not an IPv4 or IPv6 address",
// "addresses: '' names no address (e.g. 192.0.2.53,2001:db8::53, or all)",
// and the count check below. The result is normalized.
Result<std::vector<Addr16>> parse_address_list(std::string_view text);

// "addresses: 65 given, at most 64" when the distinct addresses do not fit
// the service_addrs map.
Result<void> check_address_count(std::span<const Addr16> addrs);

// "all" for an empty set; else sorted, comma-separated (parse_address_list
// reads it back).
std::string format_address_list(std::span<const Addr16> addrs);

}  // namespace xdpdns
