#include "commands.h"

#include "common/attach.h"
#include "common/bpffs.h"

#include <charconv>

namespace xdpdns::cli {
namespace {

std::string join(const std::vector<std::string> &v)
{
	std::string s;
	for (const auto &x : v)
		s += (s.empty() ? "" : ", ") + x;
	return s;
}

Result<std::vector<std::string>> attached()
{
	if (auto r = ensure_bpffs(); !r)
		return r.error();
	return pinned_interfaces();
}

}  // namespace

Result<std::string> one_interface(const std::optional<std::string> &iface)
{
	if (iface) {
		if (auto idx = resolve_ifindex(*iface); !idx) {
			// A pinned interface that vanished can still be inspected.
			auto all = attached();
			if (!all || std::find(all->begin(), all->end(), *iface) == all->end())
				return idx.error();
		}
		return *iface;
	}
	auto all = attached();
	if (!all)
		return all.error();
	if (all->empty())
		return Error{ENOENT, "xdpdns is not attached to any interface in this network namespace"};
	if (all->size() > 1)
		return Error{EINVAL, "several interfaces have xdpdns attached (" + join(*all) +
					     "); choose one with --iface"};
	return all->front();
}

Result<PinnedObjects> open_one_interface(const std::optional<std::string> &iface)
{
	auto name = one_interface(iface);
	if (!name)
		return name.error();
	return PinnedObjects::open(*name);
}

Result<std::vector<std::string>> some_interfaces(const std::optional<std::string> &iface)
{
	if (iface) {
		auto one = one_interface(iface);
		if (!one)
			return one.error();
		return std::vector<std::string>{*one};
	}
	auto all = attached();
	if (!all)
		return all.error();
	if (all->empty())
		return Error{ENOENT, "xdpdns is not attached to any interface in this network namespace"};
	return *all;
}

Result<std::uint64_t> parse_uint_arg(const std::string &what, const std::string &text,
				     std::uint64_t min, std::uint64_t max)
{
	std::uint64_t v = 0;
	auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
	if (text.empty() || p != text.data() + text.size() || text[0] == '+' ||
	    (ec != std::errc() && ec != std::errc::result_out_of_range))
		return Error{EINVAL, what + ": '" + text + "' is not a number (" + std::to_string(min) +
					     ".." + std::to_string(max) + ")"};
	if (ec == std::errc::result_out_of_range || v < min || v > max)
		return Error{ERANGE, what + ": " + text + " is out of range " + std::to_string(min) +
					     ".." + std::to_string(max)};
	return v;
}

}  // namespace xdpdns::cli
