// A secondary zone as the manager and the NOTIFY check see it: made from
// the daemon's configuration once at start (daemon/lifecycle/daemon.cpp).
#pragma once

#include "common/endpoint.h"
#include "daemon/secondary/tsig.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace xdpdns::secondary {

struct ZoneSpec {
	std::string name;                    // "example.test."
	std::vector<std::uint8_t> origin;    // lowercase wire
	std::vector<Endpoint> primaries;     // tried in order
	std::vector<std::string> primary_texts;  // as configured, for log lines
	std::shared_ptr<const TsigKey> key;  // transfers and NOTIFY signed with it, or none
};

}  // namespace xdpdns::secondary
