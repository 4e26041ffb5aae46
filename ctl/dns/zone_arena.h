// ZoneArena: the bytes of a zone (owner names, RDATA) in large blocks taken
// from the kernel with mmap and given back with munmap when the zone goes,
// so that a reload returns the old zone's memory at once, whatever malloc
// keeps. Bump allocation; nothing is freed before the arena.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace xdpdns::dns {

class ZoneArena {
public:
	ZoneArena() = default;
	ZoneArena(const ZoneArena &) = delete;
	ZoneArena &operator=(const ZoneArena &) = delete;
	ZoneArena(ZoneArena &&other) noexcept;
	ZoneArena &operator=(ZoneArena &&other) noexcept;
	~ZoneArena() { release(); }

	// n bytes (n > 0), uninitialised, valid until the arena is released.
	// Throws std::bad_alloc when the kernel refuses memory.
	uint8_t *allocate(size_t n)
	{
		if (n > left_)
			new_block(n);
		uint8_t *p = cur_;
		cur_ += n;
		left_ -= n;
		return p;
	}

	uint8_t *copy(const uint8_t *data, size_t n);
	void release();

	size_t bytes_mapped() const { return mapped_; }

	// Blocks start small (a zone of ten records stays small) and double up
	// to max_block; blocks of 4 MiB and more are given transparent huge
	// pages, which spares most page faults while a large zone loads.
	static constexpr size_t first_block = 64u << 10;
	static constexpr size_t max_block = 16u << 20;

private:
	struct Block {
		void *base;
		size_t size;
	};
	void new_block(size_t at_least);

	std::vector<Block> blocks_;
	uint8_t *cur_ = nullptr;
	size_t left_ = 0;
	size_t mapped_ = 0;
	size_t next_size_ = first_block;
};

// madvise(MADV_HUGEPAGE) on the whole 2 MiB pages inside [p, p + n): for
// large arrays being built, where 4 KiB page faults dominate.
void advise_huge_pages(const void *p, size_t n);

}  // namespace xdpdns::dns
