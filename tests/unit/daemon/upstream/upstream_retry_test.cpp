// Time-outs, the next server, round robin, SERVFAIL when every try failed,
// the in-flight table limit and the deadline the worker sleeps until.
#include "backend_driver.h"

#include <gtest/gtest.h>

#include <limits>

namespace xdpdns::daemon::test {
namespace {

// The SERVFAIL the client must get, written out by hand: ID, QR, opcode 0,
// RD and CD copied, RCODE 2, the question, and OPT (our size, DO copied)
// only when the query had one.
Bytes expected_servfail(const Bytes &query, std::uint16_t flags, std::optional<std::uint16_t> opt_class,
			bool do_bit = false)
{
	Bytes m{query[0], query[1], static_cast<std::uint8_t>(flags >> 8), static_cast<std::uint8_t>(flags),
		0, 1, 0, 0, 0, 0, 0, static_cast<std::uint8_t>(opt_class ? 1 : 0)};
	const Bytes question = question_of(query);
	m.insert(m.end(), question.begin(), question.end());
	if (opt_class)
		m.insert(m.end(), {0, 0, 41, static_cast<std::uint8_t>(*opt_class >> 8),
				   static_cast<std::uint8_t>(*opt_class), 0, 0,
				   static_cast<std::uint8_t>(do_bit ? 0x80 : 0), 0, 0, 0});
	return m;
}

TEST(Retry, SilentServerTimesOutAndTheNextOneAnswers)
{
	FakeUpstream mute(AF_INET, silent());
	FakeUpstream good(AF_INET, answer());
	auto b = make_backend(config_for({&mute, &good}));
	ASSERT_TRUE(b);
	const Bytes q = make_query({.id = 0x7777});
	EXPECT_EQ(resolve(*b, q, 9).status, Backend::Status::pending);
	CollectingSink sink;
	drive(*b, sink, 1);

	ASSERT_EQ(sink.got.size(), 1u);
	EXPECT_EQ(sink.got[0].tag, 9u);
	EXPECT_EQ(sink.got[0].answer, make_answer(q, {}));
	ASSERT_EQ(mute.udp_queries().size(), 1u);
	ASSERT_EQ(good.udp_queries().size(), 1u);
	// The same forwarded query (and ID) on both: a late answer from the
	// first server would still have been taken.
	EXPECT_EQ(mute.udp_queries()[0], good.udp_queries()[0]);
	EXPECT_EQ(b->counters().sent, 2u);
	EXPECT_EQ(b->counters().timeouts, 1u);
	EXPECT_EQ(b->counters().servfails, 0u);
}

// A server answering with RCODE `rcode` and no records.
UdpHandler replying_rcode(std::uint8_t rcode)
{
	return [rcode](const Bytes &q) { return std::vector<Reply>{{make_answer(q, {.rcode = rcode})}}; };
}

TEST(Retry, RefusingServerSendsTheQueryOnToTheNext)
{
	FakeUpstream refusing(AF_INET, replying_rcode(5));
	FakeUpstream good(AF_INET, answer());
	auto b = make_backend(config_for({&refusing, &good}));
	ASSERT_TRUE(b);
	const Bytes q = make_query({.id = 0x5151});
	EXPECT_EQ(resolve(*b, q, 4).status, Backend::Status::pending);
	CollectingSink sink;
	drive(*b, sink, 1);

	ASSERT_EQ(sink.got.size(), 1u);
	EXPECT_EQ(sink.got[0].answer, make_answer(q, {}));
	EXPECT_EQ(refusing.udp_queries().size(), 1u);
	EXPECT_EQ(good.udp_queries().size(), 1u);
	EXPECT_EQ(b->counters().declined, 1u);
	EXPECT_EQ(b->counters().timeouts, 0u);
}

TEST(Retry, EveryServerDecliningPassesOnTheLastReply)
{
	FakeUpstream failing(AF_INET, replying_rcode(2));
	FakeUpstream refusing(AF_INET, replying_rcode(5));
	auto b = make_backend(config_for({&failing, &refusing}));
	ASSERT_TRUE(b);
	const Bytes q = make_query({.id = 0x5252});
	EXPECT_EQ(resolve(*b, q, 5).status, Backend::Status::pending);
	CollectingSink sink;
	drive(*b, sink, 1);

	ASSERT_EQ(sink.got.size(), 1u);
	EXPECT_EQ(sink.got[0].answer, make_answer(q, {.rcode = 5}));
	EXPECT_EQ(b->counters().declined, 1u);
	EXPECT_EQ(b->counters().servfails, 0u);
}

TEST(Retry, NxdomainIsAnAnswerNotAFailure)
{
	FakeUpstream nx(AF_INET, replying_rcode(3));
	FakeUpstream other(AF_INET, answer());
	auto b = make_backend(config_for({&nx, &other}));
	ASSERT_TRUE(b);
	const Bytes q = make_query({.id = 0x5353});
	EXPECT_EQ(resolve(*b, q, 6).status, Backend::Status::pending);
	CollectingSink sink;
	drive(*b, sink, 1);

	ASSERT_EQ(sink.got.size(), 1u);
	EXPECT_EQ(sink.got[0].answer, make_answer(q, {.rcode = 3}));
	EXPECT_TRUE(other.udp_queries().empty());
	EXPECT_EQ(b->counters().declined, 0u);
}

TEST(Retry, AllSilentGivesServfailWithoutOpt)
{
	FakeUpstream a(AF_INET, silent());
	FakeUpstream c(AF_INET6, silent());
	auto b = make_backend(config_for({&a, &c}));
	ASSERT_TRUE(b);
	const Bytes q = make_query({.name = "Down.example.TEST", .type = 28, .id = 0xbeef, .flags = 0x0110});
	EXPECT_EQ(resolve(*b, q, 3).status, Backend::Status::pending);
	CollectingSink sink;
	drive(*b, sink, 1);

	ASSERT_EQ(sink.got.size(), 1u);
	EXPECT_EQ(sink.got[0].tag, 3u);
	EXPECT_EQ(sink.got[0].answer, expected_servfail(q, 0x8112, std::nullopt));
	EXPECT_TRUE(wait_for([&] { return a.udp_queries().size() == 1 && c.udp_queries().size() == 1; }));
	EXPECT_EQ(b->counters().timeouts, 2u);
	EXPECT_EQ(b->counters().servfails, 1u);
	EXPECT_EQ(b->in_flight(), 0u);
}

TEST(Retry, AllSilentGivesServfailWithOurOpt)
{
	FakeUpstream a(AF_INET, silent());
	UpstreamConfig c = config_for({&a});
	c.edns_size = 1300;
	auto b = make_backend(c);
	ASSERT_TRUE(b);
	const Bytes q = make_query({.id = 0x0102, .flags = 0x0000, .opt = true, .bufsize = 4000, .do_bit = true});
	EXPECT_EQ(resolve(*b, q, 4).status, Backend::Status::pending);
	CollectingSink sink;
	drive(*b, sink, 1);
	ASSERT_EQ(sink.got.size(), 1u);
	EXPECT_EQ(sink.got[0].answer, expected_servfail(q, 0x8002, 1300, true));
}

TEST(Retry, TriesMayRevisitServers)
{
	FakeUpstream a(AF_INET, silent());
	UpstreamConfig c = config_for({&a});
	c.tries = 3;
	auto b = make_backend(c);
	ASSERT_TRUE(b);
	EXPECT_EQ(resolve(*b, make_query({}), 4).status, Backend::Status::pending);
	CollectingSink sink;
	drive(*b, sink, 1);
	ASSERT_EQ(sink.got.size(), 1u);
	EXPECT_TRUE(wait_for([&] { return a.udp_queries().size() == 3; }));
	EXPECT_EQ(b->counters().timeouts, 3u);
	EXPECT_EQ(b->counters().servfails, 1u);
}

TEST(Retry, RoundRobinStartsEachQueryOnTheNextServer)
{
	FakeUpstream a(AF_INET, answer());
	FakeUpstream c(AF_INET, answer());
	FakeUpstream d(AF_INET, answer());
	auto b = make_backend(config_for({&a, &c, &d}));
	ASSERT_TRUE(b);
	for (std::uint64_t i = 0; i < 6; i++)
		EXPECT_EQ(resolve(*b, make_query({.id = static_cast<std::uint16_t>(i)}), i).status,
			  Backend::Status::pending);
	CollectingSink sink;
	drive(*b, sink, 6);
	EXPECT_EQ(sink.got.size(), 6u);
	EXPECT_EQ(a.udp_queries().size(), 2u);
	EXPECT_EQ(c.udp_queries().size(), 2u);
	EXPECT_EQ(d.udp_queries().size(), 2u);
	EXPECT_EQ(b->counters().timeouts, 0u);
}

TEST(Retry, ServerThatCannotBeSentToIsSkippedAtOnce)
{
	// A UDP send to the broadcast address without SO_BROADCAST fails (EACCES).
	FakeUpstream good(AF_INET, answer());
	UpstreamConfig c = config_for({&good});
	c.servers.insert(c.servers.begin(), *parse_endpoint("255.255.255.255"));
	auto b = make_backend(c);
	ASSERT_TRUE(b);
	const Bytes q = make_query({});
	EXPECT_EQ(resolve(*b, q, 1).status, Backend::Status::pending);
	EXPECT_EQ(b->counters().send_errors, 1u);
	EXPECT_EQ(b->counters().sent, 1u);
	CollectingSink sink;
	drive(*b, sink, 1);
	ASSERT_EQ(sink.got.size(), 1u);
	EXPECT_EQ(sink.got[0].answer, make_answer(q, {}));
	EXPECT_EQ(b->counters().timeouts, 0u);
}

TEST(Retry, NoServerCanBeSentToAnswersServfailAtOnce)
{
	UpstreamConfig c;
	c.servers.push_back(*parse_endpoint("255.255.255.255:53"));
	auto b = make_backend(c);
	ASSERT_TRUE(b);
	const Bytes q = make_query({.id = 0x4321});
	const Resolved r = resolve(*b, q, 1);
	EXPECT_EQ(r.status, Backend::Status::answered);
	EXPECT_EQ(r.answer, expected_servfail(q, 0x8102, std::nullopt));
	EXPECT_EQ(b->in_flight(), 0u);
	EXPECT_EQ(b->counters().servfails, 1u);
}

TEST(Retry, FullTableDropsAndSlotsComeBack)
{
	FakeUpstream mute(AF_INET, silent());
	UpstreamConfig c = config_for({&mute});
	c.max_in_flight = 4;
	auto b = make_backend(c);
	ASSERT_TRUE(b);
	for (std::uint64_t i = 0; i < 4; i++)
		EXPECT_EQ(resolve(*b, make_query({}), i).status, Backend::Status::pending);
	const Resolved r = resolve(*b, make_query({}), 99);
	EXPECT_EQ(r.status, Backend::Status::dropped);
	EXPECT_TRUE(r.answer.empty());
	EXPECT_EQ(b->counters().table_full, 1u);
	EXPECT_EQ(b->in_flight(), 4u);

	CollectingSink sink;
	drive(*b, sink, 4);
	ASSERT_EQ(sink.got.size(), 4u);
	for (std::size_t i = 0; i < 4; i++)
		EXPECT_EQ(sink.got[i].answer[3] & 0x0f, 2) << "SERVFAIL expected";
	EXPECT_EQ(b->in_flight(), 0u);
	EXPECT_TRUE(wait_for([&] { return mute.udp_queries().size() == 4; }));  // the 5th never went out
	EXPECT_EQ(resolve(*b, make_query({}), 100).status, Backend::Status::pending);
}

TEST(Retry, NextDeadlineIsTheEarliestTry)
{
	FakeUpstream mute(AF_INET, silent());
	UpstreamConfig c = config_for({&mute}, 50);
	auto b = make_backend(c);
	ASSERT_TRUE(b);
	EXPECT_EQ(b->next_deadline_ns(), std::numeric_limits<std::uint64_t>::max());
	const std::uint64_t before = monotonic_ns();
	EXPECT_EQ(resolve(*b, make_query({}), 1).status, Backend::Status::pending);
	const std::uint64_t after = monotonic_ns();
	const std::uint64_t first = b->next_deadline_ns();
	EXPECT_GE(first, before + 50'000'000u);
	EXPECT_LE(first, after + 50'000'000u);
	EXPECT_EQ(resolve(*b, make_query({}), 2).status, Backend::Status::pending);
	EXPECT_EQ(b->next_deadline_ns(), first);  // the second query ends later

	// poll() before the deadline changes nothing; at the deadline the
	// single try of the first query ends in SERVFAIL.
	CollectingSink sink;
	b->poll(sink, first - 1);
	EXPECT_TRUE(sink.got.empty());
	b->poll(sink, first);
	ASSERT_EQ(sink.got.size(), 1u);
	EXPECT_EQ(sink.got[0].tag, 1u);
	EXPECT_GT(b->next_deadline_ns(), first);
	EXPECT_NE(b->next_deadline_ns(), std::numeric_limits<std::uint64_t>::max());
}

}  // namespace
}  // namespace xdpdns::daemon::test
