#include "daemon/secondary/wire_walk.h"

#include "dns/wire.h"

namespace xdpdns::secondary {

bool read_name(std::span<const std::uint8_t> msg, std::size_t &pos, std::vector<std::uint8_t> *out)
{
	if (out)
		out->clear();
	std::size_t p = pos, total = 0;
	bool jumped = false;
	for (int hops = 0; hops < 128; hops++) {
		if (p >= msg.size())
			return false;
		const std::uint8_t len = msg[p];
		if ((len & 0xc0) == 0xc0) {
			if (p + 1 >= msg.size())
				return false;
			const std::size_t target = ((len & 0x3f) << 8) | msg[p + 1];
			if (target >= p)
				return false;
			if (!jumped)
				pos = p + 2;
			jumped = true;
			p = target;
			continue;
		}
		if (len & 0xc0)
			return false;
		if (p + 1 + len > msg.size() || (total += 1 + len) > dns::max_name_len)
			return false;
		if (out) {
			out->push_back(len);
			for (std::size_t i = 0; i < len; i++)
				out->push_back(dns::ascii_lower(msg[p + 1 + i]));
		}
		p += 1 + len;
		if (len == 0) {
			if (!jumped)
				pos = p;
			return true;
		}
	}
	return false;
}

std::optional<std::vector<std::size_t>> rr_offsets(std::span<const std::uint8_t> msg)
{
	if (msg.size() < dns::header_size)
		return std::nullopt;
	std::size_t pos = dns::header_size;
	for (std::uint16_t i = 0; i < dns::load_be16(msg.data() + dns::hdr::qdcount); i++) {
		if (!read_name(msg, pos, nullptr) || pos + 4 > msg.size())
			return std::nullopt;
		pos += 4;
	}
	const std::size_t rrs = std::size_t{dns::load_be16(msg.data() + dns::hdr::ancount)} +
				dns::load_be16(msg.data() + dns::hdr::nscount) +
				dns::load_be16(msg.data() + dns::hdr::arcount);
	std::vector<std::size_t> out;
	out.reserve(rrs);
	for (std::size_t i = 0; i < rrs; i++) {
		out.push_back(pos);
		if (!read_name(msg, pos, nullptr) || pos + 10 > msg.size())
			return std::nullopt;
		const std::size_t rdlen = dns::load_be16(msg.data() + pos + 8);
		pos += 10 + rdlen;
		if (pos > msg.size())
			return std::nullopt;
	}
	return out;
}

}  // namespace xdpdns::secondary
