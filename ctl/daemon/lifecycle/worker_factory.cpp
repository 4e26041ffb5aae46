#include "daemon/lifecycle/worker_factory.h"

#include "daemon/paths/zone_answers_backend.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <cstring>
#include <functional>
#include <string>

namespace xdpdns::daemon {

Result<std::unique_ptr<Worker>> make_worker(const config::DaemonConfig &cfg, const InterfaceShare &itf,
					    const BackendSource &source, std::uint32_t q)
{
	XskOptions xo;
	xo.busy_poll_us = cfg.busy_poll_us;
	auto port = XskPort::create(itf.ifname, q, itf.pins->xsks_fd(), xo);
	if (!port)
		return port.error();
	spdlog::info("{}: queue {}: AF_XDP socket ({} mode{})", itf.ifname, q,
		     (*port)->zero_copy() ? "zero-copy" : "copy",
		     xo.busy_poll_us ? ", busy polling " + std::to_string(xo.busy_poll_us) + " us" : "");

	// Rows are handed out across all interfaces, in the order workers are made.
	static std::atomic<std::uint32_t> next_row{0};
	const std::uint32_t row = next_row++ % XDPDNS_DSTATS_MAX_WORKERS;
	std::uint64_t *counters = itf.dstats_rows + std::size_t(row) * XDPDNS_DSTATS_ROW_U64;
	std::memset(counters, 0, XDPDNS_DSTATS_ROW_U64 * sizeof(std::uint64_t));

	WorkerConfig wc;
	wc.ifname = itf.ifname;
	wc.ifindex = itf.ifindex;
	wc.queue = q;
	wc.busy_poll_us = cfg.busy_poll_us;
	wc.mtu = itf.mtu;
	wc.knobs = itf.pins->config_view();
	wc.counters = counters;
	wc.atr_prog_fd = itf.pins->prog_atr_fd();
	wc.stats_fd = itf.pins->stats_fd();
	wc.flows.flows = cfg.tcp_flows;
	wc.conns.conns = cfg.tcp_connections;
	wc.tcp_conns_fd = itf.pins->tcp_conns_fd();
	wc.keys = itf.pins->keys_view();
	wc.answer_map = itf.answer_map;
	wc.rrl_sets = itf.rrl_sets;
	wc.rrl_set_count = itf.rrl_set_count;
	// One sweep of the shared map per interface: the first worker's.
	wc.idle_closer = q == 0 ? itf.idle_closer : nullptr;
	wc.cookie_secrets = cfg.cookies_enable ? itf.cookie_secrets : nullptr;
	wc.cookie_policy = {cfg.cookies_enable, cfg.cookies_require};

	std::unique_ptr<Backend> backend;
	std::function<void()> before_batch;
	wc.notify = source.notify;
	wc.tap = itf.tap;
	wc.tap_queue = itf.tap_queue_base + q;
	wc.tap_queries = cfg.dnstap.log_queries;
	wc.tap_responses = cfg.dnstap.log_responses;
	wc.tap_sample = cfg.dnstap.sample;
	if (cfg.zone_backend()) {
		auto zb = std::make_unique<ZoneBackend>(*source.zones, &wc.knobs->edns_buffer_size);
		ZoneBackend *raw = zb.get();
		before_batch = [raw] { raw->refresh(); };
		backend = std::move(zb);
	} else {
		UpstreamConfig uc = *source.upstream;
		uc.live_edns_size = &wc.knobs->edns_buffer_size;
		auto ub = UpstreamBackend::create(uc);
		if (!ub)
			return ub.error();
		UpstreamBackend *raw = ub->get();
		before_batch = [raw, counters] {
			// Mirror the backend's own counters into this worker's row.
			const auto &c = raw->counters();
			__atomic_store_n(&counters[XDPDNS_STAT_D_UPSTREAM_SENT], c.sent, __ATOMIC_RELAXED);
			__atomic_store_n(&counters[XDPDNS_STAT_D_UPSTREAM_TIMEOUT], c.timeouts, __ATOMIC_RELAXED);
			__atomic_store_n(&counters[XDPDNS_STAT_D_UPSTREAM_TCP], c.tcp_retries, __ATOMIC_RELAXED);
			__atomic_store_n(&counters[XDPDNS_STAT_D_UPSTREAM_SERVFAIL], c.servfails, __ATOMIC_RELAXED);
			__atomic_store_n(&counters[XDPDNS_STAT_D_UPSTREAM_FULL], c.table_full, __ATOMIC_RELAXED);
			__atomic_store_n(&counters[XDPDNS_STAT_D_UPSTREAM_MISMATCHED], c.mismatched, __ATOMIC_RELAXED);
			__atomic_store_n(&counters[XDPDNS_STAT_D_UPSTREAM_MALFORMED], c.malformed, __ATOMIC_RELAXED);
			__atomic_store_n(&counters[XDPDNS_STAT_D_UPSTREAM_DECLINED], c.declined, __ATOMIC_RELAXED);
		};
		wc.async_backend = true;
		backend = std::move(*ub);
	}
	auto worker = std::make_unique<Worker>(wc, std::move(*port), std::move(backend), std::move(before_batch));
	spdlog::info("{}: queue {}: TCP reuse: {} connections, {} MiB allocated (send ring, reassembly slots, table)",
		     itf.ifname, q, wc.conns.conns, (worker->tcp_conns_memory() + (1 << 19)) >> 20);
	return worker;
}

}  // namespace xdpdns::daemon
