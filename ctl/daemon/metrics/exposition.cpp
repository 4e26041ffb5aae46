#include "daemon/metrics/exposition.h"

#include "common/stats_names.h"

#include <fmt/format.h>

#include <iterator>

namespace xdpdns::daemon::metrics {

void HistogramData::add(const HistogramData &o)
{
	if (buckets.empty()) {
		*this = o;
		return;
	}
	for (std::size_t i = 0; i < buckets.size() && i < o.buckets.size(); i++)
		buckets[i] += o.buckets[i];
	sum += o.sum;
}

std::string metric_part(std::string_view counter_name)
{
	std::string out(counter_name);
	for (char &c : out)
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
			c = '_';
	return out;
}

namespace {

std::string escape(std::string_view v, bool quote)
{
	std::string out;
	out.reserve(v.size());
	for (char c : v) {
		if (c == '\\')
			out += "\\\\";
		else if (c == '\n')
			out += "\\n";
		else if (quote && c == '"')
			out += "\\\"";
		else
			out += c;
	}
	return out;
}

bool is_gauge(std::string_view help)
{
	constexpr std::string_view mark = "(gauge)";
	return help.size() >= mark.size() && help.substr(help.size() - mark.size()) == mark;
}

class Writer {
public:
	void family(const std::string &name, std::string_view type, std::string_view help)
	{
		fmt::format_to(std::back_inserter(out_), "# HELP {} {}\n# TYPE {} {}\n", name, escape_help(help), name,
			       type);
	}
	template <class V>
	void sample(const std::string &name, const std::string &labels, V value)
	{
		if (labels.empty())
			fmt::format_to(std::back_inserter(out_), "{} {}\n", name, value);
		else
			fmt::format_to(std::back_inserter(out_), "{}{{{}}} {}\n", name, labels, value);
	}
	void histogram(const std::string &name, const std::string &labels, const HistogramData &h)
	{
		std::uint64_t cumulative = 0;
		for (std::size_t i = 0; i < h.buckets.size(); i++) {
			cumulative += h.buckets[i];
			const std::string le = i < h.bounds.size() ? std::to_string(h.bounds[i]) : "+Inf";
			sample(name + "_bucket", labels + ",le=\"" + le + "\"", cumulative);
		}
		sample(name + "_sum", labels, h.sum);
		sample(name + "_count", labels, cumulative);
	}
	std::string take() { return std::move(out_); }

private:
	std::string out_;
};

std::string itf_label(const InterfaceSnapshot &i)
{
	return "interface=\"" + escape_label(i.name) + "\"";
}

}  // namespace

std::string escape_label(std::string_view v)
{
	return escape(v, true);
}

std::string escape_help(std::string_view v)
{
	return escape(v, false);
}

std::string render(const Snapshot &s)
{
	Writer w;
	w.family("xdpdns_build_info", "gauge", "xdpdns version and map ABI of this daemon (always 1)");
	w.sample("xdpdns_build_info", "version=\"" + escape_label(s.version) + "\",abi=\"" + std::to_string(s.abi) + "\"",
		 1);
	w.family("xdpdns_start_time_seconds", "gauge", "when the daemon started, Unix time");
	w.sample("xdpdns_start_time_seconds", "", fmt::format("{:.3f}", s.start_time_s));

	for (std::size_t id = 0; id < xdp_stat_names.size(); id++) {
		const std::string name = "xdpdns_xdp_" + metric_part(xdp_stat_names[id].name) + "_total";
		w.family(name, "counter", xdp_stat_names[id].help);
		for (const auto &i : s.interfaces)
			if (i.xdp)
				w.sample(name, itf_label(i), (*i.xdp)[id]);
	}

	for (std::size_t id = 0; id < daemon_stat_names.size(); id++) {
		std::string_view base = daemon_stat_names[id].name;
		if (base.substr(0, 2) == "d-")
			base.remove_prefix(2);
		const bool gauge = is_gauge(daemon_stat_names[id].help);
		const std::string name = "xdpdns_daemon_" + metric_part(base) + (gauge ? "" : "_total");
		w.family(name, gauge ? "gauge" : "counter", daemon_stat_names[id].help);
		for (const auto &i : s.interfaces)
			for (const auto &wk : i.workers)
				w.sample(name, itf_label(i) + ",queue=\"" + std::to_string(wk.queue) + "\"", wk.counters[id]);
	}

	w.family("xdpdns_answer_size_octets", "histogram",
		 "DNS message size of the answers the daemon sent (TCP: without the length prefix)");
	for (const auto &i : s.interfaces) {
		if (!i.udp_size.buckets.empty())
			w.histogram("xdpdns_answer_size_octets", itf_label(i) + ",transport=\"udp\"", i.udp_size);
		if (!i.tcp_size.buckets.empty())
			w.histogram("xdpdns_answer_size_octets", itf_label(i) + ",transport=\"tcp\"", i.tcp_size);
	}
	w.family("xdpdns_tcp_answer_segments", "histogram",
		 "TCP segments a daemon answer (length prefix and message) spans at the segment size in use");
	for (const auto &i : s.interfaces)
		if (!i.tcp_segments.buckets.empty())
			w.histogram("xdpdns_tcp_answer_segments", itf_label(i), i.tcp_segments);

	w.family("xdpdns_answers_map_entries", "gauge", "answers stored in the in-kernel answers map");
	for (const auto &i : s.interfaces)
		if (i.answers_stored)
			w.sample("xdpdns_answers_map_entries", itf_label(i), *i.answers_stored);

	w.family("xdpdns_dnstap_xdp_logged_total", "counter", "answers made in XDP logged to dnstap (sampled copies)");
	for (const auto &i : s.interfaces)
		if (i.xdp_tap)
			w.sample("xdpdns_dnstap_xdp_logged_total", itf_label(i), i.xdp_tap->logged);
	w.family("xdpdns_dnstap_xdp_dropped_total", "counter",
		 "copies of answers made in XDP lost: perf buffer full, not parsable, writer queue full");
	for (const auto &i : s.interfaces)
		if (i.xdp_tap)
			w.sample("xdpdns_dnstap_xdp_dropped_total", itf_label(i), i.xdp_tap->dropped);

	w.family("xdpdns_zone_serial", "gauge", "SOA serial of each zone in service");
	for (const auto &z : s.zones)
		w.sample("xdpdns_zone_serial", "zone=\"" + escape_label(z.zone) + "\"", z.serial);
	return w.take();
}

}  // namespace xdpdns::daemon::metrics
