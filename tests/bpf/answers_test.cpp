// In-kernel answers (answers.in-kernel on): a query whose question is in
// the answers map gets its answer from XDP, and that frame is the one
// xdpdnsd would send, octet for octet. The identity test walks every name
// of the test zones (positive answers, CNAME chains, wildcards, NXDOMAIN,
// NODATA, referrals with glue and DS, signed data with DO=1) in several
// types, with and without EDNS, in the zone's case and in mixed case, over
// every framing: the entry comes from the daemon's own code (zone answer ->
// answers::entry_for), the expected frame from the daemon's frame writer
// (net::write_udp). Then the cases that must go to the daemon instead.
#include <linux/bpf.h>
#include <arpa/inet.h>

#include <time.h>

#include <set>

#include "daemon/answers/answer_entry.h"
#include "dns/dns_cookie.h"
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

class AnswersTest : public XdpTest {
protected:
	void SetUp() override
	{
		XdpTest::SetUp();
		if (IsSkipped())
			return;
		zones_ = load_test_zones();
		cfg_.answers_in_kernel = 1;
		runner_->write_config(cfg_);
		runner_->answers_install(100000);
	}

	// What the daemon does with a UDP query: its answer, and whether it
	// would store it (stored: the entry is in the map now).
	struct Daemon {
		Bytes answer;
		bool stored = false;
	};
	Daemon daemon_answers(const Bytes &msg)
	{
		Daemon d;
		xdpdns::dns::Query q;
		d.answer = zone_answer(*zones_, msg, xdpdns::dns::Transport::udp,
				       static_cast<std::uint16_t>(cfg_.edns_buffer_size), q);
		if (d.answer.empty())
			return d;
		xdpdns_answer_key key;
		xdpdns_answer entry;
		if (d.answer.size() <= q.udp_size && answers::key_for(q, msg, false, key) &&
		    answers::entry_for(q, d.answer, entry)) {
			runner_->answer_put(key, entry);
			d.stored = true;
		}
		return d;
	}

	// The daemon's frame for `answer` to the query frame `query`.
	static Bytes daemon_frame(const Bytes &query, const Bytes &answer)
	{
		xdpdns::net::FrameView v;
		EXPECT_EQ(xdpdns::net::parse_frame(query, v), xdpdns::net::ParseError::ok);
		Bytes out(4096);
		const std::size_t n = xdpdns::net::write_udp(xdpdns::net::make_reply_template(v), answer, out);
		out.resize(n);
		return out;
	}

	std::shared_ptr<const xdpdns::dns::ZoneSet> zones_;
};

TEST_F(AnswersTest, EveryNameTypeAndShapeIsTheDaemonsFrame)
{
	std::size_t answered = 0, to_daemon = 0;
	std::set<std::uint8_t> rcodes;
	bool referral = false, wildcard = false, signed_do = false, proof_do = false;
	std::uint16_t id = 1;
	for (const auto &z : kZones) {
		for (const auto &name : zone_names(z)) {
			for (const std::uint16_t type : kTypes) {
				for (const Shape &s : kShapes) {
					for (const std::string &asked : {name, mixed_case(name)}) {
						const Flow f(encap(id % 2 ? "ipv4" : "ipv6"));
						const Bytes msg = dns_query(id++, asked, type, s.opt, s.do_bit);
						const Bytes frame = f.to_server().udp(f.client_port, 53).payload(msg).build();
						const Daemon d = daemon_answers(msg);
						ASSERT_FALSE(d.answer.empty()) << asked;
						const RunResult r = runner_->run(Prog::Main, frame);
						const std::string what = asked + " type " + std::to_string(type) +
									 (s.opt ? (s.do_bit ? " DO=1" : " DO=0") : " no EDNS");
						if (!d.stored) {
							EXPECT_NE(r.verdict, XDP_TX) << what;
							EXPECT_EQ(r.delta[XDPDNS_STAT_ANSWER_MISS], 1u) << what;
							to_daemon++;
							continue;
						}
						ASSERT_EQ(verdict_name(r.verdict), "XDP_TX") << what << ": " << counters_to_string(r.delta);
						EXPECT_EQ(r.delta, one_frame({XDPDNS_STAT_UDP_ANSWERED})) << what;
						ASSERT_EQ(r.frame, daemon_frame(frame, d.answer)) << what;
						answered++;
						rcodes.insert(d.answer[3] & 0x0f);
						referral |= !(d.answer[2] & 0x04) && (d.answer[3] & 0x0f) == 0;
						wildcard |= asked.find("anything") != std::string::npos;
						signed_do |= s.do_bit && asked.find("signed") != std::string::npos;
						// An NSEC3 NXDOMAIN proof answered in XDP.
						proof_do |= s.do_bit && (d.answer[3] & 0x0f) == 3 &&
							    name.find("dnssec.test.") != std::string::npos;
					}
				}
			}
		}
	}
	// The walk covered what it claims to.
	EXPECT_GT(answered, 1000u);
	EXPECT_GT(to_daemon, 0u) << "big answers are never stored";
	EXPECT_TRUE(rcodes.count(0) && rcodes.count(3) && rcodes.count(5)) << "NOERROR, NXDOMAIN, REFUSED";
	EXPECT_TRUE(referral && wildcard && signed_do && proof_do);
}

TEST_F(AnswersTest, EveryFramingIsTheDaemonsFrame)
{
	std::uint16_t id = 7;
	for (const Encap &e : all_encaps()) {
		const Flow f(e);
		const Bytes msg = dns_query(id++, "WwW.Example.TEST", dns::TYPE_A, true, false);
		const Bytes frame = f.to_server().udp(f.client_port, 53).payload(msg).build();
		const Daemon d = daemon_answers(msg);
		ASSERT_TRUE(d.stored);
		const RunResult r = runner_->run(Prog::Main, frame);
		ASSERT_EQ(verdict_name(r.verdict), "XDP_TX") << e.name << ": " << counters_to_string(r.delta);
		EXPECT_EQ(r.frame, daemon_frame(frame, d.answer)) << e.name;
	}
}

// The query's RD and CD and ID are echoed; nothing else of its header.
TEST_F(AnswersTest, HeaderBitsOfTheQueryAreEchoedAsTheDaemonDoes)
{
	const Flow f(encap("ipv4"));
	for (const std::uint16_t flags :
	     {std::uint16_t(0), dns::RD, dns::CD, std::uint16_t(dns::RD | dns::CD), std::uint16_t(dns::AA | dns::AD | dns::Z)}) {
		const Bytes msg = dns_query(0x1234, "small.example.test", dns::TYPE_A, false, false, 1232, flags);
		const Daemon d = daemon_answers(msg);
		ASSERT_TRUE(d.stored);
		const Bytes frame = f.to_server().udp(f.client_port, 53).payload(msg).build();
		const RunResult r = runner_->run(Prog::Main, frame);
		ASSERT_EQ(verdict_name(r.verdict), "XDP_TX");
		EXPECT_EQ(r.frame, daemon_frame(frame, d.answer)) << "flags " << flags;
	}
}

// Queries the map does not serve go to the daemon (here: no socket, so
// passed), each with its note.
TEST_F(AnswersTest, QueriesOfOtherShapesGoToTheDaemon)
{
	const Flow f(encap("ipv4"));
	auto run = [&](const Bytes &msg) { return runner_->run(Prog::Main, f.to_server().udp(f.client_port, 53).payload(msg).build()); };
	// Stored: small.example.test A for every shape.
	for (const Shape &s : kShapes)
		ASSERT_TRUE(daemon_answers(dns_query(1, "small.example.test", dns::TYPE_A, s.opt, s.do_bit)).stored);

	Bytes cookie = dns_query(2, "small.example.test", dns::TYPE_A, false);
	cookie[11] = 1;
	put_bytes(cookie, dns_opt(1232, false, Bytes{0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8}));  // a client cookie
	Bytes badvers = dns_query(3, "small.example.test", dns::TYPE_A, true);
	badvers[badvers.size() - 11 + 6] = 1;  // OPT version 1
	Bytes two_additional = dns_query(4, "small.example.test", dns::TYPE_A, true);
	two_additional[11] = 2;
	put_bytes(two_additional, dns_opt(1232, false));
	const std::string long_name = std::string(60, 'a') + ".example.test";  // 75 octets
	Bytes notify = dns_query(5, "small.example.test", dns::TYPE_A, false, false, 1232, dns::opcode(4));

	for (const auto &[what, msg] : std::vector<std::pair<std::string, Bytes>>{
		     {"EDNS option", cookie},
		     {"OPT version 1", badvers},
		     {"two additional records", two_additional},
		     {"name over 64 octets", dns_query(6, long_name, dns::TYPE_A)},
		     {"NOTIFY opcode", notify}}) {
		const RunResult r = run(msg);
		EXPECT_EQ(r.delta, one_frame({XDPDNS_STAT_ANSWER_NOT_ELIGIBLE, XDPDNS_STAT_PASS_UDP_NO_DAEMON}))
			<< what << ": " << counters_to_string(r.delta);
	}

	const RunResult miss = run(dns_query(7, "small.example.test", dns::TYPE_AAAA));
	EXPECT_EQ(miss.delta, one_frame({XDPDNS_STAT_ANSWER_MISS, XDPDNS_STAT_PASS_UDP_NO_DAEMON}));

	// The knob off: no note, no answer.
	cfg_.answers_in_kernel = 0;
	runner_->write_config(cfg_);
	const RunResult off = run(dns_query(8, "small.example.test", dns::TYPE_A));
	EXPECT_EQ(off.delta, one_frame({XDPDNS_STAT_PASS_UDP_NO_DAEMON}));

	// No map installed (no daemon): a miss.
	cfg_.answers_in_kernel = 1;
	runner_->write_config(cfg_);
	runner_->answers_remove();
	const RunResult none = run(dns_query(9, "small.example.test", dns::TYPE_A));
	EXPECT_EQ(none.delta, one_frame({XDPDNS_STAT_ANSWER_MISS, XDPDNS_STAT_PASS_UDP_NO_DAEMON}));
}

// DNS Cookies: a query with a COOKIE option (client cookie only, with a
// server cookie, or malformed) never gets an answer from the map, even
// though the same question without one is stored: XDP would drop the
// option (it cannot make server cookies), so it goes to the daemon, under
// the answer-not-eligible note. And the daemon, having answered it with a
// server cookie, never stores that answer.
TEST_F(AnswersTest, QueriesWithACookieGoToTheDaemonAndAreNeverStored)
{
	for (const Shape &s : kShapes)
		ASSERT_TRUE(daemon_answers(dns_query(1, "small.example.test", dns::TYPE_A, s.opt, s.do_bit)).stored);

	Bytes server(16, 0x5a);
	server[0] = 1;
	const Bytes client = {1, 2, 3, 4, 5, 6, 7, 8};
	Bytes full = client;
	full.insert(full.end(), server.begin(), server.end());
	xdpdns::dns::CookieSecrets secrets;
	secrets.current = {0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
	const std::uint8_t client_ip[4] = {192, 0, 2, 2};
	std::uint16_t id = 10;
	for (const char *family : {"ipv4", "ipv6"}) {
		const Flow f(encap(family));
		for (const Bytes &cookie : {client, full, Bytes(5, 7)}) {
			for (const bool do_bit : {false, true}) {
				Bytes msg = dns_query(id++, "small.example.test", dns::TYPE_A, false);
				msg[11] = 1;
				Bytes option = {0, 10, 0, static_cast<std::uint8_t>(cookie.size())};
				put_bytes(option, cookie);
				put_bytes(msg, dns_opt(1232, do_bit, option));
				const std::string what = std::string(family) + ", cookie of " + std::to_string(cookie.size()) +
							 " octets, DO=" + std::to_string(do_bit);

				const RunResult r = runner_->run(Prog::Main, f.to_server().udp(f.client_port, 53).payload(msg).build());
				EXPECT_EQ(r.delta, one_frame({XDPDNS_STAT_ANSWER_NOT_ELIGIBLE, XDPDNS_STAT_PASS_UDP_NO_DAEMON}))
					<< what << ": " << counters_to_string(r.delta);

				// The daemon's side: its answer carries our COOKIE, and
				// it has no key for the map.
				xdpdns::dns::Query q;
				ASSERT_EQ(xdpdns::dns::parse_query(msg, q), xdpdns::dns::ParseResult::ok) << what;
				const auto o = xdpdns::dns::apply_cookie(q, secrets, client_ip, 1700000000, true, {});
				Bytes answer(4096);
				const auto a = xdpdns::dns::answer(*zones_, q, xdpdns::dns::Transport::udp, answer,
								    static_cast<std::uint16_t>(cfg_.edns_buffer_size));
				answer.resize(a.size);
				ASSERT_GT(a.size, 0u) << what;
				EXPECT_EQ(q.reply_cookie_len, o.verdict == xdpdns::dns::CookieVerdict::malformed ? 0 : 24) << what;
				xdpdns_answer_key key;
				EXPECT_FALSE(answers::key_for(q, msg, false, key)) << what;
				EXPECT_FALSE(answers::key_for(q, msg, true, key)) << what;
			}
		}
	}
}

// A stored answer larger than the client's buffer, the path MTU or the ATR
// size goes to the daemon (which truncates, fragments or follows up). The
// entry is made up: 800 octets after the question, an 836-octet message.
TEST_F(AnswersTest, TooBigForTheClientPathOrAtrGoesToTheDaemon)
{
	const Bytes stored = dns_query(1, "small.example.test", dns::TYPE_TXT, true, false, 1232);
	xdpdns::dns::Query q;
	ASSERT_EQ(xdpdns::dns::parse_query(stored, q), xdpdns::dns::ParseResult::ok);
	xdpdns_answer_key key;
	ASSERT_TRUE(answers::key_for(q, stored, false, key));
	xdpdns_answer entry{};
	entry.flags[0] = 0x84;
	entry.counts[1] = 1;
	entry.body_len = 800;
	const std::uint8_t opt[] = {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0};  // our OPT, 1232, last
	std::copy(std::begin(opt), std::end(opt), entry.body + 800 - sizeof(opt));
	runner_->answer_put(key, entry);

	const Flow f4(encap("ipv4")), f6(encap("ipv6"));
	auto run = [&](const Flow &f, std::uint16_t bufsize) {
		return runner_->run(Prog::Main, f.to_server().udp(f.client_port, 53)
							.payload(dns_query(2, "small.example.test", dns::TYPE_TXT, true, false, bufsize))
							.build());
	};
	const auto too_big = one_frame({XDPDNS_STAT_ANSWER_TOO_BIG, XDPDNS_STAT_PASS_UDP_NO_DAEMON});

	const RunResult fits = run(f4, 836);
	EXPECT_EQ(verdict_name(fits.verdict), "XDP_TX");
	EXPECT_EQ(fits.frame.size(), 14u + 20 + 8 + 836);
	EXPECT_EQ(run(f4, 835).delta, too_big) << "client buffer";

	cfg_.atr_size_v6 = 835;
	runner_->write_config(cfg_);
	EXPECT_EQ(run(f6, 1232).delta, too_big) << "ATR size";
	cfg_.atr_enabled = 0;
	runner_->write_config(cfg_);
	EXPECT_EQ(verdict_name(run(f6, 1232).verdict), "XDP_TX") << "ATR off";

	timespec ts{};
	clock_gettime(CLOCK_MONOTONIC, &ts);
	xdpdns_pmtu path{};
	path.mtu = 20 + 8 + 835;
	path.updated_ns = static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<std::uint64_t>(ts.tv_nsec);
	runner_->pmtu_write(f4.client_key(), path);
	EXPECT_EQ(run(f4, 1232).delta, too_big) << "path MTU";
	path.mtu += 1;
	runner_->pmtu_write(f4.client_key(), path);
	EXPECT_EQ(verdict_name(run(f4, 1232).verdict), "XDP_TX") << "path MTU just enough";
}

// udp.max-size caps what XDP answers whatever the client's buffer: above
// it the query goes to the daemon (which sends TC=1), at it XDP answers.
TEST_F(AnswersTest, AboveUdpMaxSizeGoesToTheDaemon)
{
	const Bytes stored = dns_query(1, "small.example.test", dns::TYPE_TXT, true, false, 1232);
	xdpdns::dns::Query q;
	ASSERT_EQ(xdpdns::dns::parse_query(stored, q), xdpdns::dns::ParseResult::ok);
	xdpdns_answer_key key;
	ASSERT_TRUE(answers::key_for(q, stored, false, key));
	xdpdns_answer entry{};
	entry.flags[0] = 0x84;
	entry.counts[1] = 1;
	entry.body_len = 800;  // an 836-octet message
	const std::uint8_t opt[] = {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0};
	std::copy(std::begin(opt), std::end(opt), entry.body + 800 - sizeof(opt));
	runner_->answer_put(key, entry);
	cfg_.atr_enabled = 0;

	const auto too_big = one_frame({XDPDNS_STAT_ANSWER_TOO_BIG, XDPDNS_STAT_PASS_UDP_NO_DAEMON});
	for (const char *family : {"ipv4", "ipv6"}) {
		const Flow f(encap(family));
		const Bytes query = f.to_server().udp(f.client_port, 53)
					    .payload(dns_query(2, "small.example.test", dns::TYPE_TXT, true, false, 4096))
					    .build();
		cfg_.udp_max_size = 835;
		runner_->write_config(cfg_);
		EXPECT_EQ(runner_->run(Prog::Main, query).delta, too_big) << family << ": cap 835";
		cfg_.udp_max_size = 836;
		runner_->write_config(cfg_);
		const RunResult at = runner_->run(Prog::Main, query);
		EXPECT_EQ(verdict_name(at.verdict), "XDP_TX") << family << ": cap 836";
		cfg_.udp_max_size = 0;  // a config without the knob: 512
		runner_->write_config(cfg_);
		EXPECT_EQ(runner_->run(Prog::Main, query).delta, too_big) << family << ": cap unset";
	}
}

// edns.buffer-size changed: until the daemon has replaced the map, an answer
// whose OPT carries the old size is not given.
TEST_F(AnswersTest, AnswerWithAnOldOptSizeGoesToTheDaemon)
{
	ASSERT_TRUE(daemon_answers(dns_query(1, "small.example.test", dns::TYPE_A, true)).stored);
	ASSERT_TRUE(daemon_answers(dns_query(1, "small.example.test", dns::TYPE_A, false)).stored);
	const Flow f(encap("ipv4"));
	auto run = [&](bool opt) {
		return runner_->run(Prog::Main, f.to_server().udp(f.client_port, 53).payload(dns_query(2, "small.example.test", dns::TYPE_A, opt)).build());
	};
	EXPECT_EQ(verdict_name(run(true).verdict), "XDP_TX");
	cfg_.edns_buffer_size = 1400;
	runner_->write_config(cfg_);
	EXPECT_EQ(run(true).delta, one_frame({XDPDNS_STAT_ANSWER_MISS, XDPDNS_STAT_PASS_UDP_NO_DAEMON}));
	EXPECT_EQ(verdict_name(run(false).verdict), "XDP_TX") << "no OPT: no size in the answer";
}

TEST_F(AnswersTest, BadChecksumOnAHitIsDropped)
{
	ASSERT_TRUE(daemon_answers(dns_query(1, "small.example.test", dns::TYPE_A)).stored);
	const Flow f(encap("ipv6"));
	const Bytes frame = f.to_server().udp(f.client_port, 53).payload(dns_query(2, "small.example.test", dns::TYPE_A))
				    .bad_l4_checksum().build();
	const RunResult r = runner_->run(Prog::Main, frame);
	EXPECT_EQ(verdict_name(r.verdict), "XDP_DROP");
	EXPECT_EQ(r.delta, one_frame({XDPDNS_STAT_DROP_BAD_CSUM}));
}

}  // namespace
}  // namespace xdpdns::test
