#include "dns/upstream_codec.h"

#include <algorithm>
#include <cstring>

#include "dns/message_writer.h"
#include "dns/response.h"

namespace xdpdns::dns {

size_t write_forward_query(const Query &q, uint16_t new_id, std::span<uint8_t> out,
			   uint16_t upstream_size)
{
	if (!q.has_question)
		return 0;
	MessageWriter w(out);
	w.put_u16(new_id);
	w.put_u16(q.flags);
	w.put_u16(1);
	w.put_u16(0);
	w.put_u16(0);
	w.put_u16(1);
	w.put_bytes(q.name());
	w.put_u16(q.qtype);
	w.put_u16(q.qclass);
	put_opt(w, upstream_size, 0, q.do_bit);
	return w.failed() ? 0 : w.size();
}

bool tc_bit(std::span<const uint8_t> reply)
{
	return reply.size() >= header_size && (load_be16(reply.data() + hdr::flags) & flag::tc);
}

bool match_reply(std::span<const uint8_t> reply, uint16_t expected_id, const Query &q)
{
	if (reply.size() < header_size || !q.has_question)
		return false;
	const uint16_t flags = load_be16(reply.data() + hdr::flags);
	if (!(flags & flag::qr) || flags_opcode(flags) != opcode::query)
		return false;
	if (load_be16(reply.data() + hdr::id) != expected_id || load_be16(reply.data() + hdr::qdcount) != 1)
		return false;
	size_t len = 0;
	if (parse_uncompressed_name(reply, header_size, len) != NameError::ok)
		return false;
	if (header_size + len + 4 > reply.size())
		return false;
	if (!names_equal_ci(reply.subspan(header_size, len), q.name()))
		return false;
	const uint8_t *p = reply.data() + header_size + len;
	return load_be16(p) == q.qtype && load_be16(p + 2) == q.qclass;
}

namespace {

// The COOKIE options of the OPT whose owner is at `opt_at` (walked by
// restore_reply already: the RDATA is inside the reply).
bool opt_has_cookie(std::span<const uint8_t> reply, size_t opt_at)
{
	const size_t rdlen = load_be16(reply.data() + opt_at + 9);
	const uint8_t *rdata = reply.data() + opt_at + opt_rr_size;
	for (size_t pos = 0; pos + 4 <= rdlen;) {
		const size_t optlen = load_be16(rdata + pos + 2);
		if (load_be16(rdata + pos) == edns_option::cookie)
			return true;
		pos += 4 + optlen;
	}
	return false;
}

// The reply's OPT with CLASS = edns_size, its options but COOKIE, then the
// client's reply cookie (if any).
void put_opt_with_cookie(MessageWriter &w, std::span<const uint8_t> reply, size_t opt_at, uint16_t edns_size,
			 const Query &client)
{
	const size_t rdlen = load_be16(reply.data() + opt_at + 9);
	const uint8_t *rdata = reply.data() + opt_at + opt_rr_size;
	w.put_u8(0);
	w.put_u16(rrtype::opt);
	w.put_u16(edns_size);
	w.put_bytes(reply.subspan(opt_at + 5, 4));  // extended RCODE, version, flags
	const size_t rdlen_at = w.size();
	w.put_u16(0);
	size_t written = 0;
	for (size_t pos = 0; pos + 4 <= rdlen;) {
		const size_t optlen = std::min(load_be16(rdata + pos + 2) + size_t{4}, rdlen - pos);
		if (load_be16(rdata + pos) != edns_option::cookie) {
			w.put_bytes({rdata + pos, optlen});
			written += optlen;
		}
		pos += optlen;
	}
	if (client.reply_cookie_len) {
		w.put_u16(edns_option::cookie);
		w.put_u16(client.reply_cookie_len);
		w.put_bytes({client.reply_cookie.data(), client.reply_cookie_len});
		written += 4 + client.reply_cookie_len;
	}
	if (!w.failed())
		w.patch_u16(rdlen_at, static_cast<uint16_t>(written));
}

}  // namespace

size_t restore_reply(std::span<const uint8_t> reply, std::span<uint8_t> out, const Query &client,
		     bool client_had_opt, uint16_t edns_size)
{
	if (reply.size() < header_size || !client.has_question ||
	    load_be16(reply.data() + hdr::qdcount) != 1)
		return 0;
	size_t qlen = 0;
	if (parse_uncompressed_name(reply, header_size, qlen) != NameError::ok || qlen != client.qname_len)
		return 0;
	const size_t question_end = header_size + qlen + 4;
	if (question_end > reply.size())
		return 0;

	// Walk every RR with bounds; find the OPT.
	const uint16_t an = load_be16(reply.data() + hdr::ancount);
	const uint16_t ns = load_be16(reply.data() + hdr::nscount);
	const uint16_t ar = load_be16(reply.data() + hdr::arcount);
	const uint32_t total = uint32_t{an} + ns + ar;
	size_t pos = question_end;
	size_t opt_at = 0;        // offset of the OPT's owner, 0 when none
	uint32_t ar_before_opt = 0;
	for (uint32_t i = 0; i < total; i++) {
		const size_t owner = pos;
		size_t end = 0;
		if (skip_name(reply, pos, end) != NameError::ok || end + 10 > reply.size())
			return 0;
		const uint16_t type = load_be16(reply.data() + end);
		const size_t rdata = end + 10;
		const size_t rdlen = load_be16(reply.data() + end + 8);
		if (rdata + rdlen > reply.size())
			return 0;
		if (type == rrtype::opt) {
			if (i < uint32_t{an} + ns || opt_at != 0 || end != owner + 1 || reply[owner] != 0)
				return 0;
			opt_at = owner;
			ar_before_opt = i - an - ns;
		}
		pos = rdata + rdlen;
	}
	const size_t rrs_end = pos;

	MessageWriter w(out);
	w.put_bytes(reply.first(header_size));
	w.put_bytes(client.name());
	w.put_bytes(reply.subspan(header_size + qlen, 4));
	if (w.failed())
		return 0;
	uint8_t *msg = w.data();
	store_be16(msg + hdr::id, client.id);

	if (client_had_opt && opt_at != 0 && (client.reply_cookie_len != 0 || opt_has_cookie(reply, opt_at))) {
		// Cookies are hop-by-hop: the upstream's COOKIE (if any) is not
		// the client's, ours goes in its place. The records after the
		// OPT (TSIG, SIG(0)) are dropped, as below.
		w.put_bytes(reply.subspan(question_end, opt_at - question_end));
		put_opt_with_cookie(w, reply, opt_at, edns_size, client);
		if (!w.failed())
			store_be16(msg + hdr::arcount, static_cast<uint16_t>(ar_before_opt + 1));
	} else if (client_had_opt) {
		w.put_bytes(reply.subspan(question_end, rrs_end - question_end));
		if (opt_at != 0) {
			if (!w.failed())
				store_be16(msg + opt_at + 3, edns_size);  // owner(1) + type(2) -> CLASS
		} else {
			// A server without EDNS: the client still gets the OPT it asked for.
			put_answer_opt(w, client, edns_size, 0);
			if (!w.failed())
				store_be16(msg + hdr::arcount, static_cast<uint16_t>(ar + 1));
		}
	} else {
		const size_t end = opt_at != 0 ? opt_at : rrs_end;
		w.put_bytes(reply.subspan(question_end, end - question_end));
		if (!w.failed() && opt_at != 0) {
			store_be16(msg + hdr::arcount, static_cast<uint16_t>(ar_before_opt));
			// An extended RCODE cannot be expressed without an OPT.
			if (reply[opt_at + 5] != 0) {
				const uint16_t flags = load_be16(msg + hdr::flags);
				store_be16(msg + hdr::flags, static_cast<uint16_t>((flags & ~flag::rcode_mask) |
										   rcode::servfail));
			}
		}
	}
	return w.failed() ? 0 : w.size();
}

}  // namespace xdpdns::dns
