// The TCP table of the contract, row by row, for every framing (IPv4 with and
// without options, IPv6 with and without extension headers, one and two VLAN
// tags): verdict, exact reply bytes (cookie computed here with the shared
// cookie.h), exact counters.
#include <linux/bpf.h>

#include "cookie_calc.h"
#include "dns_message.h"
#include "flows.h"
#include "replies.h"
#include "xdp_test.h"

namespace xdpdns::test {
namespace {

Fixture drop(std::string name, FrameFn in, xdpdns_stat reason)
{
	return drop_row(std::move(name), std::move(in), reason);
}

Bytes query_payload() { return tcp_query_payload(); }

std::vector<Fixture> rows_for(const Flow &f)
{
	std::vector<Fixture> v;
	const std::string p = f.encap.name + "_";
	const std::uint32_t no_mss_index = xdpdns_mss_index(f.encap.v6 ? 1220 : 536);
	const bool v4 = !f.encap.v6;

	auto syn_tx = [&](std::string name, std::function<Packet(Packet)> shape, std::uint32_t mss_index,
			  std::uint32_t seq = kIsn) {
		v.push_back({.name = p + name,
			     .input = [f, shape, seq](const FixtureEnv &) {
				     return shape(client_segment(f, seq, 0, tcp::SYN).window(64240)).build();
			     },
			     .verdict = XDP_TX,
			     .counters = one_frame({XDPDNS_STAT_TCP_SYN}),
			     .expected = [f, mss_index, seq](const FixtureEnv &e) { return syn_ack(f, e, seq, mss_index); }});
	};

	// ---- SYN -> SYN-ACK ----
	syn_tx("syn_mss1460", [](Packet s) { return s.mss(1460); }, 6);
	syn_tx("syn_no_mss", [](Packet s) { return s; }, no_mss_index);
	syn_tx("syn_tfo_with_data",
	       [](Packet s) { return s.mss(1460).option(34, {1, 2, 3, 4, 5, 6, 7, 8}).payload(query_payload()); }, 6);
	syn_tx("syn_tfo_cookie_request", [](Packet s) { return s.mss(1460).option(34, {}); }, 6);
	syn_tx("syn_many_options",
	       [](Packet s) { return s.mss(1400).sack_permitted().timestamps(1000, 0).nop().window_scale(7); }, 4);
	syn_tx("syn_mss_after_options",
	       [](Packet s) { return s.nop().nop().timestamps(1000, 0).nop().window_scale(7).mss(1440); }, 5);
	syn_tx("syn_mss500", [](Packet s) { return s.mss(500); }, 1);
	syn_tx("syn_mss9000", [](Packet s) { return s.mss(9000); }, 7);
	syn_tx("syn_seq_wraps", [](Packet s) { return s.mss(1460); }, 6, 0xffffffffu);

	v.push_back(drop(p + "syn_bad_tcp_checksum",
			 [f](const FixtureEnv &) { return client_segment(f, kIsn, 0, tcp::SYN).mss(1460).bad_l4_checksum().build(); },
			 XDPDNS_STAT_DROP_BAD_CSUM));
	v.push_back(drop(p + "syn_tfo_data_corrupted",
			 [f](const FixtureEnv &) {
				 Bytes b = client_segment(f, kIsn, 0, tcp::SYN).mss(1460).option(34, {9, 9, 9, 9, 9, 9, 9, 9})
						   .payload(query_payload()).build();
				 b.back() ^= 0x01; // the checksum covers the payload too
				 return b;
			 },
			 XDPDNS_STAT_DROP_BAD_CSUM));
	if (v4)
		v.push_back(drop(p + "syn_bad_ip_checksum",
				 [f](const FixtureEnv &) { return client_segment(f, kIsn, 0, tcp::SYN).mss(1460).bad_ip_checksum().build(); },
				 XDPDNS_STAT_DROP_BAD_CSUM));
	// Linux discards SYN+FIN in LISTEN; with ACK too it is a SYN-ACK, malformed.
	v.push_back(drop(p + "syn_fin",
			 [f](const FixtureEnv &) { return client_segment(f, kIsn, 0, tcp::SYN | tcp::FIN).mss(1460).build(); },
			 XDPDNS_STAT_TCP_SYN_FIN));
	v.push_back(drop(p + "syn_fin_psh_with_data",
			 [f](const FixtureEnv &) {
				 return client_segment(f, kIsn, 0, tcp::SYN | tcp::FIN | tcp::PSH).mss(1460).payload(query_payload()).build();
			 },
			 XDPDNS_STAT_TCP_SYN_FIN));
	v.push_back(drop(p + "syn_fin_ack",
			 [f](const FixtureEnv &) { return client_segment(f, kIsn, kPeerAck, tcp::SYN | tcp::FIN | tcp::ACK).mss(1460).build(); },
			 XDPDNS_STAT_DROP_MALFORMED));
	v.push_back(drop(p + "synack_from_client",
			 [f](const FixtureEnv &) { return client_segment(f, kIsn, kPeerAck, tcp::SYN | tcp::ACK).mss(1460).build(); },
			 XDPDNS_STAT_DROP_MALFORMED));

	// ---- FIN -> ACK ----
	v.push_back({.name = p + "fin",
		     .input = [f](const FixtureEnv &) { return client_segment(f, kIsn + 30, kPeerAck, tcp::FIN | tcp::ACK).build(); },
		     .verdict = XDP_TX,
		     .counters = one_frame({XDPDNS_STAT_TCP_FIN}),
		     .expected = [f](const FixtureEnv &e) { return fin_ack(f, e, kIsn + 30, kPeerAck); }});
	v.push_back({.name = p + "fin_seq_wraps",
		     .input = [f](const FixtureEnv &) { return client_segment(f, 0xffffffffu, 7, tcp::FIN | tcp::ACK).build(); },
		     .verdict = XDP_TX,
		     .counters = one_frame({XDPDNS_STAT_TCP_FIN}),
		     .expected = [f](const FixtureEnv &e) { return fin_ack(f, e, 0xffffffffu, 7); }});
	v.push_back(drop(p + "fin_bad_tcp_checksum",
			 [f](const FixtureEnv &) { return client_segment(f, kIsn + 30, kPeerAck, tcp::FIN | tcp::ACK).bad_l4_checksum().build(); },
			 XDPDNS_STAT_DROP_BAD_CSUM));
	if (v4)
		v.push_back(drop(p + "fin_bad_ip_checksum",
				 [f](const FixtureEnv &) { return client_segment(f, kIsn + 30, kPeerAck, tcp::FIN | tcp::ACK).bad_ip_checksum().build(); },
				 XDPDNS_STAT_DROP_BAD_CSUM));
	v.push_back(drop(p + "fin_without_ack",
			 [f](const FixtureEnv &) { return client_segment(f, kIsn + 30, 0, tcp::FIN).build(); },
			 XDPDNS_STAT_TCP_NO_ACK));
	v.push_back(drop(p + "fin_with_query_valid_cookie",
			 data_with_cookie(f, [f](const FixtureEnv &e) { return cookie_for(f, e.current_key(), e.epoch); },
					  tcp::FIN | tcp::PSH | tcp::ACK),
			 XDPDNS_STAT_TCP_NO_DAEMON));
	v.push_back(drop(p + "fin_with_query_bad_cookie",
			 data_with_cookie(f, [](const FixtureEnv &) { return 0x5a5a5a5au; }, tcp::FIN | tcp::PSH | tcp::ACK),
			 XDPDNS_STAT_TCP_BAD_COOKIE));

	// ---- consumed silently ----
	v.push_back(drop(p + "pure_ack",
			 [f](const FixtureEnv &e) { return client_segment(f, kIsn + 1, cookie_for(f, e.current_key(), e.epoch) + 1, tcp::ACK).build(); },
			 XDPDNS_STAT_TCP_ACK));
	v.push_back(drop(p + "pure_ack_bad_tcp_checksum",
			 [f](const FixtureEnv &) { return client_segment(f, kIsn + 1, kPeerAck, tcp::ACK).bad_l4_checksum().build(); },
			 XDPDNS_STAT_TCP_ACK));
	v.push_back(drop(p + "rst", [f](const FixtureEnv &) { return client_segment(f, kIsn + 1, 0, tcp::RST).build(); },
			 XDPDNS_STAT_TCP_RST));
	v.push_back(drop(p + "rst_ack", [f](const FixtureEnv &) { return client_segment(f, kIsn + 1, kPeerAck, tcp::RST | tcp::ACK).build(); },
			 XDPDNS_STAT_TCP_RST));
	v.push_back(drop(p + "syn_rst", [f](const FixtureEnv &) { return client_segment(f, kIsn, 0, tcp::SYN | tcp::RST).build(); },
			 XDPDNS_STAT_TCP_RST));
	if (v4)
		v.push_back(drop(p + "rst_bad_ip_checksum",
				 [f](const FixtureEnv &) { return client_segment(f, kIsn + 1, 0, tcp::RST).bad_ip_checksum().build(); },
				 XDPDNS_STAT_DROP_BAD_CSUM));
	v.push_back(drop(p + "no_ack_with_data",
			 [f](const FixtureEnv &) { return client_segment(f, kIsn + 1, 0, tcp::PSH).payload(query_payload()).build(); },
			 XDPDNS_STAT_TCP_NO_ACK));
	v.push_back(drop(p + "no_flags", [f](const FixtureEnv &) { return client_segment(f, kIsn + 1, 0, 0).build(); },
			 XDPDNS_STAT_TCP_NO_ACK));

	// ---- data segments: cookie check on SEG.ACK - 1 ----
	v.push_back(drop(p + "data_valid_cookie",
			 data_with_cookie(f, [f](const FixtureEnv &e) { return cookie_for(f, e.current_key(), e.epoch); }),
			 XDPDNS_STAT_TCP_NO_DAEMON));
	v.push_back(drop(p + "data_valid_cookie_bad_tcp_checksum",
			 [f](const FixtureEnv &e) {
				 return client_segment(f, kIsn + 1, cookie_for(f, e.current_key(), e.epoch) + 1, tcp::PSH | tcp::ACK)
					 .payload(query_payload()).bad_l4_checksum().build();
			 },
			 XDPDNS_STAT_TCP_NO_DAEMON));
	if (v4)
		v.push_back(drop(p + "data_bad_ip_checksum",
				 [f](const FixtureEnv &e) {
					 return client_segment(f, kIsn + 1, cookie_for(f, e.current_key(), e.epoch) + 1, tcp::PSH | tcp::ACK)
						 .payload(query_payload()).bad_ip_checksum().build();
				 },
				 XDPDNS_STAT_DROP_BAD_CSUM));
	v.push_back(drop(p + "data_bad_cookie",
			 data_with_cookie(f, [f](const FixtureEnv &e) { return cookie_for(f, e.current_key(), e.epoch) ^ 0x00100000u; }),
			 XDPDNS_STAT_TCP_BAD_COOKIE));
	v.push_back(drop(p + "data_cookie_previous_epoch",
			 data_with_cookie(f, [f](const FixtureEnv &e) { return cookie_for(f, e.current_key(), e.epoch - 1); }),
			 XDPDNS_STAT_TCP_NO_DAEMON));
	v.push_back(drop(p + "data_cookie_two_epochs_back",
			 data_with_cookie(f, [f](const FixtureEnv &e) { return cookie_for(f, e.current_key(), e.epoch - 2); }),
			 XDPDNS_STAT_TCP_BAD_COOKIE));
	v.push_back(drop(p + "data_cookie_next_epoch",
			 data_with_cookie(f, [f](const FixtureEnv &e) { return cookie_for(f, e.current_key(), e.epoch + 1); }),
			 XDPDNS_STAT_TCP_BAD_COOKIE));
	v.push_back(drop(p + "data_cookie_previous_key",
			 data_with_cookie(f, [f](const FixtureEnv &e) { return cookie_for(f, e.keys.slot[(e.keys.current + 2) % 3], e.epoch); }),
			 XDPDNS_STAT_TCP_NO_DAEMON));
	v.push_back(drop(p + "data_cookie_previous_key_previous_epoch",
			 data_with_cookie(f, [f](const FixtureEnv &e) { return cookie_for(f, e.keys.slot[(e.keys.current + 2) % 3], e.epoch - 1); }),
			 XDPDNS_STAT_TCP_NO_DAEMON));
	v.push_back(drop(p + "data_cookie_next_slot_key",
			 data_with_cookie(f, [f](const FixtureEnv &e) { return cookie_for(f, e.keys.slot[(e.keys.current + 1) % 3], e.epoch); }),
			 XDPDNS_STAT_TCP_BAD_COOKIE));
	v.push_back(drop(p + "data_cookie_random_key",
			 data_with_cookie(f, [f](const FixtureEnv &e) { return cookie_for(f, stranger_key(), e.epoch); }),
			 XDPDNS_STAT_TCP_BAD_COOKIE));
	v.push_back(drop(p + "data_cookie_other_client_port",
			 data_with_cookie(f, [f](const FixtureEnv &e) {
				 Flow other = f;
				 other.client_port = static_cast<std::uint16_t>(f.client_port + 1);
				 return cookie_for(other, e.current_key(), e.epoch);
			 }),
			 XDPDNS_STAT_TCP_BAD_COOKIE));
	v.push_back(drop(p + "data_cookie_mss_bits_changed",
			 data_with_cookie(f, [f](const FixtureEnv &e) { return cookie_for(f, e.current_key(), e.epoch, 5) ^ (1u << XDPDNS_COOKIE_MSS_SHIFT); }),
			 XDPDNS_STAT_TCP_BAD_COOKIE));
	return v;
}

std::vector<Fixture> tcp_table()
{
	std::vector<Fixture> all;
	for (const Encap &e : all_encaps()) {
		std::vector<Fixture> rows = rows_for(Flow(e));
		all.insert(all.end(), rows.begin(), rows.end());
	}
	return all;
}

class TcpTable : public XdpTableTest {};

TEST_P(TcpTable, Row) { run_row(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Contract, TcpTable, ::testing::ValuesIn(tcp_table()), FixtureName());

// ---- knobs read per packet ----

class TcpKnobs : public XdpTest {};

// tcp.mss-v4 / tcp.mss-v6 and tcp_window changed in the config map show in
// the very next SYN-ACK, without reloading anything.
TEST_F(TcpKnobs, MssAndWindowChangesShowInNextSynAck)
{
	for (const char *name : {"ipv4", "ipv6", "vlan_ipv4"}) {
		SCOPED_TRACE(name);
		Flow f(encap(name));
		Fixture syn{.name = std::string(name) + "_syn",
			    .input = [f](const FixtureEnv &) { return client_segment(f, kIsn, 0, tcp::SYN).mss(1460).build(); },
			    .verdict = XDP_TX,
			    .counters = one_frame({XDPDNS_STAT_TCP_SYN}),
			    .expected = [f](const FixtureEnv &e) { return syn_ack(f, e, kIsn, 6); }};
		RunResult before = run_row(syn);
		ASSERT_GE(before.frame.size(), 4u);

		cfg_.tcp_mss_v4 = 1000;
		cfg_.tcp_mss_v6 = 1100;
		cfg_.tcp_window = 29200;
		RunResult after = run_row(syn); // expected frame built from the new config
		EXPECT_NE(before.frame, after.frame);
		cfg_ = test_config();
	}
}

// The cookie uses keys.slot[keys.current], whatever the slot.
TEST_F(TcpKnobs, SynAckCookieFollowsCurrentKeySlot)
{
	Flow f(encap("ipv4"));
	Fixture syn{.name = "syn",
		    .input = [f](const FixtureEnv &) { return client_segment(f, kIsn, 0, tcp::SYN).mss(1460).build(); },
		    .verdict = XDP_TX,
		    .counters = one_frame({XDPDNS_STAT_TCP_SYN}),
		    .expected = [f](const FixtureEnv &e) { return syn_ack(f, e, kIsn, 6); }};
	for (std::uint32_t slot = 0; slot < XDPDNS_KEY_SLOTS; slot++) {
		SCOPED_TRACE("current slot " + std::to_string(slot));
		keys_.current = slot;
		run_row(syn);
	}
}

// With slot 0 current, the previous key is slot 2 (the index wraps).
TEST_F(TcpKnobs, PreviousKeyWrapsFromSlotZero)
{
	keys_.current = 0;
	for (const char *name : {"ipv4", "ipv6"}) {
		Flow f(encap(name));
		run_row(drop(std::string(name) + "_cookie_slot2",
			     data_with_cookie(f, [f](const FixtureEnv &e) { return cookie_for(f, e.keys.slot[2], e.epoch); }),
			     XDPDNS_STAT_TCP_NO_DAEMON));
		run_row(drop(std::string(name) + "_cookie_slot1",
			     data_with_cookie(f, [f](const FixtureEnv &e) { return cookie_for(f, e.keys.slot[1], e.epoch); }),
			     XDPDNS_STAT_TCP_BAD_COOKIE));
	}
}

} // namespace
} // namespace xdpdns::test
