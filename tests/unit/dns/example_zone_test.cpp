// The bundled example zone (tools/zones/example.test.zone): the answer sizes
// its comments promise, which the ATR and truncation tests rely on.
#include <gtest/gtest.h>

#include "dns/query.h"
#include "dns/zone_backend.h"
#include "test_support.h"

namespace xdpdns::dns {
namespace {

using test::Bytes;
using test::Decoded;
using test::make_query;
using test::QuerySpec;

class ExampleZone : public ::testing::Test {
protected:
	static void SetUpTestSuite() { zones_ = test::load_set({XDPDNS_EXAMPLE_ZONE}); }
	static void TearDownTestSuite() { zones_.reset(); }

	static Bytes ask(const std::string &name, uint16_t type, bool edns, Transport t = Transport::udp)
	{
		const Bytes m = make_query(QuerySpec{.name = name, .type = type, .edns = edns, .bufsize = 4096});
		Query q;
		EXPECT_EQ(parse_query(m, q), ParseResult::ok);
		Bytes out(max_message);
		out.resize(answer(*zones_, q, t, out).size);
		return out;
	}

	static std::shared_ptr<const ZoneSet> zones_;
};
std::shared_ptr<const ZoneSet> ExampleZone::zones_;

TEST_F(ExampleZone, LargeAnswerSizes)
{
	struct Want {
		const char *name;
		size_t with_edns;
		size_t low, high;  // the range the zone file promises (with EDNS)
		size_t records;
	};
	for (const Want &w : {Want{"big1200.example.test", 1200, 1100, 1232, 5},
			      Want{"big1400.example.test", 1400, 1300, 1472, 5},
			      Want{"big4000.example.test", 4000, 3800, 4096, 15}}) {
		const Bytes with = ask(w.name, rrtype::txt, true);
		const Bytes without = ask(w.name, rrtype::txt, false);
		EXPECT_EQ(with.size(), w.with_edns) << w.name;
		EXPECT_EQ(without.size(), w.with_edns - 11) << w.name;
		EXPECT_GE(with.size(), w.low) << w.name;
		EXPECT_LE(with.size(), w.high) << w.name;
		EXPECT_GE(without.size(), w.low) << w.name;
		EXPECT_EQ(test::field(with, hdr::ancount), w.records) << w.name;
		EXPECT_EQ(test::field(with, hdr::flags) & flag::tc, 0) << w.name;
		Decoded d(with);
		ASSERT_TRUE(d.ok()) << w.name;
		EXPECT_EQ(d.answer().size(), w.records) << w.name;
		// Same octets over TCP: the transport only matters for ANY.
		EXPECT_EQ(ask(w.name, rrtype::txt, true, Transport::tcp), with) << w.name;
	}
	// The thresholds the sizes are chosen around.
	EXPECT_LE(ask("big1200.example.test", rrtype::txt, true).size(), 1232u);  // no ATR on IPv6
	EXPECT_GT(ask("big1400.example.test", rrtype::txt, true).size(), 1232u);  // ATR on IPv6
	EXPECT_LE(ask("big1400.example.test", rrtype::txt, true).size(), 1472u);  // none on IPv4
	EXPECT_GT(ask("big4000.example.test", rrtype::txt, true).size(), 1472u);  // both
}

TEST_F(ExampleZone, SmallNames)
{
	using Lines = std::vector<std::string>;
	EXPECT_EQ(Decoded(ask("small.example.test", rrtype::a, false)).answer(),
		  (Lines{"small.example.test. 3600 IN A 192.0.2.1"}));
	EXPECT_EQ(Decoded(ask("small.example.test", rrtype::aaaa, false)).answer(),
		  (Lines{"small.example.test. 3600 IN AAAA 2001:db8::1"}));
	EXPECT_EQ(Decoded(ask("www.example.test", rrtype::a, false)).answer(),
		  (Lines{"www.example.test. 3600 IN CNAME small.example.test.",
			 "small.example.test. 3600 IN A 192.0.2.1"}));
	EXPECT_EQ(Decoded(ask("chain1.example.test", rrtype::a, false)).answer(),
		  (Lines{"chain1.example.test. 3600 IN CNAME chain2.example.test.",
			 "chain2.example.test. 3600 IN CNAME chain3.example.test.",
			 "chain3.example.test. 3600 IN CNAME small.example.test.",
			 "small.example.test. 3600 IN A 192.0.2.1"}));
	EXPECT_EQ(Decoded(ask("mx.example.test", rrtype::mx, false)).answer(),
		  (Lines{"mx.example.test. 3600 IN MX 10 mail.example.test."}));
	EXPECT_EQ(Decoded(ask("anything.wild.example.test", rrtype::a, false)).answer(),
		  (Lines{"anything.wild.example.test. 3600 IN A 192.0.2.80"}));
	EXPECT_EQ(Decoded(ask("a.b.ent.example.test", rrtype::a, false)).answer(),
		  (Lines{"a.b.ent.example.test. 3600 IN A 192.0.2.81"}));
	EXPECT_EQ(Decoded(ask("ns1.example.test", rrtype::aaaa, false)).answer(),
		  (Lines{"ns1.example.test. 3600 IN AAAA 2001:db8::53"}));

	const Bytes ent = ask("b.ent.example.test", rrtype::a, false);
	EXPECT_EQ(test::field(ent, hdr::flags) & flag::rcode_mask, rcode::noerror);
	EXPECT_EQ(Decoded(ent).authority(),
		  (Lines{"example.test. 300 IN SOA ns1.example.test. hostmaster.example.test. 2024010101 7200 3600 1209600 300"}));

	const Bytes referral = ask("www.sub.example.test", rrtype::a, false);
	EXPECT_EQ(test::field(referral, hdr::flags) & flag::aa, 0);
	EXPECT_EQ(Decoded(referral).authority(), (Lines{"sub.example.test. 3600 IN NS ns.sub.example.test."}));
	EXPECT_EQ(Decoded(referral).additional(), (Lines{"ns.sub.example.test. 3600 IN A 192.0.2.54",
							 "ns.sub.example.test. 3600 IN AAAA 2001:db8::54"}));
}

}  // namespace
}  // namespace xdpdns::dns
