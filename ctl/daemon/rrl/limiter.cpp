#include "daemon/rrl/limiter.h"

#include <xdpdns/rrl.h>

#include <cstdio>
#include <cstring>

namespace xdpdns::daemon::rrl {

Decision Table::decide(const net::IpAddress &client, bool ipv6, std::uint32_t rrl_class, const Settings &s,
		       std::uint64_t now_ns) const
{
	Decision d;
	if (!s.rate || !rrl_class || !sets_)
		return d;
	const __u64 tag = xdpdns_rrl_tag(client.bytes.data(), xdpdns_rrl_bits(ipv6, s.prefix_v4, s.prefix_v6),
					 rrl_class);
	int started = 0;
	const int v = xdpdns_rrl_account(&sets_[static_cast<std::uint32_t>(tag) & mask_], tag,
					 static_cast<__u32>(now_ns / 1'000'000'000ull), s.rate, s.slip, &started);
	if (v == XDPDNS_RRL_PASS)
		return d;
	d.limited = true;
	d.started = started != 0;
	if (!s.log_only)
		d.action = v == XDPDNS_RRL_SLIP ? Action::slip : Action::drop;
	return d;
}

net::AddressText prefix_text(const net::IpAddress &client, bool ipv6, const Settings &s, std::uint32_t &bits)
{
	bits = xdpdns_rrl_bits(ipv6, s.prefix_v4, s.prefix_v6);
	net::IpAddress p = client;
	for (std::uint32_t i = 0; i < 16; i++) {
		const std::uint32_t first = i * 8;
		if (first >= bits)
			p.bytes[i] = 0;
		else if (first + 8 > bits)
			p.bytes[i] &= static_cast<std::uint8_t>(0xff << (first + 8 - bits));
	}
	if (!ipv6)
		bits -= 96;
	return net::format_address(p);
}

bool LogBudget::take(std::uint64_t now_ns)
{
	const std::uint64_t s = now_ns / 1'000'000'000ull;
	if (s != second_) {
		second_ = s;
		used_ = 0;
	}
	if (used_ >= per_second_)
		return false;
	used_++;
	return true;
}

}  // namespace xdpdns::daemon::rrl
