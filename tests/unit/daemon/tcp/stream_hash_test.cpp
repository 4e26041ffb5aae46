#include "daemon/tcp/stream_hash.h"
#include "flow_test_support.h"

#include <gtest/gtest.h>

#include <set>

namespace xdpdns::daemon::tcp::test {
namespace {

uint64_t hash_split(const Bytes &b, std::vector<size_t> cuts)
{
	std::vector<std::span<const uint8_t>> parts;
	size_t from = 0;
	cuts.push_back(b.size());
	for (size_t c : cuts) {
		parts.emplace_back(b.data() + from, c - from);
		from = c;
	}
	return stream_hash(parts);
}

TEST(StreamHash, AnySplitOfTheSameOctetsHashesTheSame)
{
	const Bytes b = body(100, 9);
	const uint64_t whole = hash_split(b, {});
	EXPECT_EQ(hash_split(b, {1}), whole);
	EXPECT_EQ(hash_split(b, {3, 3, 11, 64, 99}), whole);
	EXPECT_EQ(hash_split(b, {7, 8, 9, 10, 11, 12, 13, 14, 15, 16}), whole);
	StreamHasher h;
	for (uint8_t x : b)
		h.add(std::span<const uint8_t>(&x, 1));
	EXPECT_EQ(h.finish(), whole);
	EXPECT_EQ(h.length(), 100u);
}

TEST(StreamHash, EveryOctetAndTheLengthMatter)
{
	const Bytes b = body(37, 2);
	std::set<uint64_t> seen{hash_split(b, {})};
	for (size_t i = 0; i < b.size(); i++) {
		Bytes c = b;
		c[i] ^= 0x01;
		EXPECT_TRUE(seen.insert(hash_split(c, {})).second) << "octet " << i;
	}
	// Trailing zeros are not padding: "ab" != "ab\0" != "ab\0\0".
	Bytes ab = {'a', 'b'};
	EXPECT_TRUE(seen.insert(hash_split(ab, {})).second);
	ab.push_back(0);
	EXPECT_TRUE(seen.insert(hash_split(ab, {})).second);
	ab.push_back(0);
	EXPECT_TRUE(seen.insert(hash_split(ab, {})).second);
	EXPECT_TRUE(seen.insert(stream_hash({})).second);
}

}  // namespace
}  // namespace xdpdns::daemon::tcp::test
