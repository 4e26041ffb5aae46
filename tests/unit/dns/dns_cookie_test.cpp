// DNS Cookies (RFC 7873, server cookies of RFC 9018): the Appendix A test
// vectors byte for byte, the validity window, rollover to a new secret,
// malformed options, BADCOOKIE's shape, unknown versions, and the option
// in error, TC=1, zone and forwarded answers.
#include "dns/dns_cookie.h"
#include "dns/query.h"
#include "dns/response.h"
#include "dns/upstream_codec.h"
#include "test_support.h"

#include <arpa/inet.h>

#include <gtest/gtest.h>

#include <string>

namespace xdpdns::dns {
namespace {

using test::Bytes;

Bytes hex(std::string_view s)
{
	Bytes b;
	for (size_t i = 0; i + 1 < s.size(); i += 2)
		b.push_back(static_cast<uint8_t>(std::stoul(std::string(s.substr(i, 2)), nullptr, 16)));
	return b;
}

std::string to_hex(std::span<const uint8_t> b)
{
	static const char *d = "0123456789abcdef";
	std::string s;
	for (uint8_t c : b) {
		s += d[c >> 4];
		s += d[c & 15];
	}
	return s;
}

Bytes ip(const char *text)
{
	Bytes b(16);
	if (inet_pton(AF_INET, text, b.data()) == 1) {
		b.resize(4);
		return b;
	}
	EXPECT_EQ(inet_pton(AF_INET6, text, b.data()), 1) << text;
	return b;
}

xdpdns_siphash_key secret(std::string_view h)
{
	const Bytes o = hex(h);
	return cookie_secret_from_octets(std::span<const uint8_t, 16>(o.data(), 16));
}

CookieSecrets secrets(std::string_view current, std::string_view previous = {})
{
	CookieSecrets s;
	s.current = secret(current);
	if (!previous.empty()) {
		s.accepted[0] = secret(previous);
		s.accepted_count = 1;
	}
	return s;
}

// A query with an OPT carrying COOKIE = `cookie` (any length).
Bytes cookie_query(const Bytes &cookie, uint16_t id = 0x1234)
{
	test::QuerySpec spec;
	spec.id = id;
	Bytes m = test::make_query(spec);
	Bytes rdata = {0, 10, 0, static_cast<uint8_t>(cookie.size())};
	rdata.insert(rdata.end(), cookie.begin(), cookie.end());
	test::append_opt(m, 1232, 0, false, rdata);
	return m;
}

// The COOKIE option of a message's OPT (decoded by ldns is overkill: the
// OPT is the last record and COOKIE its last option in our answers).
Bytes reply_cookie_of(std::span<const uint8_t> msg)
{
	// ... | OPT: 00 0029 size ttl(4) rdlen | 000a len data
	if (msg.size() < 4)
		return {};
	for (size_t len : {24u, 16u, 40u}) {
		if (msg.size() < len + 4 + 11)
			continue;
		const size_t at = msg.size() - len - 4;
		if (load_be16(msg.data() + at) == edns_option::cookie && load_be16(msg.data() + at + 2) == len)
			return Bytes(msg.begin() + at + 4, msg.end());
	}
	return {};
}

const char *kSecret1 = "e5e973e5a6b2a43f48e7dc849e37bfcf";

struct Vector {
	const char *what, *secret, *client, *ip;
	uint32_t at;
	const char *server;
};

// RFC 9018 Appendix A.1 to A.4: the server cookie for the client cookie,
// client address and time under the secret.
TEST(DnsCookie, Rfc9018AppendixAVectors)
{
	const Vector vectors[] = {
		{"A.1 learning a new server cookie", kSecret1, "2464c4abcf10c957", "198.51.100.100", 1559731985,
		 "010000005cf79f111f8130c3eee29480"},
		{"A.2 the same client, renewed", kSecret1, "2464c4abcf10c957", "198.51.100.100", 1559734385,
		 "010000005cf7a871d4a564a1442aca77"},
		{"A.3 another client, renewed", kSecret1, "fc93fc62807ddb86", "203.0.113.203", 1559734700,
		 "010000005cf7a9acf73a7810aca2381e"},
		{"A.4 IPv6 client after a rollover", "445536bcd2513298075a5d379663c962", "22681ab97d52c298",
		 "2001:db8:220:1:59de:d0f4:8769:82b8", 1559741961, "010000005cf7c609a6bb79d16625507a"},
	};
	const uint8_t head[4] = {1, 0, 0, 0};
	for (const Vector &v : vectors) {
		const Bytes client = hex(v.client), addr = ip(v.ip);
		uint8_t out[16];
		make_server_cookie(secret(v.secret), std::span<const uint8_t, 8>(client.data(), 8), head, v.at, addr,
				   out);
		EXPECT_EQ(to_hex(out), v.server) << v.what;

		// And through a query: the answer's COOKIE is client | server.
		Bytes msg = cookie_query(client);
		Query q;
		ASSERT_EQ(parse_query(msg, q), ParseResult::ok);
		const CookieSecrets s = secrets(v.secret);
		EXPECT_EQ(apply_cookie(q, s, addr, v.at, true, {}).verdict, CookieVerdict::client_only);
		EXPECT_EQ(to_hex({q.reply_cookie.data(), q.reply_cookie_len}), std::string(v.client) + v.server)
			<< v.what;
	}
}

// A.2 and A.3 run through apply_cookie: cookies the client sent back.
TEST(DnsCookie, Rfc9018QueriesWithServerCookies)
{
	// A.2: the A.1 cookie, 40 minutes later: valid, and renewed (worn).
	{
		Bytes msg = cookie_query(hex("2464c4abcf10c957010000005cf79f111f8130c3eee29480"));
		Query q;
		ASSERT_EQ(parse_query(msg, q), ParseResult::ok);
		const auto o = apply_cookie(q, secrets(kSecret1), ip("198.51.100.100"), 1559734385, true, {});
		EXPECT_EQ(o.verdict, CookieVerdict::valid);
		EXPECT_TRUE(o.valid_server_cookie());
		EXPECT_EQ(to_hex({q.reply_cookie.data(), q.reply_cookie_len}),
			  "2464c4abcf10c957010000005cf7a871d4a564a1442aca77");
	}
	// A.3: reserved octets the client set (abcdef) are hashed as sent;
	// checked at a time inside its hour.
	{
		Bytes msg = cookie_query(hex("fc93fc62807ddb8601abcdef5cf78f71a314227b6679ebf5"));
		Query q;
		ASSERT_EQ(parse_query(msg, q), ParseResult::ok);
		const uint32_t issued = 0x5cf78f71;
		EXPECT_EQ(apply_cookie(q, secrets(kSecret1), ip("203.0.113.203"), issued + 60, true, {}).verdict,
			  CookieVerdict::valid);
		// Fresh and made with the current secret: echoed unchanged.
		EXPECT_EQ(to_hex({q.reply_cookie.data(), q.reply_cookie_len}),
			  "fc93fc62807ddb8601abcdef5cf78f71a314227b6679ebf5");
		// From another address it is not ours.
		EXPECT_EQ(apply_cookie(q, secrets(kSecret1), ip("203.0.113.204"), issued + 60, true, {}).verdict,
			  CookieVerdict::invalid);
		// At A.3's own time (1h52m later) it has expired: a fresh one.
		EXPECT_EQ(apply_cookie(q, secrets(kSecret1), ip("203.0.113.203"), 1559734700, true, {}).verdict,
			  CookieVerdict::invalid);
		EXPECT_EQ(to_hex({q.reply_cookie.data(), q.reply_cookie_len}),
			  "fc93fc62807ddb86010000005cf7a9acf73a7810aca2381e");
	}
}

// RFC 9018 5 and A.4: after a rollover the previous secret still validates,
// and the answer carries a cookie made with the new one.
TEST(DnsCookie, RolloverAcceptsThePreviousSecret)
{
	const char *old_secret = "dd3bdf9344b678b185a6f5cb60fca715";
	const char *new_secret = "445536bcd2513298075a5d379663c962";
	const Bytes addr = ip("2001:db8:220:1:59de:d0f4:8769:82b8");
	Bytes msg = cookie_query(hex("22681ab97d52c298010000005cf7c57926556bd0934c72f8"));
	Query q;
	ASSERT_EQ(parse_query(msg, q), ParseResult::ok);

	EXPECT_EQ(apply_cookie(q, secrets(new_secret), addr, 1559741961, true, {}).verdict, CookieVerdict::invalid)
		<< "the new secret alone does not know the old cookie";
	const auto o = apply_cookie(q, secrets(new_secret, old_secret), addr, 1559741961, true, {});
	EXPECT_EQ(o.verdict, CookieVerdict::valid);
	EXPECT_EQ(to_hex({q.reply_cookie.data(), q.reply_cookie_len}),
		  "22681ab97d52c298010000005cf7c609a6bb79d16625507a")
		<< "renewed with the new secret (A.4)";
	EXPECT_EQ(apply_cookie(q, secrets(old_secret), addr, 1559741961, true, {}).verdict, CookieVerdict::valid);
}

TEST(DnsCookie, ValidityWindowAndRenewal)
{
	EXPECT_EQ(cookie_age(1000, 1000), CookieAge::fresh);
	EXPECT_EQ(cookie_age(1000, 1000 + 1800), CookieAge::fresh);
	EXPECT_EQ(cookie_age(1000, 1000 + 1801), CookieAge::worn);
	EXPECT_EQ(cookie_age(1000, 1000 + 3600), CookieAge::worn);
	EXPECT_EQ(cookie_age(1000, 1000 + 3601), CookieAge::expired);
	EXPECT_EQ(cookie_age(1000 + 300, 1000), CookieAge::fresh);
	EXPECT_EQ(cookie_age(1000 + 301, 1000), CookieAge::expired);
	EXPECT_EQ(cookie_age(4294964696u, 1000), CookieAge::worn) << "an hour old across the 2^32 wrap";

	// Through apply_cookie: a cookie we made at t, queried at t + d.
	const CookieSecrets s = secrets(kSecret1);
	const Bytes addr = ip("192.0.2.7");
	const uint32_t t = 1700000000;
	Query q;
	Bytes first = cookie_query(hex("0102030405060708"));
	ASSERT_EQ(parse_query(first, q), ParseResult::ok);
	apply_cookie(q, s, addr, t, true, {});
	const Bytes issued(q.reply_cookie.begin(), q.reply_cookie.begin() + q.reply_cookie_len);
	ASSERT_EQ(issued.size(), 24u);

	struct Case {
		int64_t d;
		CookieVerdict verdict;
		bool echoed;
	} cases[] = {
		{0, CookieVerdict::valid, true},        {1800, CookieVerdict::valid, true},
		{1801, CookieVerdict::valid, false},    {3600, CookieVerdict::valid, false},
		{3601, CookieVerdict::invalid, false},  {-300, CookieVerdict::valid, true},
		{-301, CookieVerdict::invalid, false},
	};
	for (const Case &c : cases) {
		Bytes again = cookie_query(issued);
		ASSERT_EQ(parse_query(again, q), ParseResult::ok);
		const uint32_t now = static_cast<uint32_t>(t + c.d);
		EXPECT_EQ(apply_cookie(q, s, addr, now, true, {}).verdict, c.verdict) << c.d;
		const Bytes reply(q.reply_cookie.begin(), q.reply_cookie.begin() + q.reply_cookie_len);
		EXPECT_EQ(reply == issued, c.echoed) << c.d;
		EXPECT_EQ(load_be32(reply.data() + 12), c.echoed ? t : now) << c.d;
	}
}

// RFC 7873 5.2.2: lengths 0..7, 9..15 and above 40 are FORMERR; 8, 16..40 not.
TEST(DnsCookie, MalformedLengthsAreFormerr)
{
	for (size_t len = 0; len <= 48; len++) {
		const bool good = len == 8 || (len >= 16 && len <= 40);
		Bytes msg = cookie_query(Bytes(len, 0x5a));
		Query q;
		ASSERT_EQ(parse_query(msg, q), ParseResult::ok) << len << ": the parse itself is not the judge";
		EXPECT_EQ(q.cookie_malformed, !good) << len;
		const auto o = apply_cookie(q, secrets(kSecret1), ip("192.0.2.1"), 1700000000, true, {});
		EXPECT_EQ(o.verdict == CookieVerdict::malformed, !good) << len;
		if (good)
			continue;
		EXPECT_EQ(q.reply_cookie_len, 0) << len;
		uint8_t out[512];
		const size_t n = write_error(q, rcode::formerr, out);
		ASSERT_GT(n, 0u);
		EXPECT_EQ(out[3] & 0x0f, rcode::formerr) << len;
		EXPECT_EQ(test::field({out, n}, hdr::arcount), 1) << "the OPT is echoed";
		// Cookies off: the option is ignored, no FORMERR.
		EXPECT_EQ(apply_cookie(q, secrets(kSecret1), ip("192.0.2.1"), 1700000000, true, {false, false}).verdict,
			  CookieVerdict::none);
	}
}

// A server cookie of a version we do not know is treated as absent (a
// fresh one, verdict client_only); version 1 with another length is invalid.
TEST(DnsCookie, UnknownVersionIsAbsent)
{
	const Bytes addr = ip("192.0.2.1");
	Bytes v2 = hex("0102030405060708" "020000005cf79f111f8130c3eee29480");
	Bytes msg = cookie_query(v2);
	Query q;
	ASSERT_EQ(parse_query(msg, q), ParseResult::ok);
	EXPECT_EQ(apply_cookie(q, secrets(kSecret1), addr, 1559731985, true, {}).verdict, CookieVerdict::client_only);
	EXPECT_EQ(q.reply_cookie_len, 24);
	EXPECT_EQ(q.reply_cookie[8], 1) << "our fresh cookie is version 1";

	Bytes other_len = cookie_query(hex("0102030405060708" "01000000aabbccdd"));
	ASSERT_EQ(parse_query(other_len, q), ParseResult::ok);
	EXPECT_EQ(apply_cookie(q, secrets(kSecret1), addr, 1559731985, true, {}).verdict, CookieVerdict::invalid);
}

// BADCOOKIE: only with require, only over UDP, only without a valid server
// cookie; header RCODE 7 + OPT extended RCODE 1, no sections but the
// question, the COOKIE echoed with a fresh server cookie.
TEST(DnsCookie, BadcookieShape)
{
	const CookiePolicy require{true, true};
	const CookieSecrets s = secrets(kSecret1);
	const Bytes addr = ip("198.51.100.100");
	Bytes msg = cookie_query(hex("2464c4abcf10c957"), 0xbeef);
	Query q;
	ASSERT_EQ(parse_query(msg, q), ParseResult::ok);

	EXPECT_FALSE(apply_cookie(q, s, addr, 1559731985, true, {}).badcookie) << "require off";
	EXPECT_FALSE(apply_cookie(q, s, addr, 1559731985, false, require).badcookie) << "TCP";
	const auto o = apply_cookie(q, s, addr, 1559731985, true, require);
	ASSERT_TRUE(o.badcookie);
	uint8_t out[512];
	const size_t n = write_badcookie(q, out);
	ASSERT_GT(n, 0u);
	const std::span<const uint8_t> m(out, n);
	EXPECT_EQ(test::field(m, hdr::id), 0xbeef);
	EXPECT_EQ(out[2] & 0x80, 0x80) << "QR";
	EXPECT_EQ(out[3] & 0x0f, 7) << "BADCOOKIE's low four bits";
	EXPECT_EQ(test::field(m, hdr::qdcount), 1);
	EXPECT_EQ(test::field(m, hdr::ancount), 0);
	EXPECT_EQ(test::field(m, hdr::nscount), 0);
	EXPECT_EQ(test::field(m, hdr::arcount), 1);
	test::Decoded d(m);
	ASSERT_TRUE(d.ok());
	EXPECT_EQ(d.edns_ext_rcode(), 1) << "BADCOOKIE's high bits (23 = 1 << 4 | 7)";
	EXPECT_EQ(to_hex(reply_cookie_of(m)), "2464c4abcf10c957010000005cf79f111f8130c3eee29480");

	// The retry with that cookie is answered.
	Bytes retry = cookie_query(reply_cookie_of(m));
	ASSERT_EQ(parse_query(retry, q), ParseResult::ok);
	const auto again = apply_cookie(q, s, addr, 1559731985 + 1, true, require);
	EXPECT_EQ(again.verdict, CookieVerdict::valid);
	EXPECT_FALSE(again.badcookie);

	// An invalid server cookie is refused the same way.
	Bytes forged = cookie_query(hex("2464c4abcf10c957010000005cf79f11ffffffffffffffff"));
	ASSERT_EQ(parse_query(forged, q), ParseResult::ok);
	const auto bad = apply_cookie(q, s, addr, 1559731985, true, require);
	EXPECT_EQ(bad.verdict, CookieVerdict::invalid);
	EXPECT_TRUE(bad.badcookie);

	// No COOKIE at all: not a cookie-aware client, answered normally.
	test::QuerySpec spec;
	spec.edns = true;
	Bytes plain = test::make_query(spec);
	ASSERT_EQ(parse_query(plain, q), ParseResult::ok);
	EXPECT_FALSE(apply_cookie(q, s, addr, 1559731985, true, require).badcookie);
	EXPECT_EQ(q.reply_cookie_len, 0);
}

// The reply cookie rides in every OPT we write: TC=1, errors, forwarded
// answers (where the upstream's own COOKIE is replaced).
TEST(DnsCookie, CarriedByTruncatedAndForwardedAnswers)
{
	Bytes msg = cookie_query(hex("2464c4abcf10c957"));
	Query q;
	ASSERT_EQ(parse_query(msg, q), ParseResult::ok);
	apply_cookie(q, secrets(kSecret1), ip("198.51.100.100"), 1559731985, true, {});
	const std::string want = "2464c4abcf10c957010000005cf79f111f8130c3eee29480";

	uint8_t out[1024];
	size_t n = write_truncated(q, out);
	ASSERT_GT(n, 0u);
	EXPECT_EQ(to_hex(reply_cookie_of({out, n})), want);
	n = write_error(q, rcode::servfail, out);
	EXPECT_EQ(to_hex(reply_cookie_of({out, n})), want);

	// An upstream reply whose OPT has NSID and a COOKIE of its own.
	test::QuerySpec spec;
	Bytes reply = test::make_query(spec);
	reply[2] |= 0x80;  // QR
	test::append_opt(reply, 4096, 0, false,
			 test::concat({{0, 3, 0, 2, 'n', 's'}, {0, 10, 0, 16}, Bytes(16, 0xee)}));
	n = restore_reply(reply, out, q, true);
	ASSERT_GT(n, 0u);
	EXPECT_EQ(to_hex(reply_cookie_of({out, n})), want);
	test::Decoded d({out, n});
	ASSERT_TRUE(d.ok());
	const std::string all = to_hex({out, n});
	EXPECT_EQ(all.find(std::string(32, 'e')), std::string::npos) << "the upstream's cookie is gone";
	EXPECT_NE(all.find("000300026e73"), std::string::npos) << "NSID kept";
}

}  // namespace
}  // namespace xdpdns::dns
