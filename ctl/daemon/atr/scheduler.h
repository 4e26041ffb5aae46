// Pending ATR follow-ups of one worker and their replay.
//
// Mechanism: when a large UDP answer qualifies (policy.h), the worker saves
// the client's query frame exactly as received from AF_XDP (Ethernet, VLAN
// tags, IP, UDP, DNS) with its RX queue and a due time. When the time comes,
// fire_due() runs the XDP program `xdpdns_atr` on that frame with
// BPF_PROG_RUN in live-frames mode (BPF_F_TEST_XDP_LIVE_FRAMES, repeat 1,
// ctx = ingress ifindex + RX queue): the program rewrites the query into the
// TC=1 answer with the same truncation routine xdpdns_main uses, and its
// XDP_TX makes the kernel transmit it out of the interface. The follow-up is
// therefore built by exactly the code that answers TC=1 in XDP, and the
// daemon needs no second implementation of it nor a TX slot in the UMEM.
//
// Storage is a fixed pool allocated at construction (capacity slots of
// max_frame octets) plus a binary min-heap of slot indices ordered by due
// time, then by scheduling order: the delay knob can change while entries
// are pending, so due times are not always in insertion order. No heap
// allocation after construction. Not thread-safe: one scheduler per worker.
//
// The ifindex is resolved by the kernel in the calling thread's network
// namespace, and the RX queue must exist on that interface.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "daemon/atr/bad_frame_probe.h"

namespace xdpdns::daemon::atr {

struct AtrCounters {
	std::uint64_t scheduled = 0;       // accepted by schedule()
	std::uint64_t sent = 0;            // replayed, program did not reject the frame
	std::uint64_t dropped_full = 0;    // schedule() refused: pool full
	std::uint64_t dropped_too_big = 0; // schedule() refused: frame over max_frame (or empty)
	std::uint64_t failed = 0;          // replay failed: syscall error or bad frame
	std::uint64_t bad_frame = 0;       //   of which: xdpdns_atr returned XDP_DROP
	std::uint64_t unverified = 0;      // counted in `sent`, but the verdict could not be read
	int last_errno = 0;                // errno of the last failed BPF_PROG_RUN
};

class AtrScheduler {
public:
	static constexpr std::size_t kDefaultCapacity = 4096;
	static constexpr std::size_t kDefaultMaxFrame = 1536;
	static constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();

	// `prog_fd`: the xdpdns_atr program; `ifindex`: the interface the
	// follow-ups leave by; `stats_fd`: the xdpdns `stats` map, used to learn
	// each replay's verdict (bad_frame_probe.h), -1 to skip that check.
	// Throws std::invalid_argument for a zero capacity or a max_frame below
	// an Ethernet header, std::runtime_error from the probe.
	AtrScheduler(int prog_fd, std::uint32_t ifindex, std::size_t capacity = kDefaultCapacity,
		     std::size_t max_frame = kDefaultMaxFrame, int stats_fd = -1);

	AtrScheduler(const AtrScheduler &) = delete;
	AtrScheduler &operator=(const AtrScheduler &) = delete;
	AtrScheduler(AtrScheduler &&) = default;
	AtrScheduler &operator=(AtrScheduler &&) = default;

	// Saves a copy of `query_frame` to be replayed at `due_ns`
	// (CLOCK_MONOTONIC). False, and counted, when the pool is full or the
	// frame is empty or larger than max_frame.
	bool schedule(std::span<const std::uint8_t> query_frame, std::uint32_t rx_queue, std::uint64_t due_ns);

	// Replays every entry due at `now_ns` (due_ns <= now_ns) in due order,
	// at most `budget` of them; returns how many were sent.
	std::size_t fire_due(std::uint64_t now_ns, std::size_t budget = std::numeric_limits<std::size_t>::max());

	// Due time of the earliest pending entry; kNever when none.
	std::uint64_t next_due_ns() const { return heap_.empty() ? kNever : heap_.front().due_ns; }

	std::size_t pending() const { return heap_.size(); }
	std::size_t capacity() const { return capacity_; }
	std::size_t max_frame() const { return max_frame_; }
	const AtrCounters &counters() const { return counters_; }

private:
	struct Entry {
		std::uint64_t due_ns;
		std::uint64_t seq; // scheduling order: equal due times fire first-in first-out
		std::uint32_t slot;
	};
	// std::*_heap build a max-heap: "later" puts the earliest entry on top.
	static bool later(const Entry &a, const Entry &b)
	{
		return a.due_ns != b.due_ns ? a.due_ns > b.due_ns : a.seq > b.seq;
	}

	// One BPF_PROG_RUN of the saved frame; true when sent.
	bool replay(std::uint32_t slot);

	int prog_fd_;
	std::uint32_t ifindex_;
	std::size_t capacity_, max_frame_;
	std::vector<std::uint8_t> frames_;      // capacity_ * max_frame_ octets
	std::vector<std::uint16_t> length_;     // per slot
	std::vector<std::uint32_t> rx_queue_;   // per slot
	std::vector<std::uint32_t> free_;       // stack of free slots
	std::vector<Entry> heap_;               // reserved to capacity_: push_back never reallocates
	std::uint64_t next_seq_ = 0;
	BadFrameProbe probe_;
	AtrCounters counters_;
};

}  // namespace xdpdns::daemon::atr
