#include "dns/denial_proof.h"

#include <cstring>

#include "dns/denial_index.h"

namespace xdpdns::dns {

namespace {

using Kind = DenialIndex::Kind;

struct Labels {
	std::array<uint8_t, max_labels> starts;
	size_t count = 0;

	explicit Labels(std::span<const uint8_t> name)
	{
		for (size_t pos = 0; pos < name.size() && name[pos] != 0 && count < max_labels; pos += 1 + name[pos])
			starts[count++] = static_cast<uint8_t>(pos);
	}
	// Index of the label starting at pos.
	size_t index_of(size_t pos) const
	{
		for (size_t i = 0; i < count; i++)
			if (starts[i] == pos)
				return i;
		return count;
	}
};

// Where the closest encloser of name starts in it: the longest suffix that
// is a node of the zone (name itself when it exists).
size_t closest_encloser(const Zone &z, std::span<const uint8_t> name, const Labels &l)
{
	const size_t below_apex = l.count - name_label_count(z.origin());
	size_t ce = name.size() - z.origin().size();
	for (size_t d = below_apex; d-- > 0;) {
		if (!z.find(name.subspan(l.starts[d])))
			break;
		ce = l.starts[d];
	}
	return ce;
}

// "*." + name into buf; false when too long.
bool wildcard_of(std::span<const uint8_t> name, std::array<uint8_t, max_name_len> &buf,
		 std::span<const uint8_t> &out)
{
	if (name.size() + 2 > max_name_len)
		return false;
	buf[0] = 1;
	buf[1] = '*';
	std::memcpy(buf.data() + 2, name.data(), name.size());
	out = std::span<const uint8_t>(buf.data(), name.size() + 2);
	return true;
}

std::span<const uint8_t> owner_span(std::string_view s)
{
	return {reinterpret_cast<const uint8_t *>(s.data()), s.size()};
}

}  // namespace

void DenialProof::add(std::span<const uint8_t> owner, const RRset *rrset)
{
	if (!rrset || n_ == capacity)
		return;
	for (size_t i = 0; i < n_; i++)
		if (recs_[i].rrset == rrset)
			return;
	recs_[n_++] = {owner.data(), owner.size(), rrset};
}

void DenialProof::add_soa()
{
	if (n_ < capacity)
		recs_[n_++] = {nullptr, 0, nullptr};
}

void DenialProof::add_nsec_at_or_before(const DenialIndex &d, std::span<const uint8_t> name)
{
	if (const DenialIndex::NsecEntry *e = d.nsec_at_or_before(name))
		add(owner_span(e->owner), e->nsec);
}

void DenialProof::add_nsec3(const DenialIndex &d, std::span<const uint8_t> name, bool exact_only)
{
	const DenialIndex::Nsec3Match m = d.nsec3_find(name);
	if (m.entry && (m.exact || !exact_only))
		add(owner_span(m.entry->owner), &m.entry->rrset);
}

void DenialProof::wildcard_answer(const Zone &z, std::span<const uint8_t> qname)
{
	const DenialIndex *d = z.denial();
	if (!d)
		return;
	if (d->kind() == Kind::nsec) {
		add_nsec_at_or_before(*d, qname);
	} else if (d->kind() == Kind::nsec3) {
		const Labels l(qname);
		const size_t ce = closest_encloser(z, qname, l);
		const size_t i = l.index_of(ce);
		if (i > 0 && i < l.count)
			add_nsec3(*d, qname.subspan(l.starts[i - 1]), false);
	}
}

void DenialProof::nxdomain(const Zone &z, std::span<const uint8_t> qname)
{
	const DenialIndex *d = z.denial();
	const Labels l(qname);
	const size_t ce = closest_encloser(z, qname, l);
	std::array<uint8_t, max_name_len> buf;
	std::span<const uint8_t> wild;
	const bool have_wild = wildcard_of(qname.subspan(ce), buf, wild);
	if (d && d->kind() == Kind::nsec) {
		add_nsec_at_or_before(*d, qname);
		if (have_wild)
			add_nsec_at_or_before(*d, wild);
	} else if (d && d->kind() == Kind::nsec3) {
		const size_t i = l.index_of(ce);
		if (i > 0 && i < l.count)
			add_nsec3(*d, qname.subspan(l.starts[i - 1]), false);
		add_nsec3(*d, qname.subspan(ce), true);
		if (have_wild)
			add_nsec3(*d, wild, false);
	}
	add_soa();
}

void DenialProof::nodata(const Zone &z, std::span<const uint8_t> qname, uint16_t qtype, bool wildcard,
			 bool empty_non_terminal)
{
	const DenialIndex *d = z.denial();
	if (!d || d->kind() == Kind::none) {
		add_soa();
		return;
	}
	std::array<uint8_t, max_name_len> buf;
	std::span<const uint8_t> wild;
	size_t ce = 0;
	if (!wildcard && qname.size() > 2 && qname[0] == 1 && qname[1] == '*') {
		// The wildcard's own name: proven like a wildcard NODATA (NSD).
		wildcard = true;
		wild = qname;
		ce = 2;
	} else if (wildcard) {
		const Labels l(qname);
		ce = closest_encloser(z, qname, l);
		if (!wildcard_of(qname.subspan(ce), buf, wild)) {
			add_soa();
			return;
		}
	}
	if (d->kind() == Kind::nsec) {
		add_soa();
		add_nsec_at_or_before(*d, wildcard ? wild : qname);
		return;
	}

	// NSEC3. NSD proves an empty non-terminal before the SOA (it takes it
	// for a name that has only NSEC3 records first), every other NODATA after.
	if (!empty_non_terminal)
		add_soa();
	const bool apex = names_equal_ci(qname, z.origin());
	if (wildcard) {
		add_nsec3(*d, qname.subspan(ce), true);
		add_nsec3(*d, wild, true);
	} else if (qtype == rrtype::ds && !apex) {
		add_nsec3_ds_proof(z, *d, qname);
	} else if (const DenialIndex::Nsec3Match m = d->nsec3_find(qname); m.exact || apex) {
		add_nsec3(*d, qname, true);
	} else {
		// No NSEC3 for this name (an empty non-terminal above insecure
		// delegations of an opt-out zone): cover the highest ancestor
		// without one and match its parent, as NSD does.
		const Labels l(qname);
		const size_t below_apex = l.count - name_label_count(z.origin());
		size_t i = 0;
		while (i + 1 < below_apex && !d->nsec3_find(qname.subspan(l.starts[i + 1])).exact)
			i++;
		add_nsec3(*d, qname.subspan(l.starts[i]), false);
		const auto parent = i + 1 < l.count ? qname.subspan(l.starts[i + 1]) : z.origin();
		add_nsec3(*d, parent, true);
	}
	if (empty_non_terminal)
		add_soa();
}

void DenialProof::insecure_referral(const Zone &z, std::span<const uint8_t> cut)
{
	const DenialIndex *d = z.denial();
	if (!d)
		return;
	if (d->kind() == Kind::nsec) {
		const DenialIndex::NsecEntry *e = d->nsec_at_or_before(cut);
		if (e && owner_span(e->owner).size() == cut.size() &&
		    std::memcmp(e->owner.data(), cut.data(), cut.size()) == 0)
			add(owner_span(e->owner), e->nsec);
	} else if (d->kind() == Kind::nsec3) {
		add_nsec3_ds_proof(z, *d, cut);
	}
}

// RFC 5155 7.2.7 (and 6.2's opt-out): the NSEC3 matching the cut, else the
// closest provable encloser proof.
void DenialProof::add_nsec3_ds_proof(const Zone &z, const DenialIndex &d, std::span<const uint8_t> cut)
{
	const DenialIndex::Nsec3Match m = d.nsec3_find(cut);
	if (m.exact) {
		add(owner_span(m.entry->owner), &m.entry->rrset);
		return;
	}
	const Labels l(cut);
	const size_t below_apex = l.count - name_label_count(z.origin());
	size_t par = 1;  // label index of the candidate encloser
	while (par < below_apex && !d.nsec3_find(cut.subspan(l.starts[par])).exact)
		par++;
	const auto encloser = par < l.count ? cut.subspan(l.starts[par]) : z.origin();
	add_nsec3(d, encloser, true);
	// The next closer name: below the encloser on the way to the cut, or the
	// cut itself when it is a delegation (NSD leaves it out for a DS query at
	// an empty non-terminal).
	if (par > 1) {
		add_nsec3(d, cut.subspan(l.starts[par - 1]), false);
	} else if (const Node *n = z.find(cut); n && n->delegation && m.entry) {
		add(owner_span(m.entry->owner), &m.entry->rrset);
	}
}

}  // namespace xdpdns::dns
