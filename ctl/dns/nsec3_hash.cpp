#include "dns/nsec3_hash.h"

// SHA1_Init & co. are deprecated in OpenSSL 3 in favour of EVP, which may
// allocate a context per call; the low-level functions are still provided
// and are what a per-query hash without heap allocation needs.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

namespace xdpdns::dns {

Nsec3Hash nsec3_hash(std::span<const uint8_t> lower_name, std::span<const uint8_t> salt,
		     uint16_t iterations)
{
	Nsec3Hash h;
	SHA_CTX ctx;
	SHA1_Init(&ctx);
	SHA1_Update(&ctx, lower_name.data(), lower_name.size());
	SHA1_Update(&ctx, salt.data(), salt.size());
	SHA1_Final(h.data(), &ctx);
	for (uint32_t i = 0; i < iterations; i++) {
		SHA1_Init(&ctx);
		SHA1_Update(&ctx, h.data(), h.size());
		SHA1_Update(&ctx, salt.data(), salt.size());
		SHA1_Final(h.data(), &ctx);
	}
	return h;
}

bool nsec3_owner_hash(std::span<const uint8_t> owner, Nsec3Hash &out)
{
	constexpr size_t chars = nsec3_sha1_len * 8 / 5;  // 32
	if (owner.size() < 1 + chars || owner[0] != chars)
		return false;
	uint64_t acc = 0;
	unsigned bits = 0;
	size_t n = 0;
	for (size_t i = 1; i <= chars; i++) {
		uint8_t c = owner[i];
		unsigned v;
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'v')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'V')
			v = c - 'A' + 10;
		else
			return false;
		acc = (acc << 5) | v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = static_cast<uint8_t>(acc >> bits);
		}
	}
	return n == nsec3_sha1_len;
}

}  // namespace xdpdns::dns
