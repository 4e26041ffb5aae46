#include "dns/denial_index.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace xdpdns::dns {

namespace {

size_t label_starts(std::span<const uint8_t> name, std::array<uint8_t, max_labels> &starts)
{
	size_t k = 0;
	for (size_t pos = 0; pos < name.size() && name[pos] != 0 && k < max_labels; pos += 1 + name[pos])
		starts[k++] = static_cast<uint8_t>(pos);
	return k;
}

// NSEC3PARAM and NSEC3 RDATA both start: algorithm, flags, iterations (2),
// salt length, salt.
bool nsec3_params(std::span<const uint8_t> d, uint8_t &alg, uint16_t &iterations,
		  std::span<const uint8_t> &salt)
{
	if (d.size() < 5 || d.size() < 5u + d[4])
		return false;
	alg = d[0];
	iterations = load_be16(d.data() + 2);
	salt = d.subspan(5, d[4]);
	return true;
}

}  // namespace

int canonical_compare(std::span<const uint8_t> a, std::span<const uint8_t> b)
{
	std::array<uint8_t, max_labels> sa, sb;
	size_t na = label_starts(a, sa), nb = label_starts(b, sb);
	while (na > 0 && nb > 0) {
		const uint8_t *la = a.data() + sa[--na];
		const uint8_t *lb = b.data() + sb[--nb];
		const int c = std::memcmp(la + 1, lb + 1, std::min(la[0], lb[0]));
		if (c != 0)
			return c;
		if (la[0] != lb[0])
			return la[0] < lb[0] ? -1 : 1;
	}
	return na == nb ? 0 : (na < nb ? -1 : 1);
}

std::shared_ptr<const DenialIndex> DenialIndex::build(const Node &apex, std::vector<NsecEntry> nsec,
						      std::vector<std::pair<std::string_view, RRset>> nsec3)
{
	auto idx = std::make_shared<DenialIndex>();

	uint8_t alg = 0;
	uint16_t iterations = 0;
	std::span<const uint8_t> salt;
	const RRset *param = apex.find(rrtype::nsec3param);
	bool have_param = false;
	if (param) {
		for (std::span<const uint8_t> d : param->rdata) {
			if (nsec3_params(d, alg, iterations, salt) && alg == nsec3_alg_sha1 && d[1] == 0) {
				have_param = true;
				break;
			}
		}
	}
	if (have_param) {
		for (auto &[owner, rrset] : nsec3) {
			Nsec3Entry e;
			if (rrset.rdata.empty() ||
			    !nsec3_owner_hash(std::span<const uint8_t>(
						      reinterpret_cast<const uint8_t *>(owner.data()), owner.size()),
					      e.hash))
				continue;
			std::span<const uint8_t> d = rrset.rdata[0];
			uint8_t a = 0;
			uint16_t it = 0;
			std::span<const uint8_t> s;
			if (!nsec3_params(d, a, it, s) || a != alg || it != iterations ||
			    !std::equal(s.begin(), s.end(), salt.begin(), salt.end()))
				continue;  // another chain (or a broken record): not ours to serve
			e.owner = owner;
			e.rrset = std::move(rrset);
			idx->nsec3_.push_back(std::move(e));
		}
		std::sort(idx->nsec3_.begin(), idx->nsec3_.end(),
			  [](const Nsec3Entry &x, const Nsec3Entry &y) { return x.hash < y.hash; });
		if (!idx->nsec3_.empty()) {
			idx->kind_ = Kind::nsec3;
			idx->salt_.assign(salt.begin(), salt.end());
			idx->iterations_ = iterations;
			return idx;
		}
	}
	if (!nsec.empty()) {
		std::sort(nsec.begin(), nsec.end(), [](const NsecEntry &x, const NsecEntry &y) {
			return canonical_compare(
				       {reinterpret_cast<const uint8_t *>(x.owner.data()), x.owner.size()},
				       {reinterpret_cast<const uint8_t *>(y.owner.data()), y.owner.size()}) < 0;
		});
		idx->nsec_ = std::move(nsec);
		idx->kind_ = Kind::nsec;
	}
	return idx;
}

const DenialIndex::NsecEntry *DenialIndex::nsec_at_or_before(std::span<const uint8_t> lower_name) const
{
	if (nsec_.empty())
		return nullptr;
	// First entry whose owner is after the name; the one before it is ours.
	const auto it = std::upper_bound(nsec_.begin(), nsec_.end(), lower_name,
					 [](std::span<const uint8_t> n, const NsecEntry &e) {
						 return canonical_compare(
							n, {reinterpret_cast<const uint8_t *>(e.owner.data()),
							    e.owner.size()}) < 0;
					 });
	return it == nsec_.begin() ? &nsec_.back() : &*(it - 1);
}

DenialIndex::Nsec3Match DenialIndex::nsec3_find_hash(const Nsec3Hash &h) const
{
	if (nsec3_.empty())
		return {};
	const auto it = std::lower_bound(nsec3_.begin(), nsec3_.end(), h,
					 [](const Nsec3Entry &e, const Nsec3Hash &x) { return e.hash < x; });
	if (it != nsec3_.end() && it->hash == h)
		return {&*it, true};
	// The covering record is the one before; before the first, the last
	// (whose next hash wraps around to the first).
	return {it == nsec3_.begin() ? &nsec3_.back() : &*(it - 1), false};
}

DenialIndex::Nsec3Match DenialIndex::nsec3_find(std::span<const uint8_t> lower_name) const
{
	return nsec3_find_hash(nsec3_hash(lower_name, salt_, iterations_));
}

}  // namespace xdpdns::dns
