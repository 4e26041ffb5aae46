// The NSEC3 hash of a name (RFC 5155 section 5): SHA-1 over the canonical
// (lowercase, uncompressed) wire name and the salt, then `iterations` more
// times over the previous digest and the salt. Used per query, so it works
// on the stack only: OpenSSL's low-level SHA1_Init/Update/Final keep their
// state in a caller's struct and never allocate (the EVP interface may).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace xdpdns::dns {

inline constexpr size_t nsec3_sha1_len = 20;
inline constexpr uint8_t nsec3_alg_sha1 = 1;
inline constexpr uint8_t nsec3_flag_opt_out = 0x01;

using Nsec3Hash = std::array<uint8_t, nsec3_sha1_len>;

// lower_name: lowercase uncompressed wire name.
Nsec3Hash nsec3_hash(std::span<const uint8_t> lower_name, std::span<const uint8_t> salt,
		     uint16_t iterations);

// Decodes the first label of an NSEC3 owner name (base32hex without
// padding, RFC 4648 section 7, either case) into out; false when it is not
// exactly the 32 characters of a SHA-1 hash.
bool nsec3_owner_hash(std::span<const uint8_t> owner, Nsec3Hash &out);

}  // namespace xdpdns::dns
