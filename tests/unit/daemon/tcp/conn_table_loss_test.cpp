// ConnTable over a lossy network, simulated: a client pipelines queries over
// one connection (after its first query, answered) through a path that
// drops, duplicates and reorders segments both ways; the table's own loss recovery (and the client's
// retransmissions) must bring every answer, in order, octet for octet, with
// no sequence number ever carrying two different octets. Seeds are fixed:
// the runs are repeatable, and each one is a different schedule of losses.
#include "daemon/tcp/conn_table.h"
#include "flow_test_support.h"
#include "net/frame.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <map>
#include <random>

namespace xdpdns::daemon::tcp {
namespace {

using test::Bytes;

constexpr uint64_t kMs = 1'000'000;
constexpr uint32_t kIsn = 0x7000fff0;  // near a wrap of our sequence space
constexpr uint32_t kClientIsn = 0xfffffe00;  // and of the client's

struct Packet {
	uint64_t due;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t window;
	Bytes payload;
};

// Drops, duplicates and delays (so reorders) what goes through it.
class Path {
public:
	Path(std::mt19937 &rng, double loss) : rng_(rng), loss_(loss) {}
	void send(Packet p, uint64_t now)
	{
		std::uniform_real_distribution<double> u(0, 1);
		if (u(rng_) < loss_)
			return;
		const int copies = u(rng_) < 0.02 ? 2 : 1;
		for (int i = 0; i < copies; i++) {
			p.due = now + (1 + rng_() % 5) * kMs;
			q_.push_back(p);
		}
	}
	// Packets due by `now`, in due order.
	std::vector<Packet> take(uint64_t now)
	{
		std::stable_sort(q_.begin(), q_.end(), [](const Packet &a, const Packet &b) { return a.due < b.due; });
		std::vector<Packet> out;
		while (!q_.empty() && q_.front().due <= now) {
			out.push_back(q_.front());
			q_.pop_front();
		}
		return out;
	}

private:
	std::mt19937 &rng_;
	double loss_;
	std::deque<Packet> q_;
};

class Sim : public ConnIo {
public:
	Sim(uint32_t seed, double loss) : rng_(seed), to_server_(rng_, loss), to_client_(rng_, loss)
	{
		ConnTable::Limits l;
		l.send_bytes = 1 << 20;
		l.max_buffered = 65538;
		table_.emplace(l, *this);
	}

	// ConnIo: the server's side.
	void query(ConnRef conn, std::span<const uint8_t> message) override
	{
		table_->add_answer(conn, answer_for(message));
	}
	bool send(const net::ReplyTemplate &, uint32_t seq, uint32_t ack, uint8_t flags,
		  std::span<const uint8_t> payload) override
	{
		for (size_t i = 0; i < payload.size(); i++) {
			auto [it, fresh] = sent_octets_.emplace(seq + static_cast<uint32_t>(i), payload[i]);
			if (it->second != payload[i])
				overlaps_++;  // two different octets at one sequence number
		}
		to_client_.send({0, seq, ack, flags, 65535, Bytes(payload.begin(), payload.end())}, now_);
		return true;
	}
	void released(const FlowKey &) override { released_++; }
	bool cookie_valid(const ConnSegment &seg) override { return seg.ack == kIsn + 1; }

	// A DNS query (ID `id`, RD) for a name with a label of `n` octets.
	static Bytes query_message(uint16_t id, size_t n)
	{
		Bytes m = {static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id), 1, 0, 0, 1, 0, 0, 0, 0, 0, 0};
		m.push_back(static_cast<uint8_t>(n));
		for (size_t i = 0; i < n; i++)
			m.push_back(static_cast<uint8_t>('a' + (id + i) % 26));
		const uint8_t tail[] = {4, 't', 'e', 's', 't', 0, 0, 1, 0, 1};  // "test.", A, IN
		m.insert(m.end(), std::begin(tail), std::end(tail));
		return m;
	}

	static Bytes answer_for(std::span<const uint8_t> q)
	{
		// Sizes from 20 to ~1,500 octets, content tied to the query.
		const size_t n = 20 + (q[0] * 37u + q[1] * 11u) % 1500;
		return test::body(n, q[0] ^ q[1]);
	}

	// Runs `queries` pipelined queries to the end; true when every answer
	// arrived in order and the connection closed.
	void run(int queries)
	{
		Bytes stream;  // the client's whole byte stream of queries
		Bytes want;    // the answers it must read, framed
		for (int i = 0; i < queries; i++) {
			const Bytes msg = query_message(static_cast<uint16_t>(i), 1 + rng_() % 40);
			const Bytes framed = test::framed(msg);
			stream.insert(stream.end(), framed.begin(), framed.end());
			const Bytes a = test::framed(answer_for(msg));
			want.insert(want.end(), a.begin(), a.end());
		}
		uint32_t client_una = 0;      // client octets the server acknowledged
		uint32_t client_sent = 0;     // octets sent at least once
		uint64_t client_rto_at = 0;
		Bytes got;                    // server octets received in order
		bool fin_sent = false, fin_acked_by_server = false;
		const ConnTable::Settings settings{.idle_ns = 60'000 * kMs};

		const uint32_t first_query = 2 + stream[1];  // its length: under 256
		const size_t first_answer = 2 + ((size_t{want[0]} << 8) | want[1]);
		for (now_ = 1000 * kMs; now_ < 400'000 * kMs; now_ += kMs) {
			// Client: its first query alone in the first segment (a server
			// that never saw the client's ISN learns where the stream starts
			// from it); once it is answered, the rest pipelined in segments
			// of up to 200 octets, cut anywhere, a window of 4 KiB.
			if (client_sent == 0) {
				send_client(stream, 0, first_query, 0);
				client_sent = first_query;
				client_rto_at = now_ + 300 * kMs;
			}
			while (got.size() >= first_answer && client_sent < stream.size() && client_sent - client_una < 4096) {
				const uint32_t n = std::min<uint32_t>(1 + rng_() % 200, static_cast<uint32_t>(stream.size()) - client_sent);
				send_client(stream, client_sent, n, got.size());
				client_sent += n;
				client_rto_at = now_ + 300 * kMs;
			}
			if (client_una == stream.size() && got.size() == want.size() && !fin_sent) {
				fin_sent = true;
				client_rto_at = now_ + 300 * kMs;
				to_server_.send({0, kClientIsn + 1 + client_una, server_seq(got.size()),
						 static_cast<uint8_t>(net::kTcpAck | net::kTcpFin), 65535, {}}, now_);
			}
			if (client_rto_at && now_ >= client_rto_at) {
				// The client's own retransmission: from its first unacknowledged octet.
				if (client_una < client_sent)
					send_client(stream, client_una, std::min<uint32_t>(200, client_sent - client_una), got.size());
				else if (fin_sent && !fin_acked_by_server)
					to_server_.send({0, kClientIsn + 1 + client_una, server_seq(got.size()),
							 static_cast<uint8_t>(net::kTcpAck | net::kTcpFin), 65535, {}}, now_);
				client_rto_at = now_ + 300 * kMs;
			}
			for (const Packet &p : to_server_.take(now_)) {
				ConnSegment s;
				s.key = test::key(5353);
				s.seq = p.seq;
				s.ack = p.ack;
				s.window = p.window;
				s.flags = p.flags;
				s.payload = p.payload;
				s.now_ns = now_;
				s.segment_size = 300;
				table_->on_segment(s, {}, settings);
			}
			table_->on_timers(now_, settings);
			for (const Packet &p : to_client_.take(now_)) {
				if (p.flags & net::kTcpRst) {
					resets_++;
					return;
				}
				const uint32_t acked = p.ack - (kClientIsn + 1);
				if (acked <= stream.size() && acked > client_una)
					client_una = acked;
				if (fin_sent && acked == stream.size() + 1)
					fin_acked_by_server = true;
				const uint32_t off = p.seq - (kIsn + 1);
				bool fresh = false;
				if (off <= got.size() && off + p.payload.size() > got.size()) {
					got.insert(got.end(), p.payload.begin() + (got.size() - off), p.payload.end());
					fresh = true;
				}
				if ((p.flags & net::kTcpFin) && off + p.payload.size() == got.size())
					server_fin_ = true;
				// Acknowledge every data segment (a duplicate ACK when it
				// did not fit in order), and the server's FIN.
				if (!p.payload.empty() || (p.flags & net::kTcpFin))
					to_server_.send({0, kClientIsn + 1 + client_una + (fin_sent ? 1 : 0),
							 server_seq(got.size()) + (server_fin_ ? 1 : 0), net::kTcpAck, 65535, {}}, now_);
				(void)fresh;
			}
			if (server_fin_ && released_ && got.size() == want.size())
				break;
		}
		got_ = got;
		want_ = want;
	}

	Bytes got_, want_;
	int overlaps_ = 0, resets_ = 0, released_ = 0;
	bool server_fin_ = false;
	std::optional<ConnTable> table_;

private:
	static uint32_t server_seq(size_t got) { return kIsn + 1 + static_cast<uint32_t>(got); }
	void send_client(const Bytes &stream, uint32_t off, uint32_t n, size_t got)
	{
		to_server_.send({0, kClientIsn + 1 + off, server_seq(got), net::kTcpAck, 65535,
				 Bytes(stream.begin() + off, stream.begin() + off + n)},
				now_);
	}

	std::mt19937 rng_;
	Path to_server_, to_client_;
	std::map<uint32_t, uint8_t> sent_octets_;
	uint64_t now_ = 0;
};

class ConnTableLoss : public ::testing::TestWithParam<uint32_t> {};

TEST_P(ConnTableLoss, EveryAnswerArrivesInOrderAndNothingOverlaps)
{
	Sim sim(GetParam(), 0.05);  // 5 % loss each way, 2 % duplicates
	sim.run(60);
	EXPECT_EQ(sim.resets_, 0);
	EXPECT_EQ(sim.overlaps_, 0) << "a sequence number carried two different octets";
	ASSERT_EQ(sim.got_.size(), sim.want_.size());
	EXPECT_TRUE(sim.got_ == sim.want_) << "answers differ from what was asked, or their order";
	EXPECT_TRUE(sim.server_fin_) << "our FIN after the client's";
	EXPECT_EQ(sim.released_, 1) << "the state is freed once our FIN is acknowledged";
	EXPECT_EQ(sim.table_->stats().open, 0u);
	EXPECT_GT(sim.table_->stats().retransmits, 0u) << "the schedule lost something";
}

INSTANTIATE_TEST_SUITE_P(Seeds, ConnTableLoss, ::testing::Range(1u, 21u));

}  // namespace
}  // namespace xdpdns::daemon::tcp
