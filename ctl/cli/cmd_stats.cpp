// stats [IFACE] [--json] [--workers] [--watch SECONDS [--count N]]
// XDP counters summed over CPUs, daemon counters summed over worker rows
// (--workers: also each worker's, one per RX queue).
#include "commands.h"

#include "common/pinned.h"
#include "common/stats_names.h"
#include "table.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <map>
#include <thread>

namespace xdpdns::cli {
namespace {

struct Sample {
	XdpCounters xdp{};
	DaemonCounters daemon{};
	std::vector<WorkerCounters> workers;  // with --workers
};

Result<std::map<std::string, Sample>> take(const std::vector<std::string> &names, bool workers)
{
	std::map<std::string, Sample> out;
	for (const auto &n : names) {
		auto p = PinnedObjects::open(n);
		if (!p)
			return p.error();
		auto x = p->read_stats();
		if (!x)
			return x.error();
		auto d = p->read_dstats_sum();
		if (!d)
			return d.error();
		out[n] = {*x, *d, {}};
		if (workers) {
			auto w = p->read_dstats_workers();
			if (!w)
				return w.error();
			out[n].workers = std::move(*w);
		}
	}
	return out;
}

std::string rate(std::uint64_t now, std::uint64_t before, double seconds)
{
	char buf[32];
	std::snprintf(buf, sizeof(buf), "%.1f", now >= before ? (now - before) / seconds : 0.0);
	return buf;
}

// Daemon counters per worker: one column per RX queue.
void print_workers(const std::vector<WorkerCounters> &workers)
{
	if (workers.empty())
		return;
	std::vector<std::string> header = {"COUNTER"};
	for (const auto &w : workers)
		header.push_back("QUEUE-" + std::to_string(w.queue));
	Table t(header);
	for (std::size_t i = 0; i < XDPDNS_DSTAT_MAX; i++) {
		std::vector<std::string> r = {std::string(daemon_stat_names[i].name)};
		for (const auto &w : workers)
			r.push_back(std::to_string(w.counters[i]));
		t.add(std::move(r));
	}
	std::printf("\nworkers (one per RX queue)\n");
	t.print();
}

void print_text(const std::map<std::string, Sample> &now, const std::map<std::string, Sample> *before,
		double seconds)
{
	bool first = true;
	for (const auto &[name, s] : now) {
		if (!first)
			std::printf("\n");
		first = false;
		std::printf("interface %s\n", name.c_str());
		std::vector<std::string> header = {"COUNTER", "VALUE"};
		if (before)
			header.push_back("RATE/s");
		header.push_back("DESCRIPTION");
		Table t(header);
		const Sample *b = nullptr;
		if (before)
			if (auto it = before->find(name); it != before->end())
				b = &it->second;
		auto row = [&](const StatName &n, std::uint64_t v, std::uint64_t old) {
			std::vector<std::string> r = {std::string(n.name), std::to_string(v)};
			if (before)
				r.push_back(b ? rate(v, old, seconds) : "-");
			r.emplace_back(n.help);
			t.add(std::move(r));
		};
		for (std::size_t i = 0; i < s.xdp.size(); i++)
			row(xdp_stat_names[i], s.xdp[i], b ? b->xdp[i] : 0);
		for (std::size_t i = 0; i < s.daemon.size(); i++)
			row(daemon_stat_names[i], s.daemon[i], b ? b->daemon[i] : 0);
		t.print();
		print_workers(s.workers);
	}
}

nlohmann::json to_json(const std::map<std::string, Sample> &now)
{
	nlohmann::json j = nlohmann::json::object();
	for (const auto &[name, s] : now) {
		nlohmann::json x = nlohmann::json::object(), d = nlohmann::json::object();
		for (std::size_t i = 0; i < s.xdp.size(); i++)
			x[std::string(xdp_stat_names[i].name)] = s.xdp[i];
		for (std::size_t i = 0; i < s.daemon.size(); i++)
			d[std::string(daemon_stat_names[i].name)] = s.daemon[i];
		j[name] = {{"xdp", x}, {"daemon", d}};
		if (!s.workers.empty()) {
			nlohmann::json ws = nlohmann::json::array();
			for (const auto &w : s.workers) {
				nlohmann::json c = nlohmann::json::object();
				for (std::size_t i = 0; i < w.counters.size(); i++)
					c[std::string(daemon_stat_names[i].name)] = w.counters[i];
				ws.push_back({{"queue", w.queue}, {"row", w.row}, {"daemon", c}});
			}
			j[name]["workers"] = ws;
		}
	}
	return {{"interfaces", j}};
}

}  // namespace

void add_stats_command(CLI::App &app, std::vector<std::pair<CLI::App *, Runner>> &cmds)
{
	struct Args {
		std::optional<std::string> iface;
		bool json = false, workers = false;
		std::string watch, count = "0";
	};
	auto a = std::make_shared<Args>();
	auto *st = app.add_subcommand("stats", "Show counters (XDP per reason, summed over CPUs; daemon)");
	st->add_option("IFACE", a->iface, "only this interface (default: all attached)");
	st->add_flag("--json", a->json, "print JSON (one object per sample)");
	st->add_flag("--workers", a->workers, "daemon counters of each worker (RX queue) too");
	st->add_option("--watch", a->watch, "reprint every SECONDS, with rates");
	st->add_option("--count", a->count, "with --watch: stop after N samples (0 = never)");
	cmds.emplace_back(st, [a]() -> Result<void> {
		std::uint64_t every = 0, count = 0;
		if (!a->watch.empty()) {
			auto w = parse_uint_arg("watch", a->watch, 1, 86400);
			if (!w)
				return w.error();
			every = *w;
		}
		auto c = parse_uint_arg("count", a->count, 0, 1u << 31);
		if (!c)
			return c.error();
		count = *c;
		auto names = some_interfaces(a->iface);
		if (!names)
			return names.error();

		auto prev = take(*names, a->workers);
		if (!prev)
			return prev.error();
		if (a->json)
			std::printf("%s\n", to_json(*prev).dump().c_str());
		else
			print_text(*prev, nullptr, 0);
		for (std::uint64_t n = 1; every && (count == 0 || n < count); n++) {
			std::fflush(stdout);
			std::this_thread::sleep_for(std::chrono::seconds(every));
			auto now = take(*names, a->workers);
			if (!now)
				return now.error();
			if (a->json) {
				std::printf("%s\n", to_json(*now).dump().c_str());
			} else {
				std::printf("\n");
				print_text(*now, &*prev, static_cast<double>(every));
			}
			prev = std::move(now);
		}
		return {};
	});
}

}  // namespace xdpdns::cli
