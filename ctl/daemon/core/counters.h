// The daemon's counters of one worker: a row of the pinned, mmapped `dstats`
// map, so `xdpdnsctl stats` reads them from outside. One writer per row.
#pragma once

#include <xdpdns/stats.h>

#include <array>
#include <cstdint>

namespace xdpdns::daemon {

class Counters {
public:
	// `row` points at XDPDNS_DSTATS_ROW_U64 counters; nullptr: private.
	explicit Counters(std::uint64_t *row = nullptr) : row_(row ? row : own_.data()) {}

	void inc(xdpdns_dstat id, std::uint64_t n = 1)
	{
		// Relaxed atomic add on an aligned u64: one instruction, and the
		// reader in another process never sees a torn value.
		__atomic_fetch_add(&row_[id], n, __ATOMIC_RELAXED);
	}
	// Gauges and counters mirrored from a component's own statistics.
	void set(xdpdns_dstat id, std::uint64_t v) { __atomic_store_n(&row_[id], v, __ATOMIC_RELAXED); }
	std::uint64_t get(xdpdns_dstat id) const { return __atomic_load_n(&row_[id], __ATOMIC_RELAXED); }

private:
	std::array<std::uint64_t, XDPDNS_DSTATS_ROW_U64> own_{};
	std::uint64_t *row_;
};

}  // namespace xdpdns::daemon
