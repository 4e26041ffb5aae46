// The answer map of one interface, shared by its workers: the XDP program
// reads the inner map installed in the pinned one-slot `answers` map; the
// daemon fills that inner map and, instead of ever changing or deleting an
// element (the kernel may hand a freed element to a new one while XDP still
// reads it), replaces the whole map with an empty one when
//   * the zones were reloaded (answers from the old zones are never given
//     once the new ones are in service: reload() calls set_source() before
//     it reports them),
//   * edns.buffer-size changed (it is in every OPT we write),
//   * `xdpdnsctl answers flush` bumped config.answers_flush,
//   * the map is full (a generational eviction: it refills from traffic;
//     at most once every kFullReplaceGap, so that a flood of names asked
//     twice cannot keep the map churning).
// A worker's insert names the zone set its answer came from: an answer made
// from another set than the map's, or carrying another OPT size than the
// map's, is not stored. A replaced map's fd is kept for a second: kernels
// before 6.8 free an inner map without waiting for readers.
#pragma once

#include "common/fd.h"
#include "common/result.h"

#include <xdpdns/abi.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <shared_mutex>

namespace xdpdns::daemon::answers {

class AnswerMap {
public:
	// `outer_fd`: the pinned `answers` map (borrowed); `config`: the live
	// config map; `entries`: capacity of each inner map; `full_gap`: least
	// time between two replacements of a full map. Empties the slot.
	AnswerMap(int outer_fd, const xdpdns_config *config, std::uint32_t entries,
		  std::chrono::milliseconds full_gap = kFullReplaceGap);
	~AnswerMap();
	AnswerMap(const AnswerMap &) = delete;
	AnswerMap &operator=(const AnswerMap &) = delete;

	// Installs an empty map for answers made from `source` (a zone set).
	Result<void> set_source(const void *source);

	enum class Insert { stored, present, stale, full, failed };
	Insert insert(const void *source, const xdpdns_answer_key &key, const xdpdns_answer &entry);

	// Called by workers before each batch: replaces the map when the knobs
	// its answers depend on changed, or when it filled up; closes a map
	// replaced a second ago. A few atomic loads otherwise.
	void maintain();

	// Empties the slot: XDP answers nothing more (the daemon is leaving).
	void withdraw();

	// Entries dropped with replaced maps since the last call.
	std::uint64_t take_evicted() { return evicted_.exchange(0, std::memory_order_relaxed); }
	std::uint32_t entries() const { return entries_; }
	// Answers stored in the map XDP answers from now.
	std::uint32_t stored() const { return count_.load(std::memory_order_relaxed); }
	// Most memory the kernel takes for one element.
	static std::uint64_t bytes_per_entry() { return 1024; }

	static constexpr std::chrono::milliseconds kFullReplaceGap{10000};

private:
	using Clock = std::chrono::steady_clock;
	struct Basis {
		const void *source = nullptr;
		std::uint32_t edns_size = 0;
		std::uint32_t flush = 0;
		bool operator==(const Basis &) const = default;
	};
	Basis live_basis(const void *source) const;
	bool needs_replacing(Clock::time_point now) const;
	// Under the exclusive lock.
	Result<void> replace(const Basis &basis, Clock::time_point now);
	void retire(Clock::time_point now);

	int outer_fd_;
	const xdpdns_config *config_;
	std::uint32_t entries_;
	std::chrono::milliseconds full_gap_;
	std::shared_mutex mu_;
	Fd inner_;
	Fd retired_;                      // the map replaced last, closed a second later
	Clock::time_point retired_at_{};
	Basis basis_;
	// Copies of the basis for the lock-free check in maintain().
	std::atomic<bool> installed_{false};
	std::atomic<std::uint32_t> basis_edns_{0}, basis_flush_{0};
	std::atomic<bool> has_retired_{false};
	std::atomic<std::int64_t> retired_at_ns_{0};   // Clock
	std::atomic<std::uint32_t> count_{0};
	std::atomic<bool> full_{false};
	std::atomic<std::uint64_t> evicted_{0};
	std::atomic<std::int64_t> replaced_at_ns_{0};  // Clock, for the full-map gap
	Clock::time_point retry_after_{};
};

}  // namespace xdpdns::daemon::answers
