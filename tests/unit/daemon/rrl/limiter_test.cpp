// The RRL limiter (include/xdpdns/rrl.h, the code XDP runs too) through the
// daemon's rrl::Table, on an in-memory table with a fake clock.
#include "daemon/rrl/limiter.h"

#include <xdpdns/rrl.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace xdpdns::daemon::rrl {
namespace {

constexpr std::uint64_t kSecond = 1'000'000'000ull;
constexpr std::uint64_t kT0 = 5000 * kSecond;  // a CLOCK_MONOTONIC time, seconds after boot
constexpr std::uint32_t kClass = 0x1234abcd;

net::IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d)
{
	const std::uint8_t raw[4] = {a, b, c, d};
	return net::IpAddress::from_v4(std::span<const std::uint8_t, 4>(raw, 4));
}

net::IpAddress v6(std::uint8_t byte6, std::uint8_t byte7, std::uint8_t last)
{
	std::uint8_t raw[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	raw[6] = byte6;
	raw[7] = byte7;
	raw[15] = last;
	return net::IpAddress::from_v6(std::span<const std::uint8_t, 16>(raw, 16));
}

struct Fixture {
	explicit Fixture(std::uint32_t sets = 64) : mem(sets), table(mem.data(), sets) {}
	std::vector<xdpdns_rrl_set> mem;  // zeroed: every way unused
	Table table;
	Settings s{.rate = 5, .slip = 2, .prefix_v4 = 24, .prefix_v6 = 56, .log_only = false};

	Decision one(const net::IpAddress &a, std::uint64_t now, std::uint32_t cls = kClass, bool ipv6 = false)
	{
		return table.decide(a, ipv6, cls, s, now);
	}
	// "." pass, "d" drop, "s" slip (and "w" would-limit in log-only).
	std::string run(const net::IpAddress &a, int n, std::uint64_t now, std::uint32_t cls = kClass)
	{
		std::string out;
		for (int i = 0; i < n; i++) {
			const Decision d = one(a, now, cls);
			out += !d.limited ? '.' : d.action == Action::drop ? 'd' : d.action == Action::slip ? 's' : 'w';
		}
		return out;
	}
	std::size_t used_ways() const
	{
		std::size_t n = 0;
		for (const auto &set : mem)
			for (const auto &b : set.way)
				n += b.tag != 0;
		return n;
	}
};

TEST(RrlLimiter, RateThenEverySlipthLimitedResponseSlips)
{
	Fixture f;
	EXPECT_EQ(f.run(v4(192, 0, 2, 1), 15, kT0), ".....dsdsdsdsds");
}

TEST(RrlLimiter, OffWhenRateIsZeroOrClassUnknown)
{
	Fixture f;
	f.s.rate = 0;
	EXPECT_EQ(f.run(v4(192, 0, 2, 1), 50, kT0), std::string(50, '.'));
	f.s.rate = 5;
	EXPECT_EQ(f.run(v4(192, 0, 2, 1), 50, kT0, 0), std::string(50, '.'));
	EXPECT_EQ(f.used_ways(), 0u) << "nothing counted";
}

TEST(RrlLimiter, SlipZeroDropsAllSlipOneSlipsAll)
{
	Fixture f;
	f.s.slip = 0;
	EXPECT_EQ(f.run(v4(192, 0, 2, 1), 10, kT0), ".....ddddd");
	f.s.slip = 1;
	EXPECT_EQ(f.run(v4(192, 0, 2, 1), 3, kT0), "sss");
	f.s.slip = 3;
	// The count goes on within the episode: limited responses 9..14.
	EXPECT_EQ(f.run(v4(192, 0, 2, 1), 6, kT0), "sddsdd");
}

TEST(RrlLimiter, LogOnlySendsEverythingAndSaysWhatItWouldLimit)
{
	Fixture f;
	f.s.log_only = true;
	EXPECT_EQ(f.run(v4(192, 0, 2, 1), 8, kT0), ".....www");
}

TEST(RrlLimiter, APrefixSharesItsBucketOthersDoNot)
{
	Fixture f;
	EXPECT_EQ(f.run(v4(192, 0, 2, 1), 3, kT0), "...");
	EXPECT_EQ(f.run(v4(192, 0, 2, 200), 3, kT0), "..d") << "same /24";
	EXPECT_EQ(f.run(v4(192, 0, 3, 1), 5, kT0), ".....") << "next /24";
	EXPECT_EQ(f.run(v4(192, 0, 2, 1), 2, kT0, kClass + 1), "..") << "another answer class";
	f.s.prefix_v4 = 32;
	EXPECT_EQ(f.run(v4(192, 0, 2, 7), 5, kT0), ".....") << "/32: its own bucket";

	EXPECT_EQ(f.table.decide(v6(0x01, 0x00, 1), true, kClass, f.s, kT0).limited, false);
	for (int i = 0; i < 4; i++)
		f.table.decide(v6(0x01, 0xff, 9), true, kClass, f.s, kT0);  // same /56 (byte 7 is below it)
	EXPECT_TRUE(f.table.decide(v6(0x01, 0x00, 2), true, kClass, f.s, kT0).limited);
	EXPECT_FALSE(f.table.decide(v6(0x02, 0x00, 1), true, kClass, f.s, kT0).limited) << "another /56";
}

TEST(RrlLimiter, EachSecondBringsRateNewTokens)
{
	Fixture f;
	const auto a = v4(198, 51, 100, 1);
	EXPECT_EQ(f.run(a, 7, kT0), ".....ds");
	EXPECT_EQ(f.run(a, 7, kT0 + kSecond / 2), "dsdsdsd") << "same second";
	EXPECT_EQ(f.run(a, 7, kT0 + kSecond), ".....sd") << "a new second; slip counting goes on";
	EXPECT_EQ(f.run(a, 7, kT0 + 10 * kSecond), ".....ds") << "after a pause, a new episode";
	// A stamp from the other side's clock, a little ahead, counts as now.
	EXPECT_EQ(f.run(a, 1, kT0 + 9 * kSecond), "d");
}

TEST(RrlLimiter, StartedOncePerEpisode)
{
	Fixture f;
	const auto a = v4(203, 0, 113, 5);
	int started = 0;
	auto count = [&](std::uint64_t now, int n) {
		for (int i = 0; i < n; i++)
			started += f.one(a, now).started;
	};
	count(kT0, 20);
	EXPECT_EQ(started, 1);
	count(kT0 + kSecond, 20);
	EXPECT_EQ(started, 1) << "limited the second before: the same episode";
	count(kT0 + 2 * kSecond, 3);  // under the rate: a quiet second
	count(kT0 + 3 * kSecond, 20);
	EXPECT_EQ(started, 2);
}

TEST(RrlLimiter, NewBucketsTakeUnusedThenLeastRecentlyUsedWays)
{
	Fixture f(1);  // one set: XDPDNS_RRL_WAYS buckets in all
	const auto busy = v4(10, 0, 0, 1);
	// Three idle buckets from long ago, one busy now.
	EXPECT_EQ(f.run(v4(10, 0, 1, 1), 1, kT0 - 30 * kSecond), ".");
	EXPECT_EQ(f.run(v4(10, 0, 2, 1), 1, kT0 - 20 * kSecond), ".");
	EXPECT_EQ(f.run(v4(10, 0, 3, 1), 1, kT0 - 10 * kSecond), ".");
	EXPECT_EQ(f.run(busy, 6, kT0), ".....d");
	EXPECT_EQ(f.used_ways(), 4u);
	// A flood of distinct prefixes in the same second recycles the other
	// three ways and never the busy bucket, which stays limited.
	for (std::uint32_t i = 0; i < 100000; i++)
		ASSERT_FALSE(f.one(v4(std::uint8_t(100 + (i >> 16)), std::uint8_t(i >> 8), std::uint8_t(i), 1), kT0).limited) << i;
	EXPECT_EQ(f.used_ways(), 4u) << "memory is the table, whatever the flood";
	EXPECT_EQ(f.run(busy, 2, kT0), "sd");
	// The oldest idle bucket was the first to go: 10.0.3/24 (10 s ago)
	// outlived 10.0.1/24 (30 s ago) until the flood.
	Fixture g(1);
	g.run(v4(10, 0, 1, 1), 3, kT0 - 30 * kSecond);
	g.run(v4(10, 0, 2, 1), 3, kT0 - 20 * kSecond);
	g.run(v4(10, 0, 3, 1), 3, kT0 - 10 * kSecond);
	g.run(busy, 3, kT0);
	g.run(v4(10, 0, 4, 1), 1, kT0);  // takes 10.0.1/24's way
	EXPECT_EQ(g.run(v4(10, 0, 3, 1), 2, kT0 - 10 * kSecond), "..");
	EXPECT_EQ(g.run(v4(10, 0, 3, 1), 1, kT0 - 10 * kSecond), "d") << "its count went on: not replaced";
	EXPECT_EQ(g.run(busy, 3, kT0), "..d");
}

TEST(RrlLimiter, ManySetsSpreadTheFloodAndKeepMemoryBounded)
{
	Fixture f(256);  // 1024 buckets
	for (std::uint32_t i = 0; i < 200000; i++)
		f.one(v4(std::uint8_t(i >> 16), std::uint8_t(i >> 8), std::uint8_t(i), 1), kT0 + (i / 50000) * kSecond);
	EXPECT_EQ(f.used_ways(), 256u * XDPDNS_RRL_WAYS);
}

TEST(RrlLimiter, PrefixText)
{
	Settings s;
	std::uint32_t bits = 0;
	EXPECT_EQ(prefix_text(v4(192, 0, 2, 77), false, s, bits).view(), "192.0.2.0");
	EXPECT_EQ(bits, 24u);
	EXPECT_EQ(prefix_text(v6(0x01, 0xff, 9), true, s, bits).view(), "2001:db8:0:100::");
	EXPECT_EQ(bits, 56u);
}

}  // namespace
}  // namespace xdpdns::daemon::rrl
