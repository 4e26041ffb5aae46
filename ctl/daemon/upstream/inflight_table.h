// The queries the upstream backend is waiting for: a fixed array of slots
// allocated once, a free list, an index from forwarded DNS ID to slot, and
// a doubly linked list of the busy slots ordered by deadline (the head is
// the next time-out). Every operation is O(1) except set_deadline(), which
// walks back from the tail; since every try uses the same time-out, a new
// deadline is almost always the latest and the walk stops at once.
#pragma once

#include "dns/query.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace xdpdns::daemon {

struct InFlight {
	std::uint64_t tag = 0;          // the worker's, for AnswerSink::deliver
	std::uint64_t deadline_ns = 0;  // CLOCK_MONOTONIC end of the current try
	dns::Query query;               // the client's parse: its ID, question, OPT
	std::uint16_t fwd_id = 0;       // the ID we sent upstream (all tries)
	std::uint16_t first_server = 0; // index of the server of the first try
	std::uint16_t port_index = 0;   // the pool socket of every UDP try (SourcePorts)
	std::uint8_t tries_done = 0;    // UDP tries started
	std::int32_t tcp = -1;          // TCP retry connection, -1 while on UDP
	// Deadline list links (slot indices); InFlightTable internals.
	std::uint32_t prev = 0;
	std::uint32_t next = 0;
	bool linked = false;  // on the deadline list
	bool busy = false;
};

class InFlightTable {
public:
	static constexpr std::uint32_t none = UINT32_MAX;
	// Forwarded IDs are 16 bits: keep at least half of them free so that a
	// random unused ID is found in a couple of draws.
	static constexpr std::size_t max_capacity = 32768;

	explicit InFlightTable(std::size_t capacity);  // 1..max_capacity

	std::size_t capacity() const { return slots_.size(); }
	std::size_t size() const { return slots_.size() - free_.size(); }
	bool full() const { return free_.empty(); }

	bool id_in_use(std::uint16_t id) const { return by_id_[id] != free_id; }
	// Slot waiting for forwarded ID `id`, or none.
	std::uint32_t find_id(std::uint16_t id) const
	{
		return by_id_[id] == free_id ? none : by_id_[id];
	}

	// Takes a free slot for forwarded ID `id` (which must be unused) and
	// resets it; none when the table is full. The slot is on no deadline
	// list until set_deadline().
	std::uint32_t acquire(std::uint16_t id);
	void release(std::uint32_t slot);

	InFlight &operator[](std::uint32_t slot) { return slots_[slot]; }
	const InFlight &operator[](std::uint32_t slot) const { return slots_[slot]; }

	// Sets the slot's deadline and moves it to its place in the list.
	void set_deadline(std::uint32_t slot, std::uint64_t deadline_ns);
	// The slot with the earliest deadline, or none.
	std::uint32_t earliest() const { return head_; }

private:
	static constexpr std::uint16_t free_id = UINT16_MAX;  // capacity < 65535

	void unlink(std::uint32_t slot);

	std::vector<InFlight> slots_;
	std::vector<std::uint32_t> free_;      // stack of free slots
	std::vector<std::uint16_t> by_id_;     // 65536 entries: slot or free_id
	std::uint32_t head_ = none;
	std::uint32_t tail_ = none;
};

}  // namespace xdpdns::daemon
