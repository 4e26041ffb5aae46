#include "daemon/cookies/cookie_secrets.h"

#include "common/cookie_key.h"

#include <array>

namespace xdpdns::daemon {

namespace {

// "xdpdns dns-cookie secret v1", as little-endian words: the label that
// keeps the derived secret apart from the TCP cookie key and from any
// other use of the fleet key.
constexpr std::uint64_t kLabel0 = 0x6420736e64706478ULL;  // "xdpdns d"
constexpr std::uint64_t kLabel1 = 0x696b6f6f632d736eULL;  // "ns-cooki"
constexpr std::uint64_t kLabel2 = 0x7465726365732065ULL;  // "e secret"
constexpr std::uint64_t kLabel3 = 0x0000000000317620ULL;  // " v1"

std::uint64_t period_of(std::uint64_t utc_s, std::uint32_t period_s)
{
	return period_s ? utc_s / period_s : 0;
}

}  // namespace

xdpdns_siphash_key derive_cookie_secret(const xdpdns_siphash_key &fleet_key, std::uint64_t period)
{
	std::array<std::uint64_t, 6> m = {kLabel0, kLabel1, kLabel2, kLabel3, period, 0};
	xdpdns_siphash_key k;
	k.k0 = siphash24(fleet_key, m);
	m[5] = 1;
	k.k1 = siphash24(fleet_key, m);
	return k;
}

Result<CookieSecretMaker> CookieSecretMaker::random()
{
	CookieSecretMaker m;
	auto k = random_key();
	if (!k)
		return k.error();
	m.secrets_.current = *k;
	m.secrets_.accepted_count = 0;
	return m;
}

CookieSecretMaker CookieSecretMaker::fleet(const xdpdns_siphash_key &fleet_key, std::uint64_t utc_s,
					   std::uint32_t period_s)
{
	CookieSecretMaker m;
	m.fleet_key_ = fleet_key;
	m.period_s_ = period_s;
	m.period_ = period_of(utc_s, period_s);
	m.derive(m.period_, std::nullopt);
	return m;
}

void CookieSecretMaker::derive(std::uint64_t period, std::optional<xdpdns_siphash_key> old_key_secret)
{
	dns::CookieSecrets s;
	s.current = derive_cookie_secret(*fleet_key_, period);
	s.accepted[s.accepted_count++] = derive_cookie_secret(*fleet_key_, period - 1);
	s.accepted[s.accepted_count++] = derive_cookie_secret(*fleet_key_, period + 1);
	if (old_key_secret)
		s.accepted[s.accepted_count++] = *old_key_secret;
	secrets_ = s;
}

Result<void> CookieSecretMaker::rotate()
{
	if (is_fleet())
		return {};
	auto k = random_key();
	if (!k)
		return k.error();
	secrets_.accepted[0] = secrets_.current;
	secrets_.accepted_count = 1;
	secrets_.current = *k;
	return {};
}

bool CookieSecretMaker::tick(std::uint64_t utc_s, std::uint32_t period_s)
{
	if (!is_fleet())
		return false;
	const std::uint64_t p = period_of(utc_s, period_s);
	if (p == period_ && period_s == period_s_)
		return false;
	period_ = p;
	period_s_ = period_s;
	derive(p, std::nullopt);
	return true;
}

bool CookieSecretMaker::change_fleet_key(const xdpdns_siphash_key &key, std::uint64_t utc_s, std::uint32_t period_s)
{
	if (fleet_key_ && fleet_key_->k0 == key.k0 && fleet_key_->k1 == key.k1)
		return false;
	const std::optional<xdpdns_siphash_key> old =
		fleet_key_ ? std::optional(secrets_.current) : std::nullopt;
	fleet_key_ = key;
	period_s_ = period_s;
	period_ = period_of(utc_s, period_s);
	derive(period_, old);
	return true;
}

}  // namespace xdpdns::daemon
