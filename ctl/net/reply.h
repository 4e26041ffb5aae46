// Reply frames addressed back to the sender of a query, written into a
// caller's buffer (an AF_XDP UMEM frame): no allocation.
//
// Conventions shared with the XDP program's own replies (bpf-contract), so
// traces look the same whichever side answered: MACs swapped, VLAN tags
// copied in order, IPv4 IHL 5 / TOS 0 / TTL 64 / DF / ID 0, IPv6 traffic
// class and flow label 0 / hop limit 64, no IP options or extension headers.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "net/address.h"
#include "net/frame.h"

namespace xdpdns::net {

// Everything needed to address a reply. Fields are from OUR point of view:
// src = us (the query's destination), dst = the client (the query's source).
struct ReplyTemplate {
	Mac dst_mac;  // the query's source MAC
	Mac src_mac;  // the query's destination MAC
	uint8_t vlan_count = 0;
	std::array<VlanTag, kMaxVlanTags> vlan{};  // copied unchanged, same order
	bool is_ipv6 = false;
	IpAddress src;        // our address (IPv4 mapped for IPv4)
	IpAddress dst;        // the client's address
	uint16_t sport = 0;   // our port (the query's destination port)
	uint16_t dport = 0;   // the client's port

	// Ethernet header plus VLAN tags.
	size_t l2_length() const { return kEthHeaderLen + kVlanTagLen * vlan_count; }
	// IP header of an unfragmented reply (20 or 40).
	size_t ip_header_length() const { return is_ipv6 ? kIpv6HeaderLen : kIpv4HeaderLen; }
};

// Swaps the addressing of a successfully parsed query.
ReplyTemplate make_reply_template(const FrameView &query);

// A UDP datagram carrying `payload`, UDP checksum always computed. For
// datagrams that fit the path MTU (see fragment.h for the others); IPv4 DF
// set, ID 0. Returns the frame length, 0 when `out` is too small or the
// payload cannot fit one IP packet.
size_t write_udp(const ReplyTemplate &t, std::span<const uint8_t> payload, std::span<uint8_t> out);

// A TCP segment: data offset 5 (no options), urgent pointer 0, `flags` as
// given (kTcp* bits), checksum computed. Returns the frame length, 0 when
// `out` is too small or the payload cannot fit one IP packet.
size_t write_tcp(const ReplyTemplate &t, uint32_t seq, uint32_t ack, uint8_t flags,
		 uint16_t window, std::span<const uint8_t> payload, std::span<uint8_t> out);

// ---- building blocks shared by the writers, the TCP train and fragmentation

// Writes Ethernet header and tags into `out` (at least t.l2_length() octets).
void write_l2_header(const ReplyTemplate &t, uint8_t *out);

// Writes a 20-octet IPv4 header with checksum into `out`.
// `flags_frag` = kIpv4Flag* bits | fragment offset in 8-octet units.
void write_ipv4_header(const ReplyTemplate &t, uint16_t total_length, uint16_t id,
		       uint16_t flags_frag, uint8_t protocol, uint8_t *out);

// Writes a 40-octet IPv6 header into `out`.
void write_ipv6_header(const ReplyTemplate &t, uint16_t payload_length, uint8_t next_header,
		       uint8_t *out);

// Writes L2 and TCP/IP headers for a segment of `payload_length` octets
// (checksum field 0); the payload goes right after. Returns the header
// length, 0 if `out` cannot hold headers plus payload or the payload does
// not fit one IP packet. Finish with fill_tcp_checksum().
size_t write_tcp_headers(const ReplyTemplate &t, uint32_t seq, uint32_t ack, uint8_t flags,
			 uint16_t window, size_t payload_length, std::span<uint8_t> out);

// Computes the TCP checksum of a complete frame written by
// write_tcp_headers() plus its payload (`frame` = exactly the frame).
void fill_tcp_checksum(const ReplyTemplate &t, std::span<uint8_t> frame);

}  // namespace xdpdns::net
