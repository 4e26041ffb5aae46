// The far end of a veth, made able to receive XDP-transmitted frames (a veth
// hands them only to a peer running XDP: the project's xdp_pass program is
// attached) and read through a packet socket.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "net_types.h"

namespace xdpdns::test {

class PeerTap {
public:
	// Attaches xdp_pass (native mode) to `ifname` and opens an AF_PACKET
	// socket on it. Throws std::runtime_error naming the step that failed.
	explicit PeerTap(const std::string &ifname);
	~PeerTap();
	PeerTap(const PeerTap &) = delete;
	PeerTap &operator=(const PeerTap &) = delete;

	// The first frame received within `timeout_ms` for which `match` is
	// true (others, e.g. IPv6 neighbour discovery, are skipped).
	std::optional<Bytes> receive(const std::function<bool(const Bytes &)> &match, int timeout_ms);

private:
	void release();

	std::string ifname_;
	unsigned ifindex_ = 0;
	void *skel_ = nullptr;
	int sock_ = -1;
	bool attached_ = false;
};

} // namespace xdpdns::test
