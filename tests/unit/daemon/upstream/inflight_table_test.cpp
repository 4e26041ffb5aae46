// The in-flight table: ID index, free list, and the deadline order.
#include "daemon/upstream/inflight_table.h"

#include <gtest/gtest.h>

#include <vector>

namespace xdpdns::daemon {
namespace {

std::vector<std::uint32_t> deadline_order(InFlightTable &t)
{
	std::vector<std::uint32_t> order;
	for (std::uint32_t s = t.earliest(); s != InFlightTable::none; s = t[s].next)
		order.push_back(s);
	return order;
}

TEST(InFlightTable, IdsMapToSlotsUntilReleased)
{
	InFlightTable t(3);
	EXPECT_EQ(t.capacity(), 3u);
	const std::uint32_t a = t.acquire(0x1111);
	const std::uint32_t b = t.acquire(0xfffe);
	ASSERT_NE(a, InFlightTable::none);
	ASSERT_NE(b, InFlightTable::none);
	EXPECT_NE(a, b);
	EXPECT_EQ(t.find_id(0x1111), a);
	EXPECT_EQ(t.find_id(0xfffe), b);
	EXPECT_EQ(t.find_id(0x2222), InFlightTable::none);
	EXPECT_EQ(t.acquire(0x1111), InFlightTable::none) << "an ID in use cannot be taken twice";
	EXPECT_EQ(t[a].fwd_id, 0x1111);
	EXPECT_EQ(t.size(), 2u);

	t.release(a);
	EXPECT_FALSE(t.id_in_use(0x1111));
	EXPECT_EQ(t.find_id(0x1111), InFlightTable::none);
	t.release(a);  // twice: no effect
	EXPECT_EQ(t.size(), 1u);
}

TEST(InFlightTable, FullWhenEverySlotIsTaken)
{
	InFlightTable t(2);
	EXPECT_NE(t.acquire(1), InFlightTable::none);
	EXPECT_NE(t.acquire(2), InFlightTable::none);
	EXPECT_TRUE(t.full());
	EXPECT_EQ(t.acquire(3), InFlightTable::none);
	EXPECT_FALSE(t.id_in_use(3));
	t.release(t.find_id(1));
	EXPECT_FALSE(t.full());
	const std::uint32_t s = t.acquire(3);
	ASSERT_NE(s, InFlightTable::none);
	EXPECT_EQ(t[s].tcp, -1);
	EXPECT_EQ(t[s].tries_done, 0);
}

TEST(InFlightTable, DeadlinesKeptInOrderWhateverTheInsertionOrder)
{
	InFlightTable t(5);
	std::vector<std::uint32_t> s;
	for (std::uint16_t id = 0; id < 5; id++)
		s.push_back(t.acquire(id));
	EXPECT_EQ(t.earliest(), InFlightTable::none) << "no deadline set yet";
	t.set_deadline(s[0], 300);
	t.set_deadline(s[1], 100);
	t.set_deadline(s[2], 500);
	t.set_deadline(s[3], 200);
	t.set_deadline(s[4], 300);  // equal deadlines: first set, first out
	EXPECT_EQ(deadline_order(t), (std::vector<std::uint32_t>{s[1], s[3], s[0], s[4], s[2]}));

	t.set_deadline(s[1], 600);  // moved to the end (a retry)
	EXPECT_EQ(deadline_order(t), (std::vector<std::uint32_t>{s[3], s[0], s[4], s[2], s[1]}));
	t.release(s[0]);
	t.release(s[1]);
	EXPECT_EQ(deadline_order(t), (std::vector<std::uint32_t>{s[3], s[4], s[2]}));
	EXPECT_EQ(t[t.earliest()].deadline_ns, 200u);
	t.release(s[3]);
	t.release(s[4]);
	t.release(s[2]);
	EXPECT_EQ(t.earliest(), InFlightTable::none);
}

}  // namespace
}  // namespace xdpdns::daemon
