// TSIG: our signatures verify with ldns's TSIG code and ldns's verify with
// ours, for a request and its response; a changed octet, another key, a
// time outside the fudge and an unsigned stream are refused.
#include "daemon/secondary/message.h"
#include "daemon/secondary/tsig.h"
#include "dns/wire.h"
#include "dns/zone.h"

#include <gtest/gtest.h>

#include <ctime>
#include <memory>

#include <ldns/ldns.h>

namespace xdpdns::secondary {
namespace {

constexpr const char *kSecret = "c2VjcmV0LWtleS1vZi10aGlydHktdHdvLW9jdGV0cyE=";

TsigKey key(const char *secret = kSecret, const char *name = "xfr-key.")
{
	auto k = make_tsig_key(name, "hmac-sha256", secret);
	EXPECT_TRUE(k) << k.error().message;
	return *k;
}

std::vector<std::uint8_t> soa_query()
{
	return make_query(0x1234, dns::name_from_text("example.test."), dns::rrtype::soa);
}

std::uint64_t now()
{
	return static_cast<std::uint64_t>(std::time(nullptr));
}

TEST(Tsig, KeyChecks)
{
	EXPECT_FALSE(make_tsig_key("k.", "hmac-md5", kSecret));
	EXPECT_FALSE(make_tsig_key("k.", "hmac-sha256", "not base64!"));
	EXPECT_FALSE(make_tsig_key("k.", "hmac-sha256", ""));
	auto k = make_tsig_key("Xfr-Key", "HMAC-SHA256.", kSecret);
	ASSERT_TRUE(k) << k.error().message;
	EXPECT_EQ(k->name, "Xfr-Key.");
	EXPECT_EQ(k->algorithm, "hmac-sha256");
	EXPECT_EQ(std::string(k->secret.begin(), k->secret.end()), "secret-key-of-thirty-two-octets!");
	auto bad = make_tsig_key("k.", "hmac-md5", kSecret);
	EXPECT_NE(bad.error().message.find("hmac-md5"), std::string::npos);
}

TEST(Tsig, OurRequestVerifiesWithLdns)
{
	const TsigKey k = key();
	auto msg = soa_query();
	const auto mac = tsig_sign(msg, k, {}, now());
	EXPECT_EQ(mac.size(), 32u);
	ldns_pkt *pkt = nullptr;
	ASSERT_EQ(ldns_wire2pkt(&pkt, msg.data(), msg.size()), LDNS_STATUS_OK);
	EXPECT_TRUE(ldns_pkt_tsig_verify(pkt, msg.data(), msg.size(), "xfr-key.", kSecret, nullptr));
	ldns_pkt_free(pkt);
	// And with ours.
	auto v = tsig_verify_request(msg, k, now());
	ASSERT_TRUE(v) << v.error().message;
	EXPECT_EQ(*v, mac);
}

TEST(Tsig, LdnsRequestAndResponseVerifyWithOurs)
{
	const TsigKey k = key();
	ldns_pkt *q = nullptr;
	ASSERT_EQ(ldns_pkt_query_new_frm_str(&q, "example.test.", LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_IN, 0),
		  LDNS_STATUS_OK);
	ldns_pkt_set_id(q, 777);
	ASSERT_EQ(ldns_pkt_tsig_sign(q, "xfr-key.", kSecret, 300, "hmac-sha256.", nullptr), LDNS_STATUS_OK);
	std::uint8_t *wire = nullptr;
	std::size_t len = 0;
	ASSERT_EQ(ldns_pkt2wire(&wire, q, &len), LDNS_STATUS_OK);
	std::vector<std::uint8_t> request(wire, wire + len);
	std::free(wire);
	auto mac = tsig_verify_request(request, k, now());
	ASSERT_TRUE(mac) << mac.error().message;

	// ldns signs a response with our request's MAC; our stream verifier takes it.
	auto ours = soa_query();
	const auto our_mac = tsig_sign(ours, k, {}, now());
	ldns_pkt *r = nullptr;
	ASSERT_EQ(ldns_pkt_query_new_frm_str(&r, "example.test.", LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_IN, 0),
		  LDNS_STATUS_OK);
	ldns_pkt_set_id(r, 0x1234);
	ldns_pkt_set_qr(r, true);
	ldns_rdf *mac_rdf = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA, 0, nullptr);
	std::vector<std::uint8_t> md{0, static_cast<std::uint8_t>(our_mac.size())};
	md.insert(md.end(), our_mac.begin(), our_mac.end());
	ldns_rdf_deep_free(mac_rdf);
	mac_rdf = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA, md.size(), md.data());
	ASSERT_EQ(ldns_pkt_tsig_sign(r, "xfr-key.", kSecret, 300, "hmac-sha256.", mac_rdf), LDNS_STATUS_OK);
	ASSERT_EQ(ldns_pkt2wire(&wire, r, &len), LDNS_STATUS_OK);
	std::vector<std::uint8_t> response(wire, wire + len);
	std::free(wire);
	TsigStreamVerifier sv(k, our_mac);
	auto ok = sv.next(response, now());
	EXPECT_TRUE(ok) << ok.error().message;
	EXPECT_TRUE(sv.finish());
	// With another request MAC it does not verify.
	TsigStreamVerifier other(k, std::vector<std::uint8_t>(32, 0));
	EXPECT_FALSE(other.next(response, now()));
	ldns_rdf_deep_free(mac_rdf);
	ldns_pkt_free(q);
	ldns_pkt_free(r);
}

TEST(Tsig, TamperingWrongKeyAndTimeRefused)
{
	const TsigKey k = key();
	auto msg = soa_query();
	tsig_sign(msg, k, {}, now());
	auto flipped = msg;
	flipped[14] ^= 0x20;  // a letter of the question's name
	auto r = tsig_verify_request(flipped, k, now());
	ASSERT_FALSE(r);
	EXPECT_NE(r.error().message.find("does not verify"), std::string::npos) << r.error().message;

	const TsigKey other = key("b3RoZXItc2VjcmV0LW9mLXRoaXJ0eS10d28tb2N0ZXRzIQ==");
	r = tsig_verify_request(msg, other, now());
	ASSERT_FALSE(r);
	EXPECT_NE(r.error().message.find("does not verify"), std::string::npos);

	const TsigKey renamed = key(kSecret, "another-key.");
	r = tsig_verify_request(msg, renamed, now());
	ASSERT_FALSE(r);
	EXPECT_NE(r.error().message.find("not the expected another-key."), std::string::npos) << r.error().message;

	r = tsig_verify_request(msg, k, now() + 1000);
	ASSERT_FALSE(r);
	EXPECT_NE(r.error().message.find("fudge"), std::string::npos);

	r = tsig_verify_request(soa_query(), k, now());
	ASSERT_FALSE(r);
	EXPECT_NE(r.error().message.find("no TSIG"), std::string::npos);
}

// A response message of ours signed by ldns, with the prior MAC and (for
// the later messages of a stream) the timers-only variables.
std::vector<std::uint8_t> ldns_signed(std::uint16_t id, const std::vector<std::uint8_t> &prior_mac, bool timers_only)
{
	ldns_pkt *r = nullptr;
	EXPECT_EQ(ldns_pkt_query_new_frm_str(&r, "example.test.", LDNS_RR_TYPE_AXFR, LDNS_RR_CLASS_IN, 0),
		  LDNS_STATUS_OK);
	ldns_pkt_set_id(r, id);
	ldns_pkt_set_qr(r, true);
	std::vector<std::uint8_t> md{0, static_cast<std::uint8_t>(prior_mac.size())};
	md.insert(md.end(), prior_mac.begin(), prior_mac.end());
	ldns_rdf *mac_rdf = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA, md.size(), md.data());
	EXPECT_EQ(ldns_pkt_tsig_sign_next(r, "xfr-key.", kSecret, 300, "hmac-sha256.", mac_rdf, timers_only ? 1 : 0),
		  LDNS_STATUS_OK);
	std::uint8_t *wire = nullptr;
	std::size_t len = 0;
	EXPECT_EQ(ldns_pkt2wire(&wire, r, &len), LDNS_STATUS_OK);
	std::vector<std::uint8_t> out(wire, wire + len);
	std::free(wire);
	ldns_rdf_deep_free(mac_rdf);
	ldns_pkt_free(r);
	return out;
}

std::vector<std::uint8_t> mac_of(const std::vector<std::uint8_t> &msg)
{
	auto t = find_tsig(msg);
	EXPECT_TRUE(t && *t);
	return (*t)->mac;
}

TEST(Tsig, MultiMessageStreamFromLdns)
{
	const TsigKey k = key();
	auto request = soa_query();
	const auto request_mac = tsig_sign(request, k, {}, now());
	const auto m1 = ldns_signed(0x1234, request_mac, false);
	const auto m2 = ldns_signed(0x1234, mac_of(m1), true);
	const auto m3 = ldns_signed(0x1234, mac_of(m2), true);
	TsigStreamVerifier sv(k, request_mac);
	for (const auto *m : {&m1, &m2, &m3}) {
		auto r = sv.next(*m, now());
		ASSERT_TRUE(r) << r.error().message;
	}
	EXPECT_TRUE(sv.finish());

	// Out of order: the second message's MAC chain breaks.
	TsigStreamVerifier swapped(k, request_mac);
	ASSERT_TRUE(swapped.next(m1, now()));
	EXPECT_FALSE(swapped.next(m3, now()));
}

TEST(Tsig, UnsignedFirstOrLastMessageRefused)
{
	const TsigKey k = key();
	auto request = soa_query();
	const auto request_mac = tsig_sign(request, k, {}, now());
	auto plain = soa_query();
	plain[2] |= 0x80;
	TsigStreamVerifier first(k, request_mac);
	auto r = first.next(plain, now());
	ASSERT_FALSE(r);
	EXPECT_NE(r.error().message.find("not signed"), std::string::npos);

	const auto m1 = ldns_signed(0x1234, request_mac, false);
	TsigStreamVerifier last(k, request_mac);
	ASSERT_TRUE(last.next(m1, now()));
	ASSERT_TRUE(last.next(plain, now()));  // unsigned in the middle is allowed ...
	auto f = last.finish();                // ... but not at the end
	ASSERT_FALSE(f);
	EXPECT_NE(f.error().message.find("last message is not signed"), std::string::npos);
}

}  // namespace
}  // namespace xdpdns::secondary
