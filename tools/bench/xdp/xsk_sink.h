// An AF_XDP socket that takes whatever is redirected to it, for the redirect
// paths: a veth pair in the current network namespace (the caller makes a
// private one), an XSK in copy mode on queue 0 of its first end (no program
// loaded by libxdp: the xdpdns object owns the XSKMAP), and a thread that
// hands every received frame straight back to the fill ring and counts it.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

struct xsk_socket;
struct xsk_umem;

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

	std::uint32_t ifindex() const { return ifindex_; }
	int socket_fd() const;
	std::uint64_t received() const { return received_.load(std::memory_order_relaxed); }
	// Frames the kernel could not deliver (XDP_STATISTICS: rx_dropped +
	// rx_ring_full + rx_fill_ring_empty_descs).
	std::uint64_t kernel_drops() const;

private:
	void drain();
	void teardown();

	struct Rings;
	std::string dev_;
	std::uint32_t ifindex_ = 0;
	bool veth_made_ = false;
	void *area_ = nullptr;
	std::size_t area_size_ = 0;
	xsk_umem *umem_ = nullptr;
	xsk_socket *xsk_ = nullptr;
	Rings *rings_ = nullptr;
	std::atomic<bool> stop_{false};
	std::atomic<std::uint64_t> received_{0};
	std::thread thread_;
};

} // namespace xdpdns::bench
