// Which queries and answers may be stored for XDP, and the reply an entry
// gives back (the octets of the daemon's answer, the query's ID, case and
// RD/CD).
#include "daemon/answers/answer_entry.h"
#include "daemon/answers/seen_filter.h"
#include "dns/wire.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <span>
#include <string>
#include <vector>

namespace xdpdns::daemon::answers {
namespace {

using Bytes = std::vector<std::uint8_t>;

// The DNS message XDP builds from `entry` for a query message `query`
// (header and question as the client sent them), as bpf/lib/answer.h does:
// the query's header and question, the entry's flags with the query's RD
// (0x01 in octet 2) and CD (0x10 in octet 3), one question, the entry's
// counts and sections.
std::size_t write_reply(std::span<const std::uint8_t> query, std::size_t question_end,
			const xdpdns_answer &entry, std::span<std::uint8_t> out)
{
	const std::size_t n = question_end + entry.body_len;
	if (question_end < dns::header_size || query.size() < question_end || out.size() < n ||
	    entry.body_len > XDPDNS_ANSWER_BODY_MAX)
		return 0;
	std::copy(query.begin(), query.begin() + question_end, out.begin());
	out[2] = entry.flags[0] | (query[2] & 0x01);
	out[3] = entry.flags[1] | (query[3] & 0x10);
	out[4] = 0;
	out[5] = 1;
	std::memcpy(out.data() + 6, entry.counts, 6);
	std::memcpy(out.data() + question_end, entry.body, entry.body_len);
	return n;
}

Bytes name(const std::string &dotted)
{
	Bytes out;
	std::size_t start = 0;
	while (start < dotted.size()) {
		std::size_t dot = dotted.find('.', start);
		if (dot == std::string::npos)
			dot = dotted.size();
		out.push_back(static_cast<std::uint8_t>(dot - start));
		out.insert(out.end(), dotted.begin() + start, dotted.begin() + dot);
		start = dot + 1;
	}
	out.push_back(0);
	return out;
}

// A query: header (flags, counts), question, and optionally an OPT with
// `version` and `options` as RDATA.
Bytes query(const std::string &qname, std::uint16_t qtype, bool opt, bool do_bit = false,
	    std::uint8_t version = 0, Bytes options = {}, std::uint16_t flags = 0x0100)
{
	Bytes m = {0x12, 0x34, static_cast<std::uint8_t>(flags >> 8), static_cast<std::uint8_t>(flags), 0, 1, 0, 0, 0, 0, 0,
		   static_cast<std::uint8_t>(opt ? 1 : 0)};
	const Bytes n = name(qname);
	m.insert(m.end(), n.begin(), n.end());
	m.insert(m.end(), {static_cast<std::uint8_t>(qtype >> 8), static_cast<std::uint8_t>(qtype), 0, 1});
	if (opt) {
		m.insert(m.end(), {0, 0, 41, 0x04, 0xd0, 0, version, static_cast<std::uint8_t>(do_bit ? 0x80 : 0), 0,
				   static_cast<std::uint8_t>(options.size() >> 8), static_cast<std::uint8_t>(options.size())});
		m.insert(m.end(), options.begin(), options.end());
	}
	return m;
}

dns::Query parsed(const Bytes &m)
{
	dns::Query q;
	EXPECT_EQ(dns::parse_query(m, q), dns::ParseResult::ok);
	return q;
}

// The daemon's answer to `m`: header with QR AA, RD/CD as in the query,
// the question as sent, one A record, the OPT when the query had one.
Bytes answer_to(const Bytes &m, bool opt)
{
	Bytes a(m.begin(), m.begin() + 12);
	a[2] = static_cast<std::uint8_t>(0x84 | (m[2] & 0x01));
	a[3] = static_cast<std::uint8_t>(m[3] & 0x10);
	a[7] = 1;
	a[11] = opt ? 1 : 0;
	const dns::Query q = parsed(m);
	a.insert(a.end(), m.begin() + 12, m.begin() + q.question_end);
	a.insert(a.end(), {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 192, 0, 2, 1});
	if (opt)
		a.insert(a.end(), {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0});
	return a;
}

TEST(AnswerKey, IsTheLowercasedQuestionAndTheEdnsShape)
{
	const Bytes m = query("WwW.Example.TEST", 28, true, true);
	xdpdns_answer_key k;
	ASSERT_TRUE(key_for(parsed(m), m, false, k));
	const Bytes lower = name("www.example.test");
	EXPECT_EQ(Bytes(k.qname, k.qname + lower.size()), lower);
	for (std::size_t i = lower.size(); i < sizeof(k.qname); i++)
		ASSERT_EQ(k.qname[i], 0) << i;
	EXPECT_EQ(ntohs(k.qtype), 28);
	EXPECT_EQ(ntohs(k.qclass), 1);
	EXPECT_EQ(k.shape, XDPDNS_SHAPE_EDNS_DO);

	xdpdns_answer_key tcp, plain, edns;
	ASSERT_TRUE(key_for(parsed(m), m, true, tcp));
	EXPECT_EQ(tcp.shape, XDPDNS_SHAPE_EDNS_DO | XDPDNS_SHAPE_TCP);
	const Bytes p = query("www.example.test", 28, false), e = query("www.example.test", 28, true);
	ASSERT_TRUE(key_for(parsed(p), p, false, plain));
	ASSERT_TRUE(key_for(parsed(e), e, false, edns));
	EXPECT_EQ(plain.shape, XDPDNS_SHAPE_NO_EDNS);
	EXPECT_EQ(edns.shape, XDPDNS_SHAPE_EDNS);
	EXPECT_EQ(std::memcmp(plain.qname, k.qname, sizeof(k.qname)), 0) << "case folded";
}

TEST(AnswerKey, OtherShapesHaveNone)
{
	xdpdns_answer_key k;
	const Bytes cookie = query("a.test", 1, true, false, 0, {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8});
	EXPECT_FALSE(key_for(parsed(cookie), cookie, false, k)) << "an EDNS option";
	const std::string long_name = std::string(60, 'a') + ".test";  // 67 octets
	const Bytes too_long = query(long_name, 1, false);
	EXPECT_FALSE(key_for(parsed(too_long), too_long, false, k)) << "name over 64 octets";
	const std::string just = std::string(57, 'a') + ".test";  // 64 octets
	const Bytes fits = query(just, 1, false);
	EXPECT_TRUE(key_for(parsed(fits), fits, false, k)) << "name of 64 octets";
	Bytes with_answer = query("a.test", 1, false);
	with_answer[7] = 1;
	with_answer.insert(with_answer.end(), {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4});
	EXPECT_FALSE(key_for(parsed(with_answer), with_answer, false, k)) << "an answer record in the query";
}

// A query with a COOKIE never gets a key: its answer carries a server
// cookie made for one client at one time, which XDP must never give to
// another. Client cookie only, with a server cookie, malformed; and the
// rule stands on the cookie itself, not only on "the OPT has options".
TEST(AnswerKey, NeverForAQueryWithACookie)
{
	xdpdns_answer_key k;
	Bytes server(24, 0x33);
	server[8] = 1;
	for (const Bytes &option : {Bytes{0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8},
				    [&] { Bytes o = {0, 10, 0, 24}; o.insert(o.end(), server.begin(), server.end()); return o; }(),
				    Bytes{0, 10, 0, 5, 1, 2, 3, 4, 5}}) {
		const Bytes m = query("a.test", 1, true, false, 0, option);
		dns::Query q = parsed(m);
		EXPECT_TRUE(q.cookie_len != 0 || q.cookie_malformed);
		EXPECT_FALSE(key_for(q, m, false, k)) << option.size();
		EXPECT_FALSE(key_for(q, m, true, k)) << option.size();
		q.edns_options = false;  // only the cookie left to refuse it
		EXPECT_FALSE(key_for(q, m, false, k)) << option.size();
	}
}

TEST(AnswerEntry, GivesBackTheDaemonsAnswerForAnyIdCaseAndRdCd)
{
	const Bytes stored_query = query("www.example.test", 1, true);
	const Bytes stored_answer = answer_to(stored_query, true);
	xdpdns_answer e;
	ASSERT_TRUE(entry_for(parsed(stored_query), stored_answer, e));
	EXPECT_EQ(e.flags[0], 0x84) << "RD cleared in the entry";
	EXPECT_EQ(e.body_len, 16 + 11);

	for (const std::uint16_t flags : {0x0000, 0x0100, 0x0010, 0x0110}) {
		Bytes other = query("WWW.example.TEST", 1, true, false, 0, {}, flags);
		other[0] = 0xbe;
		other[1] = 0xef;
		const dns::Query q = parsed(other);
		Bytes out(512);
		const std::size_t n = write_reply(other, q.question_end, e, out);
		out.resize(n);
		EXPECT_EQ(out, answer_to(other, true)) << "flags " << flags;
	}
}

TEST(AnswerEntry, RefusesWhatXdpMayNotGive)
{
	const Bytes m = query("www.example.test", 1, false);
	xdpdns_answer e;
	Bytes tc = answer_to(m, false);
	tc[2] |= 0x02;
	EXPECT_FALSE(entry_for(parsed(m), tc, e)) << "TC set";
	Bytes big = answer_to(m, false);
	big.resize(m.size() + XDPDNS_ANSWER_BODY_MAX + 1);
	EXPECT_FALSE(entry_for(parsed(m), big, e)) << "more than 880 octets after the question";
	big.resize(m.size() + XDPDNS_ANSWER_BODY_MAX);
	EXPECT_TRUE(entry_for(parsed(m), big, e)) << "880 octets after the question";
	const Bytes other = answer_to(query("other.example.test", 1, false), false);
	EXPECT_FALSE(entry_for(parsed(m), other, e)) << "another question";
	Bytes other_type = answer_to(m, false);
	other_type[m.size() - 3] = 28;
	EXPECT_FALSE(entry_for(parsed(m), other_type, e)) << "another type";
}

TEST(SeenFilter, SaysYesTheSecondTime)
{
	SeenFilter f;
	const Bytes a = query("a.test", 1, false), b = query("b.test", 1, false);
	xdpdns_answer_key ka, kb;
	ASSERT_TRUE(key_for(parsed(a), a, false, ka));
	ASSERT_TRUE(key_for(parsed(b), b, false, kb));
	EXPECT_FALSE(f.seen_before(ka));
	EXPECT_FALSE(f.seen_before(kb));
	EXPECT_TRUE(f.seen_before(ka));
	EXPECT_TRUE(f.seen_before(kb));
}

}  // namespace
}  // namespace xdpdns::daemon::answers
