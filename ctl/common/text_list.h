// Lists typed by operators on a command line or in a knob value: items
// separated by commas and/or spaces ("53,5353", "192.0.2.1, 2001:db8::1").
#pragma once

#include <string_view>
#include <vector>

namespace xdpdns {

// The non-empty items of `text`, views into it, in order.
inline std::vector<std::string_view> split_list(std::string_view text)
{
	std::vector<std::string_view> items;
	std::size_t i = 0;
	while (i <= text.size()) {
		std::size_t j = text.find_first_of(", ", i);
		if (j == std::string_view::npos)
			j = text.size();
		if (j > i)
			items.push_back(text.substr(i, j - i));
		i = j + 1;
	}
	return items;
}

}  // namespace xdpdns
