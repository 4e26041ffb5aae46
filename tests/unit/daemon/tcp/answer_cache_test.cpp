#include "daemon/tcp/answer_cache.h"
#include "flow_test_support.h"

#include <gtest/gtest.h>

namespace xdpdns::daemon::tcp::test {
namespace {

AnswerCache::Ref put(AnswerCache &c, const Bytes &a, const Bytes &b = {})
{
	const std::span<const uint8_t> parts[] = {a, b};
	return c.store(parts, a.size() + b.size());
}

TEST(AnswerCache, StoresTheConcatenationContiguously)
{
	AnswerCache c(64);
	const Bytes a = body(5, 1), b = body(7, 2);
	const AnswerCache::Ref r = put(c, a, b);
	ASSERT_TRUE(r.stored);
	auto got = c.get(r);
	ASSERT_TRUE(got);
	EXPECT_EQ(to_bytes(*got), cat({a, b}));
}

TEST(AnswerCache, DetectsOverwrittenStreams)
{
	AnswerCache c(64);
	const AnswerCache::Ref r1 = put(c, body(30, 1));  // [0, 30)
	const AnswerCache::Ref r2 = put(c, body(30, 2));  // [30, 60)
	EXPECT_TRUE(c.get(r1));
	// 10 octets do not fit before the end: skipped to 64, written at [64, 74),
	// over r1's first octets.
	const AnswerCache::Ref r3 = put(c, body(10, 3));
	EXPECT_EQ(r3.pos, 64u);
	EXPECT_FALSE(c.get(r1));
	ASSERT_TRUE(c.get(r2));
	EXPECT_EQ(to_bytes(*c.get(r2)), body(30, 2));
	EXPECT_EQ(to_bytes(*c.get(r3)), body(10, 3));
	put(c, body(20, 4));  // [74, 94): physical [10, 30), r2 untouched
	EXPECT_TRUE(c.get(r2));
	put(c, body(1, 5));   // [94, 95): physical 30, r2's first octet
	EXPECT_FALSE(c.get(r2));
	EXPECT_TRUE(c.get(r3));
}

TEST(AnswerCache, ExactlyFullArenaKeepsTheOldest)
{
	AnswerCache c(40);
	const AnswerCache::Ref r1 = put(c, body(20, 1));
	put(c, body(20, 2));
	EXPECT_TRUE(c.get(r1));  // 40 written, nothing wrapped yet
	put(c, body(1, 3));
	EXPECT_FALSE(c.get(r1));
}

TEST(AnswerCache, TooLargeOrNoCapacityIsNotStored)
{
	AnswerCache c(16);
	EXPECT_FALSE(put(c, body(17, 1)).stored);
	EXPECT_FALSE(c.get(put(c, body(17, 1))));
	AnswerCache none(0);
	EXPECT_FALSE(put(none, body(1, 1)).stored);
	EXPECT_FALSE(put(none, {}).stored);
}

TEST(AnswerCache, EmptyStreamIsStored)
{
	AnswerCache c(16);
	const AnswerCache::Ref r = put(c, {});
	ASSERT_TRUE(r.stored);
	ASSERT_TRUE(c.get(r));
	EXPECT_EQ(c.get(r)->size(), 0u);
}

}  // namespace
}  // namespace xdpdns::daemon::tcp::test
