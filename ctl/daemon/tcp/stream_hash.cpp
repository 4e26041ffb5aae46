// Word-at-a-time mixing in the manner of MurmurHash3's 64-bit lane, with its
// fmix64 finaliser and the total length folded in (so zero padding of the
// last word cannot make "ab" and "ab\0" equal).
#include "daemon/tcp/stream_hash.h"

namespace xdpdns::daemon::tcp {
namespace {

constexpr uint64_t kC1 = 0x87c37b91114253d5ULL;
constexpr uint64_t kC2 = 0x4cf5ad432745937fULL;

constexpr uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

uint64_t load_le64(const uint8_t *p)
{
	uint64_t w = 0;
	for (int i = 7; i >= 0; i--)
		w = w << 8 | p[i];
	return w;
}

}  // namespace

void StreamHasher::mix(uint64_t word)
{
	word *= kC1;
	word = rotl(word, 31);
	word *= kC2;
	h_ ^= word;
	h_ = rotl(h_, 27) * 5 + 0x52dce729;
}

void StreamHasher::add(std::span<const uint8_t> bytes)
{
	size_t i = 0;

	total_ += bytes.size();
	while (tail_len_ != 0 && i < bytes.size()) {
		tail_ |= static_cast<uint64_t>(bytes[i++]) << (8 * tail_len_);
		if (++tail_len_ == 8) {
			mix(tail_);
			tail_ = 0;
			tail_len_ = 0;
		}
	}
	for (; bytes.size() - i >= 8; i += 8)
		mix(load_le64(bytes.data() + i));
	for (; i < bytes.size(); i++)
		tail_ |= static_cast<uint64_t>(bytes[i]) << (8 * tail_len_++);
}

uint64_t StreamHasher::finish() const
{
	uint64_t h = h_;

	if (tail_len_ != 0) {
		uint64_t k = tail_ * kC1;
		k = rotl(k, 31) * kC2;
		h ^= k;
	}
	h ^= total_;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

uint64_t stream_hash(std::span<const std::span<const uint8_t>> stream)
{
	StreamHasher hasher;
	for (auto part : stream)
		hasher.add(part);
	return hasher.finish();
}

}  // namespace xdpdns::daemon::tcp
