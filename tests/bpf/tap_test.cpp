// dnstap of answers made in XDP (bpf/lib/tap.h): with dnstap.xdp-sample 1
// every in-kernel answer is copied to the tap_events perf buffer, header
// and frame, octet for octet the frame XDP_TX sends, and the daemon's
// reader turns it into the right AUTH_RESPONSE; at 0 nothing is copied.
#include <linux/bpf.h>

#include <bpf/libbpf.h>

#include <xdpdns/tap.h>

#include <cstring>

#include "daemon/answers/answer_entry.h"
#include "daemon/dnstap/xdp_tap_reader.h"
#include "dns/query.h"
#include "dns/zone_backend.h"
#include "dns_message.h"
#include "flows.h"
#include "test_zones.h"
#include "xdp_test.h"

namespace xdpdns::test {
namespace {

namespace answers = xdpdns::daemon::answers;

struct Samples {
	std::vector<Bytes> frames;
	static void on_sample(void *ctx, int, void *data, __u32 size)
	{
		xdpdns_tap_meta meta;
		ASSERT_GE(size, sizeof(meta));
		std::memcpy(&meta, data, sizeof(meta));
		ASSERT_LE(meta.frame_len, size - sizeof(meta));
		const auto *p = static_cast<const std::uint8_t *>(data) + sizeof(meta);
		static_cast<Samples *>(ctx)->frames.emplace_back(p, p + meta.frame_len);
	}
};

class TapTest : public XdpTest {
protected:
	void SetUp() override
	{
		XdpTest::SetUp();
		if (IsSkipped())
			return;
		zones_ = load_test_zones();
		cfg_.answers_in_kernel = 1;
		runner_->write_config(cfg_);
		runner_->answers_install(64);
		pb_ = perf_buffer__new(runner_->tap_events_fd(), 8, &Samples::on_sample, nullptr, &samples_, nullptr);
		ASSERT_NE(pb_, nullptr) << "perf_buffer__new: " << std::strerror(errno);
	}
	void TearDown() override { perf_buffer__free(pb_); }

	// Stores the daemon's answer to `msg` for XDP; true if storable.
	bool store(const Bytes &msg)
	{
		xdpdns::dns::Query q;
		const Bytes answer = zone_answer(*zones_, msg, xdpdns::dns::Transport::udp,
						 static_cast<std::uint16_t>(cfg_.edns_buffer_size), q);
		xdpdns_answer_key key;
		xdpdns_answer entry;
		if (answer.empty() || !answers::key_for(q, msg, false, key) || !answers::entry_for(q, answer, entry))
			return false;
		runner_->answer_put(key, entry);
		return true;
	}
	void drain() { perf_buffer__consume(pb_); }

	std::shared_ptr<const xdpdns::dns::ZoneSet> zones_;
	perf_buffer *pb_ = nullptr;
	Samples samples_;
};

TEST_F(TapTest, SampleOneCopiesEveryAnswerFrame)
{
	cfg_.dnstap_sample = 1;
	runner_->write_config(cfg_);
	for (const char *name : {"ipv4", "ipv6", "vlan_ipv6"}) {
		samples_.frames.clear();
		const Flow f(encap(name));
		const Bytes msg = dns_query(0x4242, "small.example.test", dns::TYPE_A, true, false);
		ASSERT_TRUE(store(msg));
		const RunResult r = runner_->run(Prog::Main, f.to_server().udp(f.client_port, 53).payload(msg).build());
		ASSERT_EQ(verdict_name(r.verdict), "XDP_TX") << name << ": " << counters_to_string(r.delta);
		drain();
		ASSERT_EQ(samples_.frames.size(), 1u) << name;
		EXPECT_EQ(samples_.frames[0], r.frame) << name;

		// What the daemon's reader makes of it.
		daemon::dnstap::TapEvent e;
		ASSERT_TRUE(daemon::dnstap::event_of_answer_frame(samples_.frames[0], e)) << name;
		EXPECT_EQ(e.kind, daemon::dnstap::TapEvent::Kind::auth_response);
		EXPECT_FALSE(e.tcp);
		EXPECT_EQ(e.ipv6, std::string(name).ends_with("ipv6"));
		EXPECT_EQ(e.client_port, f.client_port);
		EXPECT_EQ(e.server_port, 53);
		ASSERT_GE(e.message.size(), 12u);
		EXPECT_EQ(e.message[0], 0x42);
		EXPECT_EQ(e.message[1], 0x42);
		EXPECT_TRUE(e.message[2] & 0x80) << "QR";
	}
}

TEST_F(TapTest, SampleZeroCopiesNothing)
{
	cfg_.dnstap_sample = 0;
	runner_->write_config(cfg_);
	const Flow f(encap("ipv4"));
	const Bytes msg = dns_query(7, "small.example.test", dns::TYPE_A, true, false);
	ASSERT_TRUE(store(msg));
	for (int i = 0; i < 4; i++)
		ASSERT_EQ(verdict_name(runner_->run(Prog::Main, f.to_server().udp(f.client_port, 53).payload(msg).build()).verdict),
			  "XDP_TX");
	drain();
	EXPECT_TRUE(samples_.frames.empty());
}

TEST_F(TapTest, SampleNCopiesAboutOneInN)
{
	cfg_.dnstap_sample = 4;
	runner_->write_config(cfg_);
	const Flow f(encap("ipv4"));
	const Bytes msg = dns_query(9, "small.example.test", dns::TYPE_A, true, false);
	ASSERT_TRUE(store(msg));
	const Bytes frame = f.to_server().udp(f.client_port, 53).payload(msg).build();
	for (int i = 0; i < 400; i++) {
		ASSERT_EQ(verdict_name(runner_->run(Prog::Main, frame).verdict), "XDP_TX");
		if (i % 50 == 49)
			drain();
	}
	drain();
	// Random 1 in 4 of 400: 100 expected, outside 50..150 with odds below 1e-12.
	EXPECT_GE(samples_.frames.size(), 50u);
	EXPECT_LE(samples_.frames.size(), 150u);
}

}  // namespace
}  // namespace xdpdns::test
