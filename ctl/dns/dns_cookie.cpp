#include "dns/dns_cookie.h"

#include <xdpdns/cookie.h>

#include <cstring>

#include "dns/response.h"

namespace xdpdns::dns {

namespace {

constexpr std::array<uint8_t, 4> kOurHead = {server_cookie_version, 0, 0, 0};

uint64_t load_le64(const uint8_t *p)
{
	uint64_t v;
	std::memcpy(&v, p, sizeof(v));  // little-endian hosts, as include/xdpdns/cookie.h
	return v;
}

bool same16(const uint8_t *a, const uint8_t *b)
{
	return std::memcmp(a, b, server_cookie_len) == 0;
}

}  // namespace

xdpdns_siphash_key cookie_secret_from_octets(std::span<const uint8_t, 16> octets)
{
	return {load_le64(octets.data()), load_le64(octets.data() + 8)};
}

void make_server_cookie(const xdpdns_siphash_key &secret, std::span<const uint8_t, client_cookie_len> client,
			std::span<const uint8_t, 4> head, uint32_t timestamp, std::span<const uint8_t> client_ip,
			std::span<uint8_t, server_cookie_len> out)
{
	// client cookie (8) | version, reserved (4) | timestamp (4, network
	// order) | client IP (4 or 16): 20 or 32 octets.
	uint8_t m[32] = {};
	const size_t ip_len = client_ip.size() == 4 ? 4 : 16;
	std::memcpy(m, client.data(), 8);
	std::memcpy(m + 8, head.data(), 4);
	store_be32(m + 12, timestamp);
	std::memcpy(m + 16, client_ip.data(), ip_len);
	const size_t len = 16 + ip_len;

	xdpdns_sip s;
	xdpdns_sip_init(&s, &secret);
	size_t off = 0;
	for (; off + 8 <= len; off += 8)
		xdpdns_sip_block(&s, load_le64(m + off));
	const uint64_t tail = off < len ? load_le64(m + off) : 0;  // zero padded past len
	const uint64_t h = xdpdns_sip_final(&s, static_cast<__u32>(len), tail);

	std::memcpy(out.data(), head.data(), 4);
	store_be32(out.data() + 4, timestamp);
	std::memcpy(out.data() + 8, &h, 8);  // the hash's octets, little-endian as SipHash outputs them
}

CookieAge cookie_age(uint32_t ts, uint32_t now)
{
	const int32_t age = static_cast<int32_t>(now - ts);
	if (age > static_cast<int32_t>(cookie_max_age_s) || age < -static_cast<int32_t>(cookie_max_ahead_s))
		return CookieAge::expired;
	return age > static_cast<int32_t>(cookie_renew_age_s) ? CookieAge::worn : CookieAge::fresh;
}

CookieOutcome apply_cookie(Query &q, const CookieSecrets &secrets, std::span<const uint8_t> client_ip,
			   uint32_t now, bool udp, const CookiePolicy &policy)
{
	q.reply_cookie_len = 0;
	CookieOutcome o;
	if (!policy.enabled || !q.has_opt || (q.cookie_len == 0 && !q.cookie_malformed))
		return o;
	if (q.cookie_malformed) {
		o.verdict = CookieVerdict::malformed;
		return o;
	}
	const std::span<const uint8_t, client_cookie_len> client(q.cookie.data(), client_cookie_len);
	const uint8_t *theirs = q.cookie.data() + client_cookie_len;
	const size_t their_len = q.cookie_len - client_cookie_len;
	uint8_t *reply_server = q.reply_cookie.data() + client_cookie_len;
	std::memcpy(q.reply_cookie.data(), client.data(), client_cookie_len);
	q.reply_cookie_len = static_cast<uint8_t>(client_cookie_len + server_cookie_len);

	if (their_len == 0 || theirs[0] != server_cookie_version) {
		o.verdict = CookieVerdict::client_only;  // none, or not a version we know: absent
	} else if (their_len != server_cookie_len) {
		o.verdict = CookieVerdict::invalid;
	} else {
		const uint32_t ts = load_be32(theirs + 4);
		const CookieAge age = cookie_age(ts, now);
		const std::span<const uint8_t, 4> head(theirs, 4);
		const std::span<uint8_t, server_cookie_len> check(reply_server, server_cookie_len);
		bool current = false, other = false;
		if (age != CookieAge::expired) {
			make_server_cookie(secrets.current, client, head, ts, client_ip, check);
			current = same16(reply_server, theirs);
			for (size_t i = 0; !current && !other && i < secrets.accepted_count && i < secrets.accepted.size(); i++) {
				make_server_cookie(secrets.accepted[i], client, head, ts, client_ip, check);
				other = same16(reply_server, theirs);
			}
		}
		o.verdict = current || other ? CookieVerdict::valid : CookieVerdict::invalid;
		if (current && age == CookieAge::fresh) {
			std::memcpy(reply_server, theirs, server_cookie_len);  // still good: echoed
			return o;
		}
	}
	make_server_cookie(secrets.current, client, kOurHead, now, client_ip,
			   std::span<uint8_t, server_cookie_len>(reply_server, server_cookie_len));
	o.badcookie = policy.require && udp && o.verdict != CookieVerdict::valid;
	return o;
}

size_t write_badcookie(const Query &q, std::span<uint8_t> out, uint16_t edns_size)
{
	return write_error(q, rcode::badcookie, out, edns_size);
}

}  // namespace xdpdns::dns
