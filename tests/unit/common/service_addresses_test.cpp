#include "common/service_addresses.h"

#include <gtest/gtest.h>

#include <cstring>

namespace xdpdns {
namespace {

std::string list_error(std::string_view text)
{
	auto r = parse_address_list(text);
	EXPECT_FALSE(r.ok()) << "accepted " << text;
	return r ? "<accepted>" : r.error().message;
}

TEST(ServiceAddresses, AllMeansTheEmptySet)
{
	for (std::string_view t : {"all", " all ", "all,"}) {
		auto r = parse_address_list(t);
		ASSERT_TRUE(r.ok()) << t << ": " << r.error().message;
		EXPECT_TRUE(r->empty()) << t;
	}
	EXPECT_EQ(format_address_list({}), "all");
}

TEST(ServiceAddresses, ListIsMappedSortedAndDeduplicated)
{
	auto r = parse_address_list("2001:db8::53, 192.0.2.54,192.0.2.53 192.0.2.54");
	ASSERT_TRUE(r.ok()) << r.error().message;
	ASSERT_EQ(r->size(), 3u);
	const std::uint8_t v4[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 53};
	EXPECT_EQ(std::memcmp((*r)[0].data(), v4, 16), 0) << "IPv4 first, as ::ffff:a.b.c.d";
	const std::uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53};
	EXPECT_EQ(std::memcmp((*r)[2].data(), v6, 16), 0);
	EXPECT_EQ(format_address_list(*r), "192.0.2.53,192.0.2.54,2001:db8::53");
	// What format prints, parse reads back.
	EXPECT_EQ(*parse_address_list(format_address_list(*r)), *r);
}

TEST(ServiceAddresses, FormatSortsNumerically)
{
	auto r = parse_address_list("10.0.0.10,10.0.0.9,10.0.0.100");
	ASSERT_TRUE(r.ok());
	EXPECT_EQ(format_address_list(*r), "10.0.0.9,10.0.0.10,10.0.0.100");
}

TEST(ServiceAddresses, BadInputIsNamed)
{
	EXPECT_EQ(list_error("192.0.2.53,bogus"), "address: 'bogus' is not an IPv4 or IPv6 address");
	EXPECT_EQ(list_error("192.0.2.0/24"), "address: '192.0.2.0/24' is not an IPv4 or IPv6 address");
	EXPECT_EQ(list_error("all,192.0.2.1"), "address: 'all' is not an IPv4 or IPv6 address");
	EXPECT_EQ(list_error(""), "addresses: '' names no address (e.g. 192.0.2.53,2001:db8::53, or all)");
	EXPECT_EQ(list_error(" , "), "addresses: ' , ' names no address (e.g. 192.0.2.53,2001:db8::53, or all)");
}

TEST(ServiceAddresses, AtMostTheMapCapacity)
{
	std::string text;
	for (unsigned i = 1; i <= XDPDNS_MAX_SERVICE_ADDRS; i++)
		text += (text.empty() ? "" : ",") + std::string("10.0.0.") + std::to_string(i);
	auto full = parse_address_list(text + ",10.0.0.1");  // duplicates do not count
	ASSERT_TRUE(full.ok()) << full.error().message;
	EXPECT_EQ(full->size(), XDPDNS_MAX_SERVICE_ADDRS);
	EXPECT_EQ(list_error(text + ",10.0.1.1"), "addresses: 65 given, at most 64");
	std::vector<Addr16> many(*full);
	many.push_back(*parse_address("2001:db8::1"));
	EXPECT_FALSE(check_address_count(many).ok());
	EXPECT_TRUE(check_address_count(*full).ok());
}

}  // namespace
}  // namespace xdpdns
