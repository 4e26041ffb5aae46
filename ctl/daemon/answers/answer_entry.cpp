#include "answer_entry.h"

#include "dns/wire.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace xdpdns::daemon::answers {

namespace {

constexpr std::uint8_t kRd = 0x01;  // in header octet 2
constexpr std::uint8_t kCd = 0x10;  // in header octet 3
constexpr std::uint8_t kTc = 0x02;  // in header octet 2

std::uint16_t be16_at(std::span<const std::uint8_t> m, std::size_t off)
{
	return static_cast<std::uint16_t>(m[off] << 8 | m[off + 1]);
}

}  // namespace

bool key_for(const dns::Query &q, std::span<const std::uint8_t> msg, bool tcp, xdpdns_answer_key &key)
{
	if (!q.has_question || q.qname_len == 0 || q.qname_len > XDPDNS_ANSWER_QNAME_MAX ||
	    msg.size() < dns::header_size)
		return false;
	const std::uint16_t an = be16_at(msg, 6), ns = be16_at(msg, 8), ar = be16_at(msg, 10);
	if (an != 0 || ns != 0 || ar > 1)
		return false;
	if (ar == 1 && (!q.has_opt || q.edns_version != 0 || q.edns_options))
		return false;
	// Never an answer to a query with a COOKIE: it carries a server cookie
	// made for this client and this time (the XDP program, for its part,
	// sends every query with an OPT option to us).
	if (q.cookie_len != 0 || q.cookie_malformed || q.reply_cookie_len != 0)
		return false;
	std::memset(&key, 0, sizeof(key));
	std::memcpy(key.qname, q.qname_lower.data(), q.qname_len);
	key.qtype = htons(q.qtype);
	key.qclass = htons(q.qclass);
	key.shape = static_cast<std::uint8_t>(!q.has_opt ? XDPDNS_SHAPE_NO_EDNS
				   : q.do_bit   ? XDPDNS_SHAPE_EDNS_DO
						: XDPDNS_SHAPE_EDNS);
	if (tcp)
		key.shape |= XDPDNS_SHAPE_TCP;
	return true;
}

bool entry_for(const dns::Query &q, std::span<const std::uint8_t> answer, xdpdns_answer &entry,
	       std::uint32_t rrl_class)
{
	const std::size_t qend = q.question_end;
	if (answer.size() < qend || answer.size() - qend > XDPDNS_ANSWER_BODY_MAX)
		return false;
	if (answer[2] & kTc || be16_at(answer, 4) != 1)
		return false;
	// The question is the query's, octet for octet (zone_backend.h).
	if (qend != dns::header_size + q.qname_len + 4u ||
	    !std::equal(q.qname.begin(), q.qname.begin() + q.qname_len, answer.begin() + dns::header_size) ||
	    be16_at(answer, qend - 4) != q.qtype || be16_at(answer, qend - 2) != q.qclass)
		return false;
	std::memset(&entry, 0, offsetof(xdpdns_answer, body));
	entry.flags[0] = answer[2] & ~kRd;
	entry.flags[1] = answer[3] & ~kCd;
	std::memcpy(entry.counts, answer.data() + 6, 6);
	entry.body_len = static_cast<std::uint16_t>(answer.size() - qend);
	entry.rrl_class = rrl_class;
	std::memcpy(entry.body, answer.data() + qend, entry.body_len);
	return true;
}

}  // namespace xdpdns::daemon::answers
