// The `zone` backend: ctl/dns's zone answering (dns::answer,
// dns/zone_backend.h) behind the daemon's Backend interface. Authoritative
// answers from the zone files loaded in memory, synchronous, no allocation
// per query. The zone set is shared by all workers and swapped whole on
// reload (SIGHUP).
#pragma once

#include "daemon/backend.h"
#include "dns/zone_set.h"

#include <atomic>
#include <cstdint>
#include <memory>

namespace xdpdns::daemon {

class ZoneBackend final : public Backend {
public:
	ZoneBackend(const dns::ZoneSetHandle &zones, const std::uint32_t *edns_size)
		: zones_(zones), edns_size_(edns_size) {}

	// Takes the current zone set for the next batch of queries.
	void refresh() { snapshot_ = zones_.load(); }

	const void *answer_source() const override { return snapshot_.get(); }
	std::uint32_t rrl_class() const override { return rrl_class_; }

	Status resolve(const dns::Query &q, std::span<const std::uint8_t> msg, Transport t,
		       std::uint64_t tag, std::span<std::uint8_t> out, std::size_t &out_size) override;

private:
	const dns::ZoneSetHandle &zones_;
	const std::uint32_t *edns_size_;  // live knob (mmapped config), may be null
	std::shared_ptr<const dns::ZoneSet> snapshot_;
	std::uint32_t rrl_class_ = 0;  // of the last answer
};

}  // namespace xdpdns::daemon
