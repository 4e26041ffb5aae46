#include "daemon/secondary/message.h"

#include "dns/wire.h"

#include <cerrno>
#include <memory>
#include <string>

// Last: ldns/common.h redefines bool (see dns/zone_loader.cpp).
#include <ldns/ldns.h>

namespace xdpdns::secondary {

namespace {

void put16(std::vector<std::uint8_t> &v, std::uint16_t x)
{
	v.push_back(static_cast<std::uint8_t>(x >> 8));
	v.push_back(static_cast<std::uint8_t>(x));
}

struct PktFree {
	void operator()(ldns_pkt *p) const { ldns_pkt_free(p); }
};
struct BufferFree {
	void operator()(ldns_buffer *b) const { ldns_buffer_free(b); }
};

}  // namespace

std::vector<std::uint8_t> make_query(std::uint16_t id, std::span<const std::uint8_t> origin, std::uint16_t qtype,
				     const Record *soa)
{
	std::vector<std::uint8_t> m;
	put16(m, id);
	put16(m, 0);  // QUERY, no RD
	put16(m, 1);
	put16(m, 0);
	put16(m, soa ? 1 : 0);
	put16(m, 0);
	m.insert(m.end(), origin.begin(), origin.end());
	put16(m, qtype);
	put16(m, dns::rrclass::in);
	if (soa) {
		m.insert(m.end(), soa->owner.begin(), soa->owner.end());
		put16(m, dns::rrtype::soa);
		put16(m, dns::rrclass::in);
		put16(m, static_cast<std::uint16_t>(soa->ttl >> 16));
		put16(m, static_cast<std::uint16_t>(soa->ttl));
		put16(m, static_cast<std::uint16_t>(soa->rdata.size()));
		m.insert(m.end(), soa->rdata.begin(), soa->rdata.end());
	}
	return m;
}

Result<Answer> parse_answer(std::span<const std::uint8_t> msg)
{
	if (msg.size() < dns::header_size)
		return Error{EBADMSG, "message of " + std::to_string(msg.size()) + " octets"};
	Answer a;
	a.id = dns::load_be16(msg.data());
	a.flags = dns::load_be16(msg.data() + 2);
	a.rcode = static_cast<std::uint8_t>(a.flags & dns::flag::rcode_mask);
	if (!(a.flags & dns::flag::qr))
		return Error{EBADMSG, "not a response (QR=0)"};
	ldns_pkt *raw = nullptr;
	const ldns_status s = ldns_wire2pkt(&raw, msg.data(), msg.size());
	std::unique_ptr<ldns_pkt, PktFree> pkt(raw);
	if (s != LDNS_STATUS_OK)
		return Error{EBADMSG, std::string("message does not parse: ") + ldns_get_errorstr_by_id(s)};
	const ldns_rr_list *an = ldns_pkt_answer(pkt.get());
	std::unique_ptr<ldns_buffer, BufferFree> buf(ldns_buffer_new(1024));
	for (std::size_t i = 0; an && i < ldns_rr_list_rr_count(an); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);
		Record r;
		const ldns_rdf *owner = ldns_rr_owner(rr);
		r.owner.assign(ldns_rdf_data(owner), ldns_rdf_data(owner) + ldns_rdf_size(owner));
		r.type = static_cast<std::uint16_t>(ldns_rr_get_type(rr));
		r.rrclass = static_cast<std::uint16_t>(ldns_rr_get_class(rr));
		r.ttl = ldns_rr_ttl(rr);
		ldns_buffer_clear(buf.get());
		if (ldns_rr_rdata2buffer_wire(buf.get(), rr) != LDNS_STATUS_OK)
			return Error{EBADMSG, "record " + std::to_string(i) + " of the answer cannot be converted"};
		r.rdata.assign(ldns_buffer_begin(buf.get()), ldns_buffer_begin(buf.get()) + ldns_buffer_position(buf.get()));
		a.answers.push_back(std::move(r));
	}
	return a;
}

const char *rcode_name(std::uint8_t rcode)
{
	static const char *names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
				      "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE"};
	return rcode < sizeof(names) / sizeof(names[0]) ? names[rcode] : "RCODE?";
}

}  // namespace xdpdns::secondary
