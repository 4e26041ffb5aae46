// Randomized segments against a model of real clients: each 4-tuple carries
// a series of connections (new client ISN, same or another cookie), each
// connection a stream of length-prefixed queries sent as random slices:
// in order, retransmitted, repacketized, after holes, with or without FIN.
// A simulated caller answers deterministically, sometimes fails (forget),
// sometimes answers asynchronously (record_answer later).
//
// Invariants checked on every plan:
//  * the framed queries of an answer are the client's own octets, contiguous,
//    ending at or before our ACK (so every span was valid memory holding the
//    right bytes; ASan checks the memory itself);
//  * we never acknowledge octets the client has not sent;
//  * a reanswer's stream hashes to expected_hash with expected_len;
//  * strict mode (no eviction or expiry possible): every stream sent on one
//    connection is the same, i.e. no two different answers ever occupy the
//    same sequence numbers, and a resend is exactly what was sent.
#include "daemon/tcp/flow_table.h"
#include "daemon/tcp/seq.h"
#include "flow_test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>
#include <random>

namespace xdpdns::daemon::tcp::test {
namespace {

struct Conn {
	FlowKey key;
	uint32_t ack = 0;
	uint32_t isn = 0;     // client ISN: stream octet i has sequence number isn + 1 + i
	Bytes stream;         // what the client sends on this connection
	size_t sent = 0;      // octets [0, sent) have left the client
	bool fin_sent = false;
	bool heard = false;   // got our answer: its ACK moved, XDP no longer hands us its segments
	std::vector<Bytes> answers;  // distinct streams we sent on it
};

struct Async {
	size_t conn;
	FlowKey key;
	uint32_t request_seq, ack_to;
	Bytes stream;
};

class Model {
public:
	Model(const FlowTable::Limits &limits, bool strict, unsigned seed, int keys)
		: table_(limits), limits_(limits), strict_(strict), rng_(seed)
	{
		for (int k = 0; k < keys; k++)
			current_.push_back(open(key(static_cast<uint16_t>(1000 + k)), nullptr));
	}

	void run(int steps)
	{
		for (int i = 0; i < steps && !::testing::Test::HasFatalFailure(); i++) {
			now_ += rng_() % 1'000'000;  // up to 1 ms a step
			const size_t k = rng_() % current_.size();
			if (rng_() % 100 < 4 || conns_[current_[k]].heard)
				current_[k] = open(conns_[current_[k]].key, &conns_[current_[k]]);
			else
				send_segment(current_[k]);
			if (!async_.empty() && rng_() % 100 < 30)
				complete_async();
		}
	}

	const FlowTable &table() const { return table_; }
	const std::map<Verdict, int> &seen() const { return seen_; }

private:
	uint32_t pick(uint32_t n) { return static_cast<uint32_t>(rng_() % n); }

	// True when one connection's octets lie within the other's window: the
	// table cannot tell them apart (the documented cost of the window, about
	// 2^-15 for a random ISN), so real clients are modelled without it.
	bool ambiguous(const Conn &a, const Conn &b) const
	{
		const uint32_t w = limits_.seq_window;
		auto near = [w](const Conn &x, const Conn &y) {
			return seq_in(y.isn + 1, x.isn + 1 - w,
				      w + static_cast<uint32_t>(x.stream.size()) + w);
		};
		return a.key == b.key && a.ack == b.ack && (near(a, b) || near(b, a));
	}

	size_t open(const FlowKey &k, const Conn *previous)
	{
		Conn c;
		c.key = k;
		const int queries = 1 + pick(4);
		for (int q = 0; q < queries; q++) {
			const size_t n = pick(10) < 8 ? 12 + pick(60) : 100 + pick(600);
			Bytes b(n);
			for (auto &x : b)
				x = static_cast<uint8_t>(rng_());
			c.stream = cat({c.stream, framed(b)});
		}
		const size_t before = previous ? static_cast<size_t>(previous - conns_.data()) : SIZE_MAX;
		for (int attempt = 0;; attempt++) {
			const uint32_t r = pick(10);
			bool clocked = false;
			if (previous && r < 2) {  // Linux-like clocked ISN: just after the old stream
				c.isn = previous->isn + static_cast<uint32_t>(previous->stream.size()) + 1 +
					pick(limits_.seq_window);
				clocked = true;
			} else if (r < 4) {  // near the wrap
				c.isn = 0xFFFFFFFFu - pick(3000);
			} else {
				c.isn = static_cast<uint32_t>(rng_());
			}
			c.ack = previous && pick(2) && attempt < 8 ? previous->ack
								   : static_cast<uint32_t>(rng_());
			bool ok = true;
			for (size_t i = 0; i < conns_.size() && ok; i++)
				ok = !ambiguous(c, conns_[i]) || (clocked && i == before);
			if (ok)
				break;
		}
		conns_.push_back(std::move(c));
		return conns_.size() - 1;
	}

	void send_segment(size_t ci)
	{
		Conn &c = conns_[ci];
		const size_t size = c.stream.size();
		size_t a;
		const uint32_t how = pick(10);
		if (how < 6 && c.sent < size)
			a = c.sent;                          // next new octets
		else if (how < 7 && c.sent + 1 < size)
			a = c.sent + 1 + pick(static_cast<uint32_t>(size - c.sent - 1));  // after a hole
		else if (pick(2))
			a = 0;                               // retransmission from the start
		else
			a = pick(static_cast<uint32_t>(std::max<size_t>(c.sent, 1)));  // from anywhere
		const uint32_t cap = pick(3) == 0 ? 3 : pick(2) ? 200 : 1400;
		const size_t len = 1 + pick(static_cast<uint32_t>(std::min<size_t>(size - a, cap)));
		const size_t b = a + len;
		const bool fin = b == size && pick(2);
		c.sent = std::max(c.sent, b);
		c.fin_sent |= fin;

		const Bytes payload = slice(c.stream, a, b);  // its own buffer, freed below
		Segment seg = segment(c.key, c.isn + 1 + static_cast<uint32_t>(a), payload, now_, fin, c.ack);
		const Plan plan = table_.plan(seg);
		seen_[plan.verdict]++;
		check_ack(c, plan);
		switch (plan.verdict) {
		case Verdict::answer:
			check_queries(c, plan);
			answer(ci, seg, plan);
			break;
		case Verdict::reanswer: {
			check_queries(c, plan);
			Stream s = stream_for(plan);
			ASSERT_EQ(stream_hash(s.spans), plan.expected_hash);
			ASSERT_EQ(s.flat.size(), plan.expected_len);
			transmit(ci, s.flat);
			table_.record_answer(seg.key, plan.request_seq, plan.ack_to, s.spans, now_);
			break;
		}
		case Verdict::resend: {
			const Bytes got = to_bytes(plan.cached);
			ASSERT_FALSE(c.answers.empty()) << "resend on a connection never answered";
			if (strict_) {
				ASSERT_EQ(got, c.answers.front());
			} else {
				ASSERT_NE(std::find(c.answers.begin(), c.answers.end(), got), c.answers.end());
			}
			transmit(ci, got);
			break;
		}
		default:
			break;
		}
		const auto st = table_.stats();
		ASSERT_LE(st.flows_in_use, limits_.flows);
		ASSERT_LE(st.reassembly_in_use, limits_.reassembly_slots);
	}

	void answer(size_t ci, const Segment &seg, const Plan &plan)
	{
		const uint32_t r = pick(100);
		if (r < 15) {  // the backend dropped it: nothing sent
			table_.forget(seg.key);
			return;
		}
		Stream s = stream_for(plan);
		if (r < 30) {  // asynchronous: the query spans die with this plan
			async_.push_back({ci, seg.key, plan.request_seq, plan.ack_to, s.flat});
			return;
		}
		transmit(ci, s.flat);
		table_.record_answer(seg.key, plan.request_seq, plan.ack_to, s.spans, now_);
	}

	void complete_async()
	{
		const size_t i = pick(static_cast<uint32_t>(async_.size()));
		Async a = std::move(async_[i]);
		async_.erase(async_.begin() + static_cast<long>(i));
		transmit(a.conn, a.stream);
		const std::span<const uint8_t> one[] = {a.stream};
		table_.record_answer(a.key, a.request_seq, a.ack_to, one, now_);
	}

	// A train leaves: on one connection all trains must be the same octets.
	void transmit(size_t ci, const Bytes &stream)
	{
		Conn &c = conns_[ci];
		if (std::find(c.answers.begin(), c.answers.end(), stream) == c.answers.end())
			c.answers.push_back(stream);
		if (strict_) {
			ASSERT_EQ(c.answers.size(), 1u) << "two different answers on one connection";
		}
		if (pick(2))
			c.heard = true;
	}

	void check_ack(const Conn &c, const Plan &plan)
	{
		if (plan.verdict == Verdict::drop || plan.verdict == Verdict::drop_after_fin)
			return;
		const uint32_t limit = c.isn + 1 + static_cast<uint32_t>(c.sent) + (c.fin_sent ? 1 : 0);
		ASSERT_LE(static_cast<int32_t>(plan.ack_to - limit), 0)
			<< verdict_name(plan.verdict) << " acknowledges unsent octets: " << plan.reason;
	}

	void check_queries(const Conn &c, const Plan &plan)
	{
		ASSERT_GE(plan.query_count, 1u);
		ASSERT_LE(plan.query_count, kMaxQueriesPerTrain);
		Bytes framed_all;
		for (size_t i = 0; i < plan.query_count; i++)
			framed_all = cat({framed_all, framed(to_bytes(plan.queries[i]))});
		size_t end = static_cast<uint32_t>(plan.ack_to - (c.isn + 1));
		if (end == c.stream.size() + 1 && c.fin_sent)
			end--;
		ASSERT_LE(end, c.stream.size()) << plan.reason;
		ASSERT_GE(end, framed_all.size());
		// Normally they end exactly at our ACK; an answered prefix ends earlier.
		for (size_t x = end - framed_all.size() + 1; x-- > 0;)
			if (std::equal(framed_all.begin(), framed_all.end(), c.stream.begin() + x))
				return;
		FAIL() << "answer queries are not the client's octets: " << plan.reason;
	}

	FlowTable table_;
	FlowTable::Limits limits_;
	bool strict_;
	std::mt19937_64 rng_;
	uint64_t now_ = 0;
	std::vector<Conn> conns_;
	std::vector<size_t> current_;  // per 4-tuple, index into conns_
	std::vector<Async> async_;
	std::map<Verdict, int> seen_;
};

TEST(FlowTableRandom, NoTwoDifferentAnswersOnOneConnection)
{
	FlowTable::Limits l;
	l.flows = 64;  // more than the 4-tuples: no eviction
	l.reassembly_slots = 2;
	l.reassembly_bytes = 512;
	l.cache_bytes = 600;
	for (unsigned seed = 1; seed <= 8; seed++) {
		SCOPED_TRACE("seed " + std::to_string(seed));
		Model m(l, /*strict=*/true, seed, /*keys=*/5);
		m.run(20000);
		ASSERT_FALSE(::testing::Test::HasFatalFailure());
		const auto st = m.table().stats();
		EXPECT_EQ(st.evictions, 0u);
		EXPECT_EQ(st.expirations, 0u);  // 20 s at most, idle 30 s
		// Every verdict occurred: the run exercised all transitions.
		for (Verdict v : {Verdict::answer, Verdict::ack_partial, Verdict::resend,
				  Verdict::reanswer, Verdict::drop_after_fin, Verdict::drop})
			EXPECT_GT(m.seen().count(v) ? m.seen().at(v) : 0, 0) << verdict_name(v);
		EXPECT_GT(st.replaced, 0u);
		EXPECT_GT(st.reassembly_full, 0u);
		EXPECT_GT(st.cache_evictions, 0u);
	}
}

TEST(FlowTableRandom, TinyTableStaysConsistentUnderEvictionAndExpiry)
{
	FlowTable::Limits l;
	l.flows = 3;
	l.reassembly_slots = 1;
	l.reassembly_bytes = 64;
	l.cache_bytes = 128;
	l.idle_ns = 5'000'000;
	l.min_evict_age_ns = 0;
	for (unsigned seed = 1; seed <= 8; seed++) {
		SCOPED_TRACE("seed " + std::to_string(seed));
		Model m(l, /*strict=*/false, seed, /*keys=*/7);
		m.run(20000);
		ASSERT_FALSE(::testing::Test::HasFatalFailure());
		const auto st = m.table().stats();
		EXPECT_GT(st.evictions, 0u);
		EXPECT_GT(st.expirations, 0u);
	}
}

}  // namespace
}  // namespace xdpdns::daemon::tcp::test
