#include "test_zones.h"

#include <cctype>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "dns/zone.h"

namespace xdpdns::test {

namespace {

std::string repo_path(const char *rel) { return std::string(XDPDNS_SOURCE_DIR) + "/" + rel; }

}  // namespace

std::vector<std::string> zone_names(const ZoneFile &z)
{
	std::ifstream in(repo_path(z.path));
	std::set<std::string> names;
	std::string line, origin = z.origin;
	while (std::getline(in, line)) {
		if (line.empty() || line[0] == ';' || line[0] == '$' || std::isspace(static_cast<unsigned char>(line[0])))
			continue;
		std::istringstream ls(line);
		std::string owner;
		ls >> owner;
		if (owner == "@")
			owner = origin;
		else if (owner.back() != '.')
			owner += "." + origin;
		if (owner.rfind("*.", 0) == 0)
			owner = "anything" + owner.substr(1);  // a name the wildcard answers
		names.insert(owner);
		if (line.find(" DNAME ") != std::string::npos)
			names.insert("www." + owner);  // redirected by the DNAME
	}
	names.insert("nothere." + origin);        // NXDOMAIN
	names.insert("below.deep.nothere." + origin);
	names.insert("host.sub." + origin);       // below a zone cut: referral
	names.insert("outside.elsewhere.");      // in no zone: REFUSED
	return {names.begin(), names.end()};
}

std::string mixed_case(std::string s)
{
	for (std::size_t i = 0; i < s.size(); i += 2)
		s[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[i])));
	return s;
}

std::shared_ptr<const xdpdns::dns::ZoneSet> load_test_zones()
{
	std::vector<std::shared_ptr<const xdpdns::dns::Zone>> zones;
	for (const auto &z : kZones) {
		auto zone = xdpdns::dns::load_zone(repo_path(z.path), z.origin);
		if (!zone)
			throw std::runtime_error(std::string(z.path) + ": " + zone.error().message);
		zones.push_back(*zone);
	}
	auto set = xdpdns::dns::ZoneSet::build(std::move(zones));
	if (!set)
		throw std::runtime_error("zone set: " + set.error().message);
	return *set;
}

std::vector<std::uint8_t> zone_answer(const xdpdns::dns::ZoneSet &zones, const std::vector<std::uint8_t> &msg,
				      xdpdns::dns::Transport t, std::uint16_t edns_size, xdpdns::dns::Query &q)
{
	if (xdpdns::dns::parse_query(msg, q) != xdpdns::dns::ParseResult::ok)
		return {};
	std::vector<std::uint8_t> answer(65535);
	answer.resize(xdpdns::dns::answer(zones, q, t, answer, edns_size).size);
	return answer;
}

}  // namespace xdpdns::test
