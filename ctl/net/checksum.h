// Internet checksum (RFC 1071) for IPv4 headers and TCP/UDP segments.
//
// Sums are host-order numbers built from the big-endian 16-bit words of the
// data, so a folded result is stored with store_be16() as is.
#pragma once

#include <cstdint>
#include <span>

#include "net/address.h"

namespace xdpdns::net {

inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoUdp = 17;

// Adds `data` to the running one's-complement sum `sum` (start with 0).
// An odd-length chunk is padded with a zero octet, so when a message is
// summed in pieces every piece but the last must have an even length.
uint32_t csum_add(uint32_t sum, std::span<const uint8_t> data);

// Folds the carries of `sum` into 16 bits and complements it: the value to
// store in a checksum field. Summing data that already contains a correct
// checksum and folding gives 0.
uint16_t csum_fold(uint32_t sum);

// Header checksum of an IPv4 header (IHL*4 octets, options included); the
// checksum field itself (octets 10-11) is ignored, whatever it holds.
uint16_t ipv4_header_checksum(std::span<const uint8_t> header);
// True when the header's checksum field is correct.
bool ipv4_header_checksum_ok(std::span<const uint8_t> header);

// Sum of the TCP/UDP pseudo-header: for IPv4 (ipv6 == false) the last four
// octets of each mapped address, zero, protocol, 16-bit length (RFC 793/768);
// for IPv6 the full addresses, 32-bit length, next header (RFC 8200 8.1).
uint32_t pseudo_header_sum(const IpAddress &src, const IpAddress &dst, bool ipv6, uint8_t proto,
			   uint32_t l4_length);

// Checksum of a whole TCP or UDP segment (header and payload) whose checksum
// field is zero. UDP: a computed 0 is returned as 0xffff (RFC 768/8200),
// since 0 on the wire means "no checksum".
uint16_t transport_checksum(const IpAddress &src, const IpAddress &dst, bool ipv6, uint8_t proto,
			    std::span<const uint8_t> segment);

// Which forms of a received TCP/UDP checksum field are accepted.
enum class ChecksumForms {
	// Only a full checksum over the pseudo-header and the whole segment.
	full_only,
	// A full checksum, or the partial form a local sender leaves when it
	// offloads the checksum (veth, tap: CHECKSUM_PARTIAL): the field holds
	// the folded pseudo-header sum, not inverted, and covers no segment
	// octet (Linux: ~csum_tcpudp_magic(..., 0), ~csum_ipv6_magic(..., 0)).
	full_or_partial,
};

// True when the segment's checksum field is correct (in one of `forms`). A
// UDP checksum of 0 over IPv4 means "not computed" and is accepted; over
// IPv6 it is invalid.
bool transport_checksum_ok(const IpAddress &src, const IpAddress &dst, bool ipv6, uint8_t proto,
			   std::span<const uint8_t> segment, ChecksumForms forms = ChecksumForms::full_only);

}  // namespace xdpdns::net
