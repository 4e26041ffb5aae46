#include "daemon/io/idle_closer.h"

#include "net/frame.h"

#include <arpa/inet.h>
#include <spdlog/spdlog.h>
#include <bpf/bpf.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace xdpdns::daemon {

namespace {
constexpr std::size_t kBatch = 1024;  // entries per lookup syscall
constexpr std::size_t kFrameMax = 128;
}  // namespace

bool idle_fin_due(const xdpdns_conn &c, std::uint64_t now_ns, std::uint64_t idle_ns)
{
	return c.state == XDPDNS_CONN_XDP_OPEN && c.snd_end != 0 && now_ns - c.seen_ns >= idle_ns &&
	       now_ns >= c.seen_ns;
}

bool fin_unanswered(const xdpdns_conn &c, std::uint64_t now_ns, std::uint64_t idle_ns)
{
	return c.state == XDPDNS_CONN_XDP_FIN && now_ns >= c.seen_ns && now_ns - c.seen_ns >= idle_ns;
}

net::ReplyTemplate idle_fin_template(const xdpdns_conn_key &k, const xdpdns_conn &c)
{
	net::ReplyTemplate t;
	std::copy_n(c.client_mac, 6, t.dst_mac.bytes.begin());
	std::copy_n(c.our_mac, 6, t.src_mac.bytes.begin());
	t.vlan_count = std::min<std::uint8_t>(c.vlan_count, static_cast<std::uint8_t>(t.vlan.size()));
	for (std::size_t i = 0; i < t.vlan_count; i++) {
		t.vlan[i].tpid = ntohs(c.vlan_tpid[i]);
		t.vlan[i].tci = ntohs(c.vlan_tci[i]);
	}
	std::copy_n(k.server_addr, 16, t.src.bytes.begin());
	std::copy_n(k.client_addr, 16, t.dst.bytes.begin());
	t.is_ipv6 = !t.dst.is_v4_mapped();
	t.sport = ntohs(k.server_port);
	t.dport = ntohs(k.client_port);
	return t;
}

IdleCloser::IdleCloser(int tcp_conns_fd, int ifindex)
	: map_fd_(tcp_conns_fd), ifindex_(ifindex), keys_(kBatch), values_(kBatch), frame_(kFrameMax)
{
	// Protocol 0: a socket that sends only, and receives nothing.
	sock_ = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (sock_ < 0)
		throw std::system_error(errno, std::generic_category(), "packet socket for idle FINs");
}

IdleCloser::~IdleCloser()
{
	if (sock_ >= 0)
		close(sock_);
}

void IdleCloser::warn_once(bool &warned, const char *what, int err)
{
	if (warned)
		return;
	warned = true;
	spdlog::warn("idle FINs (interface index {}): {}: {}; further failures not logged", ifindex_, what,
		     std::strerror(err));
}

bool IdleCloser::close_one(const xdpdns_conn_key &k, xdpdns_conn c, std::uint16_t window)
{
	const net::ReplyTemplate t = idle_fin_template(k, c);
	const std::size_t len =
		net::write_tcp(t, c.snd_end, c.req_end, net::kTcpFin | net::kTcpAck, window, {}, frame_);
	if (len == 0)
		return false;
	sockaddr_ll to{};
	to.sll_family = AF_PACKET;
	to.sll_ifindex = ifindex_;
	to.sll_halen = 6;
	std::copy_n(c.client_mac, 6, to.sll_addr);
	// Marked first: the client's answer to the FIN may come at once.
	c.state = XDPDNS_CONN_XDP_FIN;
	if (bpf_map_update_elem(map_fd_, &k, &c, BPF_EXIST) != 0)
		return false;  // gone meanwhile: nothing to close
	if (sendto(sock_, frame_.data(), len, 0, reinterpret_cast<const sockaddr *>(&to), sizeof(to)) < 0) {
		// As a lost FIN: the entry goes after another idle time-out.
		warn_once(send_warned_, "send on the packet socket", errno);
		return false;
	}
	return true;
}

std::size_t IdleCloser::sweep(std::uint64_t now_ns, std::uint64_t idle_ns, std::uint16_t window)
{
	std::size_t sent = 0;
	__u32 batch = 0;
	bool first = true;
	for (;;) {
		__u32 count = static_cast<__u32>(kBatch);
		const int r = bpf_map_lookup_batch(map_fd_, first ? nullptr : &batch, &batch, keys_.data(),
						   values_.data(), &count, nullptr);
		const int err = r ? errno : 0;
		first = false;
		for (__u32 i = 0; i < count; i++) {
			if (idle_fin_due(values_[i], now_ns, idle_ns)) {
				if (close_one(keys_[i], values_[i], window))
					sent++;
			} else if (fin_unanswered(values_[i], now_ns, idle_ns)) {
				// Our FIN had an idle time-out to be acknowledged: the
				// stateless rules take over (a late FIN gets its ACK).
				bpf_map_delete_elem(map_fd_, &keys_[i]);
			}
		}
		if (r != 0) {
			if (err != ENOENT)  // ENOENT: the end of the map
				warn_once(lookup_warned_, "batch lookup in tcp_conns", err);
			break;  // the rest next time
		}
	}
	return sent;
}

}  // namespace xdpdns::daemon
