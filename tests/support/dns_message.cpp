#include "dns_message.h"

namespace xdpdns::test {

Bytes dns_name(std::string_view dotted)
{
	Bytes out;
	while (!dotted.empty() && dotted != ".") {
		std::size_t dot = dotted.find('.');
		std::string_view label = dotted.substr(0, dot);
		out.push_back(static_cast<std::uint8_t>(label.size()));
		out.insert(out.end(), label.begin(), label.end());
		dotted = dot == std::string_view::npos ? std::string_view() : dotted.substr(dot + 1);
	}
	out.push_back(0);
	return out;
}

Bytes dns_header(std::uint16_t id, std::uint16_t flags, std::uint16_t qdcount, std::uint16_t ancount,
		 std::uint16_t nscount, std::uint16_t arcount)
{
	Bytes h;
	put_u16(h, id);
	put_u16(h, flags);
	put_u16(h, qdcount);
	put_u16(h, ancount);
	put_u16(h, nscount);
	put_u16(h, arcount);
	return h;
}

Bytes dns_question(const Bytes &wire_name, std::uint16_t qtype, std::uint16_t qclass)
{
	Bytes q = wire_name;
	put_u16(q, qtype);
	put_u16(q, qclass);
	return q;
}

Bytes dns_opt(std::uint16_t udp_size, bool do_bit, const Bytes &rdata)
{
	Bytes o{0};
	put_u16(o, dns::TYPE_OPT);
	put_u16(o, udp_size);
	put_u8(o, 0); // extended RCODE
	put_u8(o, 0); // version
	put_u16(o, do_bit ? 0x8000 : 0);
	put_u16(o, static_cast<std::uint16_t>(rdata.size()));
	put_bytes(o, rdata);
	return o;
}

Bytes dns_query(std::uint16_t id, std::string_view name, std::uint16_t qtype, bool with_opt, bool do_bit,
		std::uint16_t bufsize, std::uint16_t flags)
{
	Bytes m = dns_header(id, flags, 1, 0, 0, with_opt ? 1 : 0);
	put_bytes(m, dns_question(dns_name(name), qtype));
	if (with_opt)
		put_bytes(m, dns_opt(bufsize, do_bit));
	return m;
}

Bytes dns_tcp_framed(const Bytes &message)
{
	Bytes out;
	put_u16(out, static_cast<std::uint16_t>(message.size()));
	put_bytes(out, message);
	return out;
}

} // namespace xdpdns::test
