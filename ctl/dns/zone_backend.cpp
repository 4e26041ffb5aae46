#include "dns/zone_backend.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "dns/denial_proof.h"
#include "dns/message_writer.h"
#include "dns/response.h"

namespace xdpdns::dns {

namespace {

constexpr size_t max_cname_links = 16;

struct Lookup {
	enum Kind { exact, wildcard, nxdomain, referral, dname } kind;
	const Node *node;
	// referral, dname: where the cut's (the DNAME owner's) name starts in
	// the looked-up name; wildcard: where the closest encloser starts
	size_t cut_pos = 0;
};

// Finds `name` (lowercase, inside z) walking down from the apex, one label
// at a time, so that a zone cut or a DNAME above the name is seen first
// (the higher one wins; RFC 6672 3.1).
Lookup lookup(const Zone &z, std::span<const uint8_t> name, uint16_t qtype)
{
	std::array<uint8_t, max_labels> starts;
	size_t k = 0;
	for (size_t pos = 0; pos < name.size() && name[pos] != 0 && k < max_labels; pos += 1 + name[pos])
		starts[k++] = static_cast<uint8_t>(pos);
	const size_t below_apex = k - name_label_count(z.origin());

	const Node *encloser = &z.apex();
	size_t encloser_pos = name.size() - z.origin().size();
	if (encloser_pos != 0 && encloser->find(rrtype::dname))
		return {Lookup::dname, encloser, encloser_pos};
	for (size_t d = below_apex; d-- > 0;) {
		const size_t pos = starts[d];
		const Node *node = z.find(name.subspan(pos));
		if (!node)
			break;
		if (node->delegation && !(d == 0 && qtype == rrtype::ds))
			return {Lookup::referral, node, pos};
		if (d != 0 && node->find(rrtype::dname))
			return {Lookup::dname, node, pos};
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
			return {Lookup::wildcard, node, encloser_pos};
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

	// The CNAME synthesized from a DNAME (RFC 6672 3.1): owner -> target,
	// with the DNAME's TTL and no RRSIGs. Written whole or not at all.
	bool put_synthesized_cname(std::span<const uint8_t> owner, uint32_t ttl, std::span<const uint8_t> target)
	{
		const auto m = w_.mark();
		put_rr(owner, rrtype::cname, ttl, target);
		if (w_.failed()) {
			w_.rewind(m);
			return false;
		}
		counts_[answer_sec]++;
		return true;
	}

	// Where the next record starts, and whether the (possibly compressed)
	// name written at `at` equals `name`: the chain's loop guard.
	size_t position() const { return w_.size(); }
	bool name_at_equals(size_t at, std::span<const uint8_t> name) const { return w_.name_at_equals(at, name); }


	// The NSEC/NSEC3 records (and the negative SOA) collected since the last
	// call, in the authority section with their RRSIGs.
	bool put_proof(DenialProof &proof)
	{
		for (const ProofRecord &r : proof.take())
			if (!(r.rrset ? put_rrset(authority_sec, r.owner(), *r.rrset) : put_negative_soa()))
				return false;
		return true;
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
				if (rr && !put_rrset(additional_sec, target, *rr, rr->ttl, rr->sig_ttl, do_))
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

	void put_rr(std::span<const uint8_t> owner, uint16_t type, uint32_t ttl, std::span<const uint8_t> d)
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
	return {write_error(q, rcode::refused, out, edns_size), rcode::refused, false, rrl_error_class()};
}

}  // namespace

AnswerInfo answer(const ZoneSet &zones, const Query &q, Transport t, std::span<uint8_t> out,
		  uint16_t edns_size)
{
	if (!q.has_question)
		return {write_error(q, rcode::formerr, out, edns_size), rcode::formerr, false, rrl_error_class()};
	if (q.qclass != rrclass::in || is_transfer(q.qtype))
		return refuse(q, out, edns_size);
	bool unavailable = false;
	const Zone *zone = zones.find(q.name_lower(), &unavailable);
	if (unavailable)  // a secondary zone expired or not yet transferred
		return {write_error(q, rcode::servfail, out, edns_size), rcode::servfail, false, rrl_error_class()};
	if (!zone)
		return refuse(q, out, edns_size);

	MessageWriter w(out);
	put_header_and_question(w, q, 0, true);
	if (w.failed())
		return {0, rcode::servfail, false};
	if (q.has_opt)
		w.reserve_tail(opt_rr_size + (q.reply_cookie_len ? 4u + q.reply_cookie_len : 0u));

	bool dnssec = q.do_bit && zone->is_signed();
	AnswerBuilder b(w, *zone, dnssec);
	DenialProof proof;  // DO=1 in a signed zone only
	uint8_t rc = rcode::noerror;
	bool aa = true;
	bool tc = false;
	// The RRL class: the first lookup's (the query name's) outcome.
	uint32_t rrl_class = 0;
	auto classify = [&rrl_class](RrlKind kind, std::span<const uint8_t> key, uint16_t qtype = 0) {
		if (!rrl_class)
			rrl_class = rrl_class_key(kind, key, qtype);
	};

	// The chain's current name: as written (client's case first, then the
	// zone's) and lowercase for lookups. Targets point into zone RDATA,
	// which outlives this call, or into synthesized (the names DNAMEs
	// made, alternately, so the current one stays intact).
	std::span<const uint8_t> name = q.name();
	std::array<uint8_t, max_name_len> lower_buf;
	std::span<const uint8_t> lower = q.name_lower();
	std::array<uint8_t, max_name_len> synthesized[2];
	size_t links = 0;  // CNAMEs in the answer, synthesized ones included
	std::array<const Node *, max_cname_links> visited;  // CNAME and DNAME nodes answered
	size_t nvisited = 0;
	std::array<size_t, max_cname_links> synthesized_at;  // owners of synthesized CNAMEs
	size_t nsynthesized = 0;
	auto seen = [&](const Node *n) {
		return std::find(visited.begin(), visited.begin() + nvisited, n) != visited.begin() + nvisited;
	};

	// Continues the chain at `target` if one of our zones holds it (the
	// longest match, as for the query name).
	auto follow = [&](std::span<const uint8_t> target) {
		lower_name(target, lower_buf.data());
		const std::span<const uint8_t> target_lower(lower_buf.data(), target.size());
		const Zone *next = links < max_cname_links ? zones.find(target_lower) : nullptr;
		if (!next)
			return false;
		if (next != zone) {
			zone = next;
			dnssec = q.do_bit && zone->is_signed();
			b.set_zone(*zone, dnssec);
		}
		name = target;
		lower = target_lower;
		return true;
	};

	for (;;) {
		const Lookup l = lookup(*zone, lower, q.qtype);
		if (dnssec && l.kind == Lookup::wildcard)
			proof.wildcard_answer(*zone, lower);
		if (l.kind == Lookup::wildcard)
			classify(RrlKind::wildcard, lower.subspan(l.cut_pos));
		if (l.kind == Lookup::referral) {
			classify(RrlKind::referral, lower.subspan(l.cut_pos));
			if (!b.put_proof(proof)) {
				tc = true;
				break;
			}
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
			if (dnssec && !ds)
				proof.insecure_referral(*zone, lower.subspan(l.cut_pos));
			if (!b.put_proof(proof)) {
				tc = true;
				break;
			}
			b.put_glue(*ns);
			break;
		}
		if (l.kind == Lookup::dname) {
			classify(RrlKind::dname, lower.subspan(l.cut_pos));
			// RFC 6672 3.1: the DNAME, a CNAME from the current name to
			// the name with the DNAME's owner replaced by its target,
			// then on at that name. NSD's loop guards: a DNAME already
			// answered whose target is below its owner, or a CNAME
			// synthesized before, ends the chain.
			const RRset &dname = *l.node->find(rrtype::dname);
			const std::span<const uint8_t> target = dname.rdata[0];
			if (!seen(l.node)) {
				if (!b.put_rrset(AnswerBuilder::answer_sec, name.subspan(l.cut_pos), dname)) {
					tc = true;
					break;
				}
				visited[nvisited++] = l.node;
			} else {
				std::array<uint8_t, max_name_len> target_lower;
				lower_name(target, target_lower.data());
				if (name_is_subdomain({target_lower.data(), target.size()}, lower.subspan(l.cut_pos)))
					break;
			}
			if (l.cut_pos + target.size() > max_name_len) {
				rc = rcode::yxdomain;  // RFC 6672 2.2
				break;
			}
			bool again = false;
			for (size_t i = 0; i < nsynthesized; i++)
				again = again || b.name_at_equals(synthesized_at[i], name);
			if (again)
				break;
			// The labels before the DNAME owner (lowercase from the query
			// name, as NSD writes them), then the target as written.
			uint8_t *next = synthesized[links % 2].data();
			std::memcpy(next, (links == 0 ? lower : name).data(), l.cut_pos);
			std::memcpy(next + l.cut_pos, target.data(), target.size());
			const std::span<const uint8_t> next_name(next, l.cut_pos + target.size());
			synthesized_at[nsynthesized++] = b.position();
			if (!b.put_synthesized_cname(name, dname.ttl, next_name)) {
				tc = true;
				break;
			}
			links++;
			if (q.qtype == rrtype::cname || !follow(next_name))
				break;  // a CNAME query gets the synthesized CNAME (NSD, BIND)
			continue;
		}
		if (l.kind == Lookup::nxdomain) {
			classify(RrlKind::nxdomain, zone->origin());
			rc = rcode::nxdomain;
			if (dnssec) {
				proof.nxdomain(*zone, lower);
				tc = !b.put_proof(proof);
			} else {
				tc = !b.put_negative_soa();
			}
			break;
		}

		const Node &node = *l.node;
		bool has_data = (q.qtype == rrtype::any && !node.empty()) || node.find(q.qtype) ||
				(node.find(rrtype::cname) && q.qtype != rrtype::any);
		if (q.qtype == rrtype::rrsig)
			for (const RRset &r : node.rrsets)
				has_data = has_data || !r.sigs.empty();
		classify(has_data ? RrlKind::positive : RrlKind::nodata, lower, has_data ? q.qtype : 0);
		if (q.qtype == rrtype::any && !node.empty()) {
			const size_t n = t == Transport::tcp ? node.rrsets.size() : 1;
			for (size_t i = 0; i < n && !tc; i++)
				tc = !b.put_rrset(AnswerBuilder::answer_sec, name, node.rrsets[i]);
			tc = tc || !b.put_proof(proof);
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
			tc = !b.put_rrset(AnswerBuilder::answer_sec, name, *rr) || !b.put_proof(proof);
			if (rr->type == rrtype::ns && !tc)
				b.put_glue(*rr);  // NSD adds these even with minimal responses
			break;
		}
		const RRset *cname = node.find(rrtype::cname);
		if (!cname || q.qtype == rrtype::any) {  // NODATA
			if (dnssec) {
				proof.nodata(*zone, lower, q.qtype, l.kind == Lookup::wildcard, node.empty());
				tc = !b.put_proof(proof);
			} else {
				tc = !b.put_negative_soa();
			}
			break;
		}

		// CNAME: answer it, then continue at its target if one of our
		// zones holds it (the longest match, as for the query name).
		if (seen(&node))
			break;  // loop
		if (!b.put_rrset(AnswerBuilder::answer_sec, name, *cname)) {
			tc = true;
			break;
		}
		visited[nvisited++] = &node;
		links++;
		if (!follow(cname->rdata[0]))
			break;
	}

	if (!tc && !b.put_proof(proof))  // a chain ending in an answer or a loop
		tc = true;
	w.release_tail();
	if (q.has_opt) {
		put_answer_opt(w, q, edns_size, 0);
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
	if (rc == rcode::yxdomain || !rrl_class)
		rrl_class = rrl_error_class();
	return {w.size(), rc, aa, rrl_class};
}

}  // namespace xdpdns::dns
