#include "common/endpoint.h"
#include "daemon/config/values.h"

#include <gtest/gtest.h>

namespace xdpdns::daemon::config {
namespace {

template <class T>
std::string error_of(const Result<T> &r)
{
	return r ? std::string("<accepted>") : r.error().message;
}

// The address forms themselves are tested with common/endpoint.h; here only
// that the config takes the text through that parser and keeps it as written.
TEST(Values, UpstreamGoesThroughTheEndpointParser)
{
	EXPECT_EQ(parse_upstream("[2001:db8::1]:5353")->text, "[2001:db8::1]:5353");
	EXPECT_EQ(parse_upstream("192.0.2.1")->text, "192.0.2.1");
	EXPECT_EQ(error_of(parse_upstream("ns1.example:53")), error_of(parse_endpoint("ns1.example:53")));
	EXPECT_FALSE(parse_upstream("[::1]:0").ok());
}

TEST(Values, InterfaceNamesAsTheKernelAccepts)
{
	for (const char *ok : {"eth0", "veth-conf0", "a", "enp0s31f6.100", "abcdefghijklmno"})
		EXPECT_EQ(*parse_interface_name(ok), ok);
	for (const char *bad : {"", ".", "..", "abcdefghijklmnop", "a/b", "a b", "eth0:1", "a\tb"})
		EXPECT_FALSE(parse_interface_name(bad).ok()) << bad;
}

TEST(Values, OriginsAreMadeAbsoluteAndChecked)
{
	EXPECT_EQ(*parse_origin("example.test"), "example.test.");
	EXPECT_EQ(*parse_origin("example.test."), "example.test.");
	EXPECT_EQ(*parse_origin("."), ".");
	EXPECT_EQ(error_of(parse_origin("")), "'' is not a domain name (empty label)");
	EXPECT_EQ(error_of(parse_origin(".example")), "'.example' is not a domain name (empty label)");
	EXPECT_EQ(error_of(parse_origin("a b.test")), "'a b.test' is not a domain name (white space or control character)");
	const std::string label63(63, 'a'), label64(64, 'a');
	EXPECT_TRUE(parse_origin(label63 + ".test").ok());
	EXPECT_EQ(error_of(parse_origin(label64 + ".test")),
		  "'" + label64 + ".test' is not a domain name (label longer than 63 octets)");
	// 4 labels of 63 = 4 * 64 + 1 = 257 wire octets; 3 labels and one of 61 = 255.
	const std::string l61(61, 'b');
	EXPECT_TRUE(parse_origin(label63 + "." + label63 + "." + label63 + "." + l61).ok());
	EXPECT_EQ(error_of(parse_origin(label63 + "." + label63 + "." + label63 + "." + l61 + "b")),
		  "'" + label63 + "." + label63 + "." + label63 + "." + l61 + "b' is not a domain name (longer than 255 octets)");
}

TEST(Values, ZoneSpecSplitsAtTheLastAt)
{
	EXPECT_EQ(*parse_zone_spec("z.zone"), (ZoneFile{"z.zone", std::nullopt}));
	EXPECT_EQ(*parse_zone_spec("z.zone@example.test"), (ZoneFile{"z.zone", "example.test."}));
	EXPECT_EQ(*parse_zone_spec("/srv/a@b/z.zone@example.test."), (ZoneFile{"/srv/a@b/z.zone", "example.test."}));
	EXPECT_EQ(error_of(parse_zone_spec("@example.test")), "'@example.test' names no zone file (FILE or FILE@ORIGIN)");
	EXPECT_EQ(error_of(parse_zone_spec("z.zone@")), "'' is not a domain name (empty label)");
}

TEST(Values, Counts)
{
	EXPECT_EQ(*parse_count("1", 1, 10), 1u);
	EXPECT_EQ(*parse_count("10", 1, 10), 10u);
	EXPECT_EQ(error_of(parse_count("11", 1, 10)), "11 is out of range 1..10");
	EXPECT_EQ(error_of(parse_count("99999999999999999999999", 1, 10)), "99999999999999999999999 is out of range 1..10");
	EXPECT_EQ(error_of(parse_count("-1", 1, 10)), "'-1' is not a whole number");
	EXPECT_EQ(error_of(parse_count("", 1, 10)), "'' is not a whole number");
}

}  // namespace
}  // namespace xdpdns::daemon::config
