// The zone store: a zone written and read back record for record, the
// file name of odd origins, a missing file (ENOENT) and a damaged one.
#include "daemon/secondary/zone_store.h"
#include "dns/zone.h"
#include "records_util.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace xdpdns::secondary {
namespace {

struct TempDir {
	std::string path;
	TempDir()
	{
		char t[] = "/tmp/xdpdns-store-XXXXXX";
		path = ::mkdtemp(t);
	}
	~TempDir() { std::filesystem::remove_all(path); }
};

TEST(ZoneStore, SaveAndLoad)
{
	TempDir d;
	ZoneStore s(d.path + "/state");
	ASSERT_TRUE(s.prepare());
	const auto origin = dns::name_from_text("example.test.");
	const auto records = test::rrs(
		{"example.test. 3600 IN SOA ns1.example.test. admin.example.test. 7 3600 600 86400 300",
		 "example.test. 3600 IN NS ns1.example.test.", "ns1.example.test. 3600 IN A 192.0.2.1",
		 "www.example.test. 300 IN AAAA 2001:db8::80", "txt.example.test. 300 IN TXT \"two words\" \"x;y\"",
		 "MixedCase.example.test. 300 IN MX 10 mail.example.test.",
		 "unknown.example.test. 300 IN TYPE65400 \\# 3 010203"});
	ASSERT_TRUE(s.save(origin, records, "test"));
	EXPECT_EQ(s.path_of(origin), d.path + "/state/example.test.zone");
	EXPECT_FALSE(std::filesystem::exists(s.path_of(origin) + ".tmp"));
	auto back = s.load(origin);
	ASSERT_TRUE(back) << back.error().message;
	EXPECT_EQ(back->records, records);
	EXPECT_GT(back->verified, 0);
}

TEST(ZoneStore, NamesMissingAndDamaged)
{
	TempDir d;
	ZoneStore s(d.path);
	EXPECT_EQ(s.path_of(dns::name_from_text(".")), d.path + "/root.zone");
	EXPECT_EQ(s.path_of(dns::name_from_text("a\\/b.test.")), d.path + "/a%2Fb.test.zone");
	auto missing = s.load(dns::name_from_text("none.test."));
	ASSERT_FALSE(missing);
	EXPECT_EQ(missing.error().err, ENOENT);
	{
		std::ofstream f(d.path + "/bad.test.zone");
		f << "; header\nbad.test. 300 IN A 192.0.2.1\nbad.test. 300 IN A not-an-address\n";
	}
	auto bad = s.load(dns::name_from_text("bad.test."));
	ASSERT_FALSE(bad);
	EXPECT_NE(bad.error().message.find("bad.test.zone:3:"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace xdpdns::secondary
