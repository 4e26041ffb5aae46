// ConnTable: reused connections, pipelining, loss recovery and closing, and
// connections adopted from the XDP program, seen through the segments it asks
// the worker to send.
#include "daemon/tcp/conn_table.h"
#include "flow_test_support.h"
#include "net/frame.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>

namespace xdpdns::daemon::tcp {
namespace {

using test::Bytes;
using test::body;
using test::cat;
using test::framed;

constexpr uint64_t kMs = 1'000'000;
constexpr uint32_t kIsn = 0x5eed0000;     // the cookie
constexpr uint32_t kClientSeq = 1000;     // the client's first data octet

struct Sent {
	uint32_t seq, ack;
	uint8_t flags;
	Bytes payload;
	bool fin() const { return flags & net::kTcpFin; }
	bool rst() const { return flags & net::kTcpRst; }
};

// Answers every query with a deterministic answer of `answer_size` octets
// (its first octet echoes the query's), unless `async` holds them back.
class FakeIo : public ConnIo {
public:
	ConnTable *table = nullptr;
	size_t answer_size = 40;
	bool async = false;
	bool cookie = true;
	int tx_full = 0;  // this many sends fail (the TX ring full)
	std::vector<Sent> sent;
	std::vector<std::pair<ConnRef, Bytes>> queries;
	std::vector<FlowKey> released_keys;

	void query(ConnRef conn, std::span<const uint8_t> message) override
	{
		queries.emplace_back(conn, Bytes(message.begin(), message.end()));
		if (!async)
			table->add_answer(conn, answer_for(message));
	}
	Bytes answer_for(std::span<const uint8_t> message) const
	{
		Bytes a = body(answer_size, message.empty() ? 0 : message[0]);
		return a;
	}
	bool send(const net::ReplyTemplate &, uint32_t seq, uint32_t ack, uint8_t flags,
		  std::span<const uint8_t> payload) override
	{
		if (tx_full > 0) {
			tx_full--;
			return false;
		}
		sent.push_back({seq, ack, flags, Bytes(payload.begin(), payload.end())});
		return true;
	}
	void released(const FlowKey &key) override { released_keys.push_back(key); }
	bool cookie_valid(const ConnSegment &) override { return cookie; }

	// All octets sent in data segments, by sequence number (later copies
	// must equal earlier ones).
	Bytes stream(uint32_t from) const
	{
		std::map<uint32_t, uint8_t> bytes;
		for (const auto &s : sent)
			for (size_t i = 0; i < s.payload.size(); i++) {
				auto [it, fresh] = bytes.emplace(s.seq + static_cast<uint32_t>(i), s.payload[i]);
				EXPECT_EQ(it->second, s.payload[i]) << "octet at " << it->first << " sent twice, differently";
			}
		Bytes out;
		for (uint32_t seq = from; bytes.count(seq); seq++)
			out.push_back(bytes[seq]);
		return out;
	}
};

class ConnTableTest : public ::testing::Test {
protected:
	ConnTableTest() { make({}); }

	void make(ConnTable::Limits limits)
	{
		limits.send_bytes = 1 << 20;
		limits.max_buffered = 65538;
		table.reset();
		table.emplace(limits, io);
		io.table = &*table;
	}

	ConnSegment seg(uint32_t seq, const Bytes &payload, uint32_t ack = kIsn + 1,
			uint8_t flags = net::kTcpAck, uint16_t window = 65535)
	{
		ConnSegment s;
		s.key = test::key(40000);
		s.seq = seq;
		s.ack = ack;
		s.window = window;
		s.flags = flags;
		s.payload = payload;
		s.cookie_ok = ack == kIsn + 1;
		s.segment_size = segment_size;
		s.now_ns = now;
		return s;
	}
	bool feed(const ConnSegment &s)
	{
		keep_ = Bytes(s.payload.begin(), s.payload.end());
		ConnSegment c = s;
		c.payload = keep_;
		return table->on_segment(c, {}, settings);
	}
	// A segment the XDP program hands over with ADOPT metadata.
	bool adopt(const ConnSegment &s, uint32_t rcv_nxt, uint32_t snd_nxt)
	{
		keep_ = Bytes(s.payload.begin(), s.payload.end());
		ConnSegment c = s;
		c.payload = keep_;
		return table->adopt(c, rcv_nxt, snd_nxt, {}, settings);
	}
	// A DNS query of `n` octets (n >= 18): ID tag:tag, one question whose
	// name is one label of letters that depend on `tag`.
	static Bytes query_body(size_t n, uint8_t tag)
	{
		Bytes b = {tag, tag, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
		const size_t label = n - 12 - 2 - 4;
		b.push_back(static_cast<uint8_t>(label));
		for (size_t i = 0; i < label; i++)
			b.push_back(static_cast<uint8_t>('a' + (tag + i) % 26));
		const uint8_t tail[] = {0, 0, 1, 0, 1};
		b.insert(b.end(), std::begin(tail), std::end(tail));
		return b;
	}
	Bytes query(uint8_t tag, size_t n = 30) { return framed(query_body(n, tag)); }
	Bytes answer(uint8_t tag) const { return framed(body(io.answer_size, tag)); }

	FakeIo io;
	std::optional<ConnTable> table;
	ConnTable::Settings settings;
	uint16_t segment_size = 512;
	uint64_t now = 1000 * kMs;
	Bytes keep_;
};

TEST_F(ConnTableTest, FirstQueryIsAnsweredAndTheConnectionStaysOpen)
{
	const Bytes q = query(1);
	ASSERT_TRUE(feed(seg(kClientSeq, q)));
	ASSERT_EQ(io.queries.size(), 1u);
	ASSERT_EQ(io.sent.size(), 1u);
	EXPECT_EQ(io.sent[0].seq, kIsn + 1);
	EXPECT_EQ(io.sent[0].ack, kClientSeq + q.size());
	EXPECT_EQ(io.sent[0].flags, net::kTcpAck | net::kTcpPsh) << "no FIN: the connection is reused";
	EXPECT_EQ(io.sent[0].payload, answer(1));
	EXPECT_EQ(table->stats().open, 1u);
}

TEST_F(ConnTableTest, SegmentWithoutConnectionOrCookieIsNotTaken)
{
	io.cookie = false;
	ConnSegment s = seg(kClientSeq, query(1), kIsn + 77);
	EXPECT_FALSE(feed(s));
	EXPECT_TRUE(io.sent.empty());
	EXPECT_EQ(table->stats().open, 0u);
	// A handshake's pure ACK creates nothing either.
	io.cookie = true;
	EXPECT_FALSE(feed(seg(kClientSeq, {})));
	EXPECT_EQ(table->stats().open, 0u);
}

TEST_F(ConnTableTest, PipelinedQueriesAreAnsweredInOrder)
{
	const Bytes qs = cat({query(1), query(2), query(3)});
	ASSERT_TRUE(feed(seg(kClientSeq, qs)));
	ASSERT_EQ(io.queries.size(), 3u);
	EXPECT_EQ(io.stream(kIsn + 1), cat({answer(1), answer(2), answer(3)}));
	EXPECT_EQ(io.sent.back().ack, kClientSeq + qs.size());
}

TEST_F(ConnTableTest, QueryAfterAnAnswerIsAnsweredAfterIt)
{
	const Bytes q1 = query(1), q2 = query(2);
	feed(seg(kClientSeq, q1));
	const uint32_t after = kIsn + 1 + static_cast<uint32_t>(answer(1).size());
	ASSERT_TRUE(feed(seg(kClientSeq + q1.size(), q2, after)));
	ASSERT_EQ(io.queries.size(), 2u);
	EXPECT_EQ(io.sent.back().seq, after) << "no overlap: the second answer follows the first";
	EXPECT_EQ(io.sent.back().ack, kClientSeq + q1.size() + q2.size());
	EXPECT_EQ(io.stream(kIsn + 1), cat({answer(1), answer(2)}));
}

TEST_F(ConnTableTest, QuerySplitOverSegmentsIsHeldAndAcknowledged)
{
	const Bytes q = query(5);
	ASSERT_TRUE(feed(seg(kClientSeq, test::slice(q, 0, 2))));
	ASSERT_EQ(io.sent.size(), 1u);
	EXPECT_TRUE(io.sent[0].payload.empty());
	EXPECT_EQ(io.sent[0].ack, kClientSeq + 2) << "the held prefix is acknowledged";
	EXPECT_TRUE(io.queries.empty());
	ASSERT_TRUE(feed(seg(kClientSeq + 2, test::slice(q, 2, q.size()))));
	ASSERT_EQ(io.queries.size(), 1u);
	EXPECT_EQ(io.queries[0].second, query_body(30, 5));
	EXPECT_EQ(io.sent.back().payload, answer(5));
}

TEST_F(ConnTableTest, OutOfOrderAndOldSegmentsGetADuplicateAck)
{
	const Bytes q1 = query(1), q2 = query(2);
	feed(seg(kClientSeq, q1));
	const uint32_t after = kIsn + 1 + static_cast<uint32_t>(answer(1).size());
	io.sent.clear();
	feed(seg(kClientSeq + q1.size() + 10, q2, after));  // a hole of 10
	ASSERT_EQ(io.sent.size(), 1u);
	EXPECT_TRUE(io.sent[0].payload.empty());
	EXPECT_EQ(io.sent[0].ack, kClientSeq + q1.size());
	EXPECT_EQ(io.sent[0].seq, after);
	feed(seg(kClientSeq, q1, after));  // q1 again: old
	ASSERT_EQ(io.sent.size(), 2u);
	EXPECT_EQ(io.sent[1].ack, kClientSeq + q1.size());
	EXPECT_EQ(io.queries.size(), 1u) << "nothing answered twice";
	EXPECT_EQ(table->stats().out_of_order, 1u);
}

TEST_F(ConnTableTest, ClientFinGetsOurFinOnTheLastAnswerSegmentThenRelease)
{
	const Bytes q = query(1);
	feed(seg(kClientSeq, q, kIsn + 1, net::kTcpAck | net::kTcpFin));
	ASSERT_EQ(io.sent.size(), 1u);
	EXPECT_EQ(io.sent[0].flags, net::kTcpAck | net::kTcpPsh | net::kTcpFin);
	EXPECT_EQ(io.sent[0].ack, kClientSeq + q.size() + 1) << "the client's FIN is acknowledged";
	const uint32_t fin_ack = kIsn + 1 + static_cast<uint32_t>(answer(1).size()) + 1;
	feed(seg(kClientSeq + q.size() + 1, {}, fin_ack));
	EXPECT_EQ(table->stats().open, 0u);
	ASSERT_EQ(io.released_keys.size(), 1u);
	EXPECT_EQ(io.released_keys[0], test::key(40000));
}

TEST_F(ConnTableTest, IdleConnectionGetsOurFin)
{
	settings.idle_ns = 2000 * kMs;
	const Bytes q = query(1);
	feed(seg(kClientSeq, q));
	const uint32_t after = kIsn + 1 + static_cast<uint32_t>(answer(1).size());
	feed(seg(kClientSeq + q.size(), {}, after));  // all acknowledged
	io.sent.clear();
	table->on_timers(now + 1900 * kMs, settings);
	EXPECT_TRUE(io.sent.empty()) << "not idle long enough";
	table->on_timers(now + 2020 * kMs, settings);
	ASSERT_EQ(io.sent.size(), 1u);
	EXPECT_EQ(io.sent[0].flags, net::kTcpAck | net::kTcpFin);
	EXPECT_EQ(io.sent[0].seq, after);
	EXPECT_EQ(table->stats().idle_closed, 1u);
	now += 2030 * kMs;
	feed(seg(kClientSeq + q.size(), {}, after + 1));
	EXPECT_EQ(table->stats().open, 0u);
}

TEST_F(ConnTableTest, MaxQueriesAnswersThatManyThenFin)
{
	settings.max_queries = 2;
	const Bytes q1 = query(1), q2 = query(2), q3 = query(3);
	feed(seg(kClientSeq, cat({q1, q2, q3})));
	ASSERT_EQ(io.queries.size(), 2u);
	EXPECT_EQ(io.stream(kIsn + 1), cat({answer(1), answer(2)}));
	EXPECT_TRUE(io.sent.back().fin());
	EXPECT_EQ(io.sent.back().ack, kClientSeq + q1.size() + q2.size()) << "the third query is not acknowledged";
}

TEST_F(ConnTableTest, ThreeDuplicateAcksResendTheFirstUnacknowledgedSegment)
{
	segment_size = 100;
	io.answer_size = 300;  // 302 octets: 4 segments
	const Bytes q = query(1);
	feed(seg(kClientSeq, q));
	ASSERT_EQ(io.sent.size(), 4u);
	const uint32_t client_next = kClientSeq + static_cast<uint32_t>(q.size());
	// Segment 2 lost: the client acknowledges the first, three times more.
	for (int i = 0; i < 4; i++)
		feed(seg(client_next, {}, kIsn + 101));
	ASSERT_EQ(io.sent.size(), 5u);
	EXPECT_EQ(io.sent[4].seq, kIsn + 101);
	EXPECT_EQ(io.sent[4].payload.size(), 100u);
	EXPECT_EQ(table->stats().fast_retransmits, 1u);
	// A partial ACK (segment 3 lost too) resends the next one at once.
	feed(seg(client_next, {}, kIsn + 201));
	ASSERT_EQ(io.sent.size(), 6u);
	EXPECT_EQ(io.sent[5].seq, kIsn + 201);
	EXPECT_EQ(io.stream(kIsn + 1), framed(body(300, 1)));
}

TEST_F(ConnTableTest, LostTailIsResentByTheTimerWithBackoffThenReset)
{
	const Bytes q = query(1);
	feed(seg(kClientSeq, q));
	io.sent.clear();
	table->on_timers(now + 990 * kMs, settings);
	EXPECT_TRUE(io.sent.empty()) << "initial RTO is 1 s (RFC 6298)";
	table->on_timers(now + 1010 * kMs, settings);
	ASSERT_EQ(io.sent.size(), 1u);
	EXPECT_EQ(io.sent[0].seq, kIsn + 1);
	EXPECT_EQ(io.sent[0].payload, answer(1));
	table->on_timers(now + 2900 * kMs, settings);
	EXPECT_EQ(io.sent.size(), 1u) << "backed off to 2 s";
	table->on_timers(now + 3100 * kMs, settings);
	EXPECT_EQ(io.sent.size(), 2u);
	uint64_t t = now + 3100 * kMs;
	for (int i = 0; i < 10 && table->stats().open; i++) {
		t += 8100 * kMs;
		table->on_timers(t, settings);
	}
	EXPECT_EQ(table->stats().open, 0u);
	ASSERT_FALSE(io.sent.empty());
	EXPECT_TRUE(io.sent.back().rst()) << "the client is told, not left waiting";
	EXPECT_EQ(io.sent.size(), 2u + 4u + 1u) << "6 retries in all, then RST";
	EXPECT_EQ(io.released_keys.size(), 1u);
}

TEST_F(ConnTableTest, MeasuredRoundTripShortensTheTimer)
{
	const Bytes q1 = query(1), q2 = query(2);
	feed(seg(kClientSeq, q1));
	now += 10 * kMs;  // the client acknowledges after 10 ms
	const uint32_t after = kIsn + 1 + static_cast<uint32_t>(answer(1).size());
	feed(seg(kClientSeq + q1.size(), q2, after));
	io.sent.clear();
	table->on_timers(now + 190 * kMs, settings);
	EXPECT_TRUE(io.sent.empty());
	table->on_timers(now + 230 * kMs, settings);
	ASSERT_EQ(io.sent.size(), 1u) << "RTO = max(200 ms, SRTT + 4 RTTVAR = 30 ms)";
	EXPECT_EQ(io.sent[0].seq, after);
}

TEST_F(ConnTableTest, AnswersNeverExceedTheClientWindow)
{
	io.answer_size = 998;  // 1000 octets
	const Bytes q = query(1);
	feed(seg(kClientSeq, q, kIsn + 1, net::kTcpAck, 300));
	uint32_t sent = 0;
	for (const auto &s : io.sent)
		sent += static_cast<uint32_t>(s.payload.size());
	EXPECT_EQ(sent, 300u);
	feed(seg(kClientSeq + q.size(), {}, kIsn + 301, net::kTcpAck, 800));
	EXPECT_EQ(io.stream(kIsn + 1).size(), 1000u);
}

TEST_F(ConnTableTest, AsynchronousAnswersAreAcknowledgedFirstThenSent)
{
	io.async = true;
	const Bytes q = query(1);
	feed(seg(kClientSeq, q));
	ASSERT_EQ(io.sent.size(), 1u);
	EXPECT_TRUE(io.sent[0].payload.empty()) << "a bare ACK while the upstream works";
	ASSERT_EQ(io.queries.size(), 1u);
	table->add_answer(io.queries[0].first, io.answer_for(io.queries[0].second));
	table->flush(io.queries[0].first, now, settings);
	ASSERT_EQ(io.sent.size(), 2u);
	EXPECT_EQ(io.sent[1].payload, answer(1));
	// A late answer for a connection that is gone is ignored.
	feed(seg(kClientSeq + q.size(), {}, kIsn + 1, net::kTcpRst));
	EXPECT_EQ(table->stats().open, 0u);
	table->add_answer(io.queries[0].first, io.answer_for(io.queries[0].second));
	table->flush(io.queries[0].first, now, settings);
	EXPECT_EQ(io.sent.size(), 2u);
}

TEST_F(ConnTableTest, FullTableResetsTheLongestIdleConnection)
{
	make({.conns = 2, .reassembly_slots = 2});
	const Bytes q = query(1);  // the segments' payload points into it
	for (uint16_t port = 1; port <= 2; port++) {
		ConnSegment s = seg(kClientSeq, q);
		s.key = test::key(port);
		feed(s);
	}
	ConnSegment young = seg(kClientSeq, q);
	young.key = test::key(3);
	EXPECT_FALSE(feed(young)) << "every connection was active within a second";
	EXPECT_EQ(table->stats().table_full, 1u);
	now += 2000 * kMs;
	young.now_ns = now;
	io.sent.clear();
	EXPECT_TRUE(feed(young));
	ASSERT_GE(io.sent.size(), 2u);
	EXPECT_TRUE(io.sent[0].rst()) << "the evicted client is told at once";
	EXPECT_EQ(table->stats().evicted, 1u);
	EXPECT_EQ(table->stats().open, 2u);
}

TEST_F(ConnTableTest, NewConnectionOnTheSameTupleReplacesTheOld)
{
	const Bytes q = query(1);
	feed(seg(kClientSeq, q));
	const uint32_t other_isn_seq = kClientSeq + 5'000'000;
	io.sent.clear();
	ASSERT_TRUE(feed(seg(other_isn_seq, query(2))));
	ASSERT_EQ(io.sent.size(), 1u);
	EXPECT_EQ(io.sent[0].seq, kIsn + 1);
	EXPECT_EQ(io.sent[0].ack, other_isn_seq + query(2).size());
	EXPECT_EQ(table->stats().replaced, 1u);
	EXPECT_TRUE(io.released_keys.empty()) << "the XDP program's entry serves the new connection";
}

TEST_F(ConnTableTest, AnswersOverwrittenBeforeTheyWereAcknowledgedResetTheConnection)
{
	io.answer_size = 60000;
	const Bytes qa = query(1);
	ConnSegment a = seg(kClientSeq, qa, kIsn + 1, net::kTcpAck, 100);  // a tiny window
	a.key = test::key(1);
	feed(a);
	// Another connection's answers go round the 1 MiB ring.
	const Bytes qb = query(2);
	for (uint32_t i = 0; i < 20; i++) {
		ConnSegment b = seg(kClientSeq + i * static_cast<uint32_t>(qb.size()), qb,
				    kIsn + 1 + i * 60002, net::kTcpAck);
		b.key = test::key(2);
		b.cookie_ok = i == 0;
		feed(b);
	}
	EXPECT_EQ(table->stats().ring_lost, 0u);
	EXPECT_EQ(table->stats().queries, 21u);
	io.sent.clear();
	ConnSegment more = seg(kClientSeq + static_cast<uint32_t>(qa.size()), {}, kIsn + 101);
	more.key = test::key(1);
	feed(more);  // the window opens: the rest of A's answer is gone
	EXPECT_EQ(table->stats().ring_lost, 1u);
	ASSERT_EQ(io.sent.size(), 1u);
	EXPECT_TRUE(io.sent[0].rst()) << "told at once, never sent wrong octets";
	EXPECT_EQ(table->stats().open, 1u);
}

TEST_F(ConnTableTest, AnswerHeldUpByAFullTxRingGoesOutOnTheNextTick)
{
	io.tx_full = 1;
	const Bytes q = query(1);
	feed(seg(kClientSeq, q));
	ASSERT_EQ(io.sent.size(), 1u);
	EXPECT_TRUE(io.sent[0].payload.empty()) << "the query is acknowledged at least";
	EXPECT_EQ(io.sent[0].ack, kClientSeq + q.size());
	table->on_timers(now + 25 * kMs, settings);
	ASSERT_EQ(io.sent.size(), 2u) << "not a retransmission timer's second";
	EXPECT_EQ(io.sent[1].seq, kIsn + 1);
	EXPECT_EQ(io.sent[1].payload, answer(1));
	EXPECT_EQ(table->stats().retransmits, 0u);
}

// Adoption: the XDP program answered the client's first query (q1 at
// kClientSeq) itself, with kXdpAnswer octets at kIsn + 1, and hands over the
// first segment that needs more, with the client's next octet (rcv_nxt) and
// ours (snd_nxt). The XDP answer's length differs from the table's answers
// so that an octet of it resent from here would show.
class ConnTableAdoptTest : public ConnTableTest {
protected:
	static constexpr uint32_t kXdpAnswer = 57;

	// Every segment sent lies at or after snd_nxt: nothing of (or over) the
	// XDP answer.
	void expect_nothing_below_snd_nxt() const
	{
		for (size_t i = 0; i < io.sent.size(); i++)
			EXPECT_GE(io.sent[i].seq, snd_nxt) << "segment " << i << " reaches into the XDP answer";
	}

	const Bytes q1 = query(1);
	const uint32_t rcv_nxt = kClientSeq + static_cast<uint32_t>(q1.size());
	const uint32_t snd_nxt = kIsn + 1 + kXdpAnswer;
	const uint32_t a = static_cast<uint32_t>(answer(0).size());  // each answer of the table, framed
};

TEST_F(ConnTableAdoptTest, SecondQueryIsAnsweredAtSndNxt)
{
	const Bytes q2 = query(2);
	ASSERT_TRUE(adopt(seg(rcv_nxt, q2, snd_nxt), rcv_nxt, snd_nxt));
	ASSERT_EQ(io.queries.size(), 1u);
	EXPECT_EQ(io.queries[0].second, query_body(30, 2));
	ASSERT_EQ(io.sent.size(), 1u);
	EXPECT_EQ(io.sent[0].seq, snd_nxt);
	EXPECT_EQ(io.sent[0].ack, rcv_nxt + q2.size());
	EXPECT_EQ(io.sent[0].flags, net::kTcpAck | net::kTcpPsh);
	EXPECT_EQ(io.sent[0].payload, answer(2));
	const auto st = table->stats();
	EXPECT_EQ(st.adopted, 1u);
	EXPECT_EQ(st.open, 1u);
	EXPECT_EQ(st.opened, 1u);
	EXPECT_EQ(st.queries, 1u) << "the XDP program's query is counted on the connection, not here";
	EXPECT_TRUE(io.released_keys.empty());
}

TEST_F(ConnTableAdoptTest, ClientFinGetsOurFinThenItsAckReleases)
{
	ASSERT_TRUE(adopt(seg(rcv_nxt, {}, snd_nxt, net::kTcpAck | net::kTcpFin), rcv_nxt, snd_nxt));
	EXPECT_TRUE(io.queries.empty());
	ASSERT_EQ(io.sent.size(), 1u) << "the ACK of the client's FIN rides on our FIN";
	EXPECT_EQ(io.sent[0].seq, snd_nxt);
	EXPECT_EQ(io.sent[0].ack, rcv_nxt + 1);
	EXPECT_EQ(io.sent[0].flags, net::kTcpAck | net::kTcpFin);
	EXPECT_TRUE(io.sent[0].payload.empty());
	EXPECT_EQ(table->stats().adopted, 1u);
	EXPECT_EQ(table->stats().open, 1u);
	EXPECT_TRUE(io.released_keys.empty()) << "not before our FIN is acknowledged";

	now += 5 * kMs;
	ASSERT_TRUE(adopt(seg(rcv_nxt + 1, {}, snd_nxt + 1), rcv_nxt, snd_nxt));
	EXPECT_EQ(io.sent.size(), 1u) << "nothing answers the last ACK";
	EXPECT_EQ(table->stats().open, 0u);
	ASSERT_EQ(io.released_keys.size(), 1u);
	EXPECT_EQ(io.released_keys[0], test::key(40000));
	EXPECT_EQ(table->stats().adopted, 1u);
}

TEST_F(ConnTableAdoptTest, UnacknowledgedXdpAnswerIsNeitherOverlappedNorResent)
{
	const Bytes q2 = query(2);
	ASSERT_TRUE(adopt(seg(rcv_nxt, q2, snd_nxt - kXdpAnswer), rcv_nxt, snd_nxt));
	ASSERT_EQ(io.queries.size(), 1u);
	ASSERT_EQ(io.sent.size(), 1u);
	EXPECT_EQ(io.sent[0].seq, snd_nxt) << "after the XDP answer, not over it";
	EXPECT_EQ(io.sent[0].ack, rcv_nxt + q2.size());
	EXPECT_EQ(io.sent[0].flags, net::kTcpAck | net::kTcpPsh);
	EXPECT_EQ(io.sent[0].payload, answer(2));

	// The client acknowledges the XDP answer only: nothing to send.
	now += 5 * kMs;
	ASSERT_TRUE(adopt(seg(rcv_nxt + q2.size(), {}, snd_nxt), rcv_nxt, snd_nxt));
	EXPECT_EQ(io.sent.size(), 1u);

	// The second answer is lost: the timer resends it, and only it, with
	// backoff, until the retries run out (6, then RST at SND.NXT).
	uint64_t t = now;
	for (int i = 0; i < 20 && table->stats().open; i++) {
		t += 8100 * kMs;
		table->on_timers(t, settings);
	}
	EXPECT_EQ(table->stats().open, 0u);
	ASSERT_EQ(io.sent.size(), 1u + 6u + 1u);
	for (size_t i = 1; i < 7; i++) {
		EXPECT_EQ(io.sent[i].seq, snd_nxt) << i;
		EXPECT_EQ(io.sent[i].ack, rcv_nxt + q2.size()) << i;
		EXPECT_EQ(io.sent[i].flags, net::kTcpAck | net::kTcpPsh) << i;
		EXPECT_EQ(io.sent[i].payload, answer(2)) << i;
	}
	EXPECT_EQ(io.sent[7].flags, net::kTcpRst | net::kTcpAck);
	EXPECT_EQ(io.sent[7].seq, snd_nxt + a);
	EXPECT_EQ(table->stats().retransmits, 6u);
	expect_nothing_below_snd_nxt();
	EXPECT_EQ(io.stream(snd_nxt), answer(2));
}

TEST_F(ConnTableAdoptTest, UnacknowledgedXdpAnswerThenDuplicateAcksResendFromSndNxt)
{
	segment_size = 100;
	io.answer_size = 198;  // 200 octets framed: two segments
	const Bytes q2 = query(2);
	ASSERT_TRUE(adopt(seg(rcv_nxt, q2, snd_nxt - kXdpAnswer), rcv_nxt, snd_nxt));
	ASSERT_EQ(io.sent.size(), 2u);
	EXPECT_EQ(io.sent[0].seq, snd_nxt);
	EXPECT_EQ(io.sent[0].flags, net::kTcpAck);
	EXPECT_EQ(io.sent[1].seq, snd_nxt + 100);
	EXPECT_EQ(io.sent[1].flags, net::kTcpAck | net::kTcpPsh);
	// The first of the two is lost: the client acknowledges the XDP
	// answer, then repeats that ACK for the second.
	const uint32_t client_next = rcv_nxt + static_cast<uint32_t>(q2.size());
	for (int i = 0; i < 4 && io.sent.size() == 2; i++)
		ASSERT_TRUE(adopt(seg(client_next, {}, snd_nxt), rcv_nxt, snd_nxt));
	ASSERT_EQ(io.sent.size(), 3u);
	EXPECT_EQ(io.sent[2].seq, snd_nxt);
	EXPECT_EQ(io.sent[2].ack, client_next);
	EXPECT_EQ(io.sent[2].payload, test::slice(framed(body(198, 2)), 0, 100));
	EXPECT_EQ(table->stats().fast_retransmits, 1u);
	// And the timer afterwards: from SND.UNA = snd_nxt too.
	table->on_timers(now + 8100 * kMs, settings);
	ASSERT_EQ(io.sent.size(), 4u);
	EXPECT_EQ(io.sent[3].seq, snd_nxt);
	expect_nothing_below_snd_nxt();
	EXPECT_EQ(io.stream(snd_nxt), framed(body(198, 2)));
}

TEST_F(ConnTableAdoptTest, AdoptingAKnownConnectionDoesNotResetIt)
{
	const Bytes q2 = query(2), q3 = query(3);
	ASSERT_TRUE(adopt(seg(rcv_nxt, q2, snd_nxt), rcv_nxt, snd_nxt));
	ASSERT_EQ(io.sent.size(), 1u);
	// The XDP program's record has not moved: it hands over the third
	// query with the same rcv_nxt and snd_nxt, which must not count now.
	now += 5 * kMs;
	const uint32_t client_next = rcv_nxt + static_cast<uint32_t>(q2.size());
	ASSERT_TRUE(adopt(seg(client_next, q3, snd_nxt + a), rcv_nxt, snd_nxt));
	ASSERT_EQ(io.queries.size(), 2u);
	EXPECT_EQ(io.queries[1].second, query_body(30, 3));
	EXPECT_EQ(io.queries[1].first.id, io.queries[0].first.id);
	EXPECT_EQ(io.queries[1].first.generation, io.queries[0].first.generation);
	ASSERT_EQ(io.sent.size(), 2u);
	EXPECT_EQ(io.sent[1].seq, snd_nxt + a);
	EXPECT_EQ(io.sent[1].ack, client_next + q3.size());
	EXPECT_EQ(io.sent[1].flags, net::kTcpAck | net::kTcpPsh);
	EXPECT_EQ(io.sent[1].payload, answer(3));
	// Numbers the metadata might carry otherwise are ignored as well.
	now += 5 * kMs;
	const uint32_t client_after = client_next + static_cast<uint32_t>(q3.size());
	ASSERT_TRUE(adopt(seg(client_after, query(4), snd_nxt + 2 * a), 7, 9));
	ASSERT_EQ(io.sent.size(), 3u);
	EXPECT_EQ(io.sent[2].seq, snd_nxt + 2 * a);
	EXPECT_EQ(io.sent[2].ack, client_after + query(4).size());
	EXPECT_EQ(io.sent[2].payload, answer(4));
	const auto st = table->stats();
	EXPECT_EQ(st.adopted, 1u);
	EXPECT_EQ(st.opened, 1u);
	EXPECT_EQ(st.open, 1u);
	EXPECT_EQ(st.queries, 3u);
	EXPECT_TRUE(io.released_keys.empty());
	EXPECT_EQ(io.stream(snd_nxt), cat({answer(2), answer(3), answer(4)}));
}

TEST_F(ConnTableAdoptTest, MaxQueriesCountsTheXdpAnswer)
{
	settings.max_queries = 2;
	const Bytes q2 = query(2), q3 = query(3);
	ASSERT_TRUE(adopt(seg(rcv_nxt, cat({q2, q3}), snd_nxt), rcv_nxt, snd_nxt));
	ASSERT_EQ(io.queries.size(), 1u) << "the XDP program answered the first of two";
	EXPECT_EQ(io.queries[0].second, query_body(30, 2));
	ASSERT_EQ(io.sent.size(), 1u);
	EXPECT_EQ(io.sent[0].seq, snd_nxt);
	EXPECT_EQ(io.sent[0].ack, rcv_nxt + q2.size()) << "the third query is not acknowledged";
	EXPECT_EQ(io.sent[0].flags, net::kTcpAck | net::kTcpPsh | net::kTcpFin) << "our FIN rides on the answer";
	EXPECT_EQ(io.sent[0].payload, answer(2));
	// The client acknowledges answer and FIN: the entry goes.
	now += 5 * kMs;
	ASSERT_TRUE(adopt(seg(rcv_nxt + q2.size(), {}, snd_nxt + a + 1), rcv_nxt, snd_nxt));
	EXPECT_EQ(io.sent.size(), 1u);
	EXPECT_EQ(table->stats().open, 0u);
	ASSERT_EQ(io.released_keys.size(), 1u);
	EXPECT_EQ(io.released_keys[0], test::key(40000));
}

TEST_F(ConnTableAdoptTest, FullTableRefusesAndSendsNothing)
{
	make({.conns = 2, .reassembly_slots = 2});
	const Bytes q2 = query(2);
	for (uint16_t port = 1; port <= 2; port++) {
		ConnSegment s = seg(rcv_nxt, q2, snd_nxt);
		s.key = test::key(port);
		ASSERT_TRUE(adopt(s, rcv_nxt, snd_nxt));
	}
	io.sent.clear();
	io.queries.clear();
	now += 500 * kMs;  // both used within min_evict_idle_ns
	ConnSegment third = seg(rcv_nxt, q2, snd_nxt);
	third.key = test::key(3);
	EXPECT_FALSE(adopt(third, rcv_nxt, snd_nxt));
	EXPECT_TRUE(io.sent.empty());
	EXPECT_TRUE(io.queries.empty());
	EXPECT_TRUE(io.released_keys.empty());
	const auto st = table->stats();
	EXPECT_EQ(st.table_full, 1u);
	EXPECT_EQ(st.adopted, 2u);
	EXPECT_EQ(st.open, 2u);
	EXPECT_EQ(st.evicted, 0u);
	EXPECT_FALSE(table->has(test::key(3)));
}

}  // namespace
}  // namespace xdpdns::daemon::tcp
