// An upstream server address: IPv4 or IPv6 address and UDP/TCP port, as
// given on the command line or in the config file ("ADDR[:PORT]"). One parser
// for the daemon's config validation and the upstream backend.
#pragma once

#include "common/result.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace xdpdns {

inline constexpr std::uint16_t default_dns_port = 53;

struct Endpoint {
	sockaddr_storage addr{};  // sockaddr_in or sockaddr_in6
	socklen_t len = 0;

	int family() const { return addr.ss_family; }
	const sockaddr *sa() const { return reinterpret_cast<const sockaddr *>(&addr); }
	std::uint16_t port() const;
};

// Same family, address and port (the IPv6 flow label and scope are ignored).
bool same_endpoint(const Endpoint &e, const sockaddr_storage &from);
inline bool operator==(const Endpoint &a, const Endpoint &b)
{
	return same_endpoint(a, b.addr);
}

// Accepted forms, port 53 unless given:
//   192.0.2.1   192.0.2.1:5353   2001:db8::1   [2001:db8::1]   [2001:db8::1]:5353
// An IPv6 address with a port must be in brackets; without brackets a text
// with two or more colons is an IPv6 address alone. An IPv4-mapped IPv6
// address (::ffff:a.b.c.d) becomes the IPv4 address. Names are not resolved.
// Errors read: upstream "TEXT": REASON.
Result<Endpoint> parse_endpoint(std::string_view text);

}  // namespace xdpdns
