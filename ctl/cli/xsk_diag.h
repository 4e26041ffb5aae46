// AF_XDP sockets of the caller's network namespace (sock_diag, as `ss --xdp`
// does): which RX queues of an interface have a socket bound. A cheap
// stand-in for reading the XSKMAP, whose entries userspace cannot look up.
// Needs CONFIG_XDP_SOCKETS_DIAG; without it `status` shows n/a.
#pragma once

#include "common/result.h"

#include <cstdint>
#include <vector>

namespace xdpdns::cli {

struct XskSocket {
	std::uint32_t ifindex = 0;
	std::uint32_t queue_id = 0;
};

Result<std::vector<XskSocket>> xsk_sockets();

}  // namespace xdpdns::cli
