// UDP to a service port: no daemon -> XDP_PASS; not a query -> drop;
// udp_truncate_all -> the exact TC=1 answer built in XDP; and xdpdns_atr,
// which builds the same answer from a saved query frame.
#include <linux/bpf.h>

#include <optional>

#include "dns_message.h"
#include "replies.h"
#include "xdp_test.h"

namespace xdpdns::test {
namespace {

// A query described by its parts, so that the expected answer is assembled
// from the same parts rather than from the query's bytes.
struct Query {
	std::uint16_t id = 0xbeef;
	std::uint16_t flags = dns::RD;
	Bytes qname = dns_name("small.example.test");
	std::uint16_t qtype = dns::TYPE_A;
	std::uint16_t qclass = dns::CLASS_IN;
	bool opt = false;
	bool do_bit = false;
	std::uint16_t bufsize = 1232;
	Bytes opt_rdata;            // EDNS options in the query's OPT
	Bytes additional_before;    // a non-OPT record placed before the OPT
	Bytes additional_after;     // a record placed after the OPT
	std::uint16_t extra_ar = 0; // records in additional_before/after
	std::uint16_t qdcount = 1, ancount = 0, nscount = 0;
	Bytes tail;                 // raw octets after everything

	Bytes wire() const
	{
		Bytes m = dns_header(id, flags, qdcount, ancount, nscount, static_cast<std::uint16_t>((opt ? 1 : 0) + extra_ar));
		put_bytes(m, dns_question(qname, qtype, qclass));
		put_bytes(m, additional_before);
		if (opt)
			put_bytes(m, dns_opt(bufsize, do_bit, opt_rdata));
		put_bytes(m, additional_after);
		put_bytes(m, tail);
		return m;
	}
};

// An A record "a.test. 60 IN A 192.0.2.1", uncompressed.
Bytes a_record()
{
	Bytes rr = dns_name("a.test");
	put_u16(rr, dns::TYPE_A);
	put_u16(rr, dns::CLASS_IN);
	put_u32(rr, 60);
	put_u16(rr, 4);
	put_bytes(rr, Bytes{192, 0, 2, 1});
	return rr;
}

Bytes query_frame(const Flow &f, const Query &q) { return f.to_server().udp(f.client_port, f.server_port).payload(q.wire()).build(); }

// The contract's TC=1 answer: QR, TC, RD and CD copied, everything else
// clear; the question; our OPT (buffer size from config, DO copied) when
// the query had OPT (has_opt overrides the detection for odd queries).
Bytes tc_answer(const Flow &f, const FixtureEnv &e, const Query &q, std::optional<bool> has_opt = std::nullopt)
{
	bool opt = has_opt.value_or(q.opt);
	Bytes m = dns_header(q.id, static_cast<std::uint16_t>(dns::QR | dns::TC | (q.flags & (dns::RD | dns::CD))), 1, 0, 0,
			     opt ? 1 : 0);
	put_bytes(m, dns_question(q.qname, q.qtype, q.qclass));
	if (opt)
		put_bytes(m, dns_opt(static_cast<std::uint16_t>(e.cfg.edns_buffer_size), q.do_bit));
	return f.to_client().udp(f.server_port, f.client_port).payload(m).build();
}

void truncate_all(xdpdns_config &c) { c.udp_truncate_all = 1; }

Fixture tc_row(std::string name, const Flow &f, const Query &q, std::optional<bool> has_opt = std::nullopt)
{
	return {.name = std::move(name),
		.input = frame(query_frame(f, q)),
		.verdict = XDP_TX,
		.counters = one_frame({XDPDNS_STAT_UDP_TRUNCATED}),
		.expected = [f, q, has_opt](const FixtureEnv &e) { return tc_answer(f, e, q, has_opt); },
		.config = truncate_all};
}

Fixture not_truncatable_row(std::string name, const Flow &f, const Query &q)
{
	Fixture r = pass_row(std::move(name), frame(query_frame(f, q)), XDPDNS_STAT_PASS_UDP_NO_DAEMON);
	r.config = truncate_all;
	return r;
}

Bytes long_name(std::size_t wire_len)
{
	// Labels of 63 octets (64 on the wire) then one to reach wire_len
	// including the root octet.
	Bytes n;
	std::size_t left = wire_len - 1;
	while (left > 0) {
		std::size_t label = std::min<std::size_t>(63, left - 1);
		n.push_back(static_cast<std::uint8_t>(label));
		n.insert(n.end(), label, 'a');
		left -= label + 1;
	}
	n.push_back(0);
	return n;
}

std::vector<Fixture> udp_table()
{
	std::vector<Fixture> v;
	Query plain;
	Query opt = plain;
	opt.opt = true;
	Query opt_do = opt;
	opt_do.do_bit = true;

	for (const char *n : {"ipv4", "ipv4_options", "ipv4_options40", "ipv6", "ipv6_hbh", "ipv6_ext3", "ipv6_ext6",
			      "vlan_ipv4", "vlan_ipv6", "qinq_ipv4", "qinq_ipv6", "qinq_rev_ipv4"}) {
		Flow f(encap(n));
		const std::string p = std::string(n) + "_";
		v.push_back(pass_row(p + "query_no_daemon", frame(query_frame(f, opt)), XDPDNS_STAT_PASS_UDP_NO_DAEMON));
		v.push_back(tc_row(p + "tc_no_opt", f, plain));
		v.push_back(tc_row(p + "tc_opt", f, opt));
		v.push_back(tc_row(p + "tc_opt_do", f, opt_do));
		Query response = plain;
		response.flags = dns::QR | dns::AA;
		v.push_back(drop_row(p + "response_not_query", frame(query_frame(f, response)), XDPDNS_STAT_UDP_NOT_QUERY));
	}

	for (const char *n : {"ipv4", "ipv6"}) {
		Flow f(encap(n));
		const std::string p = std::string(n) + "_";
		// ---- not a query ----
		Query qr_tc = opt;
		qr_tc.flags = dns::QR;
		Fixture r = drop_row(p + "response_not_query_truncate_all", frame(query_frame(f, qr_tc)), XDPDNS_STAT_UDP_NOT_QUERY);
		r.config = truncate_all;
		v.push_back(r);
		Bytes eleven = dns_header(1, dns::RD, 1, 0, 0, 0);
		eleven.pop_back();
		v.push_back(drop_row(p + "payload_11_octets", frame(f.to_server().udp(f.client_port, 53).payload(eleven).build()),
				     XDPDNS_STAT_UDP_NOT_QUERY));
		v.push_back(drop_row(p + "payload_empty", frame(f.to_server().udp(f.client_port, 53).build()), XDPDNS_STAT_UDP_NOT_QUERY));
		v.push_back(pass_row(p + "payload_12_octets_no_daemon",
				     frame(f.to_server().udp(f.client_port, 53).payload(dns_header(1, dns::RD, 1, 0, 0, 0)).build()),
				     XDPDNS_STAT_PASS_UDP_NO_DAEMON));

		// ---- header flags: RD and CD copied, the rest cleared ----
		Query cd = opt;
		cd.flags = dns::CD | dns::AD;
		v.push_back(tc_row(p + "tc_cd_ad_no_rd", f, cd));
		Query all_bits = plain;
		all_bits.flags = dns::AA | dns::TC | dns::RD | dns::RA | dns::Z | dns::AD | dns::CD | 0x000f;
		v.push_back(tc_row(p + "tc_every_flag_bit", f, all_bits));
		Query none = plain;
		none.flags = 0;
		v.push_back(tc_row(p + "tc_no_flags", f, none));

		// ---- OPT handling ----
		Query with_cookie = opt_do;
		with_cookie.opt_rdata = {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8}; // EDNS client cookie
		v.push_back(tc_row(p + "tc_opt_options_dropped", f, with_cookie));
		Query small_buf = opt;
		small_buf.bufsize = 512;
		v.push_back(tc_row(p + "tc_opt_query_bufsize512", f, small_buf));
		Fixture big = tc_row(p + "tc_edns_buffer_size_4096", f, opt_do);
		big.config = [](xdpdns_config &c) {
			c.udp_truncate_all = 1;
			c.edns_buffer_size = 4096;
		};
		v.push_back(big);
		Query ar_not_opt = plain;
		ar_not_opt.additional_before = a_record();
		ar_not_opt.extra_ar = 1;
		v.push_back(tc_row(p + "tc_additional_not_opt", f, ar_not_opt, false));
		Query opt_then_more = opt_do;
		opt_then_more.additional_after = a_record();
		opt_then_more.extra_ar = 1;
		v.push_back(tc_row(p + "tc_opt_then_another_record", f, opt_then_more, true));
		Query opt_cut = plain;
		opt_cut.extra_ar = 1;
		opt_cut.tail = {0, 0, 0x29, 0x04, 0xd0, 0, 0, 0x80, 0}; // OPT missing 2 octets of its fixed part
		v.push_back(tc_row(p + "tc_opt_fixed_part_cut", f, opt_cut, false));
		Query opt_no_ar = plain;
		opt_no_ar.tail = dns_opt(1232, true); // OPT present but ARCOUNT 0
		v.push_back(tc_row(p + "tc_opt_without_arcount", f, opt_no_ar, false));
		Query trailing = plain;
		trailing.tail = {0xde, 0xad, 0xbe, 0xef};
		v.push_back(tc_row(p + "tc_trailing_octets_dropped", f, trailing));

		// ---- the question is copied byte for byte ----
		Query root = opt;
		root.qname = dns_name(".");
		root.qtype = 2; // NS
		v.push_back(tc_row(p + "tc_root_name", f, root));
		Query mixed_case = plain;
		mixed_case.qname = dns_name("SmAlL.ExAmPlE.tEsT");
		mixed_case.qtype = 255;
		mixed_case.qclass = 3; // CH
		v.push_back(tc_row(p + "tc_mixed_case_any_ch", f, mixed_case));
		Query name255 = opt;
		name255.qname = long_name(255);
		v.push_back(tc_row(p + "tc_name_255_octets", f, name255));
		Query label63 = plain;
		label63.qname = dns_name(std::string(63, 'x') + ".example.test");
		v.push_back(tc_row(p + "tc_label_63", f, label63));
		Fixture zero_csum = tc_row(p + "tc_query_udp_checksum_zero", f, plain);
		if (!f.encap.v6) {
			zero_csum.input = frame(f.to_server().udp(f.client_port, 53).payload(plain.wire()).l4_checksum(0).build());
			v.push_back(zero_csum);
		}

		// ---- not truncatable: left to the daemon (none here: passed) ----
		Query name256 = plain;
		name256.qname = long_name(256);
		v.push_back(not_truncatable_row(p + "name_256_octets", f, name256));
		Query label64 = plain;
		label64.qname = {64};
		label64.qname.insert(label64.qname.end(), 64, 'y');
		label64.qname.push_back(0);
		v.push_back(not_truncatable_row(p + "label_64", f, label64));
		Query pointer = plain;
		pointer.qname = {3, 'w', 'w', 'w', 0xc0, 0x0c};
		v.push_back(not_truncatable_row(p + "compressed_name", f, pointer));
		Query qd0 = plain;
		qd0.qdcount = 0;
		v.push_back(not_truncatable_row(p + "qdcount_0", f, qd0));
		Query qd2 = plain;
		qd2.qdcount = 2;
		v.push_back(not_truncatable_row(p + "qdcount_2", f, qd2));
		Query an1 = plain;
		an1.ancount = 1;
		v.push_back(not_truncatable_row(p + "ancount_1", f, an1));
		Query ns1 = plain;
		ns1.nscount = 1;
		v.push_back(not_truncatable_row(p + "nscount_1", f, ns1));
		Query notify = plain;
		notify.flags = dns::opcode(4) | dns::AA;
		v.push_back(not_truncatable_row(p + "opcode_notify", f, notify));
		Query update = plain;
		update.flags = dns::opcode(5);
		v.push_back(not_truncatable_row(p + "opcode_update", f, update));
		Bytes header_only = dns_header(0x77, dns::RD, 1, 0, 0, 0);
		Bytes name_only = header_only;
		put_bytes(name_only, dns_name("small.example.test"));
		Bytes name_type = name_only;
		put_u16(name_type, dns::TYPE_A);
		Bytes unterminated = header_only;
		put_bytes(unterminated, Bytes{5, 's', 'm', 'a', 'l', 'l', 7, 'e', 'x', 'a'});
		for (auto [what, payload] : {std::pair{"header_only", header_only}, std::pair{"qtype_missing", name_only},
					     std::pair{"qclass_missing", name_type}, std::pair{"name_unterminated", unterminated}}) {
			Fixture row = pass_row(p + what, frame(f.to_server().udp(f.client_port, 53).payload(payload).build()),
					       XDPDNS_STAT_PASS_UDP_NO_DAEMON);
			row.config = truncate_all;
			v.push_back(row);
		}
	}
	return v;
}

class UdpTable : public XdpTableTest {};

TEST_P(UdpTable, Row) { run_row(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Contract, UdpTable, ::testing::ValuesIn(udp_table()), FixtureName());

// ---------------------------------------------------------------------------
// xdpdns_atr: the saved query frame in, the TC=1 answer out (XDP_TX,
// atr-sent), whatever udp_truncate_all says. Whether a replay also counts
// rx-frames is not fixed by the contract: either is accepted.

Fixture atr_row(std::string name, const Flow &f, const Query &q, bool truncate_all_knob = false)
{
	return {.name = std::move(name),
		.input = frame(query_frame(f, q)),
		.verdict = XDP_TX,
		.counters = one_frame({XDPDNS_STAT_ATR_SENT}),
		.expected = [f, q](const FixtureEnv &e) { return tc_answer(f, e, q); },
		.config = [truncate_all_knob](xdpdns_config &c) { c.udp_truncate_all = truncate_all_knob ? 1 : 0; },
		.prog = Prog::Atr,
		.rx_frames_either = true};
}

Fixture atr_bad(std::string name, Bytes in)
{
	return {.name = std::move(name),
		.input = frame(std::move(in)),
		.verdict = XDP_DROP,
		.counters = one_frame({XDPDNS_STAT_ATR_BAD_FRAME}),
		.prog = Prog::Atr,
		.rx_frames_either = true};
}

std::vector<Fixture> atr_table()
{
	std::vector<Fixture> v;
	Query plain;
	Query opt_do;
	opt_do.opt = true;
	opt_do.do_bit = true;
	for (const char *n : {"ipv4", "ipv4_options", "ipv6", "ipv6_ext3", "vlan_ipv4", "qinq_ipv6"}) {
		Flow f(encap(n));
		const std::string p = std::string(n) + "_";
		v.push_back(atr_row(p + "atr_no_opt", f, plain));
		v.push_back(atr_row(p + "atr_opt_do", f, opt_do));
	}
	Flow v4(encap("ipv4")), v6(encap("ipv6"));
	v.push_back(atr_row("ipv4_atr_with_truncate_all", v4, opt_do, true));
	Fixture big = atr_row("ipv6_atr_edns_buffer_size_1400", v6, opt_do);
	big.config = [](xdpdns_config &c) { c.edns_buffer_size = 1400; };
	v.push_back(big);

	Query response = plain;
	response.flags = dns::QR;
	v.push_back(atr_bad("ipv4_atr_response", query_frame(v4, response)));
	Query qd2 = plain;
	qd2.qdcount = 2;
	v.push_back(atr_bad("ipv4_atr_qdcount_2", query_frame(v4, qd2)));
	Query pointer = plain;
	pointer.qname = {3, 'w', 'w', 'w', 0xc0, 0x0c};
	v.push_back(atr_bad("ipv6_atr_compressed_name", query_frame(v6, pointer)));
	Query notify = plain;
	notify.flags = dns::opcode(4);
	v.push_back(atr_bad("ipv4_atr_opcode_notify", query_frame(v4, notify)));
	v.push_back(atr_bad("ipv4_atr_payload_11_octets",
			    v4.to_server().udp(40000, 53).payload(Bytes{1, 2, 1, 0, 0, 1, 0, 0, 0, 0, 0}).build()));
	v.push_back(atr_bad("ipv4_atr_udp_port80", Flow(v4).ports(40000, 80).to_server().udp(40000, 80).payload(plain.wire()).build()));
	v.push_back(atr_bad("ipv6_atr_tcp_segment",
			    v6.to_server().tcp(40000, 53).seq(kIsn + 1).ack(1).flags(tcp::PSH | tcp::ACK).payload(dns_tcp_framed(plain.wire())).build()));
	v.push_back(atr_bad("ipv4_atr_truncated_frame", v4.to_server().udp(40000, 53).payload(plain.wire()).truncate(14 + 20 + 8 + 5).build()));
	Bytes arp_body{0, 1, 8, 0, 6, 4, 0, 1};
	arp_body.resize(28, 0);
	v.push_back(atr_bad("atr_arp", Packet().eth(v4.client_mac, mac("ff:ff:ff:ff:ff:ff")).ethertype(0x0806).payload(arp_body).build()));
	v.push_back(atr_bad("ipv4_atr_first_fragment", v4.to_server().mf().udp(40000, 53).payload(plain.wire()).build()));
	return v;
}

class AtrTable : public XdpTableTest {};

TEST_P(AtrTable, Row) { run_row(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Contract, AtrTable, ::testing::ValuesIn(atr_table()), FixtureName());

// The replayed answer is the one xdpdns_main sends with udp_truncate_all:
// one truncation routine.
class AtrMatchesInKernelTruncation : public XdpTest {};

TEST_F(AtrMatchesInKernelTruncation, SameBytesForSameQuery)
{
	Query q;
	q.opt = true;
	q.do_bit = true;
	q.flags = dns::RD | dns::CD;
	for (const char *n : {"ipv4", "ipv6_ext3", "qinq_ipv4"}) {
		SCOPED_TRACE(n);
		Bytes in = query_frame(Flow(encap(n)), q);
		xdpdns_config c = cfg_;
		c.udp_truncate_all = 1;
		runner_->write_config(c);
		RunResult main = runner_->run(Prog::Main, in);
		RunResult atr = runner_->run(Prog::Atr, in);
		EXPECT_EQ(verdict_name(main.verdict), "XDP_TX");
		EXPECT_EQ(verdict_name(atr.verdict), "XDP_TX");
		EXPECT_EQ(main.frame, atr.frame);
	}
}

} // namespace
} // namespace xdpdns::test
