#include "daemon/upstream/inflight_table.h"

namespace xdpdns::daemon {

InFlightTable::InFlightTable(std::size_t capacity)
	: slots_(capacity), by_id_(65536, free_id)
{
	free_.reserve(capacity);
	for (std::size_t i = capacity; i-- > 0;)
		free_.push_back(static_cast<std::uint32_t>(i));
}

std::uint32_t InFlightTable::acquire(std::uint16_t id)
{
	if (free_.empty() || id_in_use(id))
		return none;
	const std::uint32_t slot = free_.back();
	free_.pop_back();
	InFlight &s = slots_[slot];
	s.tag = 0;
	s.deadline_ns = 0;
	s.fwd_id = id;
	s.first_server = 0;
	s.tries_done = 0;
	s.tcp = -1;
	s.busy = true;
	by_id_[id] = static_cast<std::uint16_t>(slot);
	return slot;
}

void InFlightTable::release(std::uint32_t slot)
{
	InFlight &s = slots_[slot];
	if (!s.busy)
		return;
	unlink(slot);
	by_id_[s.fwd_id] = free_id;
	s.busy = false;
	free_.push_back(slot);
}

void InFlightTable::unlink(std::uint32_t slot)
{
	if (!slots_[slot].linked)
		return;
	InFlight &s = slots_[slot];
	if (s.prev != none)
		slots_[s.prev].next = s.next;
	else
		head_ = s.next;
	if (s.next != none)
		slots_[s.next].prev = s.prev;
	else
		tail_ = s.prev;
	s.linked = false;
}

void InFlightTable::set_deadline(std::uint32_t slot, std::uint64_t deadline_ns)
{
	unlink(slot);
	InFlight &s = slots_[slot];
	s.deadline_ns = deadline_ns;
	// Insert after the last slot whose deadline is not later.
	std::uint32_t after = tail_;
	while (after != none && slots_[after].deadline_ns > deadline_ns)
		after = slots_[after].prev;
	s.prev = after;
	s.next = after == none ? head_ : slots_[after].next;
	if (s.prev != none)
		slots_[s.prev].next = slot;
	else
		head_ = slot;
	if (s.next != none)
		slots_[s.next].prev = slot;
	else
		tail_ = slot;
	s.linked = true;
}

}  // namespace xdpdns::daemon
