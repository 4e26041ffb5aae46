// One timer per entry id in [0, capacity), kept in a hashed timing wheel
// with intrusive lists: schedule, cancel and the per-tick walk are O(1) per
// entry and nothing allocates after the constructor. Deadlines farther than
// one turn of the wheel simply stay in their slot until their turn comes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace xdpdns::daemon::tcp {

class TimerWheel {
public:
	static constexpr uint32_t npos = UINT32_MAX;

	// `tick_ns`: resolution (deadlines fire at most one tick late);
	// `slots`: a power of two. Throws std::invalid_argument otherwise.
	TimerWheel(size_t capacity, uint64_t tick_ns, size_t slots);

	// (Re)arms entry `id` for `deadline_ns` (CLOCK_MONOTONIC).
	void schedule(uint32_t id, uint64_t deadline_ns);
	void cancel(uint32_t id);
	bool armed(uint32_t id) const { return nodes_[id].armed; }
	uint64_t deadline(uint32_t id) const { return nodes_[id].deadline; }

	// Takes up to out.size() entries whose deadline is <= now_ns off the
	// wheel (they are no longer armed) and returns how many. Call again
	// while it fills `out`.
	size_t expire(uint64_t now_ns, uint32_t *out, size_t max);

	// Earliest moment expire() may return something (UINT64_MAX: nothing
	// armed); a tick boundary, not an exact deadline.
	uint64_t next_check_ns() const;
	size_t armed_count() const { return armed_; }
	size_t memory_bytes() const { return nodes_.size() * sizeof(Node) + heads_.size() * sizeof(uint32_t); }

private:
	struct Node {
		uint64_t deadline = 0;
		uint32_t prev = npos, next = npos;
		uint32_t slot = 0;
		bool armed = false;
	};
	void unlink(uint32_t id);

	std::vector<Node> nodes_;
	std::vector<uint32_t> heads_;
	uint64_t tick_ns_;
	size_t mask_;
	uint64_t current_tick_ = 0;  // ticks before this one have been walked
	bool started_ = false;
	size_t armed_ = 0;
};

}  // namespace xdpdns::daemon::tcp
