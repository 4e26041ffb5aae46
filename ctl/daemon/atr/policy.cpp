#include "daemon/atr/policy.h"

#include <algorithm>

namespace xdpdns::daemon::atr {

std::uint32_t effective_atr_size(const AtrInput &in, const AtrKnobs &k)
{
	const std::uint32_t knob = in.ipv6 ? k.size_v6 : k.size_v4;
	if (in.path_mtu == 0)
		return knob;
	const std::uint32_t headers = (in.ipv6 ? kIpv6HeaderSize : kIpv4HeaderSize) + kUdpHeaderSize;
	const std::uint32_t fits = in.path_mtu > headers ? in.path_mtu - headers : 0;
	return std::min(knob, fits);
}

AtrDecision decide(const AtrInput &in, const AtrKnobs &k, std::uint32_t random_0_99)
{
	if (in.answer_size > in.client_limit)
		return AtrDecision::truncate;
	const bool atr = k.enabled && in.client_allowed && in.answer_size > effective_atr_size(in, k) &&
			 random_0_99 < k.probability;
	return atr ? AtrDecision::send_with_atr : AtrDecision::send;
}

}  // namespace xdpdns::daemon::atr
