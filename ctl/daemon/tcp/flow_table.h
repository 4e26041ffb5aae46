// The daemon's bounded TCP soft state: the "collapsed connection" of TCP
// Cookie Transactions (RFC 6013): a connection kept as a small tuple.
//
// xdpdns answers TCP without connections: the XDP program answers SYNs with a
// cookie as our ISN and hands over every data segment whose SEG.ACK - 1 is a
// valid cookie. For such a segment the daemon sends, from sequence number
// SEG.ACK, the length-prefixed answers to the complete queries it carries,
// then a FIN: one answer train per connection. The rule: a query may be lost
// (the client retries), a wrong or corrupted answer never; no two different
// answers may ever occupy the same sequence numbers of one connection.
//
// A FlowTable remembers, per 4-tuple, just enough to keep that rule where a
// pure stateless design cannot, and to serve what it could not:
//   * a query split over several segments is held in a bounded reassembly
//     slot and answered once complete;
//   * a retransmitted query gets the byte-identical answer stream again
//     (from a ring cache, or re-answered and checked against a hash);
//   * later data of a connection we answered (pipelined queries, reuse after
//     our FIN) is dropped: answering it from SEG.ACK again would overlap;
//   * a new connection on the same 4-tuple (a new client ISN; the cookie is
//     the same within an epoch) is recognised and answered afresh.
//
// Why the state is only needed briefly: XDP hands over only segments with
// SEG.ACK == cookie + 1 exactly, i.e. sent before the client received any of
// our answer octets. Once it has, its ACK moves on and XDP drops everything
// else it sends on that connection. An entry therefore guards the span from
// our answer until the client hears it; idle_ns bounds that generously.
//
// One FlowTable per worker thread: no locks, no allocation after the
// constructor, O(1) expected per segment.
//
// Which segments belong to the connection an entry describes. We never offer
// window scaling (the SYN-ACK carries only MSS), so a client can send at most
// 65,535 octets beyond the last ACK we gave it, and its first data octet is
// within 65,535 of the SYN's. A segment with the recorded SEG.ACK whose
// sequence number lies within Limits::seq_window before the recorded request
// or after its end is therefore taken as the same connection; anything
// farther, or with another SEG.ACK, is a new connection and replaces the
// entry. The cost: a new connection whose random ISN lands within that
// window (probability about 2^17 / 2^32 for a random ISN; Linux's clocked
// ISNs move 65,535 in about 4 ms) loses its query until the old entry
// expires (drops do not refresh an entry).
//
// Per flow states and what plan() decides (ack_to modulo 2^32; "end" =
// SEG.SEQ + payload length; a FIN is consumed, +1, only with a complete
// request):
//
//  none (or expired, or a new connection replacing the entry):
//    payload ends at a message boundary, 1..kMaxQueriesPerTrain messages
//        -> answer, ack_to = end (+1 if FIN); the entry becomes `pending`.
//    more messages than kMaxQueriesPerTrain -> drop, nothing remembered.
//    ends inside a message (or inside its 2-octet prefix), no FIN
//        -> the whole payload is copied to a reassembly slot; ack_partial,
//           ack_to = end; the entry becomes `partial`.
//        If it does not fit a slot, or no slot is free: when the payload
//        starts with complete messages, they are answered (ack_to = their
//        end, the rest unacknowledged; the client's retransmission of it
//        later meets drop_after_fin), else drop.
//    ends inside a message with FIN: the query can never complete. Complete
//        messages before it are answered as above (FIN not consumed), else
//        drop. Nothing is held.
//  partial (held [request_seq, next)):
//    SEG.SEQ == next: appended. Complete at a boundary -> answer with spans
//        into the slot, ack_to = new next (+1 FIN); still incomplete ->
//        ack_partial, ack_to = new next.
//    starts inside the held octets and extends beyond next: the new octets
//        are taken (trimmed; TCP lets a retransmission repacketize), as above.
//    lies within the held octets (a retransmission): ack_partial, same
//        ack_to; with FIN at next: as an incomplete FIN below.
//    ends exactly where the held octets start (reordered earlier part):
//        prepended, then as above.
//    starts after next (a hole): ack_partial with ack_to = next (a
//        duplicate ACK, asking for the missing octets); nothing stored.
//    other overlaps of the held start -> drop.
//    Appending past the slot, or a FIN with the query still incomplete:
//        complete messages at the start of the held octets are answered
//        (ack_to = next, all held octets were acknowledged already; the FIN
//        and any octets that did not fit are not), else drop. More than
//        kMaxQueriesPerTrain messages, or prepending past the slot: drop.
//        The entry's slot is freed in every one of these cases.
//  pending (answer planned, record_answer() not called yet: asynchronous
//  backends):
//    starts inside the request -> drop ("answer in progress");
//    starts at or after its end -> drop_after_fin; before it -> drop.
//  answered (record_answer() called):
//    starts inside [request_seq, request_end) (a retransmission of a request
//        octet; it may carry more octets than the request) -> resend the
//        cached stream with the recorded ack_to. If the cached copy was
//        overwritten and the segment starts at request_seq and covers the
//        whole request: reanswer with the same messages, expected_hash and
//        expected_len; otherwise drop.
//        This deliberately goes beyond "only at request_seq": resending the
//        identical octets at their identical sequence numbers cannot overlap
//        anything different, and a client retransmits from its first
//        unacknowledged octet, which after partial ACKs lies mid-request.
//    starts at or after request_end -> drop_after_fin (pipelined query, or
//        a query after our FIN: a later query starts there, and any further
//        pipelined ones after it); before request_seq -> drop.
//
// Eviction: an expired entry (unused for idle_ns) is reused first; a few are
// swept from the LRU end on every plan(), freeing their slots. Otherwise the
// least recently used entry is evicted if it has been idle at least
// min_evict_age_ns; if even that one is younger, the new segment is dropped
// ("flow table full"): under overload we lose queries rather than forget a
// connection we may still have to protect. Drops and duplicate ACKs never
// refresh an entry (so a misjudged one expires); answers, resends, ACKs of
// new or held octets and record_answer() do.
//
// Typical caller, per TCP data segment handed over by XDP:
//   Plan p = table.plan(seg);
//   answer:   answer p.queries[0..query_count) in order (the ACK is p.ack_to),
//             send the train from SEG.ACK, then
//             table.record_answer(key, p.request_seq, p.ack_to, stream, now);
//             or table.forget(key) if nothing at all could be sent.
//   reanswer: as answer, but send only if the stream has p.expected_len
//             octets and stream_hash() == p.expected_hash.
//   resend:   send p.cached as the train, with p.ack_to.
//   ack_partial: a bare ACK, seq = SEG.ACK, ack = p.ack_to.
//   drop, drop_after_fin: nothing; count p.reason.
#pragma once

#include "daemon/tcp/answer_cache.h"
#include "daemon/tcp/flow_index.h"
#include "daemon/tcp/flow_key.h"
#include "daemon/tcp/stream_hash.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace xdpdns::daemon::tcp {

struct Segment {
	FlowKey key;
	uint32_t seq = 0;  // SEG.SEQ
	uint32_t ack = 0;  // SEG.ACK: our first sequence number for the answer
	bool fin = false;  // FIN carried with the data
	std::span<const uint8_t> payload;  // non-empty (empty: drop)
	uint64_t now_ns = 0;               // CLOCK_MONOTONIC
};

inline constexpr size_t kMaxQueriesPerTrain = 16;

enum class Verdict {
	answer,          // answer `queries` in order, then call record_answer()
	ack_partial,     // send a bare ACK of `ack_to`: an incomplete query is held
	resend,          // retransmitted request: resend `cached` (the exact stream
	                 // sent before: length-prefixed answers), with ack_to as before
	reanswer,        // retransmitted request whose cached octets were overwritten:
	                 // answer `queries` again; send only if the new stream has
	                 // `expected_len` octets and stream_hash() == expected_hash
	drop_after_fin,  // data after the request we answered (pipelined, or reuse
	                 // after our FIN): it cannot be answered safely
	drop,            // nothing safe to send (see `reason`)
};

const char *verdict_name(Verdict v);

struct Plan {
	Verdict verdict = Verdict::drop;
	// Our ACK number: end of the consumed client octets (+1 if its FIN is).
	uint32_t ack_to = 0;
	// answer/reanswer: the request's first client octet (for a reassembled
	// query, that of its first segment); pass it back to record_answer().
	uint32_t request_seq = 0;
	// answer/reanswer: complete DNS messages WITHOUT their length prefix,
	// pointing into the payload or the flow's reassembly slot; valid until
	// the next plan() call.
	std::array<std::span<const uint8_t>, kMaxQueriesPerTrain> queries{};
	size_t query_count = 0;
	// resend: valid until the next plan() or record_answer() call.
	std::span<const uint8_t> cached;
	uint64_t expected_hash = 0;  // reanswer
	uint32_t expected_len = 0;   // reanswer
	// Short static text naming why (for logs and counters); set for every
	// verdict, meaningful for drop and drop_after_fin.
	const char *reason = "";
};

class FlowTable {
public:
	struct Limits {
		size_t flows = 65536;             // entries (4-tuples remembered)
		size_t reassembly_slots = 1024;   // queries held incomplete at once
		size_t reassembly_bytes = 4096;   // octets per slot (prefixes included)
		size_t cache_bytes = 4 << 20;     // ring of answer streams sent
		uint64_t idle_ns = 30'000'000'000;          // an unused entry expires
		uint64_t min_evict_age_ns = 1'000'000'000;  // a live entry is evicted only this idle
		uint32_t seq_window = 65535;      // see "Which segments belong" above
	};

	struct Stats {
		uint64_t flows_in_use = 0;
		uint64_t evictions = 0;        // live entries evicted for a new flow
		uint64_t expirations = 0;      // entries dropped after idle_ns
		uint64_t replaced = 0;         // entries replaced by a new connection on their 4-tuple
		uint64_t table_full = 0;       // segments dropped: no entry could be made
		uint64_t reassembly_in_use = 0;
		uint64_t reassembly_full = 0;  // segments dropped or cut short: no slot free
		uint64_t cache_evictions = 0;  // retransmissions whose cached stream was overwritten
		uint64_t stale_records = 0;    // record_answer() calls that matched no planned answer
	};

	// Allocates everything, once. Throws std::invalid_argument for limits
	// out of range (flows 1..2^30, reassembly_bytes >= 2 when there are
	// slots, idle_ns > 0, seq_window 1..2^30).
	explicit FlowTable(const Limits &limits);

	Plan plan(const Segment &seg);

	// After sending the train for an answer/reanswer plan: remembers the
	// request [request_seq, ack_to) (ack_to as planned, FIN included) and the
	// exact stream sent, the concatenation of `stream`'s spans (e.g. prefix
	// and answer pairs), so a retransmission gets identical octets and later
	// data is recognised as coming after our FIN. Also call it when only part
	// of a train could be sent: the octets that went out are now in sequence
	// space. Calls that match no planned answer of the flow (it was replaced
	// meanwhile) are ignored; if the flow was evicted meanwhile, the record is
	// kept and accepts any SEG.ACK.
	void record_answer(const FlowKey &key, uint32_t request_seq, uint32_t ack_to,
			   std::span<const std::span<const uint8_t>> stream, uint64_t now_ns);

	// The caller could not answer (backend dropped it, TX ring full) and sent
	// no octet of the train: forget the flow, so a retransmission is new.
	// A flow whose answer was recorded is kept regardless (a reanswer that
	// could not be sent must not turn the next retransmission into a fresh,
	// possibly different, answer at the same sequence numbers).
	void forget(const FlowKey &key);

	Stats stats() const;

private:
	enum class State : uint8_t { partial, pending, answered };

	struct Flow {
		State state = State::partial;
		bool ack_known = true;    // false: recreated by record_answer(), any SEG.ACK matches
		uint32_t answer_seq = 0;  // SEG.ACK of the request: our first sequence number
		uint32_t request_seq = 0; // first client octet of the request
		uint32_t request_end = 0; // partial: next expected octet; else end of consumed octets
		uint32_t ack_to = 0;      // pending/answered
		uint32_t slot = FlowIndex::npos;  // partial: reassembly slot
		AnswerCache::Ref cache;   // answered
		uint64_t hash = 0;        // answered: stream_hash of the stream
		uint32_t length = 0;      // answered: its octets
	};

	Plan plan_new(const Segment &seg);
	Plan answer_new_flow(const Segment &seg, Plan p, uint32_t count, uint32_t request_end,
			     uint32_t ack_to, const char *reason);
	Plan plan_partial(uint32_t id, const Segment &seg);
	Plan plan_pending(uint32_t id, const Segment &seg);
	Plan plan_answered(uint32_t id, const Segment &seg);
	// Completeness check of the held octets after they changed.
	Plan evaluate_held(uint32_t id, bool fin, uint64_t now_ns);
	// Answers the complete messages at the start of the held octets, acking
	// all of them (they were acknowledged already); drop if there are none.
	Plan answer_held_prefix(uint32_t id, const char *reason, uint64_t now_ns);

	bool same_connection(uint32_t id, const Segment &seg) const;
	bool expired(uint32_t id, uint64_t now_ns) const;
	uint64_t idle_for(uint32_t id, uint64_t now_ns) const;
	uint32_t make_flow(const FlowKey &key, uint64_t now_ns);  // npos: table full
	void remove_flow(uint32_t id);
	void sweep_expired(uint64_t now_ns);

	uint32_t take_slot();  // npos: none free
	void release_slot(uint32_t slot);
	std::span<uint8_t> slot_bytes(uint32_t slot);
	std::span<const uint8_t> held(uint32_t id);

	Limits limits_;
	FlowIndex index_;
	std::vector<Flow> flows_;
	std::vector<uint8_t> slot_memory_;
	std::vector<uint32_t> free_slots_;
	size_t free_slot_count_ = 0;
	uint32_t deferred_slot_ = FlowIndex::npos;  // released at the next plan()
	AnswerCache cache_;
	Stats stats_;
};

}  // namespace xdpdns::daemon::tcp
