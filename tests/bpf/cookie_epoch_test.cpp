// The cookie epoch the XDP program uses is the one userspace publishes in
// config.cookie_epoch: SYN-ACKs carry cookies of that epoch whatever the
// epoch length or the clock, data segments validate against it and the one
// before (the epoch bit picks which), and a cookie two epochs old has
// expired. The hashed message is the short IPv4 one exactly when both
// addresses are IPv4(-mapped), in BPF as in userspace.
#include <linux/bpf.h>

#include "cookie_calc.h"
#include "replies.h"
#include "xdp_test.h"

namespace xdpdns::test {
namespace {

class CookieEpoch : public XdpTest {
protected:
	// The SYN-ACK to a SYN announcing MSS 1460 (table index 6).
	Fixture syn_row(const Flow &f, const std::string &name)
	{
		return {.name = name,
			.input = [f](const FixtureEnv &) { return client_segment(f, kIsn, 0, tcp::SYN).mss(1460).build(); },
			.verdict = XDP_TX,
			.counters = one_frame({XDPDNS_STAT_TCP_SYN}),
			.expected = [f](const FixtureEnv &e) { return syn_ack(f, e, kIsn, 6); }};
	}

	// A query acknowledging this flow's cookie made in `epoch` under the
	// current key: accepted (no socket here: tcp-no-daemon) or not.
	Fixture data_row(const Flow &f, const std::string &name, std::uint32_t epoch, bool valid)
	{
		return drop_row(name,
				data_with_cookie(f, [f, epoch](const FixtureEnv &e) { return cookie_for(f, e.current_key(), epoch); }),
				valid ? XDPDNS_STAT_TCP_NO_DAEMON : XDPDNS_STAT_TCP_BAD_COOKIE);
	}

	void publish(std::uint32_t epoch) { cfg_.cookie_epoch = epoch; }
};

// The SYN-ACK's cookie is made in the published epoch, not one of the
// program's own clock: any number, any epoch length.
TEST_F(CookieEpoch, SynAckUsesThePublishedEpoch)
{
	for (const char *name : {"ipv4", "ipv6", "vlan_ipv4"}) {
		const Flow f(encap(name));
		for (std::uint32_t epoch : {0u, 1u, 26'700'001u, 0x7fffffffu, 0xffffffffu}) {
			for (std::uint32_t len : {1u, 64u, 3600u}) {
				SCOPED_TRACE(std::string(name) + " epoch " + std::to_string(epoch) + " length " + std::to_string(len));
				publish(epoch);
				cfg_.cookie_epoch_s = len;
				run_row(syn_row(f, "syn"));
			}
		}
	}
}

// Two SYNs of one tuple get one cookie within an epoch, another after the
// epoch moves on (the epoch bit flips and the hash changes).
TEST_F(CookieEpoch, NextEpochGivesAnotherCookie)
{
	const Flow f(encap("ipv4"));
	const Bytes syn = client_segment(f, kIsn, 0, tcp::SYN).mss(1460).build();
	auto cookie_now = [&] {
		runner_->write_config(cfg_);
		RunResult r = runner_->run(Prog::Main, syn);
		EXPECT_EQ(verdict_name(r.verdict), "XDP_TX");
		return r.frame.size() >= 14 + 20 + 8 ? get_u32(r.frame, 14 + 20 + 4) : 0u;
	};
	publish(1000);
	const std::uint32_t a = cookie_now(), again = cookie_now();
	publish(1001);
	const std::uint32_t b = cookie_now();
	EXPECT_EQ(a, again);
	EXPECT_EQ(a, cookie_for(f, keys_.slot[keys_.current], 1000, 6));
	EXPECT_EQ(b, cookie_for(f, keys_.slot[keys_.current], 1001, 6));
	EXPECT_EQ(a & XDPDNS_COOKIE_EPOCH_MASK, 0u);
	EXPECT_EQ(b & XDPDNS_COOKIE_EPOCH_MASK, 1u);
	EXPECT_NE(a & XDPDNS_COOKIE_HASH_MASK, b & XDPDNS_COOKIE_HASH_MASK);
}

// A cookie made in epoch E validates while E or E+1 is published, has
// expired once E+2 is, and is refused before E is (made in the future).
TEST_F(CookieEpoch, DataCookieValidForItsEpochAndTheNextOnly)
{
	const std::uint32_t made = 26'700'001;
	for (const char *name : {"ipv4", "ipv6"}) {
		const Flow f(encap(name));
		const std::string p = std::string(name) + "_";
		const struct {
			const char *what;
			std::uint32_t published;
			bool valid;
		} cases[] = {
			{"current", made, true},          {"previous", made + 1, true},
			{"expired", made + 2, false},     {"long_expired", made + 3, false},
			{"from_the_future", made - 1, false},
		};
		for (const auto &c : cases) {
			SCOPED_TRACE(p + c.what);
			publish(c.published);
			run_row(data_row(f, p + c.what, made, c.valid));
		}
	}
}

// The epoch number wraps: with 0 published, a cookie of epoch 0xffffffff is
// the previous epoch's.
TEST_F(CookieEpoch, PreviousEpochAcrossTheWrap)
{
	const Flow f(encap("ipv6"));
	publish(0);
	run_row(data_row(f, "wrap_previous", 0xffffffffu, true));
	run_row(data_row(f, "wrap_two_back", 0xfffffffeu, false));
	run_row(data_row(f, "wrap_current", 0u, true));
}

// A cookie from the previous key in the previous epoch: the second hash,
// still accepted; the key before that is not.
TEST_F(CookieEpoch, PreviousKeyInThePreviousEpoch)
{
	const Flow f(encap("ipv4"));
	const std::uint32_t made = 5000;
	publish(made + 1);
	const xdpdns_siphash_key prev = keys_.slot[(keys_.current + XDPDNS_KEY_SLOTS - 1) % XDPDNS_KEY_SLOTS];
	const xdpdns_siphash_key oldest = keys_.slot[(keys_.current + 1) % XDPDNS_KEY_SLOTS];
	run_row(drop_row("previous_key_previous_epoch",
			 data_with_cookie(f, [f, prev, made](const FixtureEnv &) { return cookie_for(f, prev, made); }),
			 XDPDNS_STAT_TCP_NO_DAEMON));
	run_row(drop_row("oldest_key_previous_epoch",
			 data_with_cookie(f, [f, oldest, made](const FixtureEnv &) { return cookie_for(f, oldest, made); }),
			 XDPDNS_STAT_TCP_BAD_COOKIE));
}

// The XDP program hashes the 17-octet IPv4 message for IPv4, and for an
// IPv6 packet between IPv4-mapped addresses too (the form follows the
// addresses, as in the daemon, which sees only those): its SYN-ACK carries
// the cookie computed here from the documented message, with an
// independent SipHash (the paper's reference algorithm, in the test).
TEST_F(CookieEpoch, MessageFormFollowsTheAddresses)
{
	Flow mapped(encap("ipv6"));
	mapped.client6 = ip6("::ffff:192.0.2.10");
	mapped.server6 = ip6("::ffff:198.51.100.53");
	const Flow v4(encap("ipv4")), v6(encap("ipv6"));
	publish(0x01020304);
	runner_->write_config(cfg_);
	const Flow *const flows[] = {&v4, &mapped, &v6};
	for (const Flow *f : flows) {
		SCOPED_TRACE(f->encap.name + (f == &mapped ? " (IPv4-mapped addresses)" : ""));
		RunResult r = runner_->run(Prog::Main, client_segment(*f, kIsn, 0, tcp::SYN).mss(1460).build());
		ASSERT_EQ(verdict_name(r.verdict), "XDP_TX");
		const std::size_t tcp_at = 14 + (f->encap.v6 ? 40 : 20);
		ASSERT_GE(r.frame.size(), tcp_at + 8);
		const std::uint32_t got = get_u32(r.frame, tcp_at + 4);
		const bool short_form = f != &v6;
		const std::uint32_t want = reference_cookie(keys_.slot[keys_.current], f->client_key(), f->server_key(),
							    f->client_port, f->server_port, 0x01020304, 6, short_form);
		EXPECT_EQ(got, want) << std::hex << got << " != " << want;
	}
}

} // namespace
} // namespace xdpdns::test
