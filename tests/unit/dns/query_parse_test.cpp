// Every ParseResult path of parse_query().
#include <gtest/gtest.h>

#include "dns/query.h"
#include "test_support.h"

namespace xdpdns::dns {
namespace {

using test::append_opt;
using test::Bytes;
using test::make_query;
using test::QuerySpec;
using test::wire_name;

ParseResult parse(const Bytes &m, Query &q)
{
	return parse_query(m, q);
}

void set_count(Bytes &m, size_t off, uint16_t v)
{
	store_be16(m.data() + off, v);
}

// Header with the given counts followed by raw octets.
Bytes raw_message(uint16_t qd, Bytes rest, uint16_t flags = flag::rd)
{
	Bytes m{0x12, 0x34, static_cast<uint8_t>(flags >> 8), static_cast<uint8_t>(flags), 0, 0, 0, 0, 0, 0, 0, 0};
	set_count(m, hdr::qdcount, qd);
	m.reserve(m.size() + rest.size());  // (also keeps GCC 12's -Warray-bounds quiet)
	for (uint8_t b : rest)
		m.push_back(b);
	return m;
}

Bytes question(const Bytes &name, uint16_t type = rrtype::a)
{
	Bytes q = name;
	q.insert(q.end(), {static_cast<uint8_t>(type >> 8), static_cast<uint8_t>(type), 0, 1});
	return q;
}

TEST(ParseQuery, PlainQuery)
{
	QuerySpec s;
	s.name = "WwW.Example.Test";
	s.type = rrtype::aaaa;
	s.flags = flag::rd | flag::cd;
	s.id = 0xbeef;
	const Bytes m = make_query(s);
	Query q;
	ASSERT_EQ(parse(m, q), ParseResult::ok);
	EXPECT_EQ(q.id, 0xbeef);
	EXPECT_EQ(q.flags, flag::rd | flag::cd);
	EXPECT_EQ(q.opcode, 0);
	EXPECT_TRUE(q.has_question);
	EXPECT_EQ(Bytes(q.name().begin(), q.name().end()), wire_name("WwW.Example.Test"));
	EXPECT_EQ(Bytes(q.name_lower().begin(), q.name_lower().end()), wire_name("www.example.test"));
	EXPECT_EQ(q.qname_len, 18);
	EXPECT_EQ(q.qtype, rrtype::aaaa);
	EXPECT_EQ(q.qclass, rrclass::in);
	EXPECT_EQ(q.question_end, 12 + 18 + 4);
	EXPECT_FALSE(q.has_opt);
	EXPECT_EQ(q.udp_size, 512);
	EXPECT_TRUE(q.rd());
	EXPECT_TRUE(q.cd());
}

TEST(ParseQuery, RootNameQuestion)
{
	QuerySpec s;
	s.name = ".";
	s.type = rrtype::ns;
	Query q;
	ASSERT_EQ(parse(make_query(s), q), ParseResult::ok);
	EXPECT_EQ(q.qname_len, 1);
}

TEST(ParseQuery, EdnsFields)
{
	QuerySpec s;
	s.edns = true;
	s.bufsize = 4096;
	s.do_bit = true;
	Query q;
	ASSERT_EQ(parse(make_query(s), q), ParseResult::ok);
	EXPECT_TRUE(q.has_opt);
	EXPECT_EQ(q.udp_size, 4096);
	EXPECT_TRUE(q.do_bit);
	EXPECT_EQ(q.edns_version, 0);

	s.bufsize = 100;  // below 512 counts as 512 (RFC 6891 6.2.5)
	s.do_bit = false;
	ASSERT_EQ(parse(make_query(s), q), ParseResult::ok);
	EXPECT_EQ(q.udp_size, 512);
	EXPECT_FALSE(q.do_bit);
}

TEST(ParseQuery, EdnsOptionsAreAccepted)
{
	Bytes m = make_query({});
	append_opt(m, 1232, 0, false, Bytes{0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8});  // client cookie
	Query q;
	ASSERT_EQ(parse(m, q), ParseResult::ok);
	EXPECT_TRUE(q.has_opt);
}

TEST(ParseQuery, OptAfterAnotherAdditionalRecord)
{
	Bytes m = make_query({});
	// An A record owned by a pointer to the question name, then the OPT.
	m.insert(m.end(), {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1});
	set_count(m, hdr::arcount, 1);
	append_opt(m, 1400);
	Query q;
	ASSERT_EQ(parse(m, q), ParseResult::ok);
	EXPECT_TRUE(q.has_opt);
	EXPECT_EQ(q.udp_size, 1400);
}

TEST(ParseQuery, TrailingOctetsAreIgnored)
{
	Bytes m = make_query({});
	m.insert(m.end(), {1, 2, 3});
	Query q;
	EXPECT_EQ(parse(m, q), ParseResult::ok);
}

TEST(ParseQuery, DropShortMessagesAndResponses)
{
	Query q;
	EXPECT_EQ(parse(Bytes{}, q), ParseResult::drop);
	EXPECT_EQ(parse(Bytes(11, 0), q), ParseResult::drop);
	QuerySpec s;
	s.flags = flag::qr | flag::aa;
	EXPECT_EQ(parse(make_query(s), q), ParseResult::drop);
}

TEST(ParseQuery, HeaderOnlyQueryIsFormerr)
{
	Query q;
	EXPECT_EQ(parse(Bytes(12, 0), q), ParseResult::formerr);
	EXPECT_FALSE(q.has_question);
}

TEST(ParseQuery, QdcountZeroAndTwoAreFormerr)
{
	Query q;
	Bytes zero = make_query({});
	set_count(zero, hdr::qdcount, 0);
	EXPECT_EQ(parse(zero, q), ParseResult::formerr);
	EXPECT_FALSE(q.has_question);

	Bytes two = make_query({});
	const Bytes second = question(wire_name("other.test"));
	two.insert(two.end(), second.begin(), second.end());
	set_count(two, hdr::qdcount, 2);
	EXPECT_EQ(parse(two, q), ParseResult::formerr);
	EXPECT_FALSE(q.has_question);
}

TEST(ParseQuery, NameErrorsInTheQuestionAreFormerr)
{
	Query q;
	// Compression pointer in the question (to itself: a loop).
	EXPECT_EQ(parse(raw_message(1, {0xc0, 12, 0, 1, 0, 1}), q), ParseResult::formerr);
	// A pointer after a label.
	EXPECT_EQ(parse(raw_message(1, {3, 'w', 'w', 'w', 0xc0, 12, 0, 1, 0, 1}), q), ParseResult::formerr);
	// Label of 64 octets.
	Bytes l64{64};
	l64.insert(l64.end(), 64, 'a');
	l64.push_back(0);
	EXPECT_EQ(parse(raw_message(1, question(l64)), q), ParseResult::formerr);
	// Name over 255 octets (five labels of 63 = 321).
	Bytes longname;
	for (int i = 0; i < 5; i++) {
		longname.push_back(63);
		longname.insert(longname.end(), 63, 'b');
	}
	longname.push_back(0);
	EXPECT_EQ(parse(raw_message(1, question(longname)), q), ParseResult::formerr);
	// Truncated name, truncated QTYPE/QCLASS.
	EXPECT_EQ(parse(raw_message(1, {3, 'w', 'w'}), q), ParseResult::formerr);
	Bytes cut = make_query({});
	cut.pop_back();
	EXPECT_EQ(parse(cut, q), ParseResult::formerr);
	EXPECT_FALSE(q.has_question);
}

TEST(ParseQuery, MalformedAdditionalSectionIsFormerrWithQuestion)
{
	Query q;
	auto expect_formerr = [&](const Bytes &m, const char *what) {
		EXPECT_EQ(parse(m, q), ParseResult::formerr) << what;
		EXPECT_TRUE(q.has_question) << what;
		EXPECT_FALSE(q.has_opt) << what;
	};

	Bytes truncated_opt = make_query({.edns = true});
	truncated_opt.resize(truncated_opt.size() - 3);
	expect_formerr(truncated_opt, "OPT cut inside its fixed part");

	Bytes short_rdata = make_query({});
	append_opt(short_rdata, 1232, 0, false, Bytes{0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8});
	short_rdata.resize(short_rdata.size() - 2);
	expect_formerr(short_rdata, "RDATA shorter than RDLENGTH");

	Bytes two_opts = make_query({.edns = true});
	append_opt(two_opts, 1232);
	expect_formerr(two_opts, "two OPT records");

	Bytes named_opt = make_query({});
	named_opt.insert(named_opt.end(), {0xc0, 12, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0});
	set_count(named_opt, hdr::arcount, 1);
	expect_formerr(named_opt, "OPT with a non-root owner");

	Bytes bad_option = make_query({});
	append_opt(bad_option, 1232, 0, false, Bytes{0, 10, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8});
	expect_formerr(bad_option, "option length beyond the RDATA");

	Bytes opt_in_answer = make_query({});
	append_opt(opt_in_answer, 1232);
	set_count(opt_in_answer, hdr::arcount, 0);
	set_count(opt_in_answer, hdr::ancount, 1);
	expect_formerr(opt_in_answer, "OPT in the answer section");

	Bytes loop = make_query({});
	const size_t at = loop.size();
	loop.insert(loop.end(), {0xc0, static_cast<uint8_t>(at), 0, 1, 0, 1, 0, 0, 0, 0, 0, 0});
	set_count(loop, hdr::arcount, 1);
	expect_formerr(loop, "compression pointer loop in an additional owner");

	Bytes missing = make_query({});
	set_count(missing, hdr::arcount, 1);
	expect_formerr(missing, "ARCOUNT 1 with no record");
}

TEST(ParseQuery, OtherOpcodesAreNotimp)
{
	QuerySpec s;
	s.flags = static_cast<uint16_t>(opcode::notify << flag::opcode_shift);
	s.edns = true;
	Query q;
	EXPECT_EQ(parse(make_query(s), q), ParseResult::notimp);
	EXPECT_EQ(q.opcode, opcode::notify);
	EXPECT_TRUE(q.has_question);
	EXPECT_TRUE(q.has_opt);

	// NOTIMP wins over a malformed question; the answer is then header only.
	Bytes m = raw_message(0, {}, static_cast<uint16_t>(opcode::update << flag::opcode_shift));
	EXPECT_EQ(parse(m, q), ParseResult::notimp);
	EXPECT_FALSE(q.has_question);
}

TEST(ParseQuery, EdnsVersionAboveZeroIsBadvers)
{
	QuerySpec s;
	s.edns = true;
	s.version = 1;
	s.do_bit = true;
	Query q;
	EXPECT_EQ(parse(make_query(s), q), ParseResult::badvers);
	EXPECT_TRUE(q.has_opt);
	EXPECT_EQ(q.edns_version, 1);
	EXPECT_TRUE(q.do_bit);
	EXPECT_TRUE(q.has_question);
}

TEST(ParseQuery, ReusedQueryStructIsReset)
{
	Query q;
	ASSERT_EQ(parse(make_query({.edns = true, .do_bit = true}), q), ParseResult::ok);
	ASSERT_TRUE(q.has_opt);
	ASSERT_EQ(parse(make_query({}), q), ParseResult::ok);
	EXPECT_FALSE(q.has_opt);
	EXPECT_FALSE(q.do_bit);
	EXPECT_EQ(q.udp_size, 512);
	EXPECT_EQ(parse(Bytes(12, 0), q), ParseResult::formerr);
	EXPECT_FALSE(q.has_question);
}

}  // namespace
}  // namespace xdpdns::dns
