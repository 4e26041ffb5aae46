// The largest UDP payload an answer of ours may have: the client's buffer
// (512 without EDNS, RFC 6891), the operator's cap udp.max-size (RFC 9715:
// stay below fragmentation; default 1232) and what one IP datagram can
// carry. Larger answers go out as TC=1. The XDP program applies the same
// rule to the answers it makes (bpf/lib/answer.h).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "dns/wire.h"

namespace xdpdns::dns {

inline std::size_t udp_answer_limit(std::uint16_t client_size, std::uint32_t max_size, bool ipv6)
{
	const std::size_t datagram = ipv6 ? 65535 - 8 : 65535 - 20 - 8;
	const std::size_t client = std::max<std::size_t>(client_size, min_udp_size);
	const std::size_t cap = std::max<std::size_t>(max_size, min_udp_size);
	return std::min({client, cap, datagram});
}

}  // namespace xdpdns::dns
