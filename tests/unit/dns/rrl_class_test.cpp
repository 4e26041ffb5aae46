// RRL classes of the zone backend's answers (dns/rrl_class.h): which
// answers share a bucket, case by case, as NSD and Knot group them.
#include <gtest/gtest.h>

#include "dns/query.h"
#include "dns/rrl_class.h"
#include "dns/zone_backend.h"
#include "test_support.h"

namespace xdpdns::dns {
namespace {

using test::Bytes;
using test::make_query;
using test::QuerySpec;

class RrlClass : public ::testing::Test {
protected:
	static void SetUpTestSuite()
	{
		zones_ = test::load_set({std::string(XDPDNS_TEST_ZONES) + "/zone.test.zone",
					 std::string(XDPDNS_TEST_ZONES) + "/inner.zone.test.zone",
					 std::string(XDPDNS_TEST_ZONES) + "/dname.test.zone"});
	}
	static void TearDownTestSuite() { zones_.reset(); }

	static AnswerInfo ask(const std::string &name, uint16_t type, uint16_t qclass = rrclass::in)
	{
		const Bytes m = make_query(QuerySpec{.name = name, .type = type, .qclass = qclass, .flags = 0});
		Query q;
		EXPECT_EQ(parse_query(m, q), ParseResult::ok);
		Bytes out(max_message);
		const AnswerInfo info = answer(*zones_, q, Transport::udp, out);
		EXPECT_NE(info.size, 0u);
		EXPECT_NE(info.rrl_class, 0u) << name;
		return info;
	}
	static uint32_t cls(const std::string &name, uint16_t type) { return ask(name, type).rrl_class; }

	static std::shared_ptr<const ZoneSet> zones_;
};
std::shared_ptr<const ZoneSet> RrlClass::zones_;

Bytes name(std::string_view text) { return test::wire_name(text); }

TEST_F(RrlClass, PositiveAnswersByNameAndType)
{
	EXPECT_EQ(cls("www.zone.test", rrtype::a), rrl_class_key(RrlKind::positive, name("www.zone.test"), rrtype::a));
	EXPECT_EQ(cls("WWW.Zone.TEST", rrtype::a), cls("www.zone.test", rrtype::a)) << "case does not matter";
	EXPECT_NE(cls("www.zone.test", rrtype::a), cls("www.zone.test", rrtype::aaaa));
	EXPECT_NE(cls("www.zone.test", rrtype::a), cls("mail.zone.test", rrtype::a));
	// A CNAME chain counts for the name asked.
	EXPECT_EQ(cls("alias2.zone.test", rrtype::aaaa),
		  rrl_class_key(RrlKind::positive, name("alias2.zone.test"), rrtype::aaaa));
}

TEST_F(RrlClass, NodataByNameWhateverTheType)
{
	const uint32_t mx = cls("www.zone.test", rrtype::mx);
	EXPECT_EQ(mx, rrl_class_key(RrlKind::nodata, name("www.zone.test")));
	EXPECT_EQ(cls("www.zone.test", rrtype::srv), mx);
	EXPECT_NE(cls("www.zone.test", rrtype::a), mx) << "NODATA and a positive answer differ";
	// An empty non-terminal is NODATA too.
	EXPECT_EQ(cls("c.zone.test", rrtype::a), rrl_class_key(RrlKind::nodata, name("c.zone.test")));
}

TEST_F(RrlClass, NxdomainByZoneApex)
{
	const uint32_t nx = cls("nothere.zone.test", rrtype::a);
	EXPECT_EQ(nx, rrl_class_key(RrlKind::nxdomain, name("zone.test")));
	// A random-subdomain flood shares one bucket.
	EXPECT_EQ(cls("x7f3k2.zone.test", rrtype::aaaa), nx);
	EXPECT_EQ(cls("q.p.zone.test", rrtype::txt), nx);
	// The child zone served beside it has its own.
	EXPECT_EQ(cls("nothere.inner.zone.test", rrtype::a), rrl_class_key(RrlKind::nxdomain, name("inner.zone.test")));
}

TEST_F(RrlClass, ReferralsByDelegationPoint)
{
	const uint32_t ref = cls("host.sub.zone.test", rrtype::a);
	EXPECT_EQ(ref, rrl_class_key(RrlKind::referral, name("sub.zone.test")));
	EXPECT_EQ(cls("other.deeper.sub.zone.test", rrtype::aaaa), ref);
	EXPECT_EQ(cls("sub.zone.test", rrtype::a), ref);
	EXPECT_NE(cls("x.nods.zone.test", rrtype::a), ref);
}

TEST_F(RrlClass, WildcardAnswersByTheWildcard)
{
	const uint32_t w = cls("one.wc.zone.test", rrtype::a);
	EXPECT_EQ(w, rrl_class_key(RrlKind::wildcard, name("wc.zone.test")));
	EXPECT_EQ(cls("two.wc.zone.test", rrtype::txt), w);
	EXPECT_EQ(cls("a.b.wc.zone.test", rrtype::mx), w) << "wildcard NODATA too";
	EXPECT_NE(cls("one.wild.zone.test", rrtype::a), w);
}

TEST_F(RrlClass, DnameAnswersByTheDnameOwner)
{
	const uint32_t d = cls("x.d.dname.test", rrtype::a);
	EXPECT_EQ(d, rrl_class_key(RrlKind::dname, name("d.dname.test")));
	EXPECT_EQ(cls("y.z.d.dname.test", rrtype::aaaa), d);
}

TEST_F(RrlClass, ErrorsShareOneClass)
{
	const AnswerInfo refused = ask("www.elsewhere.test", rrtype::a);
	EXPECT_EQ(refused.rcode, rcode::refused);
	EXPECT_EQ(refused.rrl_class, rrl_error_class());
	EXPECT_EQ(ask("other.example", rrtype::a).rrl_class, rrl_error_class());
	EXPECT_EQ(ask("www.zone.test", rrtype::a, rrclass::ch).rrl_class, rrl_error_class());
	EXPECT_EQ(ask("www.zone.test", rrtype::axfr).rrl_class, rrl_error_class());
	EXPECT_NE(rrl_error_class(), cls("nothere.zone.test", rrtype::a));
}

TEST_F(RrlClass, KindsNeverCollideForOneName)
{
	const Bytes n = name("zone.test");
	const uint32_t keys[] = {
		rrl_class_key(RrlKind::positive, n, rrtype::a), rrl_class_key(RrlKind::nodata, n),
		rrl_class_key(RrlKind::nxdomain, n),            rrl_class_key(RrlKind::referral, n),
		rrl_class_key(RrlKind::wildcard, n),            rrl_class_key(RrlKind::dname, n),
		rrl_class_key(RrlKind::error, n)};
	for (size_t i = 0; i < std::size(keys); i++)
		for (size_t j = i + 1; j < std::size(keys); j++)
			EXPECT_NE(keys[i], keys[j]) << i << " " << j;
}

}  // namespace
}  // namespace xdpdns::dns
