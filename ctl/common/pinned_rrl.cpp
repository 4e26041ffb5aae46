// The pinned RRL maps: the exempt list (an LPM trie, edited like the ATR
// allow-list) and the bucket table the daemon's workers mmap.
#include "pinned.h"

#include "bpffs.h"
#include "lpm_list.h"

#include <bpf/bpf.h>

#include <cerrno>

namespace xdpdns {

Result<std::vector<Prefix>> PinnedObjects::rrl_exempt_list() const
{
	return lpm_prefixes(rrl_exempt_fd_.get(), pin_path(dir_, "rrl_exempt"));
}

Result<void> PinnedObjects::set_rrl_exempt_active()
{
	auto any = lpm_any(rrl_exempt_fd_.get(), pin_path(dir_, "rrl_exempt"));
	if (!any)
		return any.error();
	__atomic_store_n(&config_.as<xdpdns_config>()->rrl_exempt_active, *any ? 1u : 0u, __ATOMIC_RELEASE);
	return {};
}

Result<void> PinnedObjects::rrl_exempt_add(const Prefix &p)
{
	auto lock = DirLock::take(dir_);
	if (!lock)
		return lock.error();
	xdpdns_lpm_key k = to_lpm_key(p);
	const __u8 one = 1;
	if (bpf_map_update_elem(rrl_exempt_fd_.get(), &k, &one, BPF_NOEXIST)) {
		if (errno == EEXIST)
			return Error{EEXIST, "rrl exempt: " + format_prefix(p) + " is already in the exempt list"};
		return sys_error(errno, "add " + format_prefix(p) + " to " + pin_path(dir_, "rrl_exempt"));
	}
	return set_rrl_exempt_active();
}

Result<void> PinnedObjects::rrl_exempt_del(const Prefix &p)
{
	auto lock = DirLock::take(dir_);
	if (!lock)
		return lock.error();
	xdpdns_lpm_key k = to_lpm_key(p);
	if (bpf_map_delete_elem(rrl_exempt_fd_.get(), &k)) {
		if (errno == ENOENT)
			return Error{ENOENT, "rrl exempt: " + format_prefix(p) + " is not in the exempt list"};
		return sys_error(errno, "delete " + format_prefix(p) + " from " + pin_path(dir_, "rrl_exempt"));
	}
	return set_rrl_exempt_active();
}

Result<std::uint32_t> PinnedObjects::rrl_set_count() const
{
	bpf_map_info info{};
	__u32 len = sizeof(info);
	if (int err = bpf_obj_get_info_by_fd(rrl_fd_.get(), &info, &len))
		return sys_error(err, "inspect map " + pin_path(dir_, "rrl"));
	if (info.value_size != sizeof(xdpdns_rrl_set))
		return Error{EPROTO, "map " + pin_path(dir_, "rrl") + " has values of " +
					     std::to_string(info.value_size) + " bytes, this build expects " +
					     std::to_string(sizeof(xdpdns_rrl_set))};
	return info.max_entries;
}

Result<MapMmap> PinnedObjects::map_rrl() const
{
	auto sets = rrl_set_count();
	if (!sets)
		return sets.error();
	return MapMmap::map(rrl_fd_.get(), std::size_t(*sets) * sizeof(xdpdns_rrl_set), true, pin_path(dir_, "rrl"));
}

}  // namespace xdpdns
