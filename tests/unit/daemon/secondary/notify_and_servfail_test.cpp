// The NOTIFY check as the workers call it (accepted from a primary's
// address with the zone's key, the answer signed; refused otherwise, each
// with its RCODE; the manager woken only when accepted), and the answers
// for an unavailable secondary zone: SERVFAIL for its names, also below a
// parent zone we serve, while the parent's own names are answered.
#include "daemon/secondary/message.h"
#include "daemon/secondary/notify.h"
#include "daemon/secondary/records.h"
#include "dns/query.h"
#include "dns/wire.h"
#include "dns/zone.h"
#include "dns/zone_backend.h"
#include "dns/zone_set.h"
#include "records_util.h"

#include <gtest/gtest.h>

#include <array>
#include <ctime>
#include <cstring>

namespace xdpdns::secondary {
namespace {

constexpr const char *kSecret = "c2VjcmV0LWtleS1vZi10aGlydHktdHdvLW9jdGV0cyE=";

net::IpAddress v4(std::uint8_t last)
{
	const std::array<std::uint8_t, 4> a{192, 0, 2, last};
	return net::IpAddress::from_v4(a);
}

std::uint64_t now()
{
	return static_cast<std::uint64_t>(std::time(nullptr));
}

std::vector<std::uint8_t> notify_msg(const char *zone)
{
	auto m = make_query(0x4242, dns::name_from_text(zone), dns::rrtype::soa);
	dns::store_be16(m.data() + 2, static_cast<std::uint16_t>(dns::opcode::notify << 11 | dns::flag::aa));
	return m;
}

struct Woken {
	std::vector<std::size_t> zones;
};

TEST(NotifyCheck, AcceptedAndRefused)
{
	auto key = std::make_shared<const TsigKey>(*make_tsig_key("xfr-key.", "hmac-sha256", kSecret));
	std::vector<ZoneSpec> zones(2);
	zones[0].name = "plain.test.";
	zones[0].origin = dns::name_from_text("plain.test.");
	zones[0].primaries.push_back(*parse_endpoint("192.0.2.1:5300"));
	zones[1].name = "signed.test.";
	zones[1].origin = dns::name_from_text("signed.test.");
	zones[1].primaries.push_back(*parse_endpoint("192.0.2.2"));
	zones[1].key = key;
	Woken w;
	NotifyCheck check(zones, [&](std::size_t i) { w.zones.push_back(i); });
	std::array<std::uint8_t, 1024> out{};

	// Accepted without a key: NOERROR, QR, AA, opcode NOTIFY, question echoed.
	auto m = notify_msg("Plain.Test.");
	auto o = check.handle(m, v4(1), out, now());
	EXPECT_EQ(o.verdict, NotifyCheck::Verdict::accepted);
	ASSERT_EQ(o.size, m.size());
	const std::uint16_t flags = dns::load_be16(out.data() + 2);
	EXPECT_EQ(flags, dns::flag::qr | dns::opcode::notify << 11 | dns::flag::aa);
	EXPECT_EQ(std::memcmp(out.data() + 12, m.data() + 12, m.size() - 12), 0);
	EXPECT_EQ(dns::load_be16(out.data()), 0x4242);
	EXPECT_EQ(w.zones, std::vector<std::size_t>{0});

	// Another address: REFUSED, nobody woken.
	o = check.handle(m, v4(9), out, now());
	EXPECT_EQ(o.verdict, NotifyCheck::Verdict::refused);
	EXPECT_EQ(dns::load_be16(out.data() + 2) & dns::flag::rcode_mask, dns::rcode::refused);
	// A zone we are not secondary for: NOTAUTH.
	auto other = notify_msg("other.test.");
	o = check.handle(other, v4(1), out, now());
	EXPECT_EQ(dns::load_be16(out.data() + 2) & dns::flag::rcode_mask, 9);
	// The signed zone without TSIG: NOTAUTH.
	auto s = notify_msg("signed.test.");
	o = check.handle(s, v4(2), out, now());
	EXPECT_EQ(o.verdict, NotifyCheck::Verdict::refused);
	EXPECT_EQ(dns::load_be16(out.data() + 2) & dns::flag::rcode_mask, 9);
	EXPECT_EQ(w.zones.size(), 1u);

	// With the key: accepted, and the answer is signed over the request's MAC.
	const auto request_mac = tsig_sign(s, *key, {}, now());
	o = check.handle(s, v4(2), out, now());
	EXPECT_EQ(o.verdict, NotifyCheck::Verdict::accepted);
	EXPECT_EQ(w.zones, (std::vector<std::size_t>{0, 1}));
	std::vector<std::uint8_t> answer(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(o.size));
	TsigStreamVerifier v(*key, request_mac);
	auto ok = v.next(answer, now());
	EXPECT_TRUE(ok) << ok.error().message;
}

// A query for name/type, parsed as the workers do.
dns::Query query(const char *name, std::uint16_t type)
{
	const auto m = make_query(1, dns::name_from_text(name), type);
	dns::Query q;
	EXPECT_EQ(dns::parse_query(m, q), dns::ParseResult::ok);
	return q;
}

std::uint8_t rcode_of(const dns::ZoneSet &set, const char *name, std::uint16_t type)
{
	std::array<std::uint8_t, 4096> out{};
	const auto info = dns::answer(set, query(name, type), dns::Transport::udp, out);
	EXPECT_GT(info.size, 0u);
	EXPECT_EQ(dns::load_be16(out.data() + 2) & dns::flag::rcode_mask, info.rcode);
	return info.rcode;
}

TEST(UnavailableZone, ServfailForItsNamesOnly)
{
	auto parent = build_zone(dns::name_from_text("test."),
				 test::rrs({"test. 300 IN SOA ns.test. h.test. 1 3 1 8 60", "test. 300 IN NS ns.test.",
					    "ns.test. 300 IN A 192.0.2.1", "www.test. 300 IN A 192.0.2.2"}));
	ASSERT_TRUE(parent) << parent.error().message;
	auto set = dns::ZoneSet::build({*parent}, {dns::name_from_text("sec.test."), dns::name_from_text("other.example.")});
	ASSERT_TRUE(set) << set.error().message;
	EXPECT_EQ(rcode_of(**set, "www.sec.test.", dns::rrtype::a), dns::rcode::servfail);
	EXPECT_EQ(rcode_of(**set, "sec.test.", dns::rrtype::soa), dns::rcode::servfail);
	EXPECT_EQ(rcode_of(**set, "a.b.other.example.", dns::rrtype::aaaa), dns::rcode::servfail);
	EXPECT_EQ(rcode_of(**set, "www.test.", dns::rrtype::a), dns::rcode::noerror);
	EXPECT_EQ(rcode_of(**set, "nothere.test.", dns::rrtype::a), dns::rcode::nxdomain);
	EXPECT_EQ(rcode_of(**set, "www.example.", dns::rrtype::a), dns::rcode::refused);
	EXPECT_EQ((*set)->zones().size(), 1u);  // the in-kernel answers see only real zones

	// An origin both served and unavailable is refused at build time.
	EXPECT_FALSE(dns::ZoneSet::build({*parent}, {dns::name_from_text("test.")}));
}

}  // namespace
}  // namespace xdpdns::secondary
