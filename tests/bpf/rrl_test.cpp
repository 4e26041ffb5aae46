// Response rate limiting of the answers XDP makes from the answers map
// (bpf/lib/rrl.h): a client prefix past rrl.rate gets every rrl.slip-th
// answer as TC=1 and the rest dropped, each counted; another prefix and an
// exempt prefix are answered; log-only answers everything and counts. The
// expected TC=1 frame is written here from the query (header rules of the
// XDP truncation) and framed by the daemon's net::write_udp, which computes
// its own checksums.
#include <linux/bpf.h>

#include <time.h>
#include <unistd.h>

#include "daemon/answers/answer_entry.h"
#include "dns/query.h"
#include "dns/zone_backend.h"
#include "dns_message.h"
#include "flows.h"
#include "net/frame.h"
#include "net/reply.h"
#include "test_zones.h"
#include "xdp_test.h"

namespace xdpdns::test {
namespace {

namespace answers = xdpdns::daemon::answers;

constexpr std::uint32_t kClass = 0x5eed1234;  // any non-zero class: the daemon computes real ones

class RrlTest : public XdpTest {
protected:
	void SetUp() override
	{
		XdpTest::SetUp();
		if (IsSkipped())
			return;
		zones_ = load_test_zones();
		cfg_.answers_in_kernel = 1;
		cfg_.rrl_rate = 3;
		cfg_.rrl_slip = 2;
		cfg_.rrl_prefix_v4 = 24;
		cfg_.rrl_prefix_v6 = 56;
		runner_->write_config(cfg_);
		runner_->answers_install(64);
		for (const bool opt : {false, true})
			for (const bool do_bit : {false, true})
				store(dns_query(1, "www.example.test", dns::TYPE_A, opt, do_bit));
	}

	// Stores the daemon's answer to `msg` with class `rrl_class`; returns it.
	Bytes store(const Bytes &msg, std::uint32_t rrl_class = kClass)
	{
		xdpdns::dns::Query q;
		Bytes answer = zone_answer(*zones_, msg, xdpdns::dns::Transport::udp, 1232, q);
		xdpdns_answer_key key;
		xdpdns_answer entry;
		EXPECT_TRUE(answers::key_for(q, msg, false, key) && answers::entry_for(q, answer, entry, rrl_class));
		runner_->answer_put(key, entry);
		return answer;
	}

	static Bytes framed(const Bytes &query_frame, const Bytes &msg)
	{
		xdpdns::net::FrameView v;
		EXPECT_EQ(xdpdns::net::parse_frame(query_frame, v), xdpdns::net::ParseError::ok);
		Bytes out(4096);
		out.resize(xdpdns::net::write_udp(xdpdns::net::make_reply_template(v), msg, out));
		return out;
	}

	// The TC=1 answer XDP makes of a query of header + question (+ OPT):
	// QR, TC, RD and CD copied, AA=0, RCODE 0, no records but our OPT.
	Bytes truncated(const Bytes &query) const
	{
		Bytes m = query;
		const bool opt = m[11] == 1;
		m[2] = static_cast<std::uint8_t>(0x80 | 0x02 | (m[2] & 0x01));
		m[3] = static_cast<std::uint8_t>(m[3] & 0x10);
		m[6] = m[7] = m[8] = m[9] = 0;
		if (opt) {
			std::uint8_t *o = m.data() + m.size() - 11;
			o[3] = static_cast<std::uint8_t>(cfg_.edns_buffer_size >> 8);
			o[4] = static_cast<std::uint8_t>(cfg_.edns_buffer_size);
			o[5] = o[6] = o[8] = 0;
			o[7] &= 0x80;
		}
		return m;
	}

	// Waits, when needed, until a second has just begun (CLOCK_MONOTONIC,
	// bpf_ktime_get_ns's clock), so that a burst of runs falls in one.
	static void start_of_a_second()
	{
		timespec ts{};
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (ts.tv_nsec > 500'000'000)
			usleep(static_cast<useconds_t>((1'000'000'000 - ts.tv_nsec) / 1000 + 1000));
	}

	std::shared_ptr<const xdpdns::dns::ZoneSet> zones_;
};

TEST_F(RrlTest, OnePrefixIsLimitedAfterTheRateEverySlipthAnswerIsTc)
{
	for (const char *family : {"ipv4", "ipv6"}) {
		runner_->rrl_clear();
		start_of_a_second();
		std::string seen;
		for (int i = 0; i < 11; i++) {
			Flow f(encap(family));
			f.client4[3] = static_cast<std::uint8_t>(10 + i);  // other hosts of 192.0.2.0/24
			f.client6[7] = static_cast<std::uint8_t>(i);        // and of 2001:db8:1::/56
			f.client6[15] = static_cast<std::uint8_t>(i);
			f.client_port = static_cast<std::uint16_t>(40000 + i);
			const Bytes msg = dns_query(static_cast<std::uint16_t>(0x100 + i), "wWw.example.TEST", dns::TYPE_A,
						    i % 2 == 1, i % 4 == 1, 1232,
						    static_cast<std::uint16_t>(i % 3 ? dns::RD : dns::RD | dns::CD));
			const Bytes frame = f.to_server().udp(f.client_port, 53).payload(msg).build();
			const RunResult r = runner_->run(Prog::Main, frame);
			const std::string what = std::string(family) + " query " + std::to_string(i) + ": " +
						 counters_to_string(r.delta);
			if (r.delta[XDPDNS_STAT_UDP_ANSWERED]) {
				EXPECT_EQ(r.delta, one_frame({XDPDNS_STAT_UDP_ANSWERED})) << what;
				EXPECT_EQ(verdict_name(r.verdict), "XDP_TX") << what;
				seen += '.';
			} else if (r.delta[XDPDNS_STAT_RRL_SLIPPED]) {
				EXPECT_EQ(r.delta, one_frame({XDPDNS_STAT_RRL_SLIPPED})) << what;
				ASSERT_EQ(verdict_name(r.verdict), "XDP_TX") << what;
				const Bytes tc = truncated(msg);
				EXPECT_EQ(r.frame, framed(frame, tc)) << what;
				// The header fields, spelt out.
				const std::size_t dns_off = r.frame.size() - tc.size();
				EXPECT_EQ(r.frame[dns_off + 2], 0x83) << what << ": QR, TC, RD";
				EXPECT_EQ(r.frame[dns_off + 3], (i % 3 ? 0x00 : 0x10)) << what << ": CD copied, RCODE 0";
				EXPECT_EQ(r.frame[dns_off + 7] + r.frame[dns_off + 9], 0) << what << ": no answer, no authority";
				seen += 's';
			} else {
				EXPECT_EQ(r.delta, one_frame({XDPDNS_STAT_RRL_DROPPED})) << what;
				EXPECT_EQ(verdict_name(r.verdict), "XDP_DROP") << what;
				seen += 'd';
			}
		}
		EXPECT_EQ(seen, "...dsdsdsds") << family;
	}
}

TEST_F(RrlTest, OtherPrefixesAndExemptClientsAreAnswered)
{
	cfg_.rrl_exempt_active = 1;
	runner_->write_config(cfg_);
	runner_->rrl_exempt_add(ip6("::ffff:192.0.2.128"), 96 + 25);
	start_of_a_second();
	const Bytes msg = dns_query(7, "www.example.test", dns::TYPE_A);
	auto ask = [&](const char *client) {
		Flow f(encap("ipv4"));
		f.client4 = ip4(client);
		return runner_->run(Prog::Main, f.to_server().udp(f.client_port, 53).payload(msg).build());
	};
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(ask("192.0.2.10").delta, one_frame({XDPDNS_STAT_UDP_ANSWERED}));
	EXPECT_EQ(ask("192.0.2.11").delta, one_frame({XDPDNS_STAT_RRL_DROPPED})) << "the /24 is limited";
	for (int i = 0; i < 3; i++)
		EXPECT_EQ(ask("192.0.3.10").delta, one_frame({XDPDNS_STAT_UDP_ANSWERED})) << "another /24";
	for (int i = 0; i < 10; i++)
		EXPECT_EQ(ask("192.0.2.200").delta, one_frame({XDPDNS_STAT_UDP_ANSWERED, XDPDNS_STAT_RRL_EXEMPT}))
			<< "exempt: 192.0.2.128/25";
	// Another class (another question) of the limited prefix has its own bucket.
	store(dns_query(8, "small.example.test", dns::TYPE_A), kClass + 1);
	Flow f(encap("ipv4"));
	EXPECT_EQ(runner_->run(Prog::Main, f.to_server().udp(f.client_port, 53)
						   .payload(dns_query(8, "small.example.test", dns::TYPE_A)).build()).delta,
		  one_frame({XDPDNS_STAT_UDP_ANSWERED}));
}

TEST_F(RrlTest, LogOnlyAnswersEverythingAndCounts)
{
	cfg_.rrl_log_only = 1;
	runner_->write_config(cfg_);
	start_of_a_second();
	const Flow f(encap("ipv4"));
	const Bytes msg = dns_query(9, "www.example.test", dns::TYPE_A);
	std::uint64_t would = 0;
	for (int i = 0; i < 8; i++) {
		const RunResult r = runner_->run(Prog::Main, f.to_server().udp(f.client_port, 53).payload(msg).build());
		ASSERT_EQ(verdict_name(r.verdict), "XDP_TX");
		EXPECT_EQ(r.delta[XDPDNS_STAT_UDP_ANSWERED], 1u);
		would += r.delta[XDPDNS_STAT_RRL_WOULD_LIMIT];
	}
	EXPECT_EQ(would, 5u);
}

TEST_F(RrlTest, RateZeroOrNoClassLimitsNothing)
{
	const Flow f(encap("ipv4"));
	const Bytes msg = dns_query(10, "www.example.test", dns::TYPE_A);
	cfg_.rrl_rate = 0;
	runner_->write_config(cfg_);
	for (int i = 0; i < 10; i++)
		ASSERT_EQ(runner_->run(Prog::Main, f.to_server().udp(f.client_port, 53).payload(msg).build()).delta,
			  one_frame({XDPDNS_STAT_UDP_ANSWERED}));
	// An entry without a class (0) is never limited.
	cfg_.rrl_rate = 1;
	runner_->write_config(cfg_);
	xdpdns::dns::Query q;
	const Bytes answer = zone_answer(*zones_, msg, xdpdns::dns::Transport::udp, 1232, q);
	xdpdns_answer_key key;
	xdpdns_answer entry;
	ASSERT_TRUE(answers::key_for(q, msg, false, key) && answers::entry_for(q, answer, entry));
	runner_->answer_put(key, entry);
	for (int i = 0; i < 10; i++)
		ASSERT_EQ(runner_->run(Prog::Main, f.to_server().udp(f.client_port, 53).payload(msg).build()).delta,
			  one_frame({XDPDNS_STAT_UDP_ANSWERED}));
}

}  // namespace
}  // namespace xdpdns::test
