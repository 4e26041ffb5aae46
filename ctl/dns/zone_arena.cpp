#include "dns/zone_arena.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <utility>

namespace xdpdns::dns {

ZoneArena::ZoneArena(ZoneArena &&other) noexcept
	: blocks_(std::move(other.blocks_)), cur_(other.cur_), left_(other.left_), mapped_(other.mapped_),
	  next_size_(other.next_size_)
{
	other.blocks_.clear();
	other.cur_ = nullptr;
	other.left_ = other.mapped_ = 0;
}

ZoneArena &ZoneArena::operator=(ZoneArena &&other) noexcept
{
	if (this != &other) {
		release();
		blocks_ = std::move(other.blocks_);
		cur_ = other.cur_;
		left_ = other.left_;
		mapped_ = other.mapped_;
		next_size_ = other.next_size_;
		other.blocks_.clear();
		other.cur_ = nullptr;
		other.left_ = other.mapped_ = 0;
	}
	return *this;
}

void ZoneArena::new_block(size_t at_least)
{
	const size_t page = 4096;
	size_t size = std::max(next_size_, (at_least + page - 1) / page * page);
	next_size_ = std::min(next_size_ * 2, max_block);
	void *p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		throw std::bad_alloc();
	if (size >= (4u << 20))
		advise_huge_pages(p, size);
	blocks_.push_back({p, size});
	mapped_ += size;
	cur_ = static_cast<uint8_t *>(p);
	left_ = size;
}

uint8_t *ZoneArena::copy(const uint8_t *data, size_t n)
{
	uint8_t *p = allocate(n);
	std::memcpy(p, data, n);
	return p;
}

void ZoneArena::release()
{
	for (const Block &b : blocks_)
		munmap(b.base, b.size);
	blocks_.clear();
	cur_ = nullptr;
	left_ = mapped_ = 0;
	next_size_ = first_block;
}

void advise_huge_pages(const void *p, size_t n)
{
	constexpr uintptr_t huge = 2u << 20;
	const uintptr_t from = (reinterpret_cast<uintptr_t>(p) + huge - 1) & ~(huge - 1);
	const uintptr_t to = (reinterpret_cast<uintptr_t>(p) + n) & ~(huge - 1);
	if (to > from)
		(void)madvise(reinterpret_cast<void *>(from), to - from, MADV_HUGEPAGE);
}

}  // namespace xdpdns::dns
