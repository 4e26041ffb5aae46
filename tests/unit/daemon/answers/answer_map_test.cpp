// The answer map over real BPF maps: the one-slot outer map the XDP program
// reads, inner maps installed, filled without ever overwriting an element,
// and replaced whole (zones, edns.buffer-size, flush, full). Root only.
#include "daemon/answers/answer_map.h"

#include <gtest/gtest.h>

#include <bpf/bpf.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

namespace xdpdns::daemon::answers {
namespace {

class AnswerMapTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		if (geteuid() != 0)
			GTEST_SKIP() << "creates BPF maps: run as root";
		LIBBPF_OPTS(bpf_map_create_opts, inner_opts, .map_flags = BPF_F_NO_PREALLOC);
		const int tmpl = bpf_map_create(BPF_MAP_TYPE_HASH, "tmpl", sizeof(xdpdns_answer_key),
						sizeof(xdpdns_answer), 1, &inner_opts);
		ASSERT_GE(tmpl, 0) << std::strerror(errno);
		LIBBPF_OPTS(bpf_map_create_opts, outer_opts, .inner_map_fd = static_cast<__u32>(tmpl));
		outer_ = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "outer", 4, 4, 1, &outer_opts);
		close(tmpl);
		ASSERT_GE(outer_, 0) << std::strerror(errno);
		std::memset(&cfg_, 0, sizeof(cfg_));
		cfg_.edns_buffer_size = 1232;
	}
	void TearDown() override
	{
		if (outer_ >= 0)
			close(outer_);
	}

	// Id of the installed inner map, 0 when the slot is empty.
	std::uint32_t installed() const
	{
		const std::uint32_t zero = 0;
		std::uint32_t id = 0;
		return bpf_map_lookup_elem(outer_, &zero, &id) ? 0 : id;
	}

	static xdpdns_answer_key key(std::uint8_t n)
	{
		xdpdns_answer_key k{};
		k.qname[0] = 1;
		k.qname[1] = n;
		k.qtype = htons(1);
		k.qclass = htons(1);
		return k;
	}

	int outer_ = -1;
	xdpdns_config cfg_{};
	xdpdns_answer entry_{};
};

const int kZonesA = 1, kZonesB = 2;  // two "zone sets"

TEST_F(AnswerMapTest, InstallsFillsAndRefusesAnswersOfOtherZones)
{
	AnswerMap m(outer_, &cfg_, 4);
	EXPECT_EQ(installed(), 0u) << "nothing before set_source";
	ASSERT_TRUE(m.set_source(&kZonesA));
	const std::uint32_t first = installed();
	EXPECT_NE(first, 0u);
	EXPECT_EQ(m.insert(&kZonesA, key('a'), entry_), AnswerMap::Insert::stored);
	EXPECT_EQ(m.insert(&kZonesA, key('a'), entry_), AnswerMap::Insert::present) << "never over an element";
	EXPECT_EQ(m.insert(&kZonesB, key('b'), entry_), AnswerMap::Insert::stale);

	ASSERT_TRUE(m.set_source(&kZonesB));  // a reload
	EXPECT_NE(installed(), first) << "a new map";
	EXPECT_EQ(m.take_evicted(), 1u);
	EXPECT_EQ(m.insert(&kZonesA, key('c'), entry_), AnswerMap::Insert::stale) << "old zones after the reload";
	EXPECT_EQ(m.insert(&kZonesB, key('c'), entry_), AnswerMap::Insert::stored);
}

TEST_F(AnswerMapTest, FullMapIsReplacedByAnEmptyOne)
{
	AnswerMap m(outer_, &cfg_, 2, std::chrono::milliseconds(0));
	ASSERT_TRUE(m.set_source(&kZonesA));
	const std::uint32_t first = installed();
	EXPECT_EQ(m.insert(&kZonesA, key('a'), entry_), AnswerMap::Insert::stored);
	EXPECT_EQ(m.insert(&kZonesA, key('b'), entry_), AnswerMap::Insert::stored);
	EXPECT_EQ(m.insert(&kZonesA, key('c'), entry_), AnswerMap::Insert::full);
	m.maintain();
	EXPECT_NE(installed(), first);
	EXPECT_EQ(m.take_evicted(), 2u);
	EXPECT_EQ(m.insert(&kZonesA, key('c'), entry_), AnswerMap::Insert::stored);
}

// A flood of names asked twice fills the map again and again: a full map is
// replaced at most once per gap.
TEST_F(AnswerMapTest, FullMapIsNotReplacedAgainWithinTheGap)
{
	AnswerMap m(outer_, &cfg_, 1);  // the default gap, 10 s
	ASSERT_TRUE(m.set_source(&kZonesA));
	const std::uint32_t first = installed();
	EXPECT_EQ(m.insert(&kZonesA, key('a'), entry_), AnswerMap::Insert::stored);
	EXPECT_EQ(m.insert(&kZonesA, key('b'), entry_), AnswerMap::Insert::full);
	m.maintain();
	EXPECT_EQ(installed(), first);
	EXPECT_EQ(m.insert(&kZonesA, key('b'), entry_), AnswerMap::Insert::full);
}

// An answer whose OPT carries another size than the map's (made before an
// edns.buffer-size change another worker has replaced the map for) is
// not stored.
TEST_F(AnswerMapTest, AnswerWithAnotherOptSizeIsStale)
{
	AnswerMap m(outer_, &cfg_, 8);
	ASSERT_TRUE(m.set_source(&kZonesA));
	xdpdns_answer_key k = key('a');
	k.shape = XDPDNS_SHAPE_EDNS;
	xdpdns_answer e{};
	const std::uint8_t opt[] = {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0};  // 1232
	std::memcpy(e.body, opt, sizeof(opt));
	e.body_len = sizeof(opt);
	cfg_.edns_buffer_size = 1400;
	m.maintain();  // the map for 1400
	EXPECT_EQ(m.insert(&kZonesA, k, e), AnswerMap::Insert::stale);
	e.body[3] = 1400 >> 8;
	e.body[4] = 1400 & 0xff;
	EXPECT_EQ(m.insert(&kZonesA, k, e), AnswerMap::Insert::stored);
}

TEST_F(AnswerMapTest, EdnsSizeAndFlushReplaceTheMap)
{
	AnswerMap m(outer_, &cfg_, 8);
	ASSERT_TRUE(m.set_source(&kZonesA));
	std::uint32_t id = installed();
	m.maintain();
	EXPECT_EQ(installed(), id) << "nothing changed: same map";
	ASSERT_EQ(m.insert(&kZonesA, key('a'), entry_), AnswerMap::Insert::stored);

	cfg_.edns_buffer_size = 1400;
	m.maintain();
	EXPECT_NE(installed(), id) << "edns.buffer-size changed";
	EXPECT_EQ(m.take_evicted(), 1u);
	id = installed();

	cfg_.answers_flush++;  // xdpdnsctl answers flush
	m.maintain();
	EXPECT_NE(installed(), id) << "flushed";
}

TEST_F(AnswerMapTest, WithdrawAndAStartingDaemonEmptyTheSlot)
{
	{
		AnswerMap m(outer_, &cfg_, 8);
		ASSERT_TRUE(m.set_source(&kZonesA));
		EXPECT_NE(installed(), 0u);
		m.withdraw();
		EXPECT_EQ(installed(), 0u);
		ASSERT_TRUE(m.set_source(&kZonesA));
	}
	EXPECT_EQ(installed(), 0u) << "emptied when the daemon leaves";

	// A daemon that died left its map: the next one empties the slot.
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	const int left = bpf_map_create(BPF_MAP_TYPE_HASH, "left", sizeof(xdpdns_answer_key), sizeof(xdpdns_answer), 8, &opts);
	ASSERT_GE(left, 0);
	const std::uint32_t zero = 0;
	ASSERT_EQ(bpf_map_update_elem(outer_, &zero, &left, BPF_ANY), 0);
	close(left);
	EXPECT_NE(installed(), 0u);
	AnswerMap next(outer_, &cfg_, 8);
	EXPECT_EQ(installed(), 0u);
}

}  // namespace
}  // namespace xdpdns::daemon::answers
