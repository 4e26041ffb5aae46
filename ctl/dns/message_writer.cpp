#include "dns/message_writer.h"

#include <cstring>

namespace xdpdns::dns {

namespace {
constexpr size_t max_pointer_target = 0x3fff;
}

MessageWriter::MessageWriter(std::span<uint8_t> out)
	: buf_(out.data()), full_cap_(out.size() > max_message ? max_message : out.size()), cap_(full_cap_)
{
}

bool MessageWriter::reserve(size_t n)
{
	if (failed_ || len_ > cap_ || cap_ - len_ < n) {
		failed_ = true;
		return false;
	}
	return true;
}

void MessageWriter::put_u8(uint8_t v)
{
	if (reserve(1))
		buf_[len_++] = v;
}

void MessageWriter::put_u16(uint16_t v)
{
	if (reserve(2)) {
		store_be16(buf_ + len_, v);
		len_ += 2;
	}
}

void MessageWriter::put_u32(uint32_t v)
{
	if (reserve(4)) {
		store_be32(buf_ + len_, v);
		len_ += 4;
	}
}

void MessageWriter::put_bytes(std::span<const uint8_t> b)
{
	if (reserve(b.size())) {
		if (!b.empty())
			std::memcpy(buf_ + len_, b.data(), b.size());
		len_ += b.size();
	}
}

void MessageWriter::patch_u16(size_t off, uint16_t v)
{
	if (off + 2 <= len_)
		store_be16(buf_ + off, v);
}

void MessageWriter::rewind(Mark m)
{
	len_ = m.len;
	ntargets_ = m.targets;
	failed_ = false;
}

void MessageWriter::remember(size_t off, size_t labels, size_t octets)
{
	if (off > max_pointer_target || ntargets_ == max_targets || labels == 0)
		return;
	targets_[ntargets_++] = {static_cast<uint16_t>(off), static_cast<uint8_t>(labels),
				 static_cast<uint8_t>(octets)};
}

void MessageWriter::add_name_targets(size_t off, std::span<const uint8_t> name)
{
	size_t labels = name_label_count(name);
	for (size_t pos = 0; pos < name.size() && name[pos] != 0; pos += 1 + name[pos])
		remember(off + pos, labels--, name.size() - pos);
}

bool MessageWriter::name_at_equals(size_t at, std::span<const uint8_t> name) const
{
	size_t npos = 0;
	// Pointers we wrote always point backwards; the hop bound is a guard.
	for (size_t hops = 0; hops <= max_labels;) {
		if (at >= len_ || npos >= name.size())
			return false;
		const uint8_t b = buf_[at];
		if ((b & 0xc0) == 0xc0) {
			if (at + 1 >= len_)
				return false;
			const size_t target = static_cast<size_t>(b & 0x3f) << 8 | buf_[at + 1];
			if (target >= at)
				return false;
			at = target;
			hops++;
			continue;
		}
		if (b != name[npos])
			return false;
		if (b == 0)
			return true;
		if (at + 1 + b > len_ || npos + 1 + b > name.size())
			return false;
		for (size_t i = 1; i <= b; i++)
			if (ascii_lower(buf_[at + i]) != ascii_lower(name[npos + i]))
				return false;
		at += 1 + b;
		npos += 1 + b;
	}
	return false;
}

long MessageWriter::find_suffix(std::span<const uint8_t> suffix, size_t labels) const
{
	for (size_t i = 0; i < ntargets_; i++) {
		const Target &t = targets_[i];
		if (t.labels == labels && t.octets == suffix.size() && name_at_equals(t.off, suffix))
			return t.off;
	}
	return -1;
}

void MessageWriter::put_name(std::span<const uint8_t> name, bool compress, bool add_targets)
{
	std::array<uint8_t, max_labels> starts;  // label start offsets within name
	size_t k = 0;
	for (size_t pos = 0; pos < name.size() && name[pos] != 0 && k < max_labels; pos += 1 + name[pos])
		starts[k++] = static_cast<uint8_t>(pos);

	size_t literal = name.size();  // octets written verbatim
	long pointer = -1;
	if (compress) {
		for (size_t i = 0; i < k; i++) {
			pointer = find_suffix(name.subspan(starts[i]), k - i);
			if (pointer >= 0) {
				literal = starts[i];
				break;
			}
		}
	}
	const size_t need = literal + (pointer >= 0 ? 2 : 0);
	if (!reserve(need))
		return;
	const size_t at = len_;
	std::memcpy(buf_ + len_, name.data(), literal);
	len_ += literal;
	if (pointer >= 0) {
		store_be16(buf_ + len_, static_cast<uint16_t>(0xc000 | pointer));
		len_ += 2;
	}
	if (add_targets)
		for (size_t i = 0; i < k && starts[i] < literal; i++)
			remember(at + starts[i], k - i, name.size() - starts[i]);
}

}  // namespace xdpdns::dns
