#include "xsk_rig.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/if_xdp.h>
#include <xdp/xsk.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

extern char **environ;

namespace xdpdns::test {

namespace {

std::runtime_error failure(const std::string &what, int err)
{
	if (err < 0)
		err = -err;
	return std::runtime_error(what + ": " + std::strerror(err));
}

constexpr std::uint32_t kFrameSize = XSK_UMEM__DEFAULT_FRAME_SIZE;

} // namespace

int run_command(const std::vector<std::string> &argv)
{
	std::vector<char *> args;
	for (const std::string &a : argv)
		args.push_back(const_cast<char *>(a.c_str()));
	args.push_back(nullptr);
	pid_t pid;
	int err = posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ);
	if (err)
		throw failure("spawn " + argv[0], err);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			throw failure("wait for " + argv[0], errno);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

PrivateNetns::PrivateNetns()
{
	original_fd_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (original_fd_ < 0)
		throw failure("open /proc/thread-self/ns/net", errno);
	if (unshare(CLONE_NEWNET)) {
		int e = errno;
		close(original_fd_);
		throw failure("unshare(CLONE_NEWNET)", e);
	}
}

PrivateNetns::~PrivateNetns()
{
	// The private namespace (and every veth in it) goes away with its last
	// reference, which is this thread's.
	if (setns(original_fd_, CLONE_NEWNET))
		std::fprintf(stderr, "setns back to the original netns: %s\n", std::strerror(errno));
	close(original_fd_);
}

struct XskRig::Rings {
	xsk_ring_prod fill;
	xsk_ring_cons comp;
	xsk_ring_cons rx;
	xsk_ring_prod tx;
};

XskRig::XskRig(const std::string &dev, const std::string &peer, std::uint32_t queue_id, unsigned queues,
	       std::uint32_t frames)
	: dev_(dev), frames_(frames), rings_(new Rings{})
{
	try {
		const std::string q = std::to_string(queues);
		if (run_command({"ip", "link", "add", dev, "numtxqueues", q, "numrxqueues", q, "type", "veth",
				 "peer", "name", peer, "numtxqueues", q, "numrxqueues", q}) != 0)
			throw std::runtime_error("ip link add " + dev + " type veth peer " + peer + " failed");
		veth_made_ = true;
		for (const std::string &d : {dev, peer})
			if (run_command({"ip", "link", "set", d, "up"}) != 0)
				throw std::runtime_error("ip link set " + d + " up failed");
		ifindex_ = if_nametoindex(dev.c_str());
		if (!ifindex_)
			throw failure("if_nametoindex " + dev, errno);

		area_size_ = static_cast<std::size_t>(frames_) * kFrameSize;
		area_ = mmap(nullptr, area_size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (area_ == MAP_FAILED) {
			area_ = nullptr;
			throw failure("mmap UMEM area (" + std::to_string(area_size_) + " octets)", errno);
		}
		xsk_umem_config ucfg{};
		ucfg.fill_size = frames_;
		ucfg.comp_size = frames_;
		ucfg.frame_size = kFrameSize;
		ucfg.frame_headroom = 0;
		ucfg.flags = 0;
		int err = xsk_umem__create(&umem_, area_, area_size_, &rings_->fill, &rings_->comp, &ucfg);
		if (err)
			throw failure("xsk_umem__create", err);

		xsk_socket_config scfg{};
		scfg.rx_size = frames_;
		scfg.tx_size = frames_;
		scfg.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD;
		scfg.xdp_flags = 0;
		scfg.bind_flags = XDP_COPY;
		err = xsk_socket__create(&xsk_, dev.c_str(), queue_id, umem_, &rings_->rx, &rings_->tx, &scfg);
		if (err)
			throw failure("xsk_socket__create on " + dev + " queue " + std::to_string(queue_id), err);
	} catch (...) {
		teardown();
		throw;
	}
}

void XskRig::register_in(int xsks_map_fd)
{
	int err = xsk_socket__update_xskmap(xsk_, xsks_map_fd);
	if (err)
		throw failure("xsk_socket__update_xskmap", err);
}

void XskRig::fill_all()
{
	__u32 idx = 0;
	if (xsk_ring_prod__reserve(&rings_->fill, frames_, &idx) != frames_)
		throw std::runtime_error("XSK fill ring: cannot reserve " + std::to_string(frames_) + " entries");
	for (__u32 i = 0; i < frames_; i++)
		*xsk_ring_prod__fill_addr(&rings_->fill, idx + i) = static_cast<__u64>(i) * kFrameSize;
	xsk_ring_prod__submit(&rings_->fill, frames_);
}

std::optional<XskRig::Received> XskRig::receive()
{
	__u32 idx = 0;
	if (xsk_ring_cons__peek(&rings_->rx, 1, &idx) != 1)
		return std::nullopt;
	const xdp_desc *d = xsk_ring_cons__rx_desc(&rings_->rx, idx);
	const __u64 addr = xsk_umem__add_offset_to_addr(d->addr);
	const auto *data = static_cast<const std::uint8_t *>(xsk_umem__get_data(area_, addr));
	Received r;
	r.frame.assign(data, data + d->len);
	// Metadata sits right before the packet, inside the frame's headroom.
	const std::size_t in_frame = addr % kFrameSize;
	const std::size_t head = in_frame < 32 ? in_frame : 32;
	r.headroom.assign(data - head, data);
	xsk_ring_cons__release(&rings_->rx, 1);
	return r;
}

int XskRig::socket_fd() const { return xsk_socket__fd(xsk_); }

std::uint32_t XskRig::recycle(std::uint32_t max)
{
	__u32 rx_idx = 0, fill_idx = 0;
	const __u32 n = xsk_ring_cons__peek(&rings_->rx, max, &rx_idx);
	if (n == 0)
		return 0;
	// Every frame is in the fill ring, the RX ring or with the kernel, so
	// the n just taken off RX always have room in the fill ring.
	if (xsk_ring_prod__reserve(&rings_->fill, n, &fill_idx) != n)
		throw std::runtime_error("XSK fill ring: no room for " + std::to_string(n) + " recycled frames");
	for (__u32 i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&rings_->fill, fill_idx + i) =
			xsk_umem__extract_addr(xsk_ring_cons__rx_desc(&rings_->rx, rx_idx + i)->addr);
	xsk_ring_prod__submit(&rings_->fill, n);
	xsk_ring_cons__release(&rings_->rx, n);
	return n;
}

std::uint64_t XskRig::kernel_drops() const
{
	xdp_statistics st{};
	socklen_t len = sizeof(st);
	if (getsockopt(socket_fd(), SOL_XDP, XDP_STATISTICS, &st, &len))
		throw failure("getsockopt XDP_STATISTICS", errno);
	return st.rx_dropped + st.rx_ring_full + st.rx_fill_ring_empty_descs;
}

void XskRig::teardown()
{
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
			run_command({"ip", "link", "del", dev_}); // the netns would reap it too
		} catch (const std::exception &e) {
			std::fprintf(stderr, "remove veth %s: %s\n", dev_.c_str(), e.what());
		}
	}
	veth_made_ = false;
	delete rings_;
	rings_ = nullptr;
}

XskRig::~XskRig() { teardown(); }

} // namespace xdpdns::test
