// Which questions a worker answered before: an answer is stored for XDP
// only when its question comes a second time, so a flood of random names
// (each asked once) costs no map insert and evicts nothing. A fixed table
// of hash tags; a collision at worst delays or hastens one store.
#pragma once

#include <xdpdns/abi.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

namespace xdpdns::daemon::answers {

class SeenFilter {
public:
	SeenFilter() : tags_(std::make_unique<std::uint32_t[]>(kSlots)) {}

	// True when `key` was offered before (and its slot not taken since).
	bool seen_before(const xdpdns_answer_key &key)
	{
		const std::uint64_t h =
			std::hash<std::string_view>{}({reinterpret_cast<const char *>(&key), sizeof(key)});
		const std::uint32_t tag = static_cast<std::uint32_t>(h >> 32) | 1;
		std::uint32_t &slot = tags_[h & (kSlots - 1)];
		if (slot == tag)
			return true;
		slot = tag;
		return false;
	}

private:
	static constexpr std::size_t kSlots = 1 << 14;  // 64 KiB
	std::unique_ptr<std::uint32_t[]> tags_;
};

}  // namespace xdpdns::daemon::answers
