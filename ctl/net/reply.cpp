#include "net/reply.h"

#include <algorithm>

#include "net/bytes.h"
#include "net/checksum.h"

namespace xdpdns::net {

namespace {

constexpr uint8_t kDefaultTtl = 64;
constexpr size_t kMaxIpv4Total = 0xffff;
constexpr size_t kMaxIpv6Payload = 0xffff;  // no jumbograms

// Room left for the transport segment in one IP packet.
size_t max_l4_length(const ReplyTemplate &t)
{
	return t.is_ipv6 ? kMaxIpv6Payload : kMaxIpv4Total - kIpv4HeaderLen;
}

// L2 + IP header of an unfragmented packet; returns the transport offset.
size_t write_l2_ip(const ReplyTemplate &t, uint8_t proto, size_t l4_length, uint8_t *out)
{
	write_l2_header(t, out);
	uint8_t *ip = out + t.l2_length();
	if (t.is_ipv6)
		write_ipv6_header(t, static_cast<uint16_t>(l4_length), proto, ip);
	else
		write_ipv4_header(t, static_cast<uint16_t>(kIpv4HeaderLen + l4_length), 0, kIpv4FlagDf,
				  proto, ip);
	return t.l2_length() + t.ip_header_length();
}

}  // namespace

ReplyTemplate make_reply_template(const FrameView &q)
{
	ReplyTemplate t;
	t.dst_mac = q.src_mac;
	t.src_mac = q.dst_mac;
	t.vlan_count = q.vlan_count;
	t.vlan = q.vlan;
	t.is_ipv6 = q.is_ipv6;
	t.src = q.dst;
	t.dst = q.src;
	t.sport = q.dport;
	t.dport = q.sport;
	return t;
}

void write_l2_header(const ReplyTemplate &t, uint8_t *out)
{
	std::copy(t.dst_mac.bytes.begin(), t.dst_mac.bytes.end(), out);
	std::copy(t.src_mac.bytes.begin(), t.src_mac.bytes.end(), out + 6);
	uint8_t *p = out + 12;
	for (size_t i = 0; i < t.vlan_count && i < kMaxVlanTags; i++) {
		store_be16(p, t.vlan[i].tpid);
		store_be16(p + 2, t.vlan[i].tci);
		p += kVlanTagLen;
	}
	store_be16(p, t.is_ipv6 ? kEthertypeIpv6 : kEthertypeIpv4);
}

void write_ipv4_header(const ReplyTemplate &t, uint16_t total_length, uint16_t id,
		       uint16_t flags_frag, uint8_t protocol, uint8_t *out)
{
	out[0] = 0x45;
	out[1] = 0;
	store_be16(out + 2, total_length);
	store_be16(out + 4, id);
	store_be16(out + 6, flags_frag);
	out[8] = kDefaultTtl;
	out[9] = protocol;
	out[10] = out[11] = 0;
	std::copy(t.src.v4().begin(), t.src.v4().end(), out + 12);
	std::copy(t.dst.v4().begin(), t.dst.v4().end(), out + 16);
	store_be16(out + 10, ipv4_header_checksum(std::span<const uint8_t>(out, kIpv4HeaderLen)));
}

void write_ipv6_header(const ReplyTemplate &t, uint16_t payload_length, uint8_t next_header,
		       uint8_t *out)
{
	store_be32(out, 0x60000000u);
	store_be16(out + 4, payload_length);
	out[6] = next_header;
	out[7] = kDefaultTtl;
	std::copy(t.src.bytes.begin(), t.src.bytes.end(), out + 8);
	std::copy(t.dst.bytes.begin(), t.dst.bytes.end(), out + 24);
}

size_t write_udp(const ReplyTemplate &t, std::span<const uint8_t> payload, std::span<uint8_t> out)
{
	const size_t l4_length = kUdpHeaderLen + payload.size();
	const size_t l4_offset = t.l2_length() + t.ip_header_length();
	if (l4_length > max_l4_length(t) || out.size() < l4_offset + l4_length)
		return 0;
	write_l2_ip(t, kProtoUdp, l4_length, out.data());
	uint8_t *udp = out.data() + l4_offset;
	store_be16(udp, t.sport);
	store_be16(udp + 2, t.dport);
	store_be16(udp + 4, static_cast<uint16_t>(l4_length));
	store_be16(udp + 6, 0);
	std::copy(payload.begin(), payload.end(), udp + kUdpHeaderLen);
	store_be16(udp + 6, transport_checksum(t.src, t.dst, t.is_ipv6, kProtoUdp,
					       std::span<const uint8_t>(udp, l4_length)));
	return l4_offset + l4_length;
}

size_t write_tcp_headers(const ReplyTemplate &t, uint32_t seq, uint32_t ack, uint8_t flags,
			 uint16_t window, size_t payload_length, std::span<uint8_t> out)
{
	const size_t l4_length = kTcpHeaderLen + payload_length;
	const size_t l4_offset = t.l2_length() + t.ip_header_length();
	if (l4_length > max_l4_length(t) || out.size() < l4_offset + l4_length)
		return 0;
	write_l2_ip(t, kProtoTcp, l4_length, out.data());
	uint8_t *tcp = out.data() + l4_offset;
	store_be16(tcp, t.sport);
	store_be16(tcp + 2, t.dport);
	store_be32(tcp + 4, seq);
	store_be32(tcp + 8, ack);
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	store_be16(tcp + 14, window);
	store_be16(tcp + 16, 0);  // checksum, filled last
	store_be16(tcp + 18, 0);  // urgent pointer
	return l4_offset + kTcpHeaderLen;
}

void fill_tcp_checksum(const ReplyTemplate &t, std::span<uint8_t> frame)
{
	const size_t l4_offset = t.l2_length() + t.ip_header_length();
	std::span<uint8_t> seg = frame.subspan(l4_offset);
	store_be16(seg.data() + 16, 0);
	store_be16(seg.data() + 16, transport_checksum(t.src, t.dst, t.is_ipv6, kProtoTcp, seg));
}

size_t write_tcp(const ReplyTemplate &t, uint32_t seq, uint32_t ack, uint8_t flags,
		 uint16_t window, std::span<const uint8_t> payload, std::span<uint8_t> out)
{
	const size_t hdr = write_tcp_headers(t, seq, ack, flags, window, payload.size(), out);
	if (hdr == 0)
		return 0;
	std::copy(payload.begin(), payload.end(), out.begin() + hdr);
	const size_t len = hdr + payload.size();
	fill_tcp_checksum(t, out.first(len));
	return len;
}

}  // namespace xdpdns::net
