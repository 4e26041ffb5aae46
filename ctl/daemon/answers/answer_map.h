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
//   * the map is full (a generational eviction: it refills from traffic).
// A worker's insert names the zone set its answer came from: an answer made
// from another set than the map's is not stored.
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
	// config map; `entries`: capacity of each inner map.
	AnswerMap(int outer_fd, const xdpdns_config *config, std::uint32_t entries);
	~AnswerMap();
	AnswerMap(const AnswerMap &) = delete;
	AnswerMap &operator=(const AnswerMap &) = delete;

	// Installs an empty map for answers made from `source` (a zone set).
	Result<void> set_source(const void *source);

	enum class Insert { stored, present, stale, full, failed };
	Insert insert(const void *source, const xdpdns_answer_key &key, const xdpdns_answer &entry);

	// Called by workers before each batch: replaces the map when the knobs
	// its answers depend on changed, or when it filled up. Cheap otherwise.
	void maintain();

	// Empties the slot: XDP answers nothing more (the daemon is leaving).
	void withdraw();

	// Entries dropped with replaced maps since the last call.
	std::uint64_t take_evicted() { return evicted_.exchange(0, std::memory_order_relaxed); }
	std::uint32_t entries() const { return entries_; }
	// Most memory the kernel takes for one inner map when full.
	static std::uint64_t bytes_per_entry() { return 1024; }

private:
	struct Basis {
		const void *source = nullptr;
		std::uint32_t edns_size = 0;
		std::uint32_t flush = 0;
		bool operator==(const Basis &) const = default;
	};
	Basis live_basis(const void *source) const;
	// Under the exclusive lock.
	Result<void> replace(const Basis &basis);

	int outer_fd_;
	const xdpdns_config *config_;
	std::uint32_t entries_;
	std::shared_mutex mu_;
	Fd inner_;
	Basis basis_;
	std::atomic<std::uint32_t> count_{0};
	std::atomic<bool> full_{false};
	std::atomic<std::uint64_t> evicted_{0};
	std::chrono::steady_clock::time_point retry_after_{};
};

}  // namespace xdpdns::daemon::answers
