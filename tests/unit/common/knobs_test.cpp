#include "common/knobs.h"

#include <gtest/gtest.h>

#include <cstring>
#include <set>

namespace xdpdns {
namespace {

const KnobDef &knob(std::string_view name)
{
	const KnobDef *k = find_knob(name);
	EXPECT_NE(k, nullptr) << name;
	return *k;
}

std::uint32_t ok(std::string_view name, std::string_view text)
{
	auto r = parse_knob_value(knob(name), text);
	EXPECT_TRUE(r.ok()) << name << " " << text << ": " << (r ? "" : r.error().message);
	return r ? *r : 0xdeadbeef;
}

std::string err(std::string_view name, std::string_view text)
{
	auto r = parse_knob_value(knob(name), text);
	EXPECT_FALSE(r.ok()) << name << " accepted " << text;
	return r ? std::string("<accepted>") : r.error().message;
}

TEST(Knobs, TableHasEveryKnobOfTheContract)
{
	const char *names[] = {"tcp.mss-v4",      "tcp.mss-v6",       "tcp.window",
			       "tcp.segment-size", "cookie.epoch",    "cookie.rotate",
			       "udp.truncate-all", "edns.buffer-size", "atr.enabled",
			       "atr.size-v4",      "atr.size-v6",     "atr.delay",
			       "atr.probability",  "pmtu.lifetime",   "pmtu.min-v4",
			       "tcp.reuse",        "tcp.idle-timeout", "tcp.max-queries",
			       "checksum.strict", "answers.in-kernel", "rrl.rate",
			       "rrl.slip",         "rrl.prefix-v4",   "rrl.prefix-v6",
			       "rrl.log-only"};
	EXPECT_EQ(knobs().size(), std::size(names));
	for (const char *n : names)
		EXPECT_NE(find_knob(n), nullptr) << n;
	EXPECT_EQ(find_knob("atr.prob"), nullptr);
	EXPECT_EQ(find_knob(""), nullptr);
}

TEST(Knobs, DefaultsMatchTheBpfContract)
{
	xdpdns_config c = config_defaults();
	EXPECT_EQ(c.abi_version, XDPDNS_ABI_VERSION);
	EXPECT_EQ(c.tcp_mss_v4, 1220u);
	EXPECT_EQ(c.tcp_mss_v6, 1220u);
	EXPECT_EQ(c.tcp_window, 65535u);
	EXPECT_EQ(c.tcp_segment_size, 512u);
	EXPECT_EQ(c.tcp_reuse, 1u);
	EXPECT_EQ(c.tcp_idle_ms, 10000u);  // 10 s, as Knot
	EXPECT_EQ(c.tcp_max_queries, 0u);  // no limit, as NSD's tcp-query-count
	EXPECT_EQ(c.checksum_strict, 0u);
	EXPECT_EQ(c.cookie_epoch_s, 64u);
	EXPECT_EQ(c.cookie_rotate_s, 3600u);
	EXPECT_EQ(c.udp_truncate_all, 0u);
	EXPECT_EQ(c.edns_buffer_size, 1232u);
	EXPECT_EQ(c.atr_enabled, 1u);
	EXPECT_EQ(c.atr_size_v4, 1472u);
	EXPECT_EQ(c.atr_size_v6, 1232u);
	EXPECT_EQ(c.atr_delay_us, 10000u);
	EXPECT_EQ(c.atr_probability, 100u);
	EXPECT_EQ(c.atr_allow_active, 0u);
	EXPECT_EQ(c.pmtu_lifetime_s, 600u);
	EXPECT_EQ(c.pmtu_min_v4, 552u);
	// RRL: off until an operator sets a rate; NSD's slip and prefixes.
	EXPECT_EQ(c.rrl_rate, 0u);
	EXPECT_EQ(c.rrl_slip, 2u);
	EXPECT_EQ(c.rrl_prefix_v4, 24u);
	EXPECT_EQ(c.rrl_prefix_v6, 56u);
	EXPECT_EQ(c.rrl_log_only, 0u);
	EXPECT_EQ(c.rrl_exempt_active, 0u);
	for (auto r : c.reserved)
		EXPECT_EQ(r, 0u);
}

// Each knob writes its own field and nothing else.
TEST(Knobs, EachKnobOwnsOneDistinctField)
{
	std::set<std::size_t> offsets;
	for (const auto &k : knobs()) {
		xdpdns_config a = config_defaults(), b = a;
		knob_set(b, k, 0x5a5a5a5a);
		std::size_t changed = 0, where = 0;
		auto *pa = reinterpret_cast<const std::uint32_t *>(&a);
		auto *pb = reinterpret_cast<const std::uint32_t *>(&b);
		for (std::size_t i = 0; i < sizeof(a) / 4; i++)
			if (pa[i] != pb[i]) {
				changed++;
				where = i;
			}
		EXPECT_EQ(changed, 1u) << k.name;
		EXPECT_NE(where, 0u) << k.name << " must not write abi_version";
		EXPECT_TRUE(offsets.insert(where).second) << k.name << " shares a field";
		EXPECT_EQ(knob_get(b, k), 0x5a5a5a5au);
	}
}

TEST(Knobs, DefaultsLieInsideTheirRanges)
{
	for (const auto &k : knobs()) {
		EXPECT_LE(k.min, k.def) << k.name;
		EXPECT_LE(k.def, k.max) << k.name;
		EXPECT_FALSE(k.description.empty()) << k.name;
	}
}

// Every boundary of every knob: min and max accepted, one step outside
// rejected with the range named, and the canonical text round-trips.
TEST(Knobs, EveryBoundaryOfEveryKnob)
{
	for (const auto &k : knobs()) {
		for (std::uint32_t v : {k.min, k.max, k.def}) {
			std::string text = format_knob_value(k, v);
			auto r = parse_knob_value(k, text);
			ASSERT_TRUE(r.ok()) << k.name << " " << text << ": " << r.error().message;
			EXPECT_EQ(*r, v) << k.name << " " << text;
		}
		if (k.type == KnobType::Bool)
			continue;
		std::uint64_t step = k.type == KnobType::Duration ? static_cast<std::uint64_t>(k.storage) : 1;
		auto text_of = [&](std::uint64_t stored) {
			return k.type == KnobType::Duration ? format_duration_us(stored * step)
							    : std::to_string(stored);
		};
		std::string above = text_of(std::uint64_t{k.max} + 1);
		auto r = parse_knob_value(k, above);
		ASSERT_FALSE(r.ok()) << k.name << " accepted " << above;
		EXPECT_EQ(r.error().message.rfind(std::string(k.name) + ": " + above + " is out of range ", 0), 0u)
			<< r.error().message;
		if (k.min > 0) {
			std::string below = text_of(k.min - 1);
			auto b = parse_knob_value(k, below);
			ASSERT_FALSE(b.ok()) << k.name << " accepted " << below;
			EXPECT_NE(b.error().message.find("is out of range"), std::string::npos);
		}
	}
}

TEST(Knobs, UintParsing)
{
	EXPECT_EQ(ok("tcp.mss-v4", "536"), 536u);
	EXPECT_EQ(ok("tcp.mss-v4", "9000"), 9000u);
	EXPECT_EQ(ok("tcp.mss-v4", " 1000 "), 1000u);
	EXPECT_EQ(err("tcp.mss-v4", "535"), "tcp.mss-v4: 535 is out of range 536..9000");
	EXPECT_EQ(err("tcp.mss-v4", "9001"), "tcp.mss-v4: 9001 is out of range 536..9000");
	EXPECT_EQ(err("tcp.mss-v6", "1219"), "tcp.mss-v6: 1219 is out of range 1220..9000");
	EXPECT_EQ(err("tcp.window", "0"), "tcp.window: 0 is out of range 1..65535");
	EXPECT_EQ(err("tcp.window", "99999999999999999999999"),
		  "tcp.window: 99999999999999999999999 is out of range 1..65535");
	EXPECT_EQ(err("tcp.mss-v4", "abc"), "tcp.mss-v4: 'abc' is not a whole number of bytes");
	for (const char *bad : {"-5", "+5", "0x10", "12a", "1e3", "1 000", ""})
		EXPECT_NE(err("tcp.mss-v4", bad).find("is not a whole number"), std::string::npos) << bad;
	EXPECT_EQ(ok("atr.size-v4", "65507"), 65507u);
	EXPECT_EQ(err("atr.size-v6", "65488"), "atr.size-v6: 65488 is out of range 512..65487");
	EXPECT_EQ(err("pmtu.min-v4", "67"), "pmtu.min-v4: 67 is out of range 68..1500");
	EXPECT_EQ(ok("edns.buffer-size", "4096"), 4096u);
}

TEST(Knobs, BoolParsing)
{
	for (const char *t : {"on", "yes", "true", "1", "ON", "Yes", "TRUE"})
		EXPECT_EQ(ok("atr.enabled", t), 1u) << t;
	for (const char *f : {"off", "no", "false", "0", "OFF", "No"})
		EXPECT_EQ(ok("udp.truncate-all", f), 0u) << f;
	EXPECT_EQ(err("atr.enabled", "maybe"),
		  "atr.enabled: 'maybe' is not a boolean (on/off, yes/no, true/false, 1/0)");
	EXPECT_FALSE(parse_knob_value(knob("atr.enabled"), "2").ok());
	EXPECT_FALSE(parse_knob_value(knob("atr.enabled"), "").ok());
	EXPECT_EQ(format_knob_value(knob("atr.enabled"), 1), "on");
	EXPECT_EQ(format_knob_value(knob("atr.enabled"), 0), "off");
}

TEST(Knobs, PercentParsing)
{
	EXPECT_EQ(ok("atr.probability", "10"), 10u);
	EXPECT_EQ(ok("atr.probability", "10%"), 10u);
	EXPECT_EQ(ok("atr.probability", "0%"), 0u);
	EXPECT_EQ(ok("atr.probability", "100%"), 100u);
	EXPECT_EQ(err("atr.probability", "150"), "atr.probability: 150 is out of range 0..100");
	EXPECT_EQ(err("atr.probability", "101%"), "atr.probability: 101% is out of range 0..100");
	EXPECT_EQ(err("atr.probability", "-1"), "atr.probability: '-1' is not a percentage (e.g. 10 or 10%)");
	EXPECT_FALSE(parse_knob_value(knob("atr.probability"), "%").ok());
	EXPECT_FALSE(parse_knob_value(knob("atr.probability"), "10%%").ok());
	EXPECT_FALSE(parse_knob_value(knob("atr.probability"), "0.5").ok());
	EXPECT_EQ(format_knob_value(knob("atr.probability"), 42), "42%");
}

TEST(Knobs, DurationInMicroseconds)
{
	EXPECT_EQ(ok("atr.delay", "25ms"), 25000u);
	EXPECT_EQ(ok("atr.delay", "1s"), 1000000u);
	EXPECT_EQ(ok("atr.delay", "500us"), 500u);
	EXPECT_EQ(ok("atr.delay", "7"), 7000u);  // bare number: ms
	EXPECT_EQ(ok("atr.delay", "0"), 0u);
	EXPECT_EQ(ok("atr.delay", "1000ms"), 1000000u);
	EXPECT_EQ(err("atr.delay", "1001ms"), "atr.delay: 1001ms is out of range 0s..1s");
	EXPECT_EQ(err("atr.delay", "2s"), "atr.delay: 2s is out of range 0s..1s");
	EXPECT_EQ(err("atr.delay", "1m"), "atr.delay: 1m is out of range 0s..1s");
	EXPECT_EQ(err("atr.delay", "25xs"),
		  "atr.delay: '25xs' has an unknown unit 'xs' (valid: us, ms, s, m, h, d)");
	EXPECT_EQ(err("atr.delay", "ms"),
		  "atr.delay: 'ms' is not a duration (e.g. 500us, 25ms, 1s, 10m, 2h, 1d)");
	EXPECT_FALSE(parse_knob_value(knob("atr.delay"), "-5ms").ok());
	EXPECT_FALSE(parse_knob_value(knob("atr.delay"), "1.5ms").ok());
	EXPECT_EQ(format_knob_value(knob("atr.delay"), 10000), "10ms");
	EXPECT_EQ(format_knob_value(knob("atr.delay"), 1500), "1500us");
	EXPECT_EQ(format_knob_value(knob("atr.delay"), 1000000), "1s");
}

TEST(Knobs, DurationInSeconds)
{
	EXPECT_EQ(ok("cookie.epoch", "64s"), 64u);
	EXPECT_EQ(ok("cookie.epoch", "64"), 64u);  // bare number: s
	EXPECT_EQ(ok("cookie.epoch", "1m"), 60u);
	EXPECT_EQ(ok("cookie.epoch", "2000ms"), 2u);
	EXPECT_EQ(err("cookie.epoch", "500ms"), "cookie.epoch: 500ms is not a whole number of seconds");
	EXPECT_EQ(err("cookie.epoch", "0s"), "cookie.epoch: 0s is out of range 1s..1h");
	EXPECT_EQ(err("cookie.epoch", "3601"), "cookie.epoch: 3601 is out of range 1s..1h");
	EXPECT_EQ(ok("cookie.rotate", "0"), 0u);
	EXPECT_EQ(ok("cookie.rotate", "7d"), 604800u);
	EXPECT_EQ(ok("cookie.rotate", "168h"), 604800u);
	EXPECT_EQ(err("cookie.rotate", "604801s"), "cookie.rotate: 604801s is out of range 0s..7d");
	EXPECT_EQ(ok("pmtu.lifetime", "10m"), 600u);
	EXPECT_EQ(ok("pmtu.lifetime", "1d"), 86400u);
	EXPECT_EQ(err("pmtu.lifetime", "86401"), "pmtu.lifetime: 86401 is out of range 1s..1d");
	EXPECT_EQ(err("pmtu.lifetime", "99999999999999999999d"),
		  "pmtu.lifetime: 99999999999999999999d is out of range 1s..1d");
	EXPECT_EQ(format_knob_value(knob("pmtu.lifetime"), 600), "10m");
	EXPECT_EQ(format_knob_value(knob("cookie.epoch"), 64), "64s");
	EXPECT_EQ(format_knob_value(knob("cookie.rotate"), 0), "0s");
}

TEST(Durations, ParseAndFormat)
{
	EXPECT_EQ(*parse_duration_us("500us", TimeUnit::Sec), 500u);
	EXPECT_EQ(*parse_duration_us("3", TimeUnit::Sec), 3000000u);
	EXPECT_EQ(*parse_duration_us("3", TimeUnit::Msec), 3000u);
	EXPECT_EQ(*parse_duration_us("2h", TimeUnit::Sec), 7200000000u);
	EXPECT_EQ(*parse_duration_us(" 25 ms ", TimeUnit::Sec), 25000u);
	EXPECT_FALSE(parse_duration_us("", TimeUnit::Sec).ok());
	EXPECT_FALSE(parse_duration_us("10w", TimeUnit::Sec).ok());
	EXPECT_EQ(parse_duration_us("99999999999999999d", TimeUnit::Sec).error().err, ERANGE);
	EXPECT_EQ(format_duration_us(0), "0s");
	EXPECT_EQ(format_duration_us(1), "1us");
	EXPECT_EQ(format_duration_us(10000), "10ms");
	EXPECT_EQ(format_duration_us(90000000), "90s");
	EXPECT_EQ(format_duration_us(600000000), "10m");
	EXPECT_EQ(format_duration_us(3600000000), "1h");
	EXPECT_EQ(format_duration_us(86400000000), "1d");
}

TEST(Knobs, UnknownKnobNamesEveryValidOne)
{
	xdpdns_config c = config_defaults(), before = c;
	auto r = apply_knob(c, "atr.prob", "10");
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error().message,
		  "unknown knob 'atr.prob'; valid knobs: tcp.mss-v4, tcp.mss-v6, tcp.window, "
		  "tcp.segment-size, tcp.reuse, tcp.idle-timeout, tcp.max-queries, checksum.strict, answers.in-kernel, cookie.epoch, cookie.rotate, udp.truncate-all, edns.buffer-size, "
		  "atr.enabled, atr.size-v4, atr.size-v6, atr.delay, atr.probability, pmtu.lifetime, "
		  "pmtu.min-v4, rrl.rate, rrl.slip, rrl.prefix-v4, rrl.prefix-v6, rrl.log-only");
	EXPECT_EQ(std::memcmp(&c, &before, sizeof(c)), 0);
}

TEST(Knobs, ApplyKnobChangesOnlyOnSuccess)
{
	xdpdns_config c = config_defaults(), before = c;
	EXPECT_FALSE(apply_knob(c, "atr.probability", "150").ok());
	EXPECT_EQ(std::memcmp(&c, &before, sizeof(c)), 0);
	ASSERT_TRUE(apply_knob(c, "atr.delay", "25ms").ok());
	EXPECT_EQ(c.atr_delay_us, 25000u);
	ASSERT_TRUE(apply_knob(c, "atr.enabled", "off").ok());
	EXPECT_EQ(c.atr_enabled, 0u);
	ASSERT_TRUE(apply_knob(c, "tcp.mss-v4", "1000").ok());
	EXPECT_EQ(c.tcp_mss_v4, 1000u);
	ASSERT_TRUE(apply_knob(c, "atr.probability", "10%").ok());
	EXPECT_EQ(c.atr_probability, 10u);
	EXPECT_EQ(c.abi_version, XDPDNS_ABI_VERSION);
}

TEST(Knobs, RangeAndUnitText)
{
	EXPECT_EQ(format_knob_range(knob("tcp.mss-v4")), "536..9000 bytes");
	EXPECT_EQ(format_knob_range(knob("atr.probability")), "0..100%");
	EXPECT_EQ(format_knob_range(knob("atr.enabled")), "on/off");
	EXPECT_EQ(format_knob_range(knob("cookie.rotate")), "0s..7d");
	EXPECT_EQ(format_knob_value_with_unit(knob("tcp.window"), 65535), "65535 bytes");
	EXPECT_EQ(format_knob_value_with_unit(knob("atr.delay"), 25000), "25ms");
}

TEST(Knobs, MarkdownTable)
{
	std::string md = knobs_markdown();
	std::vector<std::string> lines;
	for (std::size_t i = 0, j; i < md.size(); i = j + 1) {
		j = md.find('\n', i);
		ASSERT_NE(j, std::string::npos) << "every line ends with a newline";
		lines.push_back(md.substr(i, j - i));
	}
	ASSERT_EQ(lines.size(), knobs().size() + 2);
	EXPECT_EQ(lines[0], "| Knob | Type | Default | Range | Description |");
	EXPECT_EQ(lines[1], "|---|---|---|---|---|");
	EXPECT_EQ(lines[1 + 1], "| `tcp.mss-v4` | uint | 1220 bytes | 536..9000 bytes | MSS option of IPv4 SYN-ACKs |");
	bool found = false;
	for (const auto &l : lines)
		if (l == "| `atr.delay` | duration | 10ms | 0s..1s | delay between a large answer and its "
			 "ATR follow-up (bare number: ms) |")
			found = true;
	EXPECT_TRUE(found) << md;
	for (std::size_t i = 2; i < lines.size(); i++) {
		EXPECT_EQ(std::count(lines[i].begin(), lines[i].end(), '|'), 6) << lines[i];
		EXPECT_NE(lines[i].find("`" + std::string(knobs()[i - 2].name) + "`"), std::string::npos);
	}
}

}  // namespace
}  // namespace xdpdns
