#include "flows.h"

#include <stdexcept>

namespace xdpdns::test {

namespace {

std::size_t ext_len(Encap::Ext e)
{
	switch (e) {
	case Encap::Ext::HopByHop: return 8;
	case Encap::Ext::HopRoutingDest: return 16 + 24 + 8;
	case Encap::Ext::SixHeaders: return 6 * 8;
	}
	return 0;
}

void add_ext(Packet &p, Encap::Ext e)
{
	switch (e) {
	case Encap::Ext::HopByHop:
		p.hop_by_hop();
		break;
	case Encap::Ext::HopRoutingDest:
		p.hop_by_hop(1).routing(1).dest_opts();
		break;
	case Encap::Ext::SixHeaders: // the walk's documented bound
		p.hop_by_hop().dest_opts().routing(0).dest_opts().dest_opts().dest_opts();
		break;
	}
}

std::vector<Encap> make_encaps()
{
	// Router Alert (RFC 2113) then NOPs and EOL: a typical short option set.
	const Bytes opts8{0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00};
	// Record Route filling IHL 15: type 7, length 39, pointer 4, 9 empty slots.
	Bytes opts40{0x07, 39, 4};
	opts40.resize(40, 0);
	const std::pair<std::uint16_t, std::uint16_t> q{ETH_P_8021Q, 100};
	const std::pair<std::uint16_t, std::uint16_t> ad{ETH_P_8021AD, 200};
	using E = Encap::Ext;
	return {
		{"ipv4", false, {}, {}, {}},
		{"ipv4_options", false, {}, opts8, {}},
		{"ipv4_options40", false, {}, opts40, {}},
		{"ipv6", true, {}, {}, {}},
		{"ipv6_hbh", true, {}, {}, {E::HopByHop}},
		{"ipv6_ext3", true, {}, {}, {E::HopRoutingDest}},
		{"ipv6_ext6", true, {}, {}, {E::SixHeaders}},
		{"vlan_ipv4", false, {q}, {}, {}},
		{"vlan_ipv6", true, {q}, {}, {}},
		{"qinq_ipv4", false, {ad, q}, {}, {}},
		{"qinq_ipv6", true, {ad, q}, {}, {}},
		{"qinq_rev_ipv4", false, {q, ad}, {}, {}},
	};
}

} // namespace

std::uint16_t Encap::l3_offset() const { return static_cast<std::uint16_t>(14 + 4 * vlans.size()); }

std::uint16_t Encap::l4_offset() const
{
	std::size_t n = l3_offset();
	if (v6) {
		n += 40;
		for (Ext e : ext)
			n += ext_len(e);
	} else {
		n += 20 + ip_options.size();
	}
	return static_cast<std::uint16_t>(n);
}

const std::vector<Encap> &all_encaps()
{
	static const std::vector<Encap> encaps = make_encaps();
	return encaps;
}

const Encap &encap(const std::string &name)
{
	for (const Encap &e : all_encaps())
		if (e.name == name)
			return e;
	throw std::invalid_argument("no encap " + name);
}

Packet Flow::to_server() const
{
	Packet p;
	p.eth(client_mac, server_mac);
	for (auto [tpid, tci] : encap.vlans)
		p.vlan(tpid, tci);
	if (encap.v6) {
		p.ipv6(client6, server6).ttl(57).tos(0x20).flow_label(0x12345);
		for (Encap::Ext e : encap.ext)
			add_ext(p, e);
	} else {
		p.ipv4(client4, server4).ttl(57).tos(0x20).ip_id(0x4d2).df();
		if (!encap.ip_options.empty())
			p.ip_options(encap.ip_options);
	}
	return p;
}

Packet Flow::to_client() const
{
	Packet p;
	p.eth(server_mac, client_mac);
	for (auto [tpid, tci] : encap.vlans)
		p.vlan(tpid, tci);
	if (encap.v6)
		p.ipv6(server6, client6).ttl(64);
	else
		p.ipv4(server4, client4).ttl(64).ip_id(0).df();
	return p;
}

Ip6 Flow::client_key() const { return encap.v6 ? client6 : v4_mapped(client4); }
Ip6 Flow::server_key() const { return encap.v6 ? server6 : v4_mapped(server4); }

} // namespace xdpdns::test
