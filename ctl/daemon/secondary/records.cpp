#include "daemon/secondary/records.h"

#include "dns/wire.h"

#include <cerrno>
#include <unordered_map>

namespace xdpdns::secondary {

namespace {

std::string key_of(const Record &r)
{
	std::string k;
	k.reserve(r.owner.size() + 4 + r.rdata.size());
	for (std::uint8_t c : r.owner)
		k.push_back(static_cast<char>(dns::ascii_lower(c)));
	k.push_back(static_cast<char>(r.type >> 8));
	k.push_back(static_cast<char>(r.type));
	k.push_back(static_cast<char>(r.rrclass >> 8));
	k.push_back(static_cast<char>(r.rrclass));
	k.append(r.rdata.begin(), r.rdata.end());
	return k;
}

}  // namespace

bool serial_newer(std::uint32_t a, std::uint32_t b)
{
	return a != b && static_cast<std::uint32_t>(a - b) < 0x80000000u;
}

Result<SoaTimers> soa_timers(std::span<const std::uint8_t> rdata)
{
	std::size_t mname = 0, rname = 0;
	if (dns::parse_uncompressed_name(rdata, 0, mname) != dns::NameError::ok ||
	    dns::parse_uncompressed_name(rdata, mname, rname) != dns::NameError::ok || rdata.size() != mname + rname + 20)
		return Error{EBADMSG, "malformed SOA"};
	const std::uint8_t *p = rdata.data() + mname + rname;
	return SoaTimers{dns::load_be32(p), dns::load_be32(p + 4), dns::load_be32(p + 8), dns::load_be32(p + 12)};
}

Result<SoaTimers> zone_soa(std::span<const Record> records, std::span<const std::uint8_t> origin)
{
	for (const Record &r : records)
		if (r.type == dns::rrtype::soa && dns::names_equal_ci(r.owner, origin))
			return soa_timers(r.rdata);
	return Error{ENOENT, "no SOA at the apex"};
}

Result<std::vector<Record>> apply_diffs(std::vector<Record> records, std::span<const Diff> diffs)
{
	std::unordered_map<std::string, std::size_t> index;
	index.reserve(records.size());
	for (std::size_t i = 0; i < records.size(); i++)
		index.emplace(key_of(records[i]), i);
	std::vector<bool> gone(records.size(), false);
	for (const Diff &d : diffs) {
		for (const Record &r : d.deleted) {
			auto it = index.find(key_of(r));
			if (it == index.end())
				return Error{ENOENT, "IXFR deletes " + dns::name_to_text(r.owner) + " type " +
							     std::to_string(r.type) + ", which the zone does not hold"};
			gone[it->second] = true;
			index.erase(it);
		}
		for (const Record &r : d.added) {
			auto k = key_of(r);
			auto it = index.find(k);
			if (it != index.end()) {
				records[it->second].ttl = r.ttl;
				continue;
			}
			index.emplace(std::move(k), records.size());
			records.push_back(r);
			gone.push_back(false);
		}
	}
	std::vector<Record> out;
	out.reserve(records.size());
	for (std::size_t i = 0; i < records.size(); i++)
		if (!gone[i])
			out.push_back(std::move(records[i]));
	return out;
}

Result<std::shared_ptr<const dns::Zone>> build_zone(std::span<const std::uint8_t> origin,
						    std::span<const Record> records)
{
	auto zone = std::make_shared<dns::Zone>(origin);
	zone->reserve(records.size());
	// The record's place in the transfer stands where a file has its line.
	for (std::size_t i = 0; i < records.size(); i++) {
		const Record &r = records[i];
		zone->add(r.owner, r.rrclass, r.type, r.ttl, r.rdata, static_cast<int>(i + 1));
	}
	if (auto f = zone->finish(); !f) {
		if (zone->error_line() == 0)
			return f.error();
		return Error{EINVAL, "record " + std::to_string(zone->error_line()) + " of the zone: " + f.error().message};
	}
	return std::shared_ptr<const dns::Zone>(std::move(zone));
}

}  // namespace xdpdns::secondary
