// Parsing of the frames the daemon receives from AF_XDP: Ethernet, up to two
// VLAN tags, IPv4 (options skipped) or IPv6 (bounded extension-header walk),
// then TCP or UDP. The same acceptance rules, in the same order, as the XDP
// program (bpf/lib/parse.h), so a frame the program redirected parses.
//
// No allocation, no copies of the payload: FrameView points into the frame,
// which must outlive it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "net/address.h"
#include "net/checksum.h"

namespace xdpdns::net {

inline constexpr uint16_t kEthertypeIpv4 = 0x0800;
inline constexpr uint16_t kEthertypeIpv6 = 0x86dd;
inline constexpr uint16_t kTpid8021Q = 0x8100;
inline constexpr uint16_t kTpid8021AD = 0x88a8;
inline constexpr size_t kMaxVlanTags = 2;       // XDPDNS_MAX_VLAN_TAGS
inline constexpr size_t kMaxIpv6ExtHeaders = 6; // XDPDNS_MAX_IPV6_EXT_HDRS
inline constexpr size_t kEthHeaderLen = 14;
inline constexpr size_t kVlanTagLen = 4;
inline constexpr size_t kIpv4HeaderLen = 20;    // without options
inline constexpr size_t kIpv6HeaderLen = 40;
inline constexpr size_t kIpv6FragHeaderLen = 8;
inline constexpr size_t kTcpHeaderLen = 20;     // without options
inline constexpr size_t kUdpHeaderLen = 8;

// TCP flag bits (octet 13 of the header).
inline constexpr uint8_t kTcpFin = 0x01;
inline constexpr uint8_t kTcpSyn = 0x02;
inline constexpr uint8_t kTcpRst = 0x04;
inline constexpr uint8_t kTcpPsh = 0x08;
inline constexpr uint8_t kTcpAck = 0x10;

// IPv4 flags as they sit in the top bits of the 16-bit flags/offset field.
inline constexpr uint16_t kIpv4FlagDf = 0x4000;
inline constexpr uint16_t kIpv4FlagMf = 0x2000;
inline constexpr uint16_t kIpv4OffsetMask = 0x1fff;

enum class ParseError : uint8_t {
	ok = 0,
	not_ip,          // ethertype (after VLAN tags) is neither IPv4 nor IPv6
	truncated,       // frame ends inside a header, or IP length beyond the frame
	malformed,       // bad version/IHL/total length, TCP data offset, UDP length
	fragment,        // an IP fragment (IPv4 MF/offset, IPv6 Fragment header)
	too_many_ext_headers, // more than kMaxIpv6ExtHeaders before the transport
	not_tcp_udp,     // transport is another protocol (ICMP, ...)
};

struct VlanTag {
	uint16_t tpid = 0;  // 0x8100 or 0x88a8, host order
	uint16_t tci = 0;   // PCP/DEI/VID as on the wire, host order
};

// All multi-octet numbers are host order. Offsets are from the frame start.
// On an error, the fields of the layers parsed before it are valid.
struct FrameView {
	// L2
	Mac dst_mac;
	Mac src_mac;
	uint8_t vlan_count = 0;
	std::array<VlanTag, kMaxVlanTags> vlan{};  // in wire order
	uint16_t ethertype = 0;  // after the tags: 0x0800 or 0x86dd

	// L3
	bool is_ipv6 = false;
	uint32_t l3_offset = 0;
	uint32_t l3_end = 0;  // l3_offset + IP total length: what follows is padding
	IpAddress src;        // IPv4 as ::ffff:a.b.c.d (raw octets: src.v4())
	IpAddress dst;
	uint8_t protocol = 0;  // IPv4 protocol / final IPv6 next header
	uint8_t ttl = 0;       // IPv4 TTL / IPv6 hop limit
	uint16_t ip_id = 0;        // IPv4 only
	uint16_t ip_flags_frag = 0; // IPv4 only: flags (kIpv4Flag*) | offset (8-octet units)
	uint8_t ipv6_ext_count = 0; // extension headers walked
	bool is_fragment = false;   // see ParseError::fragment
	uint32_t frag_id = 0;       // IPv6 Fragment header identification (when is_fragment)

	// L4
	uint32_t l4_offset = 0;
	uint32_t payload_offset = 0;
	uint16_t sport = 0;
	uint16_t dport = 0;
	uint32_t tcp_seq = 0;
	uint32_t tcp_ack = 0;
	uint8_t tcp_flags = 0;        // kTcp* bits
	uint16_t tcp_window = 0;
	uint8_t tcp_data_offset = 0;  // in 32-bit words (5..15)
	bool has_mss = false;
	uint16_t mss = 0;             // MSS option value when has_mss
	uint16_t udp_length = 0;      // from the UDP header (header + payload)

	// TCP: up to the IP end; UDP: UDP length. Never includes Ethernet padding.
	std::span<const uint8_t> payload;

	bool is_tcp() const { return protocol == 6; }
	bool is_udp() const { return protocol == 17; }
};

// Parses `frame` into `out` (overwritten). Never reads outside `frame`.
ParseError parse_frame(std::span<const uint8_t> frame, FrameView &out);

// For a frame that parsed OK: the IPv4 header checksum (IPv4 only, always
// complete) and the TCP/UDP checksum over the segment (UDP: its UDP length;
// IPv4 UDP with a zero field counts as "no checksum", accepted) in one of
// `forms` (the daemon accepts the partial form unless checksum.strict). The
// XDP program leaves this check to the daemon for data segments and UDP
// queries. The pseudo-header uses the IPv6 destination as received (we
// accept no routing-header destinations other than our own).
bool frame_checksums_ok(std::span<const uint8_t> frame, const FrameView &v,
			ChecksumForms forms = ChecksumForms::full_only);

}  // namespace xdpdns::net
