// tcp.reuse on: the XDP side of reused connections. The first data segment
// with a valid cookie that starts a query creates a tcp_conns entry (isn =
// the cookie); while an entry is fresh, every segment of its 4-tuple goes to
// the daemon without a cookie check (META_F_CONN); a stale entry is removed;
// data for no connection with no valid cookie gets an RST built in XDP (seq =
// SEG.ACK, never larger than the segment it answers). Every framing.
#include <linux/bpf.h>
#include <arpa/inet.h>
#include <time.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "cookie_calc.h"
#include "dns_message.h"
#include "replies.h"
#include "xdp_test.h"
#include "xsk_rig.h"

namespace xdpdns::test {
namespace {

std::uint64_t monotonic_ns()
{
	timespec ts{};
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<std::uint64_t>(ts.tv_nsec);
}

void reuse_on(xdpdns_config &c) { c.tcp_reuse = 1; }

// RFC 9293 §3.10.7.1: to a segment with ACK, <SEQ=SEG.ACK><CTL=RST>.
Bytes rst_reply(const Flow &f, std::uint32_t seg_ack)
{
	return f.to_client().tcp(f.server_port, f.client_port).seq(seg_ack).ack(0).flags(tcp::RST).window(0).build();
}

constexpr std::uint32_t kBadCookie = 0x5a5a5a5au;

Bytes response_payload()
{
	Bytes m = dns_query(0x4242, "small.example.test", dns::TYPE_A);
	m[2] |= 0x80;  // QR: a response, not a query
	return dns_tcp_framed(m);
}

std::vector<Fixture> rows_for(const Flow &f)
{
	std::vector<Fixture> v;
	const std::string p = f.encap.name + "_";
	const xdpdns_conn_key key = conn_key_of(f);

	v.push_back({.name = p + "data_no_state_bad_cookie_rst",
		     .input = data_with_cookie(f, [](const FixtureEnv &) { return kBadCookie; }),
		     .verdict = XDP_TX,
		     .counters = one_frame({XDPDNS_STAT_TCP_RST_SENT}),
		     .expected = [f](const FixtureEnv &) { return rst_reply(f, kBadCookie + 1); },
		     .config = reuse_on,
		     .check = [key](XdpRunner &r, const FixtureEnv &, const RunResult &) {
			     EXPECT_FALSE(r.conn_lookup(key)) << "an RST creates no state";
		     }});
	v.push_back({.name = p + "data_no_state_bad_cookie_bad_checksum",
		     .input = [f](const FixtureEnv &) {
			     return client_segment(f, kIsn + 1, kBadCookie + 1, tcp::PSH | tcp::ACK)
				     .payload(tcp_query_payload()).bad_l4_checksum().build();
		     },
		     .verdict = XDP_DROP,
		     .counters = one_frame({XDPDNS_STAT_DROP_BAD_CSUM}),
		     .config = reuse_on});
	v.push_back({.name = p + "data_valid_cookie_creates_entry",
		     .input = data_with_cookie(f, [f](const FixtureEnv &e) { return cookie_for(f, e.current_key(), e.epoch); }),
		     .verdict = XDP_DROP,  // no AF_XDP socket in these rows
		     .counters = one_frame({XDPDNS_STAT_TCP_NO_DAEMON}),
		     .config = reuse_on,
		     .check = [f, key](XdpRunner &r, const FixtureEnv &e, const RunResult &) {
			     const auto c = r.conn_lookup(key);
			     ASSERT_TRUE(c) << "tcp_conns entry";
			     EXPECT_EQ(c->isn, cookie_for(f, e.current_key(), e.epoch));
			     const std::uint64_t now = monotonic_ns();
			     EXPECT_LE(c->seen_ns, now);
			     EXPECT_GT(c->seen_ns, now - 10'000'000'000ull);
		     }});
	v.push_back({.name = p + "data_valid_cookie_reuse_off_no_entry",
		     .input = data_with_cookie(f, [f](const FixtureEnv &e) { return cookie_for(f, e.current_key(), e.epoch); }),
		     .verdict = XDP_DROP,
		     .counters = one_frame({XDPDNS_STAT_TCP_NO_DAEMON}),
		     .check = [key](XdpRunner &r, const FixtureEnv &, const RunResult &) {
			     EXPECT_FALSE(r.conn_lookup(key)) << "tcp.reuse off keeps no state";
		     }});
	v.push_back({.name = p + "response_valid_cookie_no_entry",
		     .input = [f](const FixtureEnv &e) {
			     return client_segment(f, kIsn + 1, cookie_for(f, e.current_key(), e.epoch) + 1, tcp::PSH | tcp::ACK)
				     .payload(response_payload()).build();
		     },
		     .verdict = XDP_DROP,
		     .counters = one_frame({XDPDNS_STAT_TCP_NO_DAEMON}),
		     .config = reuse_on,
		     .check = [key](XdpRunner &r, const FixtureEnv &, const RunResult &) {
			     EXPECT_FALSE(r.conn_lookup(key)) << "state only for a query";
		     }});

	// With a fresh entry: every segment to the daemon, whatever its ACK.
	auto fresh = [key](XdpRunner &r) { r.conn_write(key, {monotonic_ns(), 0x11111111u, 0}); };
	auto steered = [&](std::string name, std::uint8_t flags, bool data) {
		v.push_back({.name = p + name,
			     .input = [f, flags, data](const FixtureEnv &) {
				     Packet s = client_segment(f, kIsn + 40, 0x11111111u + 300, flags);
				     if (data)
					     s.payload(tcp_query_payload());
				     return s.build();
			     },
			     .verdict = XDP_DROP,
			     .counters = one_frame({XDPDNS_STAT_TCP_NO_DAEMON}),
			     .config = reuse_on,
			     .prepare = fresh,
			     .check = [key](XdpRunner &r, const FixtureEnv &, const RunResult &) {
				     const auto c = r.conn_lookup(key);
				     ASSERT_TRUE(c);
				     EXPECT_EQ(c->isn, 0x11111111u) << "the entry is not rewritten";
			     }});
	};
	steered("conn_pure_ack", tcp::ACK, false);
	steered("conn_data_any_ack", tcp::PSH | tcp::ACK, true);
	steered("conn_fin", tcp::FIN | tcp::ACK, false);
	steered("conn_rst", tcp::RST | tcp::ACK, false);

	// A stale entry (its daemon gone for idle time-out + grace) is removed
	// and the segment handled as without it. tcp_idle_ms 0: stale after the
	// 60 s grace.
	v.push_back({.name = p + "conn_stale_entry_removed",
		     .input = data_with_cookie(f, [](const FixtureEnv &) { return kBadCookie; }),
		     .verdict = XDP_TX,
		     .counters = one_frame({XDPDNS_STAT_TCP_RST_SENT}),
		     .expected = [f](const FixtureEnv &) { return rst_reply(f, kBadCookie + 1); },
		     .config = [](xdpdns_config &c) { c.tcp_reuse = 1; c.tcp_idle_ms = 0; },
		     .prepare = [key](XdpRunner &r) {
			     r.conn_write(key, {monotonic_ns() - (XDPDNS_TCP_CONN_GRACE_MS + 1000ull) * 1'000'000, 1, 0});
		     },
		     .check = [key](XdpRunner &r, const FixtureEnv &, const RunResult &) {
			     EXPECT_FALSE(r.conn_lookup(key)) << "stale entry removed";
		     }});
	return v;
}

std::vector<Fixture> reuse_table()
{
	std::vector<Fixture> all;
	for (const Encap &e : all_encaps()) {
		std::vector<Fixture> rows = rows_for(Flow(e));
		all.insert(all.end(), rows.begin(), rows.end());
	}
	return all;
}

class TcpReuseTable : public XdpTableTest {
protected:
	void SetUp() override
	{
		XdpTableTest::SetUp();
		// The stale-entry row stamps an entry 61 s back: right after boot
		// CLOCK_MONOTONIC has no such past yet.
		constexpr std::uint64_t kOldest = (XDPDNS_TCP_CONN_GRACE_MS + 2000ull) * 1'000'000;
		if (const std::uint64_t now = monotonic_ns(); now < kOldest)
			std::this_thread::sleep_for(std::chrono::nanoseconds(kOldest - now));
	}
};

TEST_P(TcpReuseTable, Row) { run_row(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Reuse, TcpReuseTable, ::testing::ValuesIn(reuse_table()), FixtureName());

// With a real AF_XDP socket: the metadata tells the daemon how the segment
// was admitted.
class TcpReuseRedirect : public XdpSocketTest {
protected:
	TcpReuseRedirect() : XdpSocketTest("bpft-xsk0", "bpft-xsk1") {}
	void SetUp() override
	{
		XdpSocketTest::SetUp();
		if (IsSkipped())
			return;
		ctx_ = queue(0);
		cfg_.tcp_reuse = 1;
		runner_->write_config(cfg_);
	}

	xdpdns_meta meta_of(const RunResult &r)
	{
		xdpdns_meta m{};
		EXPECT_EQ(r.meta.size(), sizeof(m));
		if (r.meta.size() == sizeof(m))
			std::memcpy(&m, r.meta.data(), sizeof(m));
		return m;
	}

	RunContext ctx_;
};

TEST_F(TcpReuseRedirect, FirstQueryThenEverySegmentOfTheConnection)
{
	Flow f(encap("ipv4"));
	Fixture first = {.name = "first",
			 .input = data_with_cookie(f, [f](const FixtureEnv &e) { return cookie_for(f, e.current_key(), e.epoch, 6); }),
			 .verdict = XDP_REDIRECT,
			 .counters = one_frame({XDPDNS_STAT_TCP_TO_DAEMON}),
			 .expected = data_with_cookie(f, [f](const FixtureEnv &e) { return cookie_for(f, e.current_key(), e.epoch, 6); }),
			 .config = reuse_on};
	RunResult r = run_row(first, ctx_);
	xdpdns_meta m = meta_of(r);
	EXPECT_EQ(m.flags, XDPDNS_META_F_TCP | XDPDNS_META_F_COOKIE_OK);
	EXPECT_EQ(m.client_mss, 1460);
	ASSERT_TRUE(runner_->conn_lookup(conn_key_of(f)));

	// The client's ACK of our answer: its SEG.ACK is no cookie any more.
	const Bytes ack = client_segment(f, kIsn + 1 + 36, 0x01020304u, tcp::ACK).build();
	Fixture later = {.name = "later",
			 .input = frame(ack),
			 .verdict = XDP_REDIRECT,
			 .counters = one_frame({XDPDNS_STAT_TCP_CONN_TO_DAEMON}),
			 .expected = frame(ack),
			 .config = reuse_on};
	r = run_row(later, ctx_);
	m = meta_of(r);
	EXPECT_EQ(m.flags, XDPDNS_META_F_TCP | XDPDNS_META_F_CONN);
	EXPECT_EQ(m.client_mss, 0) << "the daemon's connection knows the MSS";
}

} // namespace
} // namespace xdpdns::test
