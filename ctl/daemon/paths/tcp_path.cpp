// tcp.reuse off: TCP data segments with a valid cookie (the XDP program
// checked it): plan with the flow table, answer every complete query, send the train from
// SEG.ACK with a FIN, and remember it so a retransmission gets the same
// octets and nothing ever overlaps in sequence space.
#include "daemon/paths/worker.h"

#include "dns/response.h"
#include "net/tcp_train.h"
#include "daemon/io/tx_sink.h"

#include <algorithm>
#include <cstring>

namespace xdpdns::daemon {

namespace {

void put_length(std::uint8_t *p, std::size_t n)
{
	p[0] = static_cast<std::uint8_t>(n >> 8);
	p[1] = static_cast<std::uint8_t>(n);
}

}  // namespace

void Worker::abandon_tcp(const TcpContext &c)
{
	// Nothing of the train left: the flow table may treat a retransmission
	// as new. A re-answer keeps the record of the answer sent before.
	if (!c.reanswer)
		flows_.forget(c.key);
}

void Worker::send_bare_ack(const TcpContext &c)
{
	TxSink sink(*port_);
	auto frame = sink.next_frame();
	const std::size_t len = frame.empty() ? 0
				: net::write_tcp(c.t, c.our_seq, c.ack_to, net::kTcpAck,
						 static_cast<std::uint16_t>(knobs_.tcp_window), {}, frame);
	if (len == 0) {
		counters_.inc(XDPDNS_STAT_D_TX_RING_FULL);
		return;
	}
	sink.commit(len);
	if (sink.finish())
		counters_.inc(XDPDNS_STAT_D_TX);
	else
		counters_.inc(XDPDNS_STAT_D_TX_RING_FULL);
}

bool Worker::emit_train(const TcpContext &c, std::span<const std::span<const std::uint8_t>> chunks,
			bool leading_ack)
{
	net::TcpTrainParams p;
	p.seq = c.our_seq;
	p.ack = c.ack_to;
	p.window = static_cast<std::uint16_t>(knobs_.tcp_window);
	p.segment_size = c.segment_size;
	p.leading_ack = leading_ack;
	TxSink sink(*port_);
	const auto res = net::write_tcp_train(c.t, p, chunks, sink);
	if (!res.complete || !sink.finish()) {
		sink.abandon();
		counters_.inc(XDPDNS_STAT_D_TX_RING_FULL);
		return false;
	}
	counters_.inc(XDPDNS_STAT_D_TX, res.frames);
	counters_.inc(XDPDNS_STAT_D_TCP_SEGMENTS, res.frames);
	return true;
}

bool Worker::store_tcp_answer(TcpContext &c, std::span<std::uint8_t> buf, std::uint32_t i,
			      std::span<const std::uint8_t> answer)
{
	if (c.buffer_used + 2 + answer.size() > buf.size()) {
		// No room left in this train: a TC=1 answer tells the client to
		// ask again.
		const std::size_t n = dns::write_truncated(c.q[i], small_buf_, knobs_.edns_buffer_size,
							     dns::answer_has_aa(answer));
		answer = {small_buf_.data(), n};
		if (n == 0 || c.buffer_used + 2 + n > buf.size())
			return false;
	}
	std::uint8_t *p = buf.data() + c.buffer_used;
	put_length(p, answer.size());
	std::memmove(p + 2, answer.data(), answer.size());
	c.answer_off[i] = c.buffer_used;
	c.answer_len[i] = static_cast<std::uint32_t>(2 + answer.size());
	c.buffer_used += c.answer_len[i];
	return true;
}

void Worker::answer_tcp_queries(const tcp::Plan &plan, TcpContext &c, std::span<std::uint8_t> buf,
				std::uint64_t tag)
{
	c.queries = static_cast<std::uint8_t>(plan.query_count);
	c.done = 0;
	c.buffer_used = 0;
	c.answer_len.fill(0);
	for (std::uint32_t i = 0; i < plan.query_count; i++) {
		const auto msg = plan.queries[i];
		const auto r = dns::parse_query(msg, c.q[i]);
		if (r != dns::ParseResult::drop)
			tap(dnstap::TapEvent::Kind::auth_query, c.t, true, msg);
		if (r == dns::ParseResult::drop) {  // a response or a runt: no answer
			counters_.inc(XDPDNS_STAT_D_DNS_DROPPED);
			c.done++;
			continue;
		}
		if (r != dns::ParseResult::ok) {
			const std::size_t n = answer_non_query(c.q[i], r, msg, c.t.dst);
			store_tcp_answer(c, buf, i, {small_buf_.data(), n});
			c.done++;
			continue;
		}
		if (check_dns_cookie(c.q[i], c.t.dst, false).verdict == dns::CookieVerdict::malformed) {
			const std::size_t n = write_parse_error(c.q[i], dns::ParseResult::formerr);
			store_tcp_answer(c, buf, i, {small_buf_.data(), n});
			c.done++;
			continue;
		}
		// The backend writes right after the length prefix: no copy.
		std::size_t size = 0;
		auto dest = buf.subspan(std::min<std::size_t>(buf.size(), c.buffer_used + 2));
		const auto status = backend_->resolve(c.q[i], msg, Transport::tcp,
						      PendingTable::with_index(tag, i), dest, size);
		if (status == Backend::Status::answered) {
			offer_answer(c.q[i], msg, dest.first(size), true, backend_->rrl_class());
			put_length(buf.data() + c.buffer_used, size);
			c.answer_off[i] = c.buffer_used;
			c.answer_len[i] = static_cast<std::uint32_t>(2 + size);
			c.buffer_used += c.answer_len[i];
			c.done++;
		} else if (status == Backend::Status::dropped) {
			const std::size_t n = dns::write_error(c.q[i], dns::rcode::servfail, small_buf_,
							       knobs_.edns_buffer_size);
			store_tcp_answer(c, buf, i, {small_buf_.data(), n});
			c.done++;
		}
	}
}

void Worker::finish_tcp(const TcpContext &c, std::span<std::uint8_t> buf, std::uint64_t now_ns)
{
	std::array<std::span<const std::uint8_t>, tcp::kMaxQueriesPerTrain> chunks;
	std::size_t n = 0, total = 0;
	for (std::uint32_t k = 0; k < c.queries; k++) {
		if (!c.answer_len[k])
			continue;
		chunks[n++] = {buf.data() + c.answer_off[k], c.answer_len[k]};
		total += c.answer_len[k];
	}
	if (n == 0) {
		counters_.inc(XDPDNS_STAT_D_TCP_UNANSWERABLE);
		abandon_tcp(c);
		return;
	}

	// Never beyond the window the client advertised (we offer no window
	// scaling, so it is in octets): answers that do not fit become TC=1
	// answers, which do, and tell the client to come back.
	if (total > c.client_window) {
		std::size_t used = 0;
		n = 0;
		total = 0;
		for (std::uint32_t k = 0; k < c.queries; k++) {
			if (!c.answer_len[k])
				continue;
			auto out = std::span<std::uint8_t>(small_buf_).subspan(used + 2);
			const bool aa = dns::answer_has_aa({buf.data() + c.answer_off[k] + 2, c.answer_len[k] - 2});
			const std::size_t len = dns::write_truncated(c.q[k], out, knobs_.edns_buffer_size, aa);
			if (len == 0)
				break;
			put_length(small_buf_.data() + used, len);
			chunks[n++] = {small_buf_.data() + used, 2 + len};
			used += 2 + len;
			total += 2 + len;
		}
		counters_.inc(XDPDNS_STAT_D_TCP_WINDOW_TC);
		if (total > c.client_window || n == 0) {
			counters_.inc(XDPDNS_STAT_D_TCP_UNANSWERABLE);
			abandon_tcp(c);
			return;
		}
	}

	const std::span<const std::span<const std::uint8_t>> stream{chunks.data(), n};
	if (c.reanswer && (tcp::stream_hash(stream) != c.expected_hash || total != c.expected_len)) {
		// The answer changed since we sent it (zone reload, upstream):
		// sending it now would corrupt the client's stream.
		counters_.inc(XDPDNS_STAT_D_TCP_UNANSWERABLE);
		return;
	}
	if (!emit_train(c, stream, false)) {
		abandon_tcp(c);
		return;
	}
	flows_.record_answer(c.key, c.request_seq, c.ack_to, stream, now_ns);
	counters_.inc(XDPDNS_STAT_D_TCP_ANSWERS, n);
	for (const auto &chunk : stream) {  // each "length + message"
		hist_.observe_tcp(chunk.size() - 2, c.segment_size);
		tap(dnstap::TapEvent::Kind::auth_response, c.t, true, chunk.subspan(2));
	}
}

void Worker::answer_and_close(const net::FrameView &v, const xdpdns_meta *meta, std::uint64_t now_ns)
{
	if (v.payload.empty()) {  // the XDP program only redirects data segments
		counters_.inc(XDPDNS_STAT_D_BAD_FRAME);
		return;
	}
	tcp::Segment seg;
	seg.key = flow_key_of(v);
	seg.seq = v.tcp_seq;
	seg.ack = v.tcp_ack;
	seg.fin = v.tcp_flags & net::kTcpFin;
	seg.payload = v.payload;
	seg.now_ns = now_ns;
	const tcp::Plan plan = flows_.plan(seg);

	TcpContext &c = *tcp_scratch_;
	c.t = net::make_reply_template(v);
	c.key = seg.key;
	c.our_seq = v.tcp_ack;
	c.ack_to = plan.ack_to;
	c.request_seq = plan.request_seq;  // a split query began in an earlier segment
	c.client_window = v.tcp_window;
	c.segment_size = segment_size_for(v, meta ? meta->client_mss : 0);
	c.reanswer = plan.verdict == tcp::Verdict::reanswer;
	c.expected_hash = plan.expected_hash;
	c.expected_len = plan.expected_len;

	switch (plan.verdict) {
	case tcp::Verdict::ack_partial:
		counters_.inc(XDPDNS_STAT_D_TCP_PARTIAL);
		send_bare_ack(c);
		return;
	case tcp::Verdict::resend: {
		counters_.inc(XDPDNS_STAT_D_TCP_RETRANSMIT);
		const std::span<const std::uint8_t> chunk[1] = {plan.cached};
		emit_train(c, chunk, false);
		return;
	}
	case tcp::Verdict::drop_after_fin:
		counters_.inc(XDPDNS_STAT_D_TCP_AFTER_FIN);
		return;
	case tcp::Verdict::drop:
		counters_.inc(XDPDNS_STAT_D_TCP_UNANSWERABLE);
		return;
	case tcp::Verdict::answer:
	case tcp::Verdict::reanswer:
		break;
	}
	if (plan.query_count == 0) {
		counters_.inc(XDPDNS_STAT_D_TCP_UNANSWERABLE);
		return;
	}
	if (c.reanswer)
		counters_.inc(XDPDNS_STAT_D_TCP_RETRANSMIT);

	if (!cfg_.async_backend) {
		answer_tcp_queries(plan, c, stream_, 0);
		finish_tcp(c, stream_, now_ns);
		return;
	}

	// Asynchronous backend. (A retransmission while the answer is pending
	// never gets here: the flow table drops it.)
	const auto tag = pending_.tcp_alloc();
	if (!tag) {
		counters_.inc(XDPDNS_STAT_D_UPSTREAM_FULL);
		abandon_tcp(c);
		return;
	}
	TcpContext *slot = pending_.tcp_get(*tag);
	*slot = c;
	const auto buf = pending_.tcp_buffer(*tag);
	answer_tcp_queries(plan, *slot, buf, *tag);
	if (slot->done == slot->queries) {
		finish_tcp(*slot, buf, now_ns);
		pending_.tcp_free(*tag);
		return;
	}
	// The answer takes a round trip to the upstream: acknowledge the
	// request now so the client does not retransmit it (Huston's trace).
	send_bare_ack(*slot);
}

}  // namespace xdpdns::daemon
