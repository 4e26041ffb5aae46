// Transport checksums in the segments and datagrams XDP answers itself (SYN,
// FIN, and UDP with udp.truncate-all), for every framing: a full checksum is
// accepted; the partial form a local sender leaves with checksum offload
// (veth, tap: the folded pseudo-header sum, not inverted) is accepted too
// unless checksum.strict is on; anything else is dropped and counted
// drop-bad-checksum. IPv4 header checksums are always complete.
#include <linux/bpf.h>

#include "dns_message.h"
#include "flows.h"
#include "replies.h"
#include "xdp_test.h"

namespace xdpdns::test {
namespace {

void strict(xdpdns_config &c) { c.checksum_strict = 1; }
void truncate_all(xdpdns_config &c) { c.udp_truncate_all = 1; }
void truncate_all_strict(xdpdns_config &c)
{
	c.udp_truncate_all = 1;
	c.checksum_strict = 1;
}

Fixture with_config(Fixture r, void (*config)(xdpdns_config &))
{
	r.config = config;
	return r;
}

// The checksum field of a built frame as it lies on the wire (big-endian).
std::uint16_t field_at(const Bytes &b, std::size_t off) { return static_cast<std::uint16_t>(b[off] << 8 | b[off + 1]); }

// A small query without OPT and the TC=1 answer udp.truncate-all makes of it.
Bytes udp_query_message() { return dns_query(0x2607, "small.example.test", dns::TYPE_A); }

Packet udp_query(const Flow &f) { return f.to_server().udp(f.client_port, f.server_port).payload(udp_query_message()); }

Bytes tc_answer(const Flow &f)
{
	Bytes m = dns_header(0x2607, dns::QR | dns::TC | dns::RD, 1, 0, 0, 0);
	put_bytes(m, dns_question(dns_name("small.example.test"), dns::TYPE_A));
	return f.to_client().udp(f.server_port, f.client_port).payload(m).build();
}

std::vector<Fixture> rows_for(const Flow &f)
{
	std::vector<Fixture> v;
	const std::string p = f.encap.name + "_";
	const bool v4 = !f.encap.v6;
	const std::uint16_t l4 = f.encap.l4_offset();

	// ---- SYN ----
	auto syn = [f](std::function<Packet(Packet)> shape) {
		return [f, shape](const FixtureEnv &) {
			return shape(client_segment(f, kIsn, 0, tcp::SYN).mss(1460)).build();
		};
	};
	auto syn_ack_row = [&](std::string name, FrameFn in) {
		return Fixture{.name = p + name,
			       .input = std::move(in),
			       .verdict = XDP_TX,
			       .counters = one_frame({XDPDNS_STAT_TCP_SYN}),
			       .expected = [f](const FixtureEnv &e) { return syn_ack(f, e, kIsn, 6); }};
	};
	const auto partial = [](Packet s) { return s.partial_l4_checksum(); };
	const auto full = [](Packet s) { return s; };
	v.push_back(syn_ack_row("syn_partial_checksum", syn(partial)));
	v.push_back(with_config(drop_row(p + "syn_partial_checksum_strict", syn(partial), XDPDNS_STAT_DROP_BAD_CSUM), strict));
	v.push_back(with_config(syn_ack_row("syn_full_checksum_strict", syn(full)), strict));
	v.push_back(drop_row(p + "syn_partial_checksum_corrupted",
			     syn([](Packet s) { return s.partial_l4_checksum().bad_l4_checksum(); }), XDPDNS_STAT_DROP_BAD_CSUM));
	// The partial form compared in the wrong byte order would accept this.
	const std::uint16_t sp = field_at(client_segment(f, kIsn, 0, tcp::SYN).mss(1460).partial_l4_checksum().build(), l4 + 16);
	if ((sp >> 8) != (sp & 0xff))
		v.push_back(drop_row(p + "syn_partial_checksum_byte_swapped",
				     syn([sp](Packet s) { return s.l4_checksum(static_cast<std::uint16_t>(sp << 8 | sp >> 8)); }),
				     XDPDNS_STAT_DROP_BAD_CSUM));
	// Near the partial form but not it (as from a segment 4 octets longer).
	v.push_back(drop_row(p + "syn_partial_checksum_other_length",
			     syn([sp](Packet s) { return s.l4_checksum(static_cast<std::uint16_t>(sp + 4)); }),
			     XDPDNS_STAT_DROP_BAD_CSUM));
	if (v4)
		v.push_back(drop_row(p + "syn_partial_checksum_bad_ip_checksum",
				     syn([](Packet s) { return s.partial_l4_checksum().bad_ip_checksum(); }),
				     XDPDNS_STAT_DROP_BAD_CSUM));

	// ---- FIN ----
	auto fin = [f](std::function<Packet(Packet)> shape) {
		return [f, shape](const FixtureEnv &) {
			return shape(client_segment(f, kIsn + 30, kPeerAck, tcp::FIN | tcp::ACK)).build();
		};
	};
	auto fin_ack_row = [&](std::string name, FrameFn in) {
		return Fixture{.name = p + name,
			       .input = std::move(in),
			       .verdict = XDP_TX,
			       .counters = one_frame({XDPDNS_STAT_TCP_FIN}),
			       .expected = [f](const FixtureEnv &e) { return fin_ack(f, e, kIsn + 30, kPeerAck); }};
	};
	v.push_back(fin_ack_row("fin_partial_checksum", fin(partial)));
	v.push_back(with_config(drop_row(p + "fin_partial_checksum_strict", fin(partial), XDPDNS_STAT_DROP_BAD_CSUM), strict));
	v.push_back(with_config(fin_ack_row("fin_full_checksum_strict", fin(full)), strict));
	v.push_back(drop_row(p + "fin_partial_checksum_corrupted",
			     fin([](Packet s) { return s.partial_l4_checksum().bad_l4_checksum(); }), XDPDNS_STAT_DROP_BAD_CSUM));

	// ---- UDP answered in XDP (udp.truncate-all) ----
	auto tc_row = [&](std::string name, Packet q, void (*config)(xdpdns_config &)) {
		return Fixture{.name = p + name,
			       .input = frame(q.build()),
			       .verdict = XDP_TX,
			       .counters = one_frame({XDPDNS_STAT_UDP_TRUNCATED}),
			       .expected = [f](const FixtureEnv &) { return tc_answer(f); },
			       .config = config};
	};
	auto udp_drop = [&](std::string name, Packet q, void (*config)(xdpdns_config &)) {
		return with_config(drop_row(p + name, frame(q.build()), XDPDNS_STAT_DROP_BAD_CSUM), config);
	};
	v.push_back(tc_row("udp_full_checksum", udp_query(f), truncate_all));
	v.push_back(tc_row("udp_full_checksum_strict", udp_query(f), truncate_all_strict));
	v.push_back(tc_row("udp_partial_checksum", udp_query(f).partial_l4_checksum(), truncate_all));
	v.push_back(udp_drop("udp_partial_checksum_strict", udp_query(f).partial_l4_checksum(), truncate_all_strict));
	v.push_back(udp_drop("udp_partial_checksum_corrupted", udp_query(f).partial_l4_checksum().bad_l4_checksum(),
			     truncate_all));
	v.push_back(udp_drop("udp_bad_checksum", udp_query(f).bad_l4_checksum(), truncate_all));
	Bytes corrupted = udp_query(f).build();
	corrupted.back() ^= 0x01; // the full checksum covers the question
	v.push_back(with_config(drop_row(p + "udp_question_corrupted", frame(corrupted), XDPDNS_STAT_DROP_BAD_CSUM),
				truncate_all));
	if (v4) {
		// No checksum at all (RFC 768): nothing to verify, strict or not.
		v.push_back(tc_row("udp_zero_checksum", udp_query(f).l4_checksum(0), truncate_all));
		v.push_back(tc_row("udp_zero_checksum_strict", udp_query(f).l4_checksum(0), truncate_all_strict));
		v.push_back(udp_drop("udp_bad_ip_checksum", udp_query(f).bad_ip_checksum(), truncate_all));
	} else {
		v.push_back(udp_drop("udp_zero_checksum", udp_query(f).l4_checksum(0), truncate_all)); // RFC 8200 8.1
	}
	// Without udp.truncate-all XDP answers nothing: the daemon checks the
	// checksum (no daemon here, so the query goes to the host).
	v.push_back(pass_row(p + "udp_partial_checksum_strict_to_daemon", frame(udp_query(f).partial_l4_checksum().build()),
			     XDPDNS_STAT_PASS_UDP_NO_DAEMON));
	v.back().config = strict;
	return v;
}

std::vector<Fixture> checksum_table()
{
	std::vector<Fixture> all;
	for (const Encap &e : all_encaps()) {
		std::vector<Fixture> rows = rows_for(Flow(e));
		all.insert(all.end(), rows.begin(), rows.end());
	}
	return all;
}

class ChecksumTable : public XdpTableTest {};

TEST_P(ChecksumTable, Row) { run_row(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Contract, ChecksumTable, ::testing::ValuesIn(checksum_table()), FixtureName());

// checksum.strict is read per packet: the same partial-checksum SYN is
// answered, refused once the knob is set, answered again once it is cleared.
class ChecksumKnob : public XdpTest {};

TEST_F(ChecksumKnob, StrictIsReadPerPacket)
{
	Flow f(encap("ipv6"));
	const Bytes in = client_segment(f, kIsn, 0, tcp::SYN).mss(1460).partial_l4_checksum().build();
	Fixture answered{.name = "partial_syn",
			 .input = frame(in),
			 .verdict = XDP_TX,
			 .counters = one_frame({XDPDNS_STAT_TCP_SYN}),
			 .expected = [f](const FixtureEnv &e) { return syn_ack(f, e, kIsn, 6); }};
	run_row(answered);
	cfg_.checksum_strict = 1;
	run_row(drop_row("partial_syn_strict", frame(in), XDPDNS_STAT_DROP_BAD_CSUM));
	cfg_.checksum_strict = 0;
	run_row(answered);
}

} // namespace
} // namespace xdpdns::test
