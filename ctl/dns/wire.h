// DNS wire format: constants, header flag masks, big-endian access and
// bounded helpers for uncompressed names. Everything here works on byte
// spans with explicit bounds; nothing allocates.
//
// Header flags are handled as a host-order uint16_t (the second header word
// after load_be16) with the masks below, never through bit-fields, whose
// layout depends on the compiler and the byte order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "net/bytes.h"

namespace xdpdns::dns {

inline constexpr size_t header_size = 12;
inline constexpr size_t max_name_len = 255;   // wire octets, root label included
inline constexpr size_t max_label_len = 63;
inline constexpr size_t max_labels = 128;     // 127 one-octet labels + root
inline constexpr size_t max_message = 65535;
inline constexpr uint16_t min_udp_size = 512;  // RFC 1035 / RFC 6891 floor
// COOKIE option (RFC 7873 4): an 8-octet client cookie, then an optional
// server cookie of 8..32 octets; ours (RFC 9018) are 16.
inline constexpr size_t client_cookie_len = 8;
inline constexpr size_t max_cookie_len = 40;
inline constexpr size_t server_cookie_len = 16;
inline constexpr size_t reply_cookie_max_len = client_cookie_len + server_cookie_len;
inline constexpr uint16_t default_edns_size = 1232;
inline constexpr size_t opt_rr_size = 11;      // root + type + class + ttl + rdlength

// Offsets of the header fields.
namespace hdr {
inline constexpr size_t id = 0;
inline constexpr size_t flags = 2;
inline constexpr size_t qdcount = 4;
inline constexpr size_t ancount = 6;
inline constexpr size_t nscount = 8;
inline constexpr size_t arcount = 10;
}  // namespace hdr

// Masks on the host-order flags word.
namespace flag {
inline constexpr uint16_t qr = 0x8000;
inline constexpr uint16_t opcode_mask = 0x7800;
inline constexpr unsigned opcode_shift = 11;
inline constexpr uint16_t aa = 0x0400;
inline constexpr uint16_t tc = 0x0200;
inline constexpr uint16_t rd = 0x0100;
inline constexpr uint16_t ra = 0x0080;
inline constexpr uint16_t z = 0x0040;
inline constexpr uint16_t ad = 0x0020;
inline constexpr uint16_t cd = 0x0010;
inline constexpr uint16_t rcode_mask = 0x000f;
}  // namespace flag

// DO bit in the low 16 bits of the OPT TTL (RFC 3225).
inline constexpr uint16_t edns_do = 0x8000;

namespace opcode {
inline constexpr uint8_t query = 0;
inline constexpr uint8_t iquery = 1;
inline constexpr uint8_t status = 2;
inline constexpr uint8_t notify = 4;
inline constexpr uint8_t update = 5;
}  // namespace opcode

namespace rcode {
inline constexpr uint8_t noerror = 0;
inline constexpr uint8_t formerr = 1;
inline constexpr uint8_t servfail = 2;
inline constexpr uint8_t nxdomain = 3;
inline constexpr uint8_t notimp = 4;
inline constexpr uint8_t refused = 5;
inline constexpr uint8_t yxdomain = 6;  // RFC 6672 2.2: a DNAME substitution overflows 255 octets
inline constexpr uint8_t badvers = 16;  // extended: upper 8 bits live in the OPT TTL
inline constexpr uint8_t badcookie = 23;  // extended (RFC 7873 8): header 7, OPT 1
}  // namespace rcode

namespace edns_option {
inline constexpr uint16_t cookie = 10;         // RFC 7873
inline constexpr uint16_t tcp_keepalive = 11;  // RFC 7828
}  // namespace edns_option

namespace rrtype {
inline constexpr uint16_t a = 1;
inline constexpr uint16_t ns = 2;
inline constexpr uint16_t cname = 5;
inline constexpr uint16_t soa = 6;
inline constexpr uint16_t ptr = 12;
inline constexpr uint16_t mx = 15;
inline constexpr uint16_t txt = 16;
inline constexpr uint16_t aaaa = 28;
inline constexpr uint16_t srv = 33;
inline constexpr uint16_t dname = 39;
inline constexpr uint16_t opt = 41;
inline constexpr uint16_t ds = 43;
inline constexpr uint16_t rrsig = 46;
inline constexpr uint16_t nsec = 47;
inline constexpr uint16_t dnskey = 48;
inline constexpr uint16_t nsec3 = 50;
inline constexpr uint16_t nsec3param = 51;
inline constexpr uint16_t tsig = 250;
inline constexpr uint16_t ixfr = 251;
inline constexpr uint16_t axfr = 252;
inline constexpr uint16_t any = 255;
}  // namespace rrtype

namespace rrclass {
inline constexpr uint16_t in = 1;
inline constexpr uint16_t ch = 3;
inline constexpr uint16_t any = 255;
}  // namespace rrclass

// The packet layer's big-endian helpers, one definition for both layers.
using net::load_be16;
using net::load_be32;
using net::store_be16;
using net::store_be32;

inline uint8_t flags_opcode(uint16_t flags)
{
	return static_cast<uint8_t>((flags & flag::opcode_mask) >> flag::opcode_shift);
}

inline uint8_t ascii_lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? static_cast<uint8_t>(c + ('a' - 'A')) : c;
}

// Why a name could not be read.
enum class NameError {
	ok,
	truncated,       // runs past the end of the message
	label_too_long,  // length octet 0x40..0xbf: a "label" over 63 octets
	                 // (label types 01 and 10, extended and reserved)
	name_too_long,   // more than 255 octets
	pointer,         // a compression pointer where none is allowed
	pointer_loop,    // a pointer that does not point strictly backwards
};

// Reads an uncompressed name starting at msg[off]. On success returns ok and
// sets len to its wire length (root label included).
NameError parse_uncompressed_name(std::span<const uint8_t> msg, size_t off, size_t &len);

// Finds where a possibly compressed name starting at msg[off] ends in place
// (after its terminating root label or its first pointer), checking bounds,
// label types and, by following the pointers, that the name is at most 255
// octets and has no pointer loop. Sets end to that offset.
NameError skip_name(std::span<const uint8_t> msg, size_t off, size_t &end);

// Lowercases the ASCII letters of an uncompressed wire name (labels only).
void lower_name(std::span<const uint8_t> name, uint8_t *out);

// Case-insensitive equality of two uncompressed wire names.
bool names_equal_ci(std::span<const uint8_t> a, std::span<const uint8_t> b);

// Number of labels of an uncompressed wire name, root excluded ("." is 0).
size_t name_label_count(std::span<const uint8_t> name);

// Is `name` equal to `suffix` or below it? Both uncompressed and lowercase.
bool name_is_subdomain(std::span<const uint8_t> name, std::span<const uint8_t> suffix);

inline std::string_view as_key(std::span<const uint8_t> name)
{
	return {reinterpret_cast<const char *>(name.data()), name.size()};
}

}  // namespace xdpdns::dns
