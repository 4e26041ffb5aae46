#include "cookie_calc.h"

#include <arpa/inet.h>

#include <cstring>
#include <vector>

namespace xdpdns::test {

xdpdns_cookie_input cookie_input(const Ip6 &client, const Ip6 &server, std::uint16_t client_port,
				 std::uint16_t server_port, std::uint32_t epoch, std::uint32_t mss_index)
{
	xdpdns_cookie_input in;
	std::memset(&in, 0, sizeof(in));
	std::memcpy(in.client_addr, client.data(), 16);
	std::memcpy(in.server_addr, server.data(), 16);
	in.client_port = htons(client_port);
	in.server_port = htons(server_port);
	in.epoch = epoch;
	in.mss_index = mss_index;
	in.pad = 0;
	return in;
}

std::uint32_t make_cookie(const xdpdns_siphash_key &key, const Ip6 &client, const Ip6 &server,
			  std::uint16_t client_port, std::uint16_t server_port, std::uint32_t epoch,
			  std::uint32_t mss_index)
{
	xdpdns_cookie_input in = cookie_input(client, server, client_port, server_port, epoch, mss_index);
	return xdpdns_cookie_make(&key, &in);
}

namespace {

std::uint64_t rotl(std::uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

void sip_round(std::uint64_t &v0, std::uint64_t &v1, std::uint64_t &v2, std::uint64_t &v3)
{
	v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);
	v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
	v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;
	v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
}

} // namespace

std::uint64_t reference_siphash24(const xdpdns_siphash_key &key, const std::uint8_t *msg, std::size_t len)
{
	std::uint64_t v0 = 0x736f6d6570736575ull ^ key.k0, v1 = 0x646f72616e646f6dull ^ key.k1;
	std::uint64_t v2 = 0x6c7967656e657261ull ^ key.k0, v3 = 0x7465646279746573ull ^ key.k1;
	auto compress = [&](std::uint64_t m) {
		v3 ^= m;
		sip_round(v0, v1, v2, v3);
		sip_round(v0, v1, v2, v3);
		v0 ^= m;
	};
	std::size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		std::uint64_t m = 0;
		for (int j = 7; j >= 0; j--)
			m = m << 8 | msg[i + static_cast<std::size_t>(j)];
		compress(m);
	}
	std::uint64_t last = static_cast<std::uint64_t>(len & 0xff) << 56;
	for (std::size_t j = 0; i + j < len; j++)
		last |= static_cast<std::uint64_t>(msg[i + j]) << (8 * j);
	compress(last);
	v2 ^= 0xff;
	for (int r = 0; r < 4; r++)
		sip_round(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

std::uint32_t reference_cookie(const xdpdns_siphash_key &key, const Ip6 &client, const Ip6 &server,
			       std::uint16_t client_port, std::uint16_t server_port, std::uint32_t epoch,
			       std::uint32_t mss_index, bool v4_form)
{
	std::vector<std::uint8_t> m;
	const std::size_t from = v4_form ? 12 : 0; // IPv4: the last 4 octets of ::ffff:a.b.c.d
	m.insert(m.end(), client.begin() + static_cast<long>(from), client.end());
	m.insert(m.end(), server.begin() + static_cast<long>(from), server.end());
	m.push_back(static_cast<std::uint8_t>(client_port >> 8));
	m.push_back(static_cast<std::uint8_t>(client_port));
	m.push_back(static_cast<std::uint8_t>(server_port >> 8));
	m.push_back(static_cast<std::uint8_t>(server_port));
	for (int j = 0; j < 4; j++)
		m.push_back(static_cast<std::uint8_t>(epoch >> (8 * j)));
	m.push_back(static_cast<std::uint8_t>(mss_index));
	const std::uint64_t h = reference_siphash24(key, m.data(), m.size());
	return (static_cast<std::uint32_t>(h) & XDPDNS_COOKIE_HASH_MASK) |
	       ((mss_index & XDPDNS_COOKIE_MSS_MASK) << XDPDNS_COOKIE_MSS_SHIFT) | (epoch & XDPDNS_COOKIE_EPOCH_MASK);
}

} // namespace xdpdns::test
