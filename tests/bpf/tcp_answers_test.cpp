// In-kernel TCP answers: a data segment with a valid cookie holding one
// whole query whose TCP answer the map holds, and that fits one segment of
// ours and the client's window, is answered in XDP with the segment xdpdnsd
// would send, octet for octet: its one-segment train with the FIN (tcp.reuse
// off) or a reused connection's first answer (on). The entry comes from the
// daemon's code (zone answer over TCP -> answers::entry_for, the TCP key),
// the expected segment from its frame writers. Then what XDP does with the
// later segments of a connection it answered (tcp_conns), and the segments
// it leaves to the daemon. A real AF_XDP socket sits on queue 0, so that
// "to the daemon" is a redirect with its metadata.
#include <linux/bpf.h>
#include <arpa/inet.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <set>

#include "daemon/answers/answer_entry.h"
#include "dns/query.h"
#include "dns/zone_backend.h"
#include "dns_message.h"
#include "frame_assert.h"
#include "net/frame.h"
#include "net/frame_sink.h"
#include "net/reply.h"
#include "net/tcp_train.h"
#include "replies.h"
#include "test_zones.h"
#include "xdp_test.h"

namespace xdpdns::test {
namespace {

namespace answers = xdpdns::daemon::answers;
namespace net = xdpdns::net;

constexpr std::uint32_t kMssIndex1460 = 6;  // index in XDPDNS_MSS_TABLE

// Keeps the frames a daemon writer emits.
struct Frames final : net::FrameSink {
	std::vector<Bytes> frames;
	Bytes buf = Bytes(4096);
	std::span<std::uint8_t> next_frame() override { return buf; }
	void commit(std::size_t len) override { frames.emplace_back(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(len)); }
};

// What the daemon does with a TCP query: its answer, and the entry it
// offers XDP (in the map when stored).
struct Daemon {
	Bytes answer;
	bool stored = false;
	xdpdns_answer_key key{};
	xdpdns_answer entry{};
};

// A client segment with a window large enough for every answer of the test
// zones (the window rule has its own test).
Bytes segment(const Flow &f, std::uint32_t seq, std::uint32_t ack, const Bytes &payload,
	      std::uint8_t flags = tcp::PSH | tcp::ACK, std::uint16_t window = 65535)
{
	return client_segment(f, seq, ack, flags).window(window).payload(payload).build();
}

// Our segment without payload (FIN|ACK, ACK), as the contract addresses it.
Bytes bare_reply(const Flow &f, std::uint32_t seq, std::uint32_t ack, std::uint8_t flags, const xdpdns_config &cfg)
{
	return f.to_client().tcp(f.server_port, f.client_port).seq(seq).ack(ack).flags(flags)
		.window(static_cast<std::uint16_t>(cfg.tcp_window)).build();
}

xdpdns_meta meta_of(const RunResult &r)
{
	xdpdns_meta m{};
	EXPECT_EQ(r.meta.size(), sizeof(m)) << "metadata in front of the redirected packet";
	if (r.meta.size() == sizeof(m))
		std::memcpy(&m, r.meta.data(), sizeof(m));
	return m;
}

class TcpAnswersTest : public XdpSocketTest {
protected:
	TcpAnswersTest() : XdpSocketTest("bpft-tca0", "bpft-tca1") {}

	void SetUp() override
	{
		XdpSocketTest::SetUp();
		if (IsSkipped())
			return;
		zones_ = load_test_zones();
		cfg_.answers_in_kernel = 1;
		cfg_.link_mtu = 1500;  // the daemon publishes it
		apply();
		runner_->answers_install(100000);
	}

	void apply() { runner_->write_config(cfg_); }

	// A flow of its own (a tuple without a tcp_conns entry yet).
	Flow fresh_flow(bool v6)
	{
		Flow f(encap(v6 ? "ipv6" : "ipv4"));
		f.client_port = next_port_++;
		return f;
	}

	std::uint32_t cookie(const Flow &f, std::uint32_t mss_index = kMssIndex1460) const
	{
		return cookie_for(f, keys_.slot[keys_.current], cfg_.cookie_epoch, mss_index);
	}

	// The query segment of a new connection: SEG.ACK = cookie + 1.
	Bytes first_query(const Flow &f, const Bytes &msg, std::uint32_t mss_index = kMssIndex1460)
	{
		return segment(f, kIsn + 1, cookie(f, mss_index) + 1, dns_tcp_framed(msg));
	}

	RunResult run(const Bytes &frame) { return runner_->run(Prog::Main, frame, queue(0)); }

	Daemon daemon_answers(const Bytes &msg)
	{
		Daemon d;
		xdpdns::dns::Query q;
		d.answer = zone_answer(*zones_, msg, xdpdns::dns::Transport::tcp,
				       static_cast<std::uint16_t>(cfg_.edns_buffer_size), q);
		if (d.answer.empty())
			return d;
		// As Worker::offer_answer: one frame of the link, the TCP key.
		if (d.answer.size() + 48 <= cfg_.link_mtu && answers::key_for(q, msg, true, d.key) &&
		    answers::entry_for(q, d.answer, d.entry)) {
			runner_->answer_put(d.key, d.entry);
			d.stored = true;
		}
		return d;
	}

	// Octets of one segment of ours, as the daemon cuts segments.
	std::uint32_t segment_max(const Flow &f, std::uint32_t client_mss = 1460) const
	{
		return std::min({cfg_.tcp_segment_size, client_mss, cfg_.link_mtu - (f.encap.v6 ? 40u : 20u) - 20u});
	}

	// The segment xdpdnsd sends with `answer` for the query segment `query`.
	Bytes daemon_segment(const Bytes &query, const Bytes &answer, std::uint32_t seg_max = 512) const
	{
		net::FrameView v;
		EXPECT_EQ(net::parse_frame(query, v), net::ParseError::ok);
		const auto t = net::make_reply_template(v);
		const Bytes stream = dns_tcp_framed(answer);
		const std::uint32_t seq = v.tcp_ack, ack = v.tcp_seq + static_cast<std::uint32_t>(v.payload.size());
		const auto window = static_cast<std::uint16_t>(cfg_.tcp_window);
		Frames out;
		if (cfg_.tcp_reuse) {
			out.commit(net::write_tcp(t, seq, ack, net::kTcpAck | net::kTcpPsh, window, stream, out.next_frame()));
		} else {
			const net::TcpTrainParams p{.seq = seq, .ack = ack, .window = window,
						    .segment_size = static_cast<std::uint16_t>(seg_max)};
			EXPECT_TRUE(net::write_tcp_train(t, p, stream, out).complete);
		}
		EXPECT_EQ(out.frames.size(), 1u) << "one segment";
		return out.frames.empty() ? Bytes{} : out.frames[0];
	}

	// The tcp_conns entry of an answered query of `req_len` octets at
	// kIsn + 1 whose answer stream is `answer_len` octets.
	void expect_entry(const Flow &f, std::uint8_t state, std::uint32_t req_len, std::uint32_t answer_len,
			  std::uint32_t req_seq = kIsn + 1)
	{
		const auto c = runner_->conn_lookup(conn_key_of(f));
		ASSERT_TRUE(c) << "tcp_conns entry";
		EXPECT_EQ(c->state, state);
		EXPECT_EQ(c->isn, cookie(f));
		EXPECT_EQ(c->client_mss, 1460);
		EXPECT_EQ(c->req_seq, req_seq);
		EXPECT_EQ(c->req_end, req_seq + req_len);
		EXPECT_EQ(c->snd_end, cookie(f) + 1 + answer_len);
		// Where the daemon's FIN to an idle connection goes.
		EXPECT_EQ(Mac(std::to_array(c->client_mac)), f.client_mac);
		EXPECT_EQ(Mac(std::to_array(c->our_mac)), f.server_mac);
		ASSERT_EQ(c->vlan_count, f.encap.vlans.size());
		for (std::size_t i = 0; i < f.encap.vlans.size(); i++) {
			EXPECT_EQ(ntohs(c->vlan_tpid[i]), f.encap.vlans[i].first);
			EXPECT_EQ(ntohs(c->vlan_tci[i]), f.encap.vlans[i].second);
		}
	}

	// Redirected untouched, with the metadata of a first data segment.
	void expect_to_daemon(const RunResult &r, const Bytes &in, const Counters &want, const std::string &what,
			      std::uint16_t mss = 1460)
	{
		SCOPED_TRACE(what);
		ASSERT_EQ(verdict_name(r.verdict), "XDP_REDIRECT") << counters_to_string(r.delta);
		EXPECT_EQ(counters_to_string(r.delta), counters_to_string(want));
		EXPECT_EQ(r.frame, in) << "the frame goes as it came";
		const xdpdns_meta m = meta_of(r);
		const bool v6 = in[12] == 0x86 && in[13] == 0xdd;
		EXPECT_EQ(m.flags, XDPDNS_META_F_TCP | XDPDNS_META_F_COOKIE_OK | (v6 ? XDPDNS_META_F_IPV6 : 0));
		EXPECT_EQ(m.client_mss, mss);
	}

	std::shared_ptr<const xdpdns::dns::ZoneSet> zones_;
	std::uint16_t next_port_ = 1024;
};

// ---- the answer segment is the daemon's --------------------------------

TEST_F(TcpAnswersTest, EveryNameTypeAndShapeIsTheDaemonsSegment)
{
	std::size_t answered = 0, too_big = 0, not_stored = 0;
	std::set<std::uint8_t> rcodes;
	std::uint16_t id = 0;
	for (const bool reuse : {false, true}) {
		cfg_.tcp_reuse = reuse;
		apply();
		for (const auto &z : kZones) {
			for (const auto &name : zone_names(z)) {
				for (const std::uint16_t type : kTypes) {
					for (const Shape &s : kShapes) {
						for (const std::string &asked : {name, mixed_case(name)}) {
							const Flow f = fresh_flow((++id / 2) % 2);
							// The test zones' stored answers are all below
							// 512 octets: a smaller segment size for some
							// makes the walk meet the bound too.
							cfg_.tcp_segment_size = id % 3 ? 512 : 256;
							apply();
							const Bytes msg = dns_query(id, asked, type, s.opt, s.do_bit);
							const Daemon d = daemon_answers(msg);
							ASSERT_FALSE(d.answer.empty()) << asked;
							const Bytes q = first_query(f, msg);
							const RunResult r = run(q);
							const std::string what = asked + " type " + std::to_string(type) +
										 (s.opt ? (s.do_bit ? " DO=1" : " DO=0") : " no EDNS") +
										 (f.encap.v6 ? " IPv6" : " IPv4") + (reuse ? " reuse" : "");
							if (!d.stored) {
								expect_to_daemon(r, q, one_frame({XDPDNS_STAT_ANSWER_MISS, XDPDNS_STAT_TCP_TO_DAEMON}), what);
								ASSERT_FALSE(HasFailure());
								not_stored++;
								continue;
							}
							const std::uint32_t len = 2 + static_cast<std::uint32_t>(d.answer.size());
							if (len > segment_max(f)) {
								expect_to_daemon(r, q, one_frame({XDPDNS_STAT_ANSWER_TOO_BIG, XDPDNS_STAT_TCP_TO_DAEMON}), what);
								ASSERT_FALSE(HasFailure());
								too_big++;
								continue;
							}
							ASSERT_EQ(verdict_name(r.verdict), "XDP_TX") << what << ": " << counters_to_string(r.delta);
							EXPECT_EQ(r.delta, one_frame({XDPDNS_STAT_TCP_ANSWERED})) << what;
							ASSERT_EQ(r.frame, daemon_segment(q, d.answer, segment_max(f))) << what;
							ASSERT_PRED_FORMAT1(checksums_valid, r.frame) << what;
							expect_entry(f, reuse ? XDPDNS_CONN_XDP_OPEN : XDPDNS_CONN_XDP_CLOSED,
								     2 + static_cast<std::uint32_t>(msg.size()), len);
							ASSERT_FALSE(HasFailure()) << what;
							answered++;
							rcodes.insert(d.answer[3] & 0x0f);
						}
					}
				}
			}
		}
	}
	// The walk covered what it claims to.
	EXPECT_GT(answered, 1000u);
	EXPECT_GT(too_big, 0u) << "stored answers above tcp.segment-size";
	EXPECT_GT(not_stored, 0u) << "answers above one frame are never stored";
	EXPECT_TRUE(rcodes.count(0) && rcodes.count(3) && rcodes.count(5)) << "NOERROR, NXDOMAIN, REFUSED";
}

// The comparison can fail: one octet changed anywhere in the entry (header
// flags, counts, first and last octet of the body) shows in the segment.
TEST_F(TcpAnswersTest, AChangedEntryOctetChangesTheSegment)
{
	const Bytes msg = dns_query(9, "mx.example.test", 15, true);
	const Daemon d = daemon_answers(msg);
	ASSERT_TRUE(d.stored);
	const std::size_t body = offsetof(xdpdns_answer, body);
	for (const std::size_t at : {std::size_t{0}, offsetof(xdpdns_answer, counts) + 1, body, body + d.entry.body_len - 1}) {
		xdpdns_answer e = d.entry;
		reinterpret_cast<std::uint8_t *>(&e)[at] ^= 0x40;
		runner_->answer_put(d.key, e);
		const Flow f = fresh_flow(false);
		const Bytes q = first_query(f, msg);
		const RunResult r = run(q);
		ASSERT_EQ(verdict_name(r.verdict), "XDP_TX") << "octet " << at;
		EXPECT_NE(r.frame, daemon_segment(q, d.answer)) << "octet " << at;
		EXPECT_PRED_FORMAT1(checksums_valid, r.frame) << "octet " << at;
	}
	runner_->answer_put(d.key, d.entry);
	const Flow f = fresh_flow(false);
	const Bytes q = first_query(f, msg);
	EXPECT_EQ(run(q).frame, daemon_segment(q, d.answer)) << "the entry as the daemon made it";
}

// TCP options in the query (timestamps: data offset 32 octets), every
// framing: the answer has none and is still the daemon's segment (the
// query's header and question move to where the reply's go).
TEST_F(TcpAnswersTest, QueryWithOptionsEveryFramingIsTheDaemonsSegment)
{
	const Bytes msg = dns_query(0x7777, "WwW.Example.TEST", dns::TYPE_A, true, false);
	const Daemon d = daemon_answers(msg);
	ASSERT_TRUE(d.stored);
	for (const bool reuse : {false, true}) {
		cfg_.tcp_reuse = reuse;
		apply();
		for (const Encap &e : all_encaps()) {
			Flow f(e);
			f.client_port = next_port_++;
			const Bytes q = client_segment(f, kIsn + 1, cookie(f) + 1, tcp::PSH | tcp::ACK)
						.window(65535).nop().nop().timestamps(0x01020304, 0x05060708)
						.payload(dns_tcp_framed(msg)).build();
			ASSERT_EQ(q[f.encap.l4_offset() + 12] >> 4, 8) << "data offset 32";
			const RunResult r = run(q);
			ASSERT_EQ(verdict_name(r.verdict), "XDP_TX") << e.name << ": " << counters_to_string(r.delta);
			EXPECT_EQ(r.delta, one_frame({XDPDNS_STAT_TCP_ANSWERED})) << e.name;
			EXPECT_EQ(r.frame, daemon_segment(q, d.answer)) << e.name << (reuse ? " reuse" : "");
			EXPECT_PRED_FORMAT1(checksums_valid, r.frame) << e.name;
		}
	}
}

// ---- later segments of a connection XDP answered ------------------------

// tcp.reuse off: the answer carries our FIN; a retransmitted query gets the
// same octets, a pipelined one nothing (it would overlap), the client's FIN
// that acknowledges ours its ACK and the entry goes.
TEST_F(TcpAnswersTest, ReuseOffRetransmitPipelinedQueryAndClose)
{
	const Bytes msg = dns_query(1, "small.example.test", dns::TYPE_A, true);
	const Bytes msg2 = dns_query(2, "small.example.test", dns::TYPE_AAAA, true);
	const Daemon d = daemon_answers(msg);
	ASSERT_TRUE(d.stored && daemon_answers(msg2).stored);
	for (const bool v6 : {false, true}) {
		SCOPED_TRACE(v6 ? "IPv6" : "IPv4");
		const Flow f = fresh_flow(v6);
		const Bytes q = first_query(f, msg);
		const std::uint32_t req_end = kIsn + 1 + 2 + static_cast<std::uint32_t>(msg.size());
		const std::uint32_t snd_end = cookie(f) + 1 + 2 + static_cast<std::uint32_t>(d.answer.size());

		const RunResult first = run(q);
		ASSERT_EQ(verdict_name(first.verdict), "XDP_TX");
		EXPECT_EQ(first.frame, daemon_segment(q, d.answer));
		expect_entry(f, XDPDNS_CONN_XDP_CLOSED, req_end - kIsn - 1, snd_end - cookie(f) - 1);

		const RunResult again = run(q);
		ASSERT_EQ(verdict_name(again.verdict), "XDP_TX");
		EXPECT_EQ(again.delta, one_frame({XDPDNS_STAT_TCP_REANSWERED}));
		EXPECT_EQ(again.frame, first.frame) << "the same octets";

		const RunResult pipelined = run(segment(f, req_end, cookie(f) + 1, dns_tcp_framed(msg2)));
		EXPECT_EQ(verdict_name(pipelined.verdict), "XDP_DROP");
		EXPECT_EQ(pipelined.delta, one_frame({XDPDNS_STAT_TCP_AFTER_ANSWER}));
		expect_entry(f, XDPDNS_CONN_XDP_CLOSED, req_end - kIsn - 1, snd_end - cookie(f) - 1);

		const RunResult fin = run(segment(f, req_end, snd_end + 1, {}, tcp::FIN | tcp::ACK));
		ASSERT_EQ(verdict_name(fin.verdict), "XDP_TX");
		EXPECT_EQ(fin.delta, one_frame({XDPDNS_STAT_TCP_FIN}));
		EXPECT_EQ(fin.frame, bare_reply(f, snd_end + 1, req_end + 1, tcp::ACK, cfg_));
		EXPECT_FALSE(runner_->conn_lookup(conn_key_of(f))) << "our FIN acknowledged: entry removed";
	}
}

// tcp.reuse on: ACKs are consumed, a retransmitted query is answered again,
// the client's FIN gets ours (XDP_FIN), again when it repeats its FIN, and
// the ACK of our FIN ends it.
TEST_F(TcpAnswersTest, ReuseOnRetransmitCloseAndFinalAck)
{
	cfg_.tcp_reuse = 1;
	apply();
	const Bytes msg = dns_query(1, "mail.example.test", dns::TYPE_A, false);
	const Daemon d = daemon_answers(msg);
	ASSERT_TRUE(d.stored);
	for (const bool v6 : {false, true}) {
		SCOPED_TRACE(v6 ? "IPv6" : "IPv4");
		const Flow f = fresh_flow(v6);
		const Bytes q = first_query(f, msg);
		const std::uint32_t req_len = 2 + static_cast<std::uint32_t>(msg.size()), req_end = kIsn + 1 + req_len;
		const std::uint32_t ans_len = 2 + static_cast<std::uint32_t>(d.answer.size()), snd_end = cookie(f) + 1 + ans_len;

		const RunResult first = run(q);
		ASSERT_EQ(verdict_name(first.verdict), "XDP_TX");
		EXPECT_EQ(first.frame, daemon_segment(q, d.answer));
		expect_entry(f, XDPDNS_CONN_XDP_OPEN, req_len, ans_len);

		const RunResult again = run(q);
		EXPECT_EQ(again.delta, one_frame({XDPDNS_STAT_TCP_REANSWERED}));
		EXPECT_EQ(again.frame, first.frame) << "the same octets";

		const RunResult ack = run(segment(f, req_end, snd_end, {}, tcp::ACK));
		EXPECT_EQ(verdict_name(ack.verdict), "XDP_DROP");
		EXPECT_EQ(ack.delta, one_frame({XDPDNS_STAT_TCP_ACK}));
		expect_entry(f, XDPDNS_CONN_XDP_OPEN, req_len, ans_len);

		const Bytes client_fin = segment(f, req_end, snd_end, {}, tcp::FIN | tcp::ACK);
		const Bytes our_fin = bare_reply(f, snd_end, req_end + 1, tcp::FIN | tcp::ACK, cfg_);
		for (const char *which : {"FIN", "FIN retransmitted"}) {
			const RunResult fin = run(client_fin);
			ASSERT_EQ(verdict_name(fin.verdict), "XDP_TX") << which;
			EXPECT_EQ(fin.delta, one_frame({XDPDNS_STAT_TCP_CLOSE_ANSWERED})) << which;
			EXPECT_EQ(fin.frame, our_fin) << which;
			expect_entry(f, XDPDNS_CONN_XDP_FIN, req_len, ans_len);
		}

		const RunResult late = run(q);
		EXPECT_EQ(late.delta, one_frame({XDPDNS_STAT_TCP_AFTER_ANSWER})) << "a query after the FINs";

		const RunResult last = run(segment(f, req_end + 1, snd_end + 1, {}, tcp::ACK));
		EXPECT_EQ(verdict_name(last.verdict), "XDP_DROP");
		EXPECT_EQ(last.delta, one_frame({XDPDNS_STAT_TCP_ACK}));
		EXPECT_FALSE(runner_->conn_lookup(conn_key_of(f))) << "our FIN acknowledged: entry removed";
	}
}

// tcp.reuse on: a second query (whether or not the client has our answer
// yet) is the daemon's; the metadata says where the connection stands.
TEST_F(TcpAnswersTest, ReuseOnSecondQueryIsAdoptedByTheDaemon)
{
	cfg_.tcp_reuse = 1;
	apply();
	const Bytes msg = dns_query(1, "small.example.test", dns::TYPE_A, true);
	const Bytes msg2 = dns_query(2, "small.example.test", dns::TYPE_AAAA, true);
	const Daemon d = daemon_answers(msg);
	ASSERT_TRUE(d.stored && daemon_answers(msg2).stored) << "the map could answer the second query too";
	for (const bool v6 : {false, true}) {
		for (const bool answer_acked : {false, true}) {
			SCOPED_TRACE(std::string(v6 ? "IPv6" : "IPv4") + (answer_acked ? ", answer acknowledged" : ""));
			const Flow f = fresh_flow(v6);
			const std::uint32_t req_len = 2 + static_cast<std::uint32_t>(msg.size()), req_end = kIsn + 1 + req_len;
			const std::uint32_t ans_len = 2 + static_cast<std::uint32_t>(d.answer.size()), snd_end = cookie(f) + 1 + ans_len;
			ASSERT_EQ(verdict_name(run(first_query(f, msg)).verdict), "XDP_TX");

			const Bytes q2 = segment(f, req_end, answer_acked ? snd_end : cookie(f) + 1, dns_tcp_framed(msg2));
			const RunResult r = run(q2);
			ASSERT_EQ(verdict_name(r.verdict), "XDP_REDIRECT") << counters_to_string(r.delta);
			EXPECT_EQ(r.delta, one_frame({XDPDNS_STAT_TCP_ADOPT}));
			EXPECT_EQ(r.frame, q2);
			const xdpdns_meta m = meta_of(r);
			EXPECT_EQ(m.magic, XDPDNS_META_MAGIC);
			EXPECT_EQ(m.flags, XDPDNS_META_F_TCP | XDPDNS_META_F_CONN | XDPDNS_META_F_ADOPT | (v6 ? XDPDNS_META_F_IPV6 : 0));
			EXPECT_EQ(m.client_mss, 1460);
			EXPECT_EQ(m.rcv_nxt, req_end);
			EXPECT_EQ(m.snd_nxt, snd_end);
			EXPECT_EQ(m.l3_offset, f.encap.l3_offset());
			EXPECT_EQ(m.l4_offset, f.encap.l4_offset());
			expect_entry(f, XDPDNS_CONN_DAEMON, req_len, ans_len);
		}
	}
}

// tcp.reuse on, after the adoption: the daemon answers the second query from
// snd_end and needs the client's ACKs of it (loss recovery, freeing its
// send ring): the entry is the daemon's (DAEMON) from the hand-over on, and
// every segment goes there, but XDP still answers the first query again if
// that answer was lost (the daemon never held its octets).
TEST_F(TcpAnswersTest, ReuseOnAfterTheAdoptionTheDaemonGetsTheAcks)
{
	cfg_.tcp_reuse = 1;
	apply();
	const Bytes msg = dns_query(1, "small.example.test", dns::TYPE_A, true);
	const Bytes msg2 = dns_query(2, "small.example.test", dns::TYPE_AAAA, true);
	const Daemon d = daemon_answers(msg);
	ASSERT_TRUE(d.stored);
	const Flow f = fresh_flow(false);
	const Bytes q = first_query(f, msg);
	const std::uint32_t req_end = kIsn + 1 + 2 + static_cast<std::uint32_t>(msg.size());
	const std::uint32_t snd_end = cookie(f) + 1 + 2 + static_cast<std::uint32_t>(d.answer.size());
	const RunResult first = run(q);
	ASSERT_EQ(verdict_name(first.verdict), "XDP_TX");
	const std::uint32_t req2_end = req_end + 2 + static_cast<std::uint32_t>(msg2.size());
	ASSERT_EQ(run(segment(f, req_end, snd_end, dns_tcp_framed(msg2))).delta, one_frame({XDPDNS_STAT_TCP_ADOPT}));

	// The client acknowledges the daemon's answer to the second query.
	const Bytes ack = segment(f, req2_end, snd_end + 100, {}, tcp::ACK);
	const RunResult r = run(ack);
	ASSERT_EQ(verdict_name(r.verdict), "XDP_REDIRECT") << counters_to_string(r.delta);
	// The entry became the daemon's at the hand-over: a segment of its
	// connection, still carrying the numbers (for a daemon that lost the
	// hand-over frame).
	EXPECT_EQ(r.delta, one_frame({XDPDNS_STAT_TCP_CONN_TO_DAEMON}));
	EXPECT_EQ(r.frame, ack);
	EXPECT_EQ(meta_of(r).flags, XDPDNS_META_F_TCP | XDPDNS_META_F_CONN | XDPDNS_META_F_ADOPT);

	// Our first answer lost after all: XDP still gives it again.
	const RunResult again = run(q);
	EXPECT_EQ(again.delta, one_frame({XDPDNS_STAT_TCP_REANSWERED}));
	EXPECT_EQ(again.frame, first.frame);
}

// A data segment far from the recorded query is a new connection on the
// tuple (the client's new ISN, the same cookie within the epoch): answered
// afresh, recorded afresh.
TEST_F(TcpAnswersTest, NewConnectionOnTheSameTupleIsAnsweredAfresh)
{
	const Bytes msg = dns_query(1, "small.example.test", dns::TYPE_A, false);
	const Daemon d = daemon_answers(msg);
	ASSERT_TRUE(d.stored);
	const std::uint32_t req_len = 2 + static_cast<std::uint32_t>(msg.size()), ans_len = 2 + static_cast<std::uint32_t>(d.answer.size());
	for (const bool reuse : {false, true}) {
		cfg_.tcp_reuse = reuse;
		apply();
		const std::uint8_t state = reuse ? XDPDNS_CONN_XDP_OPEN : XDPDNS_CONN_XDP_CLOSED;
		const Flow f = fresh_flow(reuse);
		ASSERT_EQ(verdict_name(run(first_query(f, msg)).verdict), "XDP_TX");
		expect_entry(f, state, req_len, ans_len);

		constexpr std::uint32_t kNewIsn = kIsn + 0x40000000u;
		const Bytes q = segment(f, kNewIsn + 1, cookie(f) + 1, dns_tcp_framed(msg));
		const RunResult r = run(q);
		ASSERT_EQ(verdict_name(r.verdict), "XDP_TX") << (reuse ? "reuse " : "") << counters_to_string(r.delta);
		EXPECT_EQ(r.delta, one_frame({XDPDNS_STAT_TCP_ANSWERED}));
		EXPECT_EQ(r.frame, daemon_segment(q, d.answer));
		expect_entry(f, state, req_len, ans_len, kNewIsn + 1);
	}
}

// A retransmitted query whose stored answer changed length meanwhile gets
// nothing: a different answer could mix into the client's stream.
TEST_F(TcpAnswersTest, RetransmitWithAnAnswerOfAnotherLengthIsDropped)
{
	const Bytes msg = dns_query(1, "small.example.test", dns::TYPE_A, false);
	const Daemon d = daemon_answers(msg);
	ASSERT_TRUE(d.stored);
	const Flow f = fresh_flow(false);
	const Bytes q = first_query(f, msg);
	ASSERT_EQ(verdict_name(run(q).verdict), "XDP_TX");
	xdpdns_answer longer = d.entry;
	longer.body_len = static_cast<std::uint16_t>(longer.body_len + 1);
	runner_->answer_put(d.key, longer);
	const RunResult r = run(q);
	EXPECT_EQ(verdict_name(r.verdict), "XDP_DROP");
	EXPECT_EQ(r.delta, one_frame({XDPDNS_STAT_TCP_AFTER_ANSWER}));
}

// ---- segments XDP leaves to the daemon ----------------------------------

// The answer stream of `msg` (nothere.example.test A: NXDOMAIN with the SOA)
// against each bound: one octet over goes to the daemon (note
// answer-too-big), exactly at the bound is answered.
class TcpAnswersBoundsTest : public TcpAnswersTest {
protected:
	void SetUp() override
	{
		TcpAnswersTest::SetUp();
		if (IsSkipped())
			return;
		d_ = daemon_answers(msg_);
		ASSERT_TRUE(d_.stored);
		len_ = 2 + static_cast<std::uint32_t>(d_.answer.size());
	}

	void expect_too_big(const Bytes &q, const std::string &what, std::uint16_t mss = 1460)
	{
		expect_to_daemon(run(q), q, one_frame({XDPDNS_STAT_ANSWER_TOO_BIG, XDPDNS_STAT_TCP_TO_DAEMON}), what, mss);
	}

	void expect_answered(const Bytes &q, const std::string &what)
	{
		const RunResult r = run(q);
		ASSERT_EQ(verdict_name(r.verdict), "XDP_TX") << what << ": " << counters_to_string(r.delta);
		EXPECT_EQ(r.delta, one_frame({XDPDNS_STAT_TCP_ANSWERED})) << what;
		EXPECT_EQ(r.frame, daemon_segment(q, d_.answer, len_)) << what;
	}

	const Bytes msg_ = dns_query(0x4444, "nothere.example.test", dns::TYPE_A, true);
	Daemon d_;
	std::uint32_t len_ = 0;
};

TEST_F(TcpAnswersBoundsTest, SegmentSize)
{
	cfg_.tcp_segment_size = len_ - 1;
	apply();
	Flow f = fresh_flow(false);
	expect_too_big(first_query(f, msg_), "tcp.segment-size one under");
	cfg_.tcp_segment_size = len_;
	apply();
	f = fresh_flow(false);
	expect_answered(first_query(f, msg_), "tcp.segment-size just enough");
}

TEST_F(TcpAnswersBoundsTest, ClientMssFromTheCookie)
{
	const std::uint16_t table[] = XDPDNS_MSS_TABLE;
	ASSERT_GT(len_, table[0]);
	ASSERT_LE(len_, table[1]);
	Flow f = fresh_flow(true);
	expect_too_big(first_query(f, msg_, 0), "MSS 64", table[0]);
	f = fresh_flow(true);
	expect_answered(first_query(f, msg_, 1), "MSS 256");
}

TEST_F(TcpAnswersBoundsTest, ClientWindow)
{
	Flow f = fresh_flow(false);
	const Bytes small = segment(f, kIsn + 1, cookie(f) + 1, dns_tcp_framed(msg_), tcp::PSH | tcp::ACK,
				    static_cast<std::uint16_t>(len_ - 1));
	expect_too_big(small, "window one under");
	f = fresh_flow(false);
	expect_answered(segment(f, kIsn + 1, cookie(f) + 1, dns_tcp_framed(msg_), tcp::PSH | tcp::ACK,
				static_cast<std::uint16_t>(len_)),
			"window just enough");
}

TEST_F(TcpAnswersBoundsTest, LinkMtu)
{
	for (const bool v6 : {false, true}) {
		const std::uint32_t headers = (v6 ? 40 : 20) + 20;
		for (const std::uint32_t mtu : {0u, headers + len_ - 1}) {
			cfg_.link_mtu = mtu;
			apply();
			const Flow f = fresh_flow(v6);
			expect_too_big(first_query(f, msg_), "link_mtu " + std::to_string(mtu));
		}
		cfg_.link_mtu = headers + len_;
		apply();
		const Flow f = fresh_flow(v6);
		expect_answered(first_query(f, msg_), "link_mtu just enough");
	}
}

// Segments that are not one whole query alone, and knobs that keep XDP out.
TEST_F(TcpAnswersTest, OtherSegmentsAndKnobsGoToTheDaemon)
{
	const Bytes msg = dns_query(0x5555, "small.example.test", dns::TYPE_A, true);
	ASSERT_TRUE(daemon_answers(msg).stored);
	const Bytes framed = dns_tcp_framed(msg);
	const auto to_daemon = one_frame({XDPDNS_STAT_TCP_TO_DAEMON});
	const auto not_eligible = one_frame({XDPDNS_STAT_ANSWER_NOT_ELIGIBLE, XDPDNS_STAT_TCP_TO_DAEMON});

	Flow f = fresh_flow(false);
	Bytes q = segment(f, kIsn + 1, cookie(f) + 1, framed, tcp::FIN | tcp::PSH | tcp::ACK);
	expect_to_daemon(run(q), q, to_daemon, "FIN with the query");

	f = fresh_flow(false);
	Bytes two = framed;
	two.insert(two.end(), framed.begin(), framed.end());
	q = segment(f, kIsn + 1, cookie(f) + 1, two);
	expect_to_daemon(run(q), q, not_eligible, "two queries in one segment");

	f = fresh_flow(true);
	q = segment(f, kIsn + 1, cookie(f) + 1, Bytes(framed.begin(), framed.begin() + static_cast<std::ptrdiff_t>(framed.size() / 2)));
	expect_to_daemon(run(q), q, not_eligible, "half a query");

	cfg_.tcp_reuse = 1;
	cfg_.tcp_max_queries = 1;
	apply();
	f = fresh_flow(false);
	q = first_query(f, msg);
	expect_to_daemon(run(q), q, to_daemon, "tcp.reuse on, tcp.max-queries 1");
	const auto c = runner_->conn_lookup(conn_key_of(f));
	ASSERT_TRUE(c);
	EXPECT_EQ(c->state, XDPDNS_CONN_DAEMON);

	cfg_.tcp_reuse = 0;
	cfg_.tcp_max_queries = 0;
	cfg_.answers_in_kernel = 0;
	apply();
	f = fresh_flow(false);
	q = first_query(f, msg);
	expect_to_daemon(run(q), q, to_daemon, "answers.in-kernel off");
	EXPECT_FALSE(runner_->conn_lookup(conn_key_of(f))) << "tcp.reuse and answers.in-kernel off: no state";
}

// A UDP answer in the map (its key without XDPDNS_SHAPE_TCP) is never given
// over TCP: the two differ (ANY, truncation).
TEST_F(TcpAnswersTest, UdpEntryIsNotATcpAnswer)
{
	const Bytes msg = dns_query(1, "mail.example.test", dns::TYPE_A, true);
	xdpdns::dns::Query q;
	ASSERT_EQ(xdpdns::dns::parse_query(msg, q), xdpdns::dns::ParseResult::ok);
	Bytes udp(65535);
	udp.resize(xdpdns::dns::answer(*zones_, q, xdpdns::dns::Transport::udp, udp, 1232).size);
	xdpdns_answer_key key;
	xdpdns_answer entry;
	ASSERT_TRUE(answers::key_for(q, msg, false, key) && answers::entry_for(q, udp, entry));
	runner_->answer_put(key, entry);
	const Flow f = fresh_flow(false);
	const Bytes seg = first_query(f, msg);
	expect_to_daemon(run(seg), seg, one_frame({XDPDNS_STAT_ANSWER_MISS, XDPDNS_STAT_TCP_TO_DAEMON}), "UDP entry only");
}

// tcp.reuse off: the daemon answered the connection's first query (not in
// the map then): XDP answers nothing more on the tuple, even a query whose
// answer the map holds (it would overlap the daemon's train).
TEST_F(TcpAnswersTest, AfterTheDaemonAnsweredXdpDoesNot)
{
	const Bytes miss = dns_query(1, "small.example.test", dns::TYPE_TXT, true);
	const Bytes msg = dns_query(2, "small.example.test", dns::TYPE_A, true);
	const Flow f = fresh_flow(false);
	const Bytes q1 = first_query(f, miss);
	expect_to_daemon(run(q1), q1, one_frame({XDPDNS_STAT_ANSWER_MISS, XDPDNS_STAT_TCP_TO_DAEMON}), "first: a miss");
	const auto c = runner_->conn_lookup(conn_key_of(f));
	ASSERT_TRUE(c);
	EXPECT_EQ(c->state, XDPDNS_CONN_STATELESS);

	ASSERT_TRUE(daemon_answers(msg).stored);
	const std::uint32_t req_end = kIsn + 1 + 2 + static_cast<std::uint32_t>(miss.size());
	const Bytes q2 = segment(f, req_end, cookie(f) + 1, dns_tcp_framed(msg));
	expect_to_daemon(run(q2), q2, one_frame({XDPDNS_STAT_TCP_TO_DAEMON}), "second: in the map, not answered");
	EXPECT_EQ(runner_->conn_lookup(conn_key_of(f))->state, XDPDNS_CONN_STATELESS);
}

// A bad TCP checksum on a query XDP would answer: dropped, nothing recorded;
// the same on its retransmission.
TEST_F(TcpAnswersTest, BadChecksumIsDropped)
{
	const Bytes msg = dns_query(1, "small.example.test", dns::TYPE_A, false);
	ASSERT_TRUE(daemon_answers(msg).stored);
	for (const bool reuse : {false, true}) {
		cfg_.tcp_reuse = reuse;
		apply();
		const Flow f = fresh_flow(reuse);
		const Bytes bad = client_segment(f, kIsn + 1, cookie(f) + 1, tcp::PSH | tcp::ACK).window(65535)
					  .payload(dns_tcp_framed(msg)).bad_l4_checksum().build();
		RunResult r = run(bad);
		EXPECT_EQ(verdict_name(r.verdict), "XDP_DROP");
		EXPECT_EQ(r.delta, one_frame({XDPDNS_STAT_DROP_BAD_CSUM}));
		EXPECT_FALSE(runner_->conn_lookup(conn_key_of(f))) << "nothing recorded";

		ASSERT_EQ(verdict_name(run(first_query(f, msg)).verdict), "XDP_TX");
		r = run(bad);
		EXPECT_EQ(verdict_name(r.verdict), "XDP_DROP") << "retransmission";
		EXPECT_EQ(r.delta, one_frame({XDPDNS_STAT_DROP_BAD_CSUM})) << "retransmission";
	}
}

}  // namespace
}  // namespace xdpdns::test
