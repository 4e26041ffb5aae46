#include "daemon/cookies/cookie_secret_store.h"

namespace xdpdns::daemon {

void CookieSecretStore::publish(const dns::CookieSecrets &s)
{
	const std::uint32_t seq = seq_.load(std::memory_order_relaxed);
	seq_.store(seq + 1, std::memory_order_relaxed);  // odd: being written
	std::atomic_thread_fence(std::memory_order_release);
	unsigned w = 0;
	words_[w++].store(s.current.k0, std::memory_order_relaxed);
	words_[w++].store(s.current.k1, std::memory_order_relaxed);
	for (const auto &k : s.accepted) {
		words_[w++].store(k.k0, std::memory_order_relaxed);
		words_[w++].store(k.k1, std::memory_order_relaxed);
	}
	words_[w].store(s.accepted_count, std::memory_order_relaxed);
	seq_.store(seq + 2, std::memory_order_release);
}

dns::CookieSecrets CookieSecretStore::load() const
{
	dns::CookieSecrets s;
	for (;;) {
		const std::uint32_t before = seq_.load(std::memory_order_acquire);
		unsigned w = 0;
		s.current.k0 = words_[w++].load(std::memory_order_relaxed);
		s.current.k1 = words_[w++].load(std::memory_order_relaxed);
		for (auto &k : s.accepted) {
			k.k0 = words_[w++].load(std::memory_order_relaxed);
			k.k1 = words_[w++].load(std::memory_order_relaxed);
		}
		s.accepted_count = static_cast<std::uint8_t>(words_[w].load(std::memory_order_relaxed));
		std::atomic_thread_fence(std::memory_order_acquire);
		if (!(before & 1) && seq_.load(std::memory_order_relaxed) == before)
			return s;
	}
}

}  // namespace xdpdns::daemon
