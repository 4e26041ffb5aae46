#include "dns/zone_backend.h"

#include <array>
#include <cstring>

#include "dns/message_writer.h"
#include "dns/response.h"

namespace xdpdns::dns {

namespace {

constexpr size_t max_cname_links = 16;

struct Lookup {
	enum Kind { exact, wildcard, nxdomain, referral } kind;
	const Node *node;
	size_t cut_pos = 0;  // referral: where the cut's name starts in the looked-up name
};

// Finds `name` (lowercase, inside z) walking down from the apex, one label
// at a time, so that a zone cut above the name is seen first.
Lookup lookup(const Zone &z, std::span<const uint8_t> name, uint16_t qtype)
{
	std::array<uint8_t, max_labels> starts;
	size_t k = 0;
	for (size_t pos = 0; pos < name.size() && name[pos] != 0 && k < max_labels; pos += 1 + name[pos])
		starts[k++] = static_cast<uint8_t>(pos);
	const size_t below_apex = k - name_label_count(z.origin());

	const Node *encloser = &z.apex();
	size_t encloser_pos = name.size() - z.origin().size();
	for (size_t d = below_apex; d-- > 0;) {
		const size_t pos = starts[d];
		const Node *node = z.find(name.subspan(pos));
		if (!node)
			break;
		if (node->delegation && !(d == 0 && qtype == rrtype::ds))
			return {Lookup::referral, node, pos};
		encloser = node;
		encloser_pos = pos;
	}
	if (encloser_pos == 0)
		return {Lookup::exact, encloser};

	// Source of synthesis: "*." + closest encloser.
	const auto closest = name.subspan(encloser_pos);
	if (closest.size() + 2 <= max_name_len) {
		std::array<uint8_t, max_name_len> wild;
		wild[0] = 1;
		wild[1] = '*';
		std::memcpy(wild.data() + 2, closest.data(), closest.size());
		if (const Node *node = z.find(std::span<const uint8_t>(wild.data(), closest.size() + 2)))
			return {Lookup::wildcard, node};
	}
	return {Lookup::nxdomain, encloser};
}

class AnswerBuilder {
public:
	enum Section { answer_sec, authority_sec, additional_sec };

	AnswerBuilder(MessageWriter &w, const Zone &zone, bool do_bit) : w_(w), zone_(&zone), do_(do_bit) {}

	uint16_t count(Section s) const { return counts_[s]; }

	// A CNAME chain may continue in another of our zones; DO applies per zone.
	void set_zone(const Zone &zone, bool do_bit)
	{
		zone_ = &zone;
		do_ = do_bit;
	}

	// Writes every record of rrset (and its RRSIGs when with_sigs) or,
	// when they do not all fit, nothing. ttl overrides the RRset's TTL.
	bool put_rrset(Section s, std::span<const uint8_t> owner, const RRset &rrset, uint32_t ttl,
		       uint32_t sig_ttl, bool with_sigs)
	{
		const auto m = w_.mark();
		uint16_t n = 0;
		for (const Rdata &d : rrset.rdata) {
			put_rr(owner, rrset.type, ttl, d);
			n++;
		}
		if (with_sigs)
			n += put_sigs(owner, rrset, sig_ttl);
		if (w_.failed()) {
			w_.rewind(m);
			return false;
		}
		counts_[s] += n;
		return true;
	}

	bool put_rrset(Section s, std::span<const uint8_t> owner, const RRset &rrset)
	{
		return put_rrset(s, owner, rrset, rrset.ttl, rrset.sig_ttl, do_);
	}

	// The RRSIGs of every RRset at node, as an answer to an RRSIG query.
	bool put_all_sigs(std::span<const uint8_t> owner, const Node &node)
	{
		const auto m = w_.mark();
		uint16_t n = 0;
		for (const RRset &r : node.rrsets)
			n += put_sigs(owner, r, r.sig_ttl);
		if (w_.failed()) {
			w_.rewind(m);
			return false;
		}
		counts_[answer_sec] += n;
		return true;
	}

	// NXDOMAIN / NODATA authority: the SOA with the negative TTL.
	bool put_negative_soa()
	{
		const uint32_t ttl = zone_->negative_ttl();
		return put_rrset(authority_sec, zone_->origin(), zone_->soa(), ttl, ttl, do_);
	}

	// A records, then AAAA records, of the in-zone targets of an NS RRset.
	void put_glue(const RRset &ns)
	{
		for (const uint16_t type : {rrtype::a, rrtype::aaaa}) {
			for (size_t i = 0; i < ns.rdata.size(); i++) {
				if (is_repeated_target(ns, i))
					continue;
				const Rdata &target = ns.rdata[i];
				std::array<uint8_t, max_name_len> lower;
				lower_name(target, lower.data());
				const std::span<const uint8_t> key(lower.data(), target.size());
				if (!name_is_subdomain(key, zone_->origin()))
					continue;
				const Node *node = zone_->find(key);
				const RRset *rr = node ? node->find(type) : nullptr;
				if (rr && !put_rrset(additional_sec, target, *rr, rr->ttl, 0, false))
					return;  // additional data is optional: stop quietly
			}
		}
	}

private:
	MessageWriter &w_;
	const Zone *zone_;
	bool do_;
	uint16_t counts_[3] = {0, 0, 0};

	static bool is_repeated_target(const RRset &ns, size_t i)
	{
		for (size_t j = 0; j < i; j++)
			if (names_equal_ci(ns.rdata[j], ns.rdata[i]))
				return true;
		return false;
	}

	uint16_t put_sigs(std::span<const uint8_t> owner, const RRset &rrset, uint32_t ttl)
	{
		for (const Rdata &sig : rrset.sigs)
			put_rr(owner, rrtype::rrsig, ttl, sig);
		return static_cast<uint16_t>(rrset.sigs.size());
	}

	void put_rr(std::span<const uint8_t> owner, uint16_t type, uint32_t ttl, const Rdata &d)
	{
		w_.put_name(owner);
		w_.put_u16(type);
		w_.put_u16(rrclass::in);
		w_.put_u32(ttl);
		const size_t rdlen_at = w_.size();
		w_.put_u16(0);
		put_rdata(type, d);
		if (!w_.failed())
			w_.patch_u16(rdlen_at, static_cast<uint16_t>(w_.size() - rdlen_at - 2));
	}

	// Names in RDATA are compressed for the RFC 1035 types only (RFC 3597 4).
	// The layouts were checked when the zone was loaded (Zone::add).
	void put_rdata(uint16_t type, std::span<const uint8_t> d)
	{
		switch (type) {
		case rrtype::ns:
		case rrtype::cname:
		case rrtype::ptr:
			w_.put_name(d);
			return;
		case rrtype::mx:
			w_.put_bytes(d.first(2));
			w_.put_name(d.subspan(2));
			return;
		case rrtype::soa: {
			size_t mname = 0, rname = 0;
			parse_uncompressed_name(d, 0, mname);
			parse_uncompressed_name(d, mname, rname);
			w_.put_name(d.first(mname));
			w_.put_name(d.subspan(mname, rname));
			w_.put_bytes(d.subspan(mname + rname));
			return;
		}
		default:
			w_.put_bytes(d);
		}
	}
};

bool is_transfer(uint16_t qtype)
{
	return qtype == rrtype::axfr || qtype == rrtype::ixfr;
}

AnswerInfo refuse(const Query &q, std::span<uint8_t> out, uint16_t edns_size)
{
	return {write_error(q, rcode::refused, out, edns_size), rcode::refused, false};
}

}  // namespace

AnswerInfo answer(const ZoneSet &zones, const Query &q, Transport t, std::span<uint8_t> out,
		  uint16_t edns_size)
{
	if (!q.has_question)
		return {write_error(q, rcode::formerr, out, edns_size), rcode::formerr, false};
	if (q.qclass != rrclass::in || is_transfer(q.qtype))
		return refuse(q, out, edns_size);
	bool unavailable = false;
	const Zone *zone = zones.find(q.name_lower(), &unavailable);
	if (unavailable)  // a secondary zone expired or not yet transferred
		return {write_error(q, rcode::servfail, out, edns_size), rcode::servfail, false};
	if (!zone)
		return refuse(q, out, edns_size);

	MessageWriter w(out);
	put_header_and_question(w, q, 0, true);
	if (w.failed())
		return {0, rcode::servfail, false};
	if (q.has_opt)
		w.reserve_tail(opt_rr_size);

	bool dnssec = q.do_bit && zone->is_signed();
	AnswerBuilder b(w, *zone, dnssec);
	uint8_t rc = rcode::noerror;
	bool aa = true;
	bool tc = false;

	// The chain's current name: as written (client's case first, then the
	// zone's) and lowercase for lookups. Targets point into zone RDATA,
	// which outlives this call.
	std::span<const uint8_t> name = q.name();
	std::array<uint8_t, max_name_len> lower_buf;
	std::span<const uint8_t> lower = q.name_lower();
	std::array<const Node *, max_cname_links> visited;
	size_t links = 0;

	for (;;) {
		const Lookup l = lookup(*zone, lower, q.qtype);
		if (l.kind == Lookup::referral) {
			const RRset *ns = l.node->find(rrtype::ns);
			const auto cut = name.subspan(l.cut_pos);
			aa = b.count(AnswerBuilder::answer_sec) > 0;
			if (!b.put_rrset(AnswerBuilder::authority_sec, cut, *ns, ns->ttl, 0, false)) {
				tc = true;
				break;
			}
			const RRset *ds = dnssec ? l.node->find(rrtype::ds) : nullptr;
			if (ds && !b.put_rrset(AnswerBuilder::authority_sec, cut, *ds)) {
				tc = true;
				break;
			}
			b.put_glue(*ns);
			break;
		}
		if (l.kind == Lookup::nxdomain) {
			rc = rcode::nxdomain;
			tc = !b.put_negative_soa();
			break;
		}

		const Node &node = *l.node;
		if (q.qtype == rrtype::any && !node.empty()) {
			const size_t n = t == Transport::tcp ? node.rrsets.size() : 1;
			for (size_t i = 0; i < n && !tc; i++)
				tc = !b.put_rrset(AnswerBuilder::answer_sec, name, node.rrsets[i]);
			if (node.rrsets[0].type == rrtype::ns && !tc)
				b.put_glue(node.rrsets[0]);
			break;
		}
		if (q.qtype == rrtype::rrsig) {
			bool any_sig = false;
			for (const RRset &r : node.rrsets)
				any_sig = any_sig || !r.sigs.empty();
			if (any_sig) {
				tc = !b.put_all_sigs(name, node);
				break;
			}
		}
		if (const RRset *rr = node.find(q.qtype)) {
			tc = !b.put_rrset(AnswerBuilder::answer_sec, name, *rr);
			if (rr->type == rrtype::ns && !tc)
				b.put_glue(*rr);  // NSD adds these even with minimal responses
			break;
		}
		const RRset *cname = node.find(rrtype::cname);
		if (!cname || q.qtype == rrtype::any) {
			tc = !b.put_negative_soa();  // NODATA
			break;
		}

		// CNAME: answer it, then continue at its target if one of our
		// zones holds it (the longest match, as for the query name).
		bool loop = false;
		for (size_t i = 0; i < links; i++)
			loop = loop || visited[i] == &node;
		if (loop)
			break;
		if (!b.put_rrset(AnswerBuilder::answer_sec, name, *cname)) {
			tc = true;
			break;
		}
		visited[links++] = &node;
		const Rdata &target = cname->rdata[0];
		lower_name(target, lower_buf.data());
		const std::span<const uint8_t> target_lower(lower_buf.data(), target.size());
		const Zone *next = links < max_cname_links ? zones.find(target_lower) : nullptr;
		if (!next)
			break;
		if (next != zone) {
			zone = next;
			dnssec = q.do_bit && zone->is_signed();
			b.set_zone(*zone, dnssec);
		}
		name = target;
		lower = target_lower;
	}

	w.release_tail();
	if (q.has_opt) {
		put_opt(w, edns_size, 0, q.do_bit);
		w.patch_u16(hdr::arcount, static_cast<uint16_t>(b.count(AnswerBuilder::additional_sec) + 1));
	} else {
		w.patch_u16(hdr::arcount, b.count(AnswerBuilder::additional_sec));
	}
	uint16_t flags = response_flags(q, rc);
	if (aa)
		flags |= flag::aa;
	if (tc)
		flags |= flag::tc;
	w.patch_u16(hdr::flags, flags);
	w.patch_u16(hdr::ancount, b.count(AnswerBuilder::answer_sec));
	w.patch_u16(hdr::nscount, b.count(AnswerBuilder::authority_sec));
	if (w.failed())
		return {0, rc, aa};
	return {w.size(), rc, aa};
}

}  // namespace xdpdns::dns
