#include "daemon/paths/worker.h"

#include "daemon/io/clock.h"
#include "dns/response.h"
#include "dns/tcp_keepalive.h"
#include "net/checksum.h"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <time.h>

#include <algorithm>
#include <cstring>
#include <ctime>

namespace xdpdns::daemon {

namespace {

// The pending tables only matter for asynchronous backends.
constexpr std::size_t kPendingUdp = 4096;
constexpr std::size_t kPendingTcp = 128;

}  // namespace

Worker::Worker(const WorkerConfig &cfg, std::unique_ptr<XskPort> port, std::unique_ptr<Backend> backend,
	       std::function<void()> before_batch)
	: cfg_(cfg),
	  port_(std::move(port)),
	  backend_(std::move(backend)),
	  before_batch_(std::move(before_batch)),
	  counters_(cfg.counters, cfg.queue),
	  flows_(cfg.flows),
	  conns_(cfg.conns, *this),
	  atr_(cfg.atr_prog_fd, cfg.ifindex, cfg.atr_capacity, kMaxSavedFrame, cfg.stats_fd),
	  pending_(cfg.async_backend ? kPendingUdp : 0, cfg.async_backend ? kPendingTcp : 0),
	  answer_buf_(65535),
	  small_buf_(8192),
	  stream_(kStreamBuffer),
	  tcp_scratch_(std::make_unique<TcpContext>()),
	  rrl_(cfg.rrl_sets, cfg.rrl_set_count),
	  busy_poll_(port_->busy_poll())
{
	tap_query_sampler_.every = tap_response_sampler_.every = cfg.tap_sample;
}

Worker::~Worker() = default;

std::uint32_t Worker::random_percent()
{
	return random_.below(100);
}

bool Worker::take_meta(const RxFrame &f, xdpdns_meta &out) const
{
	// The XDP program puts the metadata right before the packet; the UMEM
	// frame's headroom (XDP_PACKET_HEADROOM) always leaves room to look.
	// The magic is cleared once read: the chunk is reused, and a later frame
	// without metadata must not find this one's.
	std::uint8_t *m = f.meta_end - sizeof(xdpdns_meta);
	std::memcpy(&out, m, sizeof(out));
	std::memset(m, 0, sizeof(out.magic));
	return out.magic == XDPDNS_META_MAGIC;
}

void Worker::run(const std::atomic<bool> &stop)
{
	std::array<RxFrame, kRxBatch> batch;
	pollfd fds[2] = {{port_->fd(), POLLIN, 0}, {backend_->poll_fd(), POLLIN, 0}};
	const nfds_t nfds = fds[1].fd >= 0 ? 2 : 1;

	while (!stop.load(std::memory_order_relaxed)) {
		now_ns_ = monotonic_now_ns();
		std::uint64_t deadline =
			std::min({atr_.next_due_ns(), backend_->next_deadline_ns(), conns_.next_timer_ns()});
		int timeout_ms = 100;
		if (deadline != UINT64_MAX)
			timeout_ms = deadline <= now_ns_ ? 0
				     : static_cast<int>(std::min<std::uint64_t>(100, (deadline - now_ns_) / 1'000'000 + 1));

		port_->reclaim();
		std::size_t n = port_->rx_peek(batch);
		if (n == 0 && busy_poll_)
			n = busy_wait(batch, timeout_ms);
		if (n == 0) {
			// Frames we queued but the kernel has not taken yet need a kick
			// before sleeping (copy mode sends from sendto()).
			port_->tx_kick();
			if (poll(fds, nfds, timeout_ms) < 0 && errno != EINTR) {
				// Out of the XSKMAP, so that the XDP program passes UDP
				// to the host instead of into a ring nobody reads.
				spdlog::error("{}: queue {}: poll on the AF_XDP socket: {}; worker stops",
					      cfg_.ifname, cfg_.queue, std::strerror(errno));
				port_->unregister();
				break;
			}
			now_ns_ = monotonic_now_ns();
			port_->reclaim();
			n = port_->rx_peek(batch);
		}

		knobs_ = KnobSnapshot::read(cfg_.knobs);
		if (cfg_.cookie_secrets)
			cookie_secrets_ = cfg_.cookie_secrets->load();
		if (before_batch_)
			before_batch_();
		if (cfg_.answer_map) {
			cfg_.answer_map->maintain();
			if (const std::uint64_t dropped = cfg_.answer_map->take_evicted())
				counters_.inc(XDPDNS_STAT_D_ANSWER_EVICTED, dropped);
		}
		for (std::size_t i = 0; i < n; i++) {
			// The first touch of a received frame is a cache miss (the fill
			// ring cycles through megabytes of UMEM; profiled): start the
			// next frame's metadata and headers loading meanwhile.
			if (i + 1 < n) {
				__builtin_prefetch(batch[i + 1].meta_end - sizeof(xdpdns_meta));
				__builtin_prefetch(batch[i + 1].meta_end + 64);
			}
			handle_frame(batch[i], now_ns_);
		}
		port_->rx_release({batch.data(), n});

		if (nfds == 2) {
			backend_->poll(*this, now_ns_);
			if (before_batch_)
				before_batch_();  // the backend's counters are current now
		}
		if (const std::size_t sent = atr_.fire_due(now_ns_))
			counters_.inc(XDPDNS_STAT_D_ATR_SENT, sent);
		conns_.on_timers(now_ns_, conn_settings());
		sweep_idle_xdp_connections();
		mirror_conn_stats();
		port_->tx_kick();
	}
}

std::size_t Worker::busy_wait(std::span<RxFrame> batch, int timeout_ms)
{
	// Poll the queue from this thread for up to busy-poll µs (never past
	// the next timer), then let the caller sleep in poll() as usual: an idle
	// worker does not keep its core.
	port_->tx_kick();
	const std::uint64_t budget_ns = std::min<std::uint64_t>(std::uint64_t(cfg_.busy_poll_us) * 1000,
								std::uint64_t(timeout_ms) * 1'000'000);
	const std::uint64_t until = now_ns_ + budget_ns;
	do {
		if (!port_->rx_busy_poll()) {
			spdlog::warn("{}: queue {}: busy poll (recvfrom on the AF_XDP socket): {}; "
				     "this worker sleeps in poll() from now on",
				     cfg_.ifname, cfg_.queue, std::strerror(errno));
			busy_poll_ = false;
			return 0;
		}
		port_->reclaim();
		if (const std::size_t n = port_->rx_peek(batch))
			return n;
	} while (monotonic_now_ns() < until);
	return 0;
}

void Worker::handle_frame(const RxFrame &f, std::uint64_t now_ns)
{
	counters_.inc(XDPDNS_STAT_D_RX);
	// First, so that the hints are cleared from the chunk even when the
	// frame is dropped below.
	xdpdns_meta meta_copy;
	const xdpdns_meta *meta = take_meta(f, meta_copy) ? &meta_copy : nullptr;
	net::FrameView v;
	if (net::parse_frame(f.packet, v) != net::ParseError::ok) {
		counters_.inc(XDPDNS_STAT_D_BAD_FRAME);
		return;
	}
	// The XDP program leaves transport checksums to us. A local client's
	// offloaded (partial) checksum passes unless checksum.strict is on.
	if (!net::frame_checksums_ok(f.packet, v,
				     knobs_.checksum_strict ? net::ChecksumForms::full_only
							    : net::ChecksumForms::full_or_partial)) {
		counters_.inc(XDPDNS_STAT_D_BAD_CSUM);
		return;
	}
	if (v.is_udp())
		on_udp(v, f, meta, now_ns);
	else if (v.is_tcp())
		on_tcp(v, f, meta, now_ns);
	else
		counters_.inc(XDPDNS_STAT_D_BAD_FRAME);
}

std::size_t Worker::write_parse_error(const dns::Query &q, dns::ParseResult r)
{
	const std::uint8_t rcode = r == dns::ParseResult::formerr  ? dns::rcode::formerr
				   : r == dns::ParseResult::notimp ? dns::rcode::notimp
								   : dns::rcode::badvers;
	if (r == dns::ParseResult::formerr)
		counters_.inc(XDPDNS_STAT_D_DNS_FORMERR);
	return dns::write_error(q, rcode, small_buf_, knobs_.edns_buffer_size);
}

dns::CookieOutcome Worker::check_dns_cookie(dns::Query &q, const net::IpAddress &client, bool udp)
{
	if (!cfg_.cookie_secrets || (q.cookie_len == 0 && !q.cookie_malformed)) {
		q.reply_cookie_len = 0;
		return {};
	}
	timespec ts;
	clock_gettime(CLOCK_REALTIME_COARSE, &ts);  // RFC 9018 timestamps are Unix time
	const std::span<const std::uint8_t> addr =
		client.is_v4_mapped() ? std::span<const std::uint8_t>(client.v4()) : std::span<const std::uint8_t>(client.bytes);
	const auto o = dns::apply_cookie(q, cookie_secrets_, addr, static_cast<std::uint32_t>(ts.tv_sec), udp,
					 cfg_.cookie_policy);
	switch (o.verdict) {
	case dns::CookieVerdict::none: break;
	case dns::CookieVerdict::client_only: counters_.inc(XDPDNS_STAT_D_COOKIE_CLIENT_ONLY); break;
	case dns::CookieVerdict::valid: counters_.inc(XDPDNS_STAT_D_COOKIE_VALID); break;
	case dns::CookieVerdict::invalid: counters_.inc(XDPDNS_STAT_D_COOKIE_INVALID); break;
	case dns::CookieVerdict::malformed: counters_.inc(XDPDNS_STAT_D_COOKIE_MALFORMED); break;
	}
	if (o.badcookie)
		counters_.inc(XDPDNS_STAT_D_COOKIE_BADCOOKIE);
	return o;
}

std::size_t Worker::answer_non_query(const dns::Query &q, dns::ParseResult r, std::span<const std::uint8_t> msg,
				     const net::IpAddress &from)
{
	if (r != dns::ParseResult::notimp || q.opcode != dns::opcode::notify || !cfg_.notify)
		return write_parse_error(q, r);
	const auto o = cfg_.notify->handle(msg, from, small_buf_, static_cast<std::uint64_t>(std::time(nullptr)));
	counters_.inc(o.verdict == secondary::NotifyCheck::Verdict::accepted ? XDPDNS_STAT_D_NOTIFY_ACCEPTED
									       : XDPDNS_STAT_D_NOTIFY_REFUSED);
	return o.size;
}

void Worker::deliver(std::uint64_t tag, std::span<const std::uint8_t> answer)
{
	if ((tag & kConnTag) && !PendingTable::is_tcp(tag)) {
		const tcp::ConnRef ref{static_cast<std::uint32_t>((tag >> 32) & 0xffffff), static_cast<std::uint32_t>(tag)};
		if ((tag & kKeepaliveTag) && answer.size() + 6 <= answer_buf_.size()) {
			std::copy(answer.begin(), answer.end(), answer_buf_.begin());
			const std::size_t n = dns::append_tcp_keepalive(answer_buf_, answer.size(), keepalive_timeout());
			answer = {answer_buf_.data(), n};
		}
		conn_answer(ref, answer);
		conns_.flush(ref, now_ns_, conn_settings());
		return;
	}
	if (!PendingTable::is_tcp(tag)) {
		UdpContext *c = pending_.udp_get(tag);
		if (!c)
			return;
		finish_udp(*c, {c->frame.data(), c->frame_len}, answer, now_ns_);
		pending_.udp_free(tag);
		return;
	}

	TcpContext *c = pending_.tcp_get(tag);
	const std::uint32_t i = PendingTable::index(tag);
	if (!c || i >= c->queries || c->answer_len[i])
		return;
	const auto buf = pending_.tcp_buffer(tag);
	if (!store_tcp_answer(*c, buf, i, answer)) {
		counters_.inc(XDPDNS_STAT_D_TCP_UNANSWERABLE);
		abandon_tcp(*c);
		pending_.tcp_free(tag);
		return;
	}
	if (++c->done == c->queries) {
		finish_tcp(*c, buf, now_ns_);
		pending_.tcp_free(tag);
	}
}

}  // namespace xdpdns::daemon
