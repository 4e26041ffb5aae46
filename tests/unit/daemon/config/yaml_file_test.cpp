#include "common/endpoint.h"
#include "daemon/config/yaml_file.h"

#include "temp_dir.h"

#include "common/knobs.h"

#include <gtest/gtest.h>

#include <string>

namespace xdpdns::daemon::config {
namespace {

using test::TempDir;

// A fleet key file in the format of common/cookie_key.h.
constexpr const char *kFleetKey = "000102030405060708090a0b0c0d0e0f\n";

class YamlFile : public test::YamlFixture {};

// The minimum valid file, to which the error cases add or change one line.
const std::string kMinimal = "interfaces: [eth0]\n"
			     "backend:\n"
			     "  upstream: [192.0.2.1]\n";

TEST_F(YamlFile, GoodFileParsesToTheExactStruct)
{
	dir.write("fleet.key", kFleetKey);
	const std::string path = dir.write("c.yaml",
		"# every key\n"
		"interfaces: [veth0, eth1]\n"
		"ports: [53, 5353]\n"
		"mode: skb\n"
		"addresses: [192.0.2.53, \"2001:db8::53\"]\n"
		"backend:\n"
		"  zones:\n"
		"    - file: a.zone\n"
		"      origin: example.test\n"
		"    - file: /srv/zones/b.zone\n"
		"      origin: .\n"
		"    - file: c.zone\n"
		"knobs:\n"
		"  tcp.mss-v4: 1300\n"
		"  atr.delay: 25ms\n"
		"  udp.truncate-all: on\n"
		"cookie-key: file:fleet.key\n"
		"pmtu-entries: 1024\n"
		"tcp-flows: 4096\n"
		"busy-poll: 20\n"
		"log-level: debug\n");
	auto r = load_file(path);
	ASSERT_TRUE(r.ok()) << r.error().message;

	DaemonConfig want;
	want.interfaces = {"veth0", "eth1"};
	want.ports = {53, 5353};
	want.mode = XdpMode::Skb;
	want.addresses = {"192.0.2.53", "2001:db8::53"};
	// Relative names are relative to the file's directory; origins absolute.
	want.zones = {{dir.path() + "/a.zone", "example.test."},
		      {"/srv/zones/b.zone", "."},
		      {dir.path() + "/c.zone", std::nullopt}};
	want.knobs = {{"tcp.mss-v4", "1300"}, {"atr.delay", "25ms"}, {"udp.truncate-all", "on"}};
	want.key_source = DaemonConfig::KeySource::file;
	want.key_file = dir.path() + "/fleet.key";
	want.pmtu_entries = 1024;
	want.tcp_flows = 4096;
	want.busy_poll_us = 20;
	want.log_level = "debug";
	want.source = path;
	EXPECT_EQ(*r, want);

	auto knobs = knob_config(*r);
	ASSERT_TRUE(knobs.ok()) << knobs.error().message;
	EXPECT_EQ(knobs->tcp_mss_v4, 1300u);
	EXPECT_EQ(knobs->atr_delay_us, 25000u);
	EXPECT_EQ(knobs->udp_truncate_all, 1u);
	EXPECT_EQ(knobs->tcp_mss_v6, config_defaults().tcp_mss_v6);
}

// DNS Cookies: on and not required unless the file says otherwise.
TEST_F(YamlFile, CookiesEnableAndRequire)
{
	auto plain = load_text(kMinimal, "c.yaml");
	ASSERT_TRUE(plain.ok()) << plain.error().message;
	EXPECT_TRUE(plain->cookies_enable);
	EXPECT_FALSE(plain->cookies_require);
	auto req = load_text(kMinimal + "cookies:\n  require: yes\n", "c.yaml");
	ASSERT_TRUE(req.ok()) << req.error().message;
	EXPECT_TRUE(req->cookies_enable);
	EXPECT_TRUE(req->cookies_require);
	auto off = load_text(kMinimal + "cookies:\n  enable: no\n", "c.yaml");
	ASSERT_TRUE(off.ok()) << off.error().message;
	EXPECT_FALSE(off->cookies_enable);
	EXPECT_EQ(error_of(kMinimal + "cookies:\n  require: maybe\n"),
		  at(5, 12) + "cookies.require: 'maybe' is not yes or no");
	EXPECT_EQ(error_of(kMinimal + "cookies:\n  strict: yes\n"),
		  at(5, 3) + "cookies.strict: unknown key; valid keys: enable, require");
}

TEST_F(YamlFile, MinimalFileHasTheDefaults)
{
	const std::string path = dir.write("c.yaml",
		"interfaces: [eth0]\n"
		"backend:\n"
		"  upstream: [\"192.0.2.1\", \"[2001:db8::1]:5353\"]\n"
		"  upstream-timeout: 2s\n");
	auto r = load_file(path);
	ASSERT_TRUE(r.ok()) << r.error().message;
	DaemonConfig want;
	want.interfaces = {"eth0"};
	want.upstreams = {{"192.0.2.1"}, {"[2001:db8::1]:5353"}};
	want.upstream_timeout_ms = 2000;
	want.source = path;
	EXPECT_EQ(*r, want);
	EXPECT_EQ(r->ports, std::vector<std::uint16_t>{53});
	EXPECT_EQ(r->mode, XdpMode::Native);
	EXPECT_EQ(r->key_source, DaemonConfig::KeySource::random);
	EXPECT_EQ(r->pmtu_entries, 65536u);
	EXPECT_EQ(r->tcp_flows, 65536u);
	EXPECT_EQ(r->busy_poll_us, 0u) << "busy polling is off by default";
	EXPECT_EQ(r->log_level, "info");
}

TEST_F(YamlFile, UnknownKeysAreErrorsListingTheValidOnes)
{
	EXPECT_EQ(error_of(kMinimal + "log_level: info\n"),
		  at(4, 1) + "log_level: unknown key; valid keys: interfaces, ports, mode, addresses, "
			     "backend, knobs, cookie-key, cookies, tsig-keys, pmtu-entries, rrl-table-size, tcp-flows, tcp-connections, answer-entries, busy-poll, metrics, dnstap, log-level");
	EXPECT_EQ(error_of("interfaces: [eth0]\n"
			   "backend:\n"
			   "  upstreams: [192.0.2.1]\n"),
		  at(3, 3) + "backend.upstreams: unknown key; valid keys: zones, secondary, state-dir, upstream, upstream-timeout, upstream-source-ports");
	EXPECT_EQ(error_of("interfaces: [eth0]\n"
			   "backend:\n"
			   "  zones:\n"
			   "    - file: a.zone\n"
			   "      orign: example.test.\n"),
		  at(5, 7) + "backend.zones[0].orign: unknown key; valid keys: file, origin");
}

TEST_F(YamlFile, UnknownKnobListsTheKnobTable)
{
	EXPECT_EQ(error_of(kMinimal + "knobs:\n  atr.dely: 10ms\n"),
		  at(5, 3) + "knobs.atr.dely: " + unknown_knob_error("atr.dely").message);
}

TEST_F(YamlFile, DuplicateKeysAreErrors)
{
	EXPECT_EQ(error_of(kMinimal + "log-level: info\nlog-level: debug\n"),
		  at(5, 1) + "log-level: duplicate key (first on line 4)");
	EXPECT_EQ(error_of(kMinimal + "knobs:\n  atr.delay: 1ms\n  atr.delay: 2ms\n"),
		  at(6, 3) + "knobs.atr.delay: duplicate key (first on line 5)");
}

TEST_F(YamlFile, WrongKindsOfValue)
{
	// A string where a list is expected: the value's position.
	EXPECT_EQ(error_of("interfaces: eth0\nbackend: {upstream: [192.0.2.1]}\n"),
		  at(1, 13) + "interfaces: expected a list (e.g. [eth0]), got a value");
	// Nothing: yaml-cpp places an empty value at the next token, so the
	// error points at the key instead.
	EXPECT_EQ(error_of(kMinimal + "ports:\nmode: native\n"),
		  at(4, 1) + "ports: expected a list (e.g. [53]), got nothing");
	EXPECT_EQ(error_of(kMinimal + "log-level: [info]\n"),
		  at(4, 12) + "log-level: expected a value, got a list");
	EXPECT_EQ(error_of("interfaces: [eth0]\nbackend: [192.0.2.1]\n"),
		  at(2, 10) + "backend: expected a map (e.g. {zones: [{file: example.test.zone}]}), got a list");
	EXPECT_EQ(error_of("interfaces: [[eth0]]\nbackend: {upstream: [192.0.2.1]}\n"),
		  at(1, 14) + "interfaces: expected a value in the list, got a list");
	EXPECT_EQ(error_of(kMinimal + "knobs: [atr.delay]\n"),
		  at(4, 8) + "knobs: expected a map (e.g. {tcp.mss-v4: 1220}), got a list");
	EXPECT_EQ(error_of(kMinimal + "knobs:\n  atr.delay: {ms: 5}\n"),
		  at(5, 14) + "knobs.atr.delay: expected a value, got a map");
	EXPECT_EQ(error_of("interfaces: [eth0]\nbackend:\n  zones: [a.zone]\n"),
		  at(3, 11) + "backend.zones[0]: expected a map (e.g. {file: example.test.zone, origin: "
			      "example.test.}), got a value");
}

TEST_F(YamlFile, BadPorts)
{
	EXPECT_EQ(error_of(kMinimal + "ports: [53, 0]\n"), at(4, 13) + "ports: 0 is out of range 1..65535");
	EXPECT_EQ(error_of(kMinimal + "ports: [65536]\n"), at(4, 9) + "ports: 65536 is out of range 1..65535");
	EXPECT_EQ(error_of(kMinimal + "ports: [dns]\n"),
		  at(4, 9) + "ports: 'dns' is not a port number (1..65535)");
	EXPECT_EQ(error_of(kMinimal + "ports: [53, 53]\n"), at(4, 13) + "ports: 53 is listed twice");
	EXPECT_EQ(error_of(kMinimal + "ports: []\n"), at(4, 8) + "ports: at least one port is required");
}

TEST_F(YamlFile, BadKnobValuesUseTheKnobTableMessages)
{
	EXPECT_EQ(error_of(kMinimal + "knobs:\n  atr.delay: 5x\n"),
		  at(5, 14) + "knobs.atr.delay: '5x' has an unknown unit 'x' (valid: us, ms, s, m, h, d)");
	EXPECT_EQ(error_of(kMinimal + "knobs:\n  tcp.mss-v4: 100\n"),
		  at(5, 15) + "knobs.tcp.mss-v4: 100 is out of range 536..9000");
	EXPECT_EQ(error_of(kMinimal + "knobs:\n  atr.enabled: maybe\n"),
		  at(5, 16) + "knobs.atr.enabled: 'maybe' is not a boolean (on/off, yes/no, true/false, 1/0)");
}

TEST_F(YamlFile, BackendMustBeExactlyOneKind)
{
	EXPECT_EQ(error_of("interfaces: [eth0]\n"
			   "backend:\n"
			   "  zones: [{file: a.zone}]\n"
			   "  upstream: [192.0.2.1]\n"),
		  at(4, 3) + "backend: zones and upstream exclude each other; choose one backend");
	EXPECT_EQ(error_of("interfaces: [eth0]\n"
			   "backend:\n"
			   "  upstream: [192.0.2.1]\n"
			   "  zones: [{file: a.zone}]\n"),
		  at(4, 3) + "backend: zones and upstream exclude each other; choose one backend");
	EXPECT_EQ(error_of("interfaces: [eth0]\nbackend: {}\n"),
		  at(2, 10) + "backend: no backend; write zones: [...], secondary: [...] or upstream: [...]");
	EXPECT_EQ(error_of("interfaces: [eth0]\nbackend:\n  upstream: []\n"),
		  at(3, 13) + "backend.upstream: at least one upstream server is required");
	EXPECT_EQ(error_of("interfaces: [eth0]\n"
			   "backend:\n"
			   "  zones: [{file: a.zone}]\n"
			   "  upstream-timeout: 1s\n"),
		  at(4, 3) + "backend.upstream-timeout: only used with upstream");
}

TEST_F(YamlFile, RequiredKeys)
{
	EXPECT_EQ(error_of("# interfaces missing\nbackend: {upstream: [192.0.2.1]}\n"),
		  at(2, 1) + "interfaces: required key missing (e.g. interfaces: [eth0])");
	EXPECT_EQ(error_of("interfaces: [eth0]\n"), at(1, 1) + "backend: required key missing (zones or upstream)");
	EXPECT_EQ(error_of("interfaces: []\nbackend: {upstream: [192.0.2.1]}\n"),
		  at(1, 13) + "interfaces: at least one interface is required");
	EXPECT_EQ(error_of("interfaces: [eth0]\nbackend:\n  zones:\n    - origin: example.test.\n"),
		  at(4, 7) + "backend.zones[0].file: required key missing (the zone file)");
}

TEST_F(YamlFile, BadValues)
{
	const std::string backend = "backend: {upstream: [192.0.2.1]}\n";
	EXPECT_EQ(error_of("interfaces: [eth0, eth0/1]\n" + backend),
		  at(1, 20) + "interfaces: 'eth0/1' is not an interface name (1..15 characters, no '/', ':' or white space)");
	EXPECT_EQ(error_of("interfaces: [a-very-long-name0]\n" + backend),
		  at(1, 14) + "interfaces: 'a-very-long-name0' is not an interface name (1..15 characters, no '/', ':' or white space)");
	EXPECT_EQ(error_of("interfaces: [eth0, eth0]\n" + backend), at(1, 20) + "interfaces: 'eth0' is listed twice");
	EXPECT_EQ(error_of(kMinimal + "mode: generic\n"),
		  at(4, 7) + "mode: 'generic' is not valid; valid modes: native, skb");
	EXPECT_EQ(error_of(kMinimal + "addresses: [192.0.2.300]\n"),
		  at(4, 13) + "addresses: '192.0.2.300' is not an IPv4 or IPv6 address");
	std::string many = "addresses:\n";  // 65: the 65th line is named
	for (int i = 1; i <= 65; i++)
		many += "  - 10.0.0." + std::to_string(i) + "\n";
	EXPECT_EQ(error_of(kMinimal + many), at(4 + 65, 5) + "addresses: more than 64 addresses");
	EXPECT_EQ(error_of(kMinimal + "log-level: verbose\n"),
		  at(4, 12) + "log-level: 'verbose' is not a log level; valid levels: trace, debug, info, warn, error");
	EXPECT_EQ(error_of(kMinimal + "pmtu-entries: 0\n"), at(4, 15) + "pmtu-entries: 0 is out of range 1..16777216");
	EXPECT_EQ(error_of(kMinimal + "tcp-flows: 64k\n"), at(4, 12) + "tcp-flows: '64k' is not a whole number");
	EXPECT_EQ(error_of(kMinimal + "busy-poll: 50us\n"), at(4, 12) + "busy-poll: '50us' is not a whole number");
	EXPECT_EQ(error_of("interfaces: [eth0]\nbackend:\n  zones: [{file: a.zone, origin: example..test}]\n"),
		  at(3, 34) + "backend.zones[0].origin: 'example..test' is not a domain name (empty label)");
	EXPECT_EQ(error_of("interfaces: [eth0]\nbackend:\n  zones: [{file: a.zone}, {file: a.zone}]\n"),
		  at(3, 27) + "backend.zones[1].file: '" + dir.path() + "/a.zone' is listed twice");
}

TEST_F(YamlFile, UpstreamAddressesAndTimeout)
{
	EXPECT_EQ(error_of("interfaces: [eth0]\nbackend:\n  upstream: [\"ns1.example\"]\n"),
		  at(3, 14) + "backend.upstream: " + parse_endpoint("ns1.example").error().message);
	EXPECT_EQ(error_of("interfaces: [eth0]\nbackend:\n  upstream: [\"192.0.2.1:0\"]\n"),
		  at(3, 14) + "backend.upstream: upstream \"192.0.2.1:0\": port 0 is out of range 1..65535");
	const std::string head = "interfaces: [eth0]\nbackend:\n  upstream: [192.0.2.1]\n  upstream-timeout: ";
	EXPECT_EQ(error_of(head + "5x\n"),
		  at(4, 21) + "backend.upstream-timeout: '5x' has an unknown unit 'x' (valid: us, ms, s, m, h, d)");
	EXPECT_EQ(error_of(head + "0\n"), at(4, 21) + "backend.upstream-timeout: 0 is out of range 1ms..60s");
	EXPECT_EQ(error_of(head + "2m\n"), at(4, 21) + "backend.upstream-timeout: 2m is out of range 1ms..60s");
	EXPECT_EQ(error_of(head + "1500us\n"),
		  at(4, 21) + "backend.upstream-timeout: '1500us' is not a whole number of milliseconds");
	auto bare = load_file(dir.write("c.yaml", head + "250\n"));
	ASSERT_TRUE(bare.ok()) << bare.error().message;
	EXPECT_EQ(bare->upstream_timeout_ms, 250u);  // a bare number is milliseconds

	const std::string ports = "interfaces: [eth0]\nbackend:\n  upstream: [192.0.2.1]\n  upstream-source-ports: ";
	EXPECT_EQ(error_of(ports + "0\n"), at(4, 26) + "backend.upstream-source-ports: 0 is out of range 1..1024");
	EXPECT_EQ(error_of(ports + "1025\n"), at(4, 26) + "backend.upstream-source-ports: 1025 is out of range 1..1024");
	auto four = load_file(dir.write("c.yaml", ports + "4\n"));
	ASSERT_TRUE(four.ok()) << four.error().message;
	EXPECT_EQ(four->upstream_source_ports, 4u);
	EXPECT_EQ(error_of("interfaces: [eth0]\nbackend:\n  zones: [{file: z.zone}]\n  upstream-source-ports: 4\n"),
		  at(4, 3) + "backend.upstream-source-ports: only used with upstream");
}

TEST_F(YamlFile, CookieKeySource)
{
	EXPECT_EQ(error_of(kMinimal + "cookie-key: fleet.key\n"),
		  at(4, 13) + "cookie-key: 'fleet.key' is not a key source; write random or file:PATH");
	EXPECT_EQ(error_of(kMinimal + "cookie-key: \"file:\"\n"),
		  at(4, 13) + "cookie-key: 'file:' names no file; write file:PATH");
	EXPECT_EQ(error_of(kMinimal + "cookie-key: file:missing.key\n"),
		  at(4, 13) + "cookie-key: fleet key " + dir.path() + "/missing.key: No such file or directory");
	dir.write("short.key", "0011\n");
	EXPECT_EQ(error_of(kMinimal + "cookie-key: file:short.key\n"),
		  at(4, 13) + "cookie-key: fleet key " + dir.path() + "/short.key:1: expected 32 hex digits, got 4 characters");

	const std::string key = dir.write("fleet.key", kFleetKey);
	auto r = load_file(dir.write("c.yaml", kMinimal + "cookie-key: file:" + key + "\n"));
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_EQ(r->key_source, DaemonConfig::KeySource::file);
	EXPECT_EQ(r->key_file, key);
	auto random = load_file(dir.write("c.yaml", kMinimal + "cookie-key: random\n"));
	ASSERT_TRUE(random.ok()) << random.error().message;
	EXPECT_EQ(random->key_source, DaemonConfig::KeySource::random);
	EXPECT_EQ(random->key_file, "");
}

TEST_F(YamlFile, DocumentLevelErrors)
{
	EXPECT_EQ(error_of("interfaces: [eth0\nbackend: {}\n"), at(2, 8) + "end of sequence flow not found");
	EXPECT_EQ(error_of(""), at(1, 1) + "no settings; interfaces and backend are required");
	EXPECT_EQ(error_of("# only comments\n"), at(1, 1) + "no settings; interfaces and backend are required");
	EXPECT_EQ(error_of("- interfaces\n"),
		  at(1, 1) + "expected a map of settings (interfaces, backend, ...), got a list");
	EXPECT_EQ(error_of(kMinimal + "---\nlog-level: info\n"),
		  at(5, 1) + "more than one YAML document ('---'); put all settings in one");
	EXPECT_EQ(error_of("? [a, b]\n: c\n"), at(1, 3) + "keys must be plain names, got a list");
}

TEST_F(YamlFile, UnreadableFile)
{
	auto r = load_file(dir.path() + "/absent.yaml");
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error().message, "open " + dir.path() + "/absent.yaml: No such file or directory");
	EXPECT_EQ(r.error().err, ENOENT);
}

TEST_F(YamlFile, DirectoryIsNotAConfigFile)
{
	auto r = load_file(dir.path());
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error().message, dir.path() + ": not a regular file");
}

TEST_F(YamlFile, LoadTextNamesTheGivenSource)
{
	auto r = load_text("interfaces: [eth0]\nbackend: {zones: [{file: z.zone}]}\n", "/etc/xdpdns/x.yaml");
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_EQ(r->source, "/etc/xdpdns/x.yaml");
	ASSERT_EQ(r->zones.size(), 1u);
	EXPECT_EQ(r->zones[0].path, "/etc/xdpdns/z.zone");
	auto bare = load_text("interfaces: [eth0]\nbackend: {zones: [{file: z.zone}]}\n", "x.yaml");
	ASSERT_TRUE(bare.ok()) << bare.error().message;
	EXPECT_EQ(bare->zones[0].path, "z.zone");  // no directory: relative to the working directory
	auto bad = load_text("interfaces: eth0\n", "/etc/xdpdns/x.yaml");
	ASSERT_FALSE(bad.ok());
	EXPECT_EQ(bad.error().message, "/etc/xdpdns/x.yaml:1:13: interfaces: expected a list (e.g. [eth0]), got a value");
}

TEST_F(YamlFile, MetricsAndDnstap)
{
	const std::string path = dir.write("m.yaml", kMinimal +
		"metrics: \"[::1]:9153\"\n"
		"dnstap:\n"
		"  file: tap.fstrm\n"
		"  log-queries: off\n"
		"  sample: 10\n"
		"  identity: ns1\n");
	auto r = load_file(path);
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_EQ(r->metrics_listen, "[::1]:9153");
	EXPECT_EQ(r->dnstap.file, dir.path() + "/tap.fstrm");
	EXPECT_TRUE(r->dnstap.socket.empty());
	EXPECT_FALSE(r->dnstap.log_queries);
	EXPECT_TRUE(r->dnstap.log_responses);
	EXPECT_EQ(r->dnstap.sample, 10u);
	EXPECT_EQ(r->dnstap.identity, "ns1");

	EXPECT_EQ(error_of(kMinimal + "metrics: 127.0.0.1\n"),
		  at(4, 10) + "metrics: '127.0.0.1' names no port; write ADDR:PORT (e.g. 127.0.0.1:9153, [::1]:9153)");
	EXPECT_EQ(error_of(kMinimal + "dnstap:\n  sample: 0\n  file: x\n"),
		  at(5, 11) + "dnstap.sample: 0 is out of range 1..1000000");
	EXPECT_EQ(error_of(kMinimal + "dnstap:\n  log-queries: maybe\n  file: x\n"),
		  at(5, 16) + "dnstap.log-queries: 'maybe' is not on or off");
	EXPECT_EQ(error_of(kMinimal + "dnstap:\n  file: x\n  socket: y\n"),
		  at(4, 1) + "dnstap: socket and file both given; choose one");
	EXPECT_EQ(error_of(kMinimal + "dnstap:\n  sample: 2\n"), at(4, 1) + "dnstap: socket or file is required");
}

}  // namespace
}  // namespace xdpdns::daemon::config
