// Service addresses: with config.addr_filter_active = 0 the service_addrs map
// is ignored (every destination address is ours); with 1, TCP/UDP to a
// service port is ours only when its destination is in the map, and anything
// else is XDP_PASS untouched with pass-other-address. Every row runs for
// IPv4, IPv6 (with and without extension headers) and VLAN framings.
#include <linux/bpf.h>

#include <xdpdns/cookie.h>

#include "dns_message.h"
#include "flows.h"
#include "replies.h"
#include "xdp_test.h"
#include "xsk_rig.h"

namespace xdpdns::test {
namespace {

// Addresses of this host that are not the flow's server address.
const Ip6 kOther4 = v4_mapped(ip4("198.51.100.54"));
const Ip6 kOther6 = ip6("2001:db8:53::54");

const char *const kEncaps[] = {"ipv4", "ipv4_options", "ipv6", "ipv6_ext3", "vlan_ipv4", "vlan_ipv6",
			       "qinq_ipv4", "qinq_ipv6"};

std::uint32_t mss1460() { return xdpdns_mss_index(1460); }

Bytes udp_query(const Flow &f)
{
	return f.to_server().udp(f.client_port, f.server_port).payload(dns_query(0x5353, "small.example.test", dns::TYPE_A)).build();
}

FrameFn syn(const Flow &f)
{
	return [f](const FixtureEnv &) { return client_segment(f, kIsn, 0, tcp::SYN).mss(1460).build(); };
}

FrameFn fin(const Flow &f)
{
	return [f](const FixtureEnv &) { return client_segment(f, kIsn + 30, kPeerAck, tcp::FIN | tcp::ACK).build(); };
}

FrameFn data(const Flow &f)
{
	return data_with_cookie(f, [f](const FixtureEnv &e) { return cookie_for(f, e.current_key(), e.epoch, mss1460()); });
}

// The filter on (or off) over the given set.
Fixture with_set(Fixture row, std::vector<Ip6> set, bool active = true)
{
	row.config = [active](xdpdns_config &c) { c.addr_filter_active = active ? 1 : 0; };
	row.prepare = [set](XdpRunner &r) { r.set_service_addrs(set); };
	return row;
}

Fixture other_address(std::string name, FrameFn in, std::vector<Ip6> set = {kOther4, kOther6})
{
	return with_set(pass_row(std::move(name), std::move(in), XDPDNS_STAT_PASS_OTHER_ADDRESS), std::move(set));
}

Fixture syn_ack_row(std::string name, const Flow &f)
{
	return {.name = std::move(name),
		.input = syn(f),
		.verdict = XDP_TX,
		.counters = one_frame({XDPDNS_STAT_TCP_SYN}),
		.expected = [f](const FixtureEnv &e) { return syn_ack(f, e, kIsn, mss1460()); }};
}

Fixture fin_ack_row(std::string name, const Flow &f)
{
	return {.name = std::move(name),
		.input = fin(f),
		.verdict = XDP_TX,
		.counters = one_frame({XDPDNS_STAT_TCP_FIN}),
		.expected = [f](const FixtureEnv &e) { return fin_ack(f, e, kIsn + 30, kPeerAck); }};
}

std::vector<Fixture> rows_for(const Flow &f)
{
	std::vector<Fixture> v;
	const std::string p = f.encap.name + "_";
	const Ip6 server = f.server_key();
	const std::vector<Ip6> ours = {kOther4, server, kOther6};

	// ---- filter inactive: the map's contents do not matter ----
	v.push_back(with_set(syn_ack_row(p + "inactive_syn", f), {kOther4, kOther6}, false));
	v.push_back(with_set(pass_row(p + "inactive_udp_query", frame(udp_query(f)), XDPDNS_STAT_PASS_UDP_NO_DAEMON),
			     {kOther4, kOther6}, false));
	v.push_back(with_set(drop_row(p + "inactive_empty_set_data", data(f), XDPDNS_STAT_TCP_NO_DAEMON), {}, false));

	// ---- active, destination in the set: as without the filter ----
	v.push_back(with_set(syn_ack_row(p + "ours_syn", f), ours));
	v.push_back(with_set(fin_ack_row(p + "ours_fin", f), ours));
	v.push_back(with_set(drop_row(p + "ours_data", data(f), XDPDNS_STAT_TCP_NO_DAEMON), ours));
	v.push_back(with_set(drop_row(p + "ours_rst", frame(client_segment(f, kIsn + 1, 0, tcp::RST).build()), XDPDNS_STAT_TCP_RST),
			     ours));
	v.push_back(with_set(pass_row(p + "ours_udp_query", frame(udp_query(f)), XDPDNS_STAT_PASS_UDP_NO_DAEMON), ours));
	v.push_back(with_set(drop_row(p + "ours_only_address_data", data(f), XDPDNS_STAT_TCP_NO_DAEMON), {server}));

	// ---- active, destination not in the set: passed untouched ----
	v.push_back(other_address(p + "other_syn", syn(f)));
	v.push_back(other_address(p + "other_fin", fin(f)));
	v.push_back(other_address(p + "other_data", data(f)));
	v.push_back(other_address(p + "other_pure_ack", frame(client_segment(f, kIsn + 1, kPeerAck, tcp::ACK).build())));
	v.push_back(other_address(p + "other_rst", frame(client_segment(f, kIsn + 1, 0, tcp::RST).build())));
	v.push_back(other_address(p + "other_udp_query", frame(udp_query(f))));
	v.push_back(other_address(p + "other_udp_response",
				  frame(f.to_server().udp(f.client_port, f.server_port)
						.payload(dns_header(1, dns::QR, 0, 0, 0, 0)).build())));
	// The source address does not count, only the destination.
	v.push_back(other_address(p + "client_in_set_syn", syn(f), {f.client_key()}));
	// The same address octets in the other family do not match: an IPv4
	// server address is only ever the mapped key.
	Ip6 unmapped = server;
	if (!f.encap.v6)
		std::fill(unmapped.begin(), unmapped.begin() + 12, 0);
	else
		unmapped[0] ^= 0x80;
	v.push_back(other_address(p + "near_miss_udp_query", frame(udp_query(f)), {unmapped}));
	// udp.truncate-all answers only our own addresses.
	Fixture tc = other_address(p + "other_udp_truncate_all", frame(udp_query(f)));
	tc.config = [](xdpdns_config &c) {
		c.addr_filter_active = 1;
		c.udp_truncate_all = 1;
	};
	v.push_back(tc);

	// The port is checked first: a port that is not a service port stays
	// pass-other whatever the address.
	Flow port80 = f;
	port80.ports(40000, 80);
	v.push_back(with_set(pass_row(p + "other_port80_syn", syn(port80), XDPDNS_STAT_PASS_OTHER), {kOther4, kOther6}));
	return v;
}

std::vector<Fixture> service_addrs_table()
{
	std::vector<Fixture> all;
	for (const char *name : kEncaps) {
		std::vector<Fixture> rows = rows_for(Flow(encap(name)));
		all.insert(all.end(), rows.begin(), rows.end());
	}

	// First fragments to a service port: dropped when ours, passed when
	// the address is another one (the host reassembles what is not ours).
	Flow v4(encap("ipv4")), v6(encap("ipv6")), vlan4(encap("vlan_ipv4"));
	const Bytes q = dns_query(7, "small.example.test", dns::TYPE_A);
	const Bytes frag4 = v4.to_server().mf().udp(40000, 53).payload(q).build();
	const Bytes frag_vlan4 = vlan4.to_server().mf().udp(40000, 53).payload(q).build();
	const Bytes frag6 = v6.to_server().fragment(0, true).udp(40000, 53).payload(q).build();
	all.push_back(with_set(drop_row("ipv4_ours_first_fragment", frame(frag4), XDPDNS_STAT_DROP_FRAGMENT), {v4.server_key()}));
	all.push_back(with_set(drop_row("ipv6_ours_first_fragment", frame(frag6), XDPDNS_STAT_DROP_FRAGMENT), {v6.server_key()}));
	all.push_back(other_address("ipv4_other_first_fragment", frame(frag4)));
	all.push_back(other_address("vlan_ipv4_other_first_fragment", frame(frag_vlan4)));
	all.push_back(other_address("ipv6_other_first_fragment", frame(frag6)));

	// More IPv6 extension headers than the walk takes: dropped when the
	// destination is ours (it could be TCP to port 53), passed to the host
	// when it is another address.
	const Bytes seven = v6.to_server().hop_by_hop().dest_opts().routing(0).dest_opts().dest_opts().dest_opts()
				    .dest_opts().tcp(40000, 53).seq(kIsn).flags(tcp::SYN).build();
	all.push_back(with_set(drop_row("ipv6_ours_7_ext_headers_syn", frame(seven), XDPDNS_STAT_DROP_EXT_HEADERS),
			       {v6.server_key()}));
	all.push_back(other_address("ipv6_other_7_ext_headers_syn", frame(seven)));
	return all;
}

class ServiceAddrsTable : public XdpTableTest {};

TEST_P(ServiceAddrsTable, Row) { run_row(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Contract, ServiceAddrsTable, ::testing::ValuesIn(service_addrs_table()), FixtureName());

// ---- xdpdns_atr: a saved frame to another address is no query of ours ----

// The TC=1 answer to udp_query(f) (no OPT): QR, TC and RD, the question.
Bytes tc_answer(const Flow &f)
{
	Bytes m = dns_header(0x5353, dns::QR | dns::TC | dns::RD, 1, 0, 0, 0);
	put_bytes(m, dns_question(dns_name("small.example.test"), dns::TYPE_A));
	return f.to_client().udp(f.server_port, f.client_port).payload(m).build();
}

std::vector<Fixture> atr_table()
{
	std::vector<Fixture> v;
	for (const char *name : {"ipv4", "ipv6", "vlan_ipv6"}) {
		Flow f(encap(name));
		const std::string p = std::string(name) + "_";
		v.push_back(with_set({.name = p + "atr_ours",
				      .input = frame(udp_query(f)),
				      .verdict = XDP_TX,
				      .counters = one_frame({XDPDNS_STAT_ATR_SENT}),
				      .expected = [f](const FixtureEnv &) { return tc_answer(f); },
				      .prog = Prog::Atr,
				      .rx_frames_either = true},
				     {f.server_key()}));
		v.push_back(with_set({.name = p + "atr_other_address",
				      .input = frame(udp_query(f)),
				      .verdict = XDP_DROP,
				      .counters = one_frame({XDPDNS_STAT_ATR_BAD_FRAME}),
				      .prog = Prog::Atr,
				      .rx_frames_either = true},
				     {kOther4, kOther6}));
		v.push_back(with_set({.name = p + "atr_inactive",
				      .input = frame(udp_query(f)),
				      .verdict = XDP_TX,
				      .counters = one_frame({XDPDNS_STAT_ATR_SENT}),
				      .expected = [f](const FixtureEnv &) { return tc_answer(f); },
				      .prog = Prog::Atr,
				      .rx_frames_either = true},
				     {kOther4, kOther6}, false));
	}
	return v;
}

class ServiceAddrsAtr : public XdpTableTest {};

TEST_P(ServiceAddrsAtr, Row) { run_row(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Contract, ServiceAddrsAtr, ::testing::ValuesIn(atr_table()), FixtureName());

// ---- with a real AF_XDP socket on the queue ----

class ServiceAddrsRedirect : public XdpSocketTest {
protected:
	ServiceAddrsRedirect() : XdpSocketTest("bpft-sa0", "bpft-sa1") {}
	void SetUp() override
	{
		XdpSocketTest::SetUp();
		if (IsSkipped())
			return;
		queue0_ = queue(0);
	}

	RunContext queue0_;
};

Fixture redirected(std::string name, FrameFn in, xdpdns_stat reason, std::vector<Ip6> set)
{
	Fixture row{.name = std::move(name), .input = in, .verdict = XDP_REDIRECT, .counters = one_frame({reason}), .expected = in};
	return with_set(row, std::move(set));
}

// Our address goes to the daemon's socket; another address does not, even
// though a socket is there to take it.
TEST_F(ServiceAddrsRedirect, OnlyServiceAddressesReachTheDaemon)
{
	for (const char *name : {"ipv4", "ipv6", "vlan_ipv4", "qinq_ipv6"}) {
		SCOPED_TRACE(name);
		Flow f(encap(name));
		const std::vector<Ip6> ours = {f.server_key(), kOther6};
		run_row(redirected("udp_ours", frame(udp_query(f)), XDPDNS_STAT_UDP_TO_DAEMON, ours), queue0_);
		run_row(redirected("tcp_ours", data(f), XDPDNS_STAT_TCP_TO_DAEMON, ours), queue0_);
		run_row(other_address("udp_other", frame(udp_query(f))), queue0_);
		run_row(other_address("tcp_other", data(f)), queue0_);
	}
}

// The flag, not the map, decides: an empty map with the flag down serves
// every address; the same map with the flag up serves none.
TEST_F(ServiceAddrsRedirect, FlagDecides)
{
	Flow f(encap("ipv4"));
	Fixture all = redirected("flag_down", frame(udp_query(f)), XDPDNS_STAT_UDP_TO_DAEMON, {});
	all.config = [](xdpdns_config &c) { c.addr_filter_active = 0; };
	run_row(all, queue0_);
	run_row(other_address("flag_up_empty", frame(udp_query(f)), {}), queue0_);
}

} // namespace
} // namespace xdpdns::test
