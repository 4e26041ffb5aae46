// How xdpdnsd makes and rolls over its DNS Cookie secrets (128 bits, RFC
// 9018 5: the previous secret stays accepted after a rollover).
//
//  * No fleet key: random from getrandom(), replaced every cookie.rotate
//    seconds, when the TCP cookie keys rotate; the one before stays accepted.
//  * A fleet key (--fleet-key / cookie-key: file:PATH): the secret of
//    rotation period P = floor(UTC seconds / cookie.rotate) (P = 0 when
//    cookie.rotate is 0) is SipHash-2-4 keyed by the fleet key over a label
//    and P (derive_cookie_secret). The TCP cookie key is the fleet key
//    itself: the two differ, and one does not give the other. Every member
//    of a fleet derives the same secret from the same file and UTC, without
//    talking to the others; the previous and the next period's secrets are
//    accepted, so a cookie outlives the boundary and members whose clocks
//    differ by seconds take each other's cookies. A new key in the file
//    (SIGHUP) keeps the old key's current secret accepted, as the old TCP
//    key stays valid as the previous one.
#pragma once

#include "common/result.h"
#include "dns/dns_cookie.h"

#include <xdpdns/abi.h>

#include <cstdint>
#include <optional>

namespace xdpdns::daemon {

// The fleet's secret for rotation period `period`.
xdpdns_siphash_key derive_cookie_secret(const xdpdns_siphash_key &fleet_key, std::uint64_t period);

class CookieSecretMaker {
public:
	static Result<CookieSecretMaker> random();
	static CookieSecretMaker fleet(const xdpdns_siphash_key &fleet_key, std::uint64_t utc_s, std::uint32_t period_s);

	const dns::CookieSecrets &secrets() const { return secrets_; }
	bool is_fleet() const { return fleet_key_.has_value(); }

	// No fleet key: a new random secret, the current one accepted.
	Result<void> rotate();
	// Fleet key: derives the secrets of the period `utc_s` is in; true when
	// they changed (a new period, or a new cookie.rotate).
	bool tick(std::uint64_t utc_s, std::uint32_t period_s);
	// A new fleet key: its secrets, the old key's current one accepted.
	// True when the key changed.
	bool change_fleet_key(const xdpdns_siphash_key &key, std::uint64_t utc_s, std::uint32_t period_s);

private:
	CookieSecretMaker() = default;
	void derive(std::uint64_t period, std::optional<xdpdns_siphash_key> old_key_secret);

	dns::CookieSecrets secrets_;
	std::optional<xdpdns_siphash_key> fleet_key_;
	std::uint64_t period_ = 0;
	std::uint32_t period_s_ = 0;
};

}  // namespace xdpdns::daemon
