// Replies that must not be taken: wrong ID, wrong question, forged source,
// malformed, duplicates. The real answer still gets through.
#include "backend_driver.h"

#include <gtest/gtest.h>

namespace xdpdns::daemon::test {
namespace {

Bytes with_id(Bytes m, std::uint16_t id)
{
	m[0] = static_cast<std::uint8_t>(id >> 8);
	m[1] = static_cast<std::uint8_t>(id);
	return m;
}

TEST(Match, OnlyTheMatchingReplyIsTaken)
{
	FakeUpstream server(AF_INET, [](const Bytes &fwd) {
		const Bytes good = make_answer(fwd, {.lowercase = true, .opt = true});
		// The same forwarded query for another name, and for another type.
		Bytes other_name = fwd;
		other_name[13] = 'x';  // first letter of the first label
		Bytes other_type = fwd;
		other_type[question_of(fwd).size() + 12 - 3] ^= 0x01;  // low octet of QTYPE
		Bytes cut = good;
		cut.resize(cut.size() - 20);  // header and question fine, records cut short
		return std::vector<Reply>{
			{with_id(good, u16(good, 0) ^ 0x5a5a)},
			{make_answer(other_name, {.opt = true})},
			{make_answer(other_type, {.opt = true})},
			{good, true},  // right bytes, wrong source port
			{cut},
			{good},
			{good},  // a duplicate after the answer
		};
	});
	auto b = make_backend(config_for({&server}, 500));
	ASSERT_TRUE(b);
	const Bytes q = make_query({.name = "www.Example.TEST", .id = 0x0bad});
	EXPECT_EQ(resolve(*b, q, 1).status, Backend::Status::pending);
	CollectingSink sink;
	drive(*b, sink, 1);

	ASSERT_EQ(sink.got.size(), 1u);
	EXPECT_EQ(sink.got[0].answer, make_answer(q, {}));
	// Every reply arrives: wait for the duplicate to be read too.
	EXPECT_TRUE(wait_for([&] {
		b->poll(sink, monotonic_ns());
		return b->counters().mismatched == 5;
	}));
	EXPECT_EQ(b->counters().mismatched, 5u);  // ID, name, type, source, duplicate
	EXPECT_EQ(b->counters().malformed, 1u);
	EXPECT_EQ(b->counters().answered, 1u);
	EXPECT_EQ(b->counters().timeouts, 0u);
	EXPECT_EQ(sink.got.size(), 1u);
}

}  // namespace
}  // namespace xdpdns::daemon::test
