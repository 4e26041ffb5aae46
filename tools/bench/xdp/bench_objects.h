// The benchmark's own BPF objects (bench_drop, bench_restore), loaded from
// their embedded skeletons and handed out as file descriptors.
#pragma once

namespace xdpdns::bench {

class BenchObjects {
public:
	// Opens and loads both objects; throws std::runtime_error naming the object.
	BenchObjects();
	~BenchObjects();
	BenchObjects(const BenchObjects &) = delete;
	BenchObjects &operator=(const BenchObjects &) = delete;

	int drop_prog() const { return drop_prog_; }       // returns XDP_DROP
	int restore_prog() const { return restore_prog_; } // restores the frame, tail-calls target[0]
	int original_map() const { return original_map_; } // struct bench_frame, key 0
	int target_map() const { return target_map_; }     // PROG_ARRAY, key 0

private:
	void *drop_ = nullptr;
	void *restore_ = nullptr;
	int drop_prog_ = -1, restore_prog_ = -1, original_map_ = -1, target_map_ = -1;
};

} // namespace xdpdns::bench
