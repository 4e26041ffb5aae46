// The forwarding backend's message rewriting (upstream_codec.h).
#include <gtest/gtest.h>

#include "dns/query.h"
#include "dns/upstream_codec.h"
#include "dns/zone_backend.h"
#include "test_support.h"

namespace xdpdns::dns {
namespace {

using test::append_opt;
using test::Bytes;
using test::concat;
using test::Decoded;
using test::make_query;
using test::QuerySpec;
using test::wire_name;

Query parsed(const Bytes &m)
{
	Query q;
	EXPECT_EQ(parse_query(m, q), ParseResult::ok);
	return q;
}

Bytes forward(const Query &q, uint16_t id)
{
	Bytes out(512);
	out.resize(write_forward_query(q, id, out));
	return out;
}

const Bytes question_www = concat({wire_name("Www.Zone.Test"), {0, 1, 0, 1}});

TEST(ForwardQuery, InsertsAnOptWhenTheClientHadNone)
{
	const Query q = parsed(make_query({.name = "Www.Zone.Test", .flags = flag::rd | flag::cd}));
	EXPECT_EQ(forward(q, 0xabcd), concat({{0xab, 0xcd, 0x01, 0x10, 0, 1, 0, 0, 0, 0, 0, 1},
					      question_www,
					      {0, 0, 41, 0x10, 0x00, 0, 0, 0, 0, 0, 0}}));
}

TEST(ForwardQuery, ReplacesTheClientsOpt)
{
	Bytes m = make_query({.name = "Www.Zone.Test", .flags = flag::rd});
	append_opt(m, 1232, 0, true, Bytes{0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8});  // cookie option
	// and a record after it that must not be forwarded
	m.insert(m.end(), {0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4});
	store_be16(m.data() + hdr::arcount, 2);
	const Query q = parsed(m);
	EXPECT_EQ(forward(q, 7), concat({{0, 7, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1},
					 question_www,
					 {0, 0, 41, 0x10, 0x00, 0, 0, 0x80, 0, 0, 0}}));
	Bytes tiny(20);
	EXPECT_EQ(write_forward_query(q, 7, tiny), 0u);
}

TEST(MatchReply, IdQrAndQuestion)
{
	const Query q = parsed(make_query({.name = "Www.Zone.Test"}));
	Bytes reply = concat({{0x55, 0x66, 0x84, 0x00, 0, 1, 0, 0, 0, 0, 0, 0},
			      wire_name("wWW.zONE.tEST"), {0, 1, 0, 1}});
	EXPECT_TRUE(match_reply(reply, 0x5566, q));  // case-insensitive
	EXPECT_FALSE(match_reply(reply, 0x5567, q));

	Bytes not_response = reply;
	not_response[2] &= 0x7f;
	EXPECT_FALSE(match_reply(not_response, 0x5566, q));

	Bytes other_type = reply;
	other_type[other_type.size() - 3] = 28;
	EXPECT_FALSE(match_reply(other_type, 0x5566, q));

	Bytes other_name = concat({{0x55, 0x66, 0x84, 0x00, 0, 1, 0, 0, 0, 0, 0, 0},
				   wire_name("www.zone.tesu"), {0, 1, 0, 1}});
	EXPECT_FALSE(match_reply(other_name, 0x5566, q));

	Bytes no_question = reply;
	no_question[5] = 0;
	EXPECT_FALSE(match_reply(no_question, 0x5566, q));

	Bytes cut(reply.begin(), reply.end() - 1);
	EXPECT_FALSE(match_reply(cut, 0x5566, q));
	EXPECT_FALSE(match_reply(Bytes(reply.begin(), reply.begin() + 11), 0x5566, q));
}

TEST(TcBit, ReadsTheFlag)
{
	EXPECT_TRUE(tc_bit(Bytes{0, 0, 0x82, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
	EXPECT_FALSE(tc_bit(Bytes{0, 0, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
	EXPECT_FALSE(tc_bit(Bytes{0, 0, 0x82}));
}

// An upstream server: our own zone backend answering the forwarded query.
class RestoreReply : public ::testing::Test {
protected:
	static void SetUpTestSuite()
	{
		zones_ = test::load_set({std::string(XDPDNS_TEST_ZONES) + "/zone.test.zone"});
	}
	static void TearDownTestSuite() { zones_.reset(); }

	static Bytes serve(const Bytes &m, uint16_t edns_size)
	{
		const Query q = parsed(m);
		Bytes out(max_message);
		out.resize(answer(*zones_, q, Transport::udp, out, edns_size).size);
		return out;
	}

	// The client's answer through the forwarding path.
	static Bytes via_upstream(const Bytes &client_msg, uint16_t edns_size = 1232)
	{
		const Query client = parsed(client_msg);
		const Bytes reply = serve(forward(client, 0x9999), 4096);
		EXPECT_TRUE(match_reply(reply, 0x9999, client));
		Bytes out(max_message);
		out.resize(restore_reply(reply, out, client, client.has_opt, edns_size));
		return out;
	}

	static std::shared_ptr<const ZoneSet> zones_;
};
std::shared_ptr<const ZoneSet> RestoreReply::zones_;

TEST_F(RestoreReply, SameAsAnsweringDirectly)
{
	// Referral with glue (several sections), with and without EDNS, DO.
	for (const QuerySpec &s : {QuerySpec{.name = "Host.Sub.Zone.Test"},
				   QuerySpec{.name = "host.sub.zone.test", .edns = true, .do_bit = true},
				   QuerySpec{.name = "alias.zone.test", .edns = true},
				   QuerySpec{.name = "nothere.zone.test"}}) {
		const Bytes m = make_query(s);
		EXPECT_EQ(via_upstream(m), serve(m, 1232)) << s.name << " edns " << s.edns;
	}
}

TEST_F(RestoreReply, ClientCaseAndIdComeBack)
{
	const Bytes m = make_query({.name = "WwW.ZoNe.TeSt", .id = 0x4242});
	const Query client = parsed(m);
	Bytes reply = serve(forward(client, 1), 4096);
	// The upstream lowercases the question.
	for (size_t i = 12; i < 12u + client.qname_len; i++)
		reply[i] = ascii_lower(reply[i]);
	Bytes out(512);
	out.resize(restore_reply(reply, out, client, false, 1232));
	EXPECT_EQ(test::field(out, hdr::id), 0x4242);
	EXPECT_EQ(Decoded(out).question(), (std::vector<std::string>{"WwW.ZoNe.TeSt. IN A"}));
	EXPECT_FALSE(Decoded(out).has_edns());
	EXPECT_EQ(test::field(out, hdr::arcount), 0);
	EXPECT_EQ(out.size(), reply.size() - 11);
}

TEST_F(RestoreReply, OptSizeRewrittenWhenTheClientHadOne)
{
	const Bytes m = make_query({.name = "www.zone.test", .edns = true, .do_bit = true});
	const Bytes out = via_upstream(m, 1400);
	Decoded d(out);
	EXPECT_TRUE(d.has_edns());
	EXPECT_EQ(d.edns_udp_size(), 1400);
	EXPECT_TRUE(d.edns_do());
}

TEST_F(RestoreReply, OptAddedWhenTheUpstreamHadNone)
{
	const Bytes m = make_query({.name = "www.zone.test", .edns = true});
	const Query client = parsed(m);
	// A server without EDNS (its reply has no OPT).
	const Bytes reply = serve(make_query({.name = "www.zone.test"}), 1232);
	Bytes out(512);
	out.resize(restore_reply(reply, out, client, true, 1232));
	ASSERT_EQ(out.size(), reply.size() + 11);
	EXPECT_EQ(test::field(out, hdr::arcount), 1);
	EXPECT_EQ(Bytes(out.end() - 11, out.end()), (Bytes{0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0}));
}

TEST_F(RestoreReply, RecordsAfterARemovedOptAreDropped)
{
	const Query client = parsed(make_query({.name = "www.zone.test"}));
	Bytes reply = serve(forward(client, 1), 4096);
	const size_t with_opt = reply.size();
	// A TSIG-like record after the OPT.
	reply.insert(reply.end(), {0, 0, 250, 0, 255, 0, 0, 0, 0, 0, 2, 0xaa, 0xbb});
	store_be16(reply.data() + hdr::arcount, 2);
	Bytes out(512);
	out.resize(restore_reply(reply, out, client, false, 1232));
	EXPECT_EQ(out.size(), with_opt - 11);
	EXPECT_EQ(test::field(out, hdr::arcount), 0);
	// Kept (verbatim) when the OPT stays.
	Bytes kept(512);
	kept.resize(restore_reply(reply, kept, client, true, 1232));
	EXPECT_EQ(kept.size(), reply.size());
	EXPECT_EQ(test::field(kept, hdr::arcount), 2);
}

TEST_F(RestoreReply, ExtendedRcodeWithoutClientOptBecomesServfail)
{
	const Query client = parsed(make_query({.name = "www.zone.test"}));
	Bytes reply = serve(forward(client, 1), 4096);
	reply[reply.size() - 6] = 1;  // OPT ext-rcode: BADVERS-like
	Bytes out(512);
	out.resize(restore_reply(reply, out, client, false, 1232));
	EXPECT_EQ(test::field(out, hdr::flags) & flag::rcode_mask, rcode::servfail);
}

TEST_F(RestoreReply, MalformedRepliesAreRejected)
{
	const Query client = parsed(make_query({.name = "www.zone.test"}));
	const Bytes good = serve(forward(client, 1), 4096);
	Bytes out(max_message);
	ASSERT_GT(restore_reply(good, out, client, false, 1232), 0u);

	Bytes cut(good.begin(), good.end() - 1);
	EXPECT_EQ(restore_reply(cut, out, client, false, 1232), 0u) << "truncated OPT";

	Bytes extra_count = good;
	store_be16(extra_count.data() + hdr::ancount, 3);
	EXPECT_EQ(restore_reply(extra_count, out, client, false, 1232), 0u) << "count beyond the records";

	Bytes two_opts = good;
	append_opt(two_opts, 512);
	EXPECT_EQ(restore_reply(two_opts, out, client, false, 1232), 0u) << "two OPTs";

	Bytes opt_in_answer = good;  // the OPT counted as an answer record
	store_be16(opt_in_answer.data() + hdr::ancount, 3);
	store_be16(opt_in_answer.data() + hdr::arcount, 0);
	EXPECT_EQ(restore_reply(opt_in_answer, out, client, false, 1232), 0u) << "OPT in the answer section";

	Bytes bad_pointer = good;  // first answer owner points forward
	bad_pointer[12 + 15 + 4 + 1] = 0xff;
	EXPECT_EQ(restore_reply(bad_pointer, out, client, false, 1232), 0u) << "forward pointer";

	const Query other = parsed(make_query({.name = "ww.zone.test"}));
	EXPECT_EQ(restore_reply(good, out, other, false, 1232), 0u) << "question of another length";

	Bytes small(good.size() - 12);
	EXPECT_EQ(restore_reply(good, small, client, false, 1232), 0u) << "out too small";
}

}  // namespace
}  // namespace xdpdns::dns
