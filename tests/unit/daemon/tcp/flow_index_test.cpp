#include "daemon/tcp/flow_index.h"
#include "flow_test_support.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <stdexcept>

namespace xdpdns::daemon::tcp::test {
namespace {

TEST(FlowIndex, InsertFindRemove)
{
	FlowIndex idx(4);
	const uint32_t a = idx.insert(key(1), 10);
	const uint32_t b = idx.insert(key(2), 20);
	EXPECT_NE(a, b);
	EXPECT_EQ(idx.find(key(1)), a);
	EXPECT_EQ(idx.find(key(2)), b);
	EXPECT_EQ(idx.find(key(3)), FlowIndex::npos);
	EXPECT_EQ(idx.find(key(1, 3)), FlowIndex::npos);  // another client address
	EXPECT_EQ(idx.key(b), key(2));
	EXPECT_EQ(idx.last_used(b), 20u);
	idx.remove(a);
	EXPECT_EQ(idx.find(key(1)), FlowIndex::npos);
	EXPECT_EQ(idx.find(key(2)), b);
	EXPECT_EQ(idx.size(), 1u);
}

TEST(FlowIndex, FullIndexRefusesInsert)
{
	FlowIndex idx(2);
	idx.insert(key(1), 0);
	idx.insert(key(2), 0);
	EXPECT_EQ(idx.insert(key(3), 0), FlowIndex::npos);
}

TEST(FlowIndex, OldestFollowsUse)
{
	FlowIndex idx(3);
	const uint32_t a = idx.insert(key(1), 1), b = idx.insert(key(2), 2), c = idx.insert(key(3), 3);
	EXPECT_EQ(idx.oldest(), a);
	idx.touch(a, 4);
	EXPECT_EQ(idx.oldest(), b);
	EXPECT_EQ(idx.last_used(a), 4u);
	idx.remove(b);
	EXPECT_EQ(idx.oldest(), c);
	idx.remove(c);
	EXPECT_EQ(idx.oldest(), a);
	idx.remove(a);
	EXPECT_EQ(idx.oldest(), FlowIndex::npos);
}

TEST(FlowIndex, RandomOperationsMatchAReferenceMap)
{
	// Many keys over a small index: long probe runs, many backward shifts.
	FlowIndex idx(64);
	std::map<uint16_t, uint32_t> ref;
	std::mt19937 rng(7);
	for (int step = 0; step < 200000; step++) {
		const uint16_t port = static_cast<uint16_t>(rng() % 100);
		const uint32_t found = idx.find(key(port));
		auto it = ref.find(port);
		ASSERT_EQ(found, it == ref.end() ? FlowIndex::npos : it->second) << "step " << step;
		if (found != FlowIndex::npos) {
			if (rng() % 2) {
				idx.remove(found);
				ref.erase(it);
			} else {
				idx.touch(found, step);
			}
		} else if (idx.size() < idx.capacity()) {
			ref[port] = idx.insert(key(port), step);
		} else {
			const uint32_t old = idx.oldest();
			ref.erase(idx.key(old).client_port);
			idx.remove(old);
		}
		ASSERT_EQ(idx.size(), ref.size());
	}
	for (auto [port, id] : ref)
		EXPECT_EQ(idx.find(key(port)), id);
}

TEST(FlowIndex, CapacityOutOfRangeIsRejected)
{
	EXPECT_THROW(FlowIndex(0), std::invalid_argument);
	EXPECT_THROW(FlowIndex((size_t{1} << 30) + 1), std::invalid_argument);
}

}  // namespace
}  // namespace xdpdns::daemon::tcp::test
