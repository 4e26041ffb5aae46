#include "daemon/tcp/send_ring.h"

#include <cstring>
#include <stdexcept>

namespace xdpdns::daemon::tcp {

SendRing::SendRing(size_t capacity) : buf_(capacity)
{
	if (capacity < 4 * kHeader)
		throw std::invalid_argument("send ring: capacity too small");
}

SendRing::Header SendRing::header(uint64_t pos) const
{
	Header h;
	std::memcpy(&h, buf_.data() + pos % buf_.size(), sizeof(h));
	return h;
}

uint64_t SendRing::append(uint64_t tail, std::span<const std::span<const uint8_t>> parts, size_t total)
{
	const size_t cap = buf_.size();
	const size_t need = (kHeader + total + 7) & ~size_t{7};  // headers stay 8-aligned
	if (total == 0 || need > cap / 4)
		return none;
	// Keep every chunk contiguous: skip the arena's tail if it would wrap.
	size_t off = cursor_ % cap;
	if (off + need > cap) {
		cursor_ += cap - off;
		off = 0;
	}
	const uint64_t pos = cursor_;
	cursor_ += need;
	// Link before writing: the tail may lie in the octets about to be
	// overwritten, and then it must not be linked at all.
	const bool link = tail != none && valid(tail);
	const Header h{none, static_cast<uint32_t>(total), 0};
	std::memcpy(buf_.data() + off, &h, sizeof(h));
	size_t at = off + kHeader;
	for (auto part : parts) {
		if (!part.empty())
			std::memcpy(buf_.data() + at, part.data(), part.size());
		at += part.size();
	}
	if (link) {
		Header t = header(tail);
		t.next = pos;
		std::memcpy(buf_.data() + tail % cap, &t, sizeof(t));
	}
	return pos;
}

bool SendRing::valid(uint64_t pos) const
{
	// Octets at logical p are overwritten once cursor_ > p + capacity; a
	// chunk was written whole before cursor_ moved past it.
	return pos != none && pos < cursor_ && cursor_ - pos <= buf_.size();
}

uint32_t SendRing::length(uint64_t pos) const { return header(pos).length; }

uint64_t SendRing::next(uint64_t pos) const { return header(pos).next; }

std::span<const uint8_t> SendRing::data(uint64_t pos) const
{
	return {buf_.data() + pos % buf_.size() + kHeader, header(pos).length};
}

}  // namespace xdpdns::daemon::tcp
