// Value types the test packet builder and checkers share: raw bytes, MAC and
// IP addresses, parsed from their usual text forms.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace xdpdns::test {

using Bytes = std::vector<std::uint8_t>;
using Mac = std::array<std::uint8_t, 6>;
using Ip4 = std::array<std::uint8_t, 4>;
using Ip6 = std::array<std::uint8_t, 16>;

// Parse "02:00:00:00:00:01", "192.0.2.1", "2001:db8::1"; throw
// std::invalid_argument on bad text (a typo in a fixture, not a test result).
Mac mac(std::string_view text);
Ip4 ip4(std::string_view text);
Ip6 ip6(std::string_view text);

// ::ffff:a.b.c.d, the form the XDP program keys IPv4 clients by.
Ip6 v4_mapped(const Ip4 &addr);

// Big-endian appenders, used by every builder.
void put_u8(Bytes &out, std::uint8_t v);
void put_u16(Bytes &out, std::uint16_t v);
void put_u32(Bytes &out, std::uint32_t v);
void put_bytes(Bytes &out, const Bytes &bytes);
template <std::size_t N>
void put_bytes(Bytes &out, const std::array<std::uint8_t, N> &bytes)
{
	out.insert(out.end(), bytes.begin(), bytes.end());
}

std::uint16_t get_u16(const Bytes &in, std::size_t off);
std::uint32_t get_u32(const Bytes &in, std::size_t off);
void set_u16(Bytes &out, std::size_t off, std::uint16_t v);

} // namespace xdpdns::test
