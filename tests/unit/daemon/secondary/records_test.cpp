// IXFR diffs applied to a zone's records, the zone rebuilt from them, and
// the SOA serial arithmetic.
#include "daemon/secondary/records.h"
#include "dns/wire.h"
#include "dns/zone.h"
#include "records_util.h"

#include <gtest/gtest.h>

namespace xdpdns::secondary {
namespace {

using test::rr;
using test::rrs;

const char *kSoa1 = "example.test. 3600 IN SOA ns1.example.test. admin.example.test. 1 3600 600 86400 300";
const char *kSoa2 = "example.test. 3600 IN SOA ns1.example.test. admin.example.test. 2 3600 600 86400 300";
const char *kSoa3 = "example.test. 3600 IN SOA ns1.example.test. admin.example.test. 3 3600 600 86400 300";

std::vector<Record> zone_v1()
{
	return rrs({kSoa1, "example.test. 3600 IN NS ns1.example.test.", "ns1.example.test. 3600 IN A 192.0.2.1",
		    "www.example.test. 300 IN A 192.0.2.80", "old.example.test. 300 IN TXT \"gone soon\""});
}

TEST(SecondaryRecords, SerialArithmetic)
{
	EXPECT_TRUE(serial_newer(2, 1));
	EXPECT_FALSE(serial_newer(1, 1));
	EXPECT_FALSE(serial_newer(1, 2));
	EXPECT_TRUE(serial_newer(1, 0xffffffffu));  // wraps (RFC 1982)
	EXPECT_FALSE(serial_newer(0x80000001u, 1));
}

TEST(SecondaryRecords, SoaTimers)
{
	auto t = soa_timers(rr(kSoa2).rdata);
	ASSERT_TRUE(t);
	EXPECT_EQ(t->serial, 2u);
	EXPECT_EQ(t->refresh, 3600u);
	EXPECT_EQ(t->retry, 600u);
	EXPECT_EQ(t->expire, 86400u);
	EXPECT_FALSE(soa_timers(std::vector<std::uint8_t>{0, 0, 1}));
}

TEST(SecondaryRecords, ApplyTwoDiffs)
{
	std::vector<Diff> diffs(2);
	diffs[0].deleted = rrs({kSoa1, "old.example.test. 300 IN TXT \"gone soon\""});
	diffs[0].added = rrs({kSoa2, "new.example.test. 300 IN A 192.0.2.2"});
	diffs[1].deleted = rrs({kSoa2, "WWW.Example.Test. 300 IN A 192.0.2.80"});  // owner case differs
	diffs[1].added = rrs({kSoa3, "www.example.test. 300 IN A 192.0.2.81", "ns1.example.test. 60 IN A 192.0.2.1"});
	auto out = apply_diffs(zone_v1(), diffs);
	ASSERT_TRUE(out) << out.error().message;
	const auto want = rrs({"example.test. 3600 IN NS ns1.example.test.", "ns1.example.test. 60 IN A 192.0.2.1",
			       "new.example.test. 300 IN A 192.0.2.2", kSoa3, "www.example.test. 300 IN A 192.0.2.81"});
	ASSERT_EQ(out->size(), want.size());
	for (const auto &w : want)
		EXPECT_NE(std::find(out->begin(), out->end(), w), out->end()) << dns::name_to_text(w.owner) << " " << w.type;

	auto zone = build_zone(dns::name_from_text("example.test."), *out);
	ASSERT_TRUE(zone) << zone.error().message;
	auto soa = soa_timers((*zone)->soa().rdata[0]);
	EXPECT_EQ(soa->serial, 3u);
	EXPECT_EQ((*zone)->find(dns::name_from_text("old.example.test.")), nullptr);
	const dns::Node *www = (*zone)->find(dns::name_from_text("www.example.test."));
	ASSERT_NE(www, nullptr);
	ASSERT_NE(www->find(dns::rrtype::a), nullptr);
	EXPECT_EQ(www->find(dns::rrtype::a)->rdata[0], (std::vector<std::uint8_t>{192, 0, 2, 81}));
}

TEST(SecondaryRecords, DeletingAnAbsentRecordFails)
{
	std::vector<Diff> diffs(1);
	diffs[0].deleted = rrs({kSoa1, "nothere.example.test. 300 IN A 192.0.2.9"});
	diffs[0].added = rrs({kSoa2});
	auto out = apply_diffs(zone_v1(), diffs);
	ASSERT_FALSE(out);
	EXPECT_NE(out.error().message.find("nothere.example.test."), std::string::npos) << out.error().message;
}

TEST(SecondaryRecords, BuildZoneNamesTheBadRecord)
{
	auto records = zone_v1();
	records.push_back(rr("elsewhere.test. 300 IN A 192.0.2.1"));
	auto zone = build_zone(dns::name_from_text("example.test."), records);
	ASSERT_FALSE(zone);
	EXPECT_NE(zone.error().message.find("elsewhere.test."), std::string::npos) << zone.error().message;
	auto none = zone_soa(rrs({"www.example.test. 300 IN A 192.0.2.1"}), dns::name_from_text("example.test."));
	EXPECT_FALSE(none);
}

}  // namespace
}  // namespace xdpdns::secondary
