#include "xsk_sink.h"

#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <linux/if_xdp.h>
#include <xdp/xsk.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "xsk_rig.h" // run_command

namespace xdpdns::bench {

namespace {

constexpr std::uint32_t kFrames = XskSink::kRingFrames;
constexpr std::uint32_t kFrameSize = XSK_UMEM__DEFAULT_FRAME_SIZE;
constexpr std::uint32_t kBatch = 256;

std::runtime_error failure(const std::string &what, int err)
{
	if (err < 0)
		err = -err;
	return std::runtime_error(what + ": " + std::strerror(err));
}

} // namespace

struct XskSink::Rings {
	xsk_ring_prod fill;
	xsk_ring_cons comp;
	xsk_ring_cons rx;
	xsk_ring_prod tx;
};

XskSink::XskSink(const std::string &dev, const std::string &peer, int drain_cpu)
	: dev_(dev), rings_(new Rings{})
{
	using xdpdns::test::run_command;
	try {
		if (run_command({"ip", "link", "add", dev, "type", "veth", "peer", "name", peer}) != 0)
			throw std::runtime_error("ip link add " + dev + " type veth peer name " + peer + " failed");
		veth_made_ = true;
		for (const std::string &d : {dev, peer})
			if (run_command({"ip", "link", "set", d, "up"}) != 0)
				throw std::runtime_error("ip link set " + d + " up failed");
		ifindex_ = if_nametoindex(dev.c_str());
		if (!ifindex_)
			throw failure("if_nametoindex " + dev, errno);

		area_size_ = static_cast<std::size_t>(kFrames) * kFrameSize;
		area_ = mmap(nullptr, area_size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (area_ == MAP_FAILED) {
			area_ = nullptr;
			throw failure("mmap UMEM area (" + std::to_string(area_size_) + " octets)", errno);
		}
		xsk_umem_config ucfg{};
		ucfg.fill_size = kFrames;
		ucfg.comp_size = kFrames;
		ucfg.frame_size = kFrameSize;
		int err = xsk_umem__create(&umem_, area_, area_size_, &rings_->fill, &rings_->comp, &ucfg);
		if (err)
			throw failure("xsk_umem__create", err);

		xsk_socket_config scfg{};
		scfg.rx_size = kFrames;
		scfg.tx_size = 64;
		scfg.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD;
		scfg.bind_flags = XDP_COPY;
		err = xsk_socket__create(&xsk_, dev.c_str(), 0, umem_, &rings_->rx, &rings_->tx, &scfg);
		if (err)
			throw failure("xsk_socket__create on " + dev + " queue 0", err);

		__u32 idx = 0;
		if (xsk_ring_prod__reserve(&rings_->fill, kFrames, &idx) != kFrames)
			throw std::runtime_error("XSK fill ring: cannot reserve " + std::to_string(kFrames) + " entries");
		for (__u32 i = 0; i < kFrames; i++)
			*xsk_ring_prod__fill_addr(&rings_->fill, idx + i) = static_cast<__u64>(i) * kFrameSize;
		xsk_ring_prod__submit(&rings_->fill, kFrames);

		thread_ = std::thread([this] { drain(); });
		if (drain_cpu >= 0) {
			cpu_set_t set;
			CPU_ZERO(&set);
			CPU_SET(drain_cpu, &set);
			err = pthread_setaffinity_np(thread_.native_handle(), sizeof(set), &set);
			if (err)
				throw failure("pin the XSK drain thread to CPU " + std::to_string(drain_cpu), err);
		}
	} catch (...) {
		teardown();
		throw;
	}
}

// RX -> fill ring, frames untouched; sleeps in poll() while nothing comes.
void XskSink::drain()
{
	pollfd pfd{xsk_socket__fd(xsk_), POLLIN, 0};
	while (!stop_.load(std::memory_order_relaxed)) {
		__u32 rx_idx = 0, fill_idx = 0;
		const __u32 n = xsk_ring_cons__peek(&rings_->rx, kBatch, &rx_idx);
		if (n == 0) {
			if (poll(&pfd, 1, 50) < 0 && errno != EINTR) {
				std::fprintf(stderr, "poll on the XSK: %s\n", std::strerror(errno));
				return;
			}
			continue;
		}
		// Every frame is either in the fill ring or the RX ring: room exists.
		while (xsk_ring_prod__reserve(&rings_->fill, n, &fill_idx) != n)
			if (stop_.load(std::memory_order_relaxed))
				return;
		for (__u32 i = 0; i < n; i++)
			*xsk_ring_prod__fill_addr(&rings_->fill, fill_idx + i) =
				xsk_umem__extract_addr(xsk_ring_cons__rx_desc(&rings_->rx, rx_idx + i)->addr);
		xsk_ring_prod__submit(&rings_->fill, n);
		xsk_ring_cons__release(&rings_->rx, n);
		received_.fetch_add(n, std::memory_order_relaxed);
	}
}

int XskSink::socket_fd() const { return xsk_socket__fd(xsk_); }

std::uint64_t XskSink::kernel_drops() const
{
	xdp_statistics st{};
	socklen_t len = sizeof(st);
	if (getsockopt(socket_fd(), SOL_XDP, XDP_STATISTICS, &st, &len))
		throw failure("getsockopt XDP_STATISTICS", errno);
	return st.rx_dropped + st.rx_ring_full + st.rx_fill_ring_empty_descs;
}

void XskSink::teardown()
{
	stop_.store(true);
	if (thread_.joinable())
		thread_.join();
	if (xsk_)
		xsk_socket__delete(xsk_);
	xsk_ = nullptr;
	if (umem_)
		xsk_umem__delete(umem_);
	umem_ = nullptr;
	if (area_)
		munmap(area_, area_size_);
	area_ = nullptr;
	if (veth_made_) {
		try {
			xdpdns::test::run_command({"ip", "link", "del", dev_});
		} catch (const std::exception &e) {
			std::fprintf(stderr, "remove veth %s: %s\n", dev_.c_str(), e.what());
		}
	}
	veth_made_ = false;
	delete rings_;
	rings_ = nullptr;
}

XskSink::~XskSink() { teardown(); }

} // namespace xdpdns::bench
