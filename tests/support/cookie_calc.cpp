#include "cookie_calc.h"

#include <arpa/inet.h>

#include <cstring>

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

} // namespace xdpdns::test
