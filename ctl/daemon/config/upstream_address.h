// Upstream server addresses as written in the config and on the command line:
// "192.0.2.1", "192.0.2.1:5353", "[2001:db8::1]", "[2001:db8::1]:5353".
// IPv6 needs the brackets even without a port, so that "::1:53" can never
// be read two ways.
#pragma once

#include "common/address.h"
#include "common/result.h"

#include <cstdint>
#include <string_view>

namespace xdpdns::daemon::config {

inline constexpr std::uint16_t kDefaultUpstreamPort = 53;

struct UpstreamAddress {
	Addr16 addr{};  // IPv4 as ::ffff:a.b.c.d (common/address.h)
	std::uint16_t port = kDefaultUpstreamPort;
	bool operator==(const UpstreamAddress &) const = default;
};

// Errors quote the text: "'[::1]:0': port 0 is out of range 1..65535".
Result<UpstreamAddress> parse_upstream_address(std::string_view text);

}  // namespace xdpdns::daemon::config
