// Forwarding and restoring: what the upstream server sees, and the exact
// answer the client gets back (its ID, its question's case, OPT iff it had one).
#include "backend_driver.h"

#include <gtest/gtest.h>

#include <limits>

namespace xdpdns::daemon::test {
namespace {

class Forward : public ::testing::TestWithParam<int> {};

TEST_P(Forward, AnswerRestoredForClientWithoutOpt)
{
	FakeUpstream server(GetParam(), answer({.lowercase = true, .opt = true}));
	auto b = make_backend(config_for({&server}));
	ASSERT_TRUE(b);
	const Bytes q = make_query({.name = "www.Example.TEST", .id = 0xa1b2});

	const Resolved r = resolve(*b, q, 77);
	EXPECT_EQ(r.status, Backend::Status::pending);
	EXPECT_TRUE(r.answer.empty());
	EXPECT_EQ(b->in_flight(), 1u);
	CollectingSink sink;
	drive(*b, sink, 1);

	ASSERT_EQ(sink.got.size(), 1u);
	EXPECT_EQ(sink.got[0].tag, 77u);
	// Client ID, the client's case in the question, the server's OPT removed.
	EXPECT_EQ(sink.got[0].answer, make_answer(q, {.opt = false}));
	EXPECT_EQ(u16(sink.got[0].answer, 0), 0xa1b2);
	EXPECT_EQ(find_opt(sink.got[0].answer), 0u);

	// Upstream saw the question byte for byte, the client's flags and our OPT.
	const auto seen = server.udp_queries();
	ASSERT_EQ(seen.size(), 1u);
	EXPECT_EQ(question_of(seen[0]), question_of(q));
	EXPECT_EQ(u16(seen[0], 2), 0x0100);
	EXPECT_EQ(u16(seen[0], 4), 1);
	EXPECT_EQ(u16(seen[0], 10), 1);
	const std::size_t opt = find_opt(seen[0]);
	ASSERT_NE(opt, 0u);
	EXPECT_EQ(u16(seen[0], opt + 3), 4096);

	EXPECT_EQ(b->counters().sent, 1u);
	EXPECT_EQ(b->counters().answered, 1u);
	EXPECT_EQ(b->counters().timeouts, 0u);
	EXPECT_EQ(b->counters().mismatched, 0u);
	EXPECT_EQ(b->in_flight(), 0u);
	EXPECT_EQ(b->next_deadline_ns(), std::numeric_limits<std::uint64_t>::max());
}

TEST_P(Forward, OptKeptWithOurSizeForClientWithOpt)
{
	FakeUpstream server(GetParam(), answer({.lowercase = true, .opt = true}));
	UpstreamConfig c = config_for({&server});
	c.edns_size = 1300;
	auto b = make_backend(c);
	ASSERT_TRUE(b);
	const Bytes q = make_query({.name = "MiXeD.example.test", .id = 0x0042, .opt = true,
				    .bufsize = 1400, .do_bit = true});

	EXPECT_EQ(resolve(*b, q, 5).status, Backend::Status::pending);
	CollectingSink sink;
	drive(*b, sink, 1);

	ASSERT_EQ(sink.got.size(), 1u);
	EXPECT_EQ(sink.got[0].tag, 5u);
	EXPECT_EQ(sink.got[0].answer, make_answer(q, {.opt = true, .opt_class = 1300, .opt_do = true}));

	// DO went upstream in our OPT (which does not carry the client's 1400).
	const auto seen = server.udp_queries();
	ASSERT_EQ(seen.size(), 1u);
	const std::size_t opt = find_opt(seen[0]);
	ASSERT_NE(opt, 0u);
	EXPECT_EQ(u16(seen[0], opt + 3), 4096);
	EXPECT_EQ(seen[0][opt + 7] & 0x80, 0x80);
}

TEST_P(Forward, LiveEdnsSizeKnobIsRead)
{
	FakeUpstream server(GetParam(), answer({.opt = true}));
	std::uint32_t knob = 1452;
	UpstreamConfig c = config_for({&server});
	c.live_edns_size = &knob;
	auto b = make_backend(c);
	ASSERT_TRUE(b);
	const Bytes q = make_query({.opt = true});
	EXPECT_EQ(resolve(*b, q, 1).status, Backend::Status::pending);
	CollectingSink sink;
	drive(*b, sink, 1);
	ASSERT_EQ(sink.got.size(), 1u);
	EXPECT_EQ(sink.got[0].answer, make_answer(q, {.opt = true, .opt_class = 1452}));
}

INSTANTIATE_TEST_SUITE_P(Families, Forward, ::testing::Values(AF_INET, AF_INET6),
			 [](const auto &info) { return info.param == AF_INET ? "IPv4" : "IPv6"; });

TEST(ForwardMixed, Ipv4AndIpv6ServersFromOneBackend)
{
	FakeUpstream v4(AF_INET, answer());
	FakeUpstream v6(AF_INET6, answer());
	auto b = make_backend(config_for({&v4, &v6}));
	ASSERT_TRUE(b);
	const Bytes q1 = make_query({.name = "one.example.test", .id = 1});
	const Bytes q2 = make_query({.name = "two.example.test", .id = 2});
	EXPECT_EQ(resolve(*b, q1, 1).status, Backend::Status::pending);
	EXPECT_EQ(resolve(*b, q2, 2).status, Backend::Status::pending);
	CollectingSink sink;
	drive(*b, sink, 2);
	ASSERT_EQ(sink.got.size(), 2u);
	for (const Delivered &d : sink.got)
		EXPECT_EQ(d.answer, make_answer(d.tag == 1 ? q1 : q2, {}));
	// Round robin: the first query went to the IPv4 server, the second to IPv6.
	ASSERT_EQ(v4.udp_queries().size(), 1u);
	ASSERT_EQ(v6.udp_queries().size(), 1u);
	EXPECT_EQ(question_of(v4.udp_queries()[0]), question_of(q1));
	EXPECT_EQ(question_of(v6.udp_queries()[0]), question_of(q2));
}

}  // namespace
}  // namespace xdpdns::daemon::test
