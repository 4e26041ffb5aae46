// Parsing rules of the contract: frames cut at every header boundary,
// malformed fields, IP fragments, non-IP frames, other ports and protocols,
// Ethernet padding, the service-port bitmap.
#include <linux/bpf.h>

#include "cookie_calc.h"
#include "dns_message.h"
#include "replies.h"
#include "xdp_test.h"

namespace xdpdns::test {
namespace {

Flow flow(const char *encap_name) { return Flow(encap(encap_name)); }

Bytes udp_query(const Flow &f, const Bytes &dns)
{
	return f.to_server().udp(f.client_port, f.server_port).payload(dns).build();
}

Bytes small_query() { return dns_query(0x1234, "small.example.test", dns::TYPE_A); }

// ---------------------------------------------------------------------------
// Truncation: every prefix of a valid frame, from the 14 octets the kernel
// accepts for an XDP test run up to one octet short, is DROP_TRUNCATED. This
// covers each header boundary and the octets on either side of it.

struct CutCase {
	std::string name;
	Flow flow;
	Bytes frame;
	std::uint32_t full_verdict; // the uncut frame, as a control
	xdpdns_stat full_reason;
	std::size_t l4_header_len;
};

void PrintTo(const CutCase &c, std::ostream *os) { *os << c.name; }

std::vector<CutCase> cut_cases()
{
	std::vector<CutCase> v;
	for (const Encap &e : all_encaps()) {
		Flow f(e);
		v.push_back({e.name + "_syn", f,
			     client_segment(f, kIsn, 0, tcp::SYN).mss(1460).sack_permitted().nop().window_scale(7).build(),
			     XDP_TX, XDPDNS_STAT_TCP_SYN, 32});
	}
	for (const char *n : {"ipv4", "ipv4_options", "ipv6", "ipv6_ext3", "qinq_ipv6", "vlan_ipv4"}) {
		Flow f = flow(n);
		v.push_back({std::string(n) + "_udp_query", f, udp_query(f, small_query()), XDP_PASS,
			     XDPDNS_STAT_PASS_UDP_NO_DAEMON, 8});
	}
	return v;
}

std::string where(const CutCase &c, std::size_t n)
{
	const Encap &e = c.flow.encap;
	std::size_t l3 = e.l3_offset(), l4 = e.l4_offset();
	std::size_t ip_hdr_end = l3 + (e.v6 ? 40 : 20 + e.ip_options.size());
	const char *in = n < 14	       ? "Ethernet"
			 : n < l3	       ? "VLAN tags"
			 : n < ip_hdr_end      ? (e.v6 ? "IPv6 header" : "IPv4 header")
			 : n < l4	       ? "IPv6 extension headers"
			 : n < l4 + c.l4_header_len ? "L4 header"
						    : "payload";
	return "cut at " + std::to_string(n) + " of " + std::to_string(c.frame.size()) + " (" + in + ")";
}

class Truncation : public XdpTest, public ::testing::WithParamInterface<CutCase> {};

TEST_P(Truncation, EveryCutIsDropTruncated)
{
	const CutCase &c = GetParam();
	Fixture full{.name = c.name + "_uncut", .input = frame(c.frame), .verdict = c.full_verdict,
		     .counters = one_frame({c.full_reason})};
	if (c.full_verdict == XDP_TX) {
		Flow f = c.flow;
		full.expected = [f](const FixtureEnv &e) { return syn_ack(f, e, kIsn, 6); };
	}
	run_row(full);
	for (std::size_t n = 14; n < c.frame.size(); n++) {
		SCOPED_TRACE(where(c, n));
		Bytes cut(c.frame.begin(), c.frame.begin() + static_cast<std::ptrdiff_t>(n));
		RunResult r = runner_->run(Prog::Main, cut);
		EXPECT_EQ(verdict_name(r.verdict), "XDP_DROP");
		EXPECT_EQ(counters_to_string(r.delta), counters_to_string(one_frame({XDPDNS_STAT_DROP_TRUNCATED})));
	}
}

INSTANTIATE_TEST_SUITE_P(Contract, Truncation, ::testing::ValuesIn(cut_cases()),
			 [](const auto &info) { return info.param.name; });

// ---------------------------------------------------------------------------
// The fixture table.

std::vector<Fixture> parse_table()
{
	std::vector<Fixture> v;
	const Flow v4 = flow("ipv4"), v6 = flow("ipv6"), vlan4 = flow("vlan_ipv4"), opts4 = flow("ipv4_options");
	const auto syn = [](const Flow &f) { return client_segment(f, kIsn, 0, tcp::SYN).mss(1460); };
	const auto synack_tx = [](std::string name, Flow f, std::function<Packet(const Flow &)> in) {
		return Fixture{.name = std::move(name),
			       .input = [f, in](const FixtureEnv &) { return in(f).build(); },
			       .verdict = XDP_TX,
			       .counters = one_frame({XDPDNS_STAT_TCP_SYN}),
			       .expected = [f](const FixtureEnv &e) { return syn_ack(f, e, kIsn, 6); }};
	};

	// ---- IP length beyond the frame: truncated ----
	v.push_back(drop_row("ipv4_total_length_beyond_frame",
			     frame(syn(v4).ip_total_length(20 + 24 + 1).build()), XDPDNS_STAT_DROP_TRUNCATED));
	v.push_back(drop_row("ipv6_payload_length_beyond_frame",
			     frame(syn(v6).ipv6_payload_length(24 + 1).build()), XDPDNS_STAT_DROP_TRUNCATED));
	v.push_back(drop_row("ipv4_udp_total_length_beyond_frame",
			     frame(v4.to_server().udp(40000, 53).payload(small_query()).ip_total_length(200).build()),
			     XDPDNS_STAT_DROP_TRUNCATED));

	// ---- malformed fields ----
	v.push_back(drop_row("ipv4_version_6", frame(syn(v4).ip_version(6).build()), XDPDNS_STAT_DROP_MALFORMED));
	v.push_back(drop_row("ipv4_version_0", frame(syn(v4).ip_version(0).build()), XDPDNS_STAT_DROP_MALFORMED));
	v.push_back(drop_row("ipv4_ihl_4", frame(syn(v4).ihl(4).build()), XDPDNS_STAT_DROP_MALFORMED));
	v.push_back(drop_row("ipv4_ihl_0", frame(syn(v4).ihl(0).build()), XDPDNS_STAT_DROP_MALFORMED));
	v.push_back(drop_row("ipv4_total_length_19", frame(syn(v4).ip_total_length(19).build()), XDPDNS_STAT_DROP_MALFORMED));
	v.push_back(drop_row("ipv4_options_total_length_below_ihl",
			     frame(syn(opts4).ip_total_length(24).build()), XDPDNS_STAT_DROP_MALFORMED));
	v.push_back(drop_row("ipv4_ihl_15_total_length_40",
			     frame(client_segment(v4, kIsn, 0, tcp::SYN).ihl(15).build()), XDPDNS_STAT_DROP_MALFORMED));
	for (const Flow &f : {v4, v6, vlan4}) {
		const std::string p = f.encap.name + "_";
		v.push_back(drop_row(p + "tcp_data_offset_4", frame(client_segment(f, kIsn, 0, tcp::SYN).data_offset(4).build()),
				     XDPDNS_STAT_DROP_MALFORMED));
		v.push_back(drop_row(p + "tcp_data_offset_0", frame(client_segment(f, kIsn, 0, tcp::SYN).data_offset(0).build()),
				     XDPDNS_STAT_DROP_MALFORMED));
		v.push_back(drop_row(p + "tcp_data_offset_past_packet",
				     frame(client_segment(f, kIsn, 0, tcp::SYN).data_offset(15).build()), XDPDNS_STAT_DROP_MALFORMED));
		v.push_back(drop_row(p + "udp_length_7",
				     frame(f.to_server().udp(40000, 53).udp_length(7).payload(small_query()).build()),
				     XDPDNS_STAT_DROP_MALFORMED));
		v.push_back(drop_row(p + "udp_length_0",
				     frame(f.to_server().udp(40000, 53).udp_length(0).payload(small_query()).build()),
				     XDPDNS_STAT_DROP_MALFORMED));
		v.push_back(drop_row(p + "udp_length_past_packet",
				     frame(f.to_server().udp(40000, 53).udp_length(static_cast<std::uint16_t>(8 + small_query().size() + 1))
						   .payload(small_query()).build()),
				     XDPDNS_STAT_DROP_MALFORMED));
	}
	// The data offset reaches into Ethernet padding, which is not packet.
	v.push_back(drop_row("ipv4_tcp_data_offset_into_padding",
			     frame(client_segment(v4, kIsn, 0, tcp::SYN).data_offset(7).pad_to(60).trailer(Bytes(20, 0)).build()),
			     XDPDNS_STAT_DROP_MALFORMED));

	// ---- fragments ----
	v.push_back(drop_row("ipv4_first_fragment_tcp53", frame(syn(v4).mf().build()), XDPDNS_STAT_DROP_FRAGMENT));
	v.push_back(drop_row("ipv4_first_fragment_udp53",
			     frame(v4.to_server().mf().udp(40000, 53).payload(small_query()).build()), XDPDNS_STAT_DROP_FRAGMENT));
	v.push_back(drop_row("vlan_ipv4_first_fragment_udp53",
			     frame(vlan4.to_server().mf().udp(40000, 53).payload(small_query()).build()), XDPDNS_STAT_DROP_FRAGMENT));
	v.push_back(drop_row("ipv4_options_first_fragment_udp53",
			     frame(opts4.to_server().mf().udp(40000, 53).payload(small_query()).build()), XDPDNS_STAT_DROP_FRAGMENT));
	v.push_back(pass_row("ipv4_first_fragment_udp80",
			     frame(v4.to_server().mf().udp(40000, 80).payload(small_query()).build()), XDPDNS_STAT_PASS_OTHER));
	{
		// A later fragment whose first octets happen to look like a UDP header to port 53.
		Bytes looks_like_udp53;
		put_u16(looks_like_udp53, 40000);
		put_u16(looks_like_udp53, 53);
		put_u16(looks_like_udp53, 100);
		put_u16(looks_like_udp53, 0);
		put_bytes(looks_like_udp53, small_query());
		v.push_back(pass_row("ipv4_middle_fragment",
				     frame(v4.to_server().mf().frag_offset(185).ip_protocol(17).payload(looks_like_udp53).build()),
				     XDPDNS_STAT_PASS_OTHER));
		v.push_back(pass_row("ipv4_last_fragment",
				     frame(v4.to_server().frag_offset(185).ip_protocol(17).payload(looks_like_udp53).build()),
				     XDPDNS_STAT_PASS_OTHER));
		v.push_back(pass_row("ipv4_last_fragment_tcp",
				     frame(v4.to_server().frag_offset(1).ip_protocol(6).payload(looks_like_udp53).build()),
				     XDPDNS_STAT_PASS_OTHER));
		v.push_back(pass_row("ipv6_middle_fragment",
				     frame(v6.to_server().fragment(185, true).ip_protocol(17).payload(looks_like_udp53).build()),
				     XDPDNS_STAT_PASS_OTHER));
		v.push_back(pass_row("ipv6_last_fragment_after_hbh",
				     frame(v6.to_server().hop_by_hop().fragment(185, false).ip_protocol(6).payload(looks_like_udp53).build()),
				     XDPDNS_STAT_PASS_OTHER));
	}
	v.push_back(drop_row("ipv6_first_fragment_tcp53",
			     frame(v6.to_server().fragment(0, true).tcp(40000, 53).seq(kIsn).flags(tcp::SYN).build()),
			     XDPDNS_STAT_DROP_FRAGMENT));
	v.push_back(drop_row("ipv6_first_fragment_udp53",
			     frame(v6.to_server().fragment(0, true).udp(40000, 53).payload(small_query()).build()),
			     XDPDNS_STAT_DROP_FRAGMENT));
	v.push_back(drop_row("ipv6_first_fragment_after_hbh_udp53",
			     frame(v6.to_server().hop_by_hop().fragment(0, true).udp(40000, 53).payload(small_query()).build()),
			     XDPDNS_STAT_DROP_FRAGMENT));
	v.push_back(pass_row("ipv6_first_fragment_udp80",
			     frame(v6.to_server().fragment(0, true).udp(40000, 80).payload(small_query()).build()),
			     XDPDNS_STAT_PASS_OTHER));

	// ---- IPv6 extension headers beyond the walk (6): whatever follows
	// could be TCP to a service port, so it is dropped, never passed ----
	{
		auto seven = [&] { return v6.to_server().hop_by_hop().dest_opts().routing(0).dest_opts().dest_opts().dest_opts().dest_opts(); };
		v.push_back(drop_row("ipv6_7_ext_headers_tcp53_syn",
				     frame(seven().tcp(40000, 53).seq(kIsn).flags(tcp::SYN).build()),
				     XDPDNS_STAT_DROP_EXT_HEADERS));
		v.push_back(drop_row("ipv6_7_ext_headers_udp80",
				     frame(seven().udp(40000, 80).payload(small_query()).build()),
				     XDPDNS_STAT_DROP_EXT_HEADERS));
	}

	// ---- not IP ----
	const Mac bcast = mac("ff:ff:ff:ff:ff:ff"), client = v4.client_mac;
	Bytes arp_body{0, 1, 8, 0, 6, 4, 0, 1};
	arp_body.resize(28, 0);
	v.push_back(pass_row("arp", frame(Packet().eth(client, bcast).ethertype(0x0806).payload(arp_body).build()),
			     XDPDNS_STAT_PASS_NOT_IP));
	v.push_back(pass_row("arp_header_only", frame(Packet().eth(client, bcast).ethertype(0x0806).build()),
			     XDPDNS_STAT_PASS_NOT_IP));
	v.push_back(pass_row("lldp", frame(Packet().eth(client, mac("01:80:c2:00:00:0e")).ethertype(0x88cc).payload(Bytes(46, 2)).build()),
			     XDPDNS_STAT_PASS_NOT_IP));
	v.push_back(pass_row("ieee8023_length_field", frame(Packet().eth(client, bcast).ethertype(46).payload(Bytes(46, 0x42)).build()),
			     XDPDNS_STAT_PASS_NOT_IP));
	v.push_back(pass_row("vlan_arp", frame(Packet().eth(client, bcast).vlan(ETH_P_8021Q, 100).ethertype(0x0806).payload(arp_body).build()),
			     XDPDNS_STAT_PASS_NOT_IP));
	v.push_back(pass_row("qinq_arp",
			     frame(Packet().eth(client, bcast).vlan(ETH_P_8021AD, 200).vlan(ETH_P_8021Q, 100).ethertype(0x0806).payload(arp_body).build()),
			     XDPDNS_STAT_PASS_NOT_IP));
	// A third tag is beyond the two the program parses: its TPID is the
	// ethertype it sees, and that is not IP.
	v.push_back(pass_row("three_vlan_tags_ipv4",
			     frame(client_segment(v4, kIsn, 0, tcp::SYN).vlan(ETH_P_8021AD, 1).vlan(ETH_P_8021Q, 2).vlan(ETH_P_8021Q, 3).build()),
			     XDPDNS_STAT_PASS_NOT_IP));

	// ---- other ports and protocols: passed untouched ----
	v.push_back(pass_row("ipv4_tcp_syn_port80", frame(Flow(v4).ports(40000, 80).to_server().tcp(40000, 80).flags(tcp::SYN).build()),
			     XDPDNS_STAT_PASS_OTHER));
	v.push_back(pass_row("ipv6_tcp_syn_port80", frame(Flow(v6).ports(40000, 80).to_server().tcp(40000, 80).flags(tcp::SYN).build()),
			     XDPDNS_STAT_PASS_OTHER));
	v.push_back(pass_row("ipv4_tcp_from_port53", frame(v4.to_server().tcp(53, 40000).flags(tcp::SYN | tcp::ACK).build()),
			     XDPDNS_STAT_PASS_OTHER));
	v.push_back(pass_row("ipv4_udp_port80", frame(v4.to_server().udp(40000, 80).payload(small_query()).build()),
			     XDPDNS_STAT_PASS_OTHER));
	v.push_back(pass_row("ipv4_udp_answer_from_port53",
			     frame(v4.to_server().udp(53, 40000).payload(dns_query(1, "x.test", 1, false, false, 0, dns::QR)).build()),
			     XDPDNS_STAT_PASS_OTHER));
	v.push_back(pass_row("ipv6_udp_answer_from_port53",
			     frame(v6.to_server().udp(53, 40000).payload(dns_query(1, "x.test", 1, false, false, 0, dns::QR)).build()),
			     XDPDNS_STAT_PASS_OTHER));
	v.push_back(pass_row("ipv6_hbh_udp_port80", frame(flow("ipv6_hbh").to_server().udp(40000, 80).payload(small_query()).build()),
			     XDPDNS_STAT_PASS_OTHER));
	v.push_back(pass_row("ipv4_gre", frame(v4.to_server().ip_protocol(47).payload({0, 0, 0x08, 0x00, 1, 2, 3, 4}).build()),
			     XDPDNS_STAT_PASS_OTHER));
	v.push_back(pass_row("ipv4_sctp_port53", frame(v4.to_server().ip_protocol(132).payload({0x9c, 0x40, 0, 53, 0, 0, 0, 0, 0, 0, 0, 0}).build()),
			     XDPDNS_STAT_PASS_OTHER));
	v.push_back(pass_row("ipv6_no_next_header", frame(v6.to_server().ip_protocol(59).build()), XDPDNS_STAT_PASS_OTHER));
	v.push_back(pass_row("ipv4_icmp_echo", frame(v4.to_server().icmp4(8, 0, 0x00010001).payload(Bytes(32, 0x61)).build()),
			     XDPDNS_STAT_PASS_OTHER));
	v.push_back(pass_row("ipv4_icmp_port_unreachable",
			     frame(v4.to_server().icmp4(3, 3, 0).payload(Flow(v4).to_client().udp(53, 40000).payload(small_query()).build()).build()),
			     XDPDNS_STAT_PASS_OTHER));
	v.push_back(pass_row("ipv6_icmp_echo", frame(v6.to_server().icmp6(128, 0, 0x00010001).payload(Bytes(32, 0x61)).build()),
			     XDPDNS_STAT_PASS_OTHER));
	v.push_back(pass_row("ipv6_neighbor_solicitation",
			     frame(v6.to_server().ttl(255).icmp6(135, 0, 0).payload(Bytes(16, 0x20)).build()), XDPDNS_STAT_PASS_OTHER));

	// ---- Ethernet padding: the packet ends at the IP total length ----
	v.push_back(synack_tx("ipv4_syn_no_options_padded", v4,
			      [](const Flow &f) { return client_segment(f, kIsn, 0, tcp::SYN).pad_to(60); }));
	v.back().expected = [v4](const FixtureEnv &e) { return syn_ack(v4, e, kIsn, xdpdns_mss_index(536)); };
	v.push_back({.name = "ipv4_fin_padded",
		     .input = frame(client_segment(v4, kIsn + 30, kPeerAck, tcp::FIN | tcp::ACK).pad_to(60).build()),
		     .verdict = XDP_TX,
		     .counters = one_frame({XDPDNS_STAT_TCP_FIN}),
		     .expected = [v4](const FixtureEnv &e) { return fin_ack(v4, e, kIsn + 30, kPeerAck); }});
	v.push_back({.name = "ipv4_fin_nonzero_trailer",
		     .input = frame(client_segment(v4, kIsn + 30, kPeerAck, tcp::FIN | tcp::ACK).trailer({0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4}).build()),
		     .verdict = XDP_TX,
		     .counters = one_frame({XDPDNS_STAT_TCP_FIN}),
		     .expected = [v4](const FixtureEnv &e) { return fin_ack(v4, e, kIsn + 30, kPeerAck); }});
	v.push_back({.name = "vlan_ipv4_fin_padded",
		     .input = frame(client_segment(vlan4, kIsn + 30, kPeerAck, tcp::FIN | tcp::ACK).pad_to(64).build()),
		     .verdict = XDP_TX,
		     .counters = one_frame({XDPDNS_STAT_TCP_FIN}),
		     .expected = [vlan4](const FixtureEnv &e) { return fin_ack(vlan4, e, kIsn + 30, kPeerAck); }});
	v.push_back(drop_row("ipv4_pure_ack_padded", frame(client_segment(v4, kIsn + 1, kPeerAck, tcp::ACK).pad_to(60).build()),
			     XDPDNS_STAT_TCP_ACK));
	v.push_back(drop_row("ipv4_rst_padded", frame(client_segment(v4, kIsn + 1, 0, tcp::RST).pad_to(60).build()),
			     XDPDNS_STAT_TCP_RST));
	v.push_back(drop_row("ipv4_udp_payload8_padded",
			     frame(v4.to_server().udp(40000, 53).payload({0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0}).pad_to(60).build()),
			     XDPDNS_STAT_UDP_NOT_QUERY));
	v.push_back(pass_row("ipv4_udp_header_only_query_padded",
			     frame(v4.to_server().udp(40000, 53).payload(dns_header(0x1234, dns::RD, 0, 0, 0, 0)).pad_to(60).build()),
			     XDPDNS_STAT_PASS_UDP_NO_DAEMON));

	// ---- the service-port bitmap ----
	const auto ports = [](std::vector<std::uint16_t> list) {
		return [list](XdpRunner &r) { r.set_ports(list); };
	};
	for (std::uint16_t port : {std::uint16_t(5353), std::uint16_t(65535), std::uint16_t(53)}) {
		Flow f = Flow(v4).ports(40000, port);
		Fixture row = synack_tx("ipv4_syn_port" + std::to_string(port) + "_of_three", f,
					[](const Flow &g) { return client_segment(g, kIsn, 0, tcp::SYN).mss(1460); });
		row.prepare = ports({53, 5353, 65535});
		v.push_back(row);
	}
	for (std::uint16_t port : {std::uint16_t(52), std::uint16_t(54), std::uint16_t(5352), std::uint16_t(65534)}) {
		Flow f = Flow(v4).ports(40000, port);
		Fixture row = pass_row("ipv4_syn_port" + std::to_string(port) + "_not_in_set",
				       frame(client_segment(f, kIsn, 0, tcp::SYN).mss(1460).build()), XDPDNS_STAT_PASS_OTHER);
		row.prepare = ports({53, 5353, 65535});
		v.push_back(row);
	}
	{
		Fixture row = pass_row("ipv4_syn_port53_when_only_5353",
				       frame(client_segment(v4, kIsn, 0, tcp::SYN).mss(1460).build()), XDPDNS_STAT_PASS_OTHER);
		row.prepare = ports({5353});
		v.push_back(row);
		Fixture udp = pass_row("ipv6_udp_port53_when_only_5353", frame(udp_query(v6, small_query())), XDPDNS_STAT_PASS_OTHER);
		udp.prepare = ports({5353});
		v.push_back(udp);
	}
	{
		Flow f = Flow(v6).ports(40000, 0);
		Fixture row = synack_tx("ipv6_syn_port0", f, [](const Flow &g) { return client_segment(g, kIsn, 0, tcp::SYN).mss(1460); });
		row.prepare = ports({0});
		v.push_back(row);
	}
	return v;
}

class ParseTable : public XdpTableTest {};

TEST_P(ParseTable, Row) { run_row(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Contract, ParseTable, ::testing::ValuesIn(parse_table()), FixtureName());

} // namespace
} // namespace xdpdns::test
