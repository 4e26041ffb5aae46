#include "daemon/config/command_line.h"

#include "temp_dir.h"

#include "common/knobs.h"

#include <gtest/gtest.h>

namespace xdpdns::daemon::config {
namespace {

using Action = Command::Action;
using test::TempDir;

constexpr const char *kFleetKey = "0706050403020100 0f0e0d0c0b0a0908\n";

Command run(std::vector<std::string> args)
{
	return parse_command_line(args);
}

// The error text of a command that must be refused with `code`.
std::string refused(std::vector<std::string> args, int code = kExitUsage)
{
	Command c = run(std::move(args));
	EXPECT_EQ(c.action, Action::error) << c.message;
	EXPECT_EQ(c.exit_code, code);
	return c.message;
}

TEST(CommandLine, FlagsOnlyZone)
{
	Command c = run({"--interface", "veth0", "--zone", "z.zone"});
	ASSERT_EQ(c.action, Action::run) << c.message;
	EXPECT_EQ(c.exit_code, 0);
	DaemonConfig want;
	want.interfaces = {"veth0"};
	want.zones = {{"z.zone", std::nullopt}};  // relative to the working directory, as given
	want.source = "command line";
	EXPECT_EQ(c.config, want);
}

TEST(CommandLine, CookiesFlag)
{
	Command on = run({"--interface", "veth0", "--zone", "z.zone"});
	ASSERT_EQ(on.action, Action::run) << on.message;
	EXPECT_TRUE(on.config.cookies_enable);
	EXPECT_FALSE(on.config.cookies_require);
	Command req = run({"--interface", "veth0", "--zone", "z.zone", "--cookies", "require"});
	ASSERT_EQ(req.action, Action::run) << req.message;
	EXPECT_TRUE(req.config.cookies_enable);
	EXPECT_TRUE(req.config.cookies_require);
	Command off = run({"--interface", "veth0", "--zone", "z.zone", "--cookies", "off"});
	ASSERT_EQ(off.action, Action::run) << off.message;
	EXPECT_FALSE(off.config.cookies_enable);
	EXPECT_FALSE(off.config.cookies_require);
	EXPECT_EQ(refused({"--interface", "veth0", "--zone", "z.zone", "--cookies", "yes"}),
		  "--cookies: 'yes' is not on, off or require");
}

TEST(CommandLine, RepeatableFlags)
{
	Command c = run({"--interface", "veth0", "--interface", "veth1", "--zone", "a.zone@example.test",
			 "--zone", "b.zone", "--port", "53", "--port", "5353", "--address", "192.0.2.53",
			 "--address", "2001:db8::53", "--set", "atr.delay=20ms", "--set", "tcp.mss-v4=1300",
			 "--mode", "skb", "--pmtu-entries", "100", "--tcp-flows", "200", "--busy-poll", "50", "--answer-entries", "1000", "--log-level", "warn"});
	ASSERT_EQ(c.action, Action::run) << c.message;
	DaemonConfig want;
	want.interfaces = {"veth0", "veth1"};
	want.zones = {{"a.zone", "example.test."}, {"b.zone", std::nullopt}};
	want.ports = {53, 5353};
	want.addresses = {"192.0.2.53", "2001:db8::53"};
	want.knobs = {{"atr.delay", "20ms"}, {"tcp.mss-v4", "1300"}};
	want.mode = XdpMode::Skb;
	want.pmtu_entries = 100;
	want.tcp_flows = 200;
	want.busy_poll_us = 50;
	want.answer_entries = 1000;
	want.log_level = "warn";
	want.source = "command line";
	EXPECT_EQ(c.config, want);
}

TEST(CommandLine, FlagsOnlyUpstream)
{
	Command c = run({"--interface", "veth0", "--upstream", "[::1]:5353", "--upstream", "192.0.2.1",
			 "--upstream-timeout", "1s", "--upstream-source-ports", "64"});
	ASSERT_EQ(c.action, Action::run) << c.message;
	EXPECT_EQ(c.config.upstream_source_ports, 64u);
	EXPECT_EQ(c.config.upstreams, (std::vector<Upstream>{{"[::1]:5353"}, {"192.0.2.1"}}));
	EXPECT_TRUE(c.config.zones.empty());
	EXPECT_EQ(c.config.upstream_timeout_ms, 1000u);
}

TEST(CommandLine, FlagsOverrideTheFile)
{
	TempDir dir;
	const std::string key = dir.write("fleet.key", kFleetKey);
	const std::string file = dir.write("c.yaml",
		"interfaces: [eth0, eth1]\n"
		"ports: [53]\n"
		"backend:\n"
		"  zones: [{file: a.zone}]\n"
		"knobs:\n"
		"  tcp.mss-v4: 1300\n"
		"  atr.delay: 5ms\n"
		"log-level: debug\n"
		"tcp-flows: 100\n");
	Command c = run({"--config", file, "--interface", "veth1", "--upstream", "192.0.2.1",
			 "--set", "atr.delay=20ms", "--set", "atr.probability=50", "--port", "5353",
			 "--fleet-key", key});
	ASSERT_EQ(c.action, Action::run) << c.message;
	DaemonConfig want;
	want.interfaces = {"veth1"};             // the flag's list replaces the file's
	want.ports = {5353};
	want.upstreams = {{"192.0.2.1"}};        // --upstream replaces the zone backend
	want.knobs = {{"tcp.mss-v4", "1300"},   // file knobs kept, overridden in place,
		      {"atr.delay", "20ms"},     // new ones appended
		      {"atr.probability", "50"}};
	want.key_source = DaemonConfig::KeySource::file;
	want.key_file = key;
	want.log_level = "debug";                // not overridden: the file's value
	want.tcp_flows = 100;
	want.source = file;
	EXPECT_EQ(c.config, want);
	auto knobs = knob_config(c.config);
	ASSERT_TRUE(knobs.ok());
	EXPECT_EQ(knobs->atr_delay_us, 20000u);
	EXPECT_EQ(knobs->atr_probability, 50u);

	// Without flags the file is the configuration.
	Command plain = run({"--config", file});
	ASSERT_EQ(plain.action, Action::run) << plain.message;
	EXPECT_EQ(plain.config.interfaces, (std::vector<std::string>{"eth0", "eth1"}));
	EXPECT_EQ(plain.config.zones, (std::vector<ZoneFile>{{dir.path() + "/a.zone", std::nullopt}}));

	// --zone replaces an upstream backend of the file, and then a file's
	// timeout setting is not an error, but the flag is.
	const std::string up = dir.write("u.yaml", "interfaces: [eth0]\nbackend: {upstream: [192.0.2.1], upstream-timeout: 2s}\n");
	Command z = run({"--config", up, "--zone", "z.zone"});
	ASSERT_EQ(z.action, Action::run) << z.message;
	EXPECT_TRUE(z.config.upstreams.empty());
	EXPECT_EQ(z.config.zones, (std::vector<ZoneFile>{{"z.zone", std::nullopt}}));
	EXPECT_EQ(refused({"--config", up, "--zone", "z.zone", "--upstream-timeout", "1s"}),
		  "--upstream-timeout: only used with --upstream (or an upstream backend in --config)");
	EXPECT_EQ(refused({"--config", up, "--zone", "z.zone", "--upstream-source-ports", "4"}),
		  "--upstream-source-ports: only used with --upstream (or an upstream backend in --config)");
	EXPECT_EQ(refused({"--config", up, "--upstream-source-ports", "0"}),
		  "--upstream-source-ports: 0 is out of range 1..1024");
	EXPECT_EQ(refused({"--config", up, "--upstream-source-ports", "many"}),
		  "--upstream-source-ports: 'many' is not a whole number");
	Command t = run({"--config", up, "--upstream-timeout", "300ms"});
	ASSERT_EQ(t.action, Action::run) << t.message;
	EXPECT_EQ(t.config.upstream_timeout_ms, 300u);
}

TEST(CommandLine, BackendExactlyOne)
{
	const std::string both = refused({"--interface", "veth0", "--zone", "z.zone", "--upstream", "192.0.2.1"});
	EXPECT_NE(both.find("--zone excludes --upstream"), std::string::npos) << both;
	EXPECT_EQ(refused({"--interface", "veth0"}),
		  "--zone, --secondary or --upstream is required (or --config FILE); see --help");
	EXPECT_EQ(refused({"--zone", "z.zone"}), "--interface is required (or --config FILE); see --help");
	EXPECT_EQ(refused({}), "--interface is required (or --config FILE); see --help");
}

TEST(CommandLine, BadValuesNameTheFlag)
{
	const std::vector<std::string> base = {"--interface", "veth0", "--zone", "z.zone"};
	auto with = [&](std::vector<std::string> extra) {
		std::vector<std::string> a = base;
		a.insert(a.end(), extra.begin(), extra.end());
		return refused(a);
	};
	EXPECT_EQ(with({"--port", "0"}), "--port: 0 is out of range 1..65535");
	EXPECT_EQ(with({"--port", "53", "--port", "53"}), "--port: '53' is given twice");
	std::vector<std::string> many;  // one more than the XDP program's address set holds
	for (int i = 1; i <= 65; i++)
		many.insert(many.end(), {"--address", "10.0.0." + std::to_string(i)});
	EXPECT_EQ(with(many), "--address: more than 64 addresses");
	EXPECT_EQ(with({"--set", "atr.delay=5x"}),
		  "--set: atr.delay: '5x' has an unknown unit 'x' (valid: us, ms, s, m, h, d)");
	EXPECT_EQ(with({"--set", "atr.dely=5ms"}), "--set: " + unknown_knob_error("atr.dely").message);
	EXPECT_EQ(with({"--set", "atr.delay"}), "--set: 'atr.delay' is not KNOB=VALUE");
	EXPECT_EQ(with({"--mode", "generic"}), "--mode: 'generic' is not valid; valid modes: native, skb");
	EXPECT_EQ(with({"--interface", "veth0/x"}),
		  "--interface: 'veth0/x' is not an interface name (1..15 characters, no '/', ':' or white space)");
	EXPECT_EQ(with({"--log-level", "loud"}),
		  "--log-level: 'loud' is not a log level; valid levels: trace, debug, info, warn, error");
	EXPECT_EQ(with({"--fleet-key", "/nonexistent/fleet.key"}),
		  "--fleet-key: fleet key /nonexistent/fleet.key: No such file or directory");
	EXPECT_EQ(with({"--tcp-flows", "0"}), "--tcp-flows: 0 is out of range 1..16777216");
	EXPECT_EQ(with({"--busy-poll", "10001"}), "--busy-poll: 10001 is out of range 0..10000");
	EXPECT_EQ(with({"--answer-entries", "0"}), "--answer-entries: 0 is out of range 1..16777216");
	EXPECT_EQ(refused({"--interface", "veth0", "--upstream", "[::1]:0"}),
		  "--upstream: upstream \"[::1]:0\": port 0 is out of range 1..65535");
	EXPECT_EQ(refused({"--interface", "veth0", "--zone", "z.zone@bad..name"}),
		  "--zone: 'bad..name' is not a domain name (empty label)");
}

TEST(CommandLine, ParseErrorsAreUsageErrors)
{
	EXPECT_FALSE(refused({"--interface", "veth0", "--zone", "z.zone", "--bogus"}).empty());
	// One value per flag: a second word is not taken as another interface.
	EXPECT_FALSE(refused({"--interface", "veth0", "veth1", "--zone", "z.zone"}).empty());
	EXPECT_FALSE(refused({"--interface"}).empty());
}

TEST(CommandLine, CheckConfig)
{
	TempDir dir;
	const std::string good = dir.write("good.yaml", "interfaces: [eth0]\nbackend: {zones: [{file: a.zone}]}\n");
	Command ok = run({"--check-config", good});
	EXPECT_EQ(ok.action, Action::check);
	EXPECT_EQ(ok.message, good + ": ok");
	EXPECT_EQ(ok.exit_code, 0);
	EXPECT_EQ(ok.config.interfaces, std::vector<std::string>{"eth0"});

	const std::string bad = dir.write("bad.yaml", "interfaces: [eth0]\nbackend: {zones: [{file: a.zone}]}\nport: [53]\n");
	Command ko = run({"--check-config", bad});
	EXPECT_EQ(ko.action, Action::check);
	EXPECT_EQ(ko.message, bad + ":3:1: port: unknown key; valid keys: interfaces, ports, mode, addresses, "
				    "backend, knobs, cookie-key, cookies, tsig-keys, pmtu-entries, rrl-table-size, tcp-flows, tcp-connections, answer-entries, busy-poll, metrics, dnstap, log-level");
	EXPECT_EQ(ko.exit_code, kExitCheckFailed);

	Command missing = run({"--check-config", dir.path() + "/none.yaml"});
	EXPECT_EQ(missing.action, Action::check);
	EXPECT_EQ(missing.message, "open " + dir.path() + "/none.yaml: No such file or directory");
	EXPECT_EQ(missing.exit_code, kExitCheckFailed);

	// Flags are checked with the file, as they would run.
	EXPECT_EQ(refused({"--check-config", good, "--port", "0"}), "--port: 0 is out of range 1..65535");
	EXPECT_FALSE(refused({"--check-config", good, "--config", good}).empty());
}

TEST(CommandLine, BadConfigFileIsAConfigError)
{
	TempDir dir;
	const std::string bad = dir.write("bad.yaml", "interfaces: eth0\n");
	EXPECT_EQ(refused({"--config", bad}, kExitConfig),
		  bad + ":1:13: interfaces: expected a list (e.g. [eth0]), got a value");
}

TEST(CommandLine, Help)
{
	Command c = run({"--help"});
	EXPECT_EQ(c.action, Action::help);
	EXPECT_EQ(c.exit_code, 0);
	for (const char *flag : {"--interface", "--zone", "--upstream", "--port", "--mode", "--set",
				 "--fleet-key", "--log-level", "--config", "--check-config"})
		EXPECT_NE(c.message.find(flag), std::string::npos) << flag;
}

TEST(CommandLine, ArgcArgvFormSkipsTheProgramName)
{
	const char *argv[] = {"xdpdnsd", "--interface", "veth0", "--upstream", "[::1]:5353", nullptr};
	Command c = parse_command_line(5, argv);
	ASSERT_EQ(c.action, Action::run) << c.message;
	EXPECT_EQ(c.config.interfaces, std::vector<std::string>{"veth0"});
	EXPECT_EQ(c.config.upstreams, std::vector<Upstream>{{"[::1]:5353"}});
}

TEST(CommandLine, MetricsAndDnstapFlags)
{
	Command c = run({"--interface", "veth0", "--zone", "z.zone", "--metrics", "127.0.0.1:9153", "--dnstap",
			 "/run/tap.sock"});
	ASSERT_EQ(c.action, Action::run) << c.message;
	EXPECT_EQ(c.config.metrics_listen, "127.0.0.1:9153");
	EXPECT_EQ(c.config.dnstap.socket, "/run/tap.sock");
	EXPECT_TRUE(c.config.dnstap.file.empty());
	EXPECT_EQ(refused({"--interface", "veth0", "--zone", "z.zone", "--metrics", "localhost:9153"}),
		  "--metrics: 'localhost:9153': not an IPv4 or IPv6 address");
	EXPECT_EQ(refused({"--interface", "veth0", "--zone", "z.zone", "--metrics", "[::1]"}),
		  "--metrics: '[::1]' names no port; write ADDR:PORT (e.g. 127.0.0.1:9153, [::1]:9153)");
	EXPECT_NE(refused({"--interface", "veth0", "--zone", "z.zone", "--dnstap", "a", "--dnstap-file", "b"})
			  .find("excludes"),
		  std::string::npos);
}

}  // namespace
}  // namespace xdpdns::daemon::config
