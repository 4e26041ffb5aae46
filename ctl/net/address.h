// Link and network addresses as plain value types, plus fixed-size text
// forms for logs (no heap: usable on the packet path).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace xdpdns::net {

struct Mac {
	std::array<uint8_t, 6> bytes{};

	friend bool operator==(const Mac &, const Mac &) = default;
};

// An IPv6 address, or an IPv4 address stored IPv4-mapped (::ffff:a.b.c.d),
// the same convention as the cookie input and the pmtu map keys.
struct IpAddress {
	std::array<uint8_t, 16> bytes{};

	static IpAddress from_v4(std::span<const uint8_t, 4> v4);
	static IpAddress from_v6(std::span<const uint8_t, 16> v6);

	// True for ::ffff:0:0/96. A frame's family is FrameView::is_ipv6, not
	// this: IPv4-mapped addresses never appear in real IPv6 headers.
	bool is_v4_mapped() const;
	// The raw 4 octets of an IPv4 address (the last 4 of `bytes`).
	std::span<const uint8_t, 4> v4() const { return std::span<const uint8_t, 4>(bytes.data() + 12, 4); }

	friend bool operator==(const IpAddress &, const IpAddress &) = default;
};

// NUL-terminated text, long enough for any IPv6 address or MAC.
struct AddressText {
	std::array<char, 48> chars{};

	std::string_view view() const { return std::string_view(chars.data()); }
	const char *c_str() const { return chars.data(); }
};

// "192.0.2.1" for IPv4-mapped addresses, RFC 5952 text for the others.
AddressText format_address(const IpAddress &addr);
// "02:00:00:00:00:01".
AddressText format_mac(const Mac &mac);

}  // namespace xdpdns::net
