// TCP with connection reuse (tcp.reuse on): segments of connections that
// proved themselves go to the ConnTable (pipelined queries, loss recovery,
// idle close); what no connection takes gets the stateless answers the XDP
// program would give, or an RST when a client's state is gone.
#include "daemon/paths/worker.h"

#include "common/cookie_key.h"
#include "dns/response.h"
#include "dns/tcp_keepalive.h"
#include "daemon/io/tx_sink.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>

#include <algorithm>
#include <cerrno>

namespace xdpdns::daemon {

tcp::FlowKey flow_key_of(const net::FrameView &v)
{
	tcp::FlowKey k;
	k.client = v.src.bytes;
	k.server = v.dst.bytes;
	k.client_port = v.sport;
	k.server_port = v.dport;
	return k;
}

std::uint16_t Worker::segment_size_for(const net::FrameView &v, std::uint32_t client_mss) const
{
	// Segments never exceed the client's MSS (carried by the cookie; 0:
	// unknown, the protocol's default), the segment-size knob, or what one
	// frame of our interface holds.
	if (client_mss == 0)
		client_mss = v.is_ipv6 ? 1220 : 536;
	const std::uint32_t link_max = cfg_.mtu - (v.is_ipv6 ? 40 : 20) - 20;
	return static_cast<std::uint16_t>(std::max<std::uint32_t>(1, std::min({knobs_.tcp_segment_size, client_mss, link_max})));
}

tcp::ConnTable::Settings Worker::conn_settings() const
{
	tcp::ConnTable::Settings s;
	s.idle_ns = std::uint64_t{knobs_.tcp_idle_ms} * 1'000'000;
	s.max_queries = knobs_.tcp_max_queries;
	s.window = static_cast<std::uint16_t>(knobs_.tcp_window);
	return s;
}

std::uint16_t Worker::keepalive_timeout() const
{
	// RFC 7828: units of 100 ms.
	return static_cast<std::uint16_t>(std::min<std::uint32_t>(knobs_.tcp_idle_ms / 100, 0xffff));
}

void Worker::mirror_conn_stats()
{
	const auto s = conns_.stats();
	counters_.set(XDPDNS_STAT_D_TCP_CONNS_OPEN, s.open);
	counters_.set(XDPDNS_STAT_D_TCP_CONNS_OPENED, s.opened);
	counters_.set(XDPDNS_STAT_D_TCP_CONNS_EVICTED, s.evicted);
	counters_.set(XDPDNS_STAT_D_TCP_CONN_QUERIES, s.queries);
	counters_.set(XDPDNS_STAT_D_TCP_IDLE_CLOSED, s.idle_closed + xdp_idle_closed_);
	counters_.set(XDPDNS_STAT_D_TCP_RESENT, s.retransmits);
	counters_.set(XDPDNS_STAT_D_TCP_FAST_RESENT, s.fast_retransmits);
	counters_.set(XDPDNS_STAT_D_TCP_RTO, s.timeouts);
	counters_.set(XDPDNS_STAT_D_TCP_RST_RECEIVED, s.resets_received);
	counters_.set(XDPDNS_STAT_D_TCP_RING_LOST, s.ring_lost);
	counters_.set(XDPDNS_STAT_D_TCP_OUT_OF_ORDER, s.out_of_order);
	counters_.set(XDPDNS_STAT_D_TCP_NOT_QUERY, s.not_stream_start);
	counters_.set(XDPDNS_STAT_D_TCP_ADOPTED, s.adopted);
	// Refusals and resets also happen outside the table (stateless RSTs).
	counters_.set(XDPDNS_STAT_D_TCP_CONNS_REFUSED, s.table_full + conn_refused_);
	counters_.set(XDPDNS_STAT_D_TCP_RST_SENT, s.resets_sent + stateless_rst_);
}

xdpdns_conn_key conn_entry_key(const tcp::FlowKey &key)
{
	xdpdns_conn_key k{};
	std::copy(key.client.begin(), key.client.end(), k.client_addr);
	std::copy(key.server.begin(), key.server.end(), k.server_addr);
	k.client_port = htons(key.client_port);
	k.server_port = htons(key.server_port);
	return k;
}

void Worker::forget_conn_entry(const tcp::FlowKey &key)
{
	if (cfg_.tcp_conns_fd < 0)
		return;
	const xdpdns_conn_key k = conn_entry_key(key);
	// ENOENT is fine: the LRU may have dropped it, or XDP never made one.
	bpf_map_delete_elem(cfg_.tcp_conns_fd, &k);
}

// Connections the XDP program answered and keeps get our FIN after the idle
// time-out as ours do (idle_closer.h); a sweep four times a second, so the
// FIN is at most that late.
constexpr std::uint64_t kIdleSweepNs = 250'000'000;

void Worker::sweep_idle_xdp_connections()
{
	if (!cfg_.idle_closer || now_ns_ - last_idle_sweep_ns_ < kIdleSweepNs)
		return;
	last_idle_sweep_ns_ = now_ns_;
	xdp_idle_closed_ += cfg_.idle_closer->sweep(now_ns_, std::uint64_t{knobs_.tcp_idle_ms} * 1'000'000,
						   static_cast<std::uint16_t>(knobs_.tcp_window));
}

void Worker::released(const tcp::FlowKey &key)
{
	forget_conn_entry(key);
}

bool Worker::cookie_valid(const tcp::ConnSegment &seg)
{
	return cookie_mss(seg) != 0;
}

std::uint32_t Worker::cookie_mss(const tcp::ConnSegment &seg) const
{
	if (!cfg_.keys || !cfg_.knobs)
		return 0;
	CookieTuple t;
	t.client_addr = seg.key.client;
	t.server_addr = seg.key.server;
	t.client_port = seg.key.client_port;
	t.server_port = seg.key.server_port;
	// The epoch the XDP program makes cookies in, not a clock of our own.
	const std::uint32_t epoch = __atomic_load_n(&cfg_.knobs->cookie_epoch, __ATOMIC_RELAXED);
	return check_cookie(*cfg_.keys, t, seg.ack - 1, epoch);
}

bool Worker::send(const net::ReplyTemplate &t, std::uint32_t seq, std::uint32_t ack, std::uint8_t flags,
		  std::span<const std::uint8_t> payload)
{
	TxSink sink(*port_);
	auto frame = sink.next_frame();
	const std::uint16_t window = (flags & net::kTcpRst) ? 0 : static_cast<std::uint16_t>(knobs_.tcp_window);
	const std::size_t len = frame.empty() ? 0 : net::write_tcp(t, seq, ack, flags, window, payload, frame);
	if (len == 0) {
		counters_.inc(XDPDNS_STAT_D_TX_RING_FULL);
		return false;
	}
	sink.commit(len);
	if (!sink.finish()) {
		counters_.inc(XDPDNS_STAT_D_TX_RING_FULL);
		return false;
	}
	counters_.inc(XDPDNS_STAT_D_TX);
	counters_.inc(XDPDNS_STAT_D_TCP_SEGMENTS);
	return true;
}

void Worker::conn_answer(tcp::ConnRef conn, std::span<const std::uint8_t> answer)
{
	const std::uint16_t segment_size = conns_.segment_size(conn);
	if (cfg_.tap)
		if (const tcp::FlowKey *key = conns_.flow_key(conn))
			tap(dnstap::TapEvent::Kind::auth_response, *key, answer);
	conns_.add_answer(conn, answer);
	counters_.inc(XDPDNS_STAT_D_TCP_ANSWERS);
	if (segment_size)
		hist_.observe_tcp(answer.size(), segment_size);
}

void Worker::query(tcp::ConnRef conn, std::span<const std::uint8_t> message)
{
	dns::Query &q = conn_query_;
	const auto r = dns::parse_query(message, q);
	if (cfg_.tap && r != dns::ParseResult::drop)
		if (const tcp::FlowKey *key = conns_.flow_key(conn))
			tap(dnstap::TapEvent::Kind::auth_query, *key, message);
	if (r == dns::ParseResult::drop) {  // a response or a runt: no answer
		counters_.inc(XDPDNS_STAT_D_DNS_DROPPED);
		conns_.cancel_answer(conn);
		return;
	}
	if (r != dns::ParseResult::ok) {
		const std::size_t n = answer_non_query(q, r, message, tcp_client_);
		conn_answer(conn, {small_buf_.data(), n});
		return;
	}
	if (check_dns_cookie(q, tcp_client_, false).verdict == dns::CookieVerdict::malformed) {
		const std::size_t n = write_parse_error(q, dns::ParseResult::formerr);
		conns_.add_answer(conn, {small_buf_.data(), n});
		counters_.inc(XDPDNS_STAT_D_TCP_ANSWERS);
		return;
	}
	std::size_t size = 0;
	const std::uint64_t tag = kConnTag | (q.tcp_keepalive ? kKeepaliveTag : 0) | (std::uint64_t{conn.id} << 32) |
				  conn.generation;
	const auto status = backend_->resolve(q, message, Transport::tcp, tag, answer_buf_, size);
	if (status == Backend::Status::answered) {
		if (q.tcp_keepalive)
			size = dns::append_tcp_keepalive(answer_buf_, size, keepalive_timeout());
		else
			offer_answer(q, message, {answer_buf_.data(), size}, true, backend_->rrl_class());
		conn_answer(conn, {answer_buf_.data(), size});
	} else if (status == Backend::Status::dropped) {
		const std::size_t n = dns::write_error(q, dns::rcode::servfail, small_buf_, knobs_.edns_buffer_size);
		conn_answer(conn, {small_buf_.data(), n});
	}
	// pending: deliver() brings the answer.
}

void Worker::on_tcp_stateless(const net::FrameView &v, const tcp::ConnSegment &seg, const xdpdns_meta *meta,
			      std::uint64_t now_ns)
{
	const auto t = net::make_reply_template(v);
	if (!seg.payload.empty() && (seg.cookie_ok || cookie_valid(seg))) {
		// A first query the table could not take: answer and close, as
		// with tcp.reuse off.
		conn_refused_++;
		forget_conn_entry(seg.key);
		answer_and_close(v, meta, now_ns);
		return;
	}
	if (meta && (meta->flags & XDPDNS_META_F_CONN))
		forget_conn_entry(seg.key);  // stop steering a tuple we do not know
	if (!seg.payload.empty()) {
		// Its state is gone: tell the client at once (RFC 9293 §3.10.7.1).
		stateless_rst_++;
		send(t, seg.ack, 0, net::kTcpRst, {});
		return;
	}
	if (seg.flags & net::kTcpFin) {
		// What the XDP program answers to a FIN without state.
		send(t, seg.ack, seg.seq + 1, net::kTcpAck, {});
	}
	// Pure ACK or RST of a connection we no longer know: nothing.
}

void Worker::on_tcp(const net::FrameView &v, const RxFrame &, const xdpdns_meta *meta, std::uint64_t now_ns)
{
	// A connection made while tcp.reuse was on keeps its state when the
	// knob goes off; new ones then get the stateless answer and FIN.
	if (knobs_.tcp_reuse || (meta && (meta->flags & XDPDNS_META_F_CONN)) || conns_.has(flow_key_of(v)))
		on_tcp_conn(v, meta, now_ns);
	else
		answer_and_close(v, meta, now_ns);
}

void Worker::on_tcp_conn(const net::FrameView &v, const xdpdns_meta *meta, std::uint64_t now_ns)
{
	// query() (called from the table while it takes this segment) needs
	// the client's address for a NOTIFY.
	tcp_client_ = net::make_reply_template(v).dst;
	tcp::ConnSegment seg;
	seg.key = flow_key_of(v);
	seg.seq = v.tcp_seq;
	seg.ack = v.tcp_ack;
	seg.window = v.tcp_window;
	seg.flags = v.tcp_flags;
	seg.payload = v.payload;
	seg.cookie_ok = meta && (meta->flags & XDPDNS_META_F_COOKIE_OK);
	seg.now_ns = now_ns;
	std::uint32_t client_mss = meta && meta->client_mss ? meta->client_mss : 0;
	if (meta && (meta->flags & XDPDNS_META_F_ADOPT)) {
		// The XDP program answered this connection's first query; it
		// now needs us (another query, a close out of order).
		seg.segment_size = segment_size_for(v, client_mss);
		if (conns_.adopt(seg, meta->rcv_nxt, meta->snd_nxt, net::make_reply_template(v), conn_settings()))
			return;
		on_tcp_stateless(v, seg, meta, now_ns);
		return;
	}
	if (!seg.cookie_ok && !seg.payload.empty() && !conns_.has(seg.key)) {
		// Steered here by a tcp_conns entry we have no connection for
		// (e.g. after a restart): a new connection if the cookie says so.
		client_mss = cookie_mss(seg);
		seg.cookie_ok = client_mss != 0;
	}
	seg.segment_size = segment_size_for(v, client_mss);

	if (conns_.on_segment(seg, net::make_reply_template(v), conn_settings()))
		return;
	on_tcp_stateless(v, seg, meta, now_ns);
}

}  // namespace xdpdns::daemon
