#include "net_types.h"

#include <arpa/inet.h>

#include <cstdio>
#include <stdexcept>
#include <string>

namespace xdpdns::test {

Mac mac(std::string_view text)
{
	Mac m{};
	unsigned v[6];
	std::string s(text);
	char tail;
	if (std::sscanf(s.c_str(), "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4],
			&v[5], &tail) != 6)
		throw std::invalid_argument("bad MAC address: " + s);
	for (int i = 0; i < 6; i++) {
		if (v[i] > 0xff)
			throw std::invalid_argument("bad MAC address: " + s);
		m[i] = static_cast<std::uint8_t>(v[i]);
	}
	return m;
}

Ip4 ip4(std::string_view text)
{
	Ip4 a{};
	std::string s(text);
	if (inet_pton(AF_INET, s.c_str(), a.data()) != 1)
		throw std::invalid_argument("bad IPv4 address: " + s);
	return a;
}

Ip6 ip6(std::string_view text)
{
	Ip6 a{};
	std::string s(text);
	if (inet_pton(AF_INET6, s.c_str(), a.data()) != 1)
		throw std::invalid_argument("bad IPv6 address: " + s);
	return a;
}

Ip6 v4_mapped(const Ip4 &addr)
{
	Ip6 a{};
	a[10] = 0xff;
	a[11] = 0xff;
	for (int i = 0; i < 4; i++)
		a[12 + i] = addr[i];
	return a;
}

void put_u8(Bytes &out, std::uint8_t v) { out.push_back(v); }

void put_u16(Bytes &out, std::uint16_t v)
{
	out.push_back(static_cast<std::uint8_t>(v >> 8));
	out.push_back(static_cast<std::uint8_t>(v));
}

void put_u32(Bytes &out, std::uint32_t v)
{
	put_u16(out, static_cast<std::uint16_t>(v >> 16));
	put_u16(out, static_cast<std::uint16_t>(v));
}

void put_bytes(Bytes &out, const Bytes &bytes) { out.insert(out.end(), bytes.begin(), bytes.end()); }

std::uint16_t get_u16(const Bytes &in, std::size_t off)
{
	return static_cast<std::uint16_t>(in.at(off) << 8 | in.at(off + 1));
}

std::uint32_t get_u32(const Bytes &in, std::size_t off)
{
	return static_cast<std::uint32_t>(get_u16(in, off)) << 16 | get_u16(in, off + 2);
}

void set_u16(Bytes &out, std::size_t off, std::uint16_t v)
{
	out.at(off) = static_cast<std::uint8_t>(v >> 8);
	out.at(off + 1) = static_cast<std::uint8_t>(v);
}

} // namespace xdpdns::test
