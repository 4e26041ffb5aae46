// UpstreamBackend::create() refuses bad settings with a sentence naming them.
#include "daemon/upstream/upstream_backend.h"

#include <gtest/gtest.h>

namespace xdpdns::daemon {
namespace {

UpstreamConfig one_server()
{
	UpstreamConfig c;
	c.servers.push_back(*parse_endpoint("127.0.0.1:53"));
	return c;
}

std::string create_error(const UpstreamConfig &c)
{
	auto b = UpstreamBackend::create(c);
	return b.ok() ? "ok" : b.error().message;
}

TEST(UpstreamConfig, DefaultsAreAccepted)
{
	const UpstreamConfig c = one_server();
	EXPECT_EQ(c.timeout_ms, 800u);
	EXPECT_EQ(c.max_in_flight, 4096u);
	EXPECT_EQ(c.max_tcp, 64u);
	EXPECT_EQ(c.edns_size, 1232);
	EXPECT_EQ(c.source_ports, 16u);
	EXPECT_EQ(c.source_port_queries, 1000u);
	EXPECT_EQ(c.source_port_lifetime_ms, 30000u);
	auto b = UpstreamBackend::create(c);
	ASSERT_TRUE(b.ok()) << b.error().message;
	EXPECT_GE((*b)->poll_fd(), 0);
	EXPECT_EQ((*b)->in_flight(), 0u);
	EXPECT_GT((*b)->udp_receive_buffer(), 0);
}

TEST(UpstreamConfig, BadSettingsNamed)
{
	EXPECT_EQ(create_error(UpstreamConfig{}), "upstream: no server given");
	UpstreamConfig c = one_server();
	c.timeout_ms = 0;
	EXPECT_EQ(create_error(c), "upstream: timeout (ms) 0 is out of range 1..60000");
	c = one_server();
	c.max_in_flight = 40000;
	EXPECT_EQ(create_error(c), "upstream: max in flight 40000 is out of range 1..32768");
	c = one_server();
	c.max_in_flight = 0;
	EXPECT_EQ(create_error(c), "upstream: max in flight 0 is out of range 1..32768");
	c = one_server();
	c.tries = 300;
	EXPECT_EQ(create_error(c), "upstream: tries 300 is out of range 0..255");
	c = one_server();
	c.max_tcp = 5000;
	EXPECT_EQ(create_error(c), "upstream: max TCP retries 5000 is out of range 0..4096");
	c = one_server();
	c.edns_size = 511;
	EXPECT_EQ(create_error(c), "upstream: EDNS size 511 is out of range 512..65535");
	c = one_server();
	c.source_ports = 0;
	EXPECT_EQ(create_error(c), "upstream: source ports per family 0 is out of range 1..1024");
	c.source_ports = 1025;
	EXPECT_EQ(create_error(c), "upstream: source ports per family 1025 is out of range 1..1024");
	c = one_server();
	c.source_port_queries = 0;
	EXPECT_EQ(create_error(c), "upstream: queries per source port 0 is out of range 1..4294967295");
	c = one_server();
	c.source_port_lifetime_ms = 0;
	EXPECT_EQ(create_error(c), "upstream: source port lifetime (ms) 0 is out of range 1..4294967295");
	c = one_server();
	c.servers.push_back(Endpoint{});
	EXPECT_EQ(create_error(c), "upstream: server address of an unknown family");
}

}  // namespace
}  // namespace xdpdns::daemon
