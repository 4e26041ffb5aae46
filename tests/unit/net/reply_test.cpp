// write_udp / write_tcp: byte-exact frames. The expected frames are written
// out header by header; their checksum values were computed by scapy and are
// verified again here with the reference checksum.
#include "net/reply.h"

#include <gtest/gtest.h>

#include "net/checksum.h"
#include "net_test_support.h"

namespace xdpdns::net {
namespace {

using test::Bytes;
using test::cat;
using test::from_hex;

// Parses a query with the given shape and returns its reply template.
ReplyTemplate template_for(bool ipv6, std::initializer_list<VlanTag> tags, uint16_t client_port)
{
	Bytes udp = test::udp_datagram(client_port, 53, from_hex("00"));
	Bytes f = ipv6 ? cat({test::eth_header(test::kServerMac, test::kClientMac, tags, 0x86dd),
			      test::ipv6_header(test::kClient6, test::kServer6, 17, udp.size()), udp})
		       : cat({test::eth_header(test::kServerMac, test::kClientMac, tags, 0x0800),
			      test::ipv4_header(test::kClient4, test::kServer4, 17, udp.size()), udp});
	FrameView v;
	EXPECT_EQ(parse_frame(f, v), ParseError::ok);
	return make_reply_template(v);
}

void expect_frame(std::span<const uint8_t> got, const Bytes &want)
{
	EXPECT_EQ(test::to_hex(got), test::to_hex(want));
	const test::RefFrameCheck c = test::ref_check_frame(got);
	EXPECT_TRUE(c.parsed);
	EXPECT_TRUE(c.ip_checksum_ok);
	EXPECT_TRUE(c.l4_checksum_ok);
}

TEST(ReplyTemplate, SwapsAddressing)
{
	const ReplyTemplate t = template_for(true, {{0x88a8, 7}, {0x8100, 8}}, 40001);
	EXPECT_EQ(t.dst_mac.bytes[5], 0x01);
	EXPECT_EQ(t.src_mac.bytes[5], 0x02);
	EXPECT_EQ(t.vlan_count, 2);
	EXPECT_EQ(t.vlan[0].tpid, 0x88a8);
	EXPECT_EQ(t.vlan[0].tci, 7);
	EXPECT_EQ(t.vlan[1].tpid, 0x8100);
	EXPECT_EQ(t.vlan[1].tci, 8);
	EXPECT_TRUE(t.is_ipv6);
	EXPECT_EQ(format_address(t.src).view(), "2001:db8::53");
	EXPECT_EQ(format_address(t.dst).view(), "2001:db8::1");
	EXPECT_EQ(t.sport, 53);
	EXPECT_EQ(t.dport, 40001);
	EXPECT_EQ(t.l2_length(), 22u);
	EXPECT_EQ(t.ip_header_length(), 40u);
	EXPECT_EQ(format_mac(t.dst_mac).view(), "02:00:00:00:00:01");
}

TEST(WriteUdp, Ipv4WithVlanTagByteExact)
{
	const ReplyTemplate t = template_for(false, {{0x8100, 0x0064}}, 40000);
	const Bytes payload = from_hex("1234 8180 0001 0000 0000 0000 616263");  // odd length
	const Bytes want = from_hex(
		"020000000001 020000000002"  // dst = client, src = us
		"8100 0064"                    // tag copied
		"0800"
		"45 00 002b 0000 4000 40 11 4e58 c6336435 c0000201"  // ID 0, DF, TTL 64
		"0035 9c40 0017 1ec8"                                // ports swapped, UDP length 23
		"1234 8180 0001 0000 0000 0000 616263");
	Bytes out(256, 0xa5);
	const size_t len = write_udp(t, payload, out);
	ASSERT_EQ(len, want.size());
	expect_frame(std::span(out).first(len), want);
}

TEST(WriteUdp, Ipv6ByteExact)
{
	const ReplyTemplate t = template_for(true, {}, 40001);
	const Bytes payload = from_hex("000102030405060708090a0b0c0d0e0f");
	const Bytes want = from_hex(
		"020000000001 020000000002 86dd"
		"60000000 0018 11 40"  // flow 0, payload 24, next UDP, hop limit 64
		"20010db8000000000000000000000053"
		"20010db8000000000000000000000001"
		"0035 9c41 0018 cf41"
		"000102030405060708090a0b0c0d0e0f");
	Bytes out(256, 0xa5);
	const size_t len = write_udp(t, payload, out);
	ASSERT_EQ(len, want.size());
	expect_frame(std::span(out).first(len), want);
}

TEST(WriteTcp, Ipv4WithTwoVlanTagsByteExact)
{
	const ReplyTemplate t = template_for(false, {{0x88a8, 0x0001}, {0x8100, 0x0064}}, 40000);
	const Bytes payload = from_hex("0008 6162636465666768");
	const Bytes want = from_hex(
		"020000000001 020000000002 88a8 0001 8100 0064 0800"
		"45 00 0032 0000 4000 40 06 4e5c c6336435 c0000201"
		"0035 9c40 11223344 55667788 50 18 ffff 83f0 0000"  // doff 5, PSH|ACK
		"0008 6162636465666768");
	Bytes out(256, 0xa5);
	const size_t len =
		write_tcp(t, 0x11223344, 0x55667788, kTcpAck | kTcpPsh, 0xffff, payload, out);
	ASSERT_EQ(len, want.size());
	expect_frame(std::span(out).first(len), want);
}

TEST(WriteTcp, Ipv6FinAckByteExact)
{
	const ReplyTemplate t = template_for(true, {}, 40001);
	const Bytes want = from_hex(
		"020000000001 020000000002 86dd"
		"60000000 0014 06 40"
		"20010db8000000000000000000000053"
		"20010db8000000000000000000000001"
		"0035 9c41 fffffff0 00000001 50 11 0400 b3a5 0000");
	Bytes out(256, 0xa5);
	const size_t len = write_tcp(t, 0xfffffff0, 1, kTcpFin | kTcpAck, 1024, {}, out);
	ASSERT_EQ(len, want.size());
	expect_frame(std::span(out).first(len), want);
}

TEST(WriteReply, ExactBufferFitsOneLessFails)
{
	const ReplyTemplate t = template_for(false, {{0x8100, 1}}, 40000);
	const Bytes payload(100, 0x42);
	const size_t need_udp = 18 + 20 + 8 + 100, need_tcp = 18 + 20 + 20 + 100;
	Bytes out(need_tcp);
	EXPECT_EQ(write_udp(t, payload, std::span(out).first(need_udp)), need_udp);
	EXPECT_EQ(write_udp(t, payload, std::span(out).first(need_udp - 1)), 0u);
	EXPECT_EQ(write_tcp(t, 1, 2, kTcpAck, 3, payload, std::span(out).first(need_tcp)), need_tcp);
	EXPECT_EQ(write_tcp(t, 1, 2, kTcpAck, 3, payload, std::span(out).first(need_tcp - 1)), 0u);
	EXPECT_EQ(write_tcp(t, 1, 2, kTcpAck, 3, {}, {}), 0u);
}

TEST(WriteReply, PayloadBeyondOneIpPacketFails)
{
	const Bytes big(65535 - 20 - 8 + 1, 0);  // one octet over an IPv4 total of 65535
	Bytes out(70000);
	const ReplyTemplate t4 = template_for(false, {}, 40000);
	EXPECT_EQ(write_udp(t4, big, out), 0u);
	EXPECT_EQ(write_udp(t4, std::span(big).first(big.size() - 1), out), 14u + 65535u);
	const ReplyTemplate t6 = template_for(true, {}, 40000);
	const Bytes big6(65535 - 8 + 1, 0);  // IPv6 payload length limit
	EXPECT_EQ(write_udp(t6, big6, out), 0u);
	EXPECT_EQ(write_udp(t6, std::span(big6).first(big6.size() - 1), out), 14u + 40u + 65535u);
}

// Our own replies parse back into the addressing we meant.
TEST(WriteReply, RoundTripThroughParser)
{
	for (bool ipv6 : {false, true}) {
		const ReplyTemplate t = template_for(ipv6, {{0x8100, 3}}, 41000);
		const Bytes payload = from_hex("0003 aabbcc");
		Bytes out(256);
		const size_t len = write_tcp(t, 100, 200, kTcpAck, 4096, payload, out);
		ASSERT_GT(len, 0u);
		FrameView v;
		ASSERT_EQ(parse_frame(std::span(out).first(len), v), ParseError::ok);
		EXPECT_EQ(v.src, t.src);
		EXPECT_EQ(v.dst, t.dst);
		EXPECT_EQ(v.sport, 53);
		EXPECT_EQ(v.dport, 41000);
		EXPECT_EQ(v.ttl, 64);
		EXPECT_EQ(v.tcp_seq, 100u);
		EXPECT_EQ(v.tcp_ack, 200u);
		EXPECT_EQ(v.tcp_window, 4096);
		EXPECT_EQ(v.tcp_data_offset, 5);
		EXPECT_EQ(v.payload.size(), payload.size());
		EXPECT_TRUE(transport_checksum_ok(v.src, v.dst, v.is_ipv6, kProtoTcp,
						  std::span(out).subspan(v.l4_offset, v.l3_end - v.l4_offset)));
	}
}

}  // namespace
}  // namespace xdpdns::net
