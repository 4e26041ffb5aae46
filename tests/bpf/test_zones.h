// The test zones and the walk over them the in-kernel answer tests share
// (UDP in answers_test.cpp, TCP in tcp_answers_test.cpp): every owner name
// plus names that do not exist, sit below a wildcard, a zone cut or a DNAME,
// or are in no zone; the types and EDNS shapes asked; the zones loaded as
// the daemon loads them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dns/query.h"
#include "dns/zone_backend.h"
#include "dns/zone_set.h"

namespace xdpdns::test {

struct ZoneFile {
	const char *path;  // under the repository
	const char *origin;
};
inline constexpr ZoneFile kZones[] = {
	{"tools/zones/example.test.zone", "example.test."},
	{"tests/unit/dns/zones/zone.test.zone", "zone.test."},
	{"tests/unit/dns/zones/inner.zone.test.zone", "inner.zone.test."},
	{"tests/unit/dns/zones/dname.test.zone", "dname.test."},
	{"tests/unit/dns/zones/other.test.zone", "other.test."},
	{"tests/unit/dns/zones/apex.test.zone", "apex.test."},
	// Signed with NSEC3: DO=1 answers carry NSEC3 proofs (NSEC3 hashes per
	// query); its NSEC3 owner names are asked too (NXDOMAIN).
	{"tests/unit/dns/zones/signed/dnssec.test.nsec3.zone", "dnssec.test."},
};

inline constexpr std::uint16_t kTypes[] = {1, 28, 16, 15, 2, 6, 5, 43, 48, 46, 33, 255, 99};

struct Shape {
	bool opt;
	bool do_bit;
};
inline constexpr Shape kShapes[] = {{false, false}, {true, false}, {true, true}};

// Owner names of a zone file (plus names that do not exist and names below
// a wildcard or a DNAME), as dotted text.
std::vector<std::string> zone_names(const ZoneFile &z);

// Every other letter upper case: the client's case, which answers echo.
std::string mixed_case(std::string s);

// All of kZones as one ZoneSet; throws std::runtime_error naming the cause.
std::shared_ptr<const xdpdns::dns::ZoneSet> load_test_zones();

// The daemon's zone answer to the query message `msg` over `t` (parsed
// into `q`); empty when the message is no query the daemon answers.
std::vector<std::uint8_t> zone_answer(const xdpdns::dns::ZoneSet &zones, const std::vector<std::uint8_t> &msg,
				      xdpdns::dns::Transport t, std::uint16_t edns_size, xdpdns::dns::Query &q);

}  // namespace xdpdns::test
