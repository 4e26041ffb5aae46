// BPF_PROG_TEST_RUN of one XDP program on one frame, `repeat` times, and the
// kernel's own timing: `duration` is the mean time of one iteration in ns,
// measured in the kernel around the program (no syscall, no copy-in/out).
// Shared by the tests' XdpRunner (live frames) and the XDP benchmark.
#pragma once

#include <cstdint>
#include <vector>

#include "net_types.h"

namespace xdpdns::test {

struct RunInput {
	std::uint32_t ingress_ifindex = 1; // loopback of the current namespace
	std::uint32_t rx_queue_index = 0;
	bool live = false;                 // BPF_F_TEST_XDP_LIVE_FRAMES: TX/REDIRECT/PASS really happen
};

struct RunOutput {
	std::uint32_t verdict = 0;  // non-live only; the last iteration's
	std::uint32_t duration_ns = 0;
};

// Throws std::runtime_error naming the program and the cause.
RunOutput run_prog(int prog_fd, const char *prog_name, const Bytes &frame, std::uint32_t repeat,
		   const RunInput &in);

// Sums over the CPUs of entries 0..count-1 of a per-CPU array of u64
// (the xdpdns object's `stats`).
std::vector<std::uint64_t> read_stats(int stats_fd, std::size_t count);

} // namespace xdpdns::test
