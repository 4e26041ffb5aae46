// Every per-flow transition of FlowTable, with exact ack_to values and query
// spans: fresh requests, reassembly, retransmissions, pipelining, reuse.
#include "daemon/tcp/flow_table.h"
#include "flow_test_support.h"

#include <gtest/gtest.h>

namespace xdpdns::daemon::tcp::test {
namespace {

constexpr uint64_t kMs = 1'000'000;

class FlowTableTest : public ::testing::Test {
protected:
	static FlowTable::Limits limits()
	{
		FlowTable::Limits l;
		l.flows = 64;
		l.reassembly_slots = 4;
		l.cache_bytes = 1 << 16;
		return l;
	}

	FlowTable table{limits()};
	const FlowKey k = key(40000);
	const Bytes q1 = body(30, 1), q2 = body(45, 2), q3 = body(12, 3);
};

TEST_F(FlowTableTest, CompleteQueryIsAnsweredFromThePayload)
{
	const Bytes p = framed(q1);
	const Plan plan = table.plan(segment(k, 1000, p, 0));
	ASSERT_EQ(plan.verdict, Verdict::answer) << plan.reason;
	EXPECT_EQ(plan.ack_to, 1000u + 32);
	EXPECT_EQ(plan.request_seq, 1000u);
	ASSERT_EQ(plan.query_count, 1u);
	EXPECT_EQ(plan.queries[0].data(), p.data() + 2);  // no copy
	EXPECT_EQ(to_bytes(plan.queries[0]), q1);
	EXPECT_EQ(table.stats().flows_in_use, 1u);
}

TEST_F(FlowTableTest, FinWithACompleteQueryIsConsumed)
{
	const Bytes p = framed(q1);
	const Plan plan = table.plan(segment(k, 1000, p, 0, /*fin=*/true));
	ASSERT_EQ(plan.verdict, Verdict::answer);
	EXPECT_EQ(plan.ack_to, 1000u + 32 + 1);
}

TEST_F(FlowTableTest, TwoQueriesInOneSegmentAreAnsweredInOrder)
{
	const Bytes p = cat({framed(q1), framed(q2)});
	const Plan plan = table.plan(segment(k, 7, p, 0));
	ASSERT_EQ(plan.verdict, Verdict::answer);
	EXPECT_EQ(plan.ack_to, 7u + 32 + 47);
	ASSERT_EQ(plan.query_count, 2u);
	EXPECT_EQ(plan.queries[0].data(), p.data() + 2);
	EXPECT_EQ(plan.queries[1].data(), p.data() + 34);
	EXPECT_EQ(to_bytes(plan.queries[0]), q1);
	EXPECT_EQ(to_bytes(plan.queries[1]), q2);
}

TEST_F(FlowTableTest, SixteenQueriesAreAnsweredSeventeenAreDropped)
{
	Bytes p16, p17;
	for (int i = 0; i < 16; i++)
		p16 = cat({p16, framed(body(3, static_cast<uint8_t>(i)))});
	p17 = cat({p16, framed(body(3, 16))});
	Plan plan = table.plan(segment(k, 100, p16, 0));
	ASSERT_EQ(plan.verdict, Verdict::answer);
	EXPECT_EQ(plan.query_count, 16u);
	EXPECT_EQ(to_bytes(plan.queries[15]), body(3, 15));

	const FlowKey other = key(40001);
	plan = table.plan(segment(other, 100, p17, 0));
	EXPECT_EQ(plan.verdict, Verdict::drop);
	EXPECT_STREQ(plan.reason, "too many queries in one segment");
	EXPECT_EQ(table.stats().flows_in_use, 1u);  // nothing remembered for it
}

TEST_F(FlowTableTest, SplitAfterThePrefixIsReassembled)
{
	const Bytes whole = framed(q1);
	const Bytes a = slice(whole, 0, 2), b = slice(whole, 2, whole.size());
	Plan plan = table.plan(segment(k, 500, a, 0));
	ASSERT_EQ(plan.verdict, Verdict::ack_partial) << plan.reason;
	EXPECT_EQ(plan.ack_to, 502u);
	EXPECT_EQ(table.stats().reassembly_in_use, 1u);

	plan = table.plan(segment(k, 502, b, 1));
	ASSERT_EQ(plan.verdict, Verdict::answer) << plan.reason;
	EXPECT_EQ(plan.ack_to, 532u);
	EXPECT_EQ(plan.request_seq, 500u);  // where the request began
	ASSERT_EQ(plan.query_count, 1u);
	EXPECT_EQ(to_bytes(plan.queries[0]), q1);
	EXPECT_FALSE(inside(plan.queries[0], b));  // from the reassembly slot
}

TEST_F(FlowTableTest, SplitInsideThePrefixIsReassembled)
{
	const Bytes whole = framed(q2);
	Plan plan = table.plan(segment(k, 9, slice(whole, 0, 1), 0));
	ASSERT_EQ(plan.verdict, Verdict::ack_partial);
	EXPECT_EQ(plan.ack_to, 10u);
	plan = table.plan(segment(k, 10, slice(whole, 1, 2), 0));
	ASSERT_EQ(plan.verdict, Verdict::ack_partial);
	EXPECT_EQ(plan.ack_to, 11u);
	const Bytes rest = slice(whole, 2, whole.size());
	plan = table.plan(segment(k, 11, rest, 0, /*fin=*/true));
	ASSERT_EQ(plan.verdict, Verdict::answer) << plan.reason;
	EXPECT_EQ(plan.ack_to, 9u + 47 + 1);
	ASSERT_EQ(plan.query_count, 1u);
	EXPECT_EQ(to_bytes(plan.queries[0]), q2);
}

TEST_F(FlowTableTest, SlotIsFreedAtTheNextPlanAfterTheAnswer)
{
	const Bytes whole = framed(q1);
	table.plan(segment(k, 0, slice(whole, 0, 10), 0));
	const Bytes rest = slice(whole, 10, whole.size());
	const Segment s = segment(k, 10, rest, 0);
	const Plan plan = table.plan(s);
	ASSERT_EQ(plan.verdict, Verdict::answer);
	// The query span points into the slot: still held while the caller answers.
	EXPECT_EQ(table.stats().reassembly_in_use, 1u);
	send_and_record(table, s, plan);
	EXPECT_EQ(to_bytes(plan.queries[0]), q1);
	table.plan(segment(key(1), 0, framed(q3), 0));
	EXPECT_EQ(table.stats().reassembly_in_use, 0u);
}

TEST_F(FlowTableTest, CompleteQueryFollowedByAPartialOneWaitsForBoth)
{
	const Bytes f2 = framed(q2);
	const Bytes first = cat({framed(q1), slice(f2, 0, 20)});
	Plan plan = table.plan(segment(k, 1, first, 0));
	ASSERT_EQ(plan.verdict, Verdict::ack_partial);
	EXPECT_EQ(plan.ack_to, 1u + 32 + 20);

	plan = table.plan(segment(k, 53, slice(f2, 20, f2.size()), 0));
	ASSERT_EQ(plan.verdict, Verdict::answer);
	EXPECT_EQ(plan.ack_to, 1u + 32 + 47);
	ASSERT_EQ(plan.query_count, 2u);
	EXPECT_EQ(to_bytes(plan.queries[0]), q1);
	EXPECT_EQ(to_bytes(plan.queries[1]), q2);
}

TEST_F(FlowTableTest, RetransmissionOfHeldOctetsRepeatsTheAck)
{
	const Bytes whole = framed(q2);
	const Bytes a = slice(whole, 0, 20);
	ASSERT_EQ(table.plan(segment(k, 100, a, 0)).verdict, Verdict::ack_partial);
	Plan plan = table.plan(segment(k, 100, a, 1));
	EXPECT_EQ(plan.verdict, Verdict::ack_partial);
	EXPECT_EQ(plan.ack_to, 120u);
	plan = table.plan(segment(k, 105, slice(whole, 5, 20), 2));  // a piece of it
	EXPECT_EQ(plan.verdict, Verdict::ack_partial);
	EXPECT_EQ(plan.ack_to, 120u);
	EXPECT_EQ(table.stats().reassembly_in_use, 1u);
}

TEST_F(FlowTableTest, OverlapExtendingBeyondHeldOctetsIsTrimmedFirstReceivedWins)
{
	const Bytes whole = framed(q2);
	ASSERT_EQ(table.plan(segment(k, 100, slice(whole, 0, 20), 0)).verdict, Verdict::ack_partial);
	// Repacketized retransmission 10..end whose first 10 octets were altered:
	// the held octets are kept, only octets from 20 on are taken.
	Bytes overlap = slice(whole, 10, whole.size());
	for (size_t i = 0; i < 10; i++)
		overlap[i] ^= 0xff;
	const Plan plan = table.plan(segment(k, 110, overlap, 1));
	ASSERT_EQ(plan.verdict, Verdict::answer) << plan.reason;
	EXPECT_EQ(plan.ack_to, 100u + 47);
	EXPECT_EQ(to_bytes(plan.queries[0]), q2);
}

TEST_F(FlowTableTest, SegmentAfterAHoleGetsADuplicateAck)
{
	const Bytes whole = framed(q2);
	ASSERT_EQ(table.plan(segment(k, 100, slice(whole, 0, 10), 0)).verdict, Verdict::ack_partial);
	Plan plan = table.plan(segment(k, 130, slice(whole, 30, whole.size()), 1));
	EXPECT_EQ(plan.verdict, Verdict::ack_partial);
	EXPECT_EQ(plan.ack_to, 110u);  // still asking for octet 110
	plan = table.plan(segment(k, 110, slice(whole, 10, whole.size()), 2));
	ASSERT_EQ(plan.verdict, Verdict::answer);
	EXPECT_EQ(plan.ack_to, 147u);
	EXPECT_EQ(to_bytes(plan.queries[0]), q2);
}

TEST_F(FlowTableTest, EarlierPartArrivingLateIsPrepended)
{
	// The body's first octets read as length 0xffff: the late second part,
	// seen first, looks like an incomplete message and is held.
	Bytes q = body(40, 4);
	q[8] = 0xff;
	q[9] = 0xff;
	const Bytes whole = framed(q);
	const Bytes a = slice(whole, 0, 10), b = slice(whole, 10, whole.size());
	Plan plan = table.plan(segment(k, 2010, b, 0));
	ASSERT_EQ(plan.verdict, Verdict::ack_partial);
	EXPECT_EQ(plan.ack_to, 2042u);
	plan = table.plan(segment(k, 2000, a, 1));
	ASSERT_EQ(plan.verdict, Verdict::answer) << plan.reason;
	EXPECT_EQ(plan.ack_to, 2042u);
	EXPECT_EQ(plan.request_seq, 2000u);
	EXPECT_EQ(plan.request_seq, 2000u);
	EXPECT_EQ(to_bytes(plan.queries[0]), q);
}

TEST_F(FlowTableTest, SegmentOverlappingTheHeldStartIsDropped)
{
	const Bytes whole = framed(q2);
	ASSERT_EQ(table.plan(segment(k, 100, slice(whole, 5, 20), 0)).verdict, Verdict::ack_partial);
	const Plan plan = table.plan(segment(k, 95, slice(whole, 0, 10), 1));
	EXPECT_EQ(plan.verdict, Verdict::drop);
	EXPECT_STREQ(plan.reason, "overlaps the start of held octets");
}

TEST_F(FlowTableTest, FinWithAnIncompleteQueryIsDroppedAndNothingHeld)
{
	const Bytes whole = framed(q1);
	const Plan plan = table.plan(segment(k, 100, slice(whole, 0, 10), 0, /*fin=*/true));
	EXPECT_EQ(plan.verdict, Verdict::drop);
	EXPECT_STREQ(plan.reason, "FIN with an incomplete query");
	EXPECT_EQ(table.stats().reassembly_in_use, 0u);
	EXPECT_EQ(table.stats().flows_in_use, 0u);
}

TEST_F(FlowTableTest, FinEndingAHeldIncompleteQueryFreesTheSlot)
{
	const Bytes whole = framed(q2);
	ASSERT_EQ(table.plan(segment(k, 100, slice(whole, 0, 10), 0)).verdict, Verdict::ack_partial);
	const Plan plan = table.plan(segment(k, 110, slice(whole, 10, 20), 1, /*fin=*/true));
	EXPECT_EQ(plan.verdict, Verdict::drop);
	EXPECT_STREQ(plan.reason, "FIN with an incomplete query");
	table.plan(segment(key(2), 0, framed(q3), 2));
	EXPECT_EQ(table.stats().reassembly_in_use, 0u);
}

TEST_F(FlowTableTest, FinAfterCompleteAndIncompleteAnswersTheCompleteOnes)
{
	const Bytes p = cat({framed(q1), slice(framed(q2), 0, 9)});
	const Plan plan = table.plan(segment(k, 100, p, 0, /*fin=*/true));
	ASSERT_EQ(plan.verdict, Verdict::answer);
	EXPECT_STREQ(plan.reason, "FIN with an incomplete query");
	EXPECT_EQ(plan.ack_to, 132u);  // neither the incomplete octets nor the FIN
	ASSERT_EQ(plan.query_count, 1u);
	EXPECT_EQ(to_bytes(plan.queries[0]), q1);
}

TEST_F(FlowTableTest, HeldCompleteQueryIsAnsweredWhenFinEndsTheRestIncomplete)
{
	const Bytes f2 = framed(q2);
	ASSERT_EQ(table.plan(segment(k, 100, cat({framed(q1), slice(f2, 0, 5)}), 0)).verdict,
		  Verdict::ack_partial);
	const Plan plan = table.plan(segment(k, 137, slice(f2, 5, 15), 1, /*fin=*/true));
	ASSERT_EQ(plan.verdict, Verdict::answer);
	EXPECT_EQ(plan.ack_to, 147u);  // all held octets (acked before), no FIN
	ASSERT_EQ(plan.query_count, 1u);
	EXPECT_EQ(to_bytes(plan.queries[0]), q1);
}

TEST_F(FlowTableTest, RetransmittedRequestGetsTheIdenticalStream)
{
	const Bytes p = cat({framed(q1), framed(q2)});
	const Segment s = segment(k, 3000, p, 0, /*fin=*/true);
	const Plan first = table.plan(s);
	ASSERT_EQ(first.verdict, Verdict::answer);
	const Stream sent = send_and_record(table, s, first);

	const Bytes copy = p;  // the retransmission arrives in another buffer
	const Plan again = table.plan(segment(k, 3000, copy, 200 * kMs, true));
	ASSERT_EQ(again.verdict, Verdict::resend) << again.reason;
	EXPECT_EQ(again.ack_to, first.ack_to);
	EXPECT_EQ(to_bytes(again.cached), sent.flat);
	EXPECT_EQ(again.query_count, 0u);
}

TEST_F(FlowTableTest, RetransmittedTailOfAReassembledRequestIsResent)
{
	const Bytes whole = framed(q2);
	const Bytes a = slice(whole, 0, 20), b = slice(whole, 20, whole.size());
	ASSERT_EQ(table.plan(segment(k, 50, a, 0)).verdict, Verdict::ack_partial);
	const Segment sb = segment(k, 70, b, 1);
	const Plan plan = table.plan(sb);
	ASSERT_EQ(plan.verdict, Verdict::answer);
	const Stream sent = send_and_record(table, sb, plan);

	const Plan again = table.plan(segment(k, 70, b, 300 * kMs));
	ASSERT_EQ(again.verdict, Verdict::resend) << again.reason;
	EXPECT_EQ(again.ack_to, 97u);
	EXPECT_EQ(to_bytes(again.cached), sent.flat);
	// A retransmission carrying more than the request (the client collapsed
	// it with a pipelined query) is resent the same; the extra is not acked.
	const Bytes more = cat({whole, framed(q3)});
	const Plan collapsed = table.plan(segment(k, 50, more, 400 * kMs));
	ASSERT_EQ(collapsed.verdict, Verdict::resend);
	EXPECT_EQ(collapsed.ack_to, 97u);
}

TEST_F(FlowTableTest, PipelinedQueriesAfterTheAnswerAreDroppedAfterFin)
{
	const Bytes p1 = framed(q1);
	const Segment s = segment(k, 10, p1, 0);
	const Plan plan = table.plan(s);
	ASSERT_EQ(plan.verdict, Verdict::answer);
	send_and_record(table, s, plan);

	const Bytes p2 = framed(q2), p3 = framed(q3);
	Plan next = table.plan(segment(k, 42, p2, 1));  // right after the request
	EXPECT_EQ(next.verdict, Verdict::drop_after_fin);
	// The one after that (the client pipelined two) must not be answered
	// from our first sequence number either.
	next = table.plan(segment(k, 42 + 47, p3, 2));
	EXPECT_EQ(next.verdict, Verdict::drop_after_fin);
	// Nor a segment far ahead yet within the window the client may use.
	next = table.plan(segment(k, 42 + 65000, p3, 3));
	EXPECT_EQ(next.verdict, Verdict::drop_after_fin);
	// Data before the request cannot belong to it: dropped.
	next = table.plan(segment(k, 10 - 47, p2, 4));
	EXPECT_EQ(next.verdict, Verdict::drop);
	EXPECT_STREQ(next.reason, "data before the answered request");
}

TEST_F(FlowTableTest, WhileTheAnswerIsPendingRetransmissionsAndPipeliningAreDropped)
{
	const Bytes p1 = framed(q1);
	ASSERT_EQ(table.plan(segment(k, 10, p1, 0)).verdict, Verdict::answer);
	// No record_answer() yet: an asynchronous backend is still working.
	Plan plan = table.plan(segment(k, 10, p1, 1));
	EXPECT_EQ(plan.verdict, Verdict::drop);
	EXPECT_STREQ(plan.reason, "answer in progress");
	plan = table.plan(segment(k, 42, framed(q2), 2));
	EXPECT_EQ(plan.verdict, Verdict::drop_after_fin);
}

TEST_F(FlowTableTest, PortReuseWithANewIsnIsANewConnection)
{
	const Bytes p1 = framed(q1);
	const Segment s = segment(k, 1'000'000, p1, 0, true);
	const Plan plan = table.plan(s);
	send_and_record(table, s, plan);

	// Same 4-tuple, same cookie (same epoch), a client ISN far away.
	const Bytes p2 = framed(q2);
	const Plan fresh = table.plan(segment(k, 900'000'000, p2, 10 * kMs));
	ASSERT_EQ(fresh.verdict, Verdict::answer) << fresh.reason;
	EXPECT_EQ(fresh.ack_to, 900'000'047u);
	EXPECT_EQ(to_bytes(fresh.queries[0]), q2);
	EXPECT_EQ(table.stats().replaced, 1u);
	EXPECT_EQ(table.stats().flows_in_use, 1u);
}

TEST_F(FlowTableTest, ReuseWhoseIsnLandsInTheWindowLosesTheQuery)
{
	// The documented cost of the window: indistinguishable from pipelining.
	const Bytes p1 = framed(q1);
	const Segment s = segment(k, 1'000'000, p1, 0, true);
	send_and_record(table, s, table.plan(s));
	const Plan plan = table.plan(segment(k, 1'000'000 + 5000, framed(q2), 10 * kMs));
	EXPECT_EQ(plan.verdict, Verdict::drop_after_fin);
}

TEST_F(FlowTableTest, AnotherCookieIsANewConnectionEvenInsideTheWindow)
{
	const Bytes p1 = framed(q1);
	const Segment s = segment(k, 1'000'000, p1, 0, true);
	send_and_record(table, s, table.plan(s));
	// Next epoch: SEG.ACK differs, so this cannot be the same connection.
	const Bytes p2 = framed(q2);
	const Plan plan = table.plan(segment(k, 1'000'032, p2, 10 * kMs, false, kCookieAck + 777));
	ASSERT_EQ(plan.verdict, Verdict::answer);
	EXPECT_EQ(to_bytes(plan.queries[0]), q2);
}

TEST_F(FlowTableTest, ForgetMakesARetransmissionNew)
{
	const Bytes p1 = framed(q1);
	ASSERT_EQ(table.plan(segment(k, 10, p1, 0)).verdict, Verdict::answer);
	table.forget(k);  // the backend dropped it; nothing was sent
	EXPECT_EQ(table.stats().flows_in_use, 0u);
	const Plan plan = table.plan(segment(k, 10, p1, 200 * kMs));
	ASSERT_EQ(plan.verdict, Verdict::answer);
	EXPECT_EQ(plan.ack_to, 42u);
}

TEST_F(FlowTableTest, ForgetKeepsAFlowWhoseAnswerWasSent)
{
	const Bytes p1 = framed(q1);
	const Segment s = segment(k, 10, p1, 0);
	const Stream sent = send_and_record(table, s, table.plan(s));
	// E.g. a reanswer whose new stream differed: that caller sends nothing
	// and may call forget(); the first answer is still on the wire.
	table.forget(k);
	Plan plan = table.plan(segment(k, 10, p1, 1));
	ASSERT_EQ(plan.verdict, Verdict::resend);
	EXPECT_EQ(to_bytes(plan.cached), sent.flat);
	EXPECT_EQ(table.plan(segment(k, 42, framed(q2), 2)).verdict, Verdict::drop_after_fin);
}

TEST_F(FlowTableTest, ForgetReleasesAHeldSlot)
{
	table.plan(segment(k, 10, slice(framed(q1), 0, 5), 0));
	EXPECT_EQ(table.stats().reassembly_in_use, 1u);
	table.forget(k);
	EXPECT_EQ(table.stats().reassembly_in_use, 0u);
}

TEST_F(FlowTableTest, StaleRecordIsIgnored)
{
	const Bytes p1 = framed(q1);
	const Segment s = segment(k, 10, p1, 0);
	const Plan old = table.plan(s);
	ASSERT_EQ(old.verdict, Verdict::answer);
	const Bytes p2 = framed(q2);
	const Segment s2 = segment(k, 2'000'000'000, p2, 1);
	const Plan fresh = table.plan(s2);  // replaces the pending entry
	ASSERT_EQ(fresh.verdict, Verdict::answer);
	const Stream late = stream_for(old);  // can't reuse old spans: make bytes anyway
	table.record_answer(k, 10, 42, late.spans, 2);
	EXPECT_EQ(table.stats().stale_records, 1u);
	// The fresh connection is still pending: its retransmission waits.
	EXPECT_STREQ(table.plan(segment(k, 2'000'000'000, p2, 3)).reason, "answer in progress");
}

TEST_F(FlowTableTest, RecordAfterTheFlowWasEvictedStillProtectsIt)
{
	FlowTable::Limits l;
	l.flows = 1;
	l.min_evict_age_ns = 0;
	l.reassembly_slots = 1;
	l.cache_bytes = 4096;
	FlowTable t(l);
	const Bytes p1 = framed(q1);
	const Segment s = segment(k, 10, p1, 0);
	const Plan plan = t.plan(s);
	ASSERT_EQ(plan.verdict, Verdict::answer);
	const Stream sent = stream_for(plan);
	ASSERT_EQ(t.plan(segment(key(9), 5, framed(q3), 1)).verdict, Verdict::answer);  // evicts k
	EXPECT_EQ(t.stats().evictions, 1u);
	t.record_answer(k, 10, plan.ack_to, sent.spans, 2);
	// SEG.ACK was not known at record time: any one matches the connection.
	Plan after = t.plan(segment(k, 42, framed(q2), 3, false, 0x12345678));
	EXPECT_EQ(after.verdict, Verdict::drop_after_fin);
	after = t.plan(segment(k, 10, p1, 4, false, 0x12345678));
	ASSERT_EQ(after.verdict, Verdict::resend);
	EXPECT_EQ(to_bytes(after.cached), sent.flat);
}

TEST_F(FlowTableTest, SequenceNumbersWrap)
{
	// A query split across 2^32: 4 octets before the wrap, the rest after.
	const Bytes whole = framed(q1);
	const uint32_t start = 0xFFFFFFFCu;
	Plan plan = table.plan(segment(k, start, slice(whole, 0, 4), 0));
	ASSERT_EQ(plan.verdict, Verdict::ack_partial);
	EXPECT_EQ(plan.ack_to, 0u);
	const Bytes rest = slice(whole, 4, whole.size());
	const Segment s = segment(k, 0, rest, 1, /*fin=*/true);
	plan = table.plan(s);
	ASSERT_EQ(plan.verdict, Verdict::answer) << plan.reason;
	EXPECT_EQ(plan.ack_to, 28u + 1);  // 32 - 4 octets after the wrap, plus FIN
	EXPECT_EQ(plan.request_seq, start);
	EXPECT_EQ(plan.request_seq, start);
	EXPECT_EQ(to_bytes(plan.queries[0]), q1);
	const Stream sent = send_and_record(table, s, plan);

	// Retransmission from before the wrap, pipelining after it.
	plan = table.plan(segment(k, start, whole, 2, true));
	ASSERT_EQ(plan.verdict, Verdict::resend);
	EXPECT_EQ(plan.ack_to, 29u);
	EXPECT_EQ(to_bytes(plan.cached), sent.flat);
	plan = table.plan(segment(k, 28, framed(q2), 3));
	EXPECT_EQ(plan.verdict, Verdict::drop_after_fin);
	plan = table.plan(segment(k, start - 100, framed(q2), 4));
	EXPECT_EQ(plan.verdict, Verdict::drop);
}

TEST_F(FlowTableTest, CompleteQueryEndingExactlyAtTheWrap)
{
	const Bytes p = framed(q3);  // 14 octets
	const Plan plan = table.plan(segment(k, 0u - 14u, p, 0, true));
	ASSERT_EQ(plan.verdict, Verdict::answer);
	EXPECT_EQ(plan.ack_to, 1u);  // 2^32 wraps to 0, then the FIN
}

TEST_F(FlowTableTest, EmptyPayloadIsDropped)
{
	const Plan plan = table.plan(segment(k, 1, Bytes{}, 0));
	EXPECT_EQ(plan.verdict, Verdict::drop);
	EXPECT_EQ(table.stats().flows_in_use, 0u);
}

TEST_F(FlowTableTest, VerdictNamesAreDistinct)
{
	EXPECT_STREQ(verdict_name(Verdict::answer), "answer");
	EXPECT_STREQ(verdict_name(Verdict::ack_partial), "ack_partial");
	EXPECT_STREQ(verdict_name(Verdict::resend), "resend");
	EXPECT_STREQ(verdict_name(Verdict::reanswer), "reanswer");
	EXPECT_STREQ(verdict_name(Verdict::drop_after_fin), "drop_after_fin");
	EXPECT_STREQ(verdict_name(Verdict::drop), "drop");
}

}  // namespace
}  // namespace xdpdns::daemon::tcp::test
