#include "answer_map.h"

#include <bpf/bpf.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>

namespace xdpdns::daemon::answers {

namespace {

constexpr std::uint32_t kSlot = 0;

std::uint32_t load(const std::uint32_t &field)
{
	return __atomic_load_n(&field, __ATOMIC_RELAXED);
}

}  // namespace

AnswerMap::AnswerMap(int outer_fd, const xdpdns_config *config, std::uint32_t entries)
	: outer_fd_(outer_fd), config_(config), entries_(entries)
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

Result<void> AnswerMap::replace(const Basis &basis)
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
	// The old map is freed by the kernel once no program can be reading it.
	evicted_.fetch_add(count_.exchange(0, std::memory_order_relaxed), std::memory_order_relaxed);
	inner_ = std::move(fresh);
	basis_ = basis;
	full_.store(false, std::memory_order_relaxed);
	return {};
}

Result<void> AnswerMap::set_source(const void *source)
{
	std::unique_lock lock(mu_);
	auto r = replace(live_basis(source));
	if (!r) {
		// Whatever is installed was made from other zones.
		(void)bpf_map_delete_elem(outer_fd_, &kSlot);
		inner_.reset();
	}
	return r;
}

AnswerMap::Insert AnswerMap::insert(const void *source, const xdpdns_answer_key &key, const xdpdns_answer &entry)
{
	std::shared_lock lock(mu_);
	if (!inner_.valid() || source != basis_.source)
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

void AnswerMap::maintain()
{
	Basis want;
	{
		std::shared_lock lock(mu_);
		if (!inner_.valid())
			return;
		want = live_basis(basis_.source);
		if (want == basis_ && !full_.load(std::memory_order_relaxed))
			return;
	}
	std::unique_lock lock(mu_);
	if (!inner_.valid())
		return;
	want = live_basis(basis_.source);
	if (want == basis_ && !full_.load(std::memory_order_relaxed))
		return;  // another worker did it
	const auto now = std::chrono::steady_clock::now();
	if (now < retry_after_)
		return;
	if (auto r = replace(want); !r) {
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
	if (!inner_.valid())
		return;
	if (bpf_map_delete_elem(outer_fd_, &kSlot) && errno != ENOENT)
		spdlog::warn("answer map: cannot empty the pinned answers map: {}", std::strerror(errno));
	inner_.reset();
}

}  // namespace xdpdns::daemon::answers
