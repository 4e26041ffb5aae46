// parse_endpoint: accepted forms and the exact error texts.
#include "common/endpoint.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <ostream>
#include <string>

namespace xdpdns {
namespace {

// "192.0.2.1:53", "[2001:db8::1]:53".
std::string format_endpoint(const Endpoint &e)
{
	char buf[INET6_ADDRSTRLEN] = "?";
	if (e.family() == AF_INET) {
		inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in *>(&e.addr)->sin_addr, buf, sizeof buf);
		return std::string(buf) + ":" + std::to_string(e.port());
	}
	if (e.family() == AF_INET6)
		inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6 *>(&e.addr)->sin6_addr, buf, sizeof buf);
	return "[" + std::string(buf) + "]:" + std::to_string(e.port());
}

struct Good {
	const char *text;
	int family;
	const char *formatted;
};

void PrintTo(const Good &g, std::ostream *os)
{
	*os << g.text;
}

class EndpointGood : public ::testing::TestWithParam<Good> {};

TEST_P(EndpointGood, Parses)
{
	const Good &g = GetParam();
	auto e = parse_endpoint(g.text);
	ASSERT_TRUE(e.ok()) << e.error().message;
	EXPECT_EQ(e->family(), g.family);
	EXPECT_EQ(e->len, g.family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6));
	EXPECT_EQ(format_endpoint(*e), g.formatted);
	auto again = parse_endpoint(format_endpoint(*e));
	ASSERT_TRUE(again.ok());
	EXPECT_TRUE(*again == *e);
}

INSTANTIATE_TEST_SUITE_P(
	Forms, EndpointGood,
	::testing::Values(Good{"192.0.2.1", AF_INET, "192.0.2.1:53"},
			  Good{"192.0.2.1:5353", AF_INET, "192.0.2.1:5353"},
			  Good{"127.0.0.1:65535", AF_INET, "127.0.0.1:65535"},
			  Good{"10.0.0.1:1", AF_INET, "10.0.0.1:1"},
			  Good{"2001:db8::1", AF_INET6, "[2001:db8::1]:53"},
			  Good{"[2001:db8::1]", AF_INET6, "[2001:db8::1]:53"},
			  Good{"[2001:db8::1]:5353", AF_INET6, "[2001:db8::1]:5353"},
			  Good{"::1", AF_INET6, "[::1]:53"},
			  Good{"[::ffff:192.0.2.1]:5353", AF_INET, "192.0.2.1:5353"},
			  Good{"::ffff:192.0.2.1", AF_INET, "192.0.2.1:53"},
			  // Without brackets every colon belongs to the address.
			  Good{"2001:db8::1:5353", AF_INET6, "[2001:db8::1:5353]:53"}));

TEST(Endpoint, FieldsInNetworkOrder)
{
	auto e = parse_endpoint("192.0.2.7:5300");
	ASSERT_TRUE(e.ok());
	const auto *a = reinterpret_cast<const sockaddr_in *>(&e->addr);
	EXPECT_EQ(a->sin_port, htons(5300));
	EXPECT_EQ(a->sin_addr.s_addr, htonl(0xc0000207));
	EXPECT_EQ(e->port(), 5300);

	auto v6 = parse_endpoint("[2001:db8::2]:853");
	ASSERT_TRUE(v6.ok());
	const auto *b = reinterpret_cast<const sockaddr_in6 *>(&v6->addr);
	EXPECT_EQ(b->sin6_port, htons(853));
	EXPECT_EQ(b->sin6_addr.s6_addr[0], 0x20);
	EXPECT_EQ(b->sin6_addr.s6_addr[15], 0x02);
}

TEST(Endpoint, SameEndpointComparesAddressAndPort)
{
	EXPECT_TRUE(*parse_endpoint("192.0.2.1") == *parse_endpoint("192.0.2.1:53"));
	EXPECT_FALSE(*parse_endpoint("192.0.2.1") == *parse_endpoint("192.0.2.1:54"));
	EXPECT_FALSE(*parse_endpoint("192.0.2.1") == *parse_endpoint("192.0.2.2"));
	EXPECT_TRUE(*parse_endpoint("[::ffff:192.0.2.1]") == *parse_endpoint("192.0.2.1"));
	EXPECT_FALSE(*parse_endpoint("[::192.0.2.1]") == *parse_endpoint("192.0.2.1"));
	EXPECT_TRUE(*parse_endpoint("[2001:db8::1]:53") == *parse_endpoint("2001:db8:0::1"));
}

struct Bad {
	const char *text;
	const char *message;
};

void PrintTo(const Bad &b, std::ostream *os)
{
	*os << (*b.text ? b.text : "(empty)");
}

class EndpointBad : public ::testing::TestWithParam<Bad> {};

TEST_P(EndpointBad, ExactError)
{
	auto e = parse_endpoint(GetParam().text);
	ASSERT_FALSE(e.ok()) << GetParam().text;
	EXPECT_EQ(e.error().message, GetParam().message);
	EXPECT_EQ(e.error().err, EINVAL);
}

INSTANTIATE_TEST_SUITE_P(
	Errors, EndpointBad,
	::testing::Values(
		Bad{"", "upstream address is empty"},
		Bad{"example.com", "upstream \"example.com\": not an IPv4 or IPv6 address"},
		Bad{"example.com:53", "upstream \"example.com:53\": not an IPv4 or IPv6 address"},
		Bad{"192.0.2.256", "upstream \"192.0.2.256\": not an IPv4 or IPv6 address"},
		Bad{"fe80::1%eth0", "upstream \"fe80::1%eth0\": not an IPv4 or IPv6 address"},
		Bad{"[2001:db8::1", "upstream \"[2001:db8::1\": missing ']' after the IPv6 address"},
		Bad{"[2001:db8::1]5353", "upstream \"[2001:db8::1]5353\": expected ':PORT' after ']'"},
		Bad{"[2001:db8::1]:", "upstream \"[2001:db8::1]:\": empty port"},
		Bad{"[192.0.2.1]:53", "upstream \"[192.0.2.1]:53\": brackets are only for IPv6 addresses"},
		Bad{"[]:53", "upstream \"[]:53\": no address"},
		Bad{":53", "upstream \":53\": no address"},
		Bad{"192.0.2.1:", "upstream \"192.0.2.1:\": empty port"},
		Bad{"192.0.2.1:0", "upstream \"192.0.2.1:0\": port 0 is out of range 1..65535"},
		Bad{"192.0.2.1:65536", "upstream \"192.0.2.1:65536\": port 65536 is out of range 1..65535"},
		Bad{"192.0.2.1:99999999999999999999",
		    "upstream \"192.0.2.1:99999999999999999999\": port 99999999999999999999 is out of range 1..65535"},
		Bad{"192.0.2.1:53x", "upstream \"192.0.2.1:53x\": port \"53x\" is not a number"},
		Bad{"192.0.2.1:-1", "upstream \"192.0.2.1:-1\": port \"-1\" is not a number"},
		Bad{"192.0.2.1: 53", "upstream \"192.0.2.1: 53\": port \" 53\" is not a number"},
		Bad{"[::1]:domain", "upstream \"[::1]:domain\": port \"domain\" is not a number"}));

}  // namespace
}  // namespace xdpdns
