// UDP queries: answer from the backend, then the full answer (IP-fragmented
// by us when it exceeds the path MTU), a TC=1 answer when it exceeds the
// client's buffer, and an ATR follow-up when the policy says so.
#include "daemon/paths/worker.h"

#include "daemon/io/clock.h"
#include "daemon/answers/answer_entry.h"
#include "dns/dns_cookie.h"
#include "dns/response.h"
#include "dns/udp_limit.h"
#include "net/fragment.h"
#include "daemon/io/tx_sink.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

namespace xdpdns::daemon {

void Worker::send_datagram(const net::ReplyTemplate &t, std::span<const std::uint8_t> payload)
{
	TxSink sink(*port_);
	auto frame = sink.next_frame();
	const std::size_t len = frame.empty() ? 0 : net::write_udp(t, payload, frame);
	if (len == 0) {
		counters_.inc(XDPDNS_STAT_D_TX_RING_FULL);
		return;
	}
	sink.commit(len);
	if (!sink.finish()) {
		counters_.inc(XDPDNS_STAT_D_TX_RING_FULL);
		return;
	}
	counters_.inc(XDPDNS_STAT_D_TX);
	hist_.udp_size.observe(payload.size());
	tap(dnstap::TapEvent::Kind::auth_response, t, false, payload);
}

void Worker::on_udp(const net::FrameView &v, const RxFrame &f, const xdpdns_meta *meta, std::uint64_t now_ns)
{
	UdpContext c;
	c.t = net::make_reply_template(v);
	const auto r = dns::parse_query(v.payload, c.q);
	if (r != dns::ParseResult::drop)
		tap(dnstap::TapEvent::Kind::auth_query, c.t, false, v.payload);
	switch (r) {
	case dns::ParseResult::drop:
		counters_.inc(XDPDNS_STAT_D_DNS_DROPPED);
		return;
	case dns::ParseResult::notimp:
	case dns::ParseResult::formerr:
	case dns::ParseResult::badvers: {
		const std::size_t n = answer_non_query(c.q, r, v.payload, c.t.dst);
		if (n)
			send_datagram(c.t, {small_buf_.data(), n});
		return;
	}
	case dns::ParseResult::ok:
		break;
	}

	const dns::CookieOutcome cookie = check_dns_cookie(c.q, c.t.dst, true);
	if (cookie.verdict == dns::CookieVerdict::malformed || cookie.badcookie) {
		const std::size_t n = cookie.badcookie ? dns::write_badcookie(c.q, small_buf_, knobs_.edns_buffer_size)
						       : write_parse_error(c.q, dns::ParseResult::formerr);
		if (n)
			send_datagram(c.t, {small_buf_.data(), n});
		return;
	}
	c.valid_cookie = cookie.valid_server_cookie();

	if (meta) {
		c.path_mtu = meta->path_mtu;
		c.atr_allowed = meta->flags & XDPDNS_META_F_ATR_ALLOWED;
		c.rrl_exempt = meta->flags & XDPDNS_META_F_RRL_EXEMPT;
	} else {
		// No metadata (a driver without room for it): the allow-list
		// could not be checked, so a non-empty one admits nobody.
		c.atr_allowed = !knobs_.atr_allow_active;
	}

	std::size_t size = 0;
	auto tag = pending_.udp_alloc();
	const auto status = backend_->resolve(c.q, v.payload, Transport::udp, tag.value_or(0), answer_buf_, size);
	if (status == Backend::Status::answered) {
		if (tag)
			pending_.udp_free(*tag);
		const std::span<const std::uint8_t> answer{answer_buf_.data(), size};
		const std::uint32_t rrl_class = backend_->rrl_class();
		// RRL exemption: the exempt list (XDP's metadata), or a valid
		// DNS server cookie (RFC 7873: a spoofed source cannot have one,
		// so answering it amplifies nothing).
		const bool rrl_exempt = c.rrl_exempt || c.valid_cookie;
		if (!rrl_admits(c, rrl_class, rrl_exempt, dns::answer_has_aa(answer), now_ns))
			return;
		if (finish_udp(c, f.packet, answer, now_ns))
			offer_answer(c.q, v.payload, answer, false, rrl_class);
		return;
	}
	if (status == Backend::Status::dropped || !tag) {
		if (tag)
			pending_.udp_free(*tag);
		counters_.inc(XDPDNS_STAT_D_DNS_DROPPED);
		return;
	}
	// Pending: keep what the answer needs, including the query frame for a
	// possible ATR follow-up.
	UdpContext *slot = pending_.udp_get(*tag);
	*slot = c;
	if (f.packet.size() <= slot->frame.size()) {
		std::memcpy(slot->frame.data(), f.packet.data(), f.packet.size());
		slot->frame_len = static_cast<std::uint16_t>(f.packet.size());
	}
}

bool Worker::finish_udp(const UdpContext &c, std::span<const std::uint8_t> query_frame,
			std::span<const std::uint8_t> answer, std::uint64_t now_ns)
{
	const std::size_t limit = dns::udp_answer_limit(c.q.udp_size, knobs_.udp_max_size, c.t.is_ipv6);
	if (answer.size() > limit) {
		const std::size_t n = dns::write_truncated(c.q, small_buf_, knobs_.edns_buffer_size,
							     dns::answer_has_aa(answer));
		if (n) {
			send_datagram(c.t, {small_buf_.data(), n});
			counters_.inc(XDPDNS_STAT_D_UDP_TRUNCATED);
		}
		return false;
	}

	std::uint32_t mtu = cfg_.mtu;
	if (c.path_mtu && c.path_mtu < mtu)
		mtu = c.path_mtu;
	// A query with a cookie gets its follow-up too, though the XDP program
	// builds it without our COOKIE option: it only says "ask over TCP",
	// which a client that misses the cookie does anyway (BIND retries over
	// TCP), and the answer over TCP carries the cookie.
	const atr::AtrInput in{answer.size(), limit, c.t.is_ipv6, mtu, c.atr_allowed};
	const atr::AtrKnobs k{knobs_.atr_enabled, knobs_.atr_size_v4, knobs_.atr_size_v6, knobs_.atr_probability};
	const auto decision = atr::decide(in, k, random_percent());

	TxSink sink(*port_);
	const auto res = net::write_udp_fragments(c.t, answer, mtu, frag_ids_, sink);
	if (!res.complete || !sink.finish()) {
		sink.abandon();
		counters_.inc(XDPDNS_STAT_D_TX_RING_FULL);
		return false;
	}
	counters_.inc(XDPDNS_STAT_D_TX, res.frames);
	counters_.inc(XDPDNS_STAT_D_UDP_ANSWERS);
	hist_.udp_size.observe(answer.size());
	tap(dnstap::TapEvent::Kind::auth_response, c.t, false, answer);
	if (res.frames > 1)
		counters_.inc(XDPDNS_STAT_D_UDP_FRAGMENTED);

	if (decision == atr::AtrDecision::send_with_atr) {
		// The delay runs from when the answer leaves, not from when the
		// batch began: send it now (copy mode transmits inside sendto()).
		port_->tx_kick();
		(void)now_ns;
		if (!query_frame.empty() && atr_.schedule(query_frame, cfg_.queue,
						 monotonic_now_ns() + std::uint64_t(knobs_.atr_delay_us) * 1000))
			counters_.inc(XDPDNS_STAT_D_ATR_SCHEDULED);
		else
			counters_.inc(XDPDNS_STAT_D_ATR_DROPPED);
		return false;
	}
	return res.frames == 1;
}

bool Worker::rrl_admits(const UdpContext &c, std::uint32_t rrl_class, bool exempt, bool aa, std::uint64_t now_ns)
{
	const rrl::Settings &s = knobs_.rrl;
	if (!s.rate || !rrl_class)
		return true;
	if (exempt) {
		counters_.inc(XDPDNS_STAT_D_RRL_EXEMPT);
		return true;
	}
	const rrl::Decision d = rrl_.decide(c.t.dst, c.t.is_ipv6, rrl_class, s, now_ns);
	if (!d.limited)
		return true;
	if (d.started && rrl_log_.take(now_ns)) {
		std::uint32_t bits = 0;
		const auto prefix = rrl::prefix_text(c.t.dst, c.t.is_ipv6, s, bits);
		spdlog::info("{}: rrl: limiting {}/{} (answer class {:08x}): more than {} responses/s{}", cfg_.ifname,
			     prefix.view(), bits, rrl_class, s.rate, s.log_only ? " (log-only: all sent)" : "");
	}
	switch (d.action) {
	case rrl::Action::send:
		counters_.inc(XDPDNS_STAT_D_RRL_WOULD_LIMIT);
		return true;
	case rrl::Action::drop:
		counters_.inc(XDPDNS_STAT_D_RRL_DROPPED);
		return false;
	case rrl::Action::slip:
		if (const std::size_t n = dns::write_truncated(c.q, small_buf_, knobs_.edns_buffer_size, aa)) {
			send_datagram(c.t, {small_buf_.data(), n});
			counters_.inc(XDPDNS_STAT_D_RRL_SLIPPED);
		}
		return false;
	}
	return true;
}

void Worker::offer_answer(const dns::Query &q, std::span<const std::uint8_t> msg,
			  std::span<const std::uint8_t> answer, bool tcp, std::uint32_t rrl_class)
{
	if (!cfg_.answer_map || !knobs_.answers_in_kernel)
		return;
	const void *source = backend_->answer_source();
	// One frame whatever the client's address family (IPv6 + UDP headers).
	if (!source || answer.size() + 48 > cfg_.mtu)
		return;
	xdpdns_answer_key key;
	if (!answers::key_for(q, msg, tcp, key) || !seen_.seen_before(key) ||
	    !answers::entry_for(q, answer, answer_entry_, rrl_class))
		return;
	if (cfg_.answer_map->insert(source, key, answer_entry_) == answers::AnswerMap::Insert::stored)
		counters_.inc(XDPDNS_STAT_D_ANSWER_INSERTS);
}

}  // namespace xdpdns::daemon
