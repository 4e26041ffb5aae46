// A fluent builder for test frames:
//
//   Packet().eth(client_mac, server_mac).vlan(0x8100, 100)
//           .ipv4(client, server).ip_options({0x94, 4, 0, 0})
//           .tcp(40000, 53).seq(1).flags(tcp::SYN).mss(1460).option(34, {...})
//           .payload(bytes).build();
//
// Every length and checksum is computed at build() unless a field is
// overridden (ihl(), ip_total_length(), data_offset(), udp_length(), ...) or
// corrupted on purpose (bad_ip_checksum(), bad_l4_checksum()). Without eth()
// the frame starts at the IP header: that is how ICMP inner packets are made.
// The checksum arithmetic is the test's own (checksum.h), not the program's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "net_types.h"

namespace xdpdns::test {

namespace tcp {
inline constexpr std::uint8_t FIN = 0x01;
inline constexpr std::uint8_t SYN = 0x02;
inline constexpr std::uint8_t RST = 0x04;
inline constexpr std::uint8_t PSH = 0x08;
inline constexpr std::uint8_t ACK = 0x10;
inline constexpr std::uint8_t URG = 0x20;
} // namespace tcp

inline constexpr std::uint16_t ETH_P_8021Q = 0x8100;
inline constexpr std::uint16_t ETH_P_8021AD = 0x88a8;

class Packet {
public:
	// ---- L2 ----
	Packet &eth(const Mac &src, const Mac &dst);
	Packet &vlan(std::uint16_t tpid, std::uint16_t tci); // outermost first
	Packet &ethertype(std::uint16_t type);               // overrides the IP ethertype

	// ---- IPv4 ----
	Packet &ipv4(const Ip4 &src, const Ip4 &dst);
	Packet &ip_options(const Bytes &options); // zero-padded to a multiple of 4
	Packet &ttl(std::uint8_t ttl);            // IPv4 TTL or IPv6 hop limit (default 64)
	Packet &tos(std::uint8_t tos);            // IPv4 TOS or IPv6 traffic class
	Packet &ip_id(std::uint16_t id);
	Packet &df(bool on = true);
	Packet &mf(bool on = true);
	Packet &frag_offset(std::uint16_t units_of_8);
	Packet &ip_version(std::uint8_t version); // override the version nibble (IPv4 or IPv6)
	Packet &ihl(std::uint8_t ihl);            // override the IHL field only
	Packet &ip_total_length(std::uint16_t len);
	Packet &bad_ip_checksum();

	// ---- IPv6 ----
	Packet &ipv6(const Ip6 &src, const Ip6 &dst);
	Packet &flow_label(std::uint32_t label);
	// Extension headers, in the order called. pad8 = extra 8-octet units.
	Packet &hop_by_hop(std::uint8_t pad8 = 0);
	Packet &dest_opts(std::uint8_t pad8 = 0);
	Packet &routing(std::uint8_t addresses = 1, std::uint8_t type = 0, std::uint8_t segments_left = 0);
	Packet &fragment(std::uint16_t offset_units_of_8, bool more, std::uint32_t id = 0x1234);
	Packet &ipv6_payload_length(std::uint16_t len);

	// Protocol number after the IP header(s); also used for raw payloads.
	Packet &ip_protocol(std::uint8_t proto);

	// ---- TCP ----
	Packet &tcp(std::uint16_t sport, std::uint16_t dport);
	Packet &seq(std::uint32_t v);
	Packet &ack(std::uint32_t v);
	Packet &flags(std::uint8_t f);
	Packet &window(std::uint16_t w);
	Packet &urgent(std::uint16_t u);
	Packet &mss(std::uint16_t mss);                                  // option 2
	Packet &option(std::uint8_t kind, const Bytes &data);            // kind, 2+len, data
	Packet &nop();                                                   // option 1
	Packet &sack_permitted();                                        // option 4
	Packet &window_scale(std::uint8_t shift);                        // option 3
	Packet &timestamps(std::uint32_t tsval, std::uint32_t tsecr);    // option 8
	Packet &raw_tcp_options(const Bytes &bytes);                     // appended as is
	Packet &data_offset(std::uint8_t words);                         // override

	// ---- UDP ----
	Packet &udp(std::uint16_t sport, std::uint16_t dport);
	Packet &udp_length(std::uint16_t len); // override

	// ---- ICMP ----
	Packet &icmp4(std::uint8_t type, std::uint8_t code, std::uint32_t rest = 0);
	Packet &icmp6(std::uint8_t type, std::uint8_t code, std::uint32_t rest = 0);
	// Type 3 code 4 with the next-hop MTU in octets 6-7; inner = IP packet.
	Packet &icmp4_frag_needed(std::uint16_t mtu, const Bytes &inner);
	// Type 2 code 0 with the 32-bit MTU; inner = IPv6 packet.
	Packet &icmp6_packet_too_big(std::uint32_t mtu, const Bytes &inner);

	// ---- payload and corruption ----
	Packet &payload(const Bytes &bytes); // L4 data (or IP payload / L2 payload)
	Packet &l4_checksum(std::uint16_t csum);
	// The partial checksum a local stack leaves when it offloads the TCP/UDP
	// checksum (CHECKSUM_PARTIAL, e.g. over veth): the folded pseudo-header
	// sum, not inverted, covering no L4 octet. bad_l4_checksum() on top
	// makes a value that is neither form.
	Packet &partial_l4_checksum();
	Packet &bad_l4_checksum();
	Packet &pad_to(std::size_t frame_len);   // zeros after the IP packet (Ethernet padding)
	Packet &trailer(const Bytes &bytes);     // bytes after the IP packet
	Packet &truncate(std::size_t frame_len); // cut the finished frame

	Bytes build() const;

private:
	enum class L3 { None, V4, V6 };
	enum class L4 { None, Tcp, Udp, Icmp4, Icmp6 };
	struct Vlan {
		std::uint16_t tpid, tci;
	};
	struct Ext {
		std::uint8_t type;
		Bytes bytes; // whole header; bytes[0] (next header) filled at build()
	};

	Bytes build_l4(std::uint8_t proto_for_pseudo) const;
	std::uint8_t l4_proto() const;

	std::optional<Mac> src_mac_, dst_mac_;
	std::vector<Vlan> vlans_;
	std::optional<std::uint16_t> ethertype_;

	L3 l3_ = L3::None;
	Ip4 src4_{}, dst4_{};
	Ip6 src6_{}, dst6_{};
	Bytes ip_options_;
	std::uint8_t ttl_ = 64, tos_ = 0;
	std::uint16_t ip_id_ = 0, frag_off_ = 0;
	bool df_ = false, mf_ = false, bad_ip_csum_ = false;
	std::optional<std::uint8_t> version_, ihl_, proto_;
	std::optional<std::uint16_t> total_len_, plen_;
	std::uint32_t flow_ = 0;
	std::vector<Ext> ext_;

	L4 l4_ = L4::None;
	std::uint16_t sport_ = 0, dport_ = 0;
	std::uint32_t seq_ = 0, ack_ = 0;
	std::uint8_t flags_ = 0;
	std::uint16_t window_ = 0, urgent_ = 0;
	Bytes tcp_opts_;
	std::optional<std::uint8_t> doff_;
	std::optional<std::uint16_t> udp_len_, l4_csum_;
	bool bad_l4_csum_ = false, partial_l4_csum_ = false;
	std::uint8_t icmp_type_ = 0, icmp_code_ = 0;
	std::uint32_t icmp_rest_ = 0;

	Bytes payload_;
	std::size_t pad_to_ = 0;
	Bytes trailer_;
	std::optional<std::size_t> truncate_;
};

} // namespace xdpdns::test
