#include "daemon/tcp/message_split.h"
#include "flow_test_support.h"

#include <gtest/gtest.h>

#include <array>

namespace xdpdns::daemon::tcp::test {
namespace {

TEST(MessageSplit, MessagesEndingAtTheBoundary)
{
	const Bytes s = cat({framed(body(3, 1)), framed(body(0, 2)), framed(body(5, 3))});
	std::array<std::span<const uint8_t>, 4> out{};
	const MessageSplit r = split_messages(s, out);
	EXPECT_EQ(r.count, 3u);
	EXPECT_EQ(r.consumed, s.size());
	EXPECT_EQ(out[0].data(), s.data() + 2);
	EXPECT_EQ(to_bytes(out[0]), body(3, 1));
	EXPECT_EQ(out[1].size(), 0u);  // a zero-length message is passed on
	EXPECT_EQ(out[1].data(), s.data() + 7);
	EXPECT_EQ(to_bytes(out[2]), body(5, 3));
}

TEST(MessageSplit, EndingInsideAPrefixOrBody)
{
	std::array<std::span<const uint8_t>, 4> out{};
	const Bytes one = {0x00};
	EXPECT_EQ(split_messages(one, out).consumed, 0u);
	const Bytes m = framed(body(300, 1));  // prefix 0x01 0x2c
	const Bytes cut = slice(m, 0, 100);
	MessageSplit r = split_messages(cut, out);
	EXPECT_EQ(r.count, 0u);
	EXPECT_EQ(r.consumed, 0u);
	const Bytes two = cat({m, slice(m, 0, 1)});
	r = split_messages(two, out);
	EXPECT_EQ(r.count, 1u);
	EXPECT_EQ(r.consumed, m.size());
	EXPECT_EQ(out[0].size(), 300u);
}

TEST(MessageSplit, CountsBeyondTheOutputButStoresOnlyWhatFits)
{
	Bytes s;
	for (int i = 0; i < 5; i++)
		s = cat({s, framed(body(1, static_cast<uint8_t>(i)))});
	std::array<std::span<const uint8_t>, 2> out{};
	const MessageSplit r = split_messages(s, out);
	EXPECT_EQ(r.count, 5u);
	EXPECT_EQ(r.consumed, 15u);
	EXPECT_EQ(to_bytes(out[1]), body(1, 1));
}

TEST(MessageSplit, EmptyInput)
{
	std::array<std::span<const uint8_t>, 1> out{};
	const MessageSplit r = split_messages({}, out);
	EXPECT_EQ(r.count, 0u);
	EXPECT_EQ(r.consumed, 0u);
}

}  // namespace
}  // namespace xdpdns::daemon::tcp::test
