// DNS messages for test frames, built from their parts (header, question,
// OPT record) so that an expected answer never derives from the query bytes.
#pragma once

#include <cstdint>
#include <string_view>

#include "net_types.h"

namespace xdpdns::test {

namespace dns {
inline constexpr std::uint16_t QR = 0x8000;
inline constexpr std::uint16_t OPCODE_MASK = 0x7800;
inline constexpr std::uint16_t AA = 0x0400;
inline constexpr std::uint16_t TC = 0x0200;
inline constexpr std::uint16_t RD = 0x0100;
inline constexpr std::uint16_t RA = 0x0080;
inline constexpr std::uint16_t Z = 0x0040;
inline constexpr std::uint16_t AD = 0x0020;
inline constexpr std::uint16_t CD = 0x0010;
inline constexpr std::uint16_t TYPE_A = 1;
inline constexpr std::uint16_t TYPE_AAAA = 28;
inline constexpr std::uint16_t TYPE_TXT = 16;
inline constexpr std::uint16_t TYPE_OPT = 41;
inline constexpr std::uint16_t CLASS_IN = 1;
inline constexpr std::uint16_t opcode(unsigned op) { return static_cast<std::uint16_t>((op & 0xf) << 11); }
} // namespace dns

// Wire form of a dotted name ("small.example.test", "" or "." for the root).
// Labels are not length-checked: fixtures build oversized ones on purpose.
Bytes dns_name(std::string_view dotted);

Bytes dns_header(std::uint16_t id, std::uint16_t flags, std::uint16_t qdcount, std::uint16_t ancount,
		 std::uint16_t nscount, std::uint16_t arcount);

// QNAME (wire form) + QTYPE + QCLASS.
Bytes dns_question(const Bytes &wire_name, std::uint16_t qtype, std::uint16_t qclass = dns::CLASS_IN);

// The OPT pseudo-RR: root name, type 41, class = UDP size, TTL = ext-rcode,
// version, DO bit and zero flags, then the options (rdata).
Bytes dns_opt(std::uint16_t udp_size, bool do_bit, const Bytes &rdata = {});

// A standard query: RD set (unless flags given), one question, with an OPT
// record when with_opt.
Bytes dns_query(std::uint16_t id, std::string_view name, std::uint16_t qtype, bool with_opt = false,
		bool do_bit = false, std::uint16_t bufsize = 1232, std::uint16_t flags = dns::RD);

// DNS over TCP: two-octet length prefix + message.
Bytes dns_tcp_framed(const Bytes &message);

} // namespace xdpdns::test
