#include "service_addresses.h"

#include "text_list.h"

#include <algorithm>
#include <cerrno>

namespace xdpdns {

std::vector<Addr16> normalize_addresses(std::vector<Addr16> addrs)
{
	std::sort(addrs.begin(), addrs.end());
	addrs.erase(std::unique(addrs.begin(), addrs.end()), addrs.end());
	return addrs;
}

Result<void> check_address_count(std::span<const Addr16> addrs)
{
	const auto n = normalize_addresses({addrs.begin(), addrs.end()}).size();
	if (n > XDPDNS_MAX_SERVICE_ADDRS)
		return Error{E2BIG, "addresses: " + std::to_string(n) + " given, at most " +
					    std::to_string(XDPDNS_MAX_SERVICE_ADDRS)};
	return {};
}

Result<std::vector<Addr16>> parse_address_list(std::string_view text)
{
	const auto first = text.find_first_not_of(", ");
	const auto last = text.find_last_not_of(", ");
	if (first != std::string_view::npos && text.substr(first, last - first + 1) == kAllAddresses)
		return std::vector<Addr16>{};
	std::vector<Addr16> out;
	for (std::string_view item : split_list(text)) {
		auto a = parse_address(item);
		if (!a)
			return Error{EINVAL, "address: " + a.error().message};
		out.push_back(*a);
	}
	if (out.empty())
		return Error{EINVAL, "addresses: '" + std::string(text) +
					     "' names no address (e.g. 192.0.2.53,2001:db8::53, or all)"};
	if (auto r = check_address_count(out); !r)
		return r.error();
	return normalize_addresses(std::move(out));
}

std::string format_address_list(std::span<const Addr16> addrs)
{
	if (addrs.empty())
		return std::string(kAllAddresses);
	std::string s;
	for (const auto &a : normalize_addresses({addrs.begin(), addrs.end()})) {
		if (!s.empty())
			s += ',';
		s += format_address(a);
	}
	return s;
}

}  // namespace xdpdns
