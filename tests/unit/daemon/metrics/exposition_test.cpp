// The metrics text for a known set of counters: exact lines, names and help
// derived from stats.h, gauges, histograms (cumulative buckets), escaping.
#include "daemon/metrics/exposition.h"

#include "common/stats_names.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace xdpdns::daemon::metrics {
namespace {

std::vector<std::string> lines_of(const std::string &text)
{
	std::vector<std::string> out;
	std::istringstream in(text);
	for (std::string l; std::getline(in, l);)
		out.push_back(l);
	return out;
}

bool has_line(const std::string &text, const std::string &line)
{
	for (const auto &l : lines_of(text))
		if (l == line)
			return true;
	return false;
}

Snapshot sample()
{
	Snapshot s;
	s.version = "0.1.0";
	s.abi = 8;
	s.start_time_s = 1700000000.25;
	InterfaceSnapshot i;
	i.name = "veth0";
	XdpCounters x{};
	x[XDPDNS_STAT_RX_FRAMES] = 42;
	x[XDPDNS_STAT_UDP_TO_DAEMON] = 7;
	i.xdp = x;
	WorkerCounters w0, w1;
	w0.queue = 0;
	w0.counters[XDPDNS_STAT_D_UDP_ANSWERS] = 5;
	w0.counters[XDPDNS_STAT_D_TCP_CONNS_OPEN] = 3;
	w1.queue = 1;
	w1.counters[XDPDNS_STAT_D_UDP_ANSWERS] = 2;
	i.workers = {w0, w1};
	SizeHistogram udp{kAnswerSizeBounds};
	udp.observe(50);
	udp.observe(64);   // le="64" is inclusive
	udp.observe(65);
	udp.observe(5000);  // +Inf only
	i.udp_size = HistogramData::of(udp);
	SegmentHistogram seg{kTcpSegmentBounds};
	seg.observe(1);
	i.tcp_segments = HistogramData::of(seg);
	i.answers_stored = 9;
	s.interfaces.push_back(i);
	s.zones.push_back({"example.test.", 2024010101});
	return s;
}

TEST(MetricsText, CountersNamedFromStatsHeader)
{
	const std::string t = render(sample());
	EXPECT_TRUE(has_line(t, "# HELP xdpdns_xdp_rx_frames_total frames seen by the XDP program")) << t;
	EXPECT_TRUE(has_line(t, "# TYPE xdpdns_xdp_rx_frames_total counter"));
	EXPECT_TRUE(has_line(t, "xdpdns_xdp_rx_frames_total{interface=\"veth0\"} 42"));
	EXPECT_TRUE(has_line(t, "xdpdns_xdp_udp_to_daemon_total{interface=\"veth0\"} 7"));
	EXPECT_TRUE(has_line(t, "xdpdns_xdp_tcp_syn_fin_dropped_total{interface=\"veth0\"} 0"));
	EXPECT_TRUE(has_line(t, "# HELP xdpdns_daemon_udp_answers_total UDP answers sent"));
	EXPECT_TRUE(has_line(t, "xdpdns_daemon_udp_answers_total{interface=\"veth0\",queue=\"0\"} 5"));
	EXPECT_TRUE(has_line(t, "xdpdns_daemon_udp_answers_total{interface=\"veth0\",queue=\"1\"} 2"));
}

TEST(MetricsText, EveryCounterOfTheListsAppears)
{
	const std::string t = render(sample());
	for (const auto &n : xdp_stat_names)
		EXPECT_TRUE(has_line(t, "# TYPE xdpdns_xdp_" + metric_part(n.name) + "_total counter")) << n.name;
	for (const auto &n : daemon_stat_names) {
		const std::string base = metric_part(std::string(n.name).substr(2));
		const bool gauge = n.help.ends_with("(gauge)");
		EXPECT_TRUE(has_line(t, "# TYPE xdpdns_daemon_" + base + (gauge ? " gauge" : "_total counter")))
			<< n.name;
	}
}

TEST(MetricsText, GaugeHasNoTotalSuffix)
{
	const std::string t = render(sample());
	EXPECT_TRUE(has_line(t, "# TYPE xdpdns_daemon_tcp_conns_open gauge"));
	EXPECT_TRUE(has_line(t, "xdpdns_daemon_tcp_conns_open{interface=\"veth0\",queue=\"0\"} 3"));
	EXPECT_EQ(t.find("xdpdns_daemon_tcp_conns_open_total"), std::string::npos);
}

TEST(MetricsText, HistogramBucketsAreCumulative)
{
	const std::string t = render(sample());
	const std::string l = "{interface=\"veth0\",transport=\"udp\",le=";
	EXPECT_TRUE(has_line(t, "# TYPE xdpdns_answer_size_octets histogram"));
	EXPECT_TRUE(has_line(t, "xdpdns_answer_size_octets_bucket" + l + "\"64\"} 2")) << t;
	EXPECT_TRUE(has_line(t, "xdpdns_answer_size_octets_bucket" + l + "\"128\"} 3"));
	EXPECT_TRUE(has_line(t, "xdpdns_answer_size_octets_bucket" + l + "\"4096\"} 3"));
	EXPECT_TRUE(has_line(t, "xdpdns_answer_size_octets_bucket" + l + "\"+Inf\"} 4"));
	EXPECT_TRUE(has_line(t, "xdpdns_answer_size_octets_sum{interface=\"veth0\",transport=\"udp\"} 5179"));
	EXPECT_TRUE(has_line(t, "xdpdns_answer_size_octets_count{interface=\"veth0\",transport=\"udp\"} 4"));
	EXPECT_TRUE(has_line(t, "xdpdns_tcp_answer_segments_bucket{interface=\"veth0\",le=\"1\"} 1"));
	EXPECT_TRUE(has_line(t, "xdpdns_tcp_answer_segments_bucket{interface=\"veth0\",le=\"+Inf\"} 1"));
	EXPECT_TRUE(has_line(t, "xdpdns_tcp_answer_segments_count{interface=\"veth0\"} 1"));
}

TEST(MetricsText, BuildInfoZonesStartTime)
{
	const std::string t = render(sample());
	EXPECT_TRUE(has_line(t, "xdpdns_build_info{version=\"0.1.0\",abi=\"8\"} 1"));
	EXPECT_TRUE(has_line(t, "xdpdns_start_time_seconds 1700000000.250"));
	EXPECT_TRUE(has_line(t, "xdpdns_zone_serial{zone=\"example.test.\"} 2024010101"));
	EXPECT_TRUE(has_line(t, "xdpdns_answers_map_entries{interface=\"veth0\"} 9"));
}

TEST(MetricsText, LabelValuesAreEscaped)
{
	EXPECT_EQ(escape_label("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
	EXPECT_EQ(escape_help("x\\y\"z\n"), "x\\\\y\"z\\n");
	Snapshot s = sample();
	s.zones = {{"we\"ird\\.test.", 1}};
	const std::string t = render(s);
	EXPECT_TRUE(has_line(t, "xdpdns_zone_serial{zone=\"we\\\"ird\\\\.test.\"} 1")) << t;
}

TEST(MetricsText, MetricPartReplacesNonNameCharacters)
{
	EXPECT_EQ(metric_part("tcp-syn-answered"), "tcp_syn_answered");
	EXPECT_EQ(metric_part("a.b/c"), "a_b_c");
}

TEST(MetricsText, EveryLineIsACommentOrASample)
{
	for (const auto &l : lines_of(render(sample()))) {
		ASSERT_FALSE(l.empty());
		if (l[0] == '#')
			EXPECT_TRUE(l.starts_with("# HELP ") || l.starts_with("# TYPE ")) << l;
		else
			EXPECT_TRUE(l.starts_with("xdpdns_")) << l;
	}
}

}  // namespace
}  // namespace xdpdns::daemon::metrics
