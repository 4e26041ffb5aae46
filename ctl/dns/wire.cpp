#include "dns/wire.h"

namespace xdpdns::dns {

NameError parse_uncompressed_name(std::span<const uint8_t> msg, size_t off, size_t &len)
{
	size_t pos = off;
	for (;;) {
		if (pos >= msg.size())
			return NameError::truncated;
		const uint8_t l = msg[pos];
		if ((l & 0xc0) == 0xc0)
			return NameError::pointer;
		if (l > max_label_len)
			return NameError::label_too_long;
		if (pos - off + 1 + l > max_name_len)
			return NameError::name_too_long;
		if (l == 0) {
			len = pos - off + 1;
			return NameError::ok;
		}
		pos += 1 + l;
	}
}

NameError skip_name(std::span<const uint8_t> msg, size_t off, size_t &end)
{
	size_t pos = off;
	size_t total = 0;          // octets of the name as decoded
	bool jumped = false;
	size_t last_pointer = off;  // every pointer must point before the previous one
	for (;;) {
		if (pos >= msg.size())
			return NameError::truncated;
		const uint8_t l = msg[pos];
		if ((l & 0xc0) == 0xc0) {
			if (pos + 1 >= msg.size())
				return NameError::truncated;
			const size_t target = static_cast<size_t>(l & 0x3f) << 8 | msg[pos + 1];
			if (!jumped)
				end = pos + 2;
			if (target >= (jumped ? last_pointer : pos))
				return NameError::pointer_loop;
			last_pointer = target;
			jumped = true;
			pos = target;
			continue;
		}
		if (l > max_label_len)
			return NameError::label_too_long;
		total += 1 + l;
		if (total > max_name_len)
			return NameError::name_too_long;
		if (l == 0) {
			if (!jumped)
				end = pos + 1;
			return NameError::ok;
		}
		pos += 1 + l;
	}
}

void lower_name(std::span<const uint8_t> name, uint8_t *out)
{
	// Length octets are <= 63, so lowercasing them is a no-op: no need to
	// walk the labels.
	for (size_t i = 0; i < name.size(); i++)
		out[i] = ascii_lower(name[i]);
}

bool names_equal_ci(std::span<const uint8_t> a, std::span<const uint8_t> b)
{
	if (a.size() != b.size())
		return false;
	for (size_t i = 0; i < a.size(); i++)
		if (ascii_lower(a[i]) != ascii_lower(b[i]))
			return false;
	return true;
}

size_t name_label_count(std::span<const uint8_t> name)
{
	size_t n = 0;
	for (size_t pos = 0; pos < name.size() && name[pos] != 0; pos += 1 + name[pos])
		n++;
	return n;
}

bool name_is_subdomain(std::span<const uint8_t> name, std::span<const uint8_t> suffix)
{
	if (suffix.size() > name.size())
		return false;
	// The suffix must start on a label boundary of name.
	size_t pos = 0;
	while (name.size() - pos > suffix.size())
		pos += 1 + name[pos];
	if (name.size() - pos != suffix.size())
		return false;
	for (size_t i = 0; i < suffix.size(); i++)
		if (name[pos + i] != suffix[i])
			return false;
	return true;
}

}  // namespace xdpdns::dns
