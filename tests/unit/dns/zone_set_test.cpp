// ZoneSet: longest-suffix zone selection, duplicate origins, and the
// handle a reload swaps.
#include <gtest/gtest.h>

#include <thread>

#include "dns/zone_set.h"
#include "test_support.h"

namespace xdpdns::dns {
namespace {

using test::wire_name;

std::shared_ptr<const Zone> zone_at(const std::string &origin)
{
	auto z = load_zone(test::write_file(test::temp_dir(), "z.zone", "@ SOA ns hm 1 2 3 4 5\n"), origin);
	EXPECT_TRUE(z.ok()) << (z.ok() ? "" : z.error().message);
	return z.ok() ? *z : nullptr;
}

TEST(ZoneSet, LongestSuffixWins)
{
	auto parent = zone_at("example.test.");
	auto child = zone_at("child.example.test.");
	auto root = zone_at(".");
	auto set = ZoneSet::build({parent, child});
	ASSERT_TRUE(set.ok());
	EXPECT_EQ((*set)->find(wire_name("a.b.child.example.test")), child.get());
	EXPECT_EQ((*set)->find(wire_name("child.example.test")), child.get());
	EXPECT_EQ((*set)->find(wire_name("xchild.example.test")), parent.get());
	EXPECT_EQ((*set)->find(wire_name("example.test")), parent.get());
	EXPECT_EQ((*set)->find(wire_name("test")), nullptr);
	EXPECT_EQ((*set)->find(wire_name(".")), nullptr);

	auto with_root = ZoneSet::build({root, parent});
	ASSERT_TRUE(with_root.ok());
	EXPECT_EQ((*with_root)->find(wire_name("org")), root.get());
	EXPECT_EQ((*with_root)->find(wire_name(".")), root.get());
	EXPECT_EQ((*with_root)->find(wire_name("www.example.test")), parent.get());

	auto empty = ZoneSet::build({});
	ASSERT_TRUE(empty.ok());
	EXPECT_EQ((*empty)->find(wire_name("example.test")), nullptr);
}

TEST(ZoneSet, SameOriginTwiceIsAnError)
{
	auto set = ZoneSet::build({zone_at("example.test."), zone_at("Example.Test.")});
	ASSERT_FALSE(set.ok());
	EXPECT_EQ(set.error().message, "zone example.test. is loaded twice");
}

TEST(ZoneSetHandle, ReadersKeepTheirSnapshotAcrossASwap)
{
	auto first = ZoneSet::build({zone_at("one.test.")});
	auto second = ZoneSet::build({zone_at("two.test.")});
	ASSERT_TRUE(first.ok() && second.ok());
	ZoneSetHandle handle(*first);
	const std::shared_ptr<const ZoneSet> snapshot = handle.load();

	std::thread reload([&] { handle.store(*second); });
	reload.join();

	EXPECT_NE(snapshot->find(wire_name("www.one.test")), nullptr);  // still valid
	EXPECT_EQ(handle.load()->find(wire_name("www.one.test")), nullptr);
	EXPECT_NE(handle.load()->find(wire_name("www.two.test")), nullptr);
}

}  // namespace
}  // namespace xdpdns::dns
