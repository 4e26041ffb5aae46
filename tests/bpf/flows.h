// The client/server conversations the BPF fixtures are built from: one Encap
// per framing the program must parse (IPv4 with and without options, IPv6
// with and without extension headers, one and two VLAN tags), and a Flow
// that builds frames to the server and the exact replies back.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "packet_builder.h"

namespace xdpdns::test {

struct Encap {
	enum class Ext { HopByHop, HopRoutingDest, SixHeaders };

	std::string name;
	bool v6 = false;
	std::vector<std::pair<std::uint16_t, std::uint16_t>> vlans; // (TPID, TCI), outer first
	Bytes ip_options;                                            // IPv4, multiple of 4
	std::vector<Ext> ext;                                        // IPv6 extension headers

	std::uint16_t l3_offset() const;
	std::uint16_t l4_offset() const;
};

// ipv4, ipv4_options, ipv4_options40 (IHL 15), ipv6, ipv6_hbh, ipv6_ext3,
// ipv6_ext6, vlan_ipv4, vlan_ipv6, qinq_ipv4, qinq_ipv6, qinq_rev_ipv4.
const std::vector<Encap> &all_encaps();
const Encap &encap(const std::string &name);

struct Flow {
	Encap encap;
	Mac client_mac = mac("02:00:00:00:00:01");
	Mac server_mac = mac("02:00:00:00:00:35");
	Ip4 client4 = ip4("192.0.2.10");
	Ip4 server4 = ip4("198.51.100.53");
	Ip6 client6 = ip6("2001:db8:1::10");
	Ip6 server6 = ip6("2001:db8:53::53");
	std::uint16_t client_port = 40000;
	std::uint16_t server_port = 53;

	explicit Flow(Encap e) : encap(std::move(e)) {}

	// Client -> server: L2 (VLAN tags), L3 with the encap's options or
	// extension headers; the caller adds L4.
	Packet to_server() const;
	// Server -> client as the contract's replies are addressed: MACs and
	// addresses swapped, same VLAN tags, IPv4 TTL 64 / ID 0 / DF and no
	// options, IPv6 hop limit 64, no extension headers.
	Packet to_client() const;

	// Addresses as the cookie and the maps key them (IPv4 mapped).
	Ip6 client_key() const;
	Ip6 server_key() const;

	Flow &ports(std::uint16_t client, std::uint16_t server)
	{
		client_port = client;
		server_port = server;
		return *this;
	}
};

} // namespace xdpdns::test
