#include "daemon/tcp/answer_cache.h"

#include <cstring>

namespace xdpdns::daemon::tcp {

AnswerCache::AnswerCache(size_t capacity) : buf_(capacity) {}

AnswerCache::Ref AnswerCache::store(std::span<const std::span<const uint8_t>> stream, size_t total)
{
	const size_t cap = buf_.size();
	Ref ref;

	if (cap == 0 || total > cap || total > UINT32_MAX)
		return ref;
	// Keep every stream contiguous: skip the arena's tail if it would wrap.
	// Skipped octets count as written, which only makes get() stricter.
	size_t off = cursor_ % cap;
	if (off + total > cap) {
		cursor_ += cap - off;
		off = 0;
	}
	ref.pos = cursor_;
	ref.len = static_cast<uint32_t>(total);
	ref.stored = true;
	for (auto part : stream) {
		if (!part.empty())
			std::memcpy(buf_.data() + off, part.data(), part.size());
		off += part.size();
	}
	cursor_ += total;
	return ref;
}

std::optional<std::span<const uint8_t>> AnswerCache::get(const Ref &ref) const
{
	// Octets at logical p are overwritten once anything at p + capacity or
	// beyond was written, i.e. once cursor_ > p + capacity.
	if (!ref.stored || cursor_ - ref.pos > buf_.size())
		return std::nullopt;
	if (ref.len == 0)
		return std::span<const uint8_t>{};
	return std::span<const uint8_t>(buf_.data() + ref.pos % buf_.size(), ref.len);
}

}  // namespace xdpdns::daemon::tcp
