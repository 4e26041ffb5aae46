#include "net/frame.h"

#include <algorithm>

#include "net/bytes.h"
#include "net/checksum.h"

namespace xdpdns::net {

namespace {

constexpr uint8_t kIpv6HopByHop = 0;
constexpr uint8_t kIpv6Routing = 43;
constexpr uint8_t kIpv6Fragment = 44;
constexpr uint8_t kIpv6DestOpts = 60;

constexpr uint8_t kTcpOptEnd = 0;
constexpr uint8_t kTcpOptNop = 1;
constexpr uint8_t kTcpOptMss = 2;

// Ethernet header and VLAN tags; leaves the offset of L3 in `off`.
ParseError parse_l2(std::span<const uint8_t> f, FrameView &v, size_t &off)
{
	if (f.size() < kEthHeaderLen)
		return ParseError::truncated;
	std::copy_n(f.data(), 6, v.dst_mac.bytes.begin());
	std::copy_n(f.data() + 6, 6, v.src_mac.bytes.begin());
	uint16_t type = load_be16(f.data() + 12);
	off = kEthHeaderLen;
	while (type == kTpid8021Q || type == kTpid8021AD) {
		if (v.vlan_count == kMaxVlanTags)
			return ParseError::not_ip;  // a third tag: not ours, as in XDP
		if (f.size() < off + kVlanTagLen)
			return ParseError::truncated;
		v.vlan[v.vlan_count++] = VlanTag{type, load_be16(f.data() + off)};
		type = load_be16(f.data() + off + 2);
		off += kVlanTagLen;
	}
	v.ethertype = type;
	if (type != kEthertypeIpv4 && type != kEthertypeIpv6)
		return ParseError::not_ip;
	return ParseError::ok;
}

// IPv4 header; leaves the transport offset in `off`.
ParseError parse_ipv4(std::span<const uint8_t> f, FrameView &v, size_t &off)
{
	if (f.size() < off + kIpv4HeaderLen)
		return ParseError::truncated;
	const uint8_t *h = f.data() + off;
	const size_t ihl = (h[0] & 0x0f) * 4u;
	const size_t total = load_be16(h + 2);
	// Same order as bpf/lib/parse.h: nonsense first, then truncation.
	if ((h[0] >> 4) != 4 || ihl < kIpv4HeaderLen || total < ihl)
		return ParseError::malformed;
	if (f.size() < off + ihl || f.size() < off + total)
		return ParseError::truncated;
	v.l3_end = static_cast<uint32_t>(off + total);
	v.ip_id = load_be16(h + 4);
	v.ip_flags_frag = load_be16(h + 6);
	v.ttl = h[8];
	v.protocol = h[9];
	v.src = IpAddress::from_v4(std::span<const uint8_t, 4>(h + 12, 4));
	v.dst = IpAddress::from_v4(std::span<const uint8_t, 4>(h + 16, 4));
	off += ihl;
	if (v.ip_flags_frag & (kIpv4FlagMf | kIpv4OffsetMask)) {
		v.is_fragment = true;
		return ParseError::fragment;
	}
	return ParseError::ok;
}

// IPv6 header and the extension headers before the transport.
ParseError parse_ipv6(std::span<const uint8_t> f, FrameView &v, size_t &off)
{
	if (f.size() < off + kIpv6HeaderLen)
		return ParseError::truncated;
	const uint8_t *h = f.data() + off;
	if ((h[0] >> 4) != 6)
		return ParseError::malformed;
	const size_t end = off + kIpv6HeaderLen + load_be16(h + 4);
	if (f.size() < end)
		return ParseError::truncated;
	v.is_ipv6 = true;
	v.l3_end = static_cast<uint32_t>(end);
	v.ttl = h[7];
	v.src = IpAddress::from_v6(std::span<const uint8_t, 16>(h + 8, 16));
	v.dst = IpAddress::from_v6(std::span<const uint8_t, 16>(h + 24, 16));
	uint8_t next = h[6];
	off += kIpv6HeaderLen;
	for (;;) {
		if (next == kIpv6Fragment) {
			if (end < off + kIpv6FragHeaderLen)
				return ParseError::truncated;
			v.protocol = f[off];
			v.ip_flags_frag = load_be16(f.data() + off + 2);
			v.frag_id = load_be32(f.data() + off + 4);
			v.is_fragment = true;
			return ParseError::fragment;
		}
		if (next != kIpv6HopByHop && next != kIpv6Routing && next != kIpv6DestOpts)
			break;
		if (v.ipv6_ext_count == kMaxIpv6ExtHeaders)
			return ParseError::too_many_ext_headers;
		if (end < off + 2)
			return ParseError::truncated;
		const size_t len = (f[off + 1] + 1u) * 8u;
		if (end < off + len)
			return ParseError::truncated;
		next = f[off];
		off += len;
		v.ipv6_ext_count++;
	}
	v.protocol = next;
	return ParseError::ok;
}

// The MSS option, if any; a malformed option list just ends the walk (the
// segment itself is still usable, as for any TCP stack).
void parse_tcp_options(std::span<const uint8_t> opts, FrameView &v)
{
	size_t i = 0;
	while (i < opts.size()) {
		const uint8_t kind = opts[i];
		if (kind == kTcpOptEnd)
			return;
		if (kind == kTcpOptNop) {
			i++;
			continue;
		}
		if (i + 2 > opts.size())
			return;
		const size_t len = opts[i + 1];
		if (len < 2 || i + len > opts.size())
			return;
		if (kind == kTcpOptMss && len == 4) {
			v.has_mss = true;
			v.mss = load_be16(opts.data() + i + 2);
		}
		i += len;
	}
}

ParseError parse_tcp(std::span<const uint8_t> f, FrameView &v, size_t off)
{
	const size_t end = v.l3_end;
	if (end < off + kTcpHeaderLen)
		return ParseError::truncated;
	const uint8_t *h = f.data() + off;
	const size_t doff = h[12] >> 4;
	if (doff < 5 || end < off + doff * 4)
		return ParseError::malformed;
	v.sport = load_be16(h);
	v.dport = load_be16(h + 2);
	v.tcp_seq = load_be32(h + 4);
	v.tcp_ack = load_be32(h + 8);
	v.tcp_data_offset = static_cast<uint8_t>(doff);
	v.tcp_flags = h[13];
	v.tcp_window = load_be16(h + 14);
	parse_tcp_options(f.subspan(off + kTcpHeaderLen, doff * 4 - kTcpHeaderLen), v);
	v.payload_offset = static_cast<uint32_t>(off + doff * 4);
	v.payload = f.subspan(v.payload_offset, end - v.payload_offset);
	return ParseError::ok;
}

ParseError parse_udp(std::span<const uint8_t> f, FrameView &v, size_t off)
{
	const size_t end = v.l3_end;
	if (end < off + kUdpHeaderLen)
		return ParseError::truncated;
	const uint8_t *h = f.data() + off;
	const size_t len = load_be16(h + 4);
	if (len < kUdpHeaderLen || end < off + len)
		return ParseError::malformed;
	v.sport = load_be16(h);
	v.dport = load_be16(h + 2);
	v.udp_length = static_cast<uint16_t>(len);
	v.payload_offset = static_cast<uint32_t>(off + kUdpHeaderLen);
	v.payload = f.subspan(v.payload_offset, len - kUdpHeaderLen);
	return ParseError::ok;
}

}  // namespace

ParseError parse_frame(std::span<const uint8_t> frame, FrameView &out)
{
	out = FrameView{};
	size_t off = 0;
	ParseError e = parse_l2(frame, out, off);
	if (e != ParseError::ok)
		return e;
	out.l3_offset = static_cast<uint32_t>(off);
	e = out.ethertype == kEthertypeIpv4 ? parse_ipv4(frame, out, off) : parse_ipv6(frame, out, off);
	if (e != ParseError::ok)
		return e;
	out.l4_offset = static_cast<uint32_t>(off);
	if (out.protocol == 6)
		return parse_tcp(frame, out, off);
	if (out.protocol == 17)
		return parse_udp(frame, out, off);
	return ParseError::not_tcp_udp;
}

bool frame_checksums_ok(std::span<const uint8_t> frame, const FrameView &v, ChecksumForms forms)
{
	if (v.l3_end > frame.size() || v.l4_offset > v.l3_end || v.l3_offset > v.l4_offset)
		return false;
	if (!v.is_ipv6 &&
	    !ipv4_header_checksum_ok(frame.subspan(v.l3_offset, v.l4_offset - v.l3_offset)))
		return false;
	const size_t l4_length = v.is_udp() ? v.udp_length : v.l3_end - v.l4_offset;
	if (v.l4_offset + l4_length > v.l3_end)
		return false;
	return transport_checksum_ok(v.src, v.dst, v.is_ipv6, v.protocol,
				     frame.subspan(v.l4_offset, l4_length), forms);
}

}  // namespace xdpdns::net
