#include "common/secure_random.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace xdpdns {

void SecureRandom::refill()
{
	std::size_t got = 0;
	while (got < batch) {
		const ssize_t n = getrandom(buf_.data() + got, batch - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			// Only a seccomp filter or a pre-3.17 kernel gets here. Going
			// on with guessable IDs would hide the fault: stop loudly.
			std::fprintf(stderr, "xdpdns: getrandom failed: %s\n", std::strerror(errno));
			std::abort();
		}
		got += static_cast<std::size_t>(n);
	}
	used_ = 0;
}

void SecureRandom::take(void *out, std::size_t len)
{
	if (batch - used_ < len)
		refill();
	std::memcpy(out, buf_.data() + used_, len);
	used_ += len;
}

std::uint16_t SecureRandom::u16()
{
	std::uint16_t v;
	take(&v, sizeof v);
	return v;
}

std::uint32_t SecureRandom::u32()
{
	std::uint32_t v;
	take(&v, sizeof v);
	return v;
}

std::uint32_t SecureRandom::below(std::uint32_t n)
{
	// 2^32 mod n values at the bottom would make the low results more
	// likely; draw again on those (for n <= 1024, once in 4 million).
	const std::uint32_t reject_below = static_cast<std::uint32_t>(-n) % n;
	for (;;) {
		const std::uint32_t x = u32();
		if (x >= reject_below)
			return x % n;
	}
}

}  // namespace xdpdns
