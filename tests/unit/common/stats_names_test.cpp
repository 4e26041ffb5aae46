#include "common/stats_names.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace xdpdns {
namespace {

TEST(StatsNames, GeneratedFromTheXMacroLists)
{
	ASSERT_EQ(xdp_stat_names.size(), static_cast<std::size_t>(XDPDNS_STAT_MAX));
	ASSERT_EQ(daemon_stat_names.size(), static_cast<std::size_t>(XDPDNS_DSTAT_MAX));
	EXPECT_EQ(xdp_stat_names[XDPDNS_STAT_RX_FRAMES].name, "rx-frames");
	EXPECT_EQ(xdp_stat_names[XDPDNS_STAT_TCP_SYN].name, "tcp-syn-answered");
	EXPECT_EQ(xdp_stat_names[XDPDNS_STAT_TCP_SYN].help, "SYN answered with a SYN-ACK");
	EXPECT_EQ(daemon_stat_names[XDPDNS_STAT_D_RX].name, "d-rx");
}

TEST(StatsNames, UniqueNonEmptyAndDaemonPrefixed)
{
	std::set<std::string_view> seen;
	for (const auto &n : xdp_stat_names) {
		EXPECT_FALSE(n.name.empty());
		EXPECT_FALSE(n.help.empty());
		EXPECT_TRUE(seen.insert(n.name).second) << n.name;
		EXPECT_FALSE(n.name.starts_with("d-")) << n.name;
	}
	for (const auto &n : daemon_stat_names) {
		EXPECT_TRUE(n.name.starts_with("d-")) << n.name;
		EXPECT_FALSE(n.help.empty());
		EXPECT_TRUE(seen.insert(n.name).second) << n.name;
	}
}

}  // namespace
}  // namespace xdpdns
