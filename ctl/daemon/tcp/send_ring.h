// The answer octets of every reused connection of a worker that the client
// has not acknowledged yet, in one ring arena of fixed size (allocated once).
// Each append is a chunk: a small header, then the octets, contiguous. The
// chunks of one connection form a list through their headers, so a
// connection keeps only its first and last chunk positions however many
// answers it has in flight. A new chunk overwrites the oldest octets of the
// arena; a position detects that (it is the chunk's place in the
// never-wrapping 64-bit write order), and a connection whose unacknowledged
// octets were overwritten can no longer retransmit (its owner resets it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace xdpdns::daemon::tcp {

class SendRing {
public:
	static constexpr uint64_t none = UINT64_MAX;

	explicit SendRing(size_t capacity);

	// Appends the concatenation of `parts` (`total` octets, > 0) as a chunk
	// linked after chunk `tail` (none: the first of a list; a tail already
	// overwritten is not linked). Returns its position, or none when the
	// chunk is larger than a quarter of the arena.
	uint64_t append(uint64_t tail, std::span<const std::span<const uint8_t>> parts, size_t total);

	// False once later appends overwrote any part of the chunk at `pos`.
	bool valid(uint64_t pos) const;
	// Of a valid chunk:
	uint32_t length(uint64_t pos) const;
	uint64_t next(uint64_t pos) const;  // none: last of its list
	std::span<const uint8_t> data(uint64_t pos) const;

	size_t capacity() const { return buf_.size(); }
	uint64_t written() const { return cursor_; }

private:
	struct Header {
		uint64_t next;
		uint32_t length;
		uint32_t pad;
	};
	static constexpr size_t kHeader = sizeof(Header);

	Header header(uint64_t pos) const;

	std::vector<uint8_t> buf_;
	uint64_t cursor_ = 0;  // logical position of the next write
};

}  // namespace xdpdns::daemon::tcp
