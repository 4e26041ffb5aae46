// Secondary zones in the configuration: the YAML keys (backend.secondary,
// backend.state-dir, tsig-keys) parsed to the exact struct, every error with
// its place and cause, and the command-line flags --secondary and
// --state-dir.
#include "daemon/config/command_line.h"
#include "daemon/config/yaml_file.h"

#include "temp_dir.h"

#include <gtest/gtest.h>

namespace xdpdns::daemon::config {
namespace {

using test::TempDir;

constexpr const char *kSecret = "c2VjcmV0LWtleS1vZi10aGlydHktdHdvLW9jdGV0cyE=";

class SecondaryConfig : public test::YamlFixture {};

TEST_F(SecondaryConfig, FileParsesToTheExactStruct)
{
	const std::string path = dir.write("c.yaml",
		"interfaces: [eth0]\n"
		"backend:\n"
		"  zones: [{file: a.zone}]\n"
		"  secondary:\n"
		"    - zone: example.test\n"
		"      primaries: [\"192.0.2.1\", \"[2001:db8::1]:5353\"]\n"
		"      key: xfr-key\n"
		"    - zone: other.test.\n"
		"      primaries: [192.0.2.2]\n"
		"  state-dir: state\n"
		"tsig-keys:\n"
		"  - name: xfr-key\n"
		"    algorithm: hmac-sha256\n"
		"    secret: " + std::string(kSecret) + "\n");
	auto r = load_file(path);
	ASSERT_TRUE(r) << r.error().message;
	ASSERT_EQ(r->secondaries.size(), 2u);
	EXPECT_EQ(r->secondaries[0], (SecondaryZone{"example.test.", {{"192.0.2.1"}, {"[2001:db8::1]:5353"}}, "xfr-key."}));
	EXPECT_EQ(r->secondaries[1], (SecondaryZone{"other.test.", {{"192.0.2.2"}}, ""}));
	EXPECT_EQ(r->state_dir, dir.path() + "/state");
	ASSERT_EQ(r->tsig_keys.size(), 1u);
	EXPECT_EQ(r->tsig_keys[0], (TsigKey{"xfr-key.", "hmac-sha256", kSecret}));
	EXPECT_TRUE(r->zone_backend());
}

TEST_F(SecondaryConfig, SecondaryAloneIsAZoneBackendWithTheDefaultStateDir)
{
	auto r = load_file(dir.write("c.yaml", "interfaces: [eth0]\nbackend:\n  secondary: [{zone: a.test, primaries: [192.0.2.1]}]\n"));
	ASSERT_TRUE(r) << r.error().message;
	EXPECT_TRUE(r->zones.empty());
	EXPECT_EQ(r->state_dir, "/var/lib/xdpdns");
	EXPECT_TRUE(r->zone_backend());
}

TEST_F(SecondaryConfig, Errors)
{
	const std::string head = "interfaces: [eth0]\nbackend:\n";
	EXPECT_EQ(error_of(head + "  secondary: [{zone: a.test}]\n"),
		  at(3, 15) + "backend.secondary[0].primaries: required key missing (e.g. primaries: [\"192.0.2.1\"])");
	EXPECT_EQ(error_of(head + "  secondary: [{primaries: [192.0.2.1]}]\n"),
		  at(3, 15) + "backend.secondary[0].zone: required key missing (the zone's name)");
	EXPECT_EQ(error_of(head + "  secondary: [{zone: a.test, primaries: [nonsense]}]\n"),
		  at(3, 42) + "backend.secondary[0].primaries: upstream \"nonsense\": not an IPv4 or IPv6 address");
	EXPECT_EQ(error_of(head + "  secondary: [{zone: a.test, primaries: [192.0.2.1], key: nokey}]\n"),
		  at(1, 1) + "backend.secondary: secondary zone a.test.: TSIG key nokey. is not defined (tsig-keys)");
	EXPECT_EQ(error_of(head + "  secondary: [{zone: a.test, primaries: [192.0.2.1]}]\n  upstream: [192.0.2.9]\n"),
		  at(4, 3) + "backend: zones and upstream exclude each other; choose one backend");
	EXPECT_EQ(error_of(head + "  upstream: [192.0.2.9]\n  state-dir: /x\n"),
		  at(4, 3) + "backend.state-dir: only used with secondary zones");
	EXPECT_EQ(error_of(head + "  secondary: [{zone: a.test, primaries: [192.0.2.1]}, {zone: A.test., primaries: [192.0.2.1]}]\n"),
		  at(1, 1) + "backend.secondary: secondary zone A.test. is listed twice");
	EXPECT_EQ(error_of(head + "  zones: [{file: a.zone, origin: a.test}]\n  secondary: [{zone: a.test, primaries: [192.0.2.1]}]\n"),
		  at(1, 1) + "backend.secondary: zone a.test. is both a zone file and a secondary zone");
	const std::string sec = head + "  secondary: [{zone: a.test, primaries: [192.0.2.1]}]\n";
	EXPECT_EQ(error_of(sec + "tsig-keys: [{name: k, algorithm: hmac-md5, secret: " + kSecret + "}]\n"),
		  at(4, 13) + "tsig-keys[0]: TSIG key k.: algorithm 'hmac-md5' is not one of hmac-sha256, hmac-sha512, "
			      "hmac-sha384, hmac-sha1");
	EXPECT_EQ(error_of(sec + "tsig-keys: [{name: k, secret: \"not base64!\"}]\n"),
		  at(4, 13) + "tsig-keys[0]: TSIG key k.: secret is not base64 (length 10)");
	EXPECT_EQ(error_of(sec + "tsig-keys: [{name: k}]\n"), at(4, 13) + "tsig-keys[0].secret: required key missing (base64)");
	EXPECT_EQ(error_of(sec + "tsig-keys: [{name: k, secret: " + kSecret + "}, {name: k., secret: " + kSecret + "}]\n"),
		  at(4, 78) + "tsig-keys[1].name: 'k.' is defined twice");
}

TEST(SecondaryFlags, SecondaryAndStateDir)
{
	auto c = parse_command_line(std::vector<std::string>{
		"--interface", "veth0", "--secondary", "example.test@192.0.2.1", "--secondary",
		"example.test@[2001:db8::1]:5353", "--secondary", "b.test.@192.0.2.2:53", "--state-dir", "/tmp/st"});
	ASSERT_EQ(c.action, Command::Action::run) << c.message;
	ASSERT_EQ(c.config.secondaries.size(), 2u);
	EXPECT_EQ(c.config.secondaries[0],
		  (SecondaryZone{"example.test.", {{"192.0.2.1"}, {"[2001:db8::1]:5353"}}, ""}));
	EXPECT_EQ(c.config.secondaries[1], (SecondaryZone{"b.test.", {{"192.0.2.2:53"}}, ""}));
	EXPECT_EQ(c.config.state_dir, "/tmp/st");

	auto bad = parse_command_line(std::vector<std::string>{"--interface", "veth0", "--secondary", "example.test"});
	EXPECT_EQ(bad.action, Command::Action::error);
	EXPECT_EQ(bad.message, "--secondary: 'example.test' is not ZONE@ADDR[:PORT]");
	bad = parse_command_line(std::vector<std::string>{"--interface", "veth0", "--secondary", "a.test@192.0.2.1",
							  "--secondary", "a.test@192.0.2.1"});
	EXPECT_EQ(bad.message, "--secondary: 'a.test@192.0.2.1' is given twice");
	bad = parse_command_line(std::vector<std::string>{"--interface", "veth0", "--secondary", "a.test@192.0.2.1",
							  "--upstream", "192.0.2.9"});
	EXPECT_EQ(bad.action, Command::Action::error);
	EXPECT_NE(bad.message.find("excludes"), std::string::npos) << bad.message;
	bad = parse_command_line(std::vector<std::string>{"--interface", "veth0", "--secondary", "a.test@192.0.2.1",
							  "--state-dir", ""});
	EXPECT_EQ(bad.message, "--state-dir: empty directory name");
}

}  // namespace
}  // namespace xdpdns::daemon::config
