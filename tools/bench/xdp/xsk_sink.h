// An AF_XDP socket that takes whatever is redirected to it, for the redirect
// paths: the test suite's XskRig (a veth pair in the current network
// namespace, which the caller makes private; an XSK in copy mode on queue 0
// of its first end, no program loaded by libxdp) and a thread that hands
// every received frame straight back to the fill ring and counts it.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "xsk_rig.h"

namespace xdpdns::bench {

class XskSink {
public:
	static constexpr std::uint32_t kRingFrames = 4096; // UMEM frames = fill ring = RX ring

	// Throws std::runtime_error naming the step that failed. drain_cpu < 0:
	// the drain thread is not pinned.
	XskSink(const std::string &dev, const std::string &peer, int drain_cpu);
	~XskSink();
	XskSink(const XskSink &) = delete;
	XskSink &operator=(const XskSink &) = delete;

	std::uint32_t ifindex() const { return rig_.ifindex(); }
	int socket_fd() const { return rig_.socket_fd(); }
	std::uint64_t received() const { return received_.load(std::memory_order_relaxed); }
	std::uint64_t kernel_drops() const { return rig_.kernel_drops(); }

private:
	void drain();
	void stop();

	xdpdns::test::XskRig rig_;
	std::atomic<bool> stop_{false};
	std::atomic<std::uint64_t> received_{0};
	std::thread thread_;
};

} // namespace xdpdns::bench
