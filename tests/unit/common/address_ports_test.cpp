#include "common/address.h"
#include "common/attach.h"
#include "common/ports.h"

#include <gtest/gtest.h>

#include <cstring>

namespace xdpdns {
namespace {

// Whether `port` is set in the bitmap (only the tests ask).
bool port_in(const xdpdns_ports &b, std::uint16_t port)
{
	return b.bits[port >> 6] & (1ull << (port & 63));
}

std::string prefix_error(std::string_view text)
{
	auto r = parse_prefix(text);
	EXPECT_FALSE(r.ok()) << "accepted " << text;
	return r ? "<accepted>" : r.error().message;
}

TEST(Prefix, Ipv4IsMappedAndCountsFrom96)
{
	auto p = parse_prefix("192.0.2.0/24");
	ASSERT_TRUE(p.ok()) << p.error().message;
	const std::uint8_t want[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 0};
	EXPECT_EQ(std::memcmp(p->addr.data(), want, 16), 0);
	EXPECT_EQ(p->len, 120u);
	EXPECT_EQ(format_prefix(*p), "192.0.2.0/24");

	xdpdns_lpm_key k = to_lpm_key(*p);
	EXPECT_EQ(k.prefixlen, 120u);
	EXPECT_EQ(std::memcmp(k.addr, want, 16), 0);
	EXPECT_EQ(from_lpm_key(k), *p);
}

TEST(Prefix, FormsAndLengths)
{
	EXPECT_EQ(parse_prefix("198.51.100.7")->len, 128u);
	EXPECT_EQ(format_prefix(*parse_prefix("198.51.100.7")), "198.51.100.7/32");
	EXPECT_EQ(parse_prefix("0.0.0.0/0")->len, 96u);
	EXPECT_EQ(parse_prefix("2001:db8::/32")->len, 32u);
	EXPECT_EQ(format_prefix(*parse_prefix("2001:db8::/32")), "2001:db8::/32");
	EXPECT_EQ(parse_prefix("::/0")->len, 0u);
	EXPECT_EQ(parse_prefix("2001:db8::1")->len, 128u);
}

TEST(Prefix, BadInputIsNamed)
{
	EXPECT_EQ(prefix_error("192.0.2.1/24"),
		  "prefix '192.0.2.1/24' has host bits set (did you mean 192.0.2.0/24?)");
	EXPECT_EQ(prefix_error("2001:db8::1/32"),
		  "prefix '2001:db8::1/32' has host bits set (did you mean 2001:db8::/32?)");
	EXPECT_EQ(prefix_error("192.0.2.0/33"), "prefix '192.0.2.0/33': length must be 0..32");
	EXPECT_EQ(prefix_error("2001:db8::/129"), "prefix '2001:db8::/129': length must be 0..128");
	EXPECT_EQ(prefix_error("192.0.2.0/"), "prefix '192.0.2.0/': length must be 0..32");
	EXPECT_EQ(prefix_error("192.0.2.0/2a"), "prefix '192.0.2.0/2a': length must be 0..32");
	EXPECT_EQ(prefix_error("300.1.1.0/24"),
		  "prefix '300.1.1.0/24': '300.1.1.0' is not an IPv4 or IPv6 address");
	EXPECT_EQ(prefix_error(""), "prefix '': '' is not an IPv4 or IPv6 address");
}

TEST(Address, FormatsMappedAsDottedQuad)
{
	auto a = parse_address("203.0.113.9");
	ASSERT_TRUE(a.ok());
	EXPECT_TRUE(is_v4_mapped(*a));
	EXPECT_EQ(format_address(*a), "203.0.113.9");
	auto b = parse_address("2001:db8::53");
	ASSERT_TRUE(b.ok());
	EXPECT_FALSE(is_v4_mapped(*b));
	EXPECT_EQ(format_address(*b), "2001:db8::53");
	EXPECT_FALSE(parse_address("[2001:db8::53]").ok());
}

TEST(Ports, ParseListsAndErrors)
{
	auto l = parse_port_list("53,5353");
	ASSERT_TRUE(l.ok());
	EXPECT_EQ(*l, (std::vector<std::uint16_t>{53, 5353}));
	EXPECT_EQ(*parse_port_list("53 5353"), (std::vector<std::uint16_t>{53, 5353}));
	EXPECT_EQ(*parse_port_list("1,65535"), (std::vector<std::uint16_t>{1, 65535}));
	EXPECT_EQ(parse_port_list("0").error().message, "port: 0 is out of range 1..65535");
	EXPECT_EQ(parse_port_list("53,65536").error().message, "port: 65536 is out of range 1..65535");
	EXPECT_EQ(parse_port_list("99999999999999999999999").error().message,
		  "port: 99999999999999999999999 is out of range 1..65535");
	EXPECT_EQ(parse_port_list("abc").error().message, "port: 'abc' is not a port number (1..65535)");
	EXPECT_EQ(parse_port_list("-53").error().message, "port: '-53' is not a port number (1..65535)");
	EXPECT_EQ(parse_port_list("53x").error().message, "port: '53x' is not a port number (1..65535)");
	EXPECT_EQ(parse_port_list("").error().message, "ports: '' names no port (e.g. 53 or 53,5353)");
	EXPECT_FALSE(parse_port_list(",").ok());
}

TEST(Ports, BitmapLayoutIsBitPortAnd63OfWordPortShr6)
{
	std::vector<std::uint16_t> ports = {53, 5353, 0xffff, 1};
	xdpdns_ports b = ports_bitmap(ports);
	EXPECT_EQ(b.bits[0], (1ull << 53) | (1ull << 1));
	EXPECT_EQ(b.bits[5353 >> 6], 1ull << (5353 & 63));
	EXPECT_EQ(b.bits[1023], 1ull << 63);
	int set = 0;
	for (auto w : b.bits)
		set += __builtin_popcountll(w);
	EXPECT_EQ(set, 4);
	EXPECT_EQ(ports_list(b), (std::vector<std::uint16_t>{1, 53, 5353, 65535}));
	EXPECT_TRUE(port_in(b, 5353));
	EXPECT_FALSE(port_in(b, 5354));
	EXPECT_EQ(format_port_list(ports), "1,53,5353,65535");
	std::vector<std::uint16_t> dup = {53, 53};
	EXPECT_EQ(format_port_list(dup), "53");
}

TEST(XdpMode, ParseNamesValidModes)
{
	EXPECT_EQ(*parse_xdp_mode("native"), XdpMode::Native);
	EXPECT_EQ(*parse_xdp_mode("skb"), XdpMode::Skb);
	EXPECT_EQ(parse_xdp_mode("generic").error().message,
		  "mode 'generic' is not valid; valid modes: native, skb");
	EXPECT_EQ(xdp_mode_name(XdpMode::Skb), "skb");
}

}  // namespace
}  // namespace xdpdns
