#include "daemon/upstream/query_id_source.h"

#include <sys/random.h>

#include <array>
#include <cerrno>

namespace xdpdns::daemon {

Result<QueryIdSource> QueryIdSource::create()
{
	std::array<std::uint32_t, 8> words{};
	auto *p = reinterpret_cast<unsigned char *>(words.data());
	size_t got = 0;
	while (got < sizeof words) {
		const ssize_t r = getrandom(p + got, sizeof words - got, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return sys_error(errno, "getrandom for the upstream query IDs");
		}
		got += static_cast<size_t>(r);
	}
	std::seed_seq seed(words.begin(), words.end());
	return QueryIdSource(seed);
}

}  // namespace xdpdns::daemon
