// DNS Cookies, server side: RFC 7873 with the interoperable server cookies
// of RFC 9018 (version 1, SipHash-2-4 over client cookie | version |
// reserved | timestamp | client IP, keyed by a 128-bit secret). The hash is
// include/xdpdns/cookie.h's SipHash, the one the SYN cookies use. Per query:
// no heap allocation, no locks.
//
// What a query gets (apply_cookie):
//  * no COOKIE option                       -> nothing changes (verdict none)
//  * a malformed one (RFC 7873 5.2.2: fewer than 8 octets, 9..15, more
//    than 40)                               -> FORMERR (verdict malformed)
//  * a client cookie only, or with a server cookie that is not ours in
//    RFC 9018 version 1 (another version is treated as absent: client_only;
//    a version-1 cookie that does not validate: invalid)
//                                           -> the normal answer with COOKIE =
//                                              client cookie + a fresh server cookie
//  * a valid server cookie (hash matches the current secret or an accepted
//    older/newer one, timestamp at most an hour old and at most five
//    minutes ahead, RFC 9018 4.3)           -> the normal answer with the
//    same server cookie, renewed when it is older than half an hour or was
//    made with a secret other than the current one
//  * cookies required (policy.require), over UDP, client_only or invalid
//                                           -> BADCOOKIE (RFC 7873 5.2.3): no
//    sections, the fresh server cookie, so the client retries with it. TCP
//    is never refused (the handshake proves the address already).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include <xdpdns/abi.h>

#include "dns/query.h"
#include "dns/wire.h"

namespace xdpdns::dns {

inline constexpr uint8_t server_cookie_version = 1;
inline constexpr uint32_t cookie_max_age_s = 3600;     // RFC 9018 4.3: one hour past
inline constexpr uint32_t cookie_max_ahead_s = 300;    // five minutes in the future
inline constexpr uint32_t cookie_renew_age_s = 1800;   // renewed when older than half an hour

// The secrets a worker uses: cookies are made with `current`; `accepted`
// (the previous secret after a rollover, RFC 9018 5; with a fleet key also
// the next period's) validate too.
struct CookieSecrets {
	static constexpr size_t kMaxAccepted = 3;
	xdpdns_siphash_key current{};
	std::array<xdpdns_siphash_key, kMaxAccepted> accepted{};
	uint8_t accepted_count = 0;
};

// The 16-octet secret as RFC 9018 writes it (octets in order) as a SipHash
// key: k0 the little-endian word of octets 0..7, k1 of 8..15.
xdpdns_siphash_key cookie_secret_from_octets(std::span<const uint8_t, 16> octets);

// Version 1 server cookie into out[16]: `head` is the cookie's first 4
// octets (version, 3 reserved octets: ours are 1, 0, 0, 0; a client's
// cookie is checked with the octets it sent), timestamp in seconds (Unix
// time mod 2^32), client_ip 4 (IPv4) or 16 (IPv6) octets as on the wire.
void make_server_cookie(const xdpdns_siphash_key &secret, std::span<const uint8_t, client_cookie_len> client,
			std::span<const uint8_t, 4> head, uint32_t timestamp, std::span<const uint8_t> client_ip,
			std::span<uint8_t, server_cookie_len> out);

// Timestamp `ts` seen at `now` (serial arithmetic, RFC 1982: the 32-bit
// counter wraps in 2106).
enum class CookieAge : uint8_t { fresh, worn, expired };  // worn: valid, renew it
CookieAge cookie_age(uint32_t ts, uint32_t now);

enum class CookieVerdict : uint8_t { none, client_only, valid, invalid, malformed };

struct CookiePolicy {
	bool enabled = true;   // off: the COOKIE option is ignored (old behaviour)
	bool require = false;  // BADCOOKIE for UDP queries without a valid server cookie
};

struct CookieOutcome {
	CookieVerdict verdict = CookieVerdict::none;
	bool badcookie = false;  // answer write_badcookie() instead of the answer
	// "This query carried a valid server cookie": exempts it from rate
	// limiting (a spoofed source cannot have one).
	bool valid_server_cookie() const { return verdict == CookieVerdict::valid; }
};

// Classifies q's COOKIE (see above) and sets q.reply_cookie for every
// verdict but none and malformed. client_ip: 4 or 16 octets. now: Unix
// seconds. udp: the query came over UDP.
CookieOutcome apply_cookie(Query &q, const CookieSecrets &secrets, std::span<const uint8_t> client_ip,
			   uint32_t now, bool udp, const CookiePolicy &policy);

// BADCOOKIE: header RCODE 7, OPT extended RCODE 1, the question echoed,
// no other sections, the OPT with q.reply_cookie. 0 if out is too small or
// q has no OPT.
size_t write_badcookie(const Query &q, std::span<uint8_t> out, uint16_t edns_size = default_edns_size);

}  // namespace xdpdns::dns
