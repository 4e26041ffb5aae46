// RAII over a bpftool-generated skeleton (after Katran's BpfSkeleton):
// open, adjust what must be set before load (map sizes), load, destroy.
// Maps and programs are reached through the skeleton's named members, never
// looked up by string.
#pragma once

#include "result.h"

#include "xdpdns.skel.h"

#include <bpf/libbpf.h>

#include <cerrno>
#include <string>
#include <utility>

namespace xdpdns {

template <class Skel, Skel *(*OpenFn)(const struct bpf_object_open_opts *), int (*LoadFn)(Skel *),
	  void (*DestroyFn)(Skel *)>
class BpfSkeleton {
public:
	BpfSkeleton() = default;
	BpfSkeleton(const BpfSkeleton &) = delete;
	BpfSkeleton &operator=(const BpfSkeleton &) = delete;
	BpfSkeleton(BpfSkeleton &&o) noexcept : skel_(std::exchange(o.skel_, nullptr)) {}
	BpfSkeleton &operator=(BpfSkeleton &&o) noexcept
	{
		if (this != &o) {
			reset();
			skel_ = std::exchange(o.skel_, nullptr);
		}
		return *this;
	}
	~BpfSkeleton() { reset(); }

	// Parses the embedded object; nothing reaches the kernel yet.
	static Result<BpfSkeleton> open(const char *what)
	{
		BpfSkeleton s;
		s.skel_ = OpenFn(nullptr);
		if (!s.skel_)
			return sys_error(errno ? errno : EINVAL, std::string("open BPF object ") + what);
		return s;
	}

	// Creates the maps and loads (verifies) the programs.
	Result<void> load(const char *what)
	{
		int err = LoadFn(skel_);
		if (err)
			return sys_error(err, std::string("load BPF object ") + what);
		return {};
	}

	Skel *get() const { return skel_; }
	Skel *operator->() const { return skel_; }

	void reset()
	{
		if (skel_)
			DestroyFn(skel_);
		skel_ = nullptr;
	}

private:
	Skel *skel_ = nullptr;
};

using XdpdnsSkeleton = BpfSkeleton<xdpdns_bpf, xdpdns_bpf__open_opts, xdpdns_bpf__load,
				   xdpdns_bpf__destroy>;

// Opens the production object and sizes the pmtu LRU and the RRL table
// (`rrl_buckets`: a power of two, at least XDPDNS_RRL_WAYS) before load.
inline Result<XdpdnsSkeleton> open_xdpdns_skeleton(std::uint32_t pmtu_entries,
						   std::uint32_t rrl_buckets = XDPDNS_RRL_DEFAULT_BUCKETS)
{
	auto s = XdpdnsSkeleton::open("xdpdns");
	if (!s)
		return s.error();
	if (int err = bpf_map__set_max_entries((*s)->maps.pmtu, pmtu_entries))
		return sys_error(err, "set pmtu map size to " + std::to_string(pmtu_entries));
	const std::uint32_t sets = rrl_buckets / XDPDNS_RRL_WAYS;
	if (int err = bpf_map__set_max_entries((*s)->maps.rrl, sets))
		return sys_error(err, "set rrl map size to " + std::to_string(sets) + " sets");
	(*s)->rodata->rrl_set_mask = sets - 1;
	return s;
}

}  // namespace xdpdns
