// DNS Cookie secrets of the daemon: a fleet's members derive the same
// secret from the same key and UTC period, a secret other than the TCP
// cookie key; a cookie made just before a period boundary (or by a member
// whose clock is ahead) validates; rollover keeps the previous secret; the
// workers' store hands over whole sets.
#include "daemon/cookies/cookie_secret_store.h"
#include "daemon/cookies/cookie_secrets.h"

#include "dns/dns_cookie.h"
#include "dns/query.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace xdpdns::daemon {
namespace {

constexpr xdpdns_siphash_key kFleet = {0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
constexpr std::uint32_t kPeriod = 3600;
const std::uint8_t kClientIp[4] = {198, 51, 100, 100};

bool same(const xdpdns_siphash_key &a, const xdpdns_siphash_key &b)
{
	return a.k0 == b.k0 && a.k1 == b.k1;
}

// A query with a COOKIE option, parsed.
dns::Query cookie_query(const std::vector<std::uint8_t> &cookie)
{
	std::vector<std::uint8_t> m = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1, 1, 'a', 4, 't', 'e', 's', 't', 0,
				       0, 1, 0, 1, 0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0,
				       static_cast<std::uint8_t>(4 + cookie.size()), 0, 10, 0,
				       static_cast<std::uint8_t>(cookie.size())};
	m.insert(m.end(), cookie.begin(), cookie.end());
	dns::Query q;
	EXPECT_EQ(dns::parse_query(m, q), dns::ParseResult::ok);
	return q;
}

// The COOKIE a server with `s` answers a client cookie with at `now`.
std::vector<std::uint8_t> issued(const dns::CookieSecrets &s, std::uint32_t now)
{
	dns::Query q = cookie_query({1, 2, 3, 4, 5, 6, 7, 8});
	dns::apply_cookie(q, s, kClientIp, now, true, {});
	return {q.reply_cookie.begin(), q.reply_cookie.begin() + q.reply_cookie_len};
}

dns::CookieVerdict verdict(const dns::CookieSecrets &s, const std::vector<std::uint8_t> &cookie, std::uint32_t now)
{
	dns::Query q = cookie_query(cookie);
	return dns::apply_cookie(q, s, kClientIp, now, true, {}).verdict;
}

TEST(CookieSecrets, FleetMembersAgreeAndTheSecretIsNotTheTcpKey)
{
	const std::uint64_t t = 1765000000 / kPeriod * kPeriod + 100;  // 100 s into a period
	const auto a = CookieSecretMaker::fleet(kFleet, t, kPeriod);
	const auto b = CookieSecretMaker::fleet(kFleet, t + 5, kPeriod);  // another host, a few seconds later
	EXPECT_TRUE(same(a.secrets().current, b.secrets().current));
	EXPECT_TRUE(same(a.secrets().current, derive_cookie_secret(kFleet, t / kPeriod)));
	EXPECT_FALSE(same(a.secrets().current, kFleet)) << "the TCP cookie key is the fleet key itself";
	EXPECT_FALSE(same(derive_cookie_secret(kFleet, 1), derive_cookie_secret(kFleet, 2)));
	const xdpdns_siphash_key other = {kFleet.k0 ^ 1, kFleet.k1};
	EXPECT_FALSE(same(derive_cookie_secret(other, 1), derive_cookie_secret(kFleet, 1)));
}

// Host A is 20 s ahead of host B across a period boundary: A already uses
// the next period's secret; B accepts it (the next period is accepted),
// and A accepts B's (the previous one).
TEST(CookieSecrets, FleetCookiesCrossThePeriodBoundaryAndClockSkew)
{
	const std::uint64_t boundary = (1765000000 / kPeriod + 1) * kPeriod;
	const auto a = CookieSecretMaker::fleet(kFleet, boundary + 10, kPeriod);
	const auto b = CookieSecretMaker::fleet(kFleet, boundary - 10, kPeriod);
	ASSERT_FALSE(same(a.secrets().current, b.secrets().current));
	const auto from_a = issued(a.secrets(), static_cast<std::uint32_t>(boundary + 10));
	const auto from_b = issued(b.secrets(), static_cast<std::uint32_t>(boundary - 10));
	EXPECT_EQ(verdict(b.secrets(), from_a, static_cast<std::uint32_t>(boundary - 10)), dns::CookieVerdict::valid);
	EXPECT_EQ(verdict(a.secrets(), from_b, static_cast<std::uint32_t>(boundary + 10)), dns::CookieVerdict::valid);

	// A member with another key takes none of them.
	const auto stranger = CookieSecretMaker::fleet({1, 2}, boundary, kPeriod);
	EXPECT_EQ(verdict(stranger.secrets(), from_a, static_cast<std::uint32_t>(boundary)), dns::CookieVerdict::invalid);
}

TEST(CookieSecrets, FleetTickMovesToTheNextPeriodKeepingThePrevious)
{
	const std::uint64_t t = 1765000000;
	auto m = CookieSecretMaker::fleet(kFleet, t, kPeriod);
	const auto before = m.secrets();
	const auto cookie = issued(before, static_cast<std::uint32_t>(t));
	EXPECT_FALSE(m.tick(t + 1, kPeriod)) << "same period";
	const std::uint64_t next = (t / kPeriod + 1) * kPeriod;
	ASSERT_TRUE(m.tick(next, kPeriod));
	EXPECT_FALSE(same(m.secrets().current, before.current));
	EXPECT_EQ(verdict(m.secrets(), cookie, static_cast<std::uint32_t>(next)), dns::CookieVerdict::valid);
	ASSERT_TRUE(m.tick(next + kPeriod, kPeriod));
	EXPECT_EQ(verdict(m.secrets(), cookie, static_cast<std::uint32_t>(t + 60)), dns::CookieVerdict::invalid)
		<< "two periods on, the first secret is gone";
}

TEST(CookieSecrets, NewFleetKeyKeepsTheOldSecretAccepted)
{
	const std::uint64_t t = 1765000000;
	auto m = CookieSecretMaker::fleet(kFleet, t, kPeriod);
	const auto cookie = issued(m.secrets(), static_cast<std::uint32_t>(t));
	EXPECT_FALSE(m.change_fleet_key(kFleet, t, kPeriod)) << "the same key is no change";
	ASSERT_TRUE(m.change_fleet_key({11, 12}, t + 1, kPeriod));
	EXPECT_TRUE(same(m.secrets().current, derive_cookie_secret({11, 12}, t / kPeriod)));
	EXPECT_EQ(verdict(m.secrets(), cookie, static_cast<std::uint32_t>(t + 1)), dns::CookieVerdict::valid);
}

TEST(CookieSecrets, RandomRotationKeepsThePrevious)
{
	auto m = CookieSecretMaker::random();
	ASSERT_TRUE(m.ok()) << m.error().message;
	EXPECT_FALSE(m->is_fleet());
	const auto first = m->secrets();
	EXPECT_FALSE(same(first.current, {0, 0}));
	const auto cookie = issued(first, 1765000000);
	ASSERT_TRUE(m->rotate().ok());
	EXPECT_FALSE(same(m->secrets().current, first.current));
	EXPECT_EQ(verdict(m->secrets(), cookie, 1765000000), dns::CookieVerdict::valid);
	ASSERT_TRUE(m->rotate().ok());
	EXPECT_EQ(verdict(m->secrets(), cookie, 1765000000), dns::CookieVerdict::invalid)
		<< "only one previous secret is kept";
	EXPECT_FALSE(m->tick(1765000000, kPeriod)) << "random secrets follow rotate(), not the clock";
}

// Readers never see half of one set and half of another.
TEST(CookieSecretStore, ReadersSeeWholeSets)
{
	CookieSecretStore store;
	auto set_of = [](std::uint64_t n) {
		dns::CookieSecrets s;
		s.current = {n, n};
		for (auto &k : s.accepted)
			k = {n, n};
		s.accepted_count = static_cast<std::uint8_t>(n % 4);
		return s;
	};
	store.publish(set_of(0));
	std::atomic<bool> stop{false};
	std::atomic<std::uint64_t> torn{0}, loads{0};
	std::thread reader([&] {
		while (!stop.load()) {
			const dns::CookieSecrets s = store.load();
			const std::uint64_t n = s.current.k0;
			bool ok = s.current.k1 == n && s.accepted_count == n % 4;
			for (const auto &k : s.accepted)
				ok = ok && k.k0 == n && k.k1 == n;
			torn += !ok;
			loads++;
		}
	});
	for (std::uint64_t n = 1; n < 200000; n++)
		store.publish(set_of(n));
	while (loads.load() < 1000)
		std::this_thread::yield();
	stop = true;
	reader.join();
	EXPECT_EQ(torn.load(), 0u);
	EXPECT_EQ(store.load().current.k0, 199999u);
}

}  // namespace
}  // namespace xdpdns::daemon
