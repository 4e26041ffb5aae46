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

namespace xdpdns::daemon::tcp {
namespace {

// A query for "a.test." A IN, framed.
std::vector<uint8_t> framed_query()
{
	const std::vector<uint8_t> m = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
					1, 'a', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1};
	std::vector<uint8_t> f = {0, static_cast<uint8_t>(m.size())};
	f.insert(f.end(), m.begin(), m.end());
	return f;
}

TEST(StartsQuery, AWholeQueryOrItsLengthAloneStartAStream)
{
	const auto q = framed_query();
	EXPECT_TRUE(starts_query(q, 4094));
	EXPECT_TRUE(starts_query(std::span(q).first(2), 4094)) << "the length written apart";
	EXPECT_TRUE(starts_query(std::span(q).first(14), 4094)) << "length and header, the name in the next segment";
}

TEST(StartsQuery, WhatCannotBeAStreamStart)
{
	auto q = framed_query();
	EXPECT_FALSE(starts_query(std::span(q).first(1), 4094));
	EXPECT_FALSE(starts_query(std::span(q).first(9), 4094)) << "part of a header";
	EXPECT_FALSE(starts_query(std::span(q).subspan(3), 4094)) << "mid-message";
	EXPECT_FALSE(starts_query(q, 20)) << "longer than a reassembly slot holds";
	auto r = q;
	r[4] |= 0x80;
	EXPECT_FALSE(starts_query(r, 4094)) << "a response";
	auto qd = q;
	qd[6] = 1;
	EXPECT_FALSE(starts_query(qd, 4094)) << "QDCOUNT 256";
	// Not the counts of a plain query (an answer record), so the name must
	// walk.
	auto name = q;
	name[2 + 7] = 1;
	EXPECT_TRUE(starts_query(name, 4094));
	name[14] = 0x40;  // a label length of 64
	EXPECT_FALSE(starts_query(name, 4094)) << "a name that does not walk";
	auto cut = q;
	cut[2 + 7] = 1;
	cut[1] = 12 + 6;  // the name runs past the message
	cut.resize(2 + 12 + 6);
	EXPECT_FALSE(starts_query(cut, 4094));
	auto plain = q;
	plain[14] = 0xc0;  // a compression pointer in the question
	EXPECT_TRUE(starts_query(plain, 4094)) << "malformed, but a plain query's counts: gets its FORMERR";
	const std::vector<uint8_t> tiny = {0, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	EXPECT_FALSE(starts_query(tiny, 4094)) << "shorter than a header";
}

}  // namespace
}  // namespace xdpdns::daemon::tcp
