// The DNS Cookie secrets in force (dns/dns_cookie.h), shared by the main
// thread, which publishes them at start and at each rotation, and the
// workers, which load a copy once per batch. A sequence lock over atomic
// words: a load never blocks the writer and never waits on a lock; it
// retries in the rare case that a publish ran meanwhile.
#pragma once

#include "dns/dns_cookie.h"

#include <atomic>
#include <cstdint>

namespace xdpdns::daemon {

class CookieSecretStore {
public:
	// One writer at a time (the daemon's main thread).
	void publish(const dns::CookieSecrets &s);
	dns::CookieSecrets load() const;

private:
	static constexpr unsigned kWords = 2 + 2 * dns::CookieSecrets::kMaxAccepted + 1;
	std::atomic<std::uint32_t> seq_{0};
	std::atomic<std::uint64_t> words_[kWords] = {};
};

}  // namespace xdpdns::daemon
