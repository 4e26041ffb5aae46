// The metrics endpoint's text: the Prometheus text exposition format,
// version 0.0.4. Pure rendering of a snapshot (metrics_source gathers it),
// so the exact lines are unit-tested. Counter names and help come from the
// X-macro lists of include/xdpdns/stats.h through common/stats_names.h:
// "rx-frames" is xdpdns_xdp_rx_frames_total, "d-udp-answers" is
// xdpdns_daemon_udp_answers_total; a daemon line whose help ends in
// "(gauge)" is a gauge without the _total suffix.
#pragma once

#include "common/pinned.h"
#include "daemon/io/histograms.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xdpdns::daemon::metrics {

inline constexpr const char *kContentType = "text/plain; version=0.0.4; charset=utf-8";

struct HistogramData {
	std::vector<std::uint64_t> bounds;   // finite upper bounds, ascending
	std::vector<std::uint64_t> buckets;  // bounds.size() + 1 non-cumulative counts (last: +Inf)
	std::uint64_t sum = 0;

	template <std::size_t N>
	static HistogramData of(const Histogram<N> &h)
	{
		const auto s = h.read();
		return {{h.bounds().begin(), h.bounds().end()}, {s.buckets.begin(), s.buckets.end()}, s.sum};
	}
	void add(const HistogramData &o);  // same bounds
};

struct InterfaceSnapshot {
	std::string name;
	std::optional<XdpCounters> xdp;       // summed over CPUs; none if the read failed
	std::vector<WorkerCounters> workers;  // dstats rows of running workers
	HistogramData udp_size, tcp_size, tcp_segments;  // summed over the workers
	std::optional<std::uint64_t> answers_stored;     // entries in the answers map
	struct TapCounts {
		std::uint64_t logged = 0, dropped = 0;
	};
	std::optional<TapCounts> xdp_tap;                // dnstap of answers made in XDP, when on
};

struct ZoneSerial {
	std::string zone;  // "example.test."
	std::uint32_t serial = 0;
};

struct Snapshot {
	std::string version;  // "0.1.0"
	std::uint32_t abi = 0;
	double start_time_s = 0;  // Unix time
	std::vector<InterfaceSnapshot> interfaces;
	std::vector<ZoneSerial> zones;
};

// "rx-frames" -> "rx_frames"; every character outside [a-zA-Z0-9_] becomes '_'.
std::string metric_part(std::string_view counter_name);
// A label value with \, " and newline escaped.
std::string escape_label(std::string_view v);
// A HELP text with \ and newline escaped.
std::string escape_help(std::string_view v);

std::string render(const Snapshot &s);

}  // namespace xdpdns::daemon::metrics
