// AtrScheduler bookkeeping that needs no BPF: pool limits, frame size,
// due order as seen through next_due_ns(), and a failing BPF_PROG_RUN (no
// program: fd -1) counted as failed. The replay itself is in
// scheduler_live_test.cpp.
#include "daemon/atr/scheduler.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <stdexcept>
#include <vector>

namespace xdpdns::daemon::atr {
namespace {

constexpr int kNoProgram = -1;
const std::vector<std::uint8_t> kFrame(60, 0xab);

TEST(AtrSchedulerPool, FullPoolRefusesAndCounts)
{
	AtrScheduler s(kNoProgram, 1, 2, 128);
	EXPECT_TRUE(s.schedule(kFrame, 0, 100));
	EXPECT_TRUE(s.schedule(kFrame, 0, 200));
	EXPECT_FALSE(s.schedule(kFrame, 0, 300));
	EXPECT_FALSE(s.schedule(kFrame, 0, 50));
	EXPECT_EQ(s.pending(), 2u);
	EXPECT_EQ(s.counters().scheduled, 2u);
	EXPECT_EQ(s.counters().dropped_full, 2u);
	EXPECT_EQ(s.counters().dropped_too_big, 0u);
	// The refused entry at 50 did not displace anything.
	EXPECT_EQ(s.next_due_ns(), 100u);
}

TEST(AtrSchedulerPool, FrameSizeLimit)
{
	AtrScheduler s(kNoProgram, 1, 4, 128);
	EXPECT_TRUE(s.schedule(std::vector<std::uint8_t>(128, 1), 0, 1));
	EXPECT_FALSE(s.schedule(std::vector<std::uint8_t>(129, 1), 0, 1));
	EXPECT_FALSE(s.schedule({}, 0, 1));
	EXPECT_EQ(s.counters().scheduled, 1u);
	EXPECT_EQ(s.counters().dropped_too_big, 2u);
	EXPECT_EQ(s.counters().dropped_full, 0u);
	EXPECT_EQ(s.pending(), 1u);
}

TEST(AtrSchedulerPool, EmptySchedulerIsNeverDue)
{
	AtrScheduler s(kNoProgram, 1);
	EXPECT_EQ(s.capacity(), AtrScheduler::kDefaultCapacity);
	EXPECT_EQ(s.max_frame(), AtrScheduler::kDefaultMaxFrame);
	EXPECT_EQ(s.next_due_ns(), AtrScheduler::kNever);
	EXPECT_EQ(s.fire_due(AtrScheduler::kNever), 0u);
	EXPECT_EQ(s.counters().failed, 0u);
}

TEST(AtrSchedulerPool, OutOfOrderDueTimesComeOutInOrder)
{
	AtrScheduler s(kNoProgram, 1, 8, 128);
	for (std::uint64_t due : {500, 100, 400, 100, 300, 200})
		ASSERT_TRUE(s.schedule(kFrame, 0, due));
	std::vector<std::uint64_t> seen;
	while (s.pending()) {
		const std::uint64_t due = s.next_due_ns();
		seen.push_back(due);
		// Not yet due one nanosecond earlier; exactly one entry fires at
		// its due time with a budget of one.
		EXPECT_EQ(s.fire_due(due - 1), 0u);
		const std::size_t before = s.pending();
		s.fire_due(due, 1);
		EXPECT_EQ(s.pending(), before - 1);
	}
	EXPECT_EQ(seen, (std::vector<std::uint64_t>{100, 100, 200, 300, 400, 500}));
}

TEST(AtrSchedulerPool, FailedRunIsCountedAndFreesTheSlot)
{
	AtrScheduler s(kNoProgram, 1, 1, 128);
	ASSERT_TRUE(s.schedule(kFrame, 0, 10));
	EXPECT_EQ(s.fire_due(10), 0u);
	EXPECT_EQ(s.counters().failed, 1u);
	EXPECT_EQ(s.counters().sent, 0u);
	EXPECT_EQ(s.counters().bad_frame, 0u);
	EXPECT_EQ(s.counters().last_errno, EBADF);
	EXPECT_EQ(s.pending(), 0u);
	// The one slot is free again.
	EXPECT_TRUE(s.schedule(kFrame, 0, 20));
}

TEST(AtrSchedulerPool, FireDueTakesEverythingDueAndNothingLater)
{
	AtrScheduler s(kNoProgram, 1, 8, 128);
	for (std::uint64_t due : {30, 10, 20, 40})
		ASSERT_TRUE(s.schedule(kFrame, 0, due));
	s.fire_due(25);
	EXPECT_EQ(s.pending(), 2u);
	EXPECT_EQ(s.counters().failed, 2u);
	EXPECT_EQ(s.next_due_ns(), 30u);
}

TEST(AtrSchedulerPool, RejectsUnusableSizes)
{
	EXPECT_THROW(AtrScheduler(kNoProgram, 1, 0, 128), std::invalid_argument);
	EXPECT_THROW(AtrScheduler(kNoProgram, 1, 4, 13), std::invalid_argument);
	EXPECT_THROW(AtrScheduler(kNoProgram, 1, 4, 65536), std::invalid_argument);
}

}  // namespace
}  // namespace xdpdns::daemon::atr
