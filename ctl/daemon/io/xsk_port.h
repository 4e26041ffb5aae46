// One AF_XDP socket bound to one RX queue, with its own UMEM: the frames the
// XDP program redirects arrive here and the daemon's answers leave here.
//
// UMEM layout: the first half of the frames feeds the fill ring (RX), the
// second half is a free list for TX. Received frames go straight back to the
// fill ring once handled (answers are written into TX frames), and TX frames
// come back through the completion ring. Nothing is allocated after create().
#pragma once

#include "common/result.h"

#include <xdp/xsk.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace xdpdns::daemon {

struct XskOptions {
	std::uint32_t frames = 4096;       // UMEM frames, half RX, half TX
	std::uint32_t frame_size = XSK_UMEM__DEFAULT_FRAME_SIZE;  // 4096
	std::uint32_t ring_size = 2048;    // each of fill/completion/rx/tx
	bool force_copy = false;           // XDP_COPY instead of trying zero-copy first
	// Busy polling (SO_PREFER_BUSY_POLL, SO_BUSY_POLL, SO_BUSY_POLL_BUDGET):
	// recvfrom()/sendto() on the socket run the queue's NAPI poll in the
	// calling thread. 0: off (interrupt/NAPI thread driven).
	std::uint32_t busy_poll_us = 0;
	std::uint32_t busy_poll_budget = 64;
};

// A received frame: the packet and what the XDP program put in front of it.
struct RxFrame {
	std::span<std::uint8_t> packet;
	std::uint8_t *meta_end;            // the metadata, if any, ends here (writable UMEM)
	std::uint64_t addr;                // UMEM address (for release)
};

class XskPort {
public:
	// Creates the UMEM and the socket on `ifname` queue `queue` (without
	// letting libxdp load a program) and registers it in `xsks_map_fd`.
	static Result<std::unique_ptr<XskPort>> create(const std::string &ifname, std::uint32_t queue,
						       int xsks_map_fd, const XskOptions &opts);
	~XskPort();
	XskPort(const XskPort &) = delete;
	XskPort &operator=(const XskPort &) = delete;

	int fd() const;
	std::uint32_t queue() const { return queue_; }
	bool zero_copy() const { return zero_copy_; }
	bool busy_poll() const { return opts_.busy_poll_us != 0; }

	// ---- RX ----
	// Up to `out.size()` received frames; give them back with rx_release().
	std::size_t rx_peek(std::span<RxFrame> out);
	void rx_release(std::span<const RxFrame> frames);

	// ---- TX ----
	// A free TX frame (empty span if none). Either queue it with tx_queue()
	// or return it with tx_abandon().
	std::span<std::uint8_t> tx_frame();
	void tx_abandon(const std::uint8_t *frame);
	void tx_abandon(std::span<std::uint8_t> frame) { tx_abandon(frame.data()); }
	// Queues frames (starts of UMEM frames from tx_frame(), with their lengths) on the
	// TX ring, all or none: false when the ring has no room for all of them
	// (the frames are then returned to the free list).
	bool tx_queue(std::span<std::uint8_t *const> frames, std::span<const std::uint32_t> lens);
	// Makes the kernel send what was queued (copy mode needs a syscall).
	// Nothing to do, no syscall: nothing queued since the ring was last
	// drained, or a zero-copy driver that needs no wakeup.
	void tx_kick();
	// Busy polling: one NAPI poll of the queue from this thread (also
	// takes the fill ring's frames). False on an error other than EAGAIN.
	bool rx_busy_poll();
	// Takes back the frames the kernel has sent.
	void reclaim();
	std::size_t tx_free() const { return free_.size(); }

	// Removes this socket from the XSKMAP (shutdown).
	void unregister();

private:
	XskPort() = default;
	std::uint64_t addr_of(const std::uint8_t *p) const;

	std::string ifname_;
	std::uint32_t queue_ = 0;
	int xsks_map_fd_ = -1;
	// The worker (on a fatal error) and shutdown may both unregister.
	std::atomic<bool> registered_{false};
	bool zero_copy_ = false;
	bool tx_unsent_ = false;           // frames queued since the last drain
	XskOptions opts_;
	void *area_ = nullptr;
	std::size_t area_size_ = 0;
	xsk_umem *umem_ = nullptr;
	xsk_socket *xsk_ = nullptr;
	xsk_ring_prod fill_{};
	xsk_ring_cons comp_{};
	xsk_ring_cons rx_{};
	xsk_ring_prod tx_{};
	std::vector<std::uint64_t> free_;  // TX frame addresses, preallocated
};

}  // namespace xdpdns::daemon
