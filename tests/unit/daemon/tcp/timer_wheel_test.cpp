// TimerWheel: deadlines fire once, not early, at most a tick late; far
// deadlines survive whole turns; cancel and re-arm.
#include "daemon/tcp/timer_wheel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace xdpdns::daemon::tcp {
namespace {

constexpr uint64_t kMs = 1'000'000;

std::vector<uint32_t> expire(TimerWheel &w, uint64_t now)
{
	std::vector<uint32_t> out(16);
	out.resize(w.expire(now, out.data(), out.size()));
	return out;
}

TEST(TimerWheel, FiresOnceAtItsDeadlineNotBefore)
{
	TimerWheel w(8, 10 * kMs, 64);
	expire(w, 1000 * kMs);
	w.schedule(3, 1500 * kMs);
	w.schedule(5, 1200 * kMs);
	EXPECT_TRUE(expire(w, 1199 * kMs).empty());
	EXPECT_EQ(expire(w, 1210 * kMs), std::vector<uint32_t>{5});
	EXPECT_TRUE(expire(w, 1400 * kMs).empty());
	EXPECT_EQ(expire(w, 1500 * kMs), std::vector<uint32_t>{3});
	EXPECT_TRUE(expire(w, 2000 * kMs).empty()) << "fired once";
	EXPECT_EQ(w.armed_count(), 0u);
}

TEST(TimerWheel, DeadlinesBeyondOneTurnWait)
{
	TimerWheel w(4, 10 * kMs, 16);  // one turn: 160 ms
	expire(w, 0);
	w.schedule(1, 1000 * kMs);
	for (uint64_t t = 10 * kMs; t < 1000 * kMs; t += 10 * kMs)
		ASSERT_TRUE(expire(w, t).empty()) << t;
	EXPECT_EQ(expire(w, 1000 * kMs), std::vector<uint32_t>{1});
}

TEST(TimerWheel, CancelAndRearm)
{
	TimerWheel w(4, 10 * kMs, 16);
	expire(w, 0);
	w.schedule(0, 50 * kMs);
	w.schedule(1, 50 * kMs);
	w.cancel(0);
	w.schedule(1, 90 * kMs);  // moved later
	EXPECT_TRUE(expire(w, 60 * kMs).empty());
	EXPECT_EQ(expire(w, 95 * kMs), std::vector<uint32_t>{1});
	EXPECT_FALSE(w.armed(0));
	EXPECT_EQ(w.next_check_ns(), UINT64_MAX);
}

TEST(TimerWheel, ALongSleepFiresEverythingDue)
{
	TimerWheel w(8, 10 * kMs, 16);
	expire(w, 0);
	for (uint32_t i = 0; i < 8; i++)
		w.schedule(i, (i + 1) * 100 * kMs);
	auto fired = expire(w, 5000 * kMs);
	std::sort(fired.begin(), fired.end());
	EXPECT_EQ(fired.size(), 8u);
}

TEST(TimerWheel, ArmedBeforeTheFirstWalk)
{
	TimerWheel w(4, 10 * kMs, 16);
	w.schedule(2, 1010 * kMs);
	EXPECT_EQ(expire(w, 1025 * kMs), std::vector<uint32_t>{2}) << "not skipped by a first walk that starts later";
}

}  // namespace
}  // namespace xdpdns::daemon::tcp
