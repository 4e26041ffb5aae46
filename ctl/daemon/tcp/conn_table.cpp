#include "daemon/tcp/conn_table.h"

#include "daemon/tcp/message_split.h"
#include "daemon/tcp/seq.h"
#include "net/frame.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace xdpdns::daemon::tcp {
namespace {

constexpr uint32_t npos = FlowIndex::npos;
// A segment this far from RCV.NXT cannot belong to the connection (we offer
// no window scaling): with a valid cookie it starts a new one on the tuple.
constexpr uint32_t kSeqWindow = 65535;
constexpr size_t kTimerBatch = 64;
constexpr uint64_t kTimerTickNs = 10'000'000;  // 10 ms
constexpr size_t kTimerSlots = 1024;           // one turn: 10.24 s
constexpr uint64_t kTxRetryNs = 10'000'000;    // a full TX ring: retry after a tick

// a < b on the sequence circle.
constexpr bool seq_lt(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) < 0; }

const ConnTable::Limits &checked(const ConnTable::Limits &l)
{
	auto fail = [](const std::string &what) { throw std::invalid_argument("TCP connections: " + what); };
	if (l.conns == 0 || l.conns > (size_t{1} << 24))
		fail("connections must be in 1..2^24, got " + std::to_string(l.conns));
	if (l.reassembly_slots > l.conns)
		fail("reassembly slots must not exceed connections");
	if (l.reassembly_bytes < 512 || l.reassembly_bytes > 65537)
		fail("reassembly bytes must be in 512..65537, got " + std::to_string(l.reassembly_bytes));
	if (l.send_bytes < (size_t{1} << 20) || l.send_bytes > (size_t{1} << 34))
		fail("send buffer must be in 1 MiB..16 GiB, got " + std::to_string(l.send_bytes));
	if (l.max_buffered < 65538 || l.max_buffered > l.send_bytes / 4)
		fail("per-connection buffer must be in 65538..send buffer/4");
	if (l.min_rto_ns == 0 || l.min_rto_ns > l.max_rto_ns || l.initial_rto_ns == 0 || l.max_retries == 0)
		fail("retransmission timer limits out of order");
	return l;
}

}  // namespace

ConnTable::ConnTable(const Limits &limits, ConnIo &io)
	: limits_(checked(limits)),
	  io_(io),
	  index_(limits.conns),
	  conns_(limits.conns),
	  timers_(limits.conns, kTimerTickNs, kTimerSlots),
	  ring_(limits.send_bytes),
	  slot_memory_(limits.reassembly_slots * limits.reassembly_bytes),
	  scratch_(65536)
{
	free_slots_.reserve(limits.reassembly_slots);
	for (size_t i = limits.reassembly_slots; i-- > 0;)
		free_slots_.push_back(static_cast<uint32_t>(i));
}

ConnTable::Stats ConnTable::stats() const
{
	Stats s = stats_;
	s.open = index_.size();
	return s;
}

size_t ConnTable::memory_bytes() const
{
	return conns_.size() * sizeof(Conn) + index_.memory_bytes() + timers_.memory_bytes() + ring_.capacity() +
	       slot_memory_.size() + free_slots_.capacity() * sizeof(uint32_t) + scratch_.size();
}

ConnTable::Conn *ConnTable::conn(ConnRef ref)
{
	if (ref.id >= conns_.size() || conns_[ref.id].generation != ref.generation ||
	    index_.find(index_.key(ref.id)) != ref.id)
		return nullptr;
	return &conns_[ref.id];
}

// ---- life cycle ------------------------------------------------------------

uint32_t ConnTable::open_conn(const ConnSegment &seg, const net::ReplyTemplate &t)
{
	if (index_.size() == index_.capacity()) {
		const uint32_t oldest = index_.oldest();
		if (seg.now_ns - index_.last_used(oldest) < limits_.min_evict_idle_ns) {
			stats_.table_full++;
			return npos;
		}
		stats_.evicted++;
		reset(oldest);
	}
	const uint32_t id = index_.insert(seg.key, seg.now_ns);
	Conn &c = conns_[id];
	const uint32_t generation = c.generation;
	c = Conn{};
	c.generation = generation;
	c.segment_size = std::max<uint16_t>(1, seg.segment_size);
	c.peer_window = seg.window;
	c.isn = seg.ack - 1;
	c.snd_una = c.snd_nxt = c.end_seq = c.head_seq = seg.ack;
	c.rcv_nxt = seg.seq;
	c.rto_ns = limits_.initial_rto_ns;
	c.last_active_ns = seg.now_ns;
	c.tpl = t;
	stats_.opened++;
	return id;
}

void ConnTable::release(uint32_t id, bool notify)
{
	Conn &c = conns_[id];
	if (c.slot != UINT32_MAX)
		free_slots_.push_back(c.slot);
	timers_.cancel(id);
	const FlowKey key = index_.key(id);
	index_.remove(id);
	const uint32_t generation = c.generation + 1;
	c = Conn{};
	c.generation = generation;  // answers still on their way are now stale
	if (notify)
		io_.released(key);
}

void ConnTable::reset(uint32_t id)
{
	const Conn &c = conns_[id];
	io_.send(c.tpl, c.snd_nxt, c.rcv_nxt, net::kTcpRst | net::kTcpAck, {});
	stats_.resets_sent++;
	release(id);
}

// ---- segments --------------------------------------------------------------

bool ConnTable::on_segment(const ConnSegment &seg, const net::ReplyTemplate &t, const Settings &s)
{
	uint32_t id = index_.find(seg.key);
	if (id != npos && !seg.payload.empty() &&
	    !seq_in(seg.seq, conns_[id].rcv_nxt - kSeqWindow, 2 * kSeqWindow) &&
	    (seg.cookie_ok || io_.cookie_valid(seg))) {
		// The client reused its port: the old connection is over for it.
		stats_.replaced++;
		release(id, false);  // the XDP program's record now serves the new one
		id = npos;
	}
	if (id == npos) {
		if (!starts_query(seg.payload, limits_.reassembly_bytes - 2)) {
			// Not the first octets of a stream (see starts_query): nothing
			// is made; the client sends its first segment again.
			if (!seg.payload.empty() && (seg.cookie_ok || io_.cookie_valid(seg))) {
				stats_.not_stream_start++;
				return true;
			}
			return false;
		}
		if (!(seg.flags & net::kTcpAck) || (seg.flags & (net::kTcpSyn | net::kTcpRst)) ||
		    !(seg.cookie_ok || io_.cookie_valid(seg)))
			return false;
		id = open_conn(seg, t);
		if (id == npos)
			return false;
	}

	Conn &c = conns_[id];
	const uint32_t generation = c.generation;
	if (seg.flags & net::kTcpRst) {
		// In the window only (RFC 5961 §3 asks for more; blind resets need
		// the 4-tuple and a sequence number within 64 KiB).
		if (seq_in(seg.seq, c.rcv_nxt, uint32_t{s.window} + 1)) {
			stats_.resets_received++;
			release(id);
		}
		return true;
	}
	if ((seg.flags & net::kTcpSyn) || !(seg.flags & net::kTcpAck))
		return true;

	index_.touch(id, seg.now_ns);
	c.last_active_ns = seg.now_ns;
	on_ack(id, seg);
	if (conns_[id].generation != generation)
		return true;  // reset while acknowledging
	if ((c.flags & kFinSent) && c.snd_una == c.snd_nxt) {
		// Our FIN is acknowledged: nothing more will be answered here.
		release(id);
		return true;
	}
	on_data(id, seg, s);
	if (conns_[id].generation != generation)
		return true;
	push(id, seg.now_ns, s);
	return true;
}

bool ConnTable::adopt(const ConnSegment &seg, uint32_t rcv_nxt, uint32_t snd_nxt, const net::ReplyTemplate &t,
		      const Settings &s)
{
	if (!has(seg.key)) {
		ConnSegment at = seg;
		at.seq = rcv_nxt;
		at.ack = snd_nxt;
		const uint32_t id = open_conn(at, t);
		if (id == npos)
			return false;
		conns_[id].queries = 1;
		stats_.adopted++;
	}
	return on_segment(seg, t, s);
}

void ConnTable::on_ack(uint32_t id, const ConnSegment &seg)
{
	Conn &c = conns_[id];
	const uint32_t acked = seg.ack - c.snd_una;
	c.peer_window = seg.window;

	if (acked > 0 && acked <= in_flight(c)) {
		if ((c.flags & kTiming) && seq_lt(c.rtt_seq, seg.ack)) {
			rtt_sample(c, seg.now_ns - c.rtt_start_ns);
			c.flags &= ~kTiming;
		}
		c.snd_una = seg.ack;
		c.retries = 0;
		c.dupacks = 0;
		c.flags &= ~kRtoArmed;  // restarted in arm()
		// Free the chunks now acknowledged.
		while (c.head_pos != SendRing::none && ring_.valid(c.head_pos)) {
			const uint32_t len = ring_.length(c.head_pos);
			if (seq_dist(c.head_seq, std::min(c.snd_una, c.end_seq)) < len)
				break;
			c.head_seq += len;
			if (c.head_pos == c.tail_pos) {
				c.head_pos = c.tail_pos = SendRing::none;
				break;
			}
			c.head_pos = ring_.next(c.head_pos);
		}
		if (!seq_lt(c.snd_una, c.end_seq)) {
			// Every answer octet acknowledged: the list starts afresh
			// (even if its old chunks were overwritten meanwhile).
			c.head_pos = c.tail_pos = c.hint_pos = SendRing::none;
			c.head_seq = c.end_seq;
		}
		if (c.flags & kRecovery) {
			if (seq_lt(c.snd_una, c.recover) && in_flight(c) > 0)
				retransmit_head(id);  // NewReno partial ACK: the next hole
			else
				c.flags &= ~kRecovery;
		}
		return;
	}
	if (acked == 0 && seg.payload.empty() && !(seg.flags & net::kTcpFin) && in_flight(c) > 0) {
		if (++c.dupacks == 3 && !(c.flags & kRecovery)) {
			c.flags |= kRecovery;
			c.flags &= ~kTiming;
			c.recover = c.snd_nxt;
			stats_.fast_retransmits++;
			retransmit_head(id);
		}
		return;
	}
	if (acked != 0 && acked > in_flight(c) && seq_lt(c.snd_nxt, seg.ack))
		c.flags |= kNeedAck;  // acknowledges what we never sent: tell it SND.NXT
}

bool ConnTable::query_allowed(const Conn &c, const Settings &s) const
{
	return !(c.flags & (kClosing | kFinSent | kFinReceived)) &&
	       (s.max_queries == 0 || c.queries < s.max_queries) &&
	       seq_dist(c.snd_una, c.end_seq) < limits_.max_buffered;
}

void ConnTable::on_data(uint32_t id, const ConnSegment &seg, const Settings &s)
{
	Conn &c = conns_[id];
	const uint32_t generation = c.generation;
	const uint32_t len = static_cast<uint32_t>(seg.payload.size());
	bool fin = seg.flags & net::kTcpFin;

	if (c.flags & kFinReceived) {
		if (len > 0 || fin)
			c.flags |= kNeedAck;  // a retransmission: repeat our ACK
		return;
	}
	if (len > 0) {
		c.flags |= kNeedAck;
		if (seq_in(c.rcv_nxt, seg.seq, len)) {
			const auto fresh = seg.payload.subspan(c.rcv_nxt - seg.seq);
			size_t taken = 0;
			if (query_allowed(c, s))
				consume(id, fresh, s, taken);
			if (c.generation != generation)
				return;  // reset (a query too long for a slot)
			c.rcv_nxt += static_cast<uint32_t>(taken);
		} else if (seq_lt(c.rcv_nxt, seg.seq)) {
			stats_.out_of_order++;  // a hole before it: the duplicate ACK asks for it
		}
	}
	if (fin) {
		if (seg.seq + len == c.rcv_nxt) {
			c.rcv_nxt++;
			c.flags |= kFinReceived | kClosing | kNeedAck;
			if (c.slot != UINT32_MAX) {  // a query that can never complete
				free_slots_.push_back(c.slot);
				c.slot = UINT32_MAX;
				c.held = 0;
			}
		} else {
			c.flags |= kNeedAck;
		}
	}
}

void ConnTable::consume(uint32_t id, std::span<const uint8_t> fresh, const Settings &s, size_t &taken)
{
	Conn &c = conns_[id];
	const uint32_t generation = c.generation;
	const bool from_slot = c.slot != UINT32_MAX;
	std::span<const uint8_t> buf = fresh;
	uint8_t *slot = nullptr;

	if (from_slot) {
		slot = slot_memory_.data() + size_t{c.slot} * limits_.reassembly_bytes;
		const size_t n = std::min(fresh.size(), limits_.reassembly_bytes - c.held);
		std::memcpy(slot + c.held, fresh.data(), n);
		c.held += static_cast<uint32_t>(n);
		taken = n;
		buf = {slot, c.held};
	}

	size_t off = 0;
	while (query_allowed(c, s) && off + 2 <= buf.size()) {
		const size_t n = (size_t{buf[off]} << 8) | buf[off + 1];
		if (off + 2 + n > buf.size())
			break;
		const auto message = buf.subspan(off + 2, n);
		off += 2 + n;
		c.queries++;
		c.pending++;
		stats_.queries++;
		if (s.max_queries != 0 && c.queries >= s.max_queries)
			c.flags |= kClosing;
		io_.query(ConnRef{id, generation}, message);
		if (conns_[id].generation != generation)
			return;
	}
	const size_t left = buf.size() - off;

	if (from_slot) {
		if (left == limits_.reassembly_bytes) {
			stats_.query_too_long++;
			reset(id);
			return;
		}
		std::memmove(slot, slot + off, left);
		c.held = static_cast<uint32_t>(left);
		if (left == 0) {
			free_slots_.push_back(c.slot);
			c.slot = UINT32_MAX;
		}
		return;
	}
	taken = off;
	if (left == 0 || !query_allowed(c, s))
		return;  // what was not answered is not acknowledged either
	if (left >= limits_.reassembly_bytes) {
		stats_.query_too_long++;
		reset(id);
		return;
	}
	if (free_slots_.empty())
		return;  // not acknowledged: the client sends it again
	c.slot = free_slots_.back();
	free_slots_.pop_back();
	std::memcpy(slot_memory_.data() + size_t{c.slot} * limits_.reassembly_bytes, buf.data() + off, left);
	c.held = static_cast<uint32_t>(left);
	taken = off + left;
}

// ---- answers ---------------------------------------------------------------

void ConnTable::add_answer(ConnRef ref, std::span<const uint8_t> answer)
{
	Conn *c = conn(ref);
	if (!c)
		return;
	if (c->pending > 0)
		c->pending--;
	if (answer.empty() || answer.size() > 65535)
		return;
	const uint8_t prefix[2] = {static_cast<uint8_t>(answer.size() >> 8), static_cast<uint8_t>(answer.size())};
	const std::span<const uint8_t> parts[2] = {prefix, answer};
	const uint64_t pos = ring_.append(c->tail_pos, parts, answer.size() + 2);
	if (pos == SendRing::none) {
		reset(ref.id);
		return;
	}
	if (c->head_pos == SendRing::none) {
		c->head_pos = pos;
		c->head_seq = c->end_seq;
	}
	c->tail_pos = pos;
	c->end_seq += static_cast<uint32_t>(answer.size() + 2);
}

uint16_t ConnTable::segment_size(ConnRef ref)
{
	const Conn *c = conn(ref);
	return c ? c->segment_size : 0;
}

const FlowKey *ConnTable::flow_key(ConnRef ref)
{
	return conn(ref) ? &index_.key(ref.id) : nullptr;
}

void ConnTable::cancel_answer(ConnRef ref)
{
	if (Conn *c = conn(ref); c && c->pending > 0)
		c->pending--;
}

void ConnTable::flush(ConnRef ref, uint64_t now_ns, const Settings &s)
{
	if (conn(ref))
		push(ref.id, now_ns, s);
}

// ---- sending ---------------------------------------------------------------

bool ConnTable::fin_due(const Conn &c) const
{
	return (c.flags & kClosing) && !(c.flags & kFinSent) && c.pending == 0;
}

bool ConnTable::gather(Conn &c, uint32_t seq, uint32_t len, uint8_t *out) const
{
	uint64_t pos = c.head_pos;
	uint32_t chunk_seq = c.head_seq;
	if (c.hint_pos != SendRing::none && !seq_lt(seq, c.hint_seq) && !seq_lt(c.hint_seq, c.head_seq) &&
	    ring_.valid(c.hint_pos)) {
		pos = c.hint_pos;
		chunk_seq = c.hint_seq;
	}
	while (len > 0) {
		if (!ring_.valid(pos))
			return false;
		const uint32_t chunk_len = ring_.length(pos);
		const uint32_t off = seq - chunk_seq;
		if (off >= chunk_len) {
			chunk_seq += chunk_len;
			pos = ring_.next(pos);
			continue;
		}
		const uint32_t take = std::min(chunk_len - off, len);
		std::memcpy(out, ring_.data(pos).data() + off, take);
		out += take;
		seq += take;
		len -= take;
		c.hint_pos = pos;
		c.hint_seq = chunk_seq;
	}
	return true;
}

bool ConnTable::send_range(uint32_t id, uint32_t seq, uint32_t len, bool with_fin)
{
	Conn &c = conns_[id];
	if (len > 0 && !gather(c, seq, len, scratch_.data())) {
		stats_.ring_lost++;
		reset(id);
		return false;
	}
	uint8_t flags = net::kTcpAck;
	if (len > 0 && seq + len == c.end_seq)
		flags |= net::kTcpPsh;
	if (with_fin)
		flags |= net::kTcpFin;
	return io_.send(c.tpl, seq, c.rcv_nxt, flags, {scratch_.data(), len});
}

void ConnTable::retransmit_head(uint32_t id)
{
	Conn &c = conns_[id];
	const uint32_t data_end = (c.flags & kFinSent) ? c.end_seq : c.snd_nxt;
	const uint32_t n = std::min<uint32_t>(c.segment_size, seq_dist(c.snd_una, data_end));
	const bool fin = (c.flags & kFinSent) && c.snd_una + n == c.end_seq;
	stats_.retransmits++;
	send_range(id, c.snd_una, n, fin);
}

void ConnTable::push(uint32_t id, uint64_t now_ns, const Settings &s)
{
	Conn &c = conns_[id];
	const uint32_t generation = c.generation;
	bool sent = false;

	while (seq_lt(c.snd_nxt, c.end_seq)) {
		const uint32_t window_left = seq_dist(c.snd_nxt, c.snd_una + c.peer_window);
		if (window_left == 0 || window_left > c.peer_window)
			break;  // window full (or shrunk below what is in flight)
		const uint32_t n = std::min({uint32_t{c.segment_size}, seq_dist(c.snd_nxt, c.end_seq), window_left});
		const bool fin = fin_due(c) && c.snd_nxt + n == c.end_seq;
		if (!send_range(id, c.snd_nxt, n, fin)) {
			if (conns_[id].generation != generation)
				return;  // reset: its octets were lost
			c.flags |= kTxBlocked;  // TX ring full: the timer tries again soon
			break;
		}
		if (!(c.flags & kTiming)) {
			c.flags |= kTiming;
			c.rtt_seq = c.snd_nxt;
			c.rtt_start_ns = now_ns;
		}
		c.snd_nxt += n + (fin ? 1 : 0);
		if (fin)
			c.flags |= kFinSent;
		sent = true;
	}
	if (fin_due(c) && c.snd_nxt == c.end_seq) {
		if (send_range(id, c.snd_nxt, 0, true)) {
			c.snd_nxt++;
			c.flags |= kFinSent;
			sent = true;
		}
	}
	if (!sent && (c.flags & kNeedAck))
		io_.send(c.tpl, c.snd_nxt, c.rcv_nxt, net::kTcpAck, {});
	c.flags &= ~kNeedAck;
	(void)s;
	arm(id, now_ns, s);
}

// ---- timers ----------------------------------------------------------------

void ConnTable::rtt_sample(Conn &c, uint64_t r)
{
	// RFC 6298 §2.2/2.3, alpha 1/8, beta 1/4, G = 1 ms.
	if (c.srtt_ns == 0) {
		c.srtt_ns = r;
		c.rttvar_ns = r / 2;
	} else {
		const uint64_t diff = c.srtt_ns > r ? c.srtt_ns - r : r - c.srtt_ns;
		c.rttvar_ns = (3 * c.rttvar_ns + diff) / 4;
		c.srtt_ns = (7 * c.srtt_ns + r) / 8;
	}
	c.rto_ns = std::clamp(c.srtt_ns + std::max<uint64_t>(1'000'000, 4 * c.rttvar_ns), limits_.min_rto_ns,
			      limits_.max_rto_ns);
}

void ConnTable::arm(uint32_t id, uint64_t now_ns, const Settings &s)
{
	Conn &c = conns_[id];
	if (in_flight(c) > 0) {
		c.flags &= ~kTxBlocked;  // its ACKs push the rest
		if (!(c.flags & kRtoArmed) || !timers_.armed(id)) {
			timers_.schedule(id, now_ns + c.rto_ns);
			c.flags |= kRtoArmed;
		}
		return;
	}
	c.flags &= ~kRtoArmed;
	if (c.flags & kTxBlocked) {
		c.flags &= ~kTxBlocked;
		timers_.schedule(id, now_ns + kTxRetryNs);  // the ring drains within a loop or two
	} else if (seq_lt(c.snd_nxt, c.end_seq) || fin_due(c)) {
		timers_.schedule(id, now_ns + c.rto_ns);  // window closed: probe later
	} else {
		timers_.schedule(id, c.last_active_ns + s.idle_ns);
	}
}

void ConnTable::on_timers(uint64_t now_ns, const Settings &s)
{
	uint32_t due[kTimerBatch];
	size_t n;
	do {
		n = timers_.expire(now_ns, due, kTimerBatch);
		for (size_t i = 0; i < n; i++)
			on_timeout(due[i], now_ns, s);
	} while (n == kTimerBatch);
}

void ConnTable::on_timeout(uint32_t id, uint64_t now_ns, const Settings &s)
{
	Conn &c = conns_[id];
	if (in_flight(c) > 0) {
		stats_.timeouts++;
		if (++c.retries > limits_.max_retries) {
			reset(id);
			return;
		}
		c.rto_ns = std::min(c.rto_ns * 2, limits_.max_rto_ns);  // RFC 6298 §5.5
		c.flags &= ~(kTiming | kRtoArmed);
		c.flags |= kRecovery;
		c.recover = c.snd_nxt;
		c.dupacks = 0;
		const uint32_t generation = c.generation;
		retransmit_head(id);
		if (conns_[id].generation == generation)
			arm(id, now_ns, s);
		return;
	}
	if (seq_lt(c.snd_nxt, c.end_seq) || fin_due(c)) {
		if (c.peer_window == 0 && seq_lt(c.snd_nxt, c.end_seq)) {
			// Zero window: probe with one octet (RFC 9293 §3.8.6.1).
			if (++c.retries > limits_.max_retries) {
				reset(id);
				return;
			}
			const uint32_t generation = c.generation;
			if (send_range(id, c.snd_nxt, 1, false) && conns_[id].generation == generation)
				c.snd_nxt++;
			if (conns_[id].generation == generation)
				arm(id, now_ns, s);
			return;
		}
		push(id, now_ns, s);
		return;
	}
	if (now_ns - c.last_active_ns >= s.idle_ns && c.pending == 0 && !(c.flags & kClosing)) {
		c.flags |= kClosing;  // RFC 7766 §6.2.3: the server closes idle connections
		stats_.idle_closed++;
		push(id, now_ns, s);
		return;
	}
	arm(id, now_ns, s);
}

}  // namespace xdpdns::daemon::tcp
