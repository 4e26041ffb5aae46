// This test's own check of the two checksums a TC=1 answer carries (IPv4
// header, UDP over the pseudo-header): RFC 1071 sums written out here, so a
// shared mistake in the program or the packet builder cannot hide.
#pragma once

#include <string>

#include "net_types.h"

namespace xdpdns::test {

// Empty when the frame (Ethernet, VLAN tags, IPv4 without options or IPv6
// without extension headers, UDP) has a right IPv4 header checksum and a
// right, non-zero UDP checksum; otherwise what is wrong.
std::string udp_checksum_problem(const Bytes &frame);

}  // namespace xdpdns::test
