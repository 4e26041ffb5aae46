// TCP sequence-number arithmetic, modulo 2^32 (RFC 9293 §3.4).
#pragma once

#include <cstdint>

namespace xdpdns::daemon::tcp {

// True when `x` lies in [lo, lo + len) on the sequence circle.
constexpr bool seq_in(uint32_t x, uint32_t lo, uint32_t len)
{
	return static_cast<uint32_t>(x - lo) < len;
}

// Octets from `from` forward to `to` on the circle.
constexpr uint32_t seq_dist(uint32_t from, uint32_t to)
{
	return to - from;
}

}  // namespace xdpdns::daemon::tcp
