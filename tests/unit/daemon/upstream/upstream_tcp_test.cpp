// TC=1 from upstream: the query again over TCP to the same server, the full
// answer delivered; failures of the TCP retry move on like a time-out.
#include "backend_driver.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace xdpdns::daemon::test {
namespace {

UdpHandler truncating()
{
	return answer({.tc = true, .lowercase = true, .opt = true});
}

TcpHandler big_answer(std::size_t size)
{
	return [size](const Bytes &q) -> std::optional<Bytes> {
		return make_answer(q, {.big = size, .lowercase = true, .opt = true});
	};
}

class TcpRetry : public ::testing::TestWithParam<int> {};

TEST_P(TcpRetry, TruncatedAnswerFetchedOverTcp)
{
	FakeUpstream server(GetParam(), truncating(), big_answer(3000));
	auto b = make_backend(config_for({&server}, 500));
	ASSERT_TRUE(b);
	const Bytes q = make_query({.name = "Big.example.test", .type = 16, .id = 0x3000});
	EXPECT_EQ(resolve(*b, q, 42).status, Backend::Status::pending);
	CollectingSink sink;
	drive(*b, sink, 1);

	ASSERT_EQ(sink.got.size(), 1u);
	EXPECT_EQ(sink.got[0].tag, 42u);
	const Bytes expected = make_answer(q, {.big = 3000});
	EXPECT_GE(expected.size(), 3000u);
	EXPECT_EQ(sink.got[0].answer, expected);
	EXPECT_EQ(sink.got[0].answer[2] & 0x02, 0) << "TC must be clear";

	// Over TCP the same forwarded query as over UDP.
	ASSERT_EQ(server.udp_queries().size(), 1u);
	ASSERT_EQ(server.tcp_queries().size(), 1u);
	EXPECT_EQ(server.tcp_queries()[0], server.udp_queries()[0]);
	EXPECT_EQ(b->counters().tcp_retries, 1u);
	EXPECT_EQ(b->counters().tcp_errors, 0u);
	EXPECT_EQ(b->counters().answered, 1u);
}

TEST_P(TcpRetry, ClientOptKeptOnTcpAnswer)
{
	FakeUpstream server(GetParam(), truncating(), big_answer(5000));
	auto b = make_backend(config_for({&server}, 500));
	ASSERT_TRUE(b);
	const Bytes q = make_query({.id = 0x3001, .opt = true, .bufsize = 1232});
	EXPECT_EQ(resolve(*b, q, 1).status, Backend::Status::pending);
	CollectingSink sink;
	drive(*b, sink, 1);
	ASSERT_EQ(sink.got.size(), 1u);
	EXPECT_EQ(sink.got[0].answer, make_answer(q, {.big = 5000, .opt = true, .opt_class = 1232}));
}

INSTANTIATE_TEST_SUITE_P(Families, TcpRetry, ::testing::Values(AF_INET, AF_INET6),
			 [](const auto &info) { return info.param == AF_INET ? "IPv4" : "IPv6"; });

TEST(TcpRetryFailure, RefusedConnectionMovesToTheNextServer)
{
	FakeUpstream no_tcp(AF_INET, truncating());  // nothing listens on its TCP port
	FakeUpstream good(AF_INET, answer());
	auto b = make_backend(config_for({&no_tcp, &good}, 500));
	ASSERT_TRUE(b);
	const Bytes q = make_query({});
	EXPECT_EQ(resolve(*b, q, 1).status, Backend::Status::pending);
	CollectingSink sink;
	drive(*b, sink, 1);
	ASSERT_EQ(sink.got.size(), 1u);
	EXPECT_EQ(sink.got[0].answer, make_answer(q, {}));
	EXPECT_EQ(b->counters().tcp_retries, 1u);
	EXPECT_EQ(b->counters().tcp_errors, 1u);
	EXPECT_EQ(b->counters().timeouts, 0u);
	EXPECT_EQ(good.udp_queries().size(), 1u);
}

TEST(TcpRetryFailure, ClosedWithoutAnswerGivesServfail)
{
	FakeUpstream server(AF_INET, truncating(),
			    [](const Bytes &) -> std::optional<Bytes> { return std::nullopt; });
	auto b = make_backend(config_for({&server}, 500));
	ASSERT_TRUE(b);
	EXPECT_EQ(resolve(*b, make_query({.id = 0x0505}), 1).status, Backend::Status::pending);
	CollectingSink sink;
	drive(*b, sink, 1);
	ASSERT_EQ(sink.got.size(), 1u);
	EXPECT_EQ(u16(sink.got[0].answer, 0), 0x0505);
	EXPECT_EQ(sink.got[0].answer[3] & 0x0f, 2);
	EXPECT_EQ(b->counters().tcp_errors, 1u);
	EXPECT_EQ(b->counters().servfails, 1u);
	EXPECT_EQ(server.tcp_queries().size(), 1u);
}

TEST(TcpRetryFailure, WrongAnswerOverTcpIsNotTaken)
{
	FakeUpstream server(AF_INET, truncating(), [](const Bytes &q) -> std::optional<Bytes> {
		Bytes a = make_answer(q, {.big = 2000});
		a[1] ^= 0x01;  // another ID
		return a;
	});
	auto b = make_backend(config_for({&server}, 500));
	ASSERT_TRUE(b);
	EXPECT_EQ(resolve(*b, make_query({}), 1).status, Backend::Status::pending);
	CollectingSink sink;
	drive(*b, sink, 1);
	ASSERT_EQ(sink.got.size(), 1u);
	EXPECT_EQ(sink.got[0].answer[3] & 0x0f, 2);
	EXPECT_EQ(b->counters().mismatched, 1u);
	EXPECT_EQ(b->counters().servfails, 1u);
}

TEST(TcpRetryFailure, SlowTcpServerTimesOut)
{
	FakeUpstream server(AF_INET, truncating(), [](const Bytes &q) -> std::optional<Bytes> {
		std::this_thread::sleep_for(std::chrono::milliseconds(300));
		return make_answer(q, {});
	});
	auto b = make_backend(config_for({&server}, 50));
	ASSERT_TRUE(b);
	EXPECT_EQ(resolve(*b, make_query({}), 1).status, Backend::Status::pending);
	CollectingSink sink;
	drive(*b, sink, 1);
	ASSERT_EQ(sink.got.size(), 1u);
	EXPECT_EQ(sink.got[0].answer[3] & 0x0f, 2);
	EXPECT_EQ(b->counters().tcp_retries, 1u);
	EXPECT_EQ(b->counters().timeouts, 1u);
	EXPECT_EQ(b->counters().servfails, 1u);
}

TEST(TcpRetryFailure, NoTcpRetryAllowedGivesServfail)
{
	FakeUpstream server(AF_INET, truncating(), big_answer(3000));
	UpstreamConfig c = config_for({&server}, 500);
	c.max_tcp = 0;
	auto b = make_backend(c);
	ASSERT_TRUE(b);
	EXPECT_EQ(resolve(*b, make_query({}), 1).status, Backend::Status::pending);
	CollectingSink sink;
	drive(*b, sink, 1);
	ASSERT_EQ(sink.got.size(), 1u);
	EXPECT_EQ(sink.got[0].answer[3] & 0x0f, 2);
	EXPECT_EQ(b->counters().tcp_retries, 0u);
	EXPECT_EQ(b->counters().servfails, 1u);
	EXPECT_TRUE(server.tcp_queries().empty());
}

TEST(TcpRetryFailure, OverTheTcpLimitGivesServfail)
{
	// The TCP answers take 100 ms each (served one after the other), so both
	// TCP slots are still taken when the third truncated reply is read.
	FakeUpstream server(AF_INET, truncating(), [](const Bytes &q) -> std::optional<Bytes> {
		std::this_thread::sleep_for(std::chrono::milliseconds(100));
		return make_answer(q, {.big = 3000});
	});
	UpstreamConfig c = config_for({&server}, 5000);
	c.max_tcp = 2;
	auto b = make_backend(c);
	ASSERT_TRUE(b);
	std::vector<Bytes> queries;
	for (std::uint16_t i = 0; i < 3; i++) {
		queries.push_back(make_query({.id = i}));
		EXPECT_EQ(resolve(*b, queries.back(), i).status, Backend::Status::pending);
	}
	ASSERT_TRUE(wait_for([&] { return server.udp_queries().size() == 3; }));
	CollectingSink sink;
	drive(*b, sink, 3);
	ASSERT_EQ(sink.got.size(), 3u);
	int servfails = 0;
	for (const Delivered &d : sink.got) {
		if ((d.answer[3] & 0x0f) == 2)
			servfails++;
		else
			EXPECT_EQ(d.answer, make_answer(queries[d.tag], {.big = 3000}));
	}
	EXPECT_EQ(servfails, 1);
	EXPECT_EQ(b->counters().tcp_retries, 2u);
	EXPECT_EQ(b->counters().servfails, 1u);
}

}  // namespace
}  // namespace xdpdns::daemon::test
