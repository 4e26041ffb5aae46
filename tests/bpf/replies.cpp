#include "replies.h"

#include <linux/bpf.h>
#include <arpa/inet.h>

#include <cstring>

#include "cookie_calc.h"
#include "dns_message.h"

namespace xdpdns::test {

Bytes tcp_query_payload() { return dns_tcp_framed(dns_query(0x4242, "small.example.test", dns::TYPE_A)); }

Packet client_segment(const Flow &f, std::uint32_t seq, std::uint32_t ack, std::uint8_t flags)
{
	return f.to_server().tcp(f.client_port, f.server_port).seq(seq).ack(ack).flags(flags).window(502);
}

Bytes syn_ack(const Flow &f, const FixtureEnv &e, std::uint32_t client_seq, std::uint32_t mss_index)
{
	std::uint32_t cookie = cookie_for(f, e.current_key(), e.epoch, mss_index);
	return f.to_client()
		.tcp(f.server_port, f.client_port)
		.seq(cookie)
		.ack(client_seq + 1)
		.flags(tcp::SYN | tcp::ACK)
		.window(static_cast<std::uint16_t>(e.cfg.tcp_window))
		.mss(static_cast<std::uint16_t>(f.encap.v6 ? e.cfg.tcp_mss_v6 : e.cfg.tcp_mss_v4))
		.build();
}

Bytes fin_ack(const Flow &f, const FixtureEnv &e, std::uint32_t seg_seq, std::uint32_t seg_ack)
{
	return f.to_client()
		.tcp(f.server_port, f.client_port)
		.seq(seg_ack)
		.ack(seg_seq + 1)
		.flags(tcp::ACK)
		.window(static_cast<std::uint16_t>(e.cfg.tcp_window))
		.build();
}

std::uint32_t cookie_for(const Flow &f, const xdpdns_siphash_key &key, std::uint32_t epoch, std::uint32_t mss_index)
{
	return make_cookie(key, f.client_key(), f.server_key(), f.client_port, f.server_port, epoch, mss_index);
}

xdpdns_conn_key conn_key_of(const Flow &f)
{
	xdpdns_conn_key k{};
	const Ip6 c = f.client_key(), s = f.server_key();
	std::memcpy(k.client_addr, c.data(), 16);
	std::memcpy(k.server_addr, s.data(), 16);
	k.client_port = htons(f.client_port);
	k.server_port = htons(f.server_port);
	return k;
}

FrameFn data_with_cookie(const Flow &f, std::function<std::uint32_t(const FixtureEnv &)> cookie, std::uint8_t flags)
{
	return [f, cookie, flags](const FixtureEnv &e) {
		return client_segment(f, kIsn + 1, cookie(e) + 1, flags).payload(tcp_query_payload()).build();
	};
}

Fixture drop_row(std::string name, FrameFn in, xdpdns_stat reason)
{
	return {.name = std::move(name), .input = std::move(in), .verdict = XDP_DROP, .counters = one_frame({reason})};
}

Fixture pass_row(std::string name, FrameFn in, xdpdns_stat reason)
{
	return {.name = std::move(name), .input = std::move(in), .verdict = XDP_PASS, .counters = one_frame({reason})};
}

} // namespace xdpdns::test
