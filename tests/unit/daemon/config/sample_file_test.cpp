// The documented sample, tools/xdpdnsd.yaml.example, must load and mean what
// its comments say.
#include "daemon/config/yaml_file.h"

#include "common/knobs.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <string>

namespace xdpdns::daemon::config {
namespace {

TEST(SampleFile, LoadsWithTheDocumentedValues)
{
	const std::string path = XDPDNS_SOURCE_DIR "/tools/xdpdnsd.yaml.example";
	auto r = load_file(path);
	ASSERT_TRUE(r.ok()) << r.error().message;

	DaemonConfig want;
	want.interfaces = {"eth0"};
	want.zones = {{"/etc/xdpdns/example.test.zone", "example.test."}};
	want.knobs = {{"tcp.mss-v4", "1220"},     {"tcp.mss-v6", "1220"},  {"tcp.segment-size", "512"},
		      {"cookie.rotate", "1h"},    {"atr.delay", "10ms"},   {"atr.probability", "100%"}};
	want.source = path;
	EXPECT_EQ(*r, want);

	// Every knob value it shows is the table's default.
	auto knobs = knob_config(*r);
	ASSERT_TRUE(knobs.ok()) << knobs.error().message;
	xdpdns_config defaults = config_defaults();
	EXPECT_EQ(std::memcmp(&*knobs, &defaults, sizeof defaults), 0);
}

// The commented alternatives are valid too: uncomment them and drop the
// zones, and the upstream backend it describes loads.
TEST(SampleFile, CommentedAlternativesLoad)
{
	std::ifstream in(XDPDNS_SOURCE_DIR "/tools/xdpdnsd.yaml.example");
	ASSERT_TRUE(in) << "tools/xdpdnsd.yaml.example";
	std::string text;
	int uncommented = 0;
	for (std::string line; std::getline(in, line);) {
		auto starts = [&](const char *p) { return line.rfind(p, 0) == 0; };
		if (starts("  zones:") || starts("    - file:") || starts("      origin:"))
			continue;
		for (const char *p : {"# addresses:", "  # upstream:", "  # upstream-timeout:",
				      "  # upstream-source-ports:"}) {
			if (starts(p)) {
				line.erase(line.find("# "), 2);
				uncommented++;
			}
		}
		text += line + "\n";
	}
	ASSERT_EQ(uncommented, 4);
	auto r = load_text(text, "xdpdnsd.yaml.example");
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_EQ(r->addresses, (std::vector<std::string>{"192.0.2.53", "2001:db8::53"}));
	EXPECT_EQ(r->upstreams, (std::vector<Upstream>{{"192.0.2.1"}, {"[2001:db8::1]:5353"}}));
	EXPECT_EQ(r->upstream_timeout_ms, 800u);
	EXPECT_EQ(r->upstream_source_ports, 16u);
	EXPECT_TRUE(r->zones.empty());
}

}  // namespace
}  // namespace xdpdns::daemon::config
