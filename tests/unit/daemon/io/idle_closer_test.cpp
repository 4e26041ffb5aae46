// The idle sweep's decisions and the FIN it sends to a connection the XDP
// program answered and keeps (tcp.reuse on): which entries get a FIN, which
// are removed, and the FIN itself, parsed back: addresses and ports from
// the key, link layer (VLAN tags too) from the entry, seq = the end of XDP's
// answer, ack = the end of the query, FIN|ACK, good checksums.
#include "daemon/io/idle_closer.h"

#include "net/checksum.h"
#include "net/frame.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace xdpdns::daemon {
namespace {

constexpr std::uint64_t kIdle = 2'000'000'000;
constexpr std::uint64_t kSeen = 10'000'000'000;

xdpdns_conn kept(std::uint8_t state = XDPDNS_CONN_XDP_OPEN)
{
	xdpdns_conn c{};
	c.seen_ns = kSeen;
	c.isn = 0x10000000;
	c.state = state;
	c.client_mss = 1460;
	c.req_seq = 0x20000001;
	c.req_end = 0x20000001 + 40;
	c.snd_end = 0x10000001 + 65;
	const std::uint8_t client[6] = {2, 0, 0, 0, 0, 1}, ours[6] = {2, 0, 0, 0, 0, 0x35};
	std::copy(std::begin(client), std::end(client), c.client_mac);
	std::copy(std::begin(ours), std::end(ours), c.our_mac);
	return c;
}

xdpdns_conn_key key_v4()
{
	xdpdns_conn_key k{};
	const std::uint8_t client[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 10};
	const std::uint8_t server[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 51, 100, 53};
	std::copy(std::begin(client), std::end(client), k.client_addr);
	std::copy(std::begin(server), std::end(server), k.server_addr);
	k.client_port = htons(40000);
	k.server_port = htons(53);
	return k;
}

TEST(IdleCloser, FinDueOnlyForAnIdleConnectionXdpKeeps)
{
	EXPECT_FALSE(idle_fin_due(kept(), kSeen + kIdle - 1, kIdle));
	EXPECT_TRUE(idle_fin_due(kept(), kSeen + kIdle, kIdle));
	EXPECT_FALSE(idle_fin_due(kept(), kSeen - 1, kIdle)) << "seen after the sweep's clock read";
	for (const std::uint8_t s : {XDPDNS_CONN_DAEMON, XDPDNS_CONN_XDP_FIN, XDPDNS_CONN_XDP_CLOSED,
				     XDPDNS_CONN_STATELESS})
		EXPECT_FALSE(idle_fin_due(kept(s), kSeen + 10 * kIdle, kIdle)) << "state " << int(s);
	xdpdns_conn daemon_first = kept();
	daemon_first.snd_end = 0;  // XDP answered nothing on it
	EXPECT_FALSE(idle_fin_due(daemon_first, kSeen + 10 * kIdle, kIdle));
}

TEST(IdleCloser, UnacknowledgedFinRemovedAfterAnotherIdleTimeout)
{
	EXPECT_FALSE(fin_unanswered(kept(XDPDNS_CONN_XDP_FIN), kSeen + kIdle - 1, kIdle));
	EXPECT_TRUE(fin_unanswered(kept(XDPDNS_CONN_XDP_FIN), kSeen + kIdle, kIdle));
	EXPECT_FALSE(fin_unanswered(kept(XDPDNS_CONN_XDP_OPEN), kSeen + 10 * kIdle, kIdle));
	EXPECT_FALSE(fin_unanswered(kept(XDPDNS_CONN_DAEMON), kSeen + 10 * kIdle, kIdle));
}

// The FIN as the sweep writes it, parsed back.
net::FrameView fin_of(const xdpdns_conn_key &k, const xdpdns_conn &c, std::vector<std::uint8_t> &frame)
{
	frame.assign(128, 0);
	const std::size_t len = net::write_tcp(idle_fin_template(k, c), c.snd_end, c.req_end,
					       net::kTcpFin | net::kTcpAck, 65535, {}, frame);
	frame.resize(len);
	net::FrameView v;
	EXPECT_EQ(net::parse_frame(frame, v), net::ParseError::ok);
	return v;
}

TEST(IdleCloser, FinAddressedFromKeyAndEntry)
{
	std::vector<std::uint8_t> frame;
	const xdpdns_conn c = kept();
	const net::FrameView v = fin_of(key_v4(), c, frame);
	ASSERT_EQ(frame.size(), 14u + 20 + 20);
	EXPECT_FALSE(v.is_ipv6);
	EXPECT_EQ(v.dst_mac.bytes, (std::array<std::uint8_t, 6>{2, 0, 0, 0, 0, 1}));
	EXPECT_EQ(v.src_mac.bytes, (std::array<std::uint8_t, 6>{2, 0, 0, 0, 0, 0x35}));
	EXPECT_EQ(v.src.bytes, std::to_array(key_v4().server_addr));
	EXPECT_EQ(v.dst.bytes, std::to_array(key_v4().client_addr));
	EXPECT_EQ(v.sport, 53);
	EXPECT_EQ(v.dport, 40000);
	EXPECT_EQ(v.tcp_seq, c.snd_end);
	EXPECT_EQ(v.tcp_ack, c.req_end);
	EXPECT_EQ(v.tcp_flags, net::kTcpFin | net::kTcpAck);
	EXPECT_EQ(v.tcp_window, 65535);
	EXPECT_TRUE(net::ipv4_header_checksum_ok(std::span(frame).subspan(14, 20)));
	EXPECT_TRUE(net::transport_checksum_ok(v.src, v.dst, false, 6, std::span(frame).subspan(34)));
}

TEST(IdleCloser, FinOverIpv6WithTwoVlanTags)
{
	xdpdns_conn_key k{};
	for (int i = 0; i < 16; i++) {
		k.client_addr[i] = static_cast<std::uint8_t>(0x20 + i);
		k.server_addr[i] = static_cast<std::uint8_t>(0x40 + i);
	}
	k.client_port = htons(5353);
	k.server_port = htons(53);
	xdpdns_conn c = kept();
	c.vlan_count = 2;
	c.vlan_tpid[0] = htons(0x88a8);
	c.vlan_tci[0] = htons(100);
	c.vlan_tpid[1] = htons(0x8100);
	c.vlan_tci[1] = htons(0x2005);
	std::vector<std::uint8_t> frame;
	const net::FrameView v = fin_of(k, c, frame);
	ASSERT_EQ(frame.size(), 14u + 8 + 40 + 20);
	EXPECT_TRUE(v.is_ipv6);
	ASSERT_EQ(v.vlan_count, 2);
	EXPECT_EQ(v.vlan[0].tpid, 0x88a8);
	EXPECT_EQ(v.vlan[0].tci, 100);
	EXPECT_EQ(v.vlan[1].tpid, 0x8100);
	EXPECT_EQ(v.vlan[1].tci, 0x2005);
	EXPECT_EQ(v.src.bytes, std::to_array(k.server_addr));
	EXPECT_EQ(v.dst.bytes, std::to_array(k.client_addr));
	EXPECT_EQ(v.dport, 5353);
	EXPECT_EQ(v.tcp_seq, c.snd_end);
	EXPECT_TRUE(net::transport_checksum_ok(v.src, v.dst, true, 6, std::span(frame).subspan(14 + 8 + 40)));
}

}  // namespace
}  // namespace xdpdns::daemon
