// A 64-bit hash of an answer stream, so a retransmitted query whose cached
// answer was overwritten can be answered again only if the new answer is
// byte-for-byte the old one. It guards against accidental differences (a
// backend that rotates records or ages TTLs), not against an adversary who
// controls both answers; the answer length is compared as well.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace xdpdns::daemon::tcp {

// Incremental form: the hash of the concatenation of everything added, so
// any split of the same octets gives the same value. Reads 8 octets a step.
class StreamHasher {
public:
	void add(std::span<const uint8_t> bytes);
	uint64_t finish() const;
	uint64_t length() const { return total_; }

private:
	void mix(uint64_t word);

	uint64_t h_ = 0x6a09e667f3bcc908ULL;
	uint64_t total_ = 0;
	uint64_t tail_ = 0;     // octets of an unfinished word, little-endian
	unsigned tail_len_ = 0; // how many (0..7)
};

// Hash of the concatenation of `stream`'s spans.
uint64_t stream_hash(std::span<const std::span<const uint8_t>> stream);

}  // namespace xdpdns::daemon::tcp
