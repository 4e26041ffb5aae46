#include "dns/query.h"

#include <cstring>

namespace xdpdns::dns {

namespace {

// Reads the question at offset 12 into q. Returns false on any error.
bool parse_question(std::span<const uint8_t> msg, Query &q)
{
	size_t len = 0;
	if (parse_uncompressed_name(msg, header_size, len) != NameError::ok)
		return false;
	const size_t fixed = header_size + len;
	if (fixed + 4 > msg.size())
		return false;
	std::memcpy(q.qname.data(), msg.data() + header_size, len);
	lower_name({q.qname.data(), len}, q.qname_lower.data());
	q.qname_len = static_cast<uint8_t>(len);
	q.qtype = load_be16(msg.data() + fixed);
	q.qclass = load_be16(msg.data() + fixed + 2);
	q.question_end = static_cast<uint16_t>(fixed + 4);
	q.has_question = true;
	return true;
}

// EDNS options are TLVs that must fill the RDATA exactly (RFC 6891 6.1.2).
// Notes edns-tcp-keepalive (RFC 7828) and the first COOKIE (RFC 7873) on
// the way.
bool options_well_formed(const uint8_t *rdata, size_t rdlen, Query &q)
{
	size_t pos = 0;
	bool seen_cookie = false;
	while (pos < rdlen) {
		if (rdlen - pos < 4)
			return false;
		const size_t optlen = load_be16(rdata + pos + 2);
		if (rdlen - pos - 4 < optlen)
			return false;
		const uint16_t code = load_be16(rdata + pos);
		if (code == edns_option::tcp_keepalive)
			q.tcp_keepalive = true;
		if (code == edns_option::cookie && !seen_cookie) {
			seen_cookie = true;
			const bool ok = optlen == client_cookie_len ||
					(optlen >= client_cookie_len + 8 && optlen <= max_cookie_len);
			if (ok) {
				std::memcpy(q.cookie.data(), rdata + pos + 4, optlen);
				q.cookie_len = static_cast<uint8_t>(optlen);
			} else {
				q.cookie_malformed = true;
			}
		}
		pos += 4 + optlen;
	}
	return true;
}

// Walks the answer, authority and additional sections from q.question_end.
// Fills the EDNS fields of q when an OPT is found. False if malformed.
bool parse_sections(std::span<const uint8_t> msg, Query &q)
{
	const uint16_t an = load_be16(msg.data() + hdr::ancount);
	const uint16_t ns = load_be16(msg.data() + hdr::nscount);
	const uint16_t ar = load_be16(msg.data() + hdr::arcount);
	const uint32_t total = uint32_t{an} + ns + ar;
	size_t pos = q.question_end;
	bool seen_opt = false;
	for (uint32_t i = 0; i < total; i++) {
		const size_t owner = pos;
		size_t end = 0;
		if (skip_name(msg, pos, end) != NameError::ok)
			return false;
		if (end + 10 > msg.size())
			return false;
		const uint16_t type = load_be16(msg.data() + end);
		const uint16_t rdlen = load_be16(msg.data() + end + 8);
		const size_t rdata = end + 10;
		if (rdata + rdlen > msg.size())
			return false;
		if (type == rrtype::opt) {
			const bool additional = i >= uint32_t{an} + ns;
			if (!additional || seen_opt || end != owner + 1 || msg[owner] != 0)
				return false;
			if (!options_well_formed(msg.data() + rdata, rdlen, q))
				return false;
			q.edns_options = rdlen != 0;
			seen_opt = true;
			const uint16_t size = load_be16(msg.data() + end + 2);
			q.udp_size = size < min_udp_size ? min_udp_size : size;
			q.edns_version = msg[end + 5];
			q.do_bit = load_be16(msg.data() + end + 6) & edns_do;
		}
		pos = rdata + rdlen;
	}
	q.has_opt = seen_opt;
	return true;
}

void reset_edns(Query &q)
{
	q.has_opt = false;
	q.udp_size = min_udp_size;
	q.edns_version = 0;
	q.do_bit = false;
	q.tcp_keepalive = false;
	q.edns_options = false;
	q.cookie_len = 0;
	q.cookie_malformed = false;
	q.reply_cookie_len = 0;
}

}  // namespace

ParseResult parse_query(std::span<const uint8_t> msg, Query &q)
{
	q.has_question = false;
	q.qname_len = 0;
	q.qtype = 0;
	q.qclass = 0;
	q.question_end = header_size;
	reset_edns(q);

	if (msg.size() < header_size)
		return ParseResult::drop;
	q.id = load_be16(msg.data() + hdr::id);
	q.flags = load_be16(msg.data() + hdr::flags);
	q.opcode = flags_opcode(q.flags);
	if (q.flags & flag::qr)
		return ParseResult::drop;

	const bool question_ok =
		load_be16(msg.data() + hdr::qdcount) == 1 && parse_question(msg, q);
	const bool sections_ok = question_ok && parse_sections(msg, q);
	if (!sections_ok)
		reset_edns(q);

	if (q.opcode != opcode::query)
		return ParseResult::notimp;
	if (!sections_ok)
		return ParseResult::formerr;
	if (q.has_opt && q.edns_version > 0)
		return ParseResult::badvers;
	return ParseResult::ok;
}

}  // namespace xdpdns::dns
