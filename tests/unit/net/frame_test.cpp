// parse_frame on every supported shape, every truncation point and the
// malformed cases of the XDP contract.
#include "net/frame.h"

#include <gtest/gtest.h>

#include <random>

#include "net_test_support.h"

namespace xdpdns::net {
namespace {

using test::Bytes;
using test::cat;
using test::from_hex;

// Stable lower-case name of a parse error ("truncated").
const char *parse_error_name(ParseError e)
{
	switch (e) {
	case ParseError::ok: return "ok";
	case ParseError::not_ip: return "not-ip";
	case ParseError::truncated: return "truncated";
	case ParseError::malformed: return "malformed";
	case ParseError::fragment: return "fragment";
	case ParseError::too_many_ext_headers: return "too-many-ext-headers";
	case ParseError::not_tcp_udp: return "not-tcp-udp";
	}
	return "unknown";
}

const Bytes kDnsQuery = from_hex(
	"abcd 0100 0001 0000 0000 0000"  // ID, RD, QDCOUNT 1
	"07 6578616d706c65 03 636f6d 00 0001 0001");  // example.com A IN

Bytes udp4_query(std::initializer_list<VlanTag> tags = {}, std::span<const uint8_t> ip_opts = {})
{
	Bytes udp = test::udp_datagram(40000, 53, kDnsQuery);
	return cat({test::eth_header(test::kServerMac, test::kClientMac, tags, 0x0800),
		    test::ipv4_header(test::kClient4, test::kServer4, 17, udp.size(), ip_opts), udp});
}

Bytes udp6_query(std::initializer_list<VlanTag> tags = {})
{
	Bytes udp = test::udp_datagram(40001, 53, kDnsQuery);
	return cat({test::eth_header(test::kServerMac, test::kClientMac, tags, 0x86dd),
		    test::ipv6_header(test::kClient6, test::kServer6, 17, udp.size()), udp});
}

// A TCP data segment carrying the query with its 2-octet length prefix.
Bytes tcp4_query(std::initializer_list<VlanTag> tags = {})
{
	Bytes payload = cat({from_hex("00 1d"), kDnsQuery});
	Bytes tcp = test::tcp_segment(40000, 53, 1000, 0x5000001, kTcpAck | kTcpPsh, 502, {}, payload);
	return cat({test::eth_header(test::kServerMac, test::kClientMac, tags, 0x0800),
		    test::ipv4_header(test::kClient4, test::kServer4, 6, tcp.size()), tcp});
}

Bytes tcp6_ext_query()
{
	Bytes payload = cat({from_hex("00 1d"), kDnsQuery});
	const Bytes mss_opt = from_hex("0204 04c4 0101 0000");  // MSS 1220, NOP, NOP, EOL
	Bytes tcp = test::tcp_segment(40001, 53, 7, 9, kTcpAck, 1024, mss_opt, payload);
	Bytes hbh = test::ipv6_ext(60, 0);  // hop-by-hop -> dest-opts
	Bytes dst = test::ipv6_ext(6, 1);   // dest-opts (16 octets) -> TCP
	return cat({test::eth_header(test::kServerMac, test::kClientMac, {}, 0x86dd),
		    test::ipv6_header(test::kClient6, test::kServer6, 0, hbh.size() + dst.size() + tcp.size()),
		    hbh, dst, tcp});
}

// Copies into an exactly sized heap buffer so that AddressSanitizer sees
// any read past the span's end.
ParseError parse_exact(std::span<const uint8_t> frame, FrameView &v)
{
	Bytes copy(frame.begin(), frame.end());
	ParseError e = parse_frame(copy, v);
	v.payload = {};  // points into `copy`
	return e;
}

TEST(ParseFrame, Ipv4Udp)
{
	const Bytes f = udp4_query();
	FrameView v;
	ASSERT_EQ(parse_frame(f, v), ParseError::ok);
	EXPECT_EQ(v.dst_mac.bytes[5], 0x02);
	EXPECT_EQ(v.src_mac.bytes[5], 0x01);
	EXPECT_EQ(v.vlan_count, 0);
	EXPECT_EQ(v.ethertype, kEthertypeIpv4);
	EXPECT_FALSE(v.is_ipv6);
	EXPECT_EQ(v.l3_offset, 14u);
	EXPECT_EQ(v.l4_offset, 34u);
	EXPECT_EQ(v.payload_offset, 42u);
	EXPECT_EQ(v.l3_end, f.size());
	EXPECT_EQ(format_address(v.src).view(), "192.0.2.1");
	EXPECT_EQ(format_address(v.dst).view(), "198.51.100.53");
	EXPECT_TRUE(std::equal(v.src.v4().begin(), v.src.v4().end(), test::kClient4.begin()));
	EXPECT_EQ(v.ip_id, 0x1234);
	EXPECT_EQ(v.ip_flags_frag, kIpv4FlagDf);
	EXPECT_EQ(v.ttl, 61);
	EXPECT_EQ(v.protocol, 17);
	EXPECT_TRUE(v.is_udp());
	EXPECT_FALSE(v.is_fragment);
	EXPECT_EQ(v.sport, 40000);
	EXPECT_EQ(v.dport, 53);
	EXPECT_EQ(v.udp_length, 8 + kDnsQuery.size());
	ASSERT_EQ(v.payload.size(), kDnsQuery.size());
	EXPECT_TRUE(std::equal(v.payload.begin(), v.payload.end(), kDnsQuery.begin()));
	EXPECT_EQ(v.payload.data(), f.data() + 42);
}

TEST(ParseFrame, Ipv4WithOptions)
{
	const Bytes opts = from_hex("94040000 01010100");  // Router Alert, NOPs, EOL: IHL 7
	const Bytes f = udp4_query({}, opts);
	FrameView v;
	ASSERT_EQ(parse_frame(f, v), ParseError::ok);
	EXPECT_EQ(v.l3_offset, 14u);
	EXPECT_EQ(v.l4_offset, 14u + 28u);
	EXPECT_EQ(v.payload_offset, 14u + 28u + 8u);
	EXPECT_EQ(v.dport, 53);
	EXPECT_TRUE(std::equal(v.payload.begin(), v.payload.end(), kDnsQuery.begin(), kDnsQuery.end()));
}

TEST(ParseFrame, Ipv4MaximalOptions)
{
	const Bytes opts(40, 0x01);  // IHL 15
	const Bytes f = udp4_query({}, opts);
	FrameView v;
	ASSERT_EQ(parse_frame(f, v), ParseError::ok);
	EXPECT_EQ(v.l4_offset, 14u + 60u);
}

TEST(ParseFrame, Ipv6Udp)
{
	const Bytes f = udp6_query();
	FrameView v;
	ASSERT_EQ(parse_frame(f, v), ParseError::ok);
	EXPECT_TRUE(v.is_ipv6);
	EXPECT_EQ(v.ethertype, kEthertypeIpv6);
	EXPECT_EQ(v.l4_offset, 54u);
	EXPECT_EQ(v.ttl, 61);
	EXPECT_EQ(v.ipv6_ext_count, 0);
	EXPECT_EQ(format_address(v.src).view(), "2001:db8::1");
	EXPECT_EQ(format_address(v.dst).view(), "2001:db8::53");
	EXPECT_FALSE(v.src.is_v4_mapped());
	EXPECT_EQ(v.sport, 40001);
	EXPECT_EQ(v.payload.size(), kDnsQuery.size());
}

TEST(ParseFrame, Ipv6ExtensionHeadersAndTcpMss)
{
	const Bytes f = tcp6_ext_query();
	FrameView v;
	ASSERT_EQ(parse_frame(f, v), ParseError::ok);
	EXPECT_EQ(v.ipv6_ext_count, 2);
	EXPECT_EQ(v.l4_offset, 14u + 40u + 8u + 16u);
	EXPECT_EQ(v.protocol, 6);
	EXPECT_TRUE(v.is_tcp());
	EXPECT_EQ(v.tcp_seq, 7u);
	EXPECT_EQ(v.tcp_ack, 9u);
	EXPECT_EQ(v.tcp_flags, kTcpAck);
	EXPECT_EQ(v.tcp_window, 1024);
	EXPECT_EQ(v.tcp_data_offset, 7);
	EXPECT_TRUE(v.has_mss);
	EXPECT_EQ(v.mss, 1220);
	EXPECT_EQ(v.payload_offset, v.l4_offset + 28u);
	EXPECT_EQ(v.payload.size(), 2 + kDnsQuery.size());
	EXPECT_EQ(v.payload[1], 0x1d);
}

TEST(ParseFrame, Ipv6RoutingHeaderIsWalked)
{
	Bytes udp = test::udp_datagram(40001, 53, kDnsQuery);
	Bytes rh = test::ipv6_ext(17, 2);
	const Bytes f = cat({test::eth_header(test::kServerMac, test::kClientMac, {}, 0x86dd),
			     test::ipv6_header(test::kClient6, test::kServer6, 43, rh.size() + udp.size()),
			     rh, udp});
	FrameView v;
	ASSERT_EQ(parse_frame(f, v), ParseError::ok);
	EXPECT_EQ(v.l4_offset, 14u + 40u + 24u);
	EXPECT_EQ(v.dport, 53);
}

// Six extension headers are walked; a seventh is refused (bounded walk).
TEST(ParseFrame, Ipv6ExtensionHeaderLimit)
{
	for (int n : {6, 7}) {
		Bytes udp = test::udp_datagram(40001, 53, kDnsQuery);
		Bytes chain;
		for (int i = 0; i < n; i++) {
			Bytes e = test::ipv6_ext(i + 1 == n ? 17 : 60, 0);
			chain.insert(chain.end(), e.begin(), e.end());
		}
		const Bytes f = cat({test::eth_header(test::kServerMac, test::kClientMac, {}, 0x86dd),
				     test::ipv6_header(test::kClient6, test::kServer6, 60, chain.size() + udp.size()),
				     chain, udp});
		FrameView v;
		EXPECT_EQ(parse_exact(f, v), n == 6 ? ParseError::ok : ParseError::too_many_ext_headers)
			<< n << " extension headers";
	}
}

TEST(ParseFrame, Ipv6FragmentHeader)
{
	Bytes udp = test::udp_datagram(40001, 53, kDnsQuery);
	const Bytes frag = from_hex("11 00 0001 deadbeef");  // next UDP, offset 0, M=1, id
	const Bytes f = cat({test::eth_header(test::kServerMac, test::kClientMac, {}, 0x86dd),
			     test::ipv6_header(test::kClient6, test::kServer6, 44, frag.size() + udp.size()),
			     frag, udp});
	FrameView v;
	EXPECT_EQ(parse_frame(f, v), ParseError::fragment);
	EXPECT_TRUE(v.is_fragment);
	EXPECT_EQ(v.frag_id, 0xdeadbeefu);
	EXPECT_EQ(v.protocol, 17);
}

TEST(ParseFrame, Ipv4Fragments)
{
	for (uint16_t ff : {uint16_t(kIpv4FlagMf), uint16_t(0x0010), uint16_t(kIpv4FlagMf | 0x0001)}) {
		Bytes udp = test::udp_datagram(40000, 53, kDnsQuery);
		const Bytes f = cat({test::eth_header(test::kServerMac, test::kClientMac, {}, 0x0800),
				     test::ipv4_header(test::kClient4, test::kServer4, 17, udp.size(), {}, 7, ff),
				     udp});
		FrameView v;
		EXPECT_EQ(parse_frame(f, v), ParseError::fragment) << std::hex << ff;
		EXPECT_TRUE(v.is_fragment);
		EXPECT_EQ(v.ip_flags_frag, ff);
	}
}

TEST(ParseFrame, OneAndTwoVlanTags)
{
	FrameView v;
	ASSERT_EQ(parse_frame(udp4_query({{0x8100, 0x2064}}), v), ParseError::ok);
	EXPECT_EQ(v.vlan_count, 1);
	EXPECT_EQ(v.vlan[0].tpid, 0x8100);
	EXPECT_EQ(v.vlan[0].tci, 0x2064);
	EXPECT_EQ(v.l3_offset, 18u);
	EXPECT_EQ(v.l4_offset, 38u);
	EXPECT_EQ(v.dport, 53);

	ASSERT_EQ(parse_frame(udp6_query({{0x88a8, 0x0001}, {0x8100, 0x0064}}), v), ParseError::ok);
	EXPECT_EQ(v.vlan_count, 2);
	EXPECT_EQ(v.vlan[0].tpid, 0x88a8);
	EXPECT_EQ(v.vlan[0].tci, 0x0001);
	EXPECT_EQ(v.vlan[1].tpid, 0x8100);
	EXPECT_EQ(v.vlan[1].tci, 0x0064);
	EXPECT_EQ(v.l3_offset, 22u);
	EXPECT_TRUE(v.is_ipv6);

	// Any order of the two TPIDs.
	ASSERT_EQ(parse_frame(tcp4_query({{0x8100, 5}, {0x88a8, 6}}), v), ParseError::ok);
	EXPECT_EQ(v.vlan[0].tpid, 0x8100);
	EXPECT_EQ(v.vlan[1].tpid, 0x88a8);
	EXPECT_EQ(v.l3_offset, 22u);
}

TEST(ParseFrame, ThreeVlanTagsAreNotOurs)
{
	FrameView v;
	EXPECT_EQ(parse_exact(udp4_query({{0x8100, 1}, {0x8100, 2}, {0x8100, 3}}), v), ParseError::not_ip);
}

TEST(ParseFrame, EthernetPaddingIsExcluded)
{
	// A TCP segment with a 2-octet payload is 56 octets: padded to 60 with junk.
	const Bytes payload = from_hex("00 0c");
	Bytes tcp = test::tcp_segment(40000, 53, 1, 2, kTcpAck, 100, {}, payload);
	Bytes f = cat({test::eth_header(test::kServerMac, test::kClientMac, {}, 0x0800),
		       test::ipv4_header(test::kClient4, test::kServer4, 6, tcp.size()), tcp});
	ASSERT_EQ(f.size(), 56u);
	f.insert(f.end(), {0xee, 0xee, 0xee, 0xee});
	FrameView v;
	ASSERT_EQ(parse_frame(f, v), ParseError::ok);
	EXPECT_EQ(v.l3_end, 56u);
	ASSERT_EQ(v.payload.size(), 2u);
	EXPECT_EQ(v.payload[1], 0x0c);

	// Same for a UDP query that uses an 8-octet payload (frame 50 -> 60).
	Bytes udp = test::udp_datagram(40000, 53, from_hex("0102030405060708"));
	Bytes g = cat({test::eth_header(test::kServerMac, test::kClientMac, {}, 0x0800),
		       test::ipv4_header(test::kClient4, test::kServer4, 17, udp.size()), udp});
	g.resize(60, 0xee);
	ASSERT_EQ(parse_frame(g, v), ParseError::ok);
	EXPECT_EQ(v.payload.size(), 8u);
	EXPECT_EQ(v.payload.back(), 0x08);
}

TEST(ParseFrame, UdpLengthBoundsPayload)
{
	Bytes f = udp4_query();
	const size_t udp_off = 34;
	test::wr16(f, udp_off + 4, 8 + 4);  // UDP says 4 octets of payload; IP carries more
	FrameView v;
	ASSERT_EQ(parse_frame(f, v), ParseError::ok);
	EXPECT_EQ(v.udp_length, 12);
	EXPECT_EQ(v.payload.size(), 4u);
}

// Every prefix of a valid frame shorter than its IP packet is truncated.
TEST(ParseFrame, TruncationAtEveryOctet)
{
	const std::vector<std::pair<const char *, Bytes>> frames = {
		{"udp4", udp4_query()},
		{"udp4+opts+vlan", udp4_query({{0x8100, 9}}, from_hex("01010100"))},
		{"udp6+2vlan", udp6_query({{0x88a8, 1}, {0x8100, 2}})},
		{"tcp4", tcp4_query()},
		{"tcp6+ext", tcp6_ext_query()},
	};
	for (const auto &[name, f] : frames) {
		FrameView full;
		ASSERT_EQ(parse_frame(f, full), ParseError::ok) << name;
		ASSERT_EQ(full.l3_end, f.size()) << name;
		for (size_t cut = 0; cut < f.size(); cut++) {
			FrameView v;
			EXPECT_EQ(parse_exact(std::span(f).first(cut), v), ParseError::truncated)
				<< name << " cut at " << cut;
		}
	}
}

// The IP length, not the frame, decides where the packet ends: a length
// that ends inside the transport header is truncation even with octets left.
TEST(ParseFrame, IpLengthEndingInsideTransportHeader)
{
	Bytes f = tcp4_query();
	test::wr16(f, 14 + 2, 20 + 10);  // IPv4 total: 10 octets of TCP
	FrameView v;
	EXPECT_EQ(parse_frame(f, v), ParseError::truncated);

	Bytes g = udp6_query();
	test::wr16(g, 14 + 4, 4);  // IPv6 payload: 4 octets of UDP
	EXPECT_EQ(parse_frame(g, v), ParseError::truncated);

	Bytes h = tcp6_ext_query();
	test::wr16(h, 14 + 4, 4);  // ends inside the hop-by-hop header
	EXPECT_EQ(parse_frame(h, v), ParseError::truncated);
}

TEST(ParseFrame, MalformedHeaders)
{
	FrameView v;
	struct Case {
		const char *name;
		Bytes frame;
	};
	std::vector<Case> cases;
	{
		Bytes f = udp4_query();
		f[14] = 0x55;  // version 5
		cases.push_back({"ipv4 version", f});
	}
	{
		Bytes f = udp4_query();
		f[14] = 0x44;  // IHL 4
		cases.push_back({"ipv4 ihl", f});
	}
	{
		Bytes f = udp4_query({}, from_hex("01010101"));
		test::wr16(f, 16, 20);  // total length below IHL*4 = 24
		cases.push_back({"ipv4 total < ihl", f});
	}
	{
		// IHL 6 but the frame ends after 20 octets: the nonsense total
		// length wins over the truncation, as in the XDP program.
		Bytes f = udp4_query({}, from_hex("01010101"));
		test::wr16(f, 16, 20);
		f.resize(14 + 20);
		cases.push_back({"ipv4 total < ihl, header cut", f});
	}
	{
		Bytes f = udp6_query();
		f[14] = 0x40;  // version 4 inside an IPv6 ethertype
		cases.push_back({"ipv6 version", f});
	}
	{
		Bytes f = tcp4_query();
		f[34 + 12] = 0x40;  // data offset 4
		cases.push_back({"tcp doff < 5", f});
	}
	{
		Bytes f = tcp4_query();
		f[34 + 12] = 0xf0;  // data offset 15 = 60 octets > segment (51)
		cases.push_back({"tcp doff past packet", f});
	}
	{
		Bytes f = udp4_query();
		test::wr16(f, 34 + 4, 7);
		cases.push_back({"udp length < 8", f});
	}
	{
		Bytes f = udp4_query();
		test::wr16(f, 34 + 4, static_cast<uint16_t>(8 + kDnsQuery.size() + 1));
		cases.push_back({"udp length past packet", f});
	}
	for (const auto &c : cases)
		EXPECT_EQ(parse_exact(c.frame, v), ParseError::malformed) << c.name;
}

TEST(ParseFrame, NotIpAndNotTcpUdp)
{
	FrameView v;
	Bytes arp = cat({test::eth_header(test::kServerMac, test::kClientMac, {}, 0x0806), Bytes(28, 0)});
	EXPECT_EQ(parse_frame(arp, v), ParseError::not_ip);
	EXPECT_EQ(v.ethertype, 0x0806);

	Bytes icmp = from_hex("0800 0000 0001 0001");
	Bytes f = cat({test::eth_header(test::kServerMac, test::kClientMac, {}, 0x0800),
		       test::ipv4_header(test::kClient4, test::kServer4, 1, icmp.size()), icmp});
	EXPECT_EQ(parse_frame(f, v), ParseError::not_tcp_udp);
	EXPECT_EQ(v.protocol, 1);
	EXPECT_EQ(format_address(v.src).view(), "192.0.2.1");
}

TEST(ParseFrame, TcpOptionWalk)
{
	struct Case {
		const char *name;
		Bytes options;
		bool has_mss;
		uint16_t mss;
	};
	const std::vector<Case> cases = {
		{"nops then mss", from_hex("0101 0204 05b4 0000"), true, 1460},
		{"sack-ok then mss", from_hex("0402 0204 0578 0101"), true, 1400},
		{"eol before mss", from_hex("0000 0204 05b4 0000"), false, 0},
		{"zero length option", from_hex("0800 0204 05b4 0000"), false, 0},
		{"option past end", from_hex("0101 0108 0a00 0000"), false, 0},
		{"mss then option past end", from_hex("0204 05b4 080a 0000"), true, 1460},
		{"mss with bad length", from_hex("0203 0501 0101 0101"), false, 0},
		{"mss last", from_hex("0101 0101 0204 0218"), true, 536},
	};
	for (const auto &c : cases) {
		Bytes tcp = test::tcp_segment(40000, 53, 1, 0, kTcpSyn, 100, c.options);
		Bytes f = cat({test::eth_header(test::kServerMac, test::kClientMac, {}, 0x0800),
			       test::ipv4_header(test::kClient4, test::kServer4, 6, tcp.size()), tcp});
		FrameView v;
		ASSERT_EQ(parse_exact(f, v), ParseError::ok) << c.name;
		EXPECT_EQ(v.has_mss, c.has_mss) << c.name;
		EXPECT_EQ(v.mss, c.mss) << c.name;
		EXPECT_EQ(v.tcp_flags, kTcpSyn);
	}
}

// Random corruption of valid frames: never a crash or an out-of-bounds
// read (AddressSanitizer build), and a successful parse is self-consistent.
TEST(ParseFrame, RandomMutationsStayInBounds)
{
	const std::vector<Bytes> seeds = {udp4_query({{0x8100, 1}}), udp6_query(), tcp4_query(),
					  tcp6_ext_query()};
	std::mt19937 rng(2024);
	size_t ok = 0;
	for (int round = 0; round < 20000; round++) {
		Bytes f = seeds[round % seeds.size()];
		const int flips = 1 + rng() % 4;
		for (int i = 0; i < flips; i++)
			f[rng() % f.size()] = static_cast<uint8_t>(rng());
		if (rng() % 3 == 0)
			f.resize(rng() % (f.size() + 1));
		FrameView v;
		if (parse_frame(f, v) != ParseError::ok)
			continue;
		ok++;
		ASSERT_LE(v.l3_offset, v.l4_offset);
		ASSERT_LE(v.l4_offset, v.payload_offset);
		ASSERT_LE(v.payload_offset + v.payload.size(), v.l3_end);
		ASSERT_LE(v.l3_end, f.size());
		ASSERT_EQ(v.payload.data(), f.data() + v.payload_offset);
	}
	EXPECT_GT(ok, 1000u) << "mutations should leave many frames parseable";
}

TEST(ParseFrame, ErrorNames)
{
	EXPECT_STREQ(parse_error_name(ParseError::ok), "ok");
	EXPECT_STREQ(parse_error_name(ParseError::truncated), "truncated");
	EXPECT_STREQ(parse_error_name(ParseError::too_many_ext_headers), "too-many-ext-headers");
}

}  // namespace
}  // namespace xdpdns::net
