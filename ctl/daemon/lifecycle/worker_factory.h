// Making one worker: everything a queue's worker owns or points at, set up
// in one place (Daemon::start_workers loops over the queues and starts the
// threads). The AF_XDP socket and its UMEM (XskPort), the worker's row of
// the pinned dstats map, its backend (zone or upstream) and its
// WorkerConfig.
#pragma once

#include "common/pinned.h"
#include "common/result.h"
#include "daemon/config/config.h"
#include "daemon/paths/worker.h"
#include "daemon/upstream/upstream_backend.h"
#include "daemon/secondary/notify.h"
#include "dns/zone_set.h"

#include <cstdint>
#include <memory>
#include <string>

namespace xdpdns::daemon {

// What the workers of one interface share; set up once per interface by
// Daemon::start_workers, outliving its workers.
struct InterfaceShare {
	std::string ifname;
	int ifindex = 0;
	std::uint32_t mtu = 1500;                  // as the workers send (capped to a frame)
	const PinnedObjects *pins = nullptr;       // maps and programs of the attached XDP program
	std::uint64_t *dstats_rows = nullptr;      // the mmapped dstats map, all rows
	answers::AnswerMap *answer_map = nullptr;  // answers for XDP to give
	IdleCloser *idle_closer = nullptr;         // handed to the queue-0 worker only
	const CookieSecretStore *cookie_secrets = nullptr;  // DNS Cookie secrets (all interfaces)
	xdpdns_rrl_set *rrl_sets = nullptr;        // the mmapped rrl map
	std::uint32_t rrl_set_count = 0;
	dnstap::Writer *tap = nullptr;             // dnstap output (nullptr: off)
	unsigned tap_queue_base = 0;               // queue q's worker submits to input queue base + q
};

// Where the answers come from: the zones when there are zone files or
// secondary zones (cfg.zone_backend()),
// else the upstream servers.
struct BackendSource {
	const dns::ZoneSetHandle *zones = nullptr;
	const UpstreamConfig *upstream = nullptr;
	const secondary::NotifyCheck *notify = nullptr;  // when there are secondary zones
};

// The worker of `queue` on `itf` (its thread not yet started): opens the
// AF_XDP socket, claims and clears the next dstats row, makes the backend.
Result<std::unique_ptr<Worker>> make_worker(const config::DaemonConfig &cfg, const InterfaceShare &itf,
					    const BackendSource &source, std::uint32_t queue);

}  // namespace xdpdns::daemon
