// ICMP fragmentation-needed / ICMPv6 Packet Too Big about our answers: the
// path-MTU map entry (exact MTU, fresh timestamp) or the reason it was not
// stored; the frame always goes on to the host stack untouched. Forgeries
// are refused and counted: a bad ICMP checksum, a quoted packet that is
// not from a service address and port, or not shaped like an answer we
// send (IPv4: no options, DF, whole; lengths that agree; larger than the
// MTU reported; at most udp.max-size of UDP payload).
#include <linux/bpf.h>
#include <time.h>

#include "dns_message.h"
#include "replies.h"
#include "xdp_test.h"

namespace xdpdns::test {
namespace {

const Ip4 kRouter4 = ip4("203.0.113.1");
const Ip6 kRouter6 = ip6("2001:db8:ffff::1");

std::uint64_t monotonic_ns()
{
	timespec ts{};
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<std::uint64_t>(ts.tv_nsec);
}

// A large UDP answer from us to the client, as a router would quote it:
// IPv4 1228 octets with DF (1200 of DNS, under the default udp.max-size of
// 1232); IPv6 1448 (1400 of DNS: only sent with udp.max-size raised).
Packet answer4(const Flow &f) { return Packet().ipv4(f.server4, f.client4).df().ip_id(0x99).udp(53, f.client_port).payload(Bytes(1200, 0xaa)); }
Packet answer6(const Flow &f) { return Packet().ipv6(f.server6, f.client6).udp(53, f.client_port).payload(Bytes(1400, 0xaa)); }

// RFC 792 quotes the IP header and 8 octets; RFC 4443 as much as fits.
Bytes quote(const Packet &inner, std::size_t len) { return Packet(inner).truncate(len).build(); }

Bytes ptb4(const Flow &f, std::uint16_t mtu, const Bytes &inner, bool bad_checksum = false)
{
	Packet p;
	p.eth(f.client_mac, f.server_mac);
	for (auto [tpid, tci] : f.encap.vlans)
		p.vlan(tpid, tci);
	p.ipv4(kRouter4, f.server4).ttl(250).icmp4_frag_needed(mtu, inner);
	if (bad_checksum)
		p.bad_l4_checksum();
	return p.build();
}

Bytes ptb6(const Flow &f, std::uint32_t mtu, const Bytes &inner, bool outer_hbh = false, bool bad_checksum = false)
{
	Packet p;
	p.eth(f.client_mac, f.server_mac);
	for (auto [tpid, tci] : f.encap.vlans)
		p.vlan(tpid, tci);
	p.ipv6(kRouter6, f.server6).ttl(250);
	if (outer_hbh)
		p.hop_by_hop();
	p.icmp6_packet_too_big(mtu, inner);
	if (bad_checksum)
		p.bad_l4_checksum();
	return p.build();
}

// udp.max-size raised, as an operator must for answers that can meet a
// Packet Too Big at all (IPv6: 1232 + 48 = 1280, the minimum MTU).
Fixture raised(Fixture f, std::uint32_t cap = 4096)
{
	auto before = f.config;
	f.config = [before, cap](xdpdns_config &c) {
		c.udp_max_size = cap;
		if (before)
			before(c);
	};
	return f;
}

// Service addresses on, the server's address among them or not.
Fixture with_service_addrs(Fixture f, std::vector<Ip6> addrs)
{
	auto before = f.config;
	f.config = [before](xdpdns_config &c) {
		c.addr_filter_active = 1;
		if (before)
			before(c);
	};
	f.prepare = [addrs](XdpRunner &r) { r.set_service_addrs(addrs); };
	return f;
}

// Expects pmtu[client] = mtu stored during the run.
std::function<void(XdpRunner &, const FixtureEnv &, const RunResult &)> stored(Ip6 client, std::uint32_t mtu)
{
	return [client, mtu](XdpRunner &r, const FixtureEnv &, const RunResult &) {
		std::uint64_t now = monotonic_ns();
		std::optional<xdpdns_pmtu> e = r.pmtu_lookup(client);
		ASSERT_TRUE(e.has_value()) << "no pmtu entry for the client";
		EXPECT_EQ(e->mtu, mtu);
		EXPECT_LE(e->updated_ns, now) << "updated_ns is not CLOCK_MONOTONIC (bpf_ktime_get_ns)";
		EXPECT_GT(e->updated_ns + 10'000'000'000ull, now) << "updated_ns is not fresh";
		EXPECT_EQ(r.pmtu_count(), 1u);
	};
}

std::function<void(XdpRunner &, const FixtureEnv &, const RunResult &)> nothing_stored()
{
	return [](XdpRunner &r, const FixtureEnv &, const RunResult &) { EXPECT_EQ(r.pmtu_count(), 0u) << "pmtu map changed"; };
}

Fixture accepted(std::string name, Bytes in, Ip6 client, std::uint32_t mtu)
{
	Fixture f = pass_row(std::move(name), frame(std::move(in)), XDPDNS_STAT_PMTU_ACCEPTED);
	f.check = stored(client, mtu);
	return f;
}

Fixture refused(std::string name, Bytes in, xdpdns_stat reason)
{
	Fixture f = pass_row(std::move(name), frame(std::move(in)), reason);
	f.check = nothing_stored();
	return f;
}

std::vector<Fixture> pmtu_table()
{
	std::vector<Fixture> v;
	for (const char *n : {"ipv4", "vlan_ipv4", "qinq_ipv4"}) {
		Flow f(encap(n));
		const std::string p = std::string(n) + "_";
		const Ip6 client = v4_mapped(f.client4);
		v.push_back(accepted(p + "ptb_accepted", ptb4(f, 1200, quote(answer4(f), 28)), client, 1200));
		v.push_back(accepted(p + "ptb_long_quote_accepted", ptb4(f, 1000, quote(answer4(f), 548)), client, 1000));
	}
	Flow f(encap("ipv4"));
	const Ip6 client4 = v4_mapped(f.client4);
	v.push_back(accepted("ipv4_ptb_mtu_at_floor", ptb4(f, 552, quote(answer4(f), 28)), client4, 552));
	v.push_back(refused("ipv4_ptb_mtu_below_floor", ptb4(f, 551, quote(answer4(f), 28)), XDPDNS_STAT_PMTU_TOO_SMALL));
	v.push_back(refused("ipv4_ptb_mtu_0", ptb4(f, 0, quote(answer4(f), 28)), XDPDNS_STAT_PMTU_TOO_SMALL));
	Fixture floor = refused("ipv4_ptb_below_configured_floor", ptb4(f, 999, quote(answer4(f), 28)), XDPDNS_STAT_PMTU_TOO_SMALL);
	floor.config = [](xdpdns_config &c) { c.pmtu_min_v4 = 1000; };
	v.push_back(floor);
	Fixture floor_ok = accepted("ipv4_ptb_at_configured_floor", ptb4(f, 1000, quote(answer4(f), 28)), client4, 1000);
	floor_ok.config = [](xdpdns_config &c) { c.pmtu_min_v4 = 1000; };
	v.push_back(floor_ok);
	{
		Fixture replace = accepted("ipv4_ptb_replaces_entry", ptb4(f, 1100, quote(answer4(f), 28)), client4, 1100);
		replace.prepare = [client4](XdpRunner &r) { r.pmtu_write(client4, {1500, 0, 1}); };
		v.push_back(replace);
	}
	Packet other_src = answer4(f);
	other_src.ipv4(ip4("198.51.100.99"), f.client4);
	v.push_back(refused("ipv4_ptb_inner_src_not_outer_dst", ptb4(f, 1200, quote(other_src, 28)), XDPDNS_STAT_PMTU_NOT_OURS));
	v.push_back(refused("ipv4_ptb_inner_sport_54",
			    ptb4(f, 1200, quote(Packet().ipv4(f.server4, f.client4).df().udp(54, f.client_port).payload(Bytes(1200, 0)), 28)),
			    XDPDNS_STAT_PMTU_NOT_OURS));
	v.push_back(refused("ipv4_ptb_inner_tcp",
			    ptb4(f, 1200, quote(Packet().ipv4(f.server4, f.client4).df().tcp(53, f.client_port).flags(tcp::ACK).payload(Bytes(1200, 0)), 28)),
			    XDPDNS_STAT_PMTU_NOT_OURS));
	v.push_back(refused("ipv4_ptb_inner_nonfirst_fragment",
			    ptb4(f, 1200, quote(Packet().ipv4(f.server4, f.client4).frag_offset(185).ip_protocol(17).payload(Bytes(1200, 0)), 28)),
			    XDPDNS_STAT_PMTU_NOT_OURS));
	// Our fragments carry no DF: a router fragments them further instead
	// of complaining, so a frag-needed quoting one is forged.
	v.push_back(raised(refused("ipv4_ptb_inner_first_fragment",
				   ptb4(f, 1200, quote(Packet().ipv4(f.server4, f.client4).mf().udp(53, f.client_port).udp_length(3008).payload(Bytes(1400, 0)), 28)),
				   XDPDNS_STAT_PMTU_NOT_ANSWER)));
	Packet with_opts = answer4(f);
	with_opts.ip_options({0x94, 4, 0, 0});
	v.push_back(refused("ipv4_ptb_inner_ip_options", ptb4(f, 1200, quote(with_opts, 32)), XDPDNS_STAT_PMTU_NOT_ANSWER));
	v.push_back(refused("ipv4_ptb_inner_ip_options_udp_cut", ptb4(f, 1200, quote(with_opts, 31)), XDPDNS_STAT_PMTU_TRUNCATED));
	v.push_back(refused("ipv4_ptb_inner_ip_header_cut", ptb4(f, 1200, quote(answer4(f), 19)), XDPDNS_STAT_PMTU_TRUNCATED));
	v.push_back(refused("ipv4_ptb_inner_udp_cut", ptb4(f, 1200, quote(answer4(f), 27)), XDPDNS_STAT_PMTU_TRUNCATED));
	v.push_back(refused("ipv4_ptb_no_inner", ptb4(f, 1200, {}), XDPDNS_STAT_PMTU_TRUNCATED));

	// Forgeries that only the checks beyond source address and port catch.
	v.push_back(refused("ipv4_ptb_bad_icmp_checksum", ptb4(f, 1200, quote(answer4(f), 28), true), XDPDNS_STAT_PMTU_BAD_CSUM));
	v.push_back(refused("ipv4_ptb_bad_icmp_checksum_long_quote", ptb4(f, 1000, quote(answer4(f), 549), true),
			    XDPDNS_STAT_PMTU_BAD_CSUM));
	Packet no_df = answer4(f);
	no_df.df(false);
	v.push_back(refused("ipv4_ptb_inner_without_df", ptb4(f, 1200, quote(no_df, 28)), XDPDNS_STAT_PMTU_NOT_ANSWER));
	Packet udp_short = answer4(f);
	udp_short.udp_length(1000);
	v.push_back(refused("ipv4_ptb_inner_udp_length_not_ip_length", ptb4(f, 1200, quote(udp_short, 28)), XDPDNS_STAT_PMTU_NOT_ANSWER));
	v.push_back(refused("ipv4_ptb_mtu_not_below_quoted_length", ptb4(f, 1228, quote(answer4(f), 28)), XDPDNS_STAT_PMTU_NOT_ANSWER));
	v.push_back(accepted("ipv4_ptb_mtu_just_below_quoted_length", ptb4(f, 1227, quote(answer4(f), 28)), client4, 1227));
	// 1400 octets of DNS: above the default udp.max-size, so not ours; with
	// the cap raised to 1400 it is.
	const Packet big4 = Packet().ipv4(f.server4, f.client4).df().udp(53, f.client_port).payload(Bytes(1400, 0xaa));
	v.push_back(refused("ipv4_ptb_inner_above_udp_max_size", ptb4(f, 1400, quote(big4, 28)), XDPDNS_STAT_PMTU_NOT_ANSWER));
	v.push_back(raised(refused("ipv4_ptb_inner_above_raised_udp_max_size", ptb4(f, 1400, quote(big4, 28)), XDPDNS_STAT_PMTU_NOT_ANSWER), 1399));
	v.push_back(raised(accepted("ipv4_ptb_inner_at_raised_udp_max_size", ptb4(f, 1400, quote(big4, 28)), client4, 1400), 1400));
	v.push_back(with_service_addrs(refused("ipv4_ptb_inner_src_not_a_service_address", ptb4(f, 1200, quote(answer4(f), 28)),
					       XDPDNS_STAT_PMTU_NOT_OURS),
				       {v4_mapped(ip4("192.0.2.53"))}));
	v.push_back(with_service_addrs(accepted("ipv4_ptb_inner_src_a_service_address", ptb4(f, 1200, quote(answer4(f), 28)), client4, 1200),
				       {v4_mapped(ip4("192.0.2.53")), v4_mapped(f.server4)}));

	for (const char *n : {"ipv6", "vlan_ipv6", "qinq_ipv6"}) {
		Flow g(encap(n));
		const std::string p = std::string(n) + "_";
		v.push_back(raised(accepted(p + "ptb_accepted", ptb6(g, 1400, quote(answer6(g), 48)), g.client6, 1400)));
		v.push_back(raised(accepted(p + "ptb_long_quote_accepted", ptb6(g, 1280, quote(answer6(g), 1232)), g.client6, 1280)));
	}
	Flow g(encap("ipv6"));
	v.push_back(raised(accepted("ipv6_hbh_ptb_accepted", ptb6(g, 1300, quote(answer6(g), 48), true), g.client6, 1300)));
	v.push_back(raised(accepted("ipv6_ptb_mtu_1280", ptb6(g, 1280, quote(answer6(g), 48)), g.client6, 1280)));
	v.push_back(raised(refused("ipv6_ptb_mtu_1279", ptb6(g, 1279, quote(answer6(g), 48)), XDPDNS_STAT_PMTU_TOO_SMALL)));
	// An MTU at or above the quoted packet's length: it went through.
	v.push_back(raised(accepted("ipv6_ptb_mtu_just_below_quoted_length", ptb6(g, 1447, quote(answer6(g), 48)), g.client6, 1447)));
	v.push_back(raised(refused("ipv6_ptb_mtu_quoted_length", ptb6(g, 1448, quote(answer6(g), 48)), XDPDNS_STAT_PMTU_NOT_ANSWER)));
	v.push_back(raised(refused("ipv6_ptb_mtu_65535", ptb6(g, 65535, quote(answer6(g), 48)), XDPDNS_STAT_PMTU_NOT_ANSWER)));
	v.push_back(raised(refused("ipv6_ptb_mtu_max", ptb6(g, 0xffffffffu, quote(answer6(g), 48)), XDPDNS_STAT_PMTU_NOT_ANSWER)));
	Packet other6 = answer6(g);
	other6.ipv6(ip6("2001:db8:53::99"), g.client6);
	v.push_back(raised(refused("ipv6_ptb_inner_src_not_outer_dst", ptb6(g, 1400, quote(other6, 48)), XDPDNS_STAT_PMTU_NOT_OURS)));
	v.push_back(raised(refused("ipv6_ptb_inner_sport_5353",
				   ptb6(g, 1400, quote(Packet().ipv6(g.server6, g.client6).udp(5353, g.client_port).payload(Bytes(1400, 0)), 48)),
				   XDPDNS_STAT_PMTU_NOT_OURS)));
	v.push_back(raised(refused("ipv6_ptb_inner_tcp",
				   ptb6(g, 1400, quote(Packet().ipv6(g.server6, g.client6).tcp(53, g.client_port).flags(tcp::ACK).payload(Bytes(1400, 0)), 60)),
				   XDPDNS_STAT_PMTU_NOT_OURS)));
	v.push_back(raised(refused("ipv6_ptb_inner_hop_by_hop",
				   ptb6(g, 1400, quote(Packet().ipv6(g.server6, g.client6).hop_by_hop().udp(53, g.client_port).payload(Bytes(1400, 0)), 56)),
				   XDPDNS_STAT_PMTU_NOT_OURS)));
	// The first of our fragments: 1400 octets of a 3000-octet datagram.
	v.push_back(raised(accepted("ipv6_ptb_inner_first_fragment",
				    ptb6(g, 1400, quote(Packet().ipv6(g.server6, g.client6).fragment(0, true).udp(53, g.client_port).udp_length(3008).payload(Bytes(1400, 0)), 56)),
				    g.client6, 1400)));
	v.push_back(raised(refused("ipv6_ptb_inner_first_fragment_whole_datagram",
				   ptb6(g, 1400, quote(Packet().ipv6(g.server6, g.client6).fragment(0, true).udp(53, g.client_port).payload(Bytes(1400, 0)), 56)),
				   XDPDNS_STAT_PMTU_NOT_ANSWER)));
	v.push_back(raised(refused("ipv6_ptb_inner_atomic_fragment",
				   ptb6(g, 1400, quote(Packet().ipv6(g.server6, g.client6).fragment(0, false).udp(53, g.client_port).payload(Bytes(1400, 0)), 56)),
				   XDPDNS_STAT_PMTU_NOT_ANSWER)));
	v.push_back(raised(refused("ipv6_ptb_inner_first_fragment_above_udp_max_size",
				   ptb6(g, 1400, quote(Packet().ipv6(g.server6, g.client6).fragment(0, true).udp(53, g.client_port).udp_length(3008).payload(Bytes(1400, 0)), 56)),
				   XDPDNS_STAT_PMTU_NOT_ANSWER), 2999));
	v.push_back(raised(refused("ipv6_ptb_inner_nonfirst_fragment",
				   ptb6(g, 1400, quote(Packet().ipv6(g.server6, g.client6).fragment(181, true).ip_protocol(17).payload(Bytes(1400, 0)), 56)),
				   XDPDNS_STAT_PMTU_NOT_OURS)));
	v.push_back(raised(refused("ipv6_ptb_inner_fragment_udp_cut",
				   ptb6(g, 1400, quote(Packet().ipv6(g.server6, g.client6).fragment(0, true).udp(53, g.client_port).payload(Bytes(1400, 0)), 55)),
				   XDPDNS_STAT_PMTU_TRUNCATED)));
	v.push_back(raised(refused("ipv6_ptb_inner_ip_header_cut", ptb6(g, 1400, quote(answer6(g), 39)), XDPDNS_STAT_PMTU_TRUNCATED)));
	v.push_back(raised(refused("ipv6_ptb_inner_udp_cut", ptb6(g, 1400, quote(answer6(g), 47)), XDPDNS_STAT_PMTU_TRUNCATED)));
	v.push_back(raised(refused("ipv6_ptb_no_inner", ptb6(g, 1400, {}), XDPDNS_STAT_PMTU_TRUNCATED)));

	// Forgeries beyond address and port.
	v.push_back(raised(refused("ipv6_ptb_bad_icmp_checksum", ptb6(g, 1400, quote(answer6(g), 48), false, true),
				   XDPDNS_STAT_PMTU_BAD_CSUM)));
	v.push_back(raised(refused("ipv6_hbh_ptb_bad_icmp_checksum", ptb6(g, 1300, quote(answer6(g), 1000), true, true),
				   XDPDNS_STAT_PMTU_BAD_CSUM)));
	Packet udp_short6 = answer6(g);
	udp_short6.udp_length(1000);
	v.push_back(raised(refused("ipv6_ptb_inner_udp_length_not_payload_length", ptb6(g, 1400, quote(udp_short6, 48)),
				   XDPDNS_STAT_PMTU_NOT_ANSWER)));
	// With the default udp.max-size (1232) no IPv6 answer of ours exceeds
	// 1280 octets, so no Packet Too Big can be about one.
	v.push_back(refused("ipv6_ptb_inner_above_default_udp_max_size", ptb6(g, 1400, quote(answer6(g), 48)),
			    XDPDNS_STAT_PMTU_NOT_ANSWER));
	v.push_back(raised(with_service_addrs(refused("ipv6_ptb_inner_src_not_a_service_address", ptb6(g, 1400, quote(answer6(g), 48)),
						      XDPDNS_STAT_PMTU_NOT_OURS),
					      {ip6("2001:db8:5353::53")})));
	v.push_back(raised(with_service_addrs(accepted("ipv6_ptb_inner_src_a_service_address", ptb6(g, 1400, quote(answer6(g), 48)),
						       g.client6, 1400),
					      {ip6("2001:db8:5353::53"), g.server6})));

	// Other ICMPv6 errors are not Packet Too Big.
	Packet unreach6;
	unreach6.eth(g.client_mac, g.server_mac).ipv6(kRouter6, g.server6).icmp6(1, 4, 0).payload(quote(answer6(g), 48));
	Fixture other = refused("ipv6_dest_unreachable_not_ptb", unreach6.build(), XDPDNS_STAT_PASS_OTHER);
	v.push_back(other);
	Packet ptb_code1;
	ptb_code1.eth(g.client_mac, g.server_mac).ipv6(kRouter6, g.server6).icmp6(2, 1, 1400).payload(quote(answer6(g), 48));
	v.push_back(refused("ipv6_ptb_code_1_not_ptb", ptb_code1.build(), XDPDNS_STAT_PASS_OTHER));
	return v;
}

class PmtuTable : public XdpTableTest {};

TEST_P(PmtuTable, Row) { run_row(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Contract, PmtuTable, ::testing::ValuesIn(pmtu_table()), FixtureName());

} // namespace
} // namespace xdpdns::test
