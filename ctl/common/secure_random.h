// Unpredictable numbers for what an attacker must not guess: upstream query
// IDs, the upstream source socket, the ATR draw. A generator such as
// std::mt19937 gives its whole state away after 624 observed outputs; these
// come straight from the kernel's CSPRNG (getrandom()), fetched in batches
// into a buffer the object owns, so a draw costs neither a system call nor
// an allocation. Not thread-safe: one per worker.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace xdpdns {

class SecureRandom {
public:
	// Bytes fetched per getrandom() call. 256 is the most the kernel
	// promises to deliver whole and without EINTR once its pool is ready.
	static constexpr std::size_t batch = 256;

	// The buffer starts empty: the first draw fetches.
	SecureRandom() = default;

	std::uint16_t u16();
	std::uint32_t u32();
	// Uniform in [0, n) (rejection sampling: no modulo bias); n > 0.
	std::uint32_t below(std::uint32_t n);

private:
	// Copies the next len octets of the stream out (host byte order when
	// read as an integer).
	void take(void *out, std::size_t len);
	void refill();

	std::array<std::uint8_t, batch> buf_{};
	std::size_t used_ = batch;
};

}  // namespace xdpdns
