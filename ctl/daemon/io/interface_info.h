// Facts about a network interface, read with ioctls on a socket so they come
// from the caller's network namespace (sysfs shows the namespace it was
// mounted in, which `nsenter --net` does not change).
#pragma once

#include "common/result.h"

#include <cstdint>
#include <string>

namespace xdpdns::daemon {

// RX queues (ETHTOOL_GCHANNELS: combined + rx-only); 1 when the driver does
// not report channels. Capped at XDPDNS_MAX_QUEUES.
Result<std::uint32_t> rx_queue_count(const std::string &ifname);

// MTU of the interface: the largest IP packet it sends.
Result<std::uint32_t> interface_mtu(const std::string &ifname);

}  // namespace xdpdns::daemon
