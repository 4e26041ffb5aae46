// SYN cookies as userspace computes them: the shared include/xdpdns/cookie.h
// (the same code the XDP program compiles) fed from the test's own view of
// the tuple and the epoch.
#pragma once

#include <cstdint>

#include <xdpdns/cookie.h>

#include "net_types.h"

namespace xdpdns::test {

// Ports in host order here; the input stores them as on the wire.
xdpdns_cookie_input cookie_input(const Ip6 &client, const Ip6 &server, std::uint16_t client_port,
				 std::uint16_t server_port, std::uint32_t epoch, std::uint32_t mss_index);

std::uint32_t make_cookie(const xdpdns_siphash_key &key, const Ip6 &client, const Ip6 &server,
			  std::uint16_t client_port, std::uint16_t server_port, std::uint32_t epoch,
			  std::uint32_t mss_index);

// An independent source to hold the shared code to: SipHash-2-4 of an octet
// string as the paper's reference code computes it (byte by byte, not
// cookie.h's word interface), and the cookie built from the message the ABI
// documents (17 octets for the IPv4 form, 41 for IPv6), octet by octet.
std::uint64_t reference_siphash24(const xdpdns_siphash_key &key, const std::uint8_t *msg, std::size_t len);
std::uint32_t reference_cookie(const xdpdns_siphash_key &key, const Ip6 &client, const Ip6 &server,
			       std::uint16_t client_port, std::uint16_t server_port, std::uint32_t epoch,
			       std::uint32_t mss_index, bool v4_form);

} // namespace xdpdns::test
