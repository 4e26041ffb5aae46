#include "dns/zone.h"

#include "dns/denial_index.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <unordered_set>

namespace xdpdns::dns {

namespace {

// Length of an uncompressed name at the start of rdata[off..], or 0.
size_t rdata_name_len(std::span<const uint8_t> rdata, size_t off)
{
	size_t len = 0;
	if (parse_uncompressed_name(rdata, off, len) != NameError::ok)
		return 0;
	return len;
}

// RDATA of the types whose names we compress (and follow) must be exactly
// the layout the answer writer expects.
bool rdata_layout_ok(uint16_t type, std::span<const uint8_t> rdata)
{
	switch (type) {
	case rrtype::ns:
	case rrtype::cname:
	case rrtype::ptr:
	case rrtype::dname: {
		const size_t n = rdata_name_len(rdata, 0);
		return n != 0 && n == rdata.size();
	}
	case rrtype::mx: {
		const size_t n = rdata.size() > 2 ? rdata_name_len(rdata, 2) : 0;
		return n != 0 && 2 + n == rdata.size();
	}
	case rrtype::soa: {
		const size_t m = rdata_name_len(rdata, 0);
		const size_t r = m ? rdata_name_len(rdata, m) : 0;
		return m != 0 && r != 0 && m + r + 20 == rdata.size();
	}
	case rrtype::rrsig:
		return rdata.size() >= 18 + 1 && rdata_name_len(rdata, 18) != 0;
	default:
		return true;
	}
}

// CNAME may share its name with DNSSEC records only (RFC 2181 10.1, RFC 4035 2.5).
bool may_coexist_with_cname(uint16_t type)
{
	return type == rrtype::cname || type == rrtype::rrsig || type == rrtype::nsec;
}

std::string type_text(uint16_t type)
{
	switch (type) {
	case rrtype::a: return "A";
	case rrtype::ns: return "NS";
	case rrtype::cname: return "CNAME";
	case rrtype::soa: return "SOA";
	case rrtype::mx: return "MX";
	case rrtype::txt: return "TXT";
	case rrtype::aaaa: return "AAAA";
	case rrtype::ds: return "DS";
	case rrtype::rrsig: return "RRSIG";
	case rrtype::dname: return "DNAME";
	case rrtype::nsec: return "NSEC";
	case rrtype::nsec3: return "NSEC3";
	default: return "TYPE" + std::to_string(type);
	}
}

// Length of the uncompressed wire name at p (which is well formed).
size_t stored_name_len(const uint8_t *p)
{
	size_t n = 0;
	while (p[n] != 0)
		n += 1 + p[n];
	return n + 1;
}

Rdata rdata_at(const uint8_t *p)
{
	return Rdata(p);
}

bool same_octets(const Rdata &a, const Rdata &b)
{
	return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size()) == 0;
}

// reserve(), and huge pages for an array large enough to fault often.
template <class V>
void reserve_large(V &v, size_t n)
{
	v.reserve(n);
	if (n * sizeof(typename V::value_type) >= (4u << 20))
		advise_huge_pages(v.data(), n * sizeof(typename V::value_type));
}

}  // namespace

const RRset *Node::find(uint16_t type) const
{
	for (const RRset &r : rrsets)
		if (r.type == type)
			return &r;
	return nullptr;
}

Zone::Zone(std::span<const uint8_t> origin)
{
	set_origin(origin);
}

void Zone::set_origin(std::span<const uint8_t> origin)
{
	origin_.resize(origin.size());
	lower_name(origin, origin_.data());
}

std::span<const uint8_t> Zone::origin() const
{
	return origin_;
}

uint32_t Zone::hash_of(std::string_view key)
{
	// libstdc++'s string hash takes 8 octets at a time; folded to 32 bits.
	const uint64_t h = std::hash<std::string_view>{}(key);
	return static_cast<uint32_t>(h ^ (h >> 32));
}

std::string_view Zone::key_of(uint32_t node) const
{
	const uint8_t *p = names_[node];
	return {reinterpret_cast<const char *>(p), stored_name_len(p)};
}

// Index of the slot holding `key`, or of the free slot where it would go.
uint32_t Zone::lookup_slot(std::string_view key, uint32_t hash) const
{
	const uint32_t mask = static_cast<uint32_t>(slots_.size() - 1);
	for (uint32_t i = hash & mask;; i = (i + 1) & mask) {
		const Slot &s = slots_[i];
		if (s.node_plus_one == 0)
			return i;
		if (s.hash == hash && key_of(s.node_plus_one - 1) == key)
			return i;
	}
}

const Node *Zone::find(std::string_view lower_wire_name) const
{
	if (slots_.empty() || !apex_)
		return nullptr;
	const Slot &s = slots_[lookup_slot(lower_wire_name, hash_of(lower_wire_name))];
	return s.node_plus_one ? &nodes_[s.node_plus_one - 1] : nullptr;
}

std::span<const uint8_t> Zone::name_of(const Node &node) const
{
	const auto k = key_of(static_cast<uint32_t>(&node - nodes_.data()));
	return {reinterpret_cast<const uint8_t *>(k.data()), k.size()};
}

void Zone::grow_index(size_t nodes)
{
	size_t size = 16;
	while (size < nodes * 2)
		size *= 2;
	if (size <= slots_.size())
		return;
	std::vector<Slot> old;
	reserve_large(old, size);
	old.resize(size, Slot{0, 0});
	old.swap(slots_);
	const uint32_t mask = static_cast<uint32_t>(slots_.size() - 1);
	for (const Slot &s : old) {
		if (s.node_plus_one == 0)
			continue;
		uint32_t i = s.hash & mask;
		while (slots_[i].node_plus_one != 0)
			i = (i + 1) & mask;
		slots_[i] = s;
	}
}

uint32_t Zone::intern(std::span<const uint8_t> lower_name)
{
	if (names_.size() + 1 > slots_.size() / 2)
		grow_index(names_.size() + 1);
	const std::string_view key = as_key(lower_name);
	const uint32_t hash = hash_of(key);
	const uint32_t slot = lookup_slot(key, hash);
	if (slots_[slot].node_plus_one != 0)
		return slots_[slot].node_plus_one - 1;
	names_.push_back(arena_.copy(lower_name.data(), lower_name.size()));
	const uint32_t id = static_cast<uint32_t>(names_.size() - 1);
	slots_[slot] = {id + 1, hash};
	return id;
}

void Zone::reserve(size_t records)
{
	reserve_large(pending_, records);
	reserve_large(names_, records / 2);
}

void Zone::add(std::span<const uint8_t> owner, uint16_t rrclass, uint16_t type, uint32_t ttl,
	       std::span<const uint8_t> rdata, int line)
{
	uint32_t node;
	if (!pending_.empty() && owner.size() == last_owner_.size() &&
	    std::equal(owner.begin(), owner.end(), last_owner_.begin())) {
		node = last_node_;  // zone files group records by owner
	} else {
		uint8_t lower[max_name_len];
		const size_t n = std::min(owner.size(), sizeof lower);
		lower_name(owner.first(n), lower);
		node = intern({lower, n});
		last_owner_.assign(owner.begin(), owner.end());
		last_node_ = node;
	}
	const auto rec = static_cast<uint32_t>(pending_.size());
	if (!std::equal(owner.begin(), owner.end(), names_[node]))
		written_owner_.emplace_back(rec, std::vector<uint8_t>(owner.begin(), owner.end()));
	const size_t len = std::min<size_t>(rdata.size(), 0xffff);
	uint8_t *p = arena_.allocate(2 + len);
	p[0] = static_cast<uint8_t>(len >> 8);
	p[1] = static_cast<uint8_t>(len);
	if (len)
		std::memcpy(p + 2, rdata.data(), len);
	pending_.push_back({node, type, rrclass, ttl, line, p});
}

std::string Zone::where(size_t record) const
{
	const auto it = std::lower_bound(written_owner_.begin(), written_owner_.end(), record,
					 [](const auto &w, size_t r) { return w.first < r; });
	if (it != written_owner_.end() && it->first == record)
		return name_to_text(it->second);
	const auto k = key_of(pending_[record].node);
	return name_to_text({reinterpret_cast<const uint8_t *>(k.data()), k.size()});
}

// The checks of a single record, in the order added: the first fault.
std::optional<std::pair<size_t, std::string>> Zone::check_records() const
{
	std::vector<int8_t> inside(interned_, -1);
	for (size_t i = 0; i < pending_.size(); i++) {
		const Pending &r = pending_[i];
		if (inside[r.node] < 0) {
			const auto k = key_of(r.node);
			inside[r.node] = name_is_subdomain({reinterpret_cast<const uint8_t *>(k.data()), k.size()},
							   origin())
						 ? 1
						 : 0;
		}
		if (!inside[r.node])
			return std::pair{i, "owner " + where(i) + " is outside the zone " + name_to_text(origin())};
		if (r.rrclass != rrclass::in)
			return std::pair{i, "class " + std::to_string(r.rrclass) + " of " + where(i) +
						    " is not IN (only class IN zones are served)"};
		if (!rdata_layout_ok(r.type, rdata_at(r.rdata)))
			return std::pair{i, "malformed " + type_text(r.type) + " RDATA at " + where(i)};
		if (r.type == rrtype::soa && key_of(r.node) != as_key(origin()))
			return std::pair{i, "SOA record at " + where(i) + ", which is not the apex " +
						    name_to_text(origin())};
	}
	return std::nullopt;
}

// The checks that need the records before it at the same name (`records`:
// indices in the order added): the first fault.
std::optional<std::pair<size_t, std::string>> Zone::check_node(std::span<const uint32_t> records) const
{
	bool has_cname = false;
	int soas = 0, dnames = 0;
	for (const uint32_t i : records) {
		has_cname = has_cname || pending_[i].type == rrtype::cname;
		soas += pending_[i].type == rrtype::soa;
		dnames += pending_[i].type == rrtype::dname;
	}
	if (!has_cname && soas < 2 && dnames < 2)
		return std::nullopt;
	std::vector<uint16_t> types;  // present so far, sorted
	const Pending *cname = nullptr;
	const Pending *dname = nullptr;
	for (const uint32_t i : records) {
		const Pending &r = pending_[i];
		if (r.type == rrtype::rrsig)
			continue;
		if (r.type == rrtype::soa && std::binary_search(types.begin(), types.end(), rrtype::soa))
			return std::pair{size_t(i), "second SOA record for " + name_to_text(origin()) +
							    " (exactly one is allowed)"};
		if (r.type == rrtype::cname) {
			for (const uint16_t t : types)
				if (!may_coexist_with_cname(t))
					return std::pair{size_t(i), "CNAME and other data (" + type_text(t) + ") at " +
									    where(i)};
			if (cname && !same_octets(rdata_at(cname->rdata), rdata_at(r.rdata)))
				return std::pair{size_t(i), "more than one CNAME at " + where(i)};
			if (!cname)
				cname = &r;
		} else if (!may_coexist_with_cname(r.type) && cname) {
			return std::pair{size_t(i), "CNAME and other data (" + type_text(r.type) + ") at " + where(i)};
		}
		if (r.type == rrtype::dname) {
			if (dname && !same_octets(rdata_at(dname->rdata), rdata_at(r.rdata)))
				return std::pair{size_t(i), "more than one DNAME at " + where(i) + " (RFC 6672 2.4)"};
			if (!dname)
				dname = &r;
		}
		const auto at = std::lower_bound(types.begin(), types.end(), r.type);
		if (at == types.end() || *at != r.type)
			types.insert(at, r.type);
	}
	return std::nullopt;
}

Result<void> Zone::finish()
{
	interned_ = names_.size();
	error_line_ = 0;
	auto fault = check_records();

	// Records by name (a counting sort keeps the order added within a name).
	std::vector<uint32_t> first(interned_ + 1, 0);
	for (const Pending &r : pending_)
		first[r.node + 1]++;
	for (size_t n = 0; n < interned_; n++)
		first[n + 1] += first[n];
	std::vector<uint32_t> order(pending_.size());
	{
		std::vector<uint32_t> next(first.begin(), first.end() - 1);
		for (size_t i = 0; i < pending_.size(); i++)
			order[next[pending_[i].node]++] = static_cast<uint32_t>(i);
	}
	for (size_t n = 0; n < interned_; n++) {
		const std::span<const uint32_t> recs(order.data() + first[n], first[n + 1] - first[n]);
		if (auto f = check_node(recs); f && (!fault || f->first < fault->first))
			fault = std::move(f);
	}
	if (fault) {
		error_line_ = pending_[fault->first].line;
		return Error{0, std::move(fault->second)};
	}

	// Which names are nodes: those with data other than RRSIGs and NSEC3
	// (whose owner names are not names of the zone, RFC 5155 7.2.8), and
	// every name between them and the apex (empty non-terminals).
	std::vector<uint8_t> is_node(interned_, 0);
	std::vector<uint8_t> has_nsec3(interned_, 0);
	for (const Pending &r : pending_) {
		if (r.type == rrtype::nsec3)
			has_nsec3[r.node] = 1;
		else if (r.type != rrtype::rrsig)
			is_node[r.node] = 1;
	}
	const size_t origin_len = origin_.size();
	for (size_t n = 0; n < interned_; n++) {
		if (!is_node[n])
			continue;
		const uint8_t *name = names_[n];
		size_t len = stored_name_len(name);
		while (len > origin_len) {
			len -= 1 + name[0];
			name += 1 + name[0];
			const uint32_t before = static_cast<uint32_t>(names_.size());
			// A suffix of a stored name is a stored name: no copy.
			if (names_.size() + 1 > slots_.size() / 2)
				grow_index(names_.size() + 1);
			const std::string_view key(reinterpret_cast<const char *>(name), len);
			const uint32_t hash = hash_of(key);
			const uint32_t slot = lookup_slot(key, hash);
			if (slots_[slot].node_plus_one == 0) {
				names_.push_back(name);
				slots_[slot] = {before + 1, hash};
				is_node.push_back(1);
				continue;
			}
			const uint32_t id = slots_[slot].node_plus_one - 1;
			if (is_node[id])
				break;  // its ancestors are done (or will be)
			is_node[id] = 1;
		}
	}

	// RRsets and RDATA references, node by node. Room for the most there
	// can be is reserved first, so that the views stay valid (pages never
	// written are never resident).
	size_t rrset_count = 0;
	for (const Pending &r : pending_)
		rrset_count += r.type != rrtype::rrsig;
	rrsets_.clear();
	reserve_large(rrsets_, rrset_count);
	rdatas_.clear();
	reserve_large(rdatas_, pending_.size());

	std::vector<Node> nodes;
	std::vector<const uint8_t *> names;
	size_t final_nodes = 0;
	for (const uint8_t v : is_node)
		final_nodes += v;
	const bool same_ids = final_nodes == names_.size();  // no name dropped: the index stays
	reserve_large(nodes, final_nodes);
	if (!same_ids)
		reserve_large(names, final_nodes);
	std::vector<uint32_t> recs;
	std::vector<std::pair<std::string_view, RRset>> nsec3;
	for (size_t n = 0; n < names_.size(); n++) {
		const bool nsec3_owner = n < interned_ && has_nsec3[n];
		if (!is_node[n] && !nsec3_owner)
			continue;
		const size_t rrsets_from = rrsets_.size();
		size_t rrsets_end = rrsets_from;
		if (n < interned_) {
			recs.assign(order.data() + first[n], order.data() + first[n + 1]);
			// By type, then in the order added.
			std::sort(recs.begin(), recs.end(), [&](uint32_t a, uint32_t b) {
				return pending_[a].type != pending_[b].type ? pending_[a].type < pending_[b].type : a < b;
			});
			for (size_t k = 0; k < recs.size();) {
				const uint16_t type = pending_[recs[k]].type;
				size_t e = k;
				while (e < recs.size() && pending_[recs[e]].type == type)
					e++;
				if (type != rrtype::rrsig && type != rrtype::nsec3) {
					RRset set;
					set.type = type;
					set.ttl = pending_[recs[k]].ttl;
					const size_t from = rdatas_.size();
					for (size_t j = k; j < e; j++) {
						const Rdata d = rdata_at(pending_[recs[j]].rdata);
						bool dup = false;
						for (size_t x = from; x < rdatas_.size() && !dup; x++)
							dup = same_octets(rdatas_[x], d);
						if (!dup)
							rdatas_.push_back(d);
					}
					set.rdata = Slice<Rdata>(rdatas_.data() + from,
								 static_cast<uint32_t>(rdatas_.size() - from));
					rrsets_.push_back(set);
				}
				k = e;
			}
			rrsets_end = rrsets_.size();
			// The NSEC3 RRset goes to the denial index, after the node's.
			if (nsec3_owner) {
				RRset set;
				set.type = rrtype::nsec3;
				const size_t from = rdatas_.size();
				for (const uint32_t i : recs) {
					if (pending_[i].type != rrtype::nsec3)
						continue;
					if (rdatas_.size() == from)
						set.ttl = pending_[i].ttl;
					const Rdata d = rdata_at(pending_[i].rdata);
					bool dup = false;
					for (size_t x = from; x < rdatas_.size() && !dup; x++)
						dup = same_octets(rdatas_[x], d);
					if (!dup)
						rdatas_.push_back(d);
				}
				set.rdata = Slice<Rdata>(rdatas_.data() + from, static_cast<uint32_t>(rdatas_.size() - from));
				rrsets_.push_back(set);
			}
			// RRSIGs, in the order added, to the RRset they cover.
			std::sort(recs.begin(), recs.end());
			for (size_t s = rrsets_from; s < rrsets_.size(); s++) {
				RRset &set = rrsets_[s];
				const size_t from = rdatas_.size();
				for (const uint32_t i : recs) {
					const Pending &r = pending_[i];
					if (r.type != rrtype::rrsig || load_be16(r.rdata + 2) != set.type)
						continue;
					if (rdatas_.size() == from)
						set.sig_ttl = r.ttl;
					rdatas_.push_back(rdata_at(r.rdata));
				}
				set.sigs = Slice<Rdata>(rdatas_.data() + from, static_cast<uint32_t>(rdatas_.size() - from));
			}
		}
		if (nsec3_owner)
			nsec3.emplace_back(key_of(static_cast<uint32_t>(n)), rrsets_.back());
		if (!is_node[n])
			continue;
		Node node;
		node.rrsets = Slice<RRset>(rrsets_.data() + rrsets_from, static_cast<uint32_t>(rrsets_end - rrsets_from));
		nodes.push_back(node);
		if (!same_ids)
			names.push_back(names_[n]);
	}
	pending_ = {};
	written_owner_ = {};
	order = {};
	first = {};
	is_node = {};
	nodes_ = std::move(nodes);
	if (!same_ids) {
		// The index over the final nodes (names with RRSIGs only are gone).
		names_ = std::move(names);
		slots_ = {};
		grow_index(nodes_.size());
		const uint32_t mask = static_cast<uint32_t>(slots_.size() - 1);
		for (uint32_t n = 0; n < nodes_.size(); n++) {
			const uint32_t hash = hash_of(key_of(n));
			uint32_t i = hash & mask;
			while (slots_[i].node_plus_one != 0)
				i = (i + 1) & mask;
			slots_[i] = {n + 1, hash};
		}
	}

	apex_ = nullptr;
	const Slot &a = slots_[lookup_slot(as_key(origin()), hash_of(as_key(origin())))];
	const Node *apex = a.node_plus_one ? &nodes_[a.node_plus_one - 1] : nullptr;
	if (!apex || !apex->find(rrtype::soa))
		return Error{0, "no SOA record at the apex " + name_to_text(origin())};
	for (Node &node : nodes_)
		node.delegation = &node != apex && node.find(rrtype::ns) != nullptr;
	apex_ = apex;
	soa_ = apex_->find(rrtype::soa);
	const Rdata &soa = soa_->rdata[0];
	const uint32_t minimum = load_be32(soa.data() + soa.size() - 4);
	negative_ttl_ = std::min(soa_->ttl, minimum);
	const RRset *dnskey = apex_->find(rrtype::dnskey);
	signed_ = dnskey && !dnskey->sigs.empty();
	if (Result<void> dnames = check_dnames(); !dnames) {
		apex_ = nullptr;
		return dnames;
	}

	std::vector<DenialIndex::NsecEntry> nsec;
	for (uint32_t n = 0; n < nodes_.size(); n++)
		if (const RRset *r = nodes_[n].find(rrtype::nsec))
			nsec.push_back({key_of(n), r});
	denial_ = DenialIndex::build(*apex_, std::move(nsec), std::move(nsec3));
	return {};
}

Result<void> Zone::check_dnames() const
{
	std::unordered_set<std::string_view> dnames;
	for (uint32_t n = 0; n < nodes_.size(); n++)
		if (nodes_[n].find(rrtype::dname))
			dnames.insert(key_of(n));
	if (dnames.empty())
		return {};
	// Of several faults, the one at the smallest name (wire order), so the
	// message does not depend on the index's order. Empty non-terminals
	// are skipped: a name with data below them is the fault.
	const std::string_view apex = as_key(origin());
	std::string_view bad, bad_dname;
	for (uint32_t n = 0; n < nodes_.size(); n++) {
		const std::string_view name = key_of(n);
		if (nodes_[n].empty() || (!bad.empty() && name >= bad))
			continue;
		if (dnames.count(name) && name != apex && nodes_[n].find(rrtype::ns)) {
			bad = bad_dname = name;
			continue;
		}
		for (size_t pos = 0; name.size() - pos > apex.size();) {
			pos += 1 + static_cast<uint8_t>(name[pos]);
			const std::string_view above = name.substr(pos);
			if (dnames.count(above)) {
				bad = name;
				bad_dname = above;
				break;
			}
		}
	}
	if (bad.empty())
		return {};
	auto text = [](std::string_view n) {
		return name_to_text({reinterpret_cast<const uint8_t *>(n.data()), n.size()});
	};
	if (bad == bad_dname)
		return Error{0, "DNAME and NS at " + text(bad) +
					", which is not the apex (RFC 6672 5.2: the DNAME belongs at the apex of the "
					"delegated zone)"};
	return Error{0, text(bad) + " is below the DNAME at " + text(bad_dname) +
				" (names below a DNAME are never answered, RFC 6672 2.4)"};
}

std::string name_to_text(std::span<const uint8_t> name)
{
	std::string out;
	size_t pos = 0;
	while (pos < name.size() && name[pos] != 0) {
		const size_t l = name[pos];
		for (size_t i = 1; i <= l && pos + i < name.size(); i++) {
			const uint8_t c = name[pos + i];
			if (c == '.' || c == '\\') {
				out += '\\';
				out += static_cast<char>(c);
			} else if (c > 0x20 && c < 0x7f) {
				out += static_cast<char>(c);
			} else {
				char esc[5];
				std::snprintf(esc, sizeof esc, "\\%03u", c);
				out += esc;
			}
		}
		out += '.';
		pos += 1 + l;
	}
	return out.empty() ? "." : out;
}

}  // namespace xdpdns::dns
