// Checks of the test helpers themselves: builder output against frames
// built by scapy (golden hex below), the checksum verifier against
// corruptions, DNS names, the pcap writer and the hex diff.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "checksum.h"
#include "cookie_calc.h"
#include "dns_message.h"
#include "frame_assert.h"
#include "packet_builder.h"
#include "pcap_writer.h"

namespace xdpdns::test {
namespace {

Bytes from_hex(std::string_view hex)
{
	Bytes b;
	for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
		b.push_back(static_cast<std::uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
	return b;
}

const Mac kClient = mac("02:00:00:00:00:01");
const Mac kServer = mac("02:00:00:00:00:35");

// Golden frames: scapy 2.5 (Debian 12), e.g. for the first
//   Ether()/IP(ttl=57,tos=0x20,id=0x4d2,flags="DF")/TCP(flags="S",window=64240,
//     options=[('MSS',1460),('SAckOK',b''),('Timestamp',(1,0)),('NOP',None),('WScale',7)])
TEST(PacketBuilder, Ipv4SynWithOptionsMatchesScapy)
{
	Bytes b = Packet()
			  .eth(kClient, kServer)
			  .ipv4(ip4("192.0.2.10"), ip4("198.51.100.53"))
			  .ttl(57).tos(0x20).ip_id(0x4d2).df()
			  .tcp(40000, 53).seq(1).flags(tcp::SYN).window(64240)
			  .mss(1460).sack_permitted().timestamps(1, 0).nop().window_scale(7)
			  .build();
	EXPECT_PRED_FORMAT2(frames_equal,
			    from_hex("02000000003502000000000108004520003c04d2400039065057c000020ac63364359c4000350000000100000000"
				     "a002faf0c4240000020405b40402080a000000010000000001030307"),
			    b);
}

TEST(PacketBuilder, QinqIpv4OptionsDnsQueryMatchesScapy)
{
	Bytes b = Packet()
			  .eth(kClient, kServer)
			  .vlan(ETH_P_8021AD, 200).vlan(ETH_P_8021Q, 100)
			  .ipv4(ip4("192.0.2.10"), ip4("198.51.100.53")).ip_id(1)
			  .ip_options({0x94, 4, 0, 0, 1, 1, 1, 0})
			  .udp(40000, 53)
			  .payload(dns_query(0xbeef, "small.example.test", dns::TYPE_A, true, true, 1232))
			  .build();
	EXPECT_PRED_FORMAT2(frames_equal,
			    from_hex("02000000003502000000000188a800c881000064080047000053000100004011f620c000020ac633643594040000"
				     "010101009c4000350037a659beef0100000100000000000105736d616c6c076578616d706c65047465737400"
				     "0001000100002904d0000080000000"),
			    b);
}

TEST(PacketBuilder, Ipv6ExtensionHeadersTcpMatchesScapy)
{
	Bytes b = Packet()
			  .eth(kClient, kServer)
			  .ipv6(ip6("2001:db8:1::10"), ip6("2001:db8:53::53")).flow_label(0x12345).tos(0x20)
			  .hop_by_hop(1).routing(1).dest_opts()
			  .tcp(40000, 53).seq(5).ack(7).flags(tcp::PSH | tcp::ACK)
			  .payload(dns_tcp_framed(dns_query(1, "x.test", dns::TYPE_AAAA)))
			  .build();
	EXPECT_PRED_FORMAT2(frames_equal,
			    from_hex("02000000003502000000000186dd62012345005e004020010db800010000000000000000001020010db80053"
				     "000000000000000000532b01010c0000000000000000000000003c0200000000000020010db8ffff00000000"
				     "00000000000106000104000000009c400035000000050000000750180000d6710000001800010100000100"
				     "00000000000178047465737400001c0001"),
			    b);
}

TEST(PacketBuilder, PaddingTruncationAndOverrides)
{
	Packet p;
	p.eth(kClient, kServer).ipv4(ip4("192.0.2.1"), ip4("192.0.2.2")).tcp(1, 53).flags(tcp::ACK);
	EXPECT_EQ(p.build().size(), 54u);
	EXPECT_EQ(Packet(p).pad_to(60).build().size(), 60u);
	EXPECT_EQ(get_u16(Packet(p).pad_to(60).build(), 16), 40u) << "padding is not in the IP total length";
	EXPECT_EQ(Packet(p).truncate(20).build().size(), 20u);
	EXPECT_EQ(Packet(p).ihl(4).build()[14], 0x44);
	EXPECT_EQ(Packet(p).data_offset(15).build()[14 + 20 + 12], 0xf0);
	EXPECT_EQ(get_u16(Packet(p).mf().frag_offset(185).build(), 20), 0x2000 | 185);
}

TEST(Checksums, VerifierAcceptsBuiltFramesAndCatchesCorruption)
{
	Packet v4;
	v4.eth(kClient, kServer).ipv4(ip4("192.0.2.1"), ip4("192.0.2.2")).udp(1000, 53).payload({1, 2, 3});
	EXPECT_TRUE(verify_checksums(v4.build()).all_ok());
	EXPECT_FALSE(verify_checksums(Packet(v4).bad_ip_checksum().build()).ipv4_ok);
	EXPECT_FALSE(verify_checksums(Packet(v4).bad_l4_checksum().build()).l4_ok);
	EXPECT_TRUE(verify_checksums(Packet(v4).l4_checksum(0).build()).all_ok()) << "IPv4 UDP checksum 0 = none";

	Packet v6;
	v6.eth(kClient, kServer).ipv6(ip6("2001:db8::1"), ip6("2001:db8::2")).hop_by_hop().tcp(1, 53).flags(tcp::SYN).payload({9});
	EXPECT_TRUE(verify_checksums(v6.build()).all_ok());
	Bytes flipped = v6.build();
	flipped.back() ^= 1;
	EXPECT_FALSE(verify_checksums(flipped).all_ok());
	EXPECT_FALSE(verify_checksums(Packet(v6).l4_checksum(0).build()).all_ok()) << "IPv6 UDP/TCP 0 is wrong";

	// RFC 1071 example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2.
	Bytes rfc{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	EXPECT_EQ(fold_complement(sum16(rfc.data(), rfc.size())), static_cast<std::uint16_t>(~0xddf2));
}

TEST(DnsMessage, NamesAndOpt)
{
	EXPECT_EQ(dns_name("."), Bytes{0});
	EXPECT_EQ(dns_name(""), Bytes{0});
	EXPECT_EQ(dns_name("a.bc"), (Bytes{1, 'a', 2, 'b', 'c', 0}));
	EXPECT_EQ(dns_opt(1232, true), (Bytes{0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 0}));
	Bytes q = dns_query(0x1234, "x", dns::TYPE_A);
	EXPECT_EQ(q, (Bytes{0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'x', 0, 0, 1, 0, 1}));
}

TEST(PcapWriter, WritesFramesAndDiffMarksChanges)
{
	std::string path = (std::filesystem::path(::testing::TempDir()) / "bpft-selftest.pcap").string();
	ASSERT_EQ(write_pcap(path, {Bytes(60, 1), Bytes(42, 2)}), "");
	EXPECT_EQ(std::filesystem::file_size(path), 24u + 16 + 60 + 16 + 42);
	std::remove(path.c_str());
	std::string d = hex_diff(Bytes{1, 2, 3}, Bytes{1, 9, 3});
	EXPECT_NE(d.find("[09]"), std::string::npos) << d;
	EXPECT_NE(d.find("!00000"), std::string::npos) << d;
}

// The tests' own SipHash-2-4 (the independent source cookies are held to)
// against the paper's vectors: key 00..0f, message 00 01 .. (len-1).
TEST(ReferenceSipHash, PaperVectors)
{
	const xdpdns_siphash_key key{0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
	const struct {
		std::size_t len;
		std::uint64_t hash;
	} vectors[] = {
		{0, 0x726fdb47dd0e0e31ull}, {7, 0xab0200f58b01d137ull}, {8, 0x93f5f5799a932462ull},
		{17, 0x699ae9f52cbe4794ull}, {24, 0xb8ad50c6f649af94ull}, {41, 0xad0c42d6fc585992ull},
	};
	std::uint8_t msg[64];
	for (std::size_t i = 0; i < sizeof(msg); i++)
		msg[i] = static_cast<std::uint8_t>(i);
	for (const auto &v : vectors)
		EXPECT_EQ(reference_siphash24(key, msg, v.len), v.hash) << "length " << v.len;
}

} // namespace
} // namespace xdpdns::test
