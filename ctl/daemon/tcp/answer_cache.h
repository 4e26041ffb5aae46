// Ring arena of answer streams already sent, so a retransmitted query gets
// the very same octets. Fixed capacity, allocated once; a new stream simply
// overwrites the oldest ones, and a reference detects that it was overwritten
// (it remembers its position in the never-wrapping 64-bit write order).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace xdpdns::daemon::tcp {

class AnswerCache {
public:
	struct Ref {
		uint64_t pos = 0;     // logical position of the first octet
		uint32_t len = 0;
		bool stored = false;  // false: too large for the arena (or capacity 0)
	};

	explicit AnswerCache(size_t capacity);

	// Copies the concatenation of `stream` (`total` octets) contiguously.
	Ref store(std::span<const std::span<const uint8_t>> stream, size_t total);

	// The stored octets, or nullopt once later stores overwrote them. Valid
	// until the next store().
	std::optional<std::span<const uint8_t>> get(const Ref &ref) const;

	size_t capacity() const { return buf_.size(); }

private:
	std::vector<uint8_t> buf_;
	uint64_t cursor_ = 0;  // logical position of the next write
};

}  // namespace xdpdns::daemon::tcp
