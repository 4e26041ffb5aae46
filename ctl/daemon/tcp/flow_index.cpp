#include "daemon/tcp/flow_index.h"

#include "xdpdns/cookie.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <sys/random.h>
#include <system_error>

namespace xdpdns::daemon::tcp {

FlowIndex::FlowIndex(size_t capacity)
{
	if (capacity == 0 || capacity > (size_t{1} << 30))
		throw std::invalid_argument("flow index: capacity must be in 1..2^30, got " +
					    std::to_string(capacity));
	size_t buckets = 2;
	while (buckets < 2 * capacity)  // load factor <= 1/2 keeps probes short
		buckets <<= 1;
	nodes_.resize(capacity);
	buckets_.assign(buckets, npos);
	mask_ = buckets - 1;
	for (size_t i = 0; i < capacity; i++)
		nodes_[i].next = i + 1 < capacity ? static_cast<uint32_t>(i + 1) : npos;
	free_ = 0;

	uint64_t key[2];
	if (getrandom(key, sizeof(key), 0) != static_cast<ssize_t>(sizeof(key)))
		throw std::system_error(errno, std::generic_category(),
					"flow index: getrandom for the bucket hash key");
	k0_ = key[0];
	k1_ = key[1];
}

uint32_t FlowIndex::hash_of(const FlowKey &key) const
{
	xdpdns_word_t words[5] = {};  // 36 octets of tuple, zero padded
	std::memcpy(words, key.client.data(), 16);
	std::memcpy(reinterpret_cast<uint8_t *>(words) + 16, key.server.data(), 16);
	std::memcpy(reinterpret_cast<uint8_t *>(words) + 32, &key.client_port, 2);
	std::memcpy(reinterpret_cast<uint8_t *>(words) + 34, &key.server_port, 2);
	const xdpdns_siphash_key k{k0_, k1_};
	return static_cast<uint32_t>(xdpdns_siphash_words(&k, words, 5));
}

size_t FlowIndex::bucket_of(uint32_t id) const
{
	size_t b = nodes_[id].hash & mask_;
	while (buckets_[b] != id)
		b = (b + 1) & mask_;
	return b;
}

uint32_t FlowIndex::find(const FlowKey &key) const
{
	for (size_t b = hash_of(key) & mask_;; b = (b + 1) & mask_) {
		uint32_t id = buckets_[b];
		if (id == npos)
			return npos;
		if (nodes_[id].key == key)
			return id;
	}
}

uint32_t FlowIndex::insert(const FlowKey &key, uint64_t now_ns)
{
	if (free_ == npos)
		return npos;
	uint32_t id = free_;
	free_ = nodes_[id].next;

	Node &n = nodes_[id];
	n.key = key;
	n.hash = hash_of(key);
	n.last_used_ns = now_ns;
	size_t b = n.hash & mask_;
	while (buckets_[b] != npos)
		b = (b + 1) & mask_;
	buckets_[b] = id;
	lru_push_head(id);
	size_++;
	return id;
}

void FlowIndex::remove(uint32_t id)
{
	// Backward-shift deletion: pull later members of the probe run into the
	// hole unless their home bucket lies cyclically in (hole, their slot].
	size_t hole = bucket_of(id);
	for (size_t j = (hole + 1) & mask_; buckets_[j] != npos; j = (j + 1) & mask_) {
		size_t home = nodes_[buckets_[j]].hash & mask_;
		if (((j - home) & mask_) >= ((j - hole) & mask_)) {
			buckets_[hole] = buckets_[j];
			hole = j;
		}
	}
	buckets_[hole] = npos;

	lru_unlink(id);
	nodes_[id].next = free_;
	free_ = id;
	size_--;
}

void FlowIndex::touch(uint32_t id, uint64_t now_ns)
{
	nodes_[id].last_used_ns = now_ns;
	if (lru_head_ == id)
		return;
	lru_unlink(id);
	lru_push_head(id);
}

void FlowIndex::lru_unlink(uint32_t id)
{
	Node &n = nodes_[id];
	if (n.prev != npos)
		nodes_[n.prev].next = n.next;
	else
		lru_head_ = n.next;
	if (n.next != npos)
		nodes_[n.next].prev = n.prev;
	else
		lru_tail_ = n.prev;
	n.prev = n.next = npos;
}

void FlowIndex::lru_push_head(uint32_t id)
{
	Node &n = nodes_[id];
	n.prev = npos;
	n.next = lru_head_;
	if (lru_head_ != npos)
		nodes_[lru_head_].prev = id;
	lru_head_ = id;
	if (lru_tail_ == npos)
		lru_tail_ = id;
}

}  // namespace xdpdns::daemon::tcp
