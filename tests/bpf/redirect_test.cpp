// The redirect path with a real AF_XDP socket: a private network namespace,
// a veth pair, an XSK bound to queue 0 and registered in the object's xsks
// map; BPF_PROG_TEST_RUN with ingress_ifindex = that veth. Redirected frames
// carry struct xdpdns_meta in front of the packet: BPF_PROG_TEST_RUN copies
// data_out from data_meta, and ctx_out.data is the metadata length (the
// runner splits the two).
#include <linux/bpf.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include "cookie_calc.h"
#include "dns_message.h"
#include "frame_assert.h"
#include "replies.h"
#include "xdp_test.h"
#include "peer_tap.h"
#include "xsk_rig.h"

namespace xdpdns::test {
namespace {

struct MetaWant {
	std::uint16_t flags;
	std::uint16_t path_mtu;
	std::uint16_t client_mss;
	std::uint16_t l3_offset;
	std::uint16_t l4_offset;
};

std::uint64_t monotonic_ns()
{
	timespec ts{};
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<std::uint64_t>(ts.tv_nsec);
}

std::string flags_text(unsigned f)
{
	std::string s;
	if (f & XDPDNS_META_F_ATR_ALLOWED)
		s += "ATR_ALLOWED ";
	if (f & XDPDNS_META_F_TCP)
		s += "TCP ";
	if (f & XDPDNS_META_F_IPV6)
		s += "IPV6 ";
	if (f & XDPDNS_META_F_COOKIE_OK)
		s += "COOKIE_OK ";
	if (f & XDPDNS_META_F_CONN)
		s += "CONN ";
	if (f & ~0x1fu)
		s += "unknown(" + std::to_string(f & ~0x1fu) + ") ";
	return s.empty() ? "(none)" : s;
}

std::function<void(XdpRunner &, const FixtureEnv &, const RunResult &)> meta_is(MetaWant w)
{
	return [w](XdpRunner &, const FixtureEnv &, const RunResult &r) {
		ASSERT_EQ(r.meta.size(), sizeof(xdpdns_meta)) << "metadata in front of the redirected packet";
		xdpdns_meta m;
		std::memcpy(&m, r.meta.data(), sizeof(m));
		EXPECT_EQ(m.magic, XDPDNS_META_MAGIC);
		EXPECT_EQ(flags_text(m.flags), flags_text(w.flags));
		EXPECT_EQ(m.path_mtu, w.path_mtu);
		EXPECT_EQ(m.client_mss, w.client_mss);
		EXPECT_EQ(m.l3_offset, w.l3_offset);
		EXPECT_EQ(m.l4_offset, w.l4_offset);
	};
}

std::uint16_t v6_flag(const Flow &f) { return f.encap.v6 ? XDPDNS_META_F_IPV6 : 0; }

Bytes udp_query(const Flow &f)
{
	return f.to_server().udp(f.client_port, f.server_port).payload(dns_query(0x5151, "small.example.test", dns::TYPE_TXT, true, true, 4096)).build();
}

// A redirected frame: the packet itself is untouched.
Fixture redirected(std::string name, FrameFn in, xdpdns_stat reason, MetaWant meta)
{
	return {.name = std::move(name),
		.input = in,
		.verdict = XDP_REDIRECT,
		.counters = one_frame({reason}),
		.expected = in,
		.check = meta_is(meta)};
}

FrameFn tcp_query(const Flow &f, std::uint32_t mss_index = 6, int epoch_delta = 0, std::uint8_t flags = tcp::PSH | tcp::ACK)
{
	return data_with_cookie(f, [f, mss_index, epoch_delta](const FixtureEnv &e) {
		return cookie_for(f, e.current_key(), e.epoch + static_cast<std::uint32_t>(epoch_delta), mss_index);
	}, flags);
}

class Redirect : public XdpSocketTest {
protected:
	Redirect() : XdpSocketTest("bpft-xsk0", "bpft-xsk1") {}
	void SetUp() override
	{
		XdpSocketTest::SetUp();
		if (IsSkipped())
			return;
		queue0_ = queue(0);
		queue1_ = queue(1);
	}

	RunContext queue0_, queue1_;
};

// ---- TCP data segments with a valid cookie ----

TEST_F(Redirect, TcpQueryEveryFraming)
{
	for (const Encap &e : all_encaps()) {
		SCOPED_TRACE(e.name);
		Flow f(e);
		run_row(redirected(e.name + "_tcp_query", tcp_query(f), XDPDNS_STAT_TCP_TO_DAEMON,
				   {static_cast<std::uint16_t>(XDPDNS_META_F_TCP | XDPDNS_META_F_COOKIE_OK | v6_flag(f)), 0, 1460, e.l3_offset(), e.l4_offset()}),
			queue0_);
	}
}

TEST_F(Redirect, TcpQueryClientMssFromCookie)
{
	Flow f(encap("ipv4"));
	const std::uint16_t table[] = XDPDNS_MSS_TABLE;
	for (std::uint32_t i = 0; i < XDPDNS_MSS_TABLE_LEN; i++) {
		SCOPED_TRACE("mss index " + std::to_string(i));
		run_row(redirected("mss", tcp_query(f, i), XDPDNS_STAT_TCP_TO_DAEMON,
				   {XDPDNS_META_F_TCP | XDPDNS_META_F_COOKIE_OK, 0, table[i], 14, 34}),
			queue0_);
	}
}

TEST_F(Redirect, TcpFinWithQueryAndPreviousEpoch)
{
	Flow f(encap("ipv6"));
	run_row(redirected("fin_query", tcp_query(f, 3, 0, tcp::FIN | tcp::PSH | tcp::ACK), XDPDNS_STAT_TCP_TO_DAEMON,
			   {XDPDNS_META_F_TCP | XDPDNS_META_F_COOKIE_OK | XDPDNS_META_F_IPV6, 0, 1220, 14, 54}),
		queue0_);
	run_row(redirected("previous_epoch", tcp_query(f, 3, -1), XDPDNS_STAT_TCP_TO_DAEMON,
			   {XDPDNS_META_F_TCP | XDPDNS_META_F_COOKIE_OK | XDPDNS_META_F_IPV6, 0, 1220, 14, 54}),
		queue0_);
}

TEST_F(Redirect, TcpBadCookieStillDropped)
{
	Flow f(encap("ipv4"));
	run_row(drop_row("bad_cookie", tcp_query(f, 6, -2), XDPDNS_STAT_TCP_BAD_COOKIE), queue0_);
}

// The XSKMAP slot is the RX queue: queue 1 has no socket.
TEST_F(Redirect, OtherQueueHasNoSocket)
{
	Flow f(encap("ipv4"));
	run_row(drop_row("tcp_queue1", tcp_query(f), XDPDNS_STAT_TCP_NO_DAEMON), queue1_);
	run_row(pass_row("udp_queue1", frame(udp_query(f)), XDPDNS_STAT_PASS_UDP_NO_DAEMON), queue1_);
}

// Path MTU hints are for UDP answers (fragment sizes); TCP segments are
// sized by the client MSS from the cookie, so TCP metadata never carries one.
TEST_F(Redirect, TcpQueryIgnoresPathMtu)
{
	Flow f(encap("ipv4"));
	Fixture row = redirected("tcp_pmtu", tcp_query(f), XDPDNS_STAT_TCP_TO_DAEMON, {XDPDNS_META_F_TCP | XDPDNS_META_F_COOKIE_OK, 0, 1460, 14, 34});
	row.prepare = [f](XdpRunner &r) { r.pmtu_write(f.client_key(), {1400, 0, monotonic_ns() - 1'000'000'000ull}); };
	run_row(row, queue0_);
}

// ---- UDP queries ----

TEST_F(Redirect, UdpQueryEveryFraming)
{
	for (const Encap &e : all_encaps()) {
		SCOPED_TRACE(e.name);
		Flow f(e);
		run_row(redirected(e.name + "_udp_query", frame(udp_query(f)), XDPDNS_STAT_UDP_TO_DAEMON,
				   {static_cast<std::uint16_t>(XDPDNS_META_F_ATR_ALLOWED | v6_flag(f)), 0, 0, e.l3_offset(), e.l4_offset()}),
			queue0_);
	}
}

TEST_F(Redirect, UdpAtrAllowList)
{
	Flow f4(encap("ipv4")), f6(encap("ipv6"));
	auto active = [](xdpdns_config &c) { c.atr_allow_active = 1; };

	Fixture empty4 = redirected("v4_empty_list", frame(udp_query(f4)), XDPDNS_STAT_UDP_TO_DAEMON, {0, 0, 0, 14, 34});
	empty4.config = active;
	run_row(empty4, queue0_);

	Fixture in4 = redirected("v4_in_list", frame(udp_query(f4)), XDPDNS_STAT_UDP_TO_DAEMON,
				 {XDPDNS_META_F_ATR_ALLOWED, 0, 0, 14, 34});
	in4.config = active;
	in4.prepare = [](XdpRunner &r) {
		r.atr_allow_add(v4_mapped(ip4("203.0.113.0")), 96 + 24);
		r.atr_allow_add(v4_mapped(ip4("192.0.2.0")), 96 + 24);
	};
	run_row(in4, queue0_);

	Flow other4 = f4;
	other4.client4 = ip4("192.0.3.10");
	Fixture out4 = redirected("v4_not_in_list", frame(udp_query(other4)), XDPDNS_STAT_UDP_TO_DAEMON, {0, 0, 0, 14, 34});
	out4.config = active;
	run_row(out4, queue0_); // trie still holds 203.0.113.0/24 and 192.0.2.0/24

	Fixture in6 = redirected("v6_in_list", frame(udp_query(f6)), XDPDNS_STAT_UDP_TO_DAEMON,
				 {XDPDNS_META_F_ATR_ALLOWED | XDPDNS_META_F_IPV6, 0, 0, 14, 54});
	in6.config = active;
	in6.prepare = [](XdpRunner &r) { r.atr_allow_add(ip6("2001:db8:1::"), 48); };
	run_row(in6, queue0_);

	Flow other6 = f6;
	other6.client6 = ip6("2001:db8:2::10");
	Fixture out6 = redirected("v6_not_in_list", frame(udp_query(other6)), XDPDNS_STAT_UDP_TO_DAEMON,
				  {XDPDNS_META_F_IPV6, 0, 0, 14, 54});
	out6.config = active;
	run_row(out6, queue0_);

	// The list is ignored while atr_allow_active is 0.
	run_row(redirected("v6_list_inactive", frame(udp_query(other6)), XDPDNS_STAT_UDP_TO_DAEMON,
			   {XDPDNS_META_F_ATR_ALLOWED | XDPDNS_META_F_IPV6, 0, 0, 14, 54}),
		queue0_);
}

TEST_F(Redirect, UdpPathMtuFreshAndStale)
{
	// Entries 1 s (fresh: 9 s to spare on a busy machine) and 20 s old
	// (stale), or stamped 1 ns after boot, under a 10 s lifetime.
	// CLOCK_MONOTONIC starts at boot: right after it, wait until a
	// timestamp 20 s back exists (and the one at 1 ns is stale).
	constexpr std::uint64_t kOldest = 21'000'000'000ull;
	if (const std::uint64_t now = monotonic_ns(); now < kOldest)
		std::this_thread::sleep_for(std::chrono::nanoseconds(kOldest - now));
	auto lifetime = [](xdpdns_config &c) { c.pmtu_lifetime_s = 10; };

	for (const char *n : {"ipv4", "ipv6", "vlan_ipv6"}) {
		SCOPED_TRACE(n);
		Flow f(encap(n));
		const std::uint16_t base = static_cast<std::uint16_t>(XDPDNS_META_F_ATR_ALLOWED | v6_flag(f));
		Fixture fresh = redirected("fresh", frame(udp_query(f)), XDPDNS_STAT_UDP_TO_DAEMON,
					   {base, 1280, 0, f.encap.l3_offset(), f.encap.l4_offset()});
		fresh.config = lifetime;
		fresh.prepare = [f](XdpRunner &r) { r.pmtu_write(f.client_key(), {1280, 0, monotonic_ns() - 1'000'000'000ull}); };
		run_row(fresh, queue0_);

		Fixture stale = redirected("stale", frame(udp_query(f)), XDPDNS_STAT_UDP_TO_DAEMON,
					   {base, 0, 0, f.encap.l3_offset(), f.encap.l4_offset()});
		stale.config = lifetime;
		stale.prepare = [f](XdpRunner &r) { r.pmtu_write(f.client_key(), {1280, 0, monotonic_ns() - 20'000'000'000ull}); };
		run_row(stale, queue0_);

		Fixture other = redirected("other_client", frame(udp_query(f)), XDPDNS_STAT_UDP_TO_DAEMON,
					   {base, 0, 0, f.encap.l3_offset(), f.encap.l4_offset()});
		other.config = lifetime;
		other.prepare = [f](XdpRunner &r) {
			Ip6 someone = f.client_key();
			someone[15] ^= 1;
			r.pmtu_write(f.client_key(), {1280, 0, 1}); // stale for this client
			r.pmtu_write(someone, {1300, 0, monotonic_ns()});
		};
		run_row(other, queue0_);
	}
}

// Live frames (BPF_F_TEST_XDP_LIVE_FRAMES): the redirect really delivers
// the frame to the socket's RX ring with struct xdpdns_meta right in front
// of it, where the daemon reads it.
TEST_F(Redirect, LiveFramesReachSocketWithMetadata)
{
	rig_->fill_all();
	struct Case {
		const char *name;
		Bytes frame;
		xdpdns_stat reason;
		MetaWant meta;
	};
	Flow u(encap("vlan_ipv6")), t(encap("ipv4_options"));
	const std::uint32_t epoch = cfg_.cookie_epoch;
	const Bytes tcp = client_segment(t, kIsn + 1, cookie_for(t, keys_.slot[keys_.current], epoch, 5) + 1, tcp::PSH | tcp::ACK)
				  .payload(tcp_query_payload()).build();
	const Case cases[] = {
		{"udp", udp_query(u), XDPDNS_STAT_UDP_TO_DAEMON,
		 {XDPDNS_META_F_ATR_ALLOWED | XDPDNS_META_F_IPV6, 0, 0, u.encap.l3_offset(), u.encap.l4_offset()}},
		{"tcp", tcp, XDPDNS_STAT_TCP_TO_DAEMON, {XDPDNS_META_F_TCP | XDPDNS_META_F_COOKIE_OK, 0, 1440, t.encap.l3_offset(), t.encap.l4_offset()}},
	};
	for (const Case &c : cases) {
		SCOPED_TRACE(c.name);
		Counters d = runner_->run_live(Prog::Main, c.frame, queue0_);
		EXPECT_EQ(counters_to_string(d), counters_to_string(one_frame({c.reason})));
		std::optional<XskRig::Received> got = rig_->receive();
		ASSERT_TRUE(got.has_value()) << "no frame on the XSK RX ring";
		EXPECT_PRED_FORMAT2(frames_equal, c.frame, got->frame);
		ASSERT_GE(got->headroom.size(), sizeof(xdpdns_meta));
		RunResult as_run;
		as_run.meta.assign(got->headroom.end() - sizeof(xdpdns_meta), got->headroom.end());
		meta_is(c.meta)(*runner_, FixtureEnv{cfg_, keys_, epoch}, as_run);
		EXPECT_FALSE(rig_->receive().has_value()) << "one frame in, one frame out";
	}
}

// xdpdns_atr as the daemon runs it (BPF_PROG_RUN with live frames on the
// saved query frame): the TC=1 answer really leaves through the veth and
// reaches the peer, byte for byte as xdpdns_main's in-kernel truncation
// builds it.
TEST_F(Redirect, AtrLiveFrameTransmitsTcAnswer)
{
	PeerTap peer("bpft-xsk1");
	// Untagged only: a packet socket sees VLAN tags moved out of the frame.
	for (const char *n : {"ipv4", "ipv6_ext3"}) {
		SCOPED_TRACE(n);
		Flow f(encap(n));
		const Bytes query = udp_query(f);

		xdpdns_config c = cfg_;
		c.udp_truncate_all = 1;
		runner_->write_config(c);
		RunResult reference = runner_->run(Prog::Main, query);
		ASSERT_EQ(verdict_name(reference.verdict), "XDP_TX");
		runner_->write_config(cfg_);

		Counters d = runner_->run_live(Prog::Atr, query, queue0_);
		EXPECT_EQ(d[XDPDNS_STAT_ATR_SENT], 1u) << counters_to_string(d);
		std::optional<Bytes> got = peer.receive(
			[&](const Bytes &fr) { return fr.size() == reference.frame.size() && std::equal(fr.begin(), fr.begin() + 12, reference.frame.begin()); },
			2000);
		ASSERT_TRUE(got.has_value()) << "no TC=1 answer reached the veth peer";
		EXPECT_PRED_FORMAT2(frames_equal, reference.frame, *got);
	}
}

// In-kernel truncation comes before the redirect; non-queries never reach
// the socket.
TEST_F(Redirect, TruncateAllAndNonQueriesBypassSocket)
{
	Flow f(encap("ipv4"));
	RunResult tc = runner_->run(Prog::Main, [&] {
		xdpdns_config c = cfg_;
		c.udp_truncate_all = 1;
		runner_->write_config(c);
		return udp_query(f);
	}(), queue0_);
	EXPECT_EQ(verdict_name(tc.verdict), "XDP_TX");
	EXPECT_EQ(counters_to_string(tc.delta), counters_to_string(one_frame({XDPDNS_STAT_UDP_TRUNCATED})));
	runner_->write_config(cfg_);

	Bytes response = f.to_server().udp(40000, 53).payload(dns_query(1, "x.test", 1, false, false, 0, dns::QR)).build();
	run_row(drop_row("response", frame(response), XDPDNS_STAT_UDP_NOT_QUERY), queue0_);
	run_row(pass_row("port80", frame(Flow(f).ports(40000, 80).to_server().udp(40000, 80).payload(Bytes(20, 0)).build()),
			 XDPDNS_STAT_PASS_OTHER),
		queue0_);
}

} // namespace
} // namespace xdpdns::test
