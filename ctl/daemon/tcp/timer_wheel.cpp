#include "daemon/tcp/timer_wheel.h"

#include <stdexcept>

namespace xdpdns::daemon::tcp {

TimerWheel::TimerWheel(size_t capacity, uint64_t tick_ns, size_t slots)
	: nodes_(capacity), heads_(slots, npos), tick_ns_(tick_ns), mask_(slots - 1)
{
	if (tick_ns == 0 || slots == 0 || (slots & (slots - 1)) != 0)
		throw std::invalid_argument("timer wheel: tick must be positive and slots a power of two");
}

void TimerWheel::unlink(uint32_t id)
{
	Node &n = nodes_[id];
	if (n.prev != npos)
		nodes_[n.prev].next = n.next;
	else
		heads_[n.slot] = n.next;
	if (n.next != npos)
		nodes_[n.next].prev = n.prev;
	n.prev = n.next = npos;
	n.armed = false;
	armed_--;
}

void TimerWheel::schedule(uint32_t id, uint64_t deadline_ns)
{
	if (nodes_[id].armed)
		unlink(id);
	Node &n = nodes_[id];
	uint64_t tick = deadline_ns / tick_ns_;
	if (!started_) {
		// The first walk starts here: nothing armed lies before it.
		started_ = true;
		current_tick_ = tick;
	}
	if (tick < current_tick_)
		tick = current_tick_;  // already due: the next walk takes it
	n.deadline = deadline_ns;
	n.slot = static_cast<uint32_t>(tick & mask_);
	n.prev = npos;
	n.next = heads_[n.slot];
	if (n.next != npos)
		nodes_[n.next].prev = id;
	heads_[n.slot] = id;
	n.armed = true;
	armed_++;
}

void TimerWheel::cancel(uint32_t id)
{
	if (nodes_[id].armed)
		unlink(id);
}

size_t TimerWheel::expire(uint64_t now_ns, uint32_t *out, size_t max)
{
	const uint64_t now_tick = now_ns / tick_ns_;
	if (!started_) {
		started_ = true;
		current_tick_ = now_tick;
	}
	size_t n = 0;
	// Walk every tick up to now, at most one whole turn (beyond that every
	// slot has been seen once).
	uint64_t last = now_tick;
	if (last < current_tick_)
		last = current_tick_;  // the clock did not move on: this tick again
	if (last - current_tick_ > mask_)
		current_tick_ = last - mask_;
	while (current_tick_ <= last) {
		uint32_t id = heads_[current_tick_ & mask_];
		while (id != npos) {
			const uint32_t next = nodes_[id].next;
			if (nodes_[id].deadline <= now_ns) {
				if (n == max)
					return n;  // the rest of this tick stays for the next call
				unlink(id);
				out[n++] = id;
			}
			id = next;
		}
		if (current_tick_ == last)
			break;
		current_tick_++;
	}
	return n;
}

uint64_t TimerWheel::next_check_ns() const
{
	if (armed_ == 0)
		return UINT64_MAX;
	return (current_tick_ + 1) * tick_ns_;
}

}  // namespace xdpdns::daemon::tcp
