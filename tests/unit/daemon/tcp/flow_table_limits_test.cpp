// FlowTable bounds: expiry, LRU eviction, a full table of young entries,
// reassembly slot exhaustion and size, cache overwrite and reanswer, limits.
#include "daemon/tcp/flow_table.h"
#include "flow_test_support.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace xdpdns::daemon::tcp::test {
namespace {

constexpr uint64_t kSec = 1'000'000'000;

// Answers a one-query request on `k` at `seq` and records it.
Stream answered(FlowTable &t, const FlowKey &k, uint32_t seq, const Bytes &payload, uint64_t now)
{
	const Segment s = segment(k, seq, payload, now);
	const Plan plan = t.plan(s);
	EXPECT_EQ(plan.verdict, Verdict::answer) << plan.reason;
	return send_and_record(t, s, plan);
}

TEST(FlowTableLimits, EntryExpiresAfterIdleTime)
{
	FlowTable::Limits l;
	l.flows = 8;
	l.idle_ns = 30 * kSec;
	FlowTable t(l);
	const FlowKey k = key(1);
	const Bytes p1 = framed(body(20, 1)), p2 = framed(body(20, 2));
	answered(t, k, 100, p1, 5 * kSec);

	// Drops do not refresh the entry...
	EXPECT_EQ(t.plan(segment(k, 122, p2, 20 * kSec)).verdict, Verdict::drop_after_fin);
	EXPECT_EQ(t.plan(segment(k, 122, p2, 35 * kSec - 1)).verdict, Verdict::drop_after_fin);
	// ...so 30 s after the answer it is gone and the query is new.
	const Plan plan = t.plan(segment(k, 122, p2, 35 * kSec));
	ASSERT_EQ(plan.verdict, Verdict::answer);
	EXPECT_EQ(plan.ack_to, 144u);
	EXPECT_EQ(t.stats().expirations, 1u);
}

TEST(FlowTableLimits, ResendRefreshesTheEntry)
{
	FlowTable::Limits l;
	l.flows = 8;
	l.idle_ns = 10 * kSec;
	FlowTable t(l);
	const FlowKey k = key(1);
	const Bytes p1 = framed(body(20, 1));
	answered(t, k, 100, p1, 0);
	EXPECT_EQ(t.plan(segment(k, 100, p1, 9 * kSec)).verdict, Verdict::resend);
	EXPECT_EQ(t.plan(segment(k, 100, p1, 18 * kSec)).verdict, Verdict::resend);
	EXPECT_EQ(t.plan(segment(k, 122, p1, 18 * kSec)).verdict, Verdict::drop_after_fin);
}

TEST(FlowTableLimits, SweepRemovesExpiredEntriesAndTheirSlots)
{
	FlowTable::Limits l;
	l.flows = 8;
	l.reassembly_slots = 1;
	l.idle_ns = 1 * kSec;
	FlowTable t(l);
	const Bytes part = slice(framed(body(20, 1)), 0, 6);
	EXPECT_EQ(t.plan(segment(key(1), 0, part, 0)).verdict, Verdict::ack_partial);
	EXPECT_EQ(t.plan(segment(key(2), 0, part, 1)).verdict, Verdict::drop);  // no slot
	EXPECT_EQ(t.stats().reassembly_full, 1u);
	// An abandoned partial query gives its slot back once it expires.
	EXPECT_EQ(t.plan(segment(key(2), 0, part, 2 * kSec)).verdict, Verdict::ack_partial);
	EXPECT_EQ(t.stats().reassembly_in_use, 1u);
	EXPECT_EQ(t.stats().flows_in_use, 1u);
	EXPECT_EQ(t.stats().expirations, 1u);
}

TEST(FlowTableLimits, FullTableEvictsTheLeastRecentlyUsed)
{
	FlowTable::Limits l;
	l.flows = 4;
	l.min_evict_age_ns = 0;
	FlowTable t(l);
	const Bytes q = framed(body(10, 1)), next = framed(body(10, 2));
	for (uint16_t i = 0; i < 4; i++)
		answered(t, key(i), 1000, q, i);
	// Touch flow 0 (a retransmission): flow 1 becomes the oldest.
	ASSERT_EQ(t.plan(segment(key(0), 1000, q, 10)).verdict, Verdict::resend);
	answered(t, key(7), 1000, q, 11);
	EXPECT_EQ(t.stats().evictions, 1u);
	EXPECT_EQ(t.stats().flows_in_use, 4u);
	// Flow 1 was forgotten: its pipelined query looks new (the price of
	// eviction, which min_evict_age_ns keeps away from young entries).
	EXPECT_EQ(t.plan(segment(key(1), 1012, next, 12)).verdict, Verdict::answer);
	// That new flow evicted the then oldest, flow 2; flows 0 and 7 are
	// still protected.
	EXPECT_EQ(t.plan(segment(key(0), 1012, next, 13)).verdict, Verdict::drop_after_fin);
	EXPECT_EQ(t.plan(segment(key(7), 1012, next, 13)).verdict, Verdict::drop_after_fin);
	EXPECT_EQ(t.stats().evictions, 2u);
}

TEST(FlowTableLimits, YoungEntriesAreNotEvictedTheNewFlowIsDropped)
{
	FlowTable::Limits l;
	l.flows = 2;
	l.min_evict_age_ns = 1 * kSec;
	FlowTable t(l);
	const Bytes q = framed(body(10, 1));
	answered(t, key(1), 5, q, 0);
	answered(t, key(2), 5, q, 100);
	Plan plan = t.plan(segment(key(3), 5, q, 500'000'000));
	EXPECT_EQ(plan.verdict, Verdict::drop);
	EXPECT_STREQ(plan.reason, "flow table full");
	EXPECT_EQ(t.stats().table_full, 1u);
	// Once the oldest has been idle long enough it gives way.
	plan = t.plan(segment(key(3), 5, q, 1 * kSec));
	EXPECT_EQ(plan.verdict, Verdict::answer);
	EXPECT_EQ(t.stats().evictions, 1u);
	EXPECT_EQ(t.plan(segment(key(2), 17, q, 1 * kSec)).verdict, Verdict::drop_after_fin);
}

TEST(FlowTableLimits, ExpiredEntryIsReusedBeforeALiveOne)
{
	FlowTable::Limits l;
	l.flows = 2;
	l.idle_ns = 10 * kSec;
	l.min_evict_age_ns = 0;
	FlowTable t(l);
	const Bytes q = framed(body(10, 1));
	answered(t, key(1), 5, q, 0);
	answered(t, key(2), 5, q, 9 * kSec);
	answered(t, key(3), 5, q, 11 * kSec);  // key 1 expired: taken, not key 2
	EXPECT_EQ(t.stats().expirations, 1u);
	EXPECT_EQ(t.stats().evictions, 0u);
	EXPECT_EQ(t.plan(segment(key(2), 17, q, 11 * kSec)).verdict, Verdict::drop_after_fin);
}

TEST(FlowTableLimits, NoSlotFreeDropsOrAnswersTheCompletePrefix)
{
	FlowTable::Limits l;
	l.flows = 8;
	l.reassembly_slots = 2;
	FlowTable t(l);
	const Bytes q1 = framed(body(20, 1)), q2 = framed(body(30, 2));
	const Bytes part = slice(q2, 0, 7);
	EXPECT_EQ(t.plan(segment(key(1), 0, part, 0)).verdict, Verdict::ack_partial);
	EXPECT_EQ(t.plan(segment(key(2), 0, part, 0)).verdict, Verdict::ack_partial);
	EXPECT_EQ(t.stats().reassembly_in_use, 2u);

	Plan plan = t.plan(segment(key(3), 0, part, 0));
	EXPECT_EQ(plan.verdict, Verdict::drop);
	EXPECT_STREQ(plan.reason, "no reassembly slot free");

	const Bytes mixed = cat({q1, part});
	plan = t.plan(segment(key(4), 0, mixed, 0));
	ASSERT_EQ(plan.verdict, Verdict::answer);
	EXPECT_EQ(plan.ack_to, 22u);  // the incomplete octets stay unacknowledged
	EXPECT_EQ(to_bytes(plan.queries[0]), body(20, 1));
	EXPECT_EQ(t.stats().reassembly_full, 2u);

	// Completing flow 1 frees its slot at the next plan().
	plan = t.plan(segment(key(1), 7, slice(q2, 7, q2.size()), 1));
	ASSERT_EQ(plan.verdict, Verdict::answer);
	EXPECT_EQ(t.plan(segment(key(3), 0, part, 2)).verdict, Verdict::ack_partial);
}

TEST(FlowTableLimits, QueryLargerThanTheSlot)
{
	FlowTable::Limits l;
	l.flows = 8;
	l.reassembly_bytes = 16;
	FlowTable t(l);
	const Bytes big = framed(body(40, 1));
	Plan plan = t.plan(segment(key(1), 0, slice(big, 0, 20), 0));
	EXPECT_EQ(plan.verdict, Verdict::drop);
	EXPECT_STREQ(plan.reason, "query larger than the reassembly slot");

	// Growing past the slot while held: the held octets hold no complete
	// message, so the flow is dropped and its slot freed.
	plan = t.plan(segment(key(2), 0, slice(big, 0, 10), 0));
	ASSERT_EQ(plan.verdict, Verdict::ack_partial);
	plan = t.plan(segment(key(2), 10, slice(big, 10, 20), 0));
	EXPECT_EQ(plan.verdict, Verdict::drop);
	EXPECT_STREQ(plan.reason, "query larger than the reassembly slot");
	EXPECT_EQ(t.stats().reassembly_in_use, 0u);

	// With a complete query held before the overflow, that one is answered,
	// acknowledging the held octets only.
	const Bytes small = framed(body(4, 2));  // 6 octets
	plan = t.plan(segment(key(3), 0, cat({small, slice(big, 0, 4)}), 0));
	ASSERT_EQ(plan.verdict, Verdict::ack_partial);
	EXPECT_EQ(plan.ack_to, 10u);
	plan = t.plan(segment(key(3), 10, slice(big, 4, 20), 0));
	ASSERT_EQ(plan.verdict, Verdict::answer);
	EXPECT_EQ(plan.ack_to, 10u);
	ASSERT_EQ(plan.query_count, 1u);
	EXPECT_EQ(to_bytes(plan.queries[0]), body(4, 2));
	// The client's retransmission of the rest comes after the answered request.
	t.record_answer(key(3), 0, 10, {}, 0);
	EXPECT_EQ(t.plan(segment(key(3), 10, slice(big, 4, 20), 1)).verdict, Verdict::drop_after_fin);
}

TEST(FlowTableLimits, OverwrittenCacheLeadsToAReanswerCheckedByHash)
{
	FlowTable::Limits l;
	l.flows = 8;
	l.cache_bytes = 100;
	FlowTable t(l);
	const FlowKey k = key(1);
	const Bytes p = cat({framed(body(20, 1)), framed(body(9, 2))});
	const Stream first = answered(t, k, 100, p, 0);
	ASSERT_EQ(first.flat.size(), 2u + 21 + 2 + 10);
	// Another flow's answer overwrites the 100-octet ring.
	answered(t, key(2), 5, framed(body(70, 3)), 1);

	const Segment again = segment(k, 100, p, 2);
	Plan plan = t.plan(again);
	ASSERT_EQ(plan.verdict, Verdict::reanswer) << plan.reason;
	EXPECT_EQ(plan.ack_to, 100u + 33);
	ASSERT_EQ(plan.query_count, 2u);
	EXPECT_EQ(to_bytes(plan.queries[0]), body(20, 1));
	EXPECT_EQ(to_bytes(plan.queries[1]), body(9, 2));
	EXPECT_EQ(plan.expected_hash, stream_hash(first.spans));
	EXPECT_EQ(plan.expected_len, first.flat.size());
	EXPECT_EQ(t.stats().cache_evictions, 1u);

	// The deterministic answer matches; recording it caches it again.
	const Stream redo = send_and_record(t, again, plan);
	EXPECT_EQ(stream_hash(redo.spans), plan.expected_hash);
	plan = t.plan(segment(k, 100, p, 3));
	ASSERT_EQ(plan.verdict, Verdict::resend);
	EXPECT_EQ(to_bytes(plan.cached), first.flat);
}

TEST(FlowTableLimits, ReanswerNeedsTheWholeRequestFromItsStart)
{
	FlowTable::Limits l;
	l.flows = 8;
	l.cache_bytes = 0;  // nothing cached: every retransmission re-answers
	FlowTable t(l);
	const FlowKey k = key(1);
	const Bytes p = framed(body(20, 1));
	answered(t, k, 100, p, 0);
	Plan plan = t.plan(segment(k, 105, slice(p, 5, p.size()), 1));
	EXPECT_EQ(plan.verdict, Verdict::drop);
	plan = t.plan(segment(k, 100, slice(p, 0, 10), 1));
	EXPECT_EQ(plan.verdict, Verdict::drop);
	// Different octets at the same place cannot be re-answered either.
	Bytes other = p;
	other[0] = 0;
	other[1] = 5;
	plan = t.plan(segment(k, 100, other, 1));
	EXPECT_EQ(plan.verdict, Verdict::drop);
	plan = t.plan(segment(k, 100, p, 1));
	EXPECT_EQ(plan.verdict, Verdict::reanswer);
}

TEST(FlowTableLimits, StreamLargerThanTheCacheIsReanswered)
{
	FlowTable::Limits l;
	l.flows = 8;
	l.cache_bytes = 16;
	FlowTable t(l);
	const Bytes p = framed(body(20, 1));
	answered(t, key(1), 100, p, 0);
	EXPECT_EQ(t.plan(segment(key(1), 100, p, 1)).verdict, Verdict::reanswer);
}

TEST(FlowTableLimits, LimitsOutOfRangeAreRejected)
{
	auto with = [](auto change) {
		FlowTable::Limits l;
		l.flows = 4;
		change(l);
		return l;
	};
	EXPECT_THROW(FlowTable(with([](auto &l) { l.flows = 0; })), std::invalid_argument);
	EXPECT_THROW(FlowTable(with([](auto &l) { l.reassembly_bytes = 1; })), std::invalid_argument);
	EXPECT_THROW(FlowTable(with([](auto &l) { l.idle_ns = 0; })), std::invalid_argument);
	EXPECT_THROW(FlowTable(with([](auto &l) { l.seq_window = 0; })), std::invalid_argument);
	EXPECT_THROW(FlowTable(with([](auto &l) { l.seq_window = (1u << 30) + 1; })),
		     std::invalid_argument);
	EXPECT_NO_THROW(FlowTable(with([](auto &l) { l.reassembly_slots = 0; })));
	EXPECT_NO_THROW(FlowTable(with([](auto &l) { l.cache_bytes = 0; })));
}

TEST(FlowTableLimits, NoSlotsMeansPartialQueriesAreDropped)
{
	FlowTable::Limits l;
	l.flows = 4;
	l.reassembly_slots = 0;
	FlowTable t(l);
	const Plan plan = t.plan(segment(key(1), 0, slice(framed(body(9, 1)), 0, 3), 0));
	EXPECT_EQ(plan.verdict, Verdict::drop);
}

}  // namespace
}  // namespace xdpdns::daemon::tcp::test
