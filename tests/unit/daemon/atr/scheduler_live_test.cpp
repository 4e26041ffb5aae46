// AtrScheduler for real: saved query frames replayed through the production
// xdpdns_atr program with BPF_PROG_RUN in live-frames mode, out of one veth
// of a private namespace, and captured on its peer. Root only.
#include "daemon/atr/scheduler.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <xdpdns/abi.h>
#include <xdpdns/stats.h>

#include "dns_message.h"
#include "frame_assert.h"
#include "packet_builder.h"
#include "udp_checksums.h"
#include "veth_rig.h"
#include "xdp_runner.h"
#include "xdpdns.skel.h"

namespace xdpdns::test {
namespace {

using daemon::atr::AtrScheduler;
using namespace std::chrono_literals;

constexpr std::uint16_t kClientPort = 40000;
constexpr std::uint16_t kServerPort = 53;
constexpr auto kArrival = 2s;     // generous: a frame that arrives, arrives in microseconds
constexpr auto kSilence = 300ms;  // how long "nothing arrives" is watched

const Ip4 kClient4 = ip4("192.0.2.1"), kServer4 = ip4("198.51.100.53");
const Ip6 kClient6 = ip6("2001:db8::1"), kServer6 = ip6("2001:db8:53::53");

struct Case {
	std::string name;
	bool ipv6 = false;
	bool opt = false;
	bool do_bit = false;
	std::uint16_t flags = dns::RD;            // query header flags
	std::vector<std::uint16_t> vlan_tpids{};  // outermost first
};

void PrintTo(const Case &c, std::ostream *os) { *os << c.name; }

Bytes query_frame(const Case &c, std::uint16_t id)
{
	Packet p;
	p.eth(VethRig::kClientMac, VethRig::kServerMac);
	for (std::size_t i = 0; i < c.vlan_tpids.size(); ++i)
		p.vlan(c.vlan_tpids[i], static_cast<std::uint16_t>(100 + i));
	if (c.ipv6)
		p.ipv6(kClient6, kServer6);
	else
		p.ipv4(kClient4, kServer4).ip_id(0x4242);
	p.ttl(57).udp(kClientPort, kServerPort);
	return p.payload(dns_query(id, "large.example.test", dns::TYPE_TXT, c.opt, c.do_bit, 4096, c.flags)).build();
}

// The contract's TC=1 answer, built from its parts, never from the query.
Bytes expected_answer(const Case &c, std::uint16_t id)
{
	Bytes dns = dns_header(id, static_cast<std::uint16_t>(dns::QR | dns::TC | (c.flags & (dns::RD | dns::CD))), 1,
			       0, 0, c.opt ? 1 : 0);
	put_bytes(dns, dns_question(dns_name("large.example.test"), dns::TYPE_TXT));
	if (c.opt)
		put_bytes(dns, dns_opt(1232, c.do_bit));

	Packet p;
	p.eth(VethRig::kServerMac, VethRig::kClientMac);
	for (std::size_t i = 0; i < c.vlan_tpids.size(); ++i)
		p.vlan(c.vlan_tpids[i], static_cast<std::uint16_t>(100 + i));
	if (c.ipv6)
		p.ipv6(kServer6, kClient6);
	else
		p.ipv4(kServer4, kClient4).df().ip_id(0);
	p.ttl(64).udp(kServerPort, kClientPort);
	return p.payload(dns).build();
}

std::uint16_t dns_id(const Bytes &frame)
{
	// After the L2 header, IPv4 (no options) or IPv6, and UDP.
	std::size_t off = 12;
	while (get_u16(frame, off) == ETH_P_8021Q || get_u16(frame, off) == ETH_P_8021AD)
		off += 4;
	const bool v6 = get_u16(frame, off) == 0x86dd;
	return get_u16(frame, off + 2 + (v6 ? 40 : 20) + 8);
}

class AtrLive : public ::testing::Test {
protected:
	void SetUp() override
	{
		if (geteuid() != 0)
			GTEST_SKIP() << "ATR replay creates a network namespace, veths and BPF programs: run as root";
		rig_ = std::make_unique<VethRig>();
		skel_ = xdpdns_bpf__open_and_load();
		ASSERT_NE(skel_, nullptr) << "load xdpdns.bpf.o: " << std::strerror(errno);

		const std::uint32_t zero = 0;
		const xdpdns_config cfg = XdpRunner::default_config(); // edns_buffer_size 1232
		ASSERT_EQ(bpf_map_update_elem(bpf_map__fd(skel_->maps.config), &zero, &cfg, BPF_ANY), 0)
			<< "write config: " << std::strerror(errno);
		std::vector<xdpdns_ports> ports(1); // 8 KiB: not on the stack
		std::memset(ports.data(), 0, sizeof(xdpdns_ports));
		ports[0].bits[kServerPort >> 6] |= 1ull << (kServerPort & 63);
		ASSERT_EQ(bpf_map_update_elem(bpf_map__fd(skel_->maps.ports), &zero, ports.data(), BPF_ANY), 0)
			<< "write ports: " << std::strerror(errno);
	}

	void TearDown() override
	{
		if (skel_)
			xdpdns_bpf__destroy(skel_);
		rig_.reset();
	}

	AtrScheduler scheduler(std::size_t capacity = 16)
	{
		return AtrScheduler(bpf_program__fd(skel_->progs.xdpdns_atr), rig_->server_ifindex(), capacity,
				    AtrScheduler::kDefaultMaxFrame, bpf_map__fd(skel_->maps.stats));
	}

	// Sum over CPUs of one counter of the XDP program.
	std::uint64_t stat(xdpdns_stat which)
	{
		std::vector<std::uint64_t> v(static_cast<std::size_t>(libbpf_num_possible_cpus()));
		const std::uint32_t key = which;
		EXPECT_EQ(bpf_map_lookup_elem(bpf_map__fd(skel_->maps.stats), &key, v.data()), 0);
		std::uint64_t sum = 0;
		for (auto x : v)
			sum += x;
		return sum;
	}

	std::unique_ptr<VethRig> rig_;
	xdpdns_bpf *skel_ = nullptr;
};

class AtrLiveCase : public AtrLive, public ::testing::WithParamInterface<Case> {};

TEST_P(AtrLiveCase, ReplayArrivesAsTheExactTc1Answer)
{
	const Case &c = GetParam();
	AtrScheduler s = scheduler();
	const std::uint16_t id = 0xbeef;

	ASSERT_TRUE(s.schedule(query_frame(c, id), 0, 1'000'000));
	EXPECT_EQ(s.fire_due(999'999), 0u) << "fired before its due time";
	EXPECT_EQ(s.pending(), 1u);
	EXPECT_EQ(s.fire_due(1'000'000), 1u);
	EXPECT_EQ(s.counters().sent, 1u);
	EXPECT_EQ(s.counters().failed, 0u) << "errno " << s.counters().last_errno;
	EXPECT_EQ(s.counters().unverified, 0u);
	EXPECT_EQ(s.pending(), 0u);
	EXPECT_EQ(stat(XDPDNS_STAT_ATR_SENT), 1u);

	const auto got = rig_->receive(kArrival);
	ASSERT_TRUE(got.has_value()) << "no frame on the peer veth";
	EXPECT_PRED_FORMAT2(frames_equal, expected_answer(c, id), *got);
	EXPECT_EQ(udp_checksum_problem(*got), "");
	// The checker is not blind: one flipped bit in the DNS ID is caught.
	const std::size_t dns_len = 12 + dns_name("large.example.test").size() + 4 + (c.opt ? 11 : 0);
	Bytes flipped = *got;
	flipped[flipped.size() - dns_len] ^= 1;
	EXPECT_EQ(udp_checksum_problem(flipped), "UDP checksum wrong");
	EXPECT_FALSE(rig_->receive(kSilence).has_value()) << "more than one frame per replay";
}

std::vector<Case> cases()
{
	using namespace dns;
	return {
		{"ipv4_no_opt", false, false, false, RD},
		{"ipv4_no_opt_no_rd", false, false, false, 0},
		{"ipv4_opt_do", false, true, true, RD},
		{"ipv4_opt_cd_ad_no_do", false, true, false, RD | CD | AD},
		{"ipv6_no_opt", true, false, false, RD},
		{"ipv6_opt_do", true, true, true, RD | CD},
		{"ipv6_opt_no_do", true, true, false, 0},
		{"ipv4_vlan_opt_do", false, true, true, RD, {ETH_P_8021Q}},
		{"ipv6_qinq_no_opt", true, false, false, RD, {ETH_P_8021AD, ETH_P_8021Q}},
	};
}

INSTANTIATE_TEST_SUITE_P(Contract, AtrLiveCase, ::testing::ValuesIn(cases()),
			 [](const auto &info) { return info.param.name; });

const Case kPlain4{"ipv4_opt_do", false, true, true, dns::RD};

TEST_F(AtrLive, OutOfOrderEntriesFireInDueOrder)
{
	AtrScheduler s = scheduler();
	// Scheduled later but due earlier (the delay knob was lowered).
	ASSERT_TRUE(s.schedule(query_frame(kPlain4, 2), 0, 2000));
	ASSERT_TRUE(s.schedule(query_frame(kPlain4, 1), 0, 1000));
	ASSERT_TRUE(s.schedule(query_frame(kPlain4, 3), 0, 3000));
	EXPECT_EQ(s.next_due_ns(), 1000u);

	EXPECT_EQ(s.fire_due(1500), 1u);
	auto first = rig_->receive(kArrival);
	ASSERT_TRUE(first.has_value());
	EXPECT_EQ(dns_id(*first), 1u);
	EXPECT_EQ(s.next_due_ns(), 2000u);

	// Both remaining at once: they leave in due order.
	EXPECT_EQ(s.fire_due(5000), 2u);
	auto second = rig_->receive(kArrival), third = rig_->receive(kArrival);
	ASSERT_TRUE(second.has_value() && third.has_value());
	EXPECT_EQ(dns_id(*second), 2u);
	EXPECT_EQ(dns_id(*third), 3u);
	EXPECT_PRED_FORMAT2(frames_equal, expected_answer(kPlain4, 3), *third);
	EXPECT_EQ(s.counters().sent, 3u);
	EXPECT_EQ(s.next_due_ns(), AtrScheduler::kNever);
}

TEST_F(AtrLive, FullPoolRefusesAndTheQueuedOnesStillGo)
{
	AtrScheduler s = scheduler(2);
	ASSERT_TRUE(s.schedule(query_frame(kPlain4, 1), 0, 10));
	ASSERT_TRUE(s.schedule(query_frame(kPlain4, 2), 0, 10));
	EXPECT_FALSE(s.schedule(query_frame(kPlain4, 3), 0, 5));
	EXPECT_EQ(s.counters().dropped_full, 1u);
	EXPECT_EQ(s.fire_due(10), 2u);
	for (std::uint16_t id : {1, 2}) {
		auto f = rig_->receive(kArrival);
		ASSERT_TRUE(f.has_value());
		EXPECT_EQ(dns_id(*f), id);
	}
	EXPECT_FALSE(rig_->receive(kSilence).has_value()) << "the refused entry was sent";
}

TEST_F(AtrLive, NonQueryFrameCountsFailedAndSendsNothing)
{
	AtrScheduler s = scheduler();
	// A response (QR set) to port 53: not a truncatable query.
	Bytes response = Packet()
				 .eth(VethRig::kClientMac, VethRig::kServerMac)
				 .ipv4(kClient4, kServer4)
				 .udp(kClientPort, kServerPort)
				 .payload(dns_query(7, "large.example.test", dns::TYPE_TXT, true, false, 4096,
						    dns::QR | dns::RD))
				 .build();
	ASSERT_TRUE(s.schedule(response, 0, 10));
	EXPECT_EQ(s.fire_due(10), 0u);
	EXPECT_EQ(s.counters().failed, 1u);
	EXPECT_EQ(s.counters().bad_frame, 1u);
	EXPECT_EQ(s.counters().sent, 0u);
	EXPECT_EQ(stat(XDPDNS_STAT_ATR_BAD_FRAME), 1u);
	EXPECT_EQ(stat(XDPDNS_STAT_ATR_SENT), 0u);
	EXPECT_FALSE(rig_->receive(kSilence).has_value()) << "a rejected frame went out";

	// The rig itself works: a good query right after does arrive.
	ASSERT_TRUE(s.schedule(query_frame(kPlain4, 8), 0, 20));
	EXPECT_EQ(s.fire_due(20), 1u);
	auto f = rig_->receive(kArrival);
	ASSERT_TRUE(f.has_value());
	EXPECT_EQ(dns_id(*f), 8u);
	EXPECT_EQ(s.counters().failed, 1u);
	EXPECT_EQ(s.counters().sent, 1u);
}

TEST_F(AtrLive, WithoutTheStatsMapRunsCountAsUnverifiedSends)
{
	AtrScheduler s(bpf_program__fd(skel_->progs.xdpdns_atr), rig_->server_ifindex(), 4);
	ASSERT_TRUE(s.schedule(query_frame(kPlain4, 5), 0, 10));
	EXPECT_EQ(s.fire_due(10), 1u);
	EXPECT_EQ(s.counters().sent, 1u);
	EXPECT_EQ(s.counters().unverified, 1u);
	auto f = rig_->receive(kArrival);
	ASSERT_TRUE(f.has_value());
	EXPECT_EQ(dns_id(*f), 5u);
}

TEST_F(AtrLive, RxQueueTheInterfaceLacksFailsTheRun)
{
	AtrScheduler s = scheduler();
	ASSERT_TRUE(s.schedule(query_frame(kPlain4, 9), 7, 10)); // the veth has one RX queue
	EXPECT_EQ(s.fire_due(10), 0u);
	EXPECT_EQ(s.counters().failed, 1u);
	EXPECT_EQ(s.counters().bad_frame, 0u);
	EXPECT_EQ(s.counters().last_errno, EINVAL);
	EXPECT_EQ(stat(XDPDNS_STAT_ATR_SENT), 0u);
	EXPECT_FALSE(rig_->receive(kSilence).has_value());
}

}  // namespace
}  // namespace xdpdns::test
