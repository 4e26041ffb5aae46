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
	// The row is marked as `queue`'s while this object lives, so that
	// `xdpdnsctl stats --workers` can tell the workers apart.
	explicit Counters(std::uint64_t *row = nullptr, std::uint32_t queue = 0) : row_(row ? row : own_.data())
	{
		__atomic_store_n(&row_[XDPDNS_DSTATS_ROW_QUEUE], std::uint64_t{queue} + 1, __ATOMIC_RELAXED);
	}
	~Counters() { __atomic_store_n(&row_[XDPDNS_DSTATS_ROW_QUEUE], 0, __ATOMIC_RELAXED); }
	Counters(const Counters &) = delete;
	Counters &operator=(const Counters &) = delete;

	void inc(xdpdns_dstat id, std::uint64_t n = 1)
	{
		// One writer per row: a relaxed load and store (plain moves on
		// x86 and arm64) instead of a locked read-modify-write, and a
		// reader in another process still never sees a torn value.
		__atomic_store_n(&row_[id], __atomic_load_n(&row_[id], __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
	}
	// Gauges and counters mirrored from a component's own statistics.
	void set(xdpdns_dstat id, std::uint64_t v) { __atomic_store_n(&row_[id], v, __ATOMIC_RELAXED); }
	std::uint64_t get(xdpdns_dstat id) const { return __atomic_load_n(&row_[id], __ATOMIC_RELAXED); }

private:
	std::array<std::uint64_t, XDPDNS_DSTATS_ROW_U64> own_{};
	std::uint64_t *row_;
};

}  // namespace xdpdns::daemon
