#include "daemon/atr/scheduler.h"

#include <linux/bpf.h>

#include <bpf/bpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace xdpdns::daemon::atr {

namespace {

constexpr std::size_t kEthernetHeader = 14;
constexpr std::size_t kMaxFrameLimit = 0xffff; // slot lengths are 16-bit

}  // namespace

AtrScheduler::AtrScheduler(int prog_fd, std::uint32_t ifindex, std::size_t capacity, std::size_t max_frame,
			   int stats_fd)
	: prog_fd_(prog_fd), ifindex_(ifindex), capacity_(capacity), max_frame_(max_frame), probe_(stats_fd)
{
	if (capacity_ == 0 || capacity_ > std::numeric_limits<std::uint32_t>::max())
		throw std::invalid_argument("ATR scheduler: capacity " + std::to_string(capacity_) +
					    " is not in 1..2^32-1");
	if (max_frame_ < kEthernetHeader || max_frame_ > kMaxFrameLimit)
		throw std::invalid_argument("ATR scheduler: max frame " + std::to_string(max_frame_) +
					    " is not in 14..65535");
	frames_.assign(capacity_ * max_frame_, 0);
	length_.assign(capacity_, 0);
	rx_queue_.assign(capacity_, 0);
	free_.resize(capacity_);
	// Slot 0 on top of the stack: the first entries use the start of the pool.
	for (std::size_t i = 0; i < capacity_; ++i)
		free_[i] = static_cast<std::uint32_t>(capacity_ - 1 - i);
	heap_.reserve(capacity_);
}

bool AtrScheduler::schedule(std::span<const std::uint8_t> query_frame, std::uint32_t rx_queue,
			    std::uint64_t due_ns)
{
	if (query_frame.empty() || query_frame.size() > max_frame_) {
		++counters_.dropped_too_big;
		return false;
	}
	if (free_.empty()) {
		++counters_.dropped_full;
		return false;
	}
	const std::uint32_t slot = free_.back();
	free_.pop_back();
	std::memcpy(&frames_[slot * max_frame_], query_frame.data(), query_frame.size());
	length_[slot] = static_cast<std::uint16_t>(query_frame.size());
	rx_queue_[slot] = rx_queue;
	heap_.push_back({due_ns, next_seq_++, slot});
	std::push_heap(heap_.begin(), heap_.end(), later);
	++counters_.scheduled;
	return true;
}

std::size_t AtrScheduler::fire_due(std::uint64_t now_ns, std::size_t budget)
{
	std::size_t sent = 0;
	while (budget > 0 && !heap_.empty() && heap_.front().due_ns <= now_ns) {
		std::pop_heap(heap_.begin(), heap_.end(), later);
		const std::uint32_t slot = heap_.back().slot;
		heap_.pop_back();
		if (replay(slot))
			++sent;
		free_.push_back(slot);
		--budget;
	}
	return sent;
}

bool AtrScheduler::replay(std::uint32_t slot)
{
	// The kernel copies the frame into a page of its own before running the
	// program, so the slot is free again as soon as the call returns.
	xdp_md ctx{};
	ctx.data_end = length_[slot];
	ctx.ingress_ifindex = ifindex_;
	ctx.rx_queue_index = rx_queue_[slot];

	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = &frames_[slot * max_frame_],
		    .data_size_in = length_[slot],
		    .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx),
		    .repeat = 1,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
		    .batch_size = 1); // one frame: no page pool larger than needed

	probe_.before();
	if (bpf_prog_test_run_opts(prog_fd_, &opts) != 0) {
		counters_.last_errno = errno;
		++counters_.failed;
		return false;
	}
	switch (probe_.after()) {
	case BadFrameProbe::Outcome::bad_frame:
		++counters_.failed;
		++counters_.bad_frame;
		return false;
	case BadFrameProbe::Outcome::unknown:
		++counters_.unverified;
		break;
	case BadFrameProbe::Outcome::sent:
		break;
	}
	++counters_.sent;
	return true;
}

}  // namespace xdpdns::daemon::atr
