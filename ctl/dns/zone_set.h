// The zones a server answers for. A ZoneSet is built once and never changed;
// a reload builds a new one and swaps the pointer.
//
// Sharing with worker threads: the daemon keeps a ZoneSetHandle
// (std::atomic<std::shared_ptr<const ZoneSet>>). A worker calls load() once
// per batch of packets and uses that snapshot for the whole batch; a reload
// calls store() with the new set. The old set is freed when the last batch
// using it drops its reference, so queries in flight never see a half-built
// or freed set. load() copies a shared_ptr (an atomic reference-count
// increment), it does not allocate.
#pragma once

#include <atomic>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "dns/zone.h"

namespace xdpdns::dns {

class ZoneSet {
public:
	// Fails when two zones have the same origin. `unavailable`: origins
	// (lowercase wire) of zones we are authoritative for but cannot answer
	// from: secondary zones expired or not transferred yet (SERVFAIL).
	static Result<std::shared_ptr<const ZoneSet>> build(std::vector<std::shared_ptr<const Zone>> zones,
							    std::vector<std::vector<uint8_t>> unavailable = {});

	// The zone whose origin is the longest suffix of the name (uncompressed,
	// lowercase), or nullptr when no zone contains it, or when the longest
	// match is an unavailable zone (then *unavailable is set, when given).
	const Zone *find(std::span<const uint8_t> lower_name, bool *unavailable = nullptr) const;

	const std::vector<std::shared_ptr<const Zone>> &zones() const { return zones_; }

private:
	std::vector<std::shared_ptr<const Zone>> zones_;
	std::vector<std::string> unavailable_;  // the keys of the nullptr entries
	std::unordered_map<std::string_view, const Zone *> by_origin_;  // nullptr: unavailable
};

class ZoneSetHandle {
public:
	ZoneSetHandle() = default;
	explicit ZoneSetHandle(std::shared_ptr<const ZoneSet> set) : set_(std::move(set)) {}

	std::shared_ptr<const ZoneSet> load() const { return set_.load(std::memory_order_acquire); }
	void store(std::shared_ptr<const ZoneSet> set) { set_.store(std::move(set), std::memory_order_release); }

private:
	std::atomic<std::shared_ptr<const ZoneSet>> set_;
};

}  // namespace xdpdns::dns
