#include "lpm_list.h"

#include <bpf/bpf.h>

#include <cerrno>

namespace xdpdns {

Result<std::vector<Prefix>> lpm_prefixes(int map_fd, const std::string &path)
{
	std::vector<Prefix> out;
	xdpdns_lpm_key key, next;
	const void *prev = nullptr;
	while (bpf_map_get_next_key(map_fd, prev, &next) == 0) {
		out.push_back(from_lpm_key(next));
		key = next;
		prev = &key;
	}
	if (errno != ENOENT)
		return sys_error(errno, "walk " + path);
	return out;
}

Result<bool> lpm_any(int map_fd, const std::string &path)
{
	xdpdns_lpm_key first;
	if (bpf_map_get_next_key(map_fd, nullptr, &first) == 0)
		return true;
	if (errno != ENOENT)
		return sys_error(errno, "walk " + path);
	return false;
}

}  // namespace xdpdns
