// Reused TCP connections (RFC 7766 §6.2.1): the bounded soft state a
// connection earns once it has proved itself with a cookie-validated query
// (the "collapsed connection" of TCP Cookie Transactions, RFC 6013).
//
// The handshake stays stateless: the XDP program answers SYNs with a cookie
// as our ISN and creates nothing. The first data segment whose SEG.ACK - 1 is
// a valid cookie creates an entry here (and the XDP program's record in its
// `tcp_conns` LRU map, which steers every later segment of the 4-tuple to
// this worker without a cookie check). From then on the connection is a
// small TCP endpoint that only ever answers:
//   * receive: in-order octets only (an out-of-order or old segment is
//     answered with a duplicate ACK); complete length-prefixed queries are
//     handed to the caller one by one, pipelined or not, a query split over
//     segments is held in a reassembly slot; a FIN after the last query
//     closes our side once every answer is out;
//   * send: answers are appended to the connection's stream in the worker's
//     SendRing and sent from SND.NXT within the client's window (we offer no
//     window scaling), in segments of at most the connection's segment size,
//     the FIN riding on the last data segment when it is due;
//   * loss recovery: a cumulative ACK frees octets; three duplicate ACKs
//     resend the first unacknowledged segment at once (NewReno partial ACKs
//     resend the next); a retransmission timer (RFC 6298: SRTT/RTTVAR from
//     Karn-filtered samples, 1 s before the first sample, doubled per
//     timeout, min 200 ms, max 8 s) resends the unacknowledged head, the FIN
//     included, up to `max_retries` times; then the connection is reset;
//   * close: after `max_queries` answers, when idle for the idle timeout, or
//     after the client's FIN, we send our FIN; the entry is freed once our
//     FIN is acknowledged (a later FIN of the client then meets the XDP
//     program's stateless FIN answer, whose seq = SEG.ACK is right).
//   * limits: `conns` entries per worker; when full, the connection idle the
//     longest (at least min_evict_idle_ns) is reset (RST) to make room; a
//     client told at once is better than one left to time out.
// Every freed entry is reported through ConnIo::released(), so the caller
// removes the XDP program's record.
//
// One ConnTable per worker thread: no locks, no allocation after the
// constructor.
#pragma once

#include "daemon/tcp/flow_index.h"
#include "daemon/tcp/flow_key.h"
#include "daemon/tcp/send_ring.h"
#include "daemon/tcp/timer_wheel.h"
#include "net/reply.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace xdpdns::daemon::tcp {

// Which connection an answer belongs to: stale once the entry is reused.
struct ConnRef {
	uint32_t id = UINT32_MAX;
	uint32_t generation = 0;
};

struct ConnSegment {
	FlowKey key;
	uint32_t seq = 0;
	uint32_t ack = 0;
	uint16_t window = 0;
	uint8_t flags = 0;                   // net::kTcp* bits
	std::span<const uint8_t> payload;
	bool cookie_ok = false;              // SEG.ACK - 1 is a valid cookie (checked by the caller)
	uint16_t segment_size = 512;         // for a new connection: min(knob, client MSS, link)
	uint64_t now_ns = 0;
};

// Outgoing segments and answers, implemented by the worker.
class ConnIo {
public:
	virtual ~ConnIo() = default;
	// A complete DNS message (no length prefix) arrived on `conn`. Answer it
	// with ConnTable::add_answer(), now (synchronous backends) or later, or
	// give it up with ConnTable::cancel_answer(); exactly one of the two.
	virtual void query(ConnRef conn, std::span<const uint8_t> message) = 0;
	// Sends one segment; false when the TX ring is full (as if lost).
	virtual bool send(const net::ReplyTemplate &t, uint32_t seq, uint32_t ack, uint8_t flags,
			  std::span<const uint8_t> payload) = 0;
	// The connection's state is gone: forget the XDP program's record.
	virtual void released(const FlowKey &key) = 0;
	// Whether SEG.ACK - 1 of `seg` is a valid cookie of its 4-tuple (asked
	// only when the segment does not say so and it matters).
	virtual bool cookie_valid(const ConnSegment &seg) = 0;
};

class ConnTable {
public:
	struct Limits {
		size_t conns = 16384;             // connections per worker
		size_t reassembly_slots = 1024;   // connections holding part of a query
		size_t reassembly_bytes = 4096;   // octets per slot
		size_t send_bytes = 16 << 20;     // SendRing: unacknowledged answer octets
		size_t max_buffered = 256 << 10;  // per connection: answer octets not yet
		                                  // acknowledged; past it, queries wait
		uint64_t min_evict_idle_ns = 1'000'000'000;
		uint64_t initial_rto_ns = 1'000'000'000;  // RFC 6298 (2.1)
		uint64_t min_rto_ns = 200'000'000;        // as Linux's TCP_RTO_MIN
		uint64_t max_rto_ns = 8'000'000'000;
		uint32_t max_retries = 6;         // timeouts in a row, then RST
	};

	// Knobs read per call (live).
	struct Settings {
		uint64_t idle_ns = 10'000'000'000;
		uint32_t max_queries = 0;  // 0: no limit
		uint16_t window = 65535;   // advertised in every segment
	};

	struct Stats {
		uint64_t open = 0;              // entries in use now
		uint64_t opened = 0;
		uint64_t queries = 0;           // complete queries handed out
		uint64_t retransmits = 0;       // segments sent again (timer or dup ACKs)
		uint64_t fast_retransmits = 0;  // of those, on duplicate ACKs
		uint64_t timeouts = 0;          // retransmission timer expiries
		uint64_t idle_closed = 0;       // closed by us after the idle timeout
		uint64_t resets_sent = 0;       // RST: retries exhausted, evicted, stream lost
		uint64_t resets_received = 0;
		uint64_t evicted = 0;
		uint64_t table_full = 0;        // new connections refused
		uint64_t ring_lost = 0;         // unacknowledged octets overwritten in the ring
		uint64_t out_of_order = 0;      // segments beyond RCV.NXT (duplicate ACK sent)
		uint64_t replaced = 0;          // a new connection on a known 4-tuple
		uint64_t query_too_long = 0;    // a query longer than a reassembly slot: RST
		uint64_t not_stream_start = 0;  // first data that cannot be a stream's start: dropped
		uint64_t adopted = 0;           // connections the XDP program answered first
	};

	// Allocates everything, once; throws std::invalid_argument on bad limits.
	ConnTable(const Limits &limits, ConnIo &io);

	// True when `key` has an entry.
	bool has(const FlowKey &key) const { return index_.find(key) != FlowIndex::npos; }

	// A segment of a known connection, or the first data segment of a new one
	// (seg.cookie_ok, and a payload). False when the segment belongs to no
	// connection and cannot open one (the caller answers it statelessly).
	bool on_segment(const ConnSegment &seg, const net::ReplyTemplate &t, const Settings &s);

	// A segment of a connection the XDP program answered itself (its first
	// query, from the answers map): unless `seg.key` has an entry already,
	// one is made where the connection stands (the client's next octet
	// `rcv_nxt`, ours `snd_nxt`, the XDP answer taken as delivered and one
	// query counted), then the segment is handled as on_segment() would.
	// Its answer is never sent again from here: if it was lost, the
	// client's retransmitted query meets the XDP program again. False when
	// the table has no room.
	bool adopt(const ConnSegment &seg, uint32_t rcv_nxt, uint32_t snd_nxt, const net::ReplyTemplate &t,
		   const Settings &s);

	// The answer to a query handed out by ConnIo::query() (without prefix).
	// Ignored if the connection is gone. Queued only: call flush() after.
	void add_answer(ConnRef conn, std::span<const uint8_t> answer);
	void cancel_answer(ConnRef conn);
	// The segment size of `conn` (0 when it is gone): what its answers are cut to.
	uint16_t segment_size(ConnRef conn);
	// The 4-tuple of `conn` (nullptr when it is gone).
	const FlowKey *flow_key(ConnRef conn);
	// Sends what the window allows on `conn` (after asynchronous answers).
	void flush(ConnRef conn, uint64_t now_ns, const Settings &s);

	// Fires due timers: retransmissions, idle closes.
	void on_timers(uint64_t now_ns, const Settings &s);
	uint64_t next_timer_ns() const { return timers_.next_check_ns(); }

	Stats stats() const;
	// Memory the table allocated (all of it, once, in the constructor).
	size_t memory_bytes() const;

private:
	enum : uint8_t {
		kFinReceived = 1 << 0,  // the client's FIN is consumed (RCV.NXT counts it)
		kClosing = 1 << 1,      // send our FIN once every answer is out
		kFinSent = 1 << 2,      // SND.NXT counts our FIN
		kRecovery = 1 << 3,     // fast recovery until `recover` is acknowledged
		kTiming = 1 << 4,       // an RTT sample is running (rtt_seq, rtt_start)
		kNeedAck = 1 << 5,      // an ACK is owed (data consumed, duplicate, FIN)
		kRtoArmed = 1 << 6,     // the armed timer is the retransmission timer
		kTxBlocked = 1 << 7,    // the TX ring was full: try again soon
	};

	struct Conn {
		uint32_t generation = 0;
		uint8_t flags = 0;
		uint8_t dupacks = 0;
		uint8_t retries = 0;
		uint16_t segment_size = 512;
		uint16_t peer_window = 0;
		uint32_t isn = 0;        // our ISN (the cookie)
		uint32_t snd_una = 0;
		uint32_t snd_nxt = 0;
		uint32_t end_seq = 0;    // past the last answer octet queued
		uint32_t recover = 0;
		uint32_t rcv_nxt = 0;
		uint32_t rtt_seq = 0;
		uint32_t queries = 0;    // handed out on this connection
		uint32_t pending = 0;    // answers still to come
		uint32_t slot = UINT32_MAX;   // reassembly slot
		uint32_t held = 0;            // octets in it
		uint64_t head_pos = SendRing::none;  // chunk holding SND.UNA
		uint32_t head_seq = 0;               // its first octet's sequence number
		uint64_t tail_pos = SendRing::none;  // last chunk of the stream
		uint64_t hint_pos = SendRing::none;  // a chunk at or before SND.NXT (gather's start)
		uint32_t hint_seq = 0;
		uint64_t last_active_ns = 0;
		uint64_t rtt_start_ns = 0;
		uint64_t srtt_ns = 0, rttvar_ns = 0, rto_ns = 0;
		net::ReplyTemplate tpl;
	};

	uint32_t open_conn(const ConnSegment &seg, const net::ReplyTemplate &t);
	void release(uint32_t id, bool notify = true);
	Conn *conn(ConnRef ref);  // nullptr when stale
	void retransmit_head(uint32_t id);
	void reset(uint32_t id);  // RST to the client, then release
	void on_ack(uint32_t id, const ConnSegment &seg);
	void on_data(uint32_t id, const ConnSegment &seg, const Settings &s);
	void consume(uint32_t id, std::span<const uint8_t> fresh, const Settings &s, size_t &taken);
	bool query_allowed(const Conn &c, const Settings &s) const;
	void push(uint32_t id, uint64_t now_ns, const Settings &s);
	bool send_range(uint32_t id, uint32_t seq, uint32_t len, bool with_fin);
	bool gather(Conn &c, uint32_t seq, uint32_t len, uint8_t *out) const;
	void arm(uint32_t id, uint64_t now_ns, const Settings &s);
	void on_timeout(uint32_t id, uint64_t now_ns, const Settings &s);
	void rtt_sample(Conn &c, uint64_t rtt_ns);
	bool fin_due(const Conn &c) const;
	uint32_t in_flight(const Conn &c) const { return c.snd_nxt - c.snd_una; }

	Limits limits_;
	ConnIo &io_;
	FlowIndex index_;
	std::vector<Conn> conns_;
	TimerWheel timers_;
	SendRing ring_;
	std::vector<uint8_t> slot_memory_;
	std::vector<uint32_t> free_slots_;
	std::vector<uint8_t> scratch_;  // one segment's payload, gathered
	Stats stats_;
};

}  // namespace xdpdns::daemon::tcp
