// Many queries in flight at once: every one answered, each under its tag,
// with distinct forwarded IDs.
#include "backend_driver.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace xdpdns::daemon::test {
namespace {

TEST(Load, ThousandQueriesInFlightAllAnsweredUnderTheirTags)
{
	constexpr std::size_t count = 1000;
	FakeUpstream server(AF_INET, answer());
	UpstreamConfig c = config_for({&server}, 2000);
	auto b = make_backend(c);
	ASSERT_TRUE(b);

	std::vector<std::string> names;
	std::vector<Bytes> queries;
	for (std::size_t i = 0; i < count; i++) {
		names.push_back("q" + std::to_string(i) + ".Example.test");
		queries.push_back(make_query({.name = names.back(), .id = static_cast<std::uint16_t>(i * 7)}));
	}
	for (std::size_t i = 0; i < count; i++)
		ASSERT_EQ(resolve(*b, queries[i], 1'000'000 + i).status, Backend::Status::pending) << i;
	EXPECT_EQ(b->in_flight(), count);

	CollectingSink sink;
	drive(*b, sink, count);
	ASSERT_EQ(sink.got.size(), count) << "UDP receive buffer " << b->udp_receive_buffer();
	std::set<std::uint64_t> tags;
	for (const Delivered &d : sink.got) {
		ASSERT_GE(d.tag, 1'000'000u);
		const std::size_t i = d.tag - 1'000'000;
		ASSERT_LT(i, count);
		EXPECT_TRUE(tags.insert(d.tag).second) << "tag delivered twice: " << d.tag;
		EXPECT_EQ(d.answer, make_answer(queries[i], {})) << names[i];
	}
	EXPECT_EQ(b->counters().answered, count);
	EXPECT_EQ(b->counters().servfails, 0u);

	std::set<std::uint16_t> ids;
	for (const Bytes &fwd : server.udp_queries())
		ids.insert(u16(fwd, 0));
	EXPECT_EQ(ids.size(), count) << "forwarded IDs must be unique while in flight";
}

}  // namespace
}  // namespace xdpdns::daemon::test
