#include "ports.h"

#include "text_list.h"

#include <algorithm>
#include <charconv>

namespace xdpdns {

Result<std::uint16_t> parse_port(std::string_view text)
{
	std::uint64_t v = 0;
	auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
	if (text.empty() || p != text.data() + text.size() ||
	    (ec != std::errc() && ec != std::errc::result_out_of_range) || text[0] == '-' ||
	    text[0] == '+')
		return Error{EINVAL, "port: '" + std::string(text) + "' is not a port number (1..65535)"};
	if (ec == std::errc::result_out_of_range || v < 1 || v > 65535)
		return Error{ERANGE, "port: " + std::string(text) + " is out of range 1..65535"};
	return static_cast<std::uint16_t>(v);
}

Result<std::vector<std::uint16_t>> parse_port_list(std::string_view text)
{
	std::vector<std::uint16_t> out;
	for (std::string_view item : split_list(text)) {
		auto port = parse_port(item);
		if (!port)
			return port.error();
		out.push_back(*port);
	}
	if (out.empty())
		return Error{EINVAL, "ports: '" + std::string(text) +
					     "' names no port (e.g. 53 or 53,5353)"};
	return out;
}

std::string format_port_list(std::span<const std::uint16_t> ports)
{
	std::vector<std::uint16_t> v(ports.begin(), ports.end());
	std::sort(v.begin(), v.end());
	v.erase(std::unique(v.begin(), v.end()), v.end());
	std::string s;
	for (auto p : v) {
		if (!s.empty())
			s += ',';
		s += std::to_string(p);
	}
	return s;
}

xdpdns_ports ports_bitmap(std::span<const std::uint16_t> ports)
{
	xdpdns_ports b{};
	for (auto p : ports)
		b.bits[p >> 6] |= 1ull << (p & 63);
	return b;
}

std::vector<std::uint16_t> ports_list(const xdpdns_ports &b)
{
	std::vector<std::uint16_t> v;
	for (std::uint32_t w = 0; w < XDPDNS_PORT_WORDS; w++)
		for (std::uint32_t bit = 0; b.bits[w] && bit < 64; bit++)
			if (b.bits[w] & (1ull << bit))
				v.push_back(static_cast<std::uint16_t>(w * 64 + bit));
	return v;
}

}  // namespace xdpdns
