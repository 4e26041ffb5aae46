// Bounded DNS message writer over a caller's buffer, with name compression.
// Used by the response writers and the zone backend; never allocates.
//
// Compression: every label start of a name written with add_targets=true (the
// question, owner names, compressible RDATA names) is remembered in a fixed
// table (offset, labels left, octets left). To write a name, its suffixes are
// tried longest first and the first remembered position holding an equal name
// (case-insensitive, pointers followed) wins. The choice depends only on what
// was written before, so the output is deterministic. When the table is full,
// names are still written correctly, just less compressed.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "dns/wire.h"

namespace xdpdns::dns {

class MessageWriter {
public:
	explicit MessageWriter(std::span<uint8_t> out);

	size_t size() const { return len_; }
	size_t capacity() const { return cap_; }
	size_t room() const { return len_ < cap_ ? cap_ - len_ : 0; }
	uint8_t *data() { return buf_; }
	bool failed() const { return failed_; }

	// Keeps n octets at the end of the buffer free (e.g. for the OPT record
	// written last); release_tail() gives them back.
	void reserve_tail(size_t n) { cap_ = full_cap_ >= n ? full_cap_ - n : 0; }
	void release_tail() { cap_ = full_cap_; }

	// All put_* functions write nothing and set failed() when out of room.
	void put_u8(uint8_t v);
	void put_u16(uint16_t v);
	void put_u32(uint32_t v);
	void put_bytes(std::span<const uint8_t> b);
	void patch_u16(size_t off, uint16_t v);

	// Writes an uncompressed wire name, compressed against earlier names
	// when compress is true. Positions of the literal labels become
	// compression targets when add_targets is true.
	void put_name(std::span<const uint8_t> name, bool compress = true, bool add_targets = true);

	// Remembers the name written (uncompressed) at off as a target, e.g. the
	// question copied verbatim.
	void add_name_targets(size_t off, std::span<const uint8_t> name);

	// Roll back to an earlier state (e.g. an RRset that does not fit).
	struct Mark {
		size_t len;
		size_t targets;
	};
	Mark mark() const { return {len_, ntargets_}; }
	void rewind(Mark m);

	// Does the name written at msg offset `at` (possibly compressed) equal
	// `name` (uncompressed)? Case-insensitive.
	bool name_at_equals(size_t at, std::span<const uint8_t> name) const;

private:
	struct Target {
		uint16_t off;
		uint8_t labels;  // labels from off to the end, root excluded
		uint8_t octets;  // wire octets from off to the end, root included
	};
	static constexpr size_t max_targets = 192;

	uint8_t *buf_;
	size_t full_cap_;
	size_t cap_;
	size_t len_ = 0;
	bool failed_ = false;
	std::array<Target, max_targets> targets_;
	size_t ntargets_ = 0;

	bool reserve(size_t n);
	void remember(size_t off, size_t labels, size_t octets);
	// Offset of a target equal to the suffix, or -1.
	long find_suffix(std::span<const uint8_t> suffix, size_t labels) const;
};

}  // namespace xdpdns::dns
