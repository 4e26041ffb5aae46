#include "udp_checksums.h"

#include <cstdint>

namespace xdpdns::test {

namespace {

std::uint32_t add_words(const std::uint8_t *p, std::size_t n, std::uint32_t sum)
{
	for (std::size_t i = 0; i + 1 < n; i += 2)
		sum += static_cast<std::uint32_t>(p[i] << 8 | p[i + 1]);
	if (n % 2)
		sum += static_cast<std::uint32_t>(p[n - 1] << 8);
	return sum;
}

std::uint16_t fold(std::uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return static_cast<std::uint16_t>(sum);
}

std::uint16_t be16(const Bytes &f, std::size_t off) { return static_cast<std::uint16_t>(f[off] << 8 | f[off + 1]); }

}  // namespace

std::string udp_checksum_problem(const Bytes &f)
{
	std::size_t off = 12;
	if (f.size() < off + 2)
		return "shorter than an Ethernet header";
	std::uint16_t type = be16(f, off);
	while ((type == 0x8100 || type == 0x88a8) && f.size() >= off + 6) {
		off += 4;
		type = be16(f, off);
	}
	off += 2;

	std::uint32_t pseudo = 0;
	std::size_t udp = 0;
	if (type == 0x0800) {
		if (f.size() < off + 20 || f[off] != 0x45 || f[off + 9] != 17)
			return "not IPv4 (IHL 5) carrying UDP";
		if (fold(add_words(&f[off], 20, 0)) != 0xffff)
			return "IPv4 header checksum wrong";
		udp = off + 20;
		pseudo = add_words(&f[off + 12], 8, 17);
	} else if (type == 0x86dd) {
		if (f.size() < off + 40 || (f[off] >> 4) != 6 || f[off + 6] != 17)
			return "not IPv6 carrying UDP directly";
		udp = off + 40;
		pseudo = add_words(&f[off + 8], 32, 17);
	} else {
		return "neither IPv4 nor IPv6";
	}
	if (f.size() < udp + 8)
		return "UDP header cut";
	const std::size_t len = be16(f, udp + 4);
	if (len < 8 || f.size() < udp + len)
		return "UDP length beyond the frame";
	if (be16(f, udp + 6) == 0)
		return "UDP checksum absent (0)";
	pseudo += static_cast<std::uint32_t>(len);
	if (fold(add_words(&f[udp], len, pseudo)) != 0xffff)
		return "UDP checksum wrong";
	return {};
}

}  // namespace xdpdns::test
