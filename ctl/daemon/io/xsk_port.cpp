#include "daemon/io/xsk_port.h"

#include <bpf/bpf.h>
#include <linux/if_xdp.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace xdpdns::daemon {

Result<std::unique_ptr<XskPort>> XskPort::create(const std::string &ifname, std::uint32_t queue,
						 int xsks_map_fd, const XskOptions &opts)
{
	std::unique_ptr<XskPort> p(new XskPort());
	p->ifname_ = ifname;
	p->queue_ = queue;
	p->xsks_map_fd_ = xsks_map_fd;
	p->opts_ = opts;
	const std::string what = "AF_XDP socket on " + ifname + " queue " + std::to_string(queue);

	if (opts.frames < 4 || opts.frames % 2 || opts.ring_size > opts.frames / 2)
		return Error{EINVAL, what + ": frames must be even and at least twice the ring size"};

	p->area_size_ = std::size_t(opts.frames) * opts.frame_size;
	p->area_ = mmap(nullptr, p->area_size_, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p->area_ == MAP_FAILED) {
		p->area_ = nullptr;
		return sys_error(errno, what + ": mmap of " + std::to_string(p->area_size_) + " octets of UMEM");
	}

	xsk_umem_config ucfg{};
	ucfg.fill_size = opts.ring_size;
	ucfg.comp_size = opts.ring_size;
	ucfg.frame_size = opts.frame_size;
	ucfg.frame_headroom = 0;
	ucfg.flags = 0;
	int err = xsk_umem__create(&p->umem_, p->area_, p->area_size_, &p->fill_, &p->comp_, &ucfg);
	if (err) {
		p->umem_ = nullptr;
		return sys_error(err, what + ": UMEM registration");
	}

	xsk_socket_config scfg{};
	scfg.rx_size = opts.ring_size;
	scfg.tx_size = opts.ring_size;
	// Our own XDP program redirects to the XSKMAP: libxdp must not load one.
	scfg.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD;
	scfg.xdp_flags = 0;
	scfg.bind_flags = XDP_USE_NEED_WAKEUP | (opts.force_copy ? XDP_COPY : 0);
	err = xsk_socket__create(&p->xsk_, ifname.c_str(), queue, p->umem_, &p->rx_, &p->tx_, &scfg);
	if (err) {
		p->xsk_ = nullptr;
		return sys_error(err, what + ": socket creation");
	}

	if (opts.busy_poll_us) {
		const int fd = xsk_socket__fd(p->xsk_);
		const struct {
			int opt;
			int value;
			const char *name;
		} sets[] = {
			{SO_PREFER_BUSY_POLL, 1, "SO_PREFER_BUSY_POLL"},
			{SO_BUSY_POLL, static_cast<int>(opts.busy_poll_us), "SO_BUSY_POLL"},
			{SO_BUSY_POLL_BUDGET, static_cast<int>(opts.busy_poll_budget), "SO_BUSY_POLL_BUDGET"},
		};
		for (const auto &o : sets)
			if (setsockopt(fd, SOL_SOCKET, o.opt, &o.value, sizeof(o.value)) != 0)
				return sys_error(errno, what + ": busy polling: setsockopt " + o.name + " " +
							  std::to_string(o.value));
	}

	xdp_options xo{};
	socklen_t xolen = sizeof(xo);
	if (getsockopt(xsk_socket__fd(p->xsk_), SOL_XDP, XDP_OPTIONS, &xo, &xolen) == 0)
		p->zero_copy_ = xo.flags & XDP_OPTIONS_ZEROCOPY;

	// RX half into the fill ring.
	const std::uint32_t rx_frames = opts.frames / 2;
	std::uint32_t idx = 0;
	if (xsk_ring_prod__reserve(&p->fill_, opts.ring_size, &idx) != opts.ring_size)
		return Error{ENOSPC, what + ": fill ring refused " + std::to_string(opts.ring_size) + " frames"};
	for (std::uint32_t i = 0; i < opts.ring_size; i++)
		*xsk_ring_prod__fill_addr(&p->fill_, idx + i) = std::uint64_t(i) * opts.frame_size;
	xsk_ring_prod__submit(&p->fill_, opts.ring_size);

	// TX half as the free list.
	p->free_.reserve(opts.frames - rx_frames);
	for (std::uint32_t i = rx_frames; i < opts.frames; i++)
		p->free_.push_back(std::uint64_t(i) * opts.frame_size);

	err = xsk_socket__update_xskmap(p->xsk_, xsks_map_fd);
	if (err)
		return sys_error(err, what + ": registration in the xsks map");
	p->registered_ = true;
	return p;
}

XskPort::~XskPort()
{
	unregister();
	if (xsk_)
		xsk_socket__delete(xsk_);
	if (umem_)
		xsk_umem__delete(umem_);
	if (area_)
		munmap(area_, area_size_);
}

void XskPort::unregister()
{
	if (!registered_.exchange(false))
		return;
	std::uint32_t key = queue_;
	bpf_map_delete_elem(xsks_map_fd_, &key);  // ENOENT if someone else removed it: fine
}

int XskPort::fd() const
{
	return xsk_socket__fd(xsk_);
}

std::uint64_t XskPort::addr_of(const std::uint8_t *p) const
{
	return std::uint64_t(p - static_cast<const std::uint8_t *>(area_));
}

std::size_t XskPort::rx_peek(std::span<RxFrame> out)
{
	std::uint32_t idx = 0;
	const std::size_t n = xsk_ring_cons__peek(&rx_, out.size(), &idx);
	for (std::size_t i = 0; i < n; i++) {
		const xdp_desc *d = xsk_ring_cons__rx_desc(&rx_, idx + i);
		auto *pkt = static_cast<std::uint8_t *>(xsk_umem__get_data(area_, d->addr));
		out[i].packet = {pkt, d->len};
		out[i].meta_end = pkt;
		out[i].addr = xsk_umem__extract_addr(d->addr);
	}
	if (n)
		xsk_ring_cons__release(&rx_, n);
	return n;
}

void XskPort::rx_release(std::span<const RxFrame> frames)
{
	if (frames.empty())
		return;
	std::uint32_t idx = 0;
	// The fill ring holds every RX frame, so there is always room.
	const std::size_t n = xsk_ring_prod__reserve(&fill_, frames.size(), &idx);
	for (std::size_t i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&fill_, idx + i) = frames[i].addr;
	xsk_ring_prod__submit(&fill_, n);
	if (xsk_ring_prod__needs_wakeup(&fill_))
		recvfrom(fd(), nullptr, 0, MSG_DONTWAIT, nullptr, nullptr);
}

std::span<std::uint8_t> XskPort::tx_frame()
{
	if (free_.empty())
		return {};
	const std::uint64_t addr = free_.back();
	free_.pop_back();
	return {static_cast<std::uint8_t *>(area_) + addr, opts_.frame_size};
}

void XskPort::tx_abandon(const std::uint8_t *frame)
{
	free_.push_back(addr_of(frame));
}

bool XskPort::tx_queue(std::span<std::uint8_t *const> frames, std::span<const std::uint32_t> lens)
{
	std::uint32_t idx = 0;
	if (xsk_ring_prod__reserve(&tx_, frames.size(), &idx) != frames.size()) {
		for (auto f : frames)
			tx_abandon(f);
		return false;
	}
	for (std::size_t i = 0; i < frames.size(); i++) {
		xdp_desc *d = xsk_ring_prod__tx_desc(&tx_, idx + i);
		d->addr = addr_of(frames[i]);
		d->len = lens[i];
		d->options = 0;
	}
	xsk_ring_prod__submit(&tx_, frames.size());
	tx_unsent_ = true;
	return true;
}

void XskPort::tx_kick()
{
	// In copy mode one sendto() sends at most the socket's TX budget (32
	// descriptors by default) and answers EAGAIN while more are queued or
	// while the completion ring is full: kick again, reclaiming completions
	// in between, until the ring is drained. Bounded by one pass over the
	// ring. EBUSY/ENOBUFS (device or memory busy): the next loop retries.
	// Copy mode keeps the TX need_wakeup flag set for good: without the
	// tx_unsent_ check an idle loop would make one useless syscall per turn.
	if (!tx_unsent_)
		return;
	const std::uint32_t max_kicks = opts_.ring_size / 32 + 2;
	for (std::uint32_t i = 0; i < max_kicks; i++) {
		if (!xsk_ring_prod__needs_wakeup(&tx_) && !busy_poll()) {
			tx_unsent_ = false;
			return;
		}
		if (sendto(fd(), nullptr, 0, MSG_DONTWAIT, nullptr, 0) >= 0) {
			tx_unsent_ = false;
			return;
		}
		if (errno != EAGAIN)
			return;  // kept pending: the next loop kicks again
		reclaim();
	}
}

bool XskPort::rx_busy_poll()
{
	// With SO_BUSY_POLL set, recvmsg on an AF_XDP socket polls the queue's
	// NAPI once (non-blocking) before looking at the RX ring.
	if (recvfrom(fd(), nullptr, 0, MSG_DONTWAIT, nullptr, nullptr) >= 0)
		return true;
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EBUSY || errno == EINTR;
}

void XskPort::reclaim()
{
	std::uint32_t idx = 0;
	const std::size_t n = xsk_ring_cons__peek(&comp_, opts_.ring_size, &idx);
	for (std::size_t i = 0; i < n; i++)
		free_.push_back(xsk_umem__extract_addr(*xsk_ring_cons__comp_addr(&comp_, idx + i)));
	if (n)
		xsk_ring_cons__release(&comp_, n);
}

}  // namespace xdpdns::daemon
