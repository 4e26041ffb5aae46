// Names and help texts of the counters, generated from the X-macro lists in
// include/xdpdns/stats.h so the CLI can never print a stale table.
#pragma once

#include <xdpdns/stats.h>

#include <array>
#include <string_view>

namespace xdpdns {

struct StatName {
	std::string_view name;  // "tcp-syn-answered"
	std::string_view help;  // "SYN answered with a SYN-ACK"
};

// Indexed by enum xdpdns_stat (XDP program, PERCPU_ARRAY `stats`).
extern const std::array<StatName, XDPDNS_STAT_MAX> xdp_stat_names;
// Indexed by enum xdpdns_dstat (daemon rows in `dstats`).
extern const std::array<StatName, XDPDNS_DSTAT_MAX> daemon_stat_names;

}  // namespace xdpdns
