// SendRing: chunks linked per connection, overwrite detection.
#include "daemon/tcp/send_ring.h"

#include <gtest/gtest.h>

#include <vector>

namespace xdpdns::daemon::tcp {
namespace {

using Bytes = std::vector<uint8_t>;

uint64_t put(SendRing &r, uint64_t tail, const Bytes &b)
{
	const std::span<const uint8_t> parts[1] = {b};
	return r.append(tail, parts, b.size());
}

TEST(SendRing, ChunksOfOneListAreLinkedInOrder)
{
	SendRing r(1 << 16);
	const Bytes a(100, 0xaa), b(200, 0xbb), other(50, 0xcc);
	const uint64_t pa = put(r, SendRing::none, a);
	put(r, SendRing::none, other);  // another connection's chunk in between
	const uint64_t pb = put(r, pa, b);
	ASSERT_TRUE(r.valid(pa));
	EXPECT_EQ(r.next(pa), pb);
	EXPECT_EQ(r.next(pb), SendRing::none);
	EXPECT_EQ(r.length(pb), 200u);
	EXPECT_EQ(Bytes(r.data(pa).begin(), r.data(pa).end()), a);
	EXPECT_EQ(Bytes(r.data(pb).begin(), r.data(pb).end()), b);
}

TEST(SendRing, OverwrittenChunksAreInvalid)
{
	SendRing r(4096);
	const uint64_t first = put(r, SendRing::none, Bytes(500, 1));
	uint64_t last = first;
	for (int i = 0; i < 8; i++)
		last = put(r, SendRing::none, Bytes(500, static_cast<uint8_t>(i)));
	EXPECT_FALSE(r.valid(first)) << "4,000 octets later in a 4,096-octet ring";
	EXPECT_TRUE(r.valid(last));
	EXPECT_FALSE(r.valid(SendRing::none));
	// A tail overwritten before the append is not linked (its header is gone).
	const uint64_t p = put(r, first, Bytes(10, 9));
	EXPECT_TRUE(r.valid(p));
}

TEST(SendRing, RefusesChunksAboveAQuarterAndEmptyOnes)
{
	SendRing r(4096);
	EXPECT_EQ(put(r, SendRing::none, Bytes(1100, 1)), SendRing::none);
	EXPECT_EQ(put(r, SendRing::none, Bytes{}), SendRing::none);
	EXPECT_NE(put(r, SendRing::none, Bytes(1000, 1)), SendRing::none);
}

}  // namespace
}  // namespace xdpdns::daemon::tcp
