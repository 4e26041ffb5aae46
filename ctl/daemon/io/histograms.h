// A worker's histograms for the metrics endpoint: answer sizes (UDP, TCP)
// and TCP segments per answer. Fixed buckets, one writer (the worker) and
// any number of readers (the metrics thread): relaxed atomic loads and
// stores, no lock, no allocation, as the dstats counters.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace xdpdns::daemon {

// Upper bounds (le) of the finite buckets; +Inf follows. Sizes: the classic
// 512 of plain DNS, 1232/1472 (the EDNS and ATR payload limits of IPv6 and
// IPv4), 4096 (the usual EDNS buffer); segments: 1..4 as the common case,
// then powers of two.
inline constexpr std::array<std::uint64_t, 7> kAnswerSizeBounds = {64, 128, 256, 512, 1232, 1472, 4096};
inline constexpr std::array<std::uint64_t, 6> kTcpSegmentBounds = {1, 2, 3, 4, 8, 16};

template <std::size_t N>
class Histogram {
public:
	static constexpr std::size_t kBuckets = N + 1;  // the last is +Inf

	explicit Histogram(const std::array<std::uint64_t, N> &bounds) : bounds_(bounds) {}

	void observe(std::uint64_t v)
	{
		std::size_t i = 0;
		while (i < N && v > bounds_[i])
			i++;
		bump(buckets_[i], 1);
		bump(sum_, v);
	}

	// Non-cumulative counts per bucket (the last: above every bound).
	struct Snapshot {
		std::array<std::uint64_t, kBuckets> buckets{};
		std::uint64_t sum = 0;
	};
	Snapshot read() const
	{
		Snapshot s;
		for (std::size_t i = 0; i < kBuckets; i++)
			s.buckets[i] = __atomic_load_n(&buckets_[i], __ATOMIC_RELAXED);
		s.sum = __atomic_load_n(&sum_, __ATOMIC_RELAXED);
		return s;
	}
	const std::array<std::uint64_t, N> &bounds() const { return bounds_; }

private:
	// One writer: a load and a store, no locked read-modify-write.
	static void bump(std::uint64_t &c, std::uint64_t n)
	{
		__atomic_store_n(&c, __atomic_load_n(&c, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
	}

	std::array<std::uint64_t, N> bounds_;
	std::array<std::uint64_t, kBuckets> buckets_{};
	std::uint64_t sum_ = 0;
};

using SizeHistogram = Histogram<kAnswerSizeBounds.size()>;
using SegmentHistogram = Histogram<kTcpSegmentBounds.size()>;

struct AnswerHistograms {
	SizeHistogram udp_size{kAnswerSizeBounds};     // DNS message octets of each UDP answer sent
	SizeHistogram tcp_size{kAnswerSizeBounds};     // DNS message octets of each TCP answer (no length prefix)
	SegmentHistogram tcp_segments{kTcpSegmentBounds};  // segments each TCP answer's octets span

	// A TCP answer of `size` octets sent in segments of `segment_size`:
	// its two-octet length and message cut at that size.
	void observe_tcp(std::size_t size, std::uint32_t segment_size)
	{
		tcp_size.observe(size);
		if (segment_size)
			tcp_segments.observe((size + 2 + segment_size - 1) / segment_size);
	}
};

}  // namespace xdpdns::daemon
