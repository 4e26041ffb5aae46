#include "answer_map.h"

#include <bpf/bpf.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>

namespace xdpdns::daemon::answers {

namespace {

constexpr std::uint32_t kSlot = 0;
constexpr std::chrono::seconds kRetireAfter{1};

std::uint32_t load(const std::uint32_t &field)
{
	return __atomic_load_n(&field, __ATOMIC_RELAXED);
}

// The UDP size in the OPT record that ends `entry` (our OPT is the last
// additional record when the query had one), or 0.
std::uint32_t opt_size(const xdpdns_answer_key &key, const xdpdns_answer &entry)
{
	if ((key.shape & 3) == XDPDNS_SHAPE_NO_EDNS || entry.body_len < 11 || entry.body_len > XDPDNS_ANSWER_BODY_MAX)
		return 0;
	const std::uint8_t *o = entry.body + entry.body_len - 11;
	if (o[0] != 0 || o[1] != 0 || o[2] != 41)
		return 0;
	return std::uint32_t(o[3]) << 8 | o[4];
}

}  // namespace

AnswerMap::AnswerMap(int outer_fd, const xdpdns_config *config, std::uint32_t entries,
		     std::chrono::milliseconds full_gap)
	: outer_fd_(outer_fd), config_(config), entries_(entries), full_gap_(full_gap)
{
	// A daemon before us may have died with its map installed: its answers
	// were made from zones we may not serve.
	if (bpf_map_delete_elem(outer_fd_, &kSlot) && errno != ENOENT)
		spdlog::warn("answer map: cannot empty the pinned answers map: {}", std::strerror(errno));
}

AnswerMap::~AnswerMap() { withdraw(); }

AnswerMap::Basis AnswerMap::live_basis(const void *source) const
{
	Basis b;
	b.source = source;
	if (config_) {
		b.edns_size = load(config_->edns_buffer_size);
		b.flush = load(config_->answers_flush);
	}
	return b;
}

void AnswerMap::retire(Clock::time_point now)
{
	if (!inner_.valid())
		return;
	// Kept open a while: XDP may still be reading the map it just lost.
	retired_ = std::move(inner_);
	retired_at_ = now;
	retired_at_ns_.store(now.time_since_epoch().count(), std::memory_order_relaxed);
	has_retired_.store(true, std::memory_order_release);
}

Result<void> AnswerMap::replace(const Basis &basis, Clock::time_point now)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	const int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "xdpdns_answers", sizeof(xdpdns_answer_key),
				      sizeof(xdpdns_answer), entries_, &opts);
	if (fd < 0)
		return sys_error(errno, "create an answer map of " + std::to_string(entries_) + " entries");
	Fd fresh(fd);
	const int inner = fresh.get();
	if (bpf_map_update_elem(outer_fd_, &kSlot, &inner, BPF_ANY))
		return sys_error(errno, "install the answer map in the pinned answers map");
	evicted_.fetch_add(count_.exchange(0, std::memory_order_relaxed), std::memory_order_relaxed);
	retire(now);
	inner_ = std::move(fresh);
	basis_ = basis;
	basis_edns_.store(basis.edns_size, std::memory_order_relaxed);
	basis_flush_.store(basis.flush, std::memory_order_relaxed);
	installed_.store(true, std::memory_order_release);
	full_.store(false, std::memory_order_relaxed);
	replaced_at_ns_.store(now.time_since_epoch().count(), std::memory_order_relaxed);
	return {};
}

Result<void> AnswerMap::set_source(const void *source)
{
	std::unique_lock lock(mu_);
	const auto now = Clock::now();
	auto r = replace(live_basis(source), now);
	if (!r) {
		// Whatever is installed was made from other zones.
		(void)bpf_map_delete_elem(outer_fd_, &kSlot);
		retire(now);
		installed_.store(false, std::memory_order_release);
	}
	return r;
}

AnswerMap::Insert AnswerMap::insert(const void *source, const xdpdns_answer_key &key, const xdpdns_answer &entry)
{
	std::shared_lock lock(mu_);
	if (!inner_.valid() || source != basis_.source)
		return Insert::stale;
	// Made before an edns.buffer-size change that another worker already
	// replaced the map for: not for this map.
	if ((key.shape & 3) != XDPDNS_SHAPE_NO_EDNS && opt_size(key, entry) != basis_.edns_size)
		return Insert::stale;
	if (count_.load(std::memory_order_relaxed) >= entries_) {
		full_.store(true, std::memory_order_relaxed);
		return Insert::full;
	}
	// Never over an existing element: XDP may be reading it.
	if (bpf_map_update_elem(inner_.get(), &key, &entry, BPF_NOEXIST) == 0) {
		count_.fetch_add(1, std::memory_order_relaxed);
		return Insert::stored;
	}
	if (errno == EEXIST)
		return Insert::present;
	if (errno == E2BIG || errno == ENOMEM) {
		full_.store(true, std::memory_order_relaxed);
		return Insert::full;
	}
	return Insert::failed;
}

bool AnswerMap::needs_replacing(Clock::time_point now) const
{
	if (!installed_.load(std::memory_order_acquire))
		return false;
	if (config_ && (load(config_->edns_buffer_size) != basis_edns_.load(std::memory_order_relaxed) ||
			load(config_->answers_flush) != basis_flush_.load(std::memory_order_relaxed)))
		return true;
	if (!full_.load(std::memory_order_relaxed))
		return false;
	const Clock::time_point replaced{Clock::duration(replaced_at_ns_.load(std::memory_order_relaxed))};
	return now - replaced >= full_gap_;
}

void AnswerMap::maintain()
{
	const auto now = Clock::now();
	const bool close_retired =
		has_retired_.load(std::memory_order_acquire) &&
		now - Clock::time_point(Clock::duration(retired_at_ns_.load(std::memory_order_relaxed))) >= kRetireAfter;
	if (!close_retired && !needs_replacing(now))
		return;
	std::unique_lock lock(mu_);
	if (retired_.valid() && now - retired_at_ >= kRetireAfter) {
		retired_.reset();
		has_retired_.store(false, std::memory_order_release);
	}
	if (!needs_replacing(now) || now < retry_after_)
		return;  // another worker did it, or wait before trying again
	if (auto r = replace(live_basis(basis_.source), now); !r) {
		// Answers of the old basis must not be given: empty the slot.
		spdlog::warn("answer map: {}; no in-kernel answers until it works (retried every second)",
			     r.error().message);
		(void)bpf_map_delete_elem(outer_fd_, &kSlot);
		retry_after_ = now + std::chrono::seconds(1);
	}
}

void AnswerMap::withdraw()
{
	std::unique_lock lock(mu_);
	installed_.store(false, std::memory_order_release);
	if (!inner_.valid() && !retired_.valid())
		return;
	if (bpf_map_delete_elem(outer_fd_, &kSlot) && errno != ENOENT)
		spdlog::warn("answer map: cannot empty the pinned answers map: {}", std::strerror(errno));
	// Readers in flight finish within a grace period (see retire()).
	std::this_thread::sleep_for(std::chrono::milliseconds(100));
	inner_.reset();
	retired_.reset();
	has_retired_.store(false, std::memory_order_release);
}

}  // namespace xdpdns::daemon::answers
