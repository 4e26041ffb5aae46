#include "daemon/tcp/flow_table.h"

#include "daemon/tcp/message_split.h"
#include "daemon/tcp/seq.h"

#include <cstring>
#include <stdexcept>
#include <string>

namespace xdpdns::daemon::tcp {
namespace {

// Expired entries removed from the LRU end per plan(): keeps slots of
// abandoned partial queries from lingering, at a bounded cost per segment.
constexpr int kSweepPerPlan = 2;

constexpr uint32_t npos = FlowIndex::npos;

Plan make_plan(Verdict v, uint32_t ack_to, const char *reason)
{
	Plan p;
	p.verdict = v;
	p.ack_to = ack_to;
	p.reason = reason;
	return p;
}

Plan drop(const char *reason) { return make_plan(Verdict::drop, 0, reason); }

const FlowTable::Limits &checked(const FlowTable::Limits &l)
{
	auto fail = [](const std::string &what) {
		throw std::invalid_argument("TCP flow table: " + what);
	};
	if (l.flows == 0 || l.flows > (size_t{1} << 30))
		fail("flows must be in 1..2^30, got " + std::to_string(l.flows));
	if (l.reassembly_slots > (size_t{1} << 24))
		fail("reassembly_slots must be at most 2^24, got " + std::to_string(l.reassembly_slots));
	if (l.reassembly_slots != 0 && (l.reassembly_bytes < 2 || l.reassembly_bytes > (size_t{1} << 20)))
		fail("reassembly_bytes must be in 2..2^20, got " + std::to_string(l.reassembly_bytes));
	if (l.idle_ns == 0)
		fail("idle_ns must be positive");
	if (l.seq_window == 0 || l.seq_window > (uint32_t{1} << 30))
		fail("seq_window must be in 1..2^30, got " + std::to_string(l.seq_window));
	return l;
}

}  // namespace

const char *verdict_name(Verdict v)
{
	switch (v) {
	case Verdict::answer: return "answer";
	case Verdict::ack_partial: return "ack_partial";
	case Verdict::resend: return "resend";
	case Verdict::reanswer: return "reanswer";
	case Verdict::drop_after_fin: return "drop_after_fin";
	case Verdict::drop: return "drop";
	}
	return "?";
}

FlowTable::FlowTable(const Limits &limits)
	: limits_(checked(limits)),
	  index_(limits.flows),
	  flows_(limits.flows),
	  slot_memory_(limits.reassembly_slots * limits.reassembly_bytes),
	  free_slots_(limits.reassembly_slots),
	  free_slot_count_(limits.reassembly_slots),
	  cache_(limits.cache_bytes)
{
	for (size_t i = 0; i < free_slots_.size(); i++)
		free_slots_[i] = static_cast<uint32_t>(free_slots_.size() - 1 - i);
}

// ---- slots -----------------------------------------------------------------

uint32_t FlowTable::take_slot()
{
	if (free_slot_count_ == 0)
		return npos;
	return free_slots_[--free_slot_count_];
}

void FlowTable::release_slot(uint32_t slot)
{
	free_slots_[free_slot_count_++] = slot;
}

std::span<uint8_t> FlowTable::slot_bytes(uint32_t slot)
{
	return std::span<uint8_t>(slot_memory_).subspan(size_t{slot} * limits_.reassembly_bytes,
							 limits_.reassembly_bytes);
}

std::span<const uint8_t> FlowTable::held(uint32_t id)
{
	const Flow &f = flows_[id];
	return slot_bytes(f.slot).first(seq_dist(f.request_seq, f.request_end));
}

// ---- entries ---------------------------------------------------------------

uint64_t FlowTable::idle_for(uint32_t id, uint64_t now_ns) const
{
	uint64_t last = index_.last_used(id);
	return now_ns > last ? now_ns - last : 0;
}

bool FlowTable::expired(uint32_t id, uint64_t now_ns) const
{
	return idle_for(id, now_ns) >= limits_.idle_ns;
}

void FlowTable::remove_flow(uint32_t id)
{
	Flow &f = flows_[id];
	if (f.slot != npos)
		release_slot(f.slot);
	f = Flow{};
	index_.remove(id);
}

uint32_t FlowTable::make_flow(const FlowKey &key, uint64_t now_ns)
{
	if (index_.size() == index_.capacity()) {
		uint32_t oldest = index_.oldest();
		if (expired(oldest, now_ns)) {
			stats_.expirations++;
		} else if (idle_for(oldest, now_ns) >= limits_.min_evict_age_ns) {
			stats_.evictions++;
		} else {
			stats_.table_full++;
			return npos;
		}
		remove_flow(oldest);
	}
	uint32_t id = index_.insert(key, now_ns);
	flows_[id] = Flow{};
	return id;
}

void FlowTable::sweep_expired(uint64_t now_ns)
{
	for (int i = 0; i < kSweepPerPlan; i++) {
		uint32_t oldest = index_.oldest();
		if (oldest == npos || !expired(oldest, now_ns))
			return;
		remove_flow(oldest);
		stats_.expirations++;
	}
}

bool FlowTable::same_connection(uint32_t id, const Segment &seg) const
{
	const Flow &f = flows_[id];
	const uint32_t w = limits_.seq_window;

	if (f.ack_known && seg.ack != f.answer_seq)
		return false;
	// [request_seq - w, request_end + w): at most 3 * 2^30, no wrap of the span.
	return seq_in(seg.seq, f.request_seq - w, w + seq_dist(f.request_seq, f.request_end) + w);
}

// ---- plan ------------------------------------------------------------------

Plan FlowTable::plan(const Segment &seg)
{
	// The previous answer's query spans may have pointed into this slot.
	if (deferred_slot_ != npos) {
		release_slot(deferred_slot_);
		deferred_slot_ = npos;
	}
	sweep_expired(seg.now_ns);

	if (seg.payload.empty())
		return drop("no payload");
	// Keeps the sequence arithmetic unambiguous; no real segment is larger.
	if (seg.payload.size() > limits_.seq_window)
		return drop("payload larger than the sequence window");

	uint32_t id = index_.find(seg.key);
	if (id != npos && expired(id, seg.now_ns)) {
		remove_flow(id);
		stats_.expirations++;
		id = npos;
	}
	if (id != npos && !same_connection(id, seg)) {
		remove_flow(id);
		stats_.replaced++;
		id = npos;
	}
	if (id == npos)
		return plan_new(seg);
	switch (flows_[id].state) {
	case State::partial: return plan_partial(id, seg);
	case State::pending: return plan_pending(id, seg);
	case State::answered: return plan_answered(id, seg);
	}
	return drop("unknown flow state");
}

// A new flow for the first `count` queries of `seg` (already split into
// p.queries), the request ending at `request_end`, acknowledged to `ack_to`:
// pending until its answer is sent.
Plan FlowTable::answer_new_flow(const Segment &seg, Plan p, uint32_t count, uint32_t request_end,
				uint32_t ack_to, const char *reason)
{
	uint32_t id = make_flow(seg.key, seg.now_ns);
	if (id == npos)
		return drop("flow table full");
	Flow &f = flows_[id];
	f.state = State::pending;
	f.answer_seq = seg.ack;
	f.request_seq = seg.seq;
	f.request_end = request_end;
	f.ack_to = ack_to;
	p.verdict = Verdict::answer;
	p.ack_to = ack_to;
	p.request_seq = seg.seq;
	p.query_count = count;
	p.reason = reason;
	return p;
}

Plan FlowTable::plan_new(const Segment &seg)
{
	Plan p;
	const MessageSplit split = split_messages(seg.payload, p.queries);
	const size_t len = seg.payload.size();
	const uint32_t end = seg.seq + static_cast<uint32_t>(len);

	if (split.consumed == len) {
		if (split.count > kMaxQueriesPerTrain)
			return drop("too many queries in one segment");
		return answer_new_flow(seg, p, split.count, end, end + (seg.fin ? 1 : 0), "complete queries");
	}

	// Ends inside a message: hold the whole payload, or else answer what is
	// complete before it (not acknowledging the rest), or else drop.
	const char *why = nullptr;
	uint32_t slot = npos;
	if (seg.fin) {
		why = "FIN with an incomplete query";
	} else if (split.count > kMaxQueriesPerTrain) {
		why = "too many queries in one segment";
	} else if (len > limits_.reassembly_bytes || limits_.reassembly_slots == 0) {
		why = "query larger than the reassembly slot";
	} else if ((slot = take_slot()) == npos) {
		why = "no reassembly slot free";
		stats_.reassembly_full++;
	}
	if (why) {
		if (split.count == 0 || split.count > kMaxQueriesPerTrain)
			return drop(why);
		const uint32_t consumed_end = seg.seq + static_cast<uint32_t>(split.consumed);
		return answer_new_flow(seg, p, split.count, consumed_end, consumed_end, why);
	}

	uint32_t id = make_flow(seg.key, seg.now_ns);
	if (id == npos) {
		release_slot(slot);
		return drop("flow table full");
	}
	Flow &f = flows_[id];
	f.state = State::partial;
	f.answer_seq = seg.ack;
	f.request_seq = seg.seq;
	f.request_end = end;
	f.slot = slot;
	std::memcpy(slot_bytes(slot).data(), seg.payload.data(), len);
	return make_plan(Verdict::ack_partial, end, "incomplete query held");
}

Plan FlowTable::plan_partial(uint32_t id, const Segment &seg)
{
	Flow &f = flows_[id];
	const uint32_t next = f.request_end;
	const uint32_t held_len = seq_dist(f.request_seq, next);
	const uint32_t len = static_cast<uint32_t>(seg.payload.size());
	const uint32_t end = seg.seq + len;
	std::span<const uint8_t> fresh;

	if (seg.seq == next) {
		fresh = seg.payload;
	} else if (seq_in(seg.seq, next + 1, limits_.seq_window)) {
		// A hole before this segment: repeat our ACK so the client resends it.
		return make_plan(Verdict::ack_partial, next, "segment after a hole");
	} else if (seq_in(seg.seq, f.request_seq, held_len)) {
		const uint32_t overlap = seq_dist(seg.seq, next);
		if (len <= overlap) {
			if (seg.fin && end == next)
				return answer_held_prefix(id, "FIN with an incomplete query", seg.now_ns);
			if (seg.fin)
				return drop("FIN inside held octets");
			index_.touch(id, seg.now_ns);
			return make_plan(Verdict::ack_partial, next, "retransmission of held octets");
		}
		fresh = seg.payload.subspan(overlap);  // first-received octets win
	} else if (end == f.request_seq) {
		// The earlier part arrived late: put it in front.
		if (seg.fin)
			return drop("FIN before held octets");
		if (size_t{held_len} + len > limits_.reassembly_bytes) {
			remove_flow(id);
			return drop("query larger than the reassembly slot");
		}
		std::span<uint8_t> slot = slot_bytes(f.slot);
		std::memmove(slot.data() + len, slot.data(), held_len);
		std::memcpy(slot.data(), seg.payload.data(), len);
		f.request_seq = seg.seq;
		return evaluate_held(id, false, seg.now_ns);
	} else {
		return drop("overlaps the start of held octets");
	}

	if (size_t{held_len} + fresh.size() > limits_.reassembly_bytes)
		return answer_held_prefix(id, "query larger than the reassembly slot", seg.now_ns);
	std::memcpy(slot_bytes(f.slot).data() + held_len, fresh.data(), fresh.size());
	f.request_end = next + static_cast<uint32_t>(fresh.size());
	return evaluate_held(id, seg.fin, seg.now_ns);
}

Plan FlowTable::evaluate_held(uint32_t id, bool fin, uint64_t now_ns)
{
	Flow &f = flows_[id];
	const std::span<const uint8_t> data = held(id);
	Plan p;
	const MessageSplit split = split_messages(data, p.queries);

	if (split.count > kMaxQueriesPerTrain) {
		remove_flow(id);
		return drop("too many queries in one segment");
	}
	if (split.consumed != data.size()) {
		if (fin)
			return answer_held_prefix(id, "FIN with an incomplete query", now_ns);
		index_.touch(id, now_ns);
		return make_plan(Verdict::ack_partial, f.request_end, "incomplete query held");
	}
	f.state = State::pending;
	f.ack_to = f.request_end + (fin ? 1 : 0);
	deferred_slot_ = f.slot;  // the query spans point into it
	f.slot = npos;
	index_.touch(id, now_ns);
	p.verdict = Verdict::answer;
	p.ack_to = f.ack_to;
	p.request_seq = f.request_seq;
	p.query_count = split.count;
	p.reason = "query completed";
	return p;
}

Plan FlowTable::answer_held_prefix(uint32_t id, const char *reason, uint64_t now_ns)
{
	Flow &f = flows_[id];
	Plan p;
	const MessageSplit split = split_messages(held(id), p.queries);

	if (split.count == 0 || split.count > kMaxQueriesPerTrain) {
		remove_flow(id);
		return drop(reason);
	}
	// Every held octet was acknowledged already; the FIN is not consumed.
	f.state = State::pending;
	f.ack_to = f.request_end;
	deferred_slot_ = f.slot;
	f.slot = npos;
	index_.touch(id, now_ns);
	p.verdict = Verdict::answer;
	p.ack_to = f.ack_to;
	p.request_seq = f.request_seq;
	p.query_count = split.count;
	p.reason = reason;
	return p;
}

Plan FlowTable::plan_pending(uint32_t id, const Segment &seg)
{
	const Flow &f = flows_[id];
	if (seq_in(seg.seq, f.request_seq, seq_dist(f.request_seq, f.request_end)))
		return drop("answer in progress");
	if (seq_in(seg.seq, f.request_end, limits_.seq_window))
		return make_plan(Verdict::drop_after_fin, 0, "data after the answered request");
	return drop("data before the answered request");
}

Plan FlowTable::plan_answered(uint32_t id, const Segment &seg)
{
	const Flow &f = flows_[id];
	const uint32_t request_len = seq_dist(f.request_seq, f.request_end);

	if (!seq_in(seg.seq, f.request_seq, request_len)) {
		if (seq_in(seg.seq, f.request_end, limits_.seq_window))
			return make_plan(Verdict::drop_after_fin, 0, "data after the answered request");
		return drop("data before the answered request");
	}

	if (auto cached = cache_.get(f.cache)) {
		index_.touch(id, seg.now_ns);
		Plan p = make_plan(Verdict::resend, f.ack_to, "retransmitted request");
		p.cached = *cached;
		return p;
	}
	stats_.cache_evictions++;
	// Answer again only from the very same request octets.
	if (seg.seq == f.request_seq && seg.payload.size() >= request_len) {
		Plan p;
		const MessageSplit split = split_messages(seg.payload.first(request_len), p.queries);
		if (split.consumed == request_len && split.count >= 1 &&
		    split.count <= kMaxQueriesPerTrain) {
			index_.touch(id, seg.now_ns);
			p.verdict = Verdict::reanswer;
			p.ack_to = f.ack_to;
			p.request_seq = f.request_seq;
			p.query_count = split.count;
			p.expected_hash = f.hash;
			p.expected_len = f.length;
			p.reason = "retransmitted request, cached answer overwritten";
			return p;
		}
	}
	return drop("retransmission not covering the request, cached answer overwritten");
}

// ---- after sending ---------------------------------------------------------

void FlowTable::record_answer(const FlowKey &key, uint32_t request_seq, uint32_t ack_to,
			      std::span<const std::span<const uint8_t>> stream, uint64_t now_ns)
{
	StreamHasher hasher;
	for (auto part : stream)
		hasher.add(part);
	const uint64_t hash = hasher.finish();
	const uint64_t total = hasher.length();

	uint32_t id = index_.find(key);
	if (id == npos) {
		// Evicted between plan() and now: keep protecting what we sent. The
		// SEG.ACK is unknown here, so any will match.
		id = make_flow(key, now_ns);
		if (id == npos)
			return;
		Flow &f = flows_[id];
		f.ack_known = false;
		f.request_seq = request_seq;
		f.request_end = ack_to;
		f.ack_to = ack_to;
		f.state = State::pending;
	}

	Flow &f = flows_[id];
	if (f.request_seq != request_seq || f.ack_to != ack_to || f.state == State::partial) {
		stats_.stale_records++;
		return;
	}
	if (f.state == State::answered) {
		// A reanswer was sent: cache it again, unless it differs (the caller
		// should have checked) or the old copy is still there.
		if (hash == f.hash && total == f.length && !cache_.get(f.cache))
			f.cache = cache_.store(stream, total);
		index_.touch(id, now_ns);
		return;
	}
	f.state = State::answered;
	f.cache = cache_.store(stream, total);
	f.hash = hash;
	f.length = static_cast<uint32_t>(total);
	index_.touch(id, now_ns);
}

void FlowTable::forget(const FlowKey &key)
{
	uint32_t id = index_.find(key);
	if (id != npos && flows_[id].state != State::answered)
		remove_flow(id);
}

FlowTable::Stats FlowTable::stats() const
{
	Stats s = stats_;
	s.flows_in_use = index_.size();
	s.reassembly_in_use = limits_.reassembly_slots - free_slot_count_;
	return s;
}

}  // namespace xdpdns::daemon::tcp
