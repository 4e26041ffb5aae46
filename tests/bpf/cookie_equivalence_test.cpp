// BPF and C++ compute identical cookies: random tuples (addresses, ports,
// client MSS or none, key slot, keys, published epoch), IPv4 (the 17-octet
// message) and IPv6 (41 octets), each sent as a SYN;
// the SYN-ACK's sequence number must equal xdpdns_cookie_make() computed
// here from include/xdpdns/cookie.h, and the daemon-side check must accept
// it and recover the MSS.
#include <linux/bpf.h>

#include <random>

#include "cookie_calc.h"
#include "replies.h"
#include "xdp_test.h"

namespace xdpdns::test {
namespace {

constexpr int kTuplesPerFamily = 6000;

class CookieEquivalence : public XdpTest, public ::testing::WithParamInterface<bool /* v6 */> {};

TEST_P(CookieEquivalence, BpfSynAckCookieEqualsCxx)
{
	const bool v6 = GetParam();
	std::mt19937_64 rng(v6 ? 0x600d5eed : 0x5eed4);
	const std::uint16_t mss_values[] = {0 /* no option */, 88, 536, 1000, 1220, 1359, 1360, 1400, 1440, 1460, 1500, 4312, 8960, 9000, 65535};
	int mismatches = 0, checked = 0;

	for (int i = 0; i < kTuplesPerFamily && mismatches < 5; i++) {
		// Fresh keys, key slot and published epoch every 100 tuples keeps
		// the run short but varied.
		if (i % 100 == 0) {
			keys_.current = static_cast<std::uint32_t>(rng() % XDPDNS_KEY_SLOTS);
			for (auto &k : keys_.slot)
				k = {rng(), rng()};
			runner_->write_keys(keys_);
			cfg_.cookie_epoch = static_cast<std::uint32_t>(rng());
			runner_->write_config(cfg_);
		}

		Flow f(encap(v6 ? "ipv6" : "ipv4"));
		for (auto &b : f.client4) b = static_cast<std::uint8_t>(rng());
		for (auto &b : f.server4) b = static_cast<std::uint8_t>(rng());
		for (auto &b : f.client6) b = static_cast<std::uint8_t>(rng());
		for (auto &b : f.server6) b = static_cast<std::uint8_t>(rng());
		f.client4[0] = 10;  // keep IPv4 addresses unicast
		f.server4[0] = 100;
		f.client6[0] = 0x20; // and IPv6 ones global unicast
		f.server6[0] = 0x20;
		f.client_port = static_cast<std::uint16_t>(rng());
		f.server_port = static_cast<std::uint16_t>(rng());
		const std::uint16_t mss = mss_values[rng() % std::size(mss_values)];
		const std::uint32_t isn = static_cast<std::uint32_t>(rng());
		runner_->set_ports({f.server_port});

		Packet syn = client_segment(f, isn, 0, tcp::SYN);
		if (mss)
			syn.mss(mss);
		Bytes in = syn.build();

		const std::uint32_t epoch = cfg_.cookie_epoch;
		RunResult r = runner_->run(Prog::Main, in);
		ASSERT_EQ(verdict_name(r.verdict), "XDP_TX") << "tuple " << i;
		const std::size_t tcp_at = 14 + (v6 ? 40 : 20);
		ASSERT_GE(r.frame.size(), tcp_at + 20);
		const std::uint32_t bpf_cookie = get_u32(r.frame, tcp_at + 4);
		const std::uint32_t mss_index = xdpdns_mss_index(mss ? mss : (v6 ? 1220 : 536));
		const std::uint32_t cxx_cookie = make_cookie(keys_.slot[keys_.current], f.client_key(), f.server_key(),
							     f.client_port, f.server_port, epoch, mss_index);
		checked++;
		if (bpf_cookie != cxx_cookie) {
			mismatches++;
			ADD_FAILURE() << "tuple " << i << ": BPF cookie " << std::hex << bpf_cookie << " != C++ " << cxx_cookie
				      << std::dec << " (client port " << f.client_port << ", mss " << mss << ", key slot "
				      << keys_.current << ", epoch " << epoch << ")";
			continue;
		}
		EXPECT_EQ(get_u32(r.frame, tcp_at + 8), isn + 1) << "tuple " << i;

		// The daemon's check accepts what the XDP program made.
		xdpdns_cookie_input check_in = cookie_input(f.client_key(), f.server_key(), f.client_port, f.server_port, 0, 0);
		EXPECT_EQ(xdpdns_cookie_check(&keys_, &check_in, bpf_cookie, epoch), xdpdns_mss_from_index(mss_index))
			<< "tuple " << i;
	}
	// Every tuple was compared (the loop stops early only after failures).
	EXPECT_EQ(mismatches, 0);
	EXPECT_EQ(checked, kTuplesPerFamily);
	RecordProperty("tuples", checked);
}

INSTANTIATE_TEST_SUITE_P(Random, CookieEquivalence, ::testing::Values(false, true),
			 [](const auto &info) { return info.param ? std::string("ipv6") : std::string("ipv4"); });

} // namespace
} // namespace xdpdns::test
