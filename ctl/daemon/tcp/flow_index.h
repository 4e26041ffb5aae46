// Fixed-capacity map FlowKey -> entry id in [0, capacity), with the entries
// kept in least-recently-used order. Open addressing with linear probing and
// backward-shift deletion (no tombstones), an intrusive LRU list and a free
// list: every operation is O(1) expected and nothing allocates after the
// constructor. Buckets are chosen by SipHash under a key drawn from
// getrandom(), so clients cannot pick ports that collide.
#pragma once

#include "daemon/tcp/flow_key.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace xdpdns::daemon::tcp {

class FlowIndex {
public:
	static constexpr uint32_t npos = UINT32_MAX;

	// Throws std::invalid_argument for capacity 0 or above 2^30,
	// std::system_error if getrandom() fails.
	explicit FlowIndex(size_t capacity);

	uint32_t find(const FlowKey &key) const;  // npos if absent
	// Adds `key` (absent, and size() < capacity()) as the most recent entry.
	uint32_t insert(const FlowKey &key, uint64_t now_ns);
	void remove(uint32_t id);
	void touch(uint32_t id, uint64_t now_ns);  // most recent, last use = now

	uint32_t oldest() const { return lru_tail_; }  // npos if empty
	uint64_t last_used(uint32_t id) const { return nodes_[id].last_used_ns; }
	const FlowKey &key(uint32_t id) const { return nodes_[id].key; }
	size_t size() const { return size_; }
	size_t capacity() const { return nodes_.size(); }
	size_t memory_bytes() const { return nodes_.size() * sizeof(Node) + buckets_.size() * sizeof(uint32_t); }

private:
	struct Node {
		FlowKey key;
		uint32_t hash = 0;
		uint32_t prev = npos, next = npos;  // LRU links; `next` links the free list too
		uint64_t last_used_ns = 0;
	};

	uint32_t hash_of(const FlowKey &key) const;
	size_t bucket_of(uint32_t id) const;
	void lru_unlink(uint32_t id);
	void lru_push_head(uint32_t id);

	std::vector<Node> nodes_;
	std::vector<uint32_t> buckets_;  // entry id or npos
	size_t mask_ = 0;
	uint64_t k0_ = 0, k1_ = 0;
	uint32_t lru_head_ = npos, lru_tail_ = npos, free_ = npos;
	size_t size_ = 0;
};

}  // namespace xdpdns::daemon::tcp
