// Queries leave from a pool of sockets on distinct random ports, one picked
// at random per query, and a reply is taken only on the socket its query
// left from (RFC 5452). Sockets move to new ports after their queries or
// their lifetime, never while a query waits on them.
#include "backend_driver.h"

#include <gtest/gtest.h>

#include <sys/epoll.h>

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

// A backend on `server` whose pool has `sockets` per family, each moving
// after `queries` queries or `lifetime_ms`.
std::unique_ptr<UpstreamBackend> pool_backend(const FakeUpstream &server, std::uint32_t sockets,
					      std::uint32_t queries = 1000, std::uint32_t lifetime_ms = 30000)
{
	UpstreamConfig c = config_for({&server}, 2000);
	c.source_ports = sockets;
	c.source_port_queries = queries;
	c.source_port_lifetime_ms = lifetime_ms;
	return make_backend(c);
}

// `count` queries for distinct names, all left pending.
void send_pending(UpstreamBackend &b, const std::string &prefix, std::uint64_t count)
{
	for (std::uint64_t tag = 1; tag <= count; tag++)
		ASSERT_EQ(resolve(b, make_query({.name = prefix + std::to_string(tag) + ".example.test"}), tag).status,
			  Backend::Status::pending);
}

TEST(SourcePorts, EachSocketOfThePoolHasItsOwnPort)
{
	for (int family : {AF_INET, AF_INET6}) {
		FakeUpstream server(family, silent());
		auto b = pool_backend(server, 32);
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
	send_pending(*b, "n", count);
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
	auto b = pool_backend(server, 1, 4);
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
	auto b = pool_backend(server, 1, 1000, 20);
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
	auto b = pool_backend(server, 2, 1);
	ASSERT_TRUE(b);
	const std::uint16_t before[2] = {b->source_ports().port(AF_INET, 0), b->source_ports().port(AF_INET, 1)};
	send_pending(*b, "b", 3);
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

// The pool on its own, with chosen "random" values: which socket each
// query gets, and that a retired socket is replaced only when idle.
TEST(SourcePorts, RetiredSocketsAreAvoidedAndReplacedOnlyWhenIdle)
{
	Fd ep(epoll_create1(EPOLL_CLOEXEC));
	ASSERT_TRUE(ep.valid());
	auto pool = SourcePorts::open(true, false, {.per_family = 2, .rotate_after = 1}, ep.get(), 0);
	ASSERT_TRUE(pool.ok()) << pool.error().message;
	SourcePorts &p = *pool;
	const std::uint16_t port0 = p.port(AF_INET, 0), port1 = p.port(AF_INET, 1);

	EXPECT_EQ(p.take(0, 0), 0u);  // socket 0, now retired (1 query)
	EXPECT_EQ(p.take(0, 0), 1u);  // 0 is retired and busy: the next one
	EXPECT_EQ(p.take(0, 0), 0u);  // both retired and busy: shared
	EXPECT_EQ(p.port(AF_INET, 0), port0);

	p.give_back(0, 0);  // one query still waits on socket 0
	EXPECT_EQ(p.port(AF_INET, 0), port0);
	EXPECT_EQ(p.rotations(), 0u);
	p.give_back(0, 0);  // idle now: replaced
	EXPECT_NE(p.port(AF_INET, 0), port0);
	EXPECT_NE(p.port(AF_INET, 0), 0);
	EXPECT_EQ(p.port(AF_INET, 1), port1);
	p.give_back(1, 0);
	EXPECT_NE(p.port(AF_INET, 1), port1);
	EXPECT_EQ(p.rotations(), 2u);
	// No IPv6 sockets were asked for.
	EXPECT_EQ(p.fd(AF_INET6, 0), -1);
}

TEST(SourcePorts, BadPoolSizesAreRefused)
{
	Fd ep(epoll_create1(EPOLL_CLOEXEC));
	ASSERT_TRUE(ep.valid());
	auto none = SourcePorts::open(true, true, {.per_family = 0}, ep.get(), 0);
	ASSERT_FALSE(none.ok());
	EXPECT_EQ(none.error().message, "upstream: source ports per family 0 is out of range 1..1024");
	auto never = SourcePorts::open(true, true, {.per_family = 4, .rotate_after = 0}, ep.get(), 0);
	ASSERT_FALSE(never.ok());
	EXPECT_EQ(never.error().message, "upstream: source ports must carry at least one query before rotation");
}

}  // namespace
}  // namespace xdpdns::daemon::test
