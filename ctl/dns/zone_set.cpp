#include "dns/zone_set.h"

namespace xdpdns::dns {

Result<std::shared_ptr<const ZoneSet>> ZoneSet::build(std::vector<std::shared_ptr<const Zone>> zones,
						     std::vector<std::vector<uint8_t>> unavailable)
{
	auto set = std::make_shared<ZoneSet>();
	set->unavailable_.reserve(unavailable.size());  // the keys view these strings: no reallocation
	for (const auto &origin : unavailable) {
		set->unavailable_.emplace_back(as_key(origin));
		if (!set->by_origin_.emplace(set->unavailable_.back(), nullptr).second)
			return Error{EEXIST, "zone " + name_to_text(origin) + " is loaded twice"};
	}
	for (auto &z : zones) {
		// The key views the zone's own origin string, which lives as long as the set.
		const auto origin = as_key(z->origin());
		if (!set->by_origin_.emplace(origin, z.get()).second)
			return Error{EEXIST, "zone " + name_to_text(z->origin()) + " is loaded twice"};
		set->zones_.push_back(std::move(z));
	}
	return std::shared_ptr<const ZoneSet>(std::move(set));
}

const Zone *ZoneSet::find(std::span<const uint8_t> lower_name, bool *unavailable) const
{
	if (unavailable)
		*unavailable = false;
	if (by_origin_.empty())
		return nullptr;
	// Longest suffix first: the name itself, then drop one label at a time.
	size_t pos = 0;
	for (;;) {
		const auto it = by_origin_.find(as_key(lower_name.subspan(pos)));
		if (it != by_origin_.end()) {
			if (!it->second && unavailable)
				*unavailable = true;
			return it->second;
		}
		if (pos >= lower_name.size() || lower_name[pos] == 0)
			return nullptr;
		pos += 1 + lower_name[pos];
		if (pos >= lower_name.size())
			return nullptr;
	}
}

}  // namespace xdpdns::dns
