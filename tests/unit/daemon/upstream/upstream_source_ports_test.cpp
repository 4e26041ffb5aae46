// Queries leave from a pool of sockets on distinct random ports, one picked
// at random per query, and a reply is taken only on the socket its query
// left from (RFC 5452). Sockets move to new ports after their queries or
// their lifetime, never while a query waits on them.
#include "backend_driver.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

namespace xdpdns::daemon::test {
namespace {

std::set<std::uint16_t> pool_ports(const UpstreamBackend &b, int family)
{
	std::set<std::uint16_t> ports;
	for (unsigned i = 0; i < b.source_ports().per_family(); i++)
		ports.insert(b.source_ports().port(family, i));
	return ports;
}

TEST(SourcePorts, EachSocketOfThePoolHasItsOwnPort)
{
	for (int family : {AF_INET, AF_INET6}) {
		FakeUpstream server(family, silent());
		UpstreamConfig c = config_for({&server});
		c.source_ports = 32;
		auto b = make_backend(c);
		ASSERT_TRUE(b);
		const std::set<std::uint16_t> ports = pool_ports(*b, family);
		EXPECT_EQ(ports.size(), 32u);
		EXPECT_EQ(ports.count(0), 0u);
		// The other family was not opened: no server of it.
		EXPECT_EQ(b->source_ports().port(family == AF_INET ? AF_INET6 : AF_INET, 0), 0);
	}
}

TEST(SourcePorts, QueriesSpreadOverThePoolAndStayInIt)
{
	FakeUpstream server(AF_INET6, answer());
	auto b = make_backend(config_for({&server}, 2000));
	ASSERT_TRUE(b);
	const std::size_t count = 256;
	for (std::size_t i = 0; i < count; i++)
		ASSERT_EQ(resolve(*b, make_query({.name = "n" + std::to_string(i) + ".example.test"}), i).status,
			  Backend::Status::pending);
	CollectingSink sink;
	drive(*b, sink, count);
	ASSERT_EQ(sink.got.size(), count);

	const std::set<std::uint16_t> pool = pool_ports(*b, AF_INET6);
	const std::vector<std::uint16_t> used = server.udp_source_ports();
	ASSERT_EQ(used.size(), count);
	std::set<std::uint16_t> distinct;
	for (std::uint16_t p : used) {
		EXPECT_EQ(pool.count(p), 1u) << "query from port " << p << ", not one of the pool";
		distinct.insert(p);
	}
	// 256 random picks over 16 sockets: all 16 are used unless the pick is
	// broken (the chance that one is missed is below 1e-5).
	EXPECT_EQ(distinct.size(), 16u);
}

TEST(SourcePorts, RetriesOfAQueryUseItsSocket)
{
	FakeUpstream quiet(AF_INET, silent());
	FakeUpstream server(AF_INET, answer());
	auto b = make_backend(config_for({&quiet, &server}, 50));
	ASSERT_TRUE(b);
	ASSERT_EQ(resolve(*b, make_query({}), 7).status, Backend::Status::pending);
	CollectingSink sink;
	drive(*b, sink, 1);
	ASSERT_EQ(sink.got.size(), 1u);
	ASSERT_EQ(quiet.udp_source_ports().size(), 1u);
	ASSERT_EQ(server.udp_source_ports().size(), 1u);
	EXPECT_EQ(quiet.udp_source_ports()[0], server.udp_source_ports()[0]);
}

TEST(SourcePorts, ReplyToAnotherSocketOfThePoolIsIgnored)
{
	// The right server, ID and question, but sent to every other port of
	// the pool: none of them carried the query, so no answer is taken and
	// the query times out into SERVFAIL.
	const UpstreamBackend *backend = nullptr;
	FakeUpstream *self = nullptr;
	FakeUpstream server(AF_INET, [&](const Bytes &fwd) {
		const std::uint16_t from = self->udp_source_ports().back();
		const Bytes good = make_answer(fwd, {.lowercase = true, .opt = true});
		std::vector<Reply> replies;
		for (std::uint16_t p : pool_ports(*backend, AF_INET))
			if (p != from)
				replies.push_back({good, false, p});
		return replies;
	});
	self = &server;
	auto b = make_backend(config_for({&server}, 300));
	ASSERT_TRUE(b);
	backend = b.get();
	const Bytes q = make_query({.id = 0x4242});
	ASSERT_EQ(resolve(*b, q, 1).status, Backend::Status::pending);
	CollectingSink sink;
	drive(*b, sink, 1);

	ASSERT_EQ(sink.got.size(), 1u);
	EXPECT_EQ(sink.got[0].answer[3] & 0x0f, 2) << "SERVFAIL expected";
	EXPECT_EQ(b->counters().answered, 0u);
	EXPECT_EQ(b->counters().timeouts, 1u);
	EXPECT_TRUE(wait_for([&] {
		b->poll(sink, monotonic_ns());
		return b->counters().mismatched == 15;
	}));
	EXPECT_EQ(b->counters().mismatched, 15u);
	EXPECT_EQ(sink.got.size(), 1u);
}

// One query at a time through the backend, answered.
void resolve_one(UpstreamBackend &b, std::uint64_t tag)
{
	ASSERT_EQ(resolve(b, make_query({.name = "q" + std::to_string(tag) + ".example.test"}), tag).status,
		  Backend::Status::pending);
	CollectingSink sink;
	drive(b, sink, 1);
	ASSERT_EQ(sink.got.size(), 1u);
}

TEST(SourcePorts, APortMovesAfterItsQueries)
{
	FakeUpstream server(AF_INET, answer());
	UpstreamConfig c = config_for({&server}, 2000);
	c.source_ports = 1;
	c.source_port_queries = 4;
	auto b = make_backend(c);
	ASSERT_TRUE(b);
	for (std::uint64_t i = 0; i < 12; i++)
		resolve_one(*b, i);
	const std::vector<std::uint16_t> used = server.udp_source_ports();
	ASSERT_EQ(used.size(), 12u);
	for (std::size_t i = 0; i < used.size(); i++)
		EXPECT_EQ(used[i], used[i / 4 * 4]) << "query " << i << " left a 4-query socket early";
	EXPECT_NE(used[0], used[4]);
	EXPECT_NE(used[4], used[8]);
	EXPECT_EQ(b->source_ports().rotations(), 3u);
	EXPECT_EQ(b->source_ports().rotation_failures(), 0u);
}

TEST(SourcePorts, APortMovesAfterItsLifetime)
{
	FakeUpstream server(AF_INET6, answer());
	UpstreamConfig c = config_for({&server}, 2000);
	c.source_ports = 1;
	c.source_port_lifetime_ms = 20;
	auto b = make_backend(c);
	ASSERT_TRUE(b);
	resolve_one(*b, 1);
	std::this_thread::sleep_for(std::chrono::milliseconds(40));
	resolve_one(*b, 2);
	const std::vector<std::uint16_t> used = server.udp_source_ports();
	ASSERT_EQ(used.size(), 2u);
	EXPECT_NE(used[0], used[1]);
	EXPECT_GE(b->source_ports().rotations(), 1u);
}

TEST(SourcePorts, ABusyRetiredSocketKeepsItsPortUntilItsQueriesAreDone)
{
	// Each socket retires after one query. The second query avoids the
	// first's socket; the third finds both retired and busy and shares one.
	// All three answers arrive on the sockets their queries left from.
	FakeUpstream server(AF_INET, answer());
	UpstreamConfig c = config_for({&server}, 2000);
	c.source_ports = 2;
	c.source_port_queries = 1;
	auto b = make_backend(c);
	ASSERT_TRUE(b);
	const std::uint16_t before[2] = {b->source_ports().port(AF_INET, 0), b->source_ports().port(AF_INET, 1)};
	for (std::uint64_t tag = 1; tag <= 3; tag++)
		ASSERT_EQ(resolve(*b, make_query({.name = "b" + std::to_string(tag) + ".example.test"}), tag).status,
			  Backend::Status::pending);
	CollectingSink sink;
	drive(*b, sink, 3);
	ASSERT_EQ(sink.got.size(), 3u);
	EXPECT_EQ(b->counters().answered, 3u);
	EXPECT_EQ(b->counters().mismatched, 0u);

	const std::vector<std::uint16_t> used = server.udp_source_ports();
	ASSERT_EQ(used.size(), 3u);
	EXPECT_NE(used[0], used[1]);
	for (std::uint16_t p : used)
		EXPECT_TRUE(p == before[0] || p == before[1]) << "query from port " << p;
	// Both sockets were replaced once their queries were done.
	EXPECT_EQ(b->source_ports().rotations(), 2u);
	EXPECT_NE(b->source_ports().port(AF_INET, 0), before[0]);
	EXPECT_NE(b->source_ports().port(AF_INET, 1), before[1]);
}

}  // namespace
}  // namespace xdpdns::daemon::test
