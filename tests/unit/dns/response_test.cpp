// Error and TC=1 writers, octet for octet.
#include <gtest/gtest.h>

#include "dns/query.h"
#include "dns/response.h"
#include "test_support.h"

namespace xdpdns::dns {
namespace {

using test::Bytes;
using test::concat;
using test::Decoded;
using test::make_query;
using test::QuerySpec;
using test::wire_name;

Query parsed(const Bytes &m, ParseResult expect = ParseResult::ok)
{
	Query q;
	EXPECT_EQ(parse_query(m, q), expect);
	return q;
}

Bytes run_error(const Query &q, uint8_t rcode, uint16_t edns_size = 1232)
{
	Bytes out(512);
	out.resize(write_error(q, rcode, out, edns_size));
	return out;
}

const Bytes question_www = concat({wire_name("Www.Example.Test"), {0, 1, 0, 1}});

TEST(WriteError, FormerrEchoesTheQuestion)
{
	QuerySpec s;
	s.name = "Www.Example.Test";
	s.flags = flag::rd | flag::cd | flag::ad;
	const Query q = parsed(make_query(s));
	// ID, flags QR|RD|CD|FORMERR (AD not copied), QD 1, AN/NS/AR 0, question.
	const Bytes expect = concat({{0x12, 0x34, 0x81, 0x11, 0, 1, 0, 0, 0, 0, 0, 0}, question_www});
	EXPECT_EQ(run_error(q, rcode::formerr), expect);
}

TEST(WriteError, FormerrWithoutQuestionIsHeaderOnly)
{
	Bytes m = make_query({.id = 0x0102, .flags = 0});
	store_be16(m.data() + hdr::qdcount, 2);
	const Query q = parsed(m, ParseResult::formerr);
	EXPECT_EQ(run_error(q, rcode::formerr), (Bytes{1, 2, 0x80, 0x01, 0, 0, 0, 0, 0, 0, 0, 0}));
}

TEST(WriteError, NotimpKeepsTheOpcode)
{
	QuerySpec s;
	s.name = "Www.Example.Test";
	s.flags = static_cast<uint16_t>(opcode::notify << flag::opcode_shift);
	const Query q = parsed(make_query(s), ParseResult::notimp);
	// QR | opcode 4 (0x2000) | NOTIMP
	const Bytes expect = concat({{0x12, 0x34, 0xa0, 0x04, 0, 1, 0, 0, 0, 0, 0, 0}, question_www});
	EXPECT_EQ(run_error(q, rcode::notimp), expect);
}

TEST(WriteError, RefusedWithOptEchoesDo)
{
	QuerySpec s;
	s.name = "Www.Example.Test";
	s.edns = true;
	s.bufsize = 4096;
	s.do_bit = true;
	const Query q = parsed(make_query(s));
	// OPT: root, type 41, class = our size 1400, ext-rcode 0, version 0, DO, rdlength 0.
	const Bytes expect = concat({{0x12, 0x34, 0x81, 0x05, 0, 1, 0, 0, 0, 0, 0, 1},
				     question_www,
				     {0, 0, 41, 0x05, 0x78, 0, 0, 0x80, 0, 0, 0}});
	EXPECT_EQ(run_error(q, rcode::refused, 1400), expect);
}

TEST(WriteError, BadversUsesTheExtendedRcode)
{
	QuerySpec s;
	s.name = "Www.Example.Test";
	s.edns = true;
	s.version = 1;
	const Query q = parsed(make_query(s), ParseResult::badvers);
	// Header RCODE 0, OPT ext-rcode 1: 1 << 4 | 0 = 16 = BADVERS.
	const Bytes bytes = run_error(q, rcode::badvers);
	const Bytes expect = concat({{0x12, 0x34, 0x81, 0x00, 0, 1, 0, 0, 0, 0, 0, 1},
				     question_www,
				     {0, 0, 41, 0x04, 0xd0, 1, 0, 0, 0, 0, 0}});
	EXPECT_EQ(bytes, expect);
	Decoded d(bytes);
	ASSERT_TRUE(d.ok());
	EXPECT_EQ(d.edns_ext_rcode(), 1);
	EXPECT_EQ(d.edns_udp_size(), 1232);
}

TEST(WriteError, BadversNeedsAnOpt)
{
	const Query q = parsed(make_query({}));
	Bytes out(512);
	EXPECT_EQ(write_error(q, rcode::badvers, out), 0u);
}

TEST(WriteError, TooSmallBufferGivesZero)
{
	const Query q = parsed(make_query({}));
	Bytes out(20);
	EXPECT_EQ(write_error(q, rcode::servfail, out), 0u);
}

// The XDP program's TC=1 answer (bpf-contract "TC=1 answer"): QR, TC, RD
// and CD copied, everything else 0, question byte for byte, and the OPT
// 00 0029 <size> 00 00 <DO<<15> 0000 when the query had one.
TEST(WriteTruncated, MatchesTheXdpAnswerWithOpt)
{
	QuerySpec s;
	s.name = "Www.Example.Test";
	s.flags = flag::rd | flag::cd | flag::ad | flag::aa;
	s.edns = true;
	s.bufsize = 4096;
	s.do_bit = true;
	s.id = 0xcafe;
	const Query q = parsed(make_query(s));
	Bytes out(512);
	out.resize(write_truncated(q, out, 1232));
	const Bytes expect = concat({{0xca, 0xfe, 0x83, 0x10, 0, 1, 0, 0, 0, 0, 0, 1},
				     question_www,
				     {0, 0x00, 0x29, 0x04, 0xd0, 0, 0, 0x80, 0x00, 0, 0}});
	EXPECT_EQ(out, expect);
}

TEST(WriteTruncated, MatchesTheXdpAnswerWithoutOpt)
{
	QuerySpec s;
	s.name = "Www.Example.Test";
	s.flags = 0;
	const Query q = parsed(make_query(s));
	Bytes out(512);
	out.resize(write_truncated(q, out));
	const Bytes expect = concat({{0x12, 0x34, 0x82, 0x00, 0, 1, 0, 0, 0, 0, 0, 0}, question_www});
	EXPECT_EQ(out, expect);
	Decoded d(out);
	ASSERT_TRUE(d.ok());
	EXPECT_FALSE(d.has_edns());
	EXPECT_EQ(d.question(), (std::vector<std::string>{"Www.Example.Test. IN A"}));
}

// For a name in our zones the full answer was authoritative: the TC=1
// answer says so too (AA=1, as NSD), nothing else changes.
TEST(WriteTruncated, AuthoritativeSetsAaOnly)
{
	QuerySpec s;
	s.name = "Www.Example.Test";
	s.flags = flag::rd | flag::cd;
	s.edns = true;
	s.do_bit = true;
	s.id = 0xcafe;
	const Query q = parsed(make_query(s));
	Bytes plain(512), aa(512);
	plain.resize(write_truncated(q, plain, 1232));
	aa.resize(write_truncated(q, aa, 1232, true));
	ASSERT_EQ(aa.size(), plain.size());
	EXPECT_EQ(aa[2], 0x87);  // QR, AA, TC, RD
	EXPECT_EQ(plain[2], 0x83);
	aa[2] = plain[2];
	EXPECT_EQ(aa, plain);
}

TEST(AnswerHasAa, ReadsTheHeader)
{
	Bytes h{0x12, 0x34, 0x84, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
	EXPECT_TRUE(answer_has_aa(h));
	h[2] = 0x80;
	EXPECT_FALSE(answer_has_aa(h));
	h[2] = 0x84;
	EXPECT_FALSE(answer_has_aa({h.data(), 11}));
}

TEST(WriteTruncated, NeedsQuestionAndRoom)
{
	Bytes m = make_query({});
	store_be16(m.data() + hdr::qdcount, 0);
	const Query none = parsed(m, ParseResult::formerr);
	Bytes out(512);
	EXPECT_EQ(write_truncated(none, out), 0u);
	const Query q = parsed(make_query({.edns = true}));
	Bytes small(12 + 18 + 4 + 10);  // one octet short of the OPT
	EXPECT_EQ(write_truncated(q, small), 0u);
	Bytes exact(12 + 18 + 4 + 11);
	EXPECT_EQ(write_truncated(q, exact), exact.size());
}

}  // namespace
}  // namespace xdpdns::dns
