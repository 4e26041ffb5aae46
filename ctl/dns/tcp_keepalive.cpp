#include "dns/tcp_keepalive.h"

#include "dns/wire.h"

namespace xdpdns::dns {

size_t append_tcp_keepalive(std::span<uint8_t> buf, size_t len, uint16_t timeout_100ms)
{
	if (len < header_size || len > buf.size() || buf.size() - len < 6)
		return len;
	const std::span<const uint8_t> msg = buf.first(len);
	const uint32_t total = uint32_t{load_be16(msg.data() + hdr::qdcount)} + load_be16(msg.data() + hdr::ancount) +
			       load_be16(msg.data() + hdr::nscount) + load_be16(msg.data() + hdr::arcount);
	const uint16_t qd = load_be16(msg.data() + hdr::qdcount);
	size_t pos = header_size, rdlen_at = 0;
	bool last_is_opt = false;
	for (uint32_t i = 0; i < total; i++) {
		size_t end = 0;
		if (skip_name(msg, pos, end) != NameError::ok)
			return len;
		if (i < qd) {  // question: name, type, class
			if (end + 4 > len)
				return len;
			pos = end + 4;
			continue;
		}
		if (end + 10 > len)
			return len;
		const size_t rdata = end + 10 + load_be16(msg.data() + end + 8);
		if (rdata > len)
			return len;
		last_is_opt = load_be16(msg.data() + end) == rrtype::opt;
		rdlen_at = end + 8;
		pos = rdata;
	}
	if (!last_is_opt || pos != len)
		return len;
	const uint16_t rdlen = load_be16(msg.data() + rdlen_at) + 6;
	buf[rdlen_at] = static_cast<uint8_t>(rdlen >> 8);
	buf[rdlen_at + 1] = static_cast<uint8_t>(rdlen);
	const uint8_t opt[6] = {0, edns_option::tcp_keepalive, 0, 2, static_cast<uint8_t>(timeout_100ms >> 8),
				static_cast<uint8_t>(timeout_100ms)};
	for (size_t i = 0; i < 6; i++)
		buf[len + i] = opt[i];
	return len + 6;
}

}  // namespace xdpdns::dns
