#include "veth_rig.h"

#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "xdp_pass.skel.h"

namespace xdpdns::test {

namespace {

constexpr const char *kServer = VethRig::kServerName;
constexpr const char *kClient = VethRig::kClientName;

std::runtime_error failure(const std::string &what, int err)
{
	return std::runtime_error(what + ": " + std::strerror(err));
}

void run(const std::string &cmd)
{
	// The child inherits this thread's network namespace.
	const int rc = std::system((cmd + " >/dev/null 2>&1").c_str());
	if (rc != 0)
		throw std::runtime_error("command failed (status " + std::to_string(rc) + "): " + cmd);
}

std::string mac_text(const Mac &m)
{
	char buf[18];
	std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

}  // namespace

VethRig::VethRig()
{
	original_ns_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (original_ns_ < 0)
		throw failure("open /proc/thread-self/ns/net", errno);
	if (unshare(CLONE_NEWNET) != 0) {
		const int err = errno;
		close(original_ns_);
		throw failure("unshare(CLONE_NEWNET)", err);
	}
	try {
		run(std::string("ip link add ") + kServer + " address " + mac_text(kServerMac) +
		    " type veth peer name " + kClient + " address " + mac_text(kClientMac));
		// No IPv6 autoconfiguration chatter on the capture.
		run(std::string("sysctl -qw net.ipv6.conf.") + kServer + ".disable_ipv6=1");
		run(std::string("sysctl -qw net.ipv6.conf.") + kClient + ".disable_ipv6=1");
		run(std::string("ip link set ") + kServer + " up");
		run(std::string("ip link set ") + kClient + " up");
		server_ifindex_ = if_nametoindex(kServer);
		client_ifindex_ = if_nametoindex(kClient);
		if (!server_ifindex_ || !client_ifindex_)
			throw failure("if_nametoindex(atrs0/atrc0)", errno);

		pass_ = xdp_pass_bpf__open_and_load();
		if (!pass_)
			throw failure("load xdp_pass.bpf.o", errno);
		if (int err = bpf_xdp_attach(static_cast<int>(client_ifindex_), bpf_program__fd(pass_->progs.xdp_pass),
					     XDP_FLAGS_DRV_MODE, nullptr))
			throw failure(std::string("attach xdp_pass to ") + kClient + " (native)", -err);

		packet_fd_ = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
		if (packet_fd_ < 0)
			throw failure("socket(AF_PACKET)", errno);
		const int on = 1;
		if (setsockopt(packet_fd_, SOL_PACKET, PACKET_AUXDATA, &on, sizeof on) != 0)
			throw failure("setsockopt(PACKET_AUXDATA)", errno);
		sockaddr_ll sll{};
		sll.sll_family = AF_PACKET;
		sll.sll_protocol = htons(ETH_P_ALL);
		sll.sll_ifindex = static_cast<int>(client_ifindex_);
		if (bind(packet_fd_, reinterpret_cast<sockaddr *>(&sll), sizeof sll) != 0)
			throw failure(std::string("bind AF_PACKET to ") + kClient, errno);
	} catch (...) {
		teardown();
		throw;
	}
}

VethRig::~VethRig() { teardown(); }

void VethRig::teardown()
{
	if (packet_fd_ >= 0)
		close(packet_fd_);
	packet_fd_ = -1;
	if (pass_)
		xdp_pass_bpf__destroy(pass_); // the XDP link goes with the veth
	pass_ = nullptr;
	if (original_ns_ >= 0) {
		// Back home: the private namespace loses its last reference.
		if (setns(original_ns_, CLONE_NEWNET) != 0)
			std::abort(); // a test thread stuck in a foreign namespace would corrupt the rest
		close(original_ns_);
	}
	original_ns_ = -1;
}

std::optional<Bytes> VethRig::receive(std::chrono::milliseconds timeout)
{
	const auto deadline = std::chrono::steady_clock::now() + timeout;
	for (;;) {
		const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
			deadline - std::chrono::steady_clock::now());
		if (left.count() <= 0)
			return std::nullopt;
		pollfd p{packet_fd_, POLLIN, 0};
		const int n = poll(&p, 1, static_cast<int>(left.count()));
		if (n < 0 && errno != EINTR)
			throw failure("poll AF_PACKET", errno);
		if (n <= 0)
			continue;

		Bytes frame(65536);
		sockaddr_ll from{};
		alignas(cmsghdr) std::uint8_t control[CMSG_SPACE(sizeof(tpacket_auxdata))];
		iovec iov{frame.data(), frame.size()};
		msghdr msg{};
		msg.msg_name = &from;
		msg.msg_namelen = sizeof from;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = control;
		msg.msg_controllen = sizeof control;
		const ssize_t len = recvmsg(packet_fd_, &msg, 0);
		if (len < 0)
			throw failure("recvmsg AF_PACKET", errno);
		frame.resize(static_cast<std::size_t>(len));
		if (from.sll_pkttype == PACKET_OUTGOING || frame.size() < 14 ||
		    !std::equal(kServerMac.begin(), kServerMac.end(), frame.begin() + 6))
			continue;
		for (cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA)
				continue;
			tpacket_auxdata aux;
			std::memcpy(&aux, CMSG_DATA(c), sizeof aux);
			if (aux.tp_status & TP_STATUS_VLAN_VALID) {
				const std::uint16_t tpid = (aux.tp_status & TP_STATUS_VLAN_TPID_VALID) ? aux.tp_vlan_tpid
													  : ETH_P_8021Q;
				const Bytes tag{std::uint8_t(tpid >> 8), std::uint8_t(tpid),
						std::uint8_t(aux.tp_vlan_tci >> 8), std::uint8_t(aux.tp_vlan_tci)};
				frame.insert(frame.begin() + 12, tag.begin(), tag.end());
			}
		}
		return frame;
	}
}

}  // namespace xdpdns::test
