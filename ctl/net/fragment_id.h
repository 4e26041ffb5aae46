// Unpredictable IP fragment identifications (RFC 7739; RFC 8200 4.5 asks
// for IDs an off-path attacker cannot guess, or fragments can be spoofed
// into a reassembly): SipHash-2-4 under a secret key over the destination
// address and a per-generator counter.
#pragma once

#include <cstdint>

#include "net/address.h"
#include "xdpdns/abi.h"

namespace xdpdns::net {

// Not thread-safe: one generator per worker thread.
class FragmentIdGenerator {
public:
	// Random key from getrandom(). Throws std::system_error if the kernel
	// refuses (start-up only; never on the packet path).
	FragmentIdGenerator();
	// Given key (tests, or a key shared by design).
	explicit FragmentIdGenerator(const xdpdns_siphash_key &key) : key_(key) {}

	// The next ID for a datagram to `dst`; IPv4 uses the low 16 bits.
	uint32_t next(const IpAddress &dst);

private:
	xdpdns_siphash_key key_;
	uint64_t counter_ = 0;
};

}  // namespace xdpdns::net
