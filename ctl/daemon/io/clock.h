// CLOCK_MONOTONIC in nanoseconds: deadlines of the worker, the ATR queue and
// the flow table all use this clock.
#pragma once

#include <time.h>

#include <cstdint>

namespace xdpdns::daemon {

inline std::uint64_t monotonic_now_ns()
{
	timespec ts{};
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return std::uint64_t(ts.tv_sec) * 1'000'000'000ull + std::uint64_t(ts.tv_nsec);
}

}  // namespace xdpdns::daemon
