// A real AF_XDP socket for redirect tests, inside a private network
// namespace that disappears with the test: a veth pair (several RX queues)
// and one XSK bound to a queue of its first end, without libxdp loading a
// program (the xdpdns object under test owns the XSKMAP).
//
//   PrivateNetns ns;                       // this thread only; restored in ~
//   XskRig rig("bpft0", "bpft1", 0);       // veth pair + XSK on queue 0
//   rig.register_in(runner.xsks_fd());     // xsks[0] = socket
//   runner.run(Prog::Main, frame, {rig.ifindex(), 0});
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "net_types.h"

struct xsk_socket;
struct xsk_umem;

namespace xdpdns::test {

// Runs argv (no shell) and returns its exit status; throws if it cannot run.
int run_command(const std::vector<std::string> &argv);

class PrivateNetns {
public:
	PrivateNetns();  // unshare(CLONE_NEWNET) for the calling thread
	~PrivateNetns(); // back to the namespace the thread had
	PrivateNetns(const PrivateNetns &) = delete;
	PrivateNetns &operator=(const PrivateNetns &) = delete;

private:
	int original_fd_ = -1;
};

class XskRig {
public:
	// Creates veth `dev`<->`peer` with `queues` RX/TX queues in the current
	// namespace, brings both up and binds an XSK (copy mode) to `dev` queue
	// `queue_id`, with `frames` UMEM frames (= fill, RX and TX ring size, a
	// power of two). Throws std::runtime_error naming the step that failed.
	XskRig(const std::string &dev, const std::string &peer, std::uint32_t queue_id,
	       unsigned queues = 2, std::uint32_t frames = 64);
	~XskRig();
	XskRig(const XskRig &) = delete;
	XskRig &operator=(const XskRig &) = delete;

	std::uint32_t ifindex() const { return ifindex_; }
	int socket_fd() const;
	// xsks[queue_id] = this socket (xsk_socket__update_xskmap).
	void register_in(int xsks_map_fd);

	// Gives every UMEM frame to the kernel (fill ring), so that it can
	// deliver frames to the RX ring.
	void fill_all();

	struct Received {
		Bytes frame;    // the descriptor's octets
		Bytes headroom; // the 32 octets in front of them in the UMEM frame (metadata)
	};
	// Takes one frame off the RX ring, if there is one.
	std::optional<Received> receive();
	// Hands up to `max` received frames straight back to the fill ring,
	// unread; returns how many (0: the RX ring is empty).
	std::uint32_t recycle(std::uint32_t max);
	// Frames the kernel could not deliver to this socket (XDP_STATISTICS:
	// rx_dropped + rx_ring_full + rx_fill_ring_empty_descs).
	std::uint64_t kernel_drops() const;

private:
	void teardown();

	std::string dev_;
	std::uint32_t frames_;
	std::uint32_t ifindex_ = 0;
	void *area_ = nullptr;
	std::size_t area_size_ = 0;
	xsk_umem *umem_ = nullptr;
	xsk_socket *xsk_ = nullptr;
	bool veth_made_ = false;
	// Rings live in libxdp structs; kept opaque here.
	struct Rings;
	Rings *rings_ = nullptr;
};

} // namespace xdpdns::test
