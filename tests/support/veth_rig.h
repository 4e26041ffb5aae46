// A private network namespace with one veth pair, for sending frames for
// real: `server` is where the code under test transmits (xdpdns_atr's XDP_TX
// in live-frames mode, the daemon's AF_XDP socket), `client` its peer, which runs the pass-through XDP program (a veth
// hands XDP-transmitted frames only to a peer running XDP) and an AF_PACKET
// socket that captures what arrives.
//
// The namespace is anonymous (unshare(CLONE_NEWNET) on the calling thread),
// so names cannot clash with other tests and nothing outlives the rig: when
// the destructor returns the thread to its original namespace, the last
// reference goes and the kernel removes the namespace with both veths, also
// after a failed assertion. The calling thread must stay the same for the
// rig's lifetime (GoogleTest runs a test on one thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "net_types.h"

struct xdp_pass_bpf;

namespace xdpdns::test {

class VethRig {
public:
	static inline const Mac kServerMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x53};
	static inline const Mac kClientMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};

	// Throws std::runtime_error naming the step that failed.
	VethRig();
	~VethRig();
	VethRig(const VethRig &) = delete;
	VethRig &operator=(const VethRig &) = delete;

	static constexpr const char *kServerName = "atrs0";
	static constexpr const char *kClientName = "atrc0";

	std::uint32_t server_ifindex() const { return server_ifindex_; }
	std::uint32_t client_ifindex() const { return client_ifindex_; }

	// The next frame the client side received from the server's MAC within
	// `timeout` (VLAN tag the kernel moved to metadata put back in place),
	// or nothing.
	std::optional<Bytes> receive(std::chrono::milliseconds timeout);

private:
	void teardown();

	int original_ns_ = -1;
	std::uint32_t server_ifindex_ = 0, client_ifindex_ = 0;
	xdp_pass_bpf *pass_ = nullptr;
	int packet_fd_ = -1;
};

}  // namespace xdpdns::test
