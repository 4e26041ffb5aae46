// Queries leave from a pool of sockets on distinct random ports, one picked
// at random per query, and a reply is taken only on the socket its query
// left from (RFC 5452).
#include "backend_driver.h"

#include <gtest/gtest.h>

#include <set>

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

}  // namespace
}  // namespace xdpdns::daemon::test
