// Response rate limiting of the UDP answers the daemon builds, in the same
// buckets as the XDP program's (include/xdpdns/rrl.h, the mmapped `rrl`
// map): an answer counts for its client's prefix and its class
// (dns/rrl_class.h) whichever side sends it. No syscalls, no allocation.
#pragma once

#include "net/address.h"

#include <xdpdns/abi.h>

#include <cstdint>

namespace xdpdns::daemon::rrl {

struct Settings {
	std::uint32_t rate = 0;        // responses/s per prefix and class, 0 = off
	std::uint32_t slip = 2;        // every Nth limited response TC=1, 0 = none
	std::uint32_t prefix_v4 = 24;
	std::uint32_t prefix_v6 = 56;
	bool log_only = false;         // count, but send everything
};

enum class Action : std::uint8_t { send, drop, slip };

struct Decision {
	Action action = Action::send;
	bool limited = false;  // RRL limits this response (or would: log-only)
	bool started = false;  // the first one its bucket limits after a quiet second
};

class Table {
public:
	Table() = default;  // no table: nothing is limited
	// `sets` (a power of two of them) stay mapped while the Table is used.
	Table(xdpdns_rrl_set *sets, std::uint32_t count) : sets_(sets), mask_(count ? count - 1 : 0) {}

	// What to do with an answer of class `rrl_class` to `client` at
	// CLOCK_MONOTONIC `now_ns`. The caller has handled exempt clients.
	Decision decide(const net::IpAddress &client, bool ipv6, std::uint32_t rrl_class, const Settings &s,
			std::uint64_t now_ns) const;

private:
	xdpdns_rrl_set *sets_ = nullptr;
	std::uint32_t mask_ = 0;
};

// "192.0.2.0/24", "2001:db8:0:100::/56": the client's prefix, for the log.
net::AddressText prefix_text(const net::IpAddress &client, bool ipv6, const Settings &s, std::uint32_t &bits);

// At most `per_second` log lines a second (the rest are counted only).
class LogBudget {
public:
	explicit LogBudget(std::uint32_t per_second = 10) : per_second_(per_second) {}
	bool take(std::uint64_t now_ns);

private:
	std::uint32_t per_second_;
	std::uint64_t second_ = 0;
	std::uint32_t used_ = 0;
};

}  // namespace xdpdns::daemon::rrl
