// Bounded name helpers and byte access (ctl/dns/wire.h).
#include <gtest/gtest.h>

#include "dns/wire.h"
#include "test_support.h"

namespace xdpdns::dns {
namespace {

using test::Bytes;
using test::wire_name;

TEST(Wire, BigEndianLoadsAndStores)
{
	uint8_t b[4];
	store_be16(b, 0xabcd);
	EXPECT_EQ(b[0], 0xab);
	EXPECT_EQ(b[1], 0xcd);
	EXPECT_EQ(load_be16(b), 0xabcd);
	store_be32(b, 0x01020304);
	EXPECT_EQ(Bytes(b, b + 4), (Bytes{1, 2, 3, 4}));
	EXPECT_EQ(load_be32(b), 0x01020304u);
}

TEST(Wire, FlagMasksMatchRfc1035Layout)
{
	// QR opcode(4) AA TC RD RA Z AD CD rcode(4)
	EXPECT_EQ(flags_opcode(0x2800), 5);  // UPDATE
	EXPECT_EQ(flags_opcode(0x8000 | 0x0100), 0);
	EXPECT_EQ(flag::qr | flag::aa | flag::rd | flag::cd | 3, 0x8513);
}

TEST(Wire, UncompressedNameLengths)
{
	const Bytes n = wire_name("www.example.test");
	size_t len = 0;
	EXPECT_EQ(parse_uncompressed_name(n, 0, len), NameError::ok);
	EXPECT_EQ(len, 18u);
	const Bytes root{0};
	EXPECT_EQ(parse_uncompressed_name(root, 0, len), NameError::ok);
	EXPECT_EQ(len, 1u);
}

TEST(Wire, UncompressedNameErrors)
{
	size_t len = 0;
	Bytes cut = wire_name("www.example.test");
	cut.pop_back();
	EXPECT_EQ(parse_uncompressed_name(cut, 0, len), NameError::truncated);
	EXPECT_EQ(parse_uncompressed_name(Bytes{}, 0, len), NameError::truncated);

	Bytes label64{64};
	label64.resize(66, 'a');
	label64.push_back(0);
	EXPECT_EQ(parse_uncompressed_name(label64, 0, len), NameError::label_too_long);
	EXPECT_EQ(parse_uncompressed_name(Bytes{0x80, 0}, 0, len), NameError::label_too_long);
	EXPECT_EQ(parse_uncompressed_name(Bytes{0xc0, 0x0c}, 0, len), NameError::pointer);
}

// Four 63-octet labels make 4 * 64 + 1 = 257 octets; trimming gives 255.
Bytes long_name(size_t total)
{
	Bytes n;
	while (total - n.size() > 1) {
		const size_t l = std::min<size_t>(63, total - n.size() - 2);
		n.push_back(static_cast<uint8_t>(l));
		n.insert(n.end(), l, 'x');
	}
	n.push_back(0);
	return n;
}

TEST(Wire, NameOf255OctetsIsTheLimit)
{
	size_t len = 0;
	const Bytes ok = long_name(255);
	ASSERT_EQ(ok.size(), 255u);
	EXPECT_EQ(parse_uncompressed_name(ok, 0, len), NameError::ok);
	const Bytes over = long_name(256);
	ASSERT_EQ(over.size(), 256u);
	EXPECT_EQ(parse_uncompressed_name(over, 0, len), NameError::name_too_long);
}

TEST(Wire, SkipNameFollowsBackwardPointersOnly)
{
	// offset 0: "example.test", offset 14: "www" + pointer to 0.
	Bytes m = wire_name("example.test");
	m.insert(m.end(), {3, 'w', 'w', 'w', 0xc0, 0x00});
	size_t end = 0;
	EXPECT_EQ(skip_name(m, 14, end), NameError::ok);
	EXPECT_EQ(end, 20u);
	EXPECT_EQ(skip_name(m, 0, end), NameError::ok);
	EXPECT_EQ(end, 14u);

	Bytes self{0, 0, 0xc0, 0x02};  // pointer to itself
	EXPECT_EQ(skip_name(self, 2, end), NameError::pointer_loop);
	Bytes forward{0xc0, 0x02, 0};  // points forward
	EXPECT_EQ(skip_name(forward, 0, end), NameError::pointer_loop);
	// Two pointers that bounce: 4 -> 0 -> 2 (not before 0's pointer target chain)
	Bytes bounce{0xc0, 0x02, 0xc0, 0x00, 0xc0, 0x00};
	EXPECT_EQ(skip_name(bounce, 4, end), NameError::pointer_loop);
	Bytes cut{3, 'w', 'w', 'w', 0xc0};
	EXPECT_EQ(skip_name(cut, 0, end), NameError::truncated);
}

TEST(Wire, SkipNameBoundsTheDecodedLength)
{
	// 200 octets of labels, then a pointer to another 100 octets: > 255 decoded.
	Bytes m = long_name(100);
	const size_t second = m.size();
	Bytes head = long_name(200);
	head.pop_back();  // drop the root, continue with a pointer to offset 0
	m.insert(m.end(), head.begin(), head.end());
	m.push_back(0xc0);
	m.push_back(0x00);
	size_t end = 0;
	EXPECT_EQ(skip_name(m, second, end), NameError::name_too_long);
}

TEST(Wire, CaseInsensitiveHelpers)
{
	const Bytes a = wire_name("WwW.Example.TEST");
	const Bytes b = wire_name("www.example.test");
	EXPECT_TRUE(names_equal_ci(a, b));
	EXPECT_FALSE(names_equal_ci(a, wire_name("www.example.tesu")));
	Bytes lower(a.size());
	lower_name(a, lower.data());
	EXPECT_EQ(lower, b);
	EXPECT_EQ(name_label_count(b), 3u);
	EXPECT_EQ(name_label_count(Bytes{0}), 0u);
}

TEST(Wire, SubdomainOnLabelBoundaries)
{
	const Bytes zone = wire_name("example.test");
	EXPECT_TRUE(name_is_subdomain(wire_name("www.example.test"), zone));
	EXPECT_TRUE(name_is_subdomain(zone, zone));
	EXPECT_FALSE(name_is_subdomain(wire_name("wwwexample.test"), zone));
	EXPECT_FALSE(name_is_subdomain(wire_name("xample.test"), zone));
	EXPECT_FALSE(name_is_subdomain(wire_name("test"), zone));
	EXPECT_TRUE(name_is_subdomain(zone, Bytes{0}));
}

}  // namespace
}  // namespace xdpdns::dns
