#include "stats_names.h"

namespace xdpdns {

#define XDPDNS_STAT_NAME(id, name, help) StatName{name, help},

const std::array<StatName, XDPDNS_STAT_MAX> xdp_stat_names = {{
	XDPDNS_XDP_STATS(XDPDNS_STAT_NAME)
}};

const std::array<StatName, XDPDNS_DSTAT_MAX> daemon_stat_names = {{
	XDPDNS_DAEMON_STATS(XDPDNS_STAT_NAME)
}};

#undef XDPDNS_STAT_NAME

}  // namespace xdpdns
