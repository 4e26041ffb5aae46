// Internet checksums computed independently of the XDP program's code: a plain
// loop over 16-bit words (RFC 1071), and verifiers that parse a whole frame on
// their own to check the IPv4 header, TCP, UDP and ICMP checksums in it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "net_types.h"

namespace xdpdns::test {

// One's-complement sum of `len` octets as big-endian 16-bit words (an odd
// last octet is padded with zero), added to `sum`, not folded.
std::uint32_t sum16(const std::uint8_t *data, std::size_t len, std::uint32_t sum = 0);

// Folds a running sum and complements it: the value for a checksum field.
std::uint16_t fold_complement(std::uint32_t sum);

// Checksum of `data` (with its checksum field zeroed by the caller).
std::uint16_t inet_checksum(const std::uint8_t *data, std::size_t len, std::uint32_t sum = 0);

// Pseudo-header sums (RFC 793 / RFC 8200 section 8.1).
std::uint32_t pseudo_sum_v4(const Ip4 &src, const Ip4 &dst, std::uint8_t proto, std::uint32_t len);
std::uint32_t pseudo_sum_v6(const Ip6 &src, const Ip6 &dst, std::uint8_t proto, std::uint32_t len);

// What the verifier found in one frame.
struct ChecksumReport {
	bool parsed = false;     // frame understood down to L4 (or to IP for other protocols)
	bool has_ipv4 = false;
	bool ipv4_ok = false;    // IPv4 header checksum
	bool has_l4 = false;     // TCP, UDP, ICMP or ICMPv6 with a checksum to check
	bool l4_ok = false;
	std::string detail;      // what was checked or why parsing stopped

	// True when every checksum present is right.
	bool all_ok() const { return parsed && (!has_ipv4 || ipv4_ok) && (!has_l4 || l4_ok); }
};

// Parses Ethernet, VLAN tags, IPv4/IPv6 (with extension headers) and verifies
// every checksum, over the IP packet only (Ethernet padding ignored). A UDP
// checksum of 0 in IPv4 means "none" and counts as right.
ChecksumReport verify_checksums(const Bytes &frame);

} // namespace xdpdns::test
