#include "net/address.h"

#include <gtest/gtest.h>

#include "net_test_support.h"

namespace xdpdns::net {
namespace {

TEST(Address, V4MappedLayout)
{
	const uint8_t v4[4] = {192, 0, 2, 1};
	const IpAddress a = IpAddress::from_v4(v4);
	EXPECT_EQ(test::to_hex(a.bytes), "00 00 00 00 00 00 00 00 00 00 ff ff c0 00 02 01");
	EXPECT_TRUE(a.is_v4_mapped());
	EXPECT_EQ(a.v4()[0], 192);
	EXPECT_EQ(a.v4()[3], 1);
	EXPECT_EQ(format_address(a).view(), "192.0.2.1");
}

TEST(Address, V6Format)
{
	const IpAddress a = IpAddress::from_v6(std::span<const uint8_t, 16>(test::kServer6.data(), 16));
	EXPECT_FALSE(a.is_v4_mapped());
	EXPECT_EQ(format_address(a).view(), "2001:db8::53");
	EXPECT_EQ(format_address(IpAddress{}).view(), "::");
	IpAddress m{};
	m.bytes.fill(0xff);
	EXPECT_EQ(format_address(m).view(), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
}

TEST(Address, MacFormat)
{
	const Mac m{{0x02, 0xab, 0x00, 0x10, 0xff, 0x01}};
	EXPECT_EQ(format_mac(m).view(), "02:ab:00:10:ff:01");
}

}  // namespace
}  // namespace xdpdns::net
