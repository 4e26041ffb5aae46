#include "paths.h"

#include <arpa/inet.h>

#include <algorithm>

#include "cookie_calc.h"
#include "dns_message.h"
#include "packet_builder.h"

namespace xdpdns::bench {

namespace {

using namespace xdpdns::test;

const Mac kClientMac = mac("02:00:00:00:00:01");
const Mac kServerMac = mac("02:00:00:00:00:35");
const Ip4 kClient4 = ip4("192.0.2.10");
const Ip4 kServer4 = ip4("198.51.100.53");
const Ip4 kRouter4 = ip4("203.0.113.1");
const Ip6 kClient6 = ip6("2001:db8:1::10");
const Ip6 kServer6 = ip6("2001:db8:53::53");
const Ip6 kRouter6 = ip6("2001:db8:ff::1");
constexpr std::uint16_t kClientPort = 40000;
constexpr std::uint16_t kMssIndex1460 = 5; // XDPDNS_MSS_TABLE[5]
constexpr std::uint32_t kClientIsn = 0x11223344;

Packet to_server4() { return Packet().eth(kClientMac, kServerMac).ipv4(kClient4, kServer4).df(); }
Packet to_server6() { return Packet().eth(kClientMac, kServerMac).ipv6(kClient6, kServer6); }

// A Linux SYN: MSS, SACK permitted, timestamps, NOP, window scale.
Bytes syn(Packet p, std::uint16_t mss)
{
	return p.tcp(kClientPort, 53).seq(kClientIsn).flags(tcp::SYN).window(64240).mss(mss)
		.sack_permitted().timestamps(0x01020304, 0).nop().window_scale(7).build();
}

Bytes query(std::uint16_t id) { return dns_query(id, "small.example.test", dns::TYPE_A, true, false, 1232); }

} // namespace

void udp_query_answer(xdpdns_answer_key &key, xdpdns_answer &entry)
{
	key = {};
	const Bytes name = dns_name("small.example.test");
	std::copy(name.begin(), name.end(), key.qname);
	key.qtype = htons(dns::TYPE_A);
	key.qclass = htons(dns::CLASS_IN);
	key.shape = XDPDNS_SHAPE_EDNS;
	entry = {};
	entry.flags[0] = 0x84;  // QR, AA
	entry.counts[1] = 1;    // ANCOUNT
	entry.counts[5] = 1;    // ARCOUNT: OPT
	const std::uint8_t body[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 192, 0, 2, 1,  // A 192.0.2.1
				     0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0};                      // OPT 1232
	std::copy(std::begin(body), std::end(body), entry.body);
	entry.body_len = sizeof(body);
	entry.rrl_class = 1;    // any: limited only with rrl.rate set
}

std::vector<Path> all_paths(const xdpdns_keys &keys, std::uint32_t epoch)
{
	auto cookie_of = [](const xdpdns_siphash_key &key, std::uint32_t e) {
		return make_cookie(key, v4_mapped(kClient4), v4_mapped(kServer4), kClientPort, 53, e, kMssIndex1460);
	};
	auto query_acking = [](std::uint32_t c) {
		return to_server4().tcp(kClientPort, 53).seq(kClientIsn + 1).ack(c + 1)
			.flags(tcp::PSH | tcp::ACK).window(502).payload(dns_tcp_framed(query(0x5151))).build();
	};
	const std::uint32_t cookie = cookie_of(keys.slot[0], epoch);
	const Bytes tcp_query = query_acking(cookie);
	const Bytes udp_query = to_server4().udp(kClientPort, 53).payload(query(0x5252)).build();
	// ICMP about one of our answers: the quoted packet goes server -> client.
	const Bytes answer_quote = dns_header(0x5252, dns::QR | dns::AA, 1, 1, 0, 1);
	const Bytes inner4 = Packet().ipv4(kServer4, kClient4).df().udp(53, kClientPort).payload(answer_quote).build();
	const Bytes inner6 = Packet().ipv6(kServer6, kClient6).udp(53, kClientPort).payload(answer_quote).build();

	std::vector<Path> p;
	p.push_back({.name = "SYN -> SYN-ACK (IPv4)", .frame = syn(to_server4(), 1460),
		     .verdict = XDP_TX, .reason = XDPDNS_STAT_TCP_SYN, .rewrites = true});
	p.push_back({.name = "SYN -> SYN-ACK (IPv6)", .frame = syn(to_server6(), 1440),
		     .verdict = XDP_TX, .reason = XDPDNS_STAT_TCP_SYN, .rewrites = true});
	p.push_back({.name = "FIN -> ACK",
		     .frame = to_server4().tcp(kClientPort, 53).seq(kClientIsn + 47).ack(cookie + 1 + 60)
				      .flags(tcp::FIN | tcp::ACK).window(502).build(),
		     .verdict = XDP_TX, .reason = XDPDNS_STAT_TCP_FIN, .rewrites = true});
	p.push_back({.name = "pure ACK -> drop",
		     .frame = to_server4().tcp(kClientPort, 53).seq(kClientIsn + 1).ack(cookie + 1)
				      .flags(tcp::ACK).window(502).build(),
		     .verdict = XDP_DROP, .reason = XDPDNS_STAT_TCP_ACK});
	p.push_back({.name = "data, valid cookie, no socket -> drop", .frame = tcp_query,
		     .verdict = XDP_DROP, .reason = XDPDNS_STAT_TCP_NO_DAEMON, .rewrites = true});
	p.push_back({.name = "data, valid cookie -> redirect (XSK)", .frame = tcp_query,
		     .verdict = XDP_REDIRECT, .reason = XDPDNS_STAT_TCP_TO_DAEMON, .rewrites = true, .socket = true});
	// The cookie's epoch bit picks the epoch: one hash. The previous key
	// is tried after the current one: two, as for every bad cookie.
	p.push_back({.name = "data, previous epoch's cookie -> redirect (XSK)", .frame = query_acking(cookie_of(keys.slot[0], epoch - 1)),
		     .verdict = XDP_REDIRECT, .reason = XDPDNS_STAT_TCP_TO_DAEMON, .rewrites = true, .socket = true});
	p.push_back({.name = "data, previous key's cookie -> redirect (XSK)", .frame = query_acking(cookie_of(keys.slot[2], epoch)),
		     .verdict = XDP_REDIRECT, .reason = XDPDNS_STAT_TCP_TO_DAEMON, .rewrites = true, .socket = true});
	p.push_back({.name = "data, bad cookie -> drop", .frame = query_acking(cookie ^ 0x00100000u),
		     .verdict = XDP_DROP, .reason = XDPDNS_STAT_TCP_BAD_COOKIE});
	p.push_back({.name = "UDP query, no socket -> pass", .frame = udp_query,
		     .verdict = XDP_PASS, .reason = XDPDNS_STAT_PASS_UDP_NO_DAEMON, .rewrites = true});
	p.push_back({.name = "UDP query -> redirect (XSK)", .frame = udp_query,
		     .verdict = XDP_REDIRECT, .reason = XDPDNS_STAT_UDP_TO_DAEMON, .rewrites = true, .socket = true});
	p.push_back({.name = "UDP query, truncate-all -> TX (TC=1)", .frame = udp_query,
		     .verdict = XDP_TX, .reason = XDPDNS_STAT_UDP_TRUNCATED, .rewrites = true, .truncate_all = true});
	p.push_back({.name = "UDP query -> in-kernel answer (TX, 63 octets)", .frame = udp_query,
		     .verdict = XDP_TX, .reason = XDPDNS_STAT_UDP_ANSWERED, .rewrites = true, .answer = true});
	// RRL on: the bucket counted, at a rate never reached.
	p.push_back({.name = "UDP query -> in-kernel answer, RRL counted (TX)", .frame = udp_query,
		     .verdict = XDP_TX, .reason = XDPDNS_STAT_UDP_ANSWERED, .rewrites = true, .answer = true,
		     .rrl_rate = 0xffffffffu});
	// The same query over TCP, sent again: the connection's record exists
	// (the first answer also writes it, one LRU update more).
	p.push_back({.name = "TCP query -> in-kernel answer again (TX, 1 segment)", .frame = tcp_query,
		     .verdict = XDP_TX, .reason = XDPDNS_STAT_TCP_REANSWERED, .rewrites = true, .answer = true,
		     .prime = true});
	p.push_back({.name = "TCP SYN to port 80 -> pass", .frame = [] {
			     return to_server4().tcp(kClientPort, 80).seq(kClientIsn).flags(tcp::SYN).window(64240)
				     .mss(1460).sack_permitted().timestamps(0x01020304, 0).nop().window_scale(7).build();
		     }(),
		     .verdict = XDP_PASS, .reason = XDPDNS_STAT_PASS_OTHER});
	p.push_back({.name = "ICMPv4 frag-needed -> PMTU, pass",
		     .frame = Packet().eth(kClientMac, kServerMac).ipv4(kRouter4, kServer4).icmp4_frag_needed(1400, inner4).build(),
		     .verdict = XDP_PASS, .reason = XDPDNS_STAT_PMTU_ACCEPTED});
	p.push_back({.name = "ICMPv6 packet-too-big -> PMTU, pass",
		     .frame = Packet().eth(kClientMac, kServerMac).ipv6(kRouter6, kServer6).icmp6_packet_too_big(1400, inner6).build(),
		     .verdict = XDP_PASS, .reason = XDPDNS_STAT_PMTU_ACCEPTED});
	p.push_back({.name = "bare XDP_DROP program", .program = Program::BareDrop, .frame = udp_query,
		     .verdict = XDP_DROP});
	p.push_back({.name = "data -> redirect, delivered to XSK (live)", .frame = tcp_query,
		     .verdict = XDP_REDIRECT, .reason = XDPDNS_STAT_TCP_TO_DAEMON, .socket = true, .live = true});
	p.push_back({.name = "bare XDP_DROP program (live)", .program = Program::BareDrop, .frame = tcp_query,
		     .verdict = XDP_DROP, .live = true});
	return p;
}

} // namespace xdpdns::bench
