// DNS IDs for forwarded queries. With a random ID per query an off-path
// attacker must guess it (and the question) to inject an answer; the
// generator is seeded from getrandom() so two workers or two runs never
// share a sequence.
#pragma once

#include "common/result.h"

#include <cstdint>
#include <random>

namespace xdpdns::daemon {

class QueryIdSource {
public:
	// Seeds a generator from getrandom(); fails only if the kernel cannot
	// supply random bytes.
	static Result<QueryIdSource> create();

	std::uint16_t next() { return static_cast<std::uint16_t>(rng_() >> 16); }

private:
	explicit QueryIdSource(std::seed_seq &seed) : rng_(seed) {}
	std::mt19937 rng_;
};

}  // namespace xdpdns::daemon
