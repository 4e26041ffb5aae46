#include "daemon/dnstap/xdp_tap_reader.h"

#include "net/frame.h"

#include <xdpdns/tap.h>

#include <bpf/libbpf.h>

#include <netinet/in.h>
#include <time.h>

#include <cerrno>
#include <cstring>

namespace xdpdns::daemon::dnstap {

bool event_of_answer_frame(std::span<const std::uint8_t> frame, TapEvent &out)
{
	net::FrameView v;
	if (net::parse_frame(frame, v) != net::ParseError::ok || v.is_fragment)
		return false;
	if (v.protocol != IPPROTO_UDP && v.protocol != IPPROTO_TCP)
		return false;
	std::span<const std::uint8_t> msg = v.payload;
	if (v.protocol == IPPROTO_TCP) {
		// XDP's TCP answers are one segment: the length, then the message.
		if (msg.size() < 2 || (std::size_t{msg[0]} << 8 | msg[1]) != msg.size() - 2)
			return false;
		msg = msg.subspan(2);
	}
	if (msg.size() < 12)
		return false;
	out.kind = TapEvent::Kind::auth_response;
	out.ipv6 = v.is_ipv6;
	out.tcp = v.protocol == IPPROTO_TCP;
	out.server = v.src.bytes;  // the answer goes from us to the client
	out.client = v.dst.bytes;
	out.server_port = v.sport;
	out.client_port = v.dport;
	out.message = msg;
	return true;
}

void XdpTapReader::on_sample(void *ctx, int, void *data, std::uint32_t size)
{
	auto *self = static_cast<XdpTapReader *>(ctx);
	xdpdns_tap_meta meta;
	if (size < sizeof(meta)) {
		self->dropped_.fetch_add(1, std::memory_order_relaxed);
		return;
	}
	std::memcpy(&meta, data, sizeof(meta));
	if (meta.frame_len > size - sizeof(meta)) {
		self->dropped_.fetch_add(1, std::memory_order_relaxed);
		return;
	}
	TapEvent e;
	if (!event_of_answer_frame({static_cast<const std::uint8_t *>(data) + sizeof(meta), meta.frame_len}, e)) {
		self->dropped_.fetch_add(1, std::memory_order_relaxed);
		return;
	}
	timespec ts{};
	clock_gettime(CLOCK_REALTIME, &ts);
	e.time_sec = static_cast<std::uint64_t>(ts.tv_sec);
	e.time_nsec = static_cast<std::uint32_t>(ts.tv_nsec);
	(self->writer_->submit(self->queue_, e) ? self->logged_ : self->dropped_).fetch_add(1, std::memory_order_relaxed);
}

void XdpTapReader::on_lost(void *ctx, int, __u64 count)
{
	static_cast<XdpTapReader *>(ctx)->dropped_.fetch_add(count, std::memory_order_relaxed);
}

Result<std::unique_ptr<XdpTapReader>> XdpTapReader::start(int tap_events_fd, Writer &writer, unsigned queue,
							  std::string ifname)
{
	std::unique_ptr<XdpTapReader> r(new XdpTapReader());
	r->writer_ = &writer;
	r->queue_ = queue;
	r->ifname_ = std::move(ifname);
	// 16 pages (64 KiB) per CPU: some forty full-size frames in flight.
	r->pb_ = perf_buffer__new(tap_events_fd, 16, &XdpTapReader::on_sample, &XdpTapReader::on_lost, r.get(), nullptr);
	if (!r->pb_) {
		const int err = errno;
		return Error{err, r->ifname_ + ": dnstap of XDP answers: perf buffer: " + std::strerror(err)};
	}
	XdpTapReader *self = r.get();
	r->thread_ = std::thread([self] {
		while (!self->stop_.load(std::memory_order_relaxed))
			perf_buffer__poll(self->pb_, 100);
		perf_buffer__consume(self->pb_);
	});
	return r;
}

XdpTapReader::~XdpTapReader()
{
	stop_ = true;
	if (thread_.joinable())
		thread_.join();
	perf_buffer__free(pb_);
}

}  // namespace xdpdns::daemon::dnstap
