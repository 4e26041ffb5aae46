// Builders shared by the flow table tests: DNS-over-TCP framed messages,
// 4-tuples, segments, and a caller that answers deterministically.
#pragma once

#include "daemon/tcp/flow_table.h"

#include <cstdint>
#include <initializer_list>
#include <span>
#include <vector>

namespace xdpdns::daemon::tcp::test {

using Bytes = std::vector<uint8_t>;

// A message body of `n` octets whose content depends on `tag` and position.
inline Bytes body(size_t n, uint8_t tag)
{
	Bytes b(n);
	for (size_t i = 0; i < n; i++)
		b[i] = static_cast<uint8_t>(tag * 31 + i * 7 + 1);
	return b;
}

// `b` with its 2-octet big-endian length in front.
inline Bytes framed(const Bytes &b)
{
	Bytes out{static_cast<uint8_t>(b.size() >> 8), static_cast<uint8_t>(b.size())};
	out.insert(out.end(), b.begin(), b.end());
	return out;
}

inline Bytes cat(std::initializer_list<Bytes> parts)
{
	Bytes out;
	for (const auto &p : parts)
		out.insert(out.end(), p.begin(), p.end());
	return out;
}

inline Bytes slice(const Bytes &b, size_t from, size_t to)
{
	return Bytes(b.begin() + from, b.begin() + to);
}

inline FlowKey key(uint16_t client_port, uint8_t last_octet = 2)
{
	FlowKey k;
	k.client = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, last_octet};
	k.server = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 51, 100, 1};
	k.client_port = client_port;
	k.server_port = 53;
	return k;
}

inline constexpr uint32_t kCookieAck = 0x5eed0001;  // our ISN + 1

inline Segment segment(const FlowKey &k, uint32_t seq, const Bytes &payload, uint64_t now_ns,
		       bool fin = false, uint32_t ack = kCookieAck)
{
	Segment s;
	s.key = k;
	s.seq = seq;
	s.ack = ack;
	s.fin = fin;
	s.payload = payload;
	s.now_ns = now_ns;
	return s;
}

inline Bytes to_bytes(std::span<const uint8_t> s) { return Bytes(s.begin(), s.end()); }

inline bool inside(std::span<const uint8_t> inner, const Bytes &outer)
{
	return inner.data() >= outer.data() && inner.data() + inner.size() <= outer.data() + outer.size();
}

// The answer a deterministic backend gives: a marker, the query reversed.
inline Bytes answer_for(std::span<const uint8_t> query)
{
	Bytes a{0xA5};
	a.insert(a.end(), query.rbegin(), query.rend());
	return a;
}

// The stream a caller sends for `plan`: each answer with its length prefix.
struct Stream {
	std::vector<Bytes> parts;
	std::vector<std::span<const uint8_t>> spans;
	Bytes flat;
};

inline Stream stream_for(const Plan &plan)
{
	Stream s;
	for (size_t i = 0; i < plan.query_count; i++)
		s.parts.push_back(framed(answer_for(plan.queries[i])));
	for (const auto &p : s.parts) {
		s.spans.emplace_back(p);
		s.flat.insert(s.flat.end(), p.begin(), p.end());
	}
	return s;
}

// Records `plan` (answer or reanswer) as sent; returns the stream.
inline Stream send_and_record(FlowTable &t, const Segment &seg, const Plan &plan)
{
	Stream s = stream_for(plan);
	t.record_answer(seg.key, plan.request_seq, plan.ack_to, s.spans, seg.now_ns);
	return s;
}

}  // namespace xdpdns::daemon::tcp::test
