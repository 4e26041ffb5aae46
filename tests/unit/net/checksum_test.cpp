// Checksums against known vectors and against the reference 16-bit loop.
#include "net/checksum.h"

#include <gtest/gtest.h>

#include <random>

#include "net_test_support.h"

namespace xdpdns::net {
namespace {

using test::Bytes;
using test::from_hex;

// A SYN built with scapy (Ether/IP/TCP, options MSS 1460, SAckOK,
// Timestamp 12345/0, NOP, WScale 7); scapy computed IP 0x3c1e, TCP 0x8ff0.
const Bytes kScapySyn = from_hex(
	"020000000002 020000000001 0800"
	"4500003c 12344000 40063c1e c0000201 c6336435"
	"9c400035 01020304 00000000 a002faf0 8ff00000"
	"020405b4 0402080a 00003039 00000000 01030307");
constexpr size_t kSynL3 = 14, kSynL4 = 34;

Bytes random_bytes(std::mt19937 &rng, size_t n)
{
	Bytes b(n);
	for (auto &x : b)
		x = static_cast<uint8_t>(rng());
	return b;
}

TEST(Checksum, Rfc1071Example)
{
	// RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2.
	const Bytes d = from_hex("0001 f203 f4f5 f6f7");
	EXPECT_EQ(csum_fold(csum_add(0, d)), static_cast<uint16_t>(~0xddf2));
	EXPECT_EQ(test::ref_ones_sum(d), 0xddf2);
}

TEST(Checksum, EmptyAndAllZero)
{
	EXPECT_EQ(csum_fold(csum_add(0, {})), 0xffff);
	const Bytes z(7, 0);
	EXPECT_EQ(csum_fold(csum_add(0, z)), 0xffff);
}

TEST(Checksum, MatchesReferenceForEveryLengthUpTo300)
{
	std::mt19937 rng(1071);
	for (size_t n = 0; n <= 300; n++) {
		const Bytes d = random_bytes(rng, n);
		EXPECT_EQ(csum_fold(csum_add(0, d)), test::ref_checksum(d)) << "length " << n;
	}
}

TEST(Checksum, AllOnesMaxLengthDoesNotOverflow)
{
	const Bytes d(65535, 0xff);
	EXPECT_EQ(csum_fold(csum_add(0, d)), test::ref_checksum(d));
	const Bytes e(65536, 0xfe);
	EXPECT_EQ(csum_fold(csum_add(0, e)), test::ref_checksum(e));
}

TEST(Checksum, IncrementalOverEvenSplitsEqualsWhole)
{
	std::mt19937 rng(7);
	for (int round = 0; round < 200; round++) {
		const Bytes d = random_bytes(rng, 1 + rng() % 500);
		size_t a = (rng() % (d.size() + 1)) & ~size_t{1};
		size_t b = a + ((rng() % (d.size() - a + 1)) & ~size_t{1});
		std::span<const uint8_t> s(d);
		uint32_t sum = csum_add(0, s.subspan(0, a));
		sum = csum_add(sum, s.subspan(a, b - a));
		sum = csum_add(sum, s.subspan(b));
		EXPECT_EQ(csum_fold(sum), test::ref_checksum(d)) << "split " << a << "/" << b;
	}
}

TEST(Checksum, Ipv4HeaderOfScapySyn)
{
	std::span<const uint8_t> ip = std::span(kScapySyn).subspan(kSynL3, 20);
	EXPECT_EQ(ipv4_header_checksum(ip), 0x3c1e);
	EXPECT_TRUE(ipv4_header_checksum_ok(ip));

	Bytes zeroed(ip.begin(), ip.end());
	zeroed[10] = zeroed[11] = 0;
	EXPECT_EQ(ipv4_header_checksum(zeroed), 0x3c1e) << "field must be ignored";
	EXPECT_FALSE(ipv4_header_checksum_ok(zeroed));

	Bytes flipped(ip.begin(), ip.end());
	flipped[8] ^= 0x01;  // TTL
	EXPECT_FALSE(ipv4_header_checksum_ok(flipped));
}

TEST(Checksum, Ipv4HeaderWithOptionsMatchesReference)
{
	const Bytes opts = from_hex("01010101 94040000");  // NOPs, Router Alert
	Bytes h = test::ipv4_header(test::kClient4, test::kServer4, 17, 8, opts);
	EXPECT_TRUE(ipv4_header_checksum_ok(h));
	EXPECT_EQ(ipv4_header_checksum(h), test::rd16(h, 10));
}

TEST(Checksum, TcpOfScapySyn)
{
	std::span<const uint8_t> seg = std::span(kScapySyn).subspan(kSynL4);
	const IpAddress src = IpAddress::from_v4(std::span<const uint8_t, 4>(kScapySyn.data() + 26, 4));
	const IpAddress dst = IpAddress::from_v4(std::span<const uint8_t, 4>(kScapySyn.data() + 30, 4));
	EXPECT_TRUE(transport_checksum_ok(src, dst, false, kProtoTcp, seg));

	Bytes zeroed(seg.begin(), seg.end());
	zeroed[16] = zeroed[17] = 0;
	EXPECT_EQ(transport_checksum(src, dst, false, kProtoTcp, zeroed), 0x8ff0);

	Bytes flipped(seg.begin(), seg.end());
	flipped.back() ^= 0x80;  // WScale value
	EXPECT_FALSE(transport_checksum_ok(src, dst, false, kProtoTcp, flipped));
	// Same bytes, other pseudo-header: must fail too.
	EXPECT_FALSE(transport_checksum_ok(dst, dst, false, kProtoTcp, seg));
}

TEST(Checksum, PseudoHeaderMatchesReference)
{
	std::mt19937 rng(8200);
	for (int round = 0; round < 100; round++) {
		const Bytes s16 = random_bytes(rng, 16), d16 = random_bytes(rng, 16);
		const Bytes seg = random_bytes(rng, 8 + rng() % 200);
		const uint8_t proto = round % 2 ? kProtoTcp : kProtoUdp;
		const IpAddress s6 = IpAddress::from_v6(std::span<const uint8_t, 16>(s16.data(), 16));
		const IpAddress d6 = IpAddress::from_v6(std::span<const uint8_t, 16>(d16.data(), 16));
		const IpAddress s4 = IpAddress::from_v4(std::span<const uint8_t, 4>(s16.data(), 4));
		const IpAddress d4 = IpAddress::from_v4(std::span<const uint8_t, 4>(d16.data(), 4));

		Bytes all6 = test::cat({test::ref_pseudo_v6(s16, d16, proto, seg.size()), seg});
		uint16_t want6 = test::ref_checksum(all6);
		if (proto == kProtoUdp && want6 == 0)
			want6 = 0xffff;
		EXPECT_EQ(transport_checksum(s6, d6, true, proto, seg), want6);

		Bytes all4 = test::cat({test::ref_pseudo_v4(std::span(s16).first(4), std::span(d16).first(4),
							    proto, static_cast<uint16_t>(seg.size())),
					seg});
		uint16_t want4 = test::ref_checksum(all4);
		if (proto == kProtoUdp && want4 == 0)
			want4 = 0xffff;
		EXPECT_EQ(transport_checksum(s4, d4, false, proto, seg), want4);
	}
}

// A UDP segment whose computed checksum is 0 must be sent as 0xffff.
TEST(Checksum, UdpZeroIsSentAsAllOnes)
{
	const IpAddress src = IpAddress::from_v4(std::span<const uint8_t, 4>(test::kServer4.data(), 4));
	const IpAddress dst = IpAddress::from_v4(std::span<const uint8_t, 4>(test::kClient4.data(), 4));
	Bytes seg = test::udp_datagram(53, 40000, from_hex("0000 0000"));
	// Choose the last word so the one's-complement sum is 0xffff (checksum 0).
	Bytes all = test::cat({test::ref_pseudo_v4(test::kServer4, test::kClient4, 17, seg.size()), seg});
	const uint16_t s = test::ref_ones_sum(all);
	test::wr16(seg, seg.size() - 2, static_cast<uint16_t>(0xffff - s));
	all = test::cat({test::ref_pseudo_v4(test::kServer4, test::kClient4, 17, seg.size()), seg});
	ASSERT_EQ(test::ref_checksum(all), 0);

	EXPECT_EQ(transport_checksum(src, dst, false, kProtoUdp, seg), 0xffff);
	test::wr16(seg, 6, 0xffff);
	EXPECT_TRUE(transport_checksum_ok(src, dst, false, kProtoUdp, seg));
}

TEST(Checksum, UdpZeroFieldMeansNoneOnIpv4Only)
{
	const IpAddress a = IpAddress::from_v4(std::span<const uint8_t, 4>(test::kServer4.data(), 4));
	const IpAddress b = IpAddress::from_v4(std::span<const uint8_t, 4>(test::kClient4.data(), 4));
	const Bytes seg = test::udp_datagram(53, 40000, from_hex("01 02 03"));
	EXPECT_TRUE(transport_checksum_ok(a, b, false, kProtoUdp, seg));
	const IpAddress a6 = IpAddress::from_v6(std::span<const uint8_t, 16>(test::kServer6.data(), 16));
	const IpAddress b6 = IpAddress::from_v6(std::span<const uint8_t, 16>(test::kClient6.data(), 16));
	EXPECT_FALSE(transport_checksum_ok(a6, b6, true, kProtoUdp, seg));
}

// Frames as Linux sent them over a veth with the default offloads (captured
// with tcpdump on the sending end): CHECKSUM_PARTIAL leaves the folded
// pseudo-header sum, not inverted, in the TCP/UDP checksum field (tcpdump
// calls it incorrect). IPv4 header checksums are complete.
const Bytes kLinuxPartialSyn4 = from_hex(
	"020000000002 020000000001 0800"
	"4500003c b2c54000 400603f3 c0000201 c0000202"
	"b13e0035 1a80919f 00000000 a002faf0 84320000"  // field 8432, full 310e
	"020405b4 0402080a 28e71180 00000000 0103030a");
const Bytes kLinuxPartialUdp4 = from_hex(
	"020000000002 020000000001 0800"
	"45000040 eefa4000 4011c7ae c0000201 c0000202"
	"9c400035 002c8441"  // field 8441, full b520
	"12340100 00010000 00000000 05736d61 6c6c0765 78616d70 6c650474 65737400 00010001");
const Bytes kLinuxPartialSyn6 = from_hex(
	"020000000002 020000000001 86dd"
	"60044a9f 00280640 20010db8 00000000 00000000 00000001 20010db8 00000000 00000000 00000002"
	"b0f60035 24ebf711 00000000 a002fd20 5ba30000"  // field 5ba3, full 6aaa
	"020405a0 0402080a c320f487 00000000 0103030a");
const Bytes kLinuxPartialUdp6 = from_hex(
	"020000000002 020000000001 86dd"
	"6002a393 002c1140 20010db8 00000000 00000000 00000001 20010db8 00000000 00000000 00000002"
	"9c400035 002c5bb2"  // field 5bb2, full ddaf
	"12340100 00010000 00000000 05736d61 6c6c0765 78616d70 6c650474 65737400 00010001");

struct LinuxPartial {
	const char *name;
	const Bytes *frame;
	size_t field;     // offset of the checksum field in the frame
	uint16_t full;    // the full checksum of the same segment
};
const LinuxPartial kLinuxPartials[] = {
	{"syn4", &kLinuxPartialSyn4, 34 + 16, 0x310e},
	{"udp4", &kLinuxPartialUdp4, 34 + 6, 0xb520},
	{"syn6", &kLinuxPartialSyn6, 54 + 16, 0x6aaa},
	{"udp6", &kLinuxPartialUdp6, 54 + 6, 0xddaf},
};

TEST(Checksum, PartialFormAsLinuxSendsItIsAcceptedUnlessFullOnly)
{
	for (const LinuxPartial &c : kLinuxPartials) {
		SCOPED_TRACE(c.name);
		Bytes f = *c.frame;
		FrameView v;
		ASSERT_EQ(parse_frame(f, v), ParseError::ok);
		EXPECT_TRUE(frame_checksums_ok(f, v, ChecksumForms::full_or_partial));
		EXPECT_FALSE(frame_checksums_ok(f, v, ChecksumForms::full_only));
		EXPECT_FALSE(frame_checksums_ok(f, v)) << "the default accepts full checksums only";

		// The same segment with its full checksum passes either way.
		Bytes full = f;
		test::wr16(full, c.field, c.full);
		EXPECT_TRUE(frame_checksums_ok(full, v, ChecksumForms::full_only));
		EXPECT_TRUE(frame_checksums_ok(full, v, ChecksumForms::full_or_partial));

		// Neither form: off by one, byte-swapped, inverted.
		const uint16_t partial = test::rd16(f, c.field);
		for (uint16_t wrong : {static_cast<uint16_t>(partial + 1), static_cast<uint16_t>(partial << 8 | partial >> 8),
				       static_cast<uint16_t>(~partial)}) {
			Bytes bad = f;
			test::wr16(bad, c.field, wrong);
			EXPECT_FALSE(frame_checksums_ok(bad, v, ChecksumForms::full_or_partial)) << std::hex << wrong;
		}
		// The partial form covers no payload octet, but it does cover the
		// pseudo-header: another length or address does not match it.
		Bytes other_src = f;
		other_src[v.l3_offset + (v.is_ipv6 ? 8 : 12) + 3] ^= 0x01;
		if (!v.is_ipv6) {  // keep the IPv4 header checksum right
			test::wr16(other_src, v.l3_offset + 10, 0);
			test::wr16(other_src, v.l3_offset + 10,
				   test::ref_checksum(std::span(other_src).subspan(v.l3_offset, 20)));
		}
		ASSERT_EQ(parse_frame(other_src, v), ParseError::ok);
		ASSERT_TRUE(v.is_ipv6 || ipv4_header_checksum_ok(std::span(other_src).subspan(v.l3_offset, 20)));
		EXPECT_FALSE(frame_checksums_ok(other_src, v, ChecksumForms::full_or_partial));
	}
}

// Our own partial form from the reference pseudo-header sum, over random
// segments of both protocols and families: accepted only with
// full_or_partial, whatever the payload.
TEST(Checksum, PartialFormMatchesReferencePseudoHeaderSum)
{
	std::mt19937 rng(1624);
	for (int round = 0; round < 200; round++) {
		const uint8_t proto = round % 2 ? kProtoTcp : kProtoUdp;
		const bool v6 = round % 4 >= 2;
		const Bytes s16 = random_bytes(rng, 16), d16 = random_bytes(rng, 16);
		Bytes seg = random_bytes(rng, 20 + rng() % 200);
		const size_t field = proto == kProtoTcp ? 16 : 6;
		if (proto == kProtoUdp)
			test::wr16(seg, 4, static_cast<uint16_t>(seg.size()));
		const Bytes pseudo = v6 ? test::ref_pseudo_v6(s16, d16, proto, seg.size())
					: test::ref_pseudo_v4(std::span(s16).first(4), std::span(d16).first(4), proto,
							      static_cast<uint16_t>(seg.size()));
		const uint16_t partial = test::ref_ones_sum(pseudo);
		test::wr16(seg, field, partial);
		const IpAddress src = v6 ? IpAddress::from_v6(std::span<const uint8_t, 16>(s16.data(), 16))
					 : IpAddress::from_v4(std::span<const uint8_t, 4>(s16.data(), 4));
		const IpAddress dst = v6 ? IpAddress::from_v6(std::span<const uint8_t, 16>(d16.data(), 16))
					 : IpAddress::from_v4(std::span<const uint8_t, 4>(d16.data(), 4));
		// A random segment may happen to verify as a full checksum too:
		// only then does full_only accept it.
		const bool full_too = test::ref_checksum(test::cat({pseudo, seg})) == 0;
		EXPECT_TRUE(transport_checksum_ok(src, dst, v6, proto, seg, ChecksumForms::full_or_partial)) << round;
		EXPECT_EQ(transport_checksum_ok(src, dst, v6, proto, seg, ChecksumForms::full_only), full_too) << round;
		test::wr16(seg, field, static_cast<uint16_t>(partial ^ 0x0100));
		const bool full_now = test::ref_checksum(test::cat({pseudo, seg})) == 0;
		EXPECT_EQ(transport_checksum_ok(src, dst, v6, proto, seg, ChecksumForms::full_or_partial), full_now)
			<< round;
	}
}

// UDP over IPv4 with a zero field still means "no checksum" in both modes;
// over IPv6 zero is never right (and is never a partial form: the folded
// pseudo-header sum of a real header is not zero).
TEST(Checksum, UdpZeroFieldUnderEitherForms)
{
	const IpAddress a = IpAddress::from_v4(std::span<const uint8_t, 4>(test::kServer4.data(), 4));
	const IpAddress b = IpAddress::from_v4(std::span<const uint8_t, 4>(test::kClient4.data(), 4));
	const Bytes seg = test::udp_datagram(53, 40000, from_hex("01 02 03"));
	for (ChecksumForms forms : {ChecksumForms::full_only, ChecksumForms::full_or_partial}) {
		EXPECT_TRUE(transport_checksum_ok(a, b, false, kProtoUdp, seg, forms));
		const IpAddress a6 = IpAddress::from_v6(std::span<const uint8_t, 16>(test::kServer6.data(), 16));
		const IpAddress b6 = IpAddress::from_v6(std::span<const uint8_t, 16>(test::kClient6.data(), 16));
		EXPECT_FALSE(transport_checksum_ok(a6, b6, true, kProtoUdp, seg, forms));
	}
}

TEST(Checksum, TooShortSegmentIsNotOk)
{
	const IpAddress a{}, b{};
	const Bytes seg(10, 0);
	EXPECT_FALSE(transport_checksum_ok(a, b, true, kProtoTcp, seg));
	EXPECT_FALSE(transport_checksum_ok(a, b, true, kProtoUdp, std::span(seg).first(7)));
}

}  // namespace
}  // namespace xdpdns::net

namespace xdpdns::net {
namespace {

TEST(FrameChecksums, ScapySynAndCorruptions)
{
	FrameView v;
	ASSERT_EQ(parse_frame(kScapySyn, v), ParseError::ok);
	EXPECT_TRUE(frame_checksums_ok(kScapySyn, v));

	Bytes bad_ip = kScapySyn;
	bad_ip[kSynL3 + 8] ^= 1;  // TTL
	ASSERT_EQ(parse_frame(bad_ip, v), ParseError::ok);
	EXPECT_FALSE(frame_checksums_ok(bad_ip, v));

	Bytes bad_tcp = kScapySyn;
	bad_tcp[kSynL4 + 4] ^= 1;  // sequence number
	ASSERT_EQ(parse_frame(bad_tcp, v), ParseError::ok);
	EXPECT_FALSE(frame_checksums_ok(bad_tcp, v));
}

// Ethernet padding is not part of the segment; UDP length bounds the sum.
TEST(FrameChecksums, PaddingAndUdpLength)
{
	Bytes udp = test::udp_datagram(40000, 53, from_hex("0102030405"));
	Bytes all = test::cat({test::ref_pseudo_v4(test::kClient4, test::kServer4, 17, udp.size()), udp});
	test::wr16(udp, 6, test::ref_checksum(all));
	Bytes f = test::cat({test::eth_header(test::kServerMac, test::kClientMac, {}, 0x0800),
			     test::ipv4_header(test::kClient4, test::kServer4, 17, udp.size()), udp});
	f.resize(60, 0x77);
	FrameView v;
	ASSERT_EQ(parse_frame(f, v), ParseError::ok);
	EXPECT_TRUE(frame_checksums_ok(f, v));

	test::wr16(f, 34 + 6, 0);  // IPv4: no checksum
	EXPECT_TRUE(frame_checksums_ok(f, v));
	test::wr16(f, 34 + 6, 0x1234);
	EXPECT_FALSE(frame_checksums_ok(f, v));
}

TEST(FrameChecksums, Ipv6WithExtensionHeader)
{
	const Bytes payload = from_hex("000c abcd 0100 0001 0000 0000 0000");
	Bytes tcp = test::tcp_segment(40001, 53, 10, 20, kTcpAck | kTcpPsh, 900, {}, payload);
	Bytes all = test::cat({test::ref_pseudo_v6(test::kClient6, test::kServer6, 6, tcp.size()), tcp});
	test::wr16(tcp, 16, test::ref_checksum(all));
	const Bytes dst = test::ipv6_ext(6, 0);
	Bytes f = test::cat({test::eth_header(test::kServerMac, test::kClientMac, {{0x8100, 4}}, 0x86dd),
			     test::ipv6_header(test::kClient6, test::kServer6, 60, dst.size() + tcp.size()),
			     dst, tcp});
	FrameView v;
	ASSERT_EQ(parse_frame(f, v), ParseError::ok);
	EXPECT_TRUE(frame_checksums_ok(f, v));
	f.back() ^= 0x10;
	EXPECT_FALSE(frame_checksums_ok(f, v));
}

}  // namespace
}  // namespace xdpdns::net
