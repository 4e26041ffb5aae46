#include "net/address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>

namespace xdpdns::net {

namespace {
constexpr std::array<uint8_t, 12> kV4MappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
}

IpAddress IpAddress::from_v4(std::span<const uint8_t, 4> v4)
{
	IpAddress a;
	std::copy(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), a.bytes.begin());
	std::copy(v4.begin(), v4.end(), a.bytes.begin() + 12);
	return a;
}

IpAddress IpAddress::from_v6(std::span<const uint8_t, 16> v6)
{
	IpAddress a;
	std::copy(v6.begin(), v6.end(), a.bytes.begin());
	return a;
}

bool IpAddress::is_v4_mapped() const
{
	return std::equal(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), bytes.begin());
}

AddressText format_address(const IpAddress &addr)
{
	AddressText text;
	const char *ok = addr.is_v4_mapped()
				 ? inet_ntop(AF_INET, addr.bytes.data() + 12, text.chars.data(), text.chars.size())
				 : inet_ntop(AF_INET6, addr.bytes.data(), text.chars.data(), text.chars.size());
	if (!ok)  // cannot happen with a 48-octet buffer; keep the text defined anyway
		text.chars[0] = '\0';
	return text;
}

AddressText format_mac(const Mac &mac)
{
	AddressText text;
	const auto &b = mac.bytes;
	std::snprintf(text.chars.data(), text.chars.size(), "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1],
		      b[2], b[3], b[4], b[5]);
	return text;
}

}  // namespace xdpdns::net
