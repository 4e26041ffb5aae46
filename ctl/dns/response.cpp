#include "dns/response.h"

namespace xdpdns::dns {

uint16_t response_flags(const Query &q, uint8_t rcode)
{
	return static_cast<uint16_t>(flag::qr | (q.flags & (flag::opcode_mask | flag::rd | flag::cd)) |
				     (rcode & flag::rcode_mask));
}

void put_header_and_question(MessageWriter &w, const Query &q, uint16_t flags, bool question)
{
	w.put_u16(q.id);
	w.put_u16(flags);
	w.put_u16(question ? 1 : 0);
	w.put_u16(0);
	w.put_u16(0);
	w.put_u16(0);
	if (!question)
		return;
	const size_t at = w.size();
	w.put_bytes(q.name());
	w.put_u16(q.qtype);
	w.put_u16(q.qclass);
	if (!w.failed())
		w.add_name_targets(at, q.name());
}

void put_opt(MessageWriter &w, uint16_t edns_size, uint8_t ext_rcode, bool do_bit)
{
	w.put_u8(0);
	w.put_u16(rrtype::opt);
	w.put_u16(edns_size);
	w.put_u8(ext_rcode);
	w.put_u8(0);  // version
	w.put_u16(do_bit ? edns_do : 0);
	w.put_u16(0);  // rdlength
}

void put_answer_opt(MessageWriter &w, const Query &q, uint16_t edns_size, uint8_t ext_rcode)
{
	if (q.reply_cookie_len == 0) {
		put_opt(w, edns_size, ext_rcode, q.do_bit);
		return;
	}
	w.put_u8(0);
	w.put_u16(rrtype::opt);
	w.put_u16(edns_size);
	w.put_u8(ext_rcode);
	w.put_u8(0);  // version
	w.put_u16(q.do_bit ? edns_do : 0);
	w.put_u16(static_cast<uint16_t>(4 + q.reply_cookie_len));
	w.put_u16(edns_option::cookie);
	w.put_u16(q.reply_cookie_len);
	w.put_bytes({q.reply_cookie.data(), q.reply_cookie_len});
}

size_t write_error(const Query &q, uint8_t rcode, std::span<uint8_t> out, uint16_t edns_size)
{
	if (rcode > flag::rcode_mask && !q.has_opt)
		return 0;
	MessageWriter w(out);
	put_header_and_question(w, q, response_flags(q, rcode), q.has_question);
	if (q.has_opt) {
		put_answer_opt(w, q, edns_size, static_cast<uint8_t>(rcode >> 4));
		w.patch_u16(hdr::arcount, 1);
	}
	return w.failed() ? 0 : w.size();
}

size_t write_truncated(const Query &q, std::span<uint8_t> out, uint16_t edns_size, bool aa)
{
	if (!q.has_question)
		return 0;
	MessageWriter w(out);
	const uint16_t flags = static_cast<uint16_t>(flag::qr | flag::tc | (aa ? flag::aa : 0) |
						     (q.flags & (flag::rd | flag::cd)));
	put_header_and_question(w, q, flags, true);
	if (q.has_opt) {
		put_answer_opt(w, q, edns_size, 0);
		w.patch_u16(hdr::arcount, 1);
	}
	return w.failed() ? 0 : w.size();
}

bool answer_has_aa(std::span<const uint8_t> answer)
{
	return answer.size() >= header_size && (answer[hdr::flags] & (flag::aa >> 8)) != 0;
}

}  // namespace xdpdns::dns
