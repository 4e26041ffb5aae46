#include "dns/zone.h"

#include "dns/denial_index.h"

#include <algorithm>
#include <cstdio>
#include <unordered_set>

namespace xdpdns::dns {

namespace {

Error zone_error(std::string message)
{
	return Error{0, std::move(message)};
}

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

std::string lowered(std::span<const uint8_t> name)
{
	std::string s(name.size(), '\0');
	lower_name(name, reinterpret_cast<uint8_t *>(s.data()));
	return s;
}

std::span<const uint8_t> key_span(const std::string &s)
{
	return {reinterpret_cast<const uint8_t *>(s.data()), s.size()};
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

}  // namespace

const RRset *Node::find(uint16_t type) const
{
	for (const RRset &r : rrsets)
		if (r.type == type)
			return &r;
	return nullptr;
}

Zone::Zone(std::span<const uint8_t> origin) : origin_(lowered(origin))
{
}

std::span<const uint8_t> Zone::origin() const
{
	return key_span(origin_);
}

const Node *Zone::find(std::string_view lower_wire_name) const
{
	const auto it = nodes_.find(lower_wire_name);
	return it == nodes_.end() ? nullptr : &it->second;
}

Result<void> Zone::add(std::span<const uint8_t> owner, uint16_t rrclass, uint16_t type, uint32_t ttl,
		       std::span<const uint8_t> rdata)
{
	const std::string key = lowered(owner);
	const std::string where = name_to_text(owner);
	if (!name_is_subdomain(key_span(key), origin()))
		return zone_error("owner " + where + " is outside the zone " + name_to_text(origin()));
	if (rrclass != rrclass::in)
		return zone_error("class " + std::to_string(rrclass) + " of " + where +
				  " is not IN (only class IN zones are served)");
	if (!rdata_layout_ok(type, rdata))
		return zone_error("malformed " + type_text(type) + " RDATA at " + where);
	if (type == rrtype::soa && key != origin_)
		return zone_error("SOA record at " + where + ", which is not the apex " +
				  name_to_text(origin()));

	if (type == rrtype::rrsig) {
		sigs_.push_back({key, load_be16(rdata.data()), ttl, Rdata(rdata.begin(), rdata.end())});
		return {};
	}

	Node &node = nodes_[key];
	if (type == rrtype::soa && node.find(rrtype::soa))
		return zone_error("second SOA record for " + name_to_text(origin()) +
				  " (exactly one is allowed)");
	if (type == rrtype::cname) {
		for (const RRset &r : node.rrsets)
			if (!may_coexist_with_cname(r.type))
				return zone_error("CNAME and other data (" + type_text(r.type) + ") at " + where);
		const RRset *c = node.find(rrtype::cname);
		if (c && !std::equal(c->rdata[0].begin(), c->rdata[0].end(), rdata.begin(), rdata.end()))
			return zone_error("more than one CNAME at " + where);
	} else if (!may_coexist_with_cname(type) && node.find(rrtype::cname)) {
		return zone_error("CNAME and other data (" + type_text(type) + ") at " + where);
	}
	if (type == rrtype::dname) {
		const RRset *d = node.find(rrtype::dname);
		if (d && !std::equal(d->rdata[0].begin(), d->rdata[0].end(), rdata.begin(), rdata.end()))
			return zone_error("more than one DNAME at " + where + " (RFC 6672 2.4)");
	}

	auto it = std::lower_bound(node.rrsets.begin(), node.rrsets.end(), type,
				   [](const RRset &r, uint16_t t) { return r.type < t; });
	if (it == node.rrsets.end() || it->type != type) {
		it = node.rrsets.insert(it, RRset{});
		it->type = type;
		it->ttl = ttl;
	}
	for (const Rdata &d : it->rdata)
		if (std::equal(d.begin(), d.end(), rdata.begin(), rdata.end()))
			return {};
	it->rdata.emplace_back(rdata.begin(), rdata.end());
	return {};
}

Result<void> Zone::finish()
{
	const auto apex = nodes_.find(origin_);
	if (apex == nodes_.end() || !apex->second.find(rrtype::soa))
		return zone_error("no SOA record at the apex " + name_to_text(origin()));

	for (PendingSig &s : sigs_) {
		const auto it = nodes_.find(s.owner);
		if (it == nodes_.end())
			continue;
		for (RRset &r : it->second.rrsets) {
			if (r.type != s.covered)
				continue;
			if (r.sigs.empty())
				r.sig_ttl = s.ttl;
			r.sigs.push_back(std::move(s.rdata));
		}
	}
	sigs_.clear();
	if (Result<void> dnames = check_dnames(); !dnames)
		return dnames;

	// NSEC3 RRsets go to the denial index; their owner names are not names
	// of the zone (RFC 5155 7.2.8), so a node left empty goes too.
	std::vector<std::pair<std::string, RRset>> nsec3;
	for (auto it = nodes_.begin(); it != nodes_.end();) {
		auto &rrsets = it->second.rrsets;
		const auto r = std::find_if(rrsets.begin(), rrsets.end(),
					    [](const RRset &x) { return x.type == rrtype::nsec3; });
		if (r != rrsets.end()) {
			nsec3.emplace_back(it->first, std::move(*r));
			rrsets.erase(r);
		}
		it = rrsets.empty() && it->first != origin_ ? nodes_.erase(it) : std::next(it);
	}

	// Empty non-terminals: every ancestor of an owner, up to the apex.
	std::vector<std::string> owners;
	owners.reserve(nodes_.size());
	for (const auto &[name, node] : nodes_)
		owners.push_back(name);
	for (const std::string &name : owners) {
		size_t pos = 0;
		while (name.size() - pos > origin_.size()) {
			pos += 1 + static_cast<uint8_t>(name[pos]);
			nodes_.try_emplace(name.substr(pos));
		}
	}

	for (auto &[name, node] : nodes_)
		node.delegation = name != origin_ && node.find(rrtype::ns) != nullptr;

	apex_ = &nodes_.find(origin_)->second;
	soa_ = apex_->find(rrtype::soa);
	const Rdata &soa = soa_->rdata[0];
	const uint32_t minimum = load_be32(soa.data() + soa.size() - 4);
	negative_ttl_ = std::min(soa_->ttl, minimum);
	const RRset *dnskey = apex_->find(rrtype::dnskey);
	signed_ = dnskey && !dnskey->sigs.empty();

	std::vector<DenialIndex::NsecEntry> nsec;
	for (const auto &[name, node] : nodes_)
		if (const RRset *r = node.find(rrtype::nsec))
			nsec.push_back({name, r});
	denial_ = DenialIndex::build(*apex_, std::move(nsec), std::move(nsec3));
	return {};
}

Result<void> Zone::check_dnames() const
{
	std::unordered_set<std::string_view> dnames;
	for (const auto &[name, node] : nodes_)
		if (node.find(rrtype::dname))
			dnames.insert(name);
	if (dnames.empty())
		return {};
	// Of several faults, the one at the smallest name (wire order), so the
	// message does not depend on the hash map's order.
	std::string_view bad, bad_dname;
	for (const auto &[name, node] : nodes_) {
		if (!bad.empty() && name >= bad)
			continue;
		if (dnames.count(name) && name != origin_ && node.find(rrtype::ns)) {
			bad = bad_dname = name;
			continue;
		}
		if (std::all_of(node.rrsets.begin(), node.rrsets.end(),
				[](const RRset &r) { return r.type == rrtype::nsec3; }))
			continue;
		for (size_t pos = 0; name.size() - pos > origin_.size();) {
			pos += 1 + static_cast<uint8_t>(name[pos]);
			const std::string_view above = std::string_view(name).substr(pos);
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
		return zone_error("DNAME and NS at " + text(bad) +
				  ", which is not the apex (RFC 6672 5.2: the DNAME belongs at the apex of the "
				  "delegated zone)");
	return zone_error(text(bad) + " is below the DNAME at " + text(bad_dname) +
			  " (names below a DNAME are never answered, RFC 6672 2.4)");
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
