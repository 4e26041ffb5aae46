#include "peer_tap.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "xdp_pass.skel.h"

namespace xdpdns::test {

namespace {
std::runtime_error failure(const std::string &what, int err)
{
	if (err < 0)
		err = -err;
	return std::runtime_error(what + ": " + std::strerror(err));
}
} // namespace

PeerTap::PeerTap(const std::string &ifname) : ifname_(ifname)
{
	try {
		ifindex_ = if_nametoindex(ifname.c_str());
		if (!ifindex_)
			throw failure("if_nametoindex " + ifname, errno);
		auto *skel = xdp_pass_bpf__open_and_load();
		if (!skel)
			throw failure("load xdp_pass", errno);
		skel_ = skel;
		int err = bpf_xdp_attach(static_cast<int>(ifindex_), bpf_program__fd(skel->progs.xdp_pass),
					 XDP_FLAGS_DRV_MODE, nullptr);
		if (err)
			throw failure("attach xdp_pass to " + ifname, err);
		attached_ = true;
		sock_ = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
		if (sock_ < 0)
			throw failure("AF_PACKET socket", errno);
		sockaddr_ll sll{};
		sll.sll_family = AF_PACKET;
		sll.sll_protocol = htons(ETH_P_ALL);
		sll.sll_ifindex = static_cast<int>(ifindex_);
		if (bind(sock_, reinterpret_cast<sockaddr *>(&sll), sizeof(sll)))
			throw failure("bind AF_PACKET socket to " + ifname, errno);
	} catch (...) {
		release();
		throw;
	}
}

PeerTap::~PeerTap() { release(); }

void PeerTap::release()
{
	if (sock_ >= 0)
		close(sock_);
	sock_ = -1;
	if (attached_ && bpf_xdp_detach(static_cast<int>(ifindex_), XDP_FLAGS_DRV_MODE, nullptr))
		std::fprintf(stderr, "detach xdp_pass from %s failed\n", ifname_.c_str());
	attached_ = false;
	if (skel_)
		xdp_pass_bpf__destroy(static_cast<xdp_pass_bpf *>(skel_));
	skel_ = nullptr;
}

std::optional<Bytes> PeerTap::receive(const std::function<bool(const Bytes &)> &match, int timeout_ms)
{
	const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
	Bytes buf(65536);
	for (;;) {
		ssize_t n = recv(sock_, buf.data(), buf.size(), 0);
		if (n > 0) {
			Bytes frame(buf.begin(), buf.begin() + n);
			if (match(frame))
				return frame;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			throw failure("recv on " + ifname_, errno);
		auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
		if (left <= 0)
			return std::nullopt;
		pollfd p{sock_, POLLIN, 0};
		poll(&p, 1, static_cast<int>(left));
	}
}

} // namespace xdpdns::test
