// Cookie keys and cookies in userspace: random keys from getrandom(), the
// fleet key file, the epoch clock, and C++ wrappers over include/xdpdns/cookie.h
// (the very code the XDP program runs).
//
// Fleet key file: one key line, '#' starts a comment, blank lines ignored.
// The line is either
//   * 32 hex digits: the 16 key octets, as in the SipHash paper (k0 is the
//     little-endian word of octets 0..7, k1 of octets 8..15), or
//   * "k0 k1": two 64-bit words of 16 hex digits each (optional 0x prefix).
// An all-zero key is refused. Every server of a fleet behind ECMP/anycast
// loads the same file, so any of them validates the others' cookies.
#pragma once

#include "result.h"

#include <xdpdns/abi.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace xdpdns {

// Fills buf from getrandom() (blocking until the pool is initialised).
Result<void> random_bytes(void *buf, std::size_t len);
Result<xdpdns_siphash_key> random_key();
// Three random slots, current = 0, generation = 0 (what attach writes).
Result<xdpdns_keys> random_keys();

// Parses the fleet key format above; `source` names the file in errors.
Result<xdpdns_siphash_key> parse_fleet_key(std::string_view text, std::string_view source);
Result<xdpdns_siphash_key> load_fleet_key_file(const std::string &path);

// Cookie epochs. The XDP program reads the epoch number from
// config.cookie_epoch, which userspace publishes: CLOCK_REALTIME seconds /
// epoch_s (not CLOCK_TAI: hosts of a fleet may differ in their TAI offset,
// never in UTC). epoch_s 0 means the default, 64.
std::uint64_t realtime_ns();
std::uint32_t epoch_of(std::uint64_t realtime_ns, std::uint32_t epoch_s);
std::uint32_t now_epoch(std::uint32_t epoch_s);
// Milliseconds from `realtime_ns` until the next epoch begins (at least 1).
std::uint64_t ms_to_next_epoch(std::uint64_t realtime_ns, std::uint32_t epoch_s);

// The connection as the client sent it. Addresses are 16 octets in network
// order (IPv4 as ::ffff:a.b.c.d); ports in HOST order.
struct CookieTuple {
	std::array<std::uint8_t, 16> client_addr{};
	std::array<std::uint8_t, 16> server_addr{};
	std::uint16_t client_port = 0;
	std::uint16_t server_port = 0;
};

xdpdns_cookie_input cookie_input(const CookieTuple &t, std::uint32_t epoch, std::uint32_t mss_index);

// The ISN of our SYN-ACK for a client that announced `client_mss`.
std::uint32_t make_cookie(const xdpdns_siphash_key &key, const CookieTuple &t,
			  std::uint32_t epoch, std::uint32_t client_mss);
// The client MSS (rounded down to the table) if `cookie` is valid under the
// current or previous key for this or the previous epoch, else 0.
std::uint32_t check_cookie(const xdpdns_keys &keys, const CookieTuple &t, std::uint32_t cookie,
			   std::uint32_t now_epoch);

// SipHash-2-4 of whole little-endian 64-bit words; at most 8 (aborts otherwise).
std::uint64_t siphash24(const xdpdns_siphash_key &key, std::span<const std::uint64_t> words);

}  // namespace xdpdns
