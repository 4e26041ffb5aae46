#include "address.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace xdpdns {

bool is_v4_mapped(const Addr16 &a)
{
	static constexpr std::uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	return std::memcmp(a.data(), prefix, sizeof(prefix)) == 0;
}

Addr16 v4_mapped(std::uint32_t addr_be)
{
	Addr16 a{};
	a[10] = a[11] = 0xff;
	std::memcpy(&a[12], &addr_be, 4);
	return a;
}

Result<Addr16> parse_address(std::string_view text)
{
	std::string s(text);
	Addr16 a{};
	in_addr v4;
	if (inet_pton(AF_INET, s.c_str(), &v4) == 1)
		return v4_mapped(v4.s_addr);
	if (inet_pton(AF_INET6, s.c_str(), a.data()) == 1)
		return a;
	return Error{EINVAL, "'" + s + "' is not an IPv4 or IPv6 address"};
}

std::string format_address(const Addr16 &a)
{
	char buf[INET6_ADDRSTRLEN];
	if (is_v4_mapped(a))
		inet_ntop(AF_INET, &a[12], buf, sizeof(buf));
	else
		inet_ntop(AF_INET6, a.data(), buf, sizeof(buf));
	return buf;
}

Result<Prefix> parse_prefix(std::string_view text)
{
	const std::string what = "prefix '" + std::string(text) + "'";
	std::string_view addr_text = text, len_text;
	if (auto slash = text.find('/'); slash != std::string_view::npos) {
		addr_text = text.substr(0, slash);
		len_text = text.substr(slash + 1);
	}
	auto addr = parse_address(addr_text);
	if (!addr)
		return Error{EINVAL, what + ": '" + std::string(addr_text) +
					     "' is not an IPv4 or IPv6 address"};
	const bool v4 = is_v4_mapped(*addr);
	const std::uint32_t family_max = v4 ? 32 : 128;
	std::uint32_t len = family_max;
	if (!len_text.empty() || text.find('/') != std::string_view::npos) {
		auto [p, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
		if (len_text.empty() || ec != std::errc() || p != len_text.data() + len_text.size() ||
		    len > family_max)
			return Error{EINVAL, what + ": length must be 0.." + std::to_string(family_max)};
	}
	Prefix pfx{*addr, v4 ? len + 96 : len};
	for (std::uint32_t bit = pfx.len; bit < 128; bit++) {
		if (pfx.addr[bit / 8] & (0x80u >> (bit % 8))) {
			Prefix fixed = pfx;
			for (std::uint32_t b = pfx.len; b < 128; b++)
				fixed.addr[b / 8] &= static_cast<std::uint8_t>(~(0x80u >> (b % 8)));
			return Error{EINVAL, what + " has host bits set (did you mean " +
						     format_prefix(fixed) + "?)"};
		}
	}
	return pfx;
}

std::string format_prefix(const Prefix &p)
{
	if (is_v4_mapped(p.addr) && p.len >= 96)
		return format_address(p.addr) + "/" + std::to_string(p.len - 96);
	return format_address(p.addr) + "/" + std::to_string(p.len);
}

xdpdns_lpm_key to_lpm_key(const Prefix &p)
{
	xdpdns_lpm_key k{};
	k.prefixlen = p.len;
	std::memcpy(k.addr, p.addr.data(), 16);
	return k;
}

Prefix from_lpm_key(const xdpdns_lpm_key &k)
{
	Prefix p;
	p.len = k.prefixlen;
	std::memcpy(p.addr.data(), k.addr, 16);
	return p;
}

}  // namespace xdpdns
