#include "net/fragment_id.h"

#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "xdpdns/cookie.h"

namespace xdpdns::net {

FragmentIdGenerator::FragmentIdGenerator()
{
	uint8_t buf[sizeof(key_)];
	size_t got = 0;
	while (got < sizeof(buf)) {
		const ssize_t n = getrandom(buf + got, sizeof(buf) - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			throw std::system_error(errno, std::generic_category(),
						"getrandom for the fragment ID key");
		}
		got += static_cast<size_t>(n);
	}
	std::memcpy(&key_, buf, sizeof(key_));
}

uint32_t FragmentIdGenerator::next(const IpAddress &dst)
{
	xdpdns_word_t words[3];
	std::memcpy(&words[0], dst.bytes.data(), 8);
	std::memcpy(&words[1], dst.bytes.data() + 8, 8);
	words[2] = counter_++;
	return static_cast<uint32_t>(xdpdns_siphash_words(&key_, words, 3));
}

}  // namespace xdpdns::net
