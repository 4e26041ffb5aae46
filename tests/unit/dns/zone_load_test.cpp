// load_zone(): zone contents and every error naming FILE:LINE and the cause.
#include <gtest/gtest.h>

#include "dns/zone.h"
#include "test_support.h"

namespace xdpdns::dns {
namespace {

using test::Bytes;
using test::temp_dir;
using test::wire_name;
using test::write_file;

std::string key(std::string_view name)
{
	Bytes n = wire_name(name);
	return std::string(n.begin(), n.end());
}

const char *soa = "@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n";

// Loads `text` as FILE and returns the error message ("" if it loaded).
std::string load_error(const std::string &text, std::optional<std::string> origin = "example.test.",
		       std::string *path_out = nullptr)
{
	const std::string path = write_file(temp_dir(), "z.zone", text);
	if (path_out)
		*path_out = path;
	auto z = load_zone(path, origin);
	return z.ok() ? "" : z.error().message;
}

TEST(LoadZone, ExampleZone)
{
	auto z = load_zone(XDPDNS_EXAMPLE_ZONE);
	ASSERT_TRUE(z.ok()) << z.error().message;
	const Zone &zone = **z;
	EXPECT_EQ(Bytes(zone.origin().begin(), zone.origin().end()), wire_name("example.test"));
	EXPECT_EQ(zone.negative_ttl(), 300u);
	EXPECT_FALSE(zone.is_signed());

	const Node *small = zone.find(key("small.example.test"));
	ASSERT_NE(small, nullptr);
	ASSERT_EQ(small->rrsets.size(), 2u);
	EXPECT_EQ(small->rrsets[0].type, rrtype::a);  // sorted by type
	EXPECT_EQ(small->rrsets[1].type, rrtype::aaaa);
	EXPECT_EQ(small->rrsets[0].rdata[0], (Bytes{192, 0, 2, 1}));
	EXPECT_EQ(small->rrsets[0].ttl, 3600u);

	// Empty non-terminals exist, without data.
	for (const char *ent : {"b.ent.example.test", "ent.example.test", "wild.example.test"}) {
		const Node *n = zone.find(key(ent));
		ASSERT_NE(n, nullptr) << ent;
		EXPECT_TRUE(n->empty()) << ent;
	}
	EXPECT_EQ(zone.find(key("nothere.example.test")), nullptr);

	// The cut, and glue below it.
	const Node *sub = zone.find(key("sub.example.test"));
	ASSERT_NE(sub, nullptr);
	EXPECT_TRUE(sub->delegation);
	EXPECT_FALSE(zone.apex().delegation);
	EXPECT_NE(zone.find(key("ns.sub.example.test")), nullptr);

	// CNAME RDATA is the target's uncompressed wire name.
	const RRset *cname = zone.find(key("www.example.test"))->find(rrtype::cname);
	ASSERT_NE(cname, nullptr);
	EXPECT_EQ(cname->rdata[0], wire_name("small.example.test"));
}

TEST(LoadZone, LookupsAreCaseInsensitiveThroughLowercaseKeys)
{
	const std::string err = load_error(std::string(soa) + "MiXeD A 192.0.2.1\n");
	ASSERT_EQ(err, "");
	auto z = load_zone(write_file(temp_dir(), "m.zone", std::string("$ORIGIN Example.TEST.\n") + soa +
									 "MiXeD A 192.0.2.1\n"));
	ASSERT_TRUE(z.ok()) << z.error().message;
	EXPECT_NE((*z)->find(key("mixed.example.test")), nullptr);
	EXPECT_EQ(Bytes((*z)->origin().begin(), (*z)->origin().end()), wire_name("example.test"));
}

TEST(LoadZone, OriginFromSoaWhenNotGiven)
{
	auto z = load_zone(write_file(temp_dir(), "o.zone",
				      "$TTL 60\n$ORIGIN other.test.\n@ SOA ns hm 1 2 3 4 5\nwww A 192.0.2.1\n"));
	ASSERT_TRUE(z.ok()) << z.error().message;
	EXPECT_EQ(Bytes((*z)->origin().begin(), (*z)->origin().end()), wire_name("other.test"));
	EXPECT_EQ((*z)->negative_ttl(), 5u);  // min(60, 5)
	const Node *www = (*z)->find(key("www.other.test"));
	ASSERT_NE(www, nullptr);
	EXPECT_EQ(www->rrsets[0].ttl, 60u);
}

TEST(LoadZone, NegativeTtlIsTheSmallerOfSoaTtlAndMinimum)
{
	auto z = load_zone(write_file(temp_dir(), "n.zone", "example.test. 120 SOA ns hm 1 2 3 4 900\n"),
			   "example.test");
	ASSERT_TRUE(z.ok()) << z.error().message;
	EXPECT_EQ((*z)->negative_ttl(), 120u);
}

TEST(LoadZone, RelativeNamesUseTheGivenOrigin)
{
	auto z = load_zone(write_file(temp_dir(), "r.zone", std::string(soa) + "host A 192.0.2.7\n"),
			   "given.test.");
	ASSERT_TRUE(z.ok()) << z.error().message;
	EXPECT_NE((*z)->find(key("host.given.test")), nullptr);
}

TEST(LoadZone, DuplicatesAreDroppedAndTheFirstTtlWins)
{
	auto z = load_zone(write_file(temp_dir(), "d.zone",
				      std::string("$ORIGIN example.test.\n") + soa +
					      "a 100 A 192.0.2.1\na 200 A 192.0.2.1\na 300 A 192.0.2.2\n"));
	ASSERT_TRUE(z.ok()) << z.error().message;
	const RRset *a = (*z)->find(key("a.example.test"))->find(rrtype::a);
	ASSERT_NE(a, nullptr);
	EXPECT_EQ(a->rdata.size(), 2u);
	EXPECT_EQ(a->ttl, 100u);
}

TEST(LoadZone, RrsigsAttachToTheCoveredRrset)
{
	const std::string sig = " 8 3 3600 20300101000000 20200101000000 4242 example.test. AQIDBA==\n";
	auto z = load_zone(write_file(temp_dir(), "s.zone",
				      std::string("$ORIGIN example.test.\n") + soa + "h RRSIG A" + sig +
					      "h 100 A 192.0.2.1\nh TXT \"t\"\nh RRSIG MX" + sig +
					      "@ DNSKEY 257 3 8 AwEAAQ==\n@ RRSIG DNSKEY" + sig));
	ASSERT_TRUE(z.ok()) << z.error().message;
	const Node *h = (*z)->find(key("h.example.test"));
	ASSERT_NE(h, nullptr);
	EXPECT_EQ(h->find(rrtype::a)->sigs.size(), 1u);  // RRSIG before its RRset is fine
	EXPECT_EQ(h->find(rrtype::a)->sig_ttl, 3600u);
	EXPECT_TRUE(h->find(rrtype::txt)->sigs.empty());
	EXPECT_EQ(h->find(rrtype::rrsig), nullptr);  // not an RRset of its own
	EXPECT_EQ(h->find(rrtype::mx), nullptr);     // the RRSIG for MX is dropped
	EXPECT_TRUE((*z)->is_signed());
}

TEST(LoadZone, ErrorsNameFileLineAndCause)
{
	std::string path;
	struct Case {
		std::string text;
		int line;
		std::string cause;
	};
	const std::string head = std::string("$ORIGIN example.test.\n") + soa;  // lines 1-2
	const std::vector<Case> cases = {
		{head + "ok A 192.0.2.1\nbad A 999.0.2.1\n", 4, "rdata"},
		{head + "out.other.test. A 192.0.2.1\n", 3, "outside the zone example.test."},
		{head + "x A 192.0.2.1\nx CNAME y\n", 4, "CNAME and other data (A) at x.example.test."},
		{head + "x CNAME y\nx A 192.0.2.1\n", 4, "CNAME and other data (A) at x.example.test."},
		{head + "x CNAME y\nx CNAME z\n", 4, "more than one CNAME at x.example.test."},
		{head + "@ SOA ns2 hm 2 7200 3600 1209600 300\n", 3, "second SOA record"},
		{head + "sub SOA ns2 hm 2 7200 3600 1209600 300\n", 3, "SOA record at sub.example.test."},
		{head + "x CH A 192.0.2.1\n", 3, "class 3 of x.example.test. is not IN"},
		{head + "$INCLUDE other.zone\n", 3, "$INCLUDE is not supported"},
		{head + "\n; comment\n\n   \nbad AAAA 1.2.3.4\n", 7, "rdata"},
		{"$ORIGIN example.test.\n@ SOA ns1 hm (\n  1 7200\n  3600 1209600 300 )\n\nbad A x\n", 6, "rdata"},
	};
	for (const Case &c : cases) {
		const std::string err = load_error(c.text, "example.test.", &path);
		EXPECT_EQ(err.rfind(path + ":" + std::to_string(c.line) + ": ", 0), 0u)
			<< "text:\n" << c.text << "error: " << err;
		EXPECT_NE(err.find(c.cause), std::string::npos) << "error: " << err;
	}
}

TEST(LoadZone, WholeZoneErrorsNameTheFile)
{
	std::string path;
	std::string err = load_error("$ORIGIN example.test.\nwww A 192.0.2.1\n", "example.test.", &path);
	EXPECT_EQ(err, path + ": no SOA record at the apex example.test.");
	err = load_error("$ORIGIN example.test.\nwww A 192.0.2.1\n", std::nullopt, &path);
	EXPECT_EQ(err, path + ": no SOA record, and no origin given");
}

TEST(LoadZone, RelativeNameWithoutAnyOriginIsAnError)
{
	std::string path;
	const std::string err =
		load_error("example.test. SOA ns1.example.test. hm.example.test. 1 2 3 4 5\nwww A 192.0.2.1\n",
			   std::nullopt, &path);
	EXPECT_EQ(err, path + ":2: relative name 'www' with no $ORIGIN and no origin given");
	const std::string rdata_err =
		load_error("example.test. SOA ns1 hm.example.test. 1 2 3 4 5\n", std::nullopt, &path);
	EXPECT_EQ(rdata_err, path + ":1: relative name 'ns1' with no $ORIGIN and no origin given");
}

TEST(LoadZone, MissingFileAndBadOrigin)
{
	auto z = load_zone("/nonexistent/xdpdns.zone");
	ASSERT_FALSE(z.ok());
	EXPECT_EQ(z.error().err, ENOENT);
	EXPECT_NE(z.error().message.find("/nonexistent/xdpdns.zone"), std::string::npos);

	const std::string path = write_file(temp_dir(), "b.zone", soa);
	auto bad = load_zone(path, "a..b");
	ASSERT_FALSE(bad.ok());
	EXPECT_NE(bad.error().message.find("invalid origin 'a..b'"), std::string::npos);
}

TEST(ZoneNames, TextConversions)
{
	EXPECT_EQ(name_from_text("Www.Example.Test"), wire_name("www.example.test"));
	EXPECT_EQ(name_from_text("example.test."), wire_name("example.test"));
	EXPECT_EQ(name_to_text(wire_name("www.example.test")), "www.example.test.");
	EXPECT_EQ(name_to_text(Bytes{0}), ".");
	EXPECT_EQ(name_to_text(Bytes{3, 'a', '.', 0x01, 0}), "a\\.\\001.");
}

}  // namespace
}  // namespace xdpdns::dns
