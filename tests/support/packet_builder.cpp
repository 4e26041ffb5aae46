#include "packet_builder.h"

#include <netinet/in.h>

#include <stdexcept>

#include "checksum.h"

namespace xdpdns::test {

Packet &Packet::eth(const Mac &src, const Mac &dst)
{
	src_mac_ = src;
	dst_mac_ = dst;
	return *this;
}

Packet &Packet::vlan(std::uint16_t tpid, std::uint16_t tci)
{
	vlans_.push_back({tpid, tci});
	return *this;
}

Packet &Packet::ethertype(std::uint16_t type)
{
	ethertype_ = type;
	return *this;
}

Packet &Packet::ipv4(const Ip4 &src, const Ip4 &dst)
{
	l3_ = L3::V4;
	src4_ = src;
	dst4_ = dst;
	return *this;
}

Packet &Packet::ip_options(const Bytes &options)
{
	ip_options_ = options;
	while (ip_options_.size() % 4)
		ip_options_.push_back(0);
	return *this;
}

Packet &Packet::ttl(std::uint8_t ttl) { ttl_ = ttl; return *this; }
Packet &Packet::tos(std::uint8_t tos) { tos_ = tos; return *this; }
Packet &Packet::ip_id(std::uint16_t id) { ip_id_ = id; return *this; }
Packet &Packet::df(bool on) { df_ = on; return *this; }
Packet &Packet::mf(bool on) { mf_ = on; return *this; }
Packet &Packet::frag_offset(std::uint16_t units_of_8) { frag_off_ = units_of_8 & 0x1fff; return *this; }
Packet &Packet::ip_version(std::uint8_t version) { version_ = version; return *this; }
Packet &Packet::ihl(std::uint8_t ihl) { ihl_ = ihl; return *this; }
Packet &Packet::ip_total_length(std::uint16_t len) { total_len_ = len; return *this; }
Packet &Packet::bad_ip_checksum() { bad_ip_csum_ = true; return *this; }

Packet &Packet::ipv6(const Ip6 &src, const Ip6 &dst)
{
	l3_ = L3::V6;
	src6_ = src;
	dst6_ = dst;
	return *this;
}

Packet &Packet::flow_label(std::uint32_t label) { flow_ = label & 0xfffff; return *this; }

// Options headers carry one PadN option filling the header to 8*(1+pad8).
static Bytes options_header(std::uint8_t pad8)
{
	Bytes h{0, pad8, 1, static_cast<std::uint8_t>(4 + 8 * pad8)};
	h.resize(8 + 8u * pad8, 0);
	return h;
}

Packet &Packet::hop_by_hop(std::uint8_t pad8)
{
	ext_.push_back({0, options_header(pad8)});
	return *this;
}

Packet &Packet::dest_opts(std::uint8_t pad8)
{
	ext_.push_back({60, options_header(pad8)});
	return *this;
}

Packet &Packet::routing(std::uint8_t addresses, std::uint8_t type, std::uint8_t segments_left)
{
	Bytes h{0, static_cast<std::uint8_t>(2 * addresses), type, segments_left, 0, 0, 0, 0};
	for (unsigned i = 0; i < addresses; i++) {
		Ip6 a = ip6("2001:db8:ffff::1");
		a[15] = static_cast<std::uint8_t>(i + 1);
		put_bytes(h, a);
	}
	ext_.push_back({43, h});
	return *this;
}

Packet &Packet::fragment(std::uint16_t offset_units_of_8, bool more, std::uint32_t id)
{
	Bytes h{0, 0};
	put_u16(h, static_cast<std::uint16_t>((offset_units_of_8 & 0x1fff) << 3 | (more ? 1 : 0)));
	put_u32(h, id);
	ext_.push_back({44, h});
	return *this;
}

Packet &Packet::ipv6_payload_length(std::uint16_t len) { plen_ = len; return *this; }
Packet &Packet::ip_protocol(std::uint8_t proto) { proto_ = proto; return *this; }

Packet &Packet::tcp(std::uint16_t sport, std::uint16_t dport)
{
	l4_ = L4::Tcp;
	sport_ = sport;
	dport_ = dport;
	return *this;
}

Packet &Packet::seq(std::uint32_t v) { seq_ = v; return *this; }
Packet &Packet::ack(std::uint32_t v) { ack_ = v; return *this; }
Packet &Packet::flags(std::uint8_t f) { flags_ = f; return *this; }
Packet &Packet::window(std::uint16_t w) { window_ = w; return *this; }
Packet &Packet::urgent(std::uint16_t u) { urgent_ = u; return *this; }

Packet &Packet::mss(std::uint16_t mss)
{
	Bytes d;
	put_u16(d, mss);
	return option(2, d);
}

Packet &Packet::option(std::uint8_t kind, const Bytes &data)
{
	tcp_opts_.push_back(kind);
	tcp_opts_.push_back(static_cast<std::uint8_t>(2 + data.size()));
	put_bytes(tcp_opts_, data);
	return *this;
}

Packet &Packet::nop()
{
	tcp_opts_.push_back(1);
	return *this;
}

Packet &Packet::sack_permitted() { return option(4, {}); }
Packet &Packet::window_scale(std::uint8_t shift) { return option(3, {shift}); }

Packet &Packet::timestamps(std::uint32_t tsval, std::uint32_t tsecr)
{
	Bytes d;
	put_u32(d, tsval);
	put_u32(d, tsecr);
	return option(8, d);
}

Packet &Packet::raw_tcp_options(const Bytes &bytes)
{
	put_bytes(tcp_opts_, bytes);
	return *this;
}

Packet &Packet::data_offset(std::uint8_t words) { doff_ = words; return *this; }

Packet &Packet::udp(std::uint16_t sport, std::uint16_t dport)
{
	l4_ = L4::Udp;
	sport_ = sport;
	dport_ = dport;
	return *this;
}

Packet &Packet::udp_length(std::uint16_t len) { udp_len_ = len; return *this; }

Packet &Packet::icmp4(std::uint8_t type, std::uint8_t code, std::uint32_t rest)
{
	l4_ = L4::Icmp4;
	icmp_type_ = type;
	icmp_code_ = code;
	icmp_rest_ = rest;
	return *this;
}

Packet &Packet::icmp6(std::uint8_t type, std::uint8_t code, std::uint32_t rest)
{
	l4_ = L4::Icmp6;
	icmp_type_ = type;
	icmp_code_ = code;
	icmp_rest_ = rest;
	return *this;
}

Packet &Packet::icmp4_frag_needed(std::uint16_t mtu, const Bytes &inner)
{
	return icmp4(3, 4, mtu).payload(inner);
}

Packet &Packet::icmp6_packet_too_big(std::uint32_t mtu, const Bytes &inner)
{
	return icmp6(2, 0, mtu).payload(inner);
}

Packet &Packet::payload(const Bytes &bytes) { payload_ = bytes; return *this; }
Packet &Packet::l4_checksum(std::uint16_t csum) { l4_csum_ = csum; return *this; }
Packet &Packet::partial_l4_checksum() { partial_l4_csum_ = true; return *this; }
Packet &Packet::bad_l4_checksum() { bad_l4_csum_ = true; return *this; }
Packet &Packet::pad_to(std::size_t frame_len) { pad_to_ = frame_len; return *this; }
Packet &Packet::trailer(const Bytes &bytes) { trailer_ = bytes; return *this; }
Packet &Packet::truncate(std::size_t frame_len) { truncate_ = frame_len; return *this; }

std::uint8_t Packet::l4_proto() const
{
	switch (l4_) {
	case L4::Tcp: return IPPROTO_TCP;
	case L4::Udp: return IPPROTO_UDP;
	case L4::Icmp4: return IPPROTO_ICMP;
	case L4::Icmp6: return IPPROTO_ICMPV6;
	case L4::None: break;
	}
	return proto_.value_or(IPPROTO_NONE);
}

Bytes Packet::build_l4(std::uint8_t proto) const
{
	Bytes s;
	std::size_t csum_at = 0;
	switch (l4_) {
	case L4::None:
		return payload_;
	case L4::Tcp: {
		Bytes opts = tcp_opts_;
		while (opts.size() % 4)
			opts.push_back(0); // EOL padding
		std::uint8_t doff = doff_.value_or(static_cast<std::uint8_t>(5 + opts.size() / 4));
		put_u16(s, sport_);
		put_u16(s, dport_);
		put_u32(s, seq_);
		put_u32(s, ack_);
		put_u16(s, static_cast<std::uint16_t>((doff & 0xf) << 12 | flags_));
		put_u16(s, window_);
		put_u16(s, 0);
		put_u16(s, urgent_);
		put_bytes(s, opts);
		csum_at = 16;
		break;
	}
	case L4::Udp:
		put_u16(s, sport_);
		put_u16(s, dport_);
		put_u16(s, udp_len_.value_or(static_cast<std::uint16_t>(8 + payload_.size())));
		put_u16(s, 0);
		csum_at = 6;
		break;
	case L4::Icmp4:
	case L4::Icmp6:
		put_u8(s, icmp_type_);
		put_u8(s, icmp_code_);
		put_u16(s, 0);
		put_u32(s, icmp_rest_);
		csum_at = 2;
		break;
	}
	put_bytes(s, payload_);

	std::uint32_t len = static_cast<std::uint32_t>(s.size());
	std::uint32_t pseudo = 0;
	if (l4_ != L4::Icmp4)
		pseudo = l3_ == L3::V4 ? pseudo_sum_v4(src4_, dst4_, proto, len)
		       : l3_ == L3::V6 ? pseudo_sum_v6(src6_, dst6_, proto, len)
				       : 0;
	std::uint16_t csum = inet_checksum(s.data(), s.size(), pseudo);
	if (l4_ == L4::Udp && csum == 0)
		csum = 0xffff; // RFC 768: 0 means "no checksum"
	if (l4_csum_)
		csum = *l4_csum_;
	if (partial_l4_csum_)
		csum = static_cast<std::uint16_t>(~fold_complement(pseudo)); // folded, not inverted
	if (bad_l4_csum_)
		csum ^= 0x5555;
	set_u16(s, csum_at, csum);
	return s;
}

Bytes Packet::build() const
{
	Bytes f;
	if (dst_mac_) {
		put_bytes(f, *dst_mac_);
		put_bytes(f, *src_mac_);
		for (const Vlan &v : vlans_) {
			put_u16(f, v.tpid);
			put_u16(f, v.tci);
		}
		std::uint16_t type = ethertype_.value_or(l3_ == L3::V4 ? 0x0800 : l3_ == L3::V6 ? 0x86dd : 0);
		if (!ethertype_ && l3_ == L3::None)
			throw std::logic_error("Packet: frame without IP needs ethertype()");
		put_u16(f, type);
	}

	const std::uint8_t proto = proto_.value_or(l4_proto());
	const std::uint8_t pseudo_proto = l4_ == L4::None ? proto : l4_proto();
	if (l3_ == L3::V4) {
		Bytes l4 = build_l4(pseudo_proto);
		std::size_t hlen = 20 + ip_options_.size();
		Bytes h;
		put_u8(h, static_cast<std::uint8_t>(version_.value_or(4) << 4 |
						    (ihl_.value_or(static_cast<std::uint8_t>(hlen / 4)) & 0xf)));
		put_u8(h, tos_);
		put_u16(h, total_len_.value_or(static_cast<std::uint16_t>(hlen + l4.size())));
		put_u16(h, ip_id_);
		put_u16(h, static_cast<std::uint16_t>((df_ ? 0x4000 : 0) | (mf_ ? 0x2000 : 0) | frag_off_));
		put_u8(h, ttl_);
		put_u8(h, proto);
		put_u16(h, 0);
		put_bytes(h, src4_);
		put_bytes(h, dst4_);
		put_bytes(h, ip_options_);
		std::uint16_t csum = inet_checksum(h.data(), h.size());
		if (bad_ip_csum_)
			csum ^= 0x5555;
		set_u16(h, 10, csum);
		put_bytes(f, h);
		put_bytes(f, l4);
	} else if (l3_ == L3::V6) {
		Bytes l4 = build_l4(pseudo_proto);
		Bytes exts;
		for (std::size_t i = 0; i < ext_.size(); i++) {
			Bytes e = ext_[i].bytes;
			e[0] = i + 1 < ext_.size() ? ext_[i + 1].type : proto;
			put_bytes(exts, e);
		}
		std::uint8_t first = ext_.empty() ? proto : ext_[0].type;
		put_u32(f, static_cast<std::uint32_t>(version_.value_or(6)) << 28 |
			       static_cast<std::uint32_t>(tos_) << 20 | flow_);
		put_u16(f, plen_.value_or(static_cast<std::uint16_t>(exts.size() + l4.size())));
		put_u8(f, first);
		put_u8(f, ttl_);
		put_bytes(f, src6_);
		put_bytes(f, dst6_);
		put_bytes(f, exts);
		put_bytes(f, l4);
	} else {
		put_bytes(f, payload_);
	}

	while (f.size() < pad_to_)
		f.push_back(0);
	put_bytes(f, trailer_);
	if (truncate_ && *truncate_ < f.size())
		f.resize(*truncate_);
	return f;
}

} // namespace xdpdns::test
