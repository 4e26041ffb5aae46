// The daemon's lifetime: attach (or adopt) the XDP program on each
// interface, one AF_XDP socket and worker thread per RX queue, cookie key
// rotation, SIGHUP reload and SIGTERM shutdown.
#pragma once

#include "daemon/config/config.h"

#include <string>
#include <vector>

namespace xdpdns::daemon {

// Runs until SIGTERM/SIGINT; returns the process exit status. `args` (the
// command line after the program name) are parsed again on SIGHUP.
int run_daemon(const config::DaemonConfig &cfg, const std::vector<std::string> &args);

}  // namespace xdpdns::daemon
