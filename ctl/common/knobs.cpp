#include "knobs.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <limits>

namespace xdpdns {
namespace {

using T = KnobType;
using U = TimeUnit;
using C = xdpdns_config;

// The one table. Ranges and defaults are in stored units (seconds for
// cookie.* and pmtu.lifetime, microseconds for atr.delay).
constexpr KnobDef kKnobs[] = {
	{"tcp.mss-v4", T::Uint, "bytes", U::Sec, U::Sec, 536, 9000, 1220, &C::tcp_mss_v4,
	 "MSS option of IPv4 SYN-ACKs"},
	{"tcp.mss-v6", T::Uint, "bytes", U::Sec, U::Sec, 1220, 9000, 1220, &C::tcp_mss_v6,
	 "MSS option of IPv6 SYN-ACKs"},
	{"tcp.window", T::Uint, "bytes", U::Sec, U::Sec, 1, 65535, 65535, &C::tcp_window,
	 "window advertised in every TCP segment we send"},
	{"tcp.segment-size", T::Uint, "bytes", U::Sec, U::Sec, 64, 9000, 512, &C::tcp_segment_size,
	 "answer bytes per TCP segment (never above the client's MSS)"},
	{"tcp.reuse", T::Bool, "", U::Sec, U::Sec, 0, 1, 1, &C::tcp_reuse,
	 "keep a connection open after an answer for more queries (RFC 7766)"},
	{"tcp.idle-timeout", T::Duration, "", U::Msec, U::Sec, 100, 3600 * 1000, 10 * 1000, &C::tcp_idle_ms,
	 "a connection idle this long gets our FIN (bare number: s)"},
	{"tcp.max-queries", T::Uint, "queries", U::Sec, U::Sec, 0, 1000000, 0, &C::tcp_max_queries,
	 "queries answered on one connection, then our FIN; 0 = no limit"},
	{"checksum.strict", T::Bool, "", U::Sec, U::Sec, 0, 1, 0, &C::checksum_strict,
	 "reject the partial transport checksum a local stack leaves (veth, tap)"},
	{"answers.in-kernel", T::Bool, "", U::Sec, U::Sec, 0, 1, 1, &C::answers_in_kernel,
	 "answer queries in XDP from the answers map the daemon fills"},
	{"cookie.epoch", T::Duration, "", U::Sec, U::Sec, 1, 3600, 64, &C::cookie_epoch_s,
	 "SYN cookie epoch; cookies of this and the previous epoch are valid"},
	{"cookie.rotate", T::Duration, "", U::Sec, U::Sec, 0, 7 * 86400, 3600, &C::cookie_rotate_s,
	 "cookie key rotation period of the daemon, 0 = never"},
	{"udp.truncate-all", T::Bool, "", U::Sec, U::Sec, 0, 1, 0, &C::udp_truncate_all,
	 "answer every UDP query with TC=1 from XDP (clients retry over TCP)"},
	{"edns.buffer-size", T::Uint, "bytes", U::Sec, U::Sec, 512, 4096, 1232, &C::edns_buffer_size,
	 "UDP payload size advertised in our OPT records"},
	{"atr.enabled", T::Bool, "", U::Sec, U::Sec, 0, 1, 1, &C::atr_enabled,
	 "send ATR follow-ups (TC=1 after a large fragmented UDP answer)"},
	{"atr.size-v4", T::Uint, "bytes", U::Sec, U::Sec, 512, 65507, 1472, &C::atr_size_v4,
	 "IPv4 UDP answers larger than this get an ATR follow-up"},
	{"atr.size-v6", T::Uint, "bytes", U::Sec, U::Sec, 512, 65487, 1232, &C::atr_size_v6,
	 "IPv6 UDP answers larger than this get an ATR follow-up"},
	{"atr.delay", T::Duration, "", U::Usec, U::Msec, 0, 1000 * 1000, 10 * 1000, &C::atr_delay_us,
	 "delay between a large answer and its ATR follow-up (bare number: ms)"},
	{"atr.probability", T::Percent, "", U::Sec, U::Sec, 0, 100, 100, &C::atr_probability,
	 "share of eligible answers that get an ATR follow-up"},
	{"pmtu.lifetime", T::Duration, "", U::Sec, U::Sec, 1, 86400, 600, &C::pmtu_lifetime_s,
	 "how long a path MTU learnt from ICMP Packet Too Big is used"},
	{"pmtu.min-v4", T::Uint, "bytes", U::Sec, U::Sec, 68, 1500, 552, &C::pmtu_min_v4,
	 "IPv4 Packet Too Big messages with a smaller MTU are ignored"},
	{"rrl.rate", T::Uint, "responses/s", U::Sec, U::Sec, 0, 1000000, 0, &C::rrl_rate,
	 "UDP responses per second per client prefix and answer class, 0 = RRL off"},
	{"rrl.slip", T::Uint, "", U::Sec, U::Sec, 0, 100, 2, &C::rrl_slip,
	 "every Nth rate-limited response goes out TC=1, the others are dropped; 0 = drop all"},
	{"rrl.prefix-v4", T::Uint, "bits", U::Sec, U::Sec, 8, 32, 24, &C::rrl_prefix_v4,
	 "IPv4 clients in one prefix of this length share their RRL buckets"},
	{"rrl.prefix-v6", T::Uint, "bits", U::Sec, U::Sec, 16, 128, 56, &C::rrl_prefix_v6,
	 "IPv6 clients in one prefix of this length share their RRL buckets"},
	{"rrl.log-only", T::Bool, "", U::Sec, U::Sec, 0, 1, 0, &C::rrl_log_only,
	 "count (and log) what RRL would limit, but send every response"},
};

constexpr std::uint64_t kUs = 1, kMs = 1000, kS = 1000 * kMs, kM = 60 * kS, kH = 60 * kM,
			kD = 24 * kH;

struct Suffix {
	std::string_view text;
	std::uint64_t us;
};
// Longest-first where prefixes overlap ("ms" before "m" and "s").
constexpr std::array<Suffix, 6> kSuffixes = {{
	{"us", kUs}, {"ms", kMs}, {"s", kS}, {"m", kM}, {"h", kH}, {"d", kD},
}};

std::string_view trim(std::string_view s)
{
	while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
		s.remove_prefix(1);
	while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
		s.remove_suffix(1);
	return s;
}

// Whole-string decimal parse, digits only (no sign, no hex). Numbers too
// big for 64 bits saturate, so that they are reported as out of range.
bool parse_decimal(std::string_view s, std::uint64_t &out)
{
	if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
		return false;
	auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
	if (ec == std::errc::result_out_of_range)
		out = std::numeric_limits<std::uint64_t>::max();
	return p == s.data() + s.size();
}

std::string lower(std::string_view s)
{
	std::string r(s);
	for (auto &c : r)
		c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
	return r;
}

std::string_view type_name(KnobType t)
{
	switch (t) {
	case T::Bool: return "bool";
	case T::Uint: return "uint";
	case T::Duration: return "duration";
	case T::Percent: return "percent";
	}
	return "?";
}

// Range without unit decoration, as used in error messages.
std::string range_text(const KnobDef &k)
{
	switch (k.type) {
	case T::Bool:
		return "on/off";
	case T::Duration: {
		auto s = static_cast<std::uint64_t>(k.storage);
		return format_duration_us(k.min * s) + ".." + format_duration_us(k.max * s);
	}
	case T::Uint:
	case T::Percent:
		break;
	}
	return std::to_string(k.min) + ".." + std::to_string(k.max);
}

Error bad_value(const KnobDef &k, std::string_view text, std::string_view what)
{
	return Error{EINVAL, std::string(k.name) + ": '" + std::string(text) + "' is not " +
				     std::string(what)};
}

Error out_of_range(const KnobDef &k, std::string_view text)
{
	return Error{ERANGE, std::string(k.name) + ": " + std::string(text) +
				     " is out of range " + range_text(k)};
}

}  // namespace

std::span<const KnobDef> knobs()
{
	return kKnobs;
}

const KnobDef *find_knob(std::string_view name)
{
	for (const auto &k : kKnobs)
		if (k.name == name)
			return &k;
	return nullptr;
}

Error unknown_knob_error(std::string_view name)
{
	std::string msg = "unknown knob '" + std::string(name) + "'; valid knobs: ";
	bool first = true;
	for (const auto &k : kKnobs) {
		if (!first)
			msg += ", ";
		msg += k.name;
		first = false;
	}
	return Error{ENOENT, std::move(msg)};
}

Result<std::uint64_t> parse_duration_us(std::string_view text, TimeUnit bare)
{
	std::string_view s = trim(text);
	std::size_t digits = 0;
	while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9')
		digits++;
	std::string_view num = s.substr(0, digits), suffix = trim(s.substr(digits));
	std::uint64_t n = 0, scale = 0;

	if (!parse_decimal(num, n))
		return Error{EINVAL, "'" + std::string(text) +
					     "' is not a duration (e.g. 500us, 25ms, 1s, 10m, 2h, 1d)"};
	if (suffix.empty()) {
		scale = static_cast<std::uint64_t>(bare);
	} else {
		for (const auto &sf : kSuffixes)
			if (sf.text == suffix)
				scale = sf.us;
		if (scale == 0)
			return Error{EINVAL, "'" + std::string(text) + "' has an unknown unit '" +
						     std::string(suffix) + "' (valid: us, ms, s, m, h, d)"};
	}
	std::uint64_t us = 0;
	if (__builtin_mul_overflow(n, scale, &us))
		return Error{ERANGE, "'" + std::string(text) + "' is too long a duration"};
	return us;
}

std::string format_duration_us(std::uint64_t us)
{
	if (us == 0)
		return "0s";
	for (auto it = kSuffixes.rbegin(); it != kSuffixes.rend(); ++it)
		if (us % it->us == 0)
			return std::to_string(us / it->us) + std::string(it->text);
	return std::to_string(us) + "us";  // not reached: kUs divides everything
}

Result<std::uint32_t> parse_knob_value(const KnobDef &k, std::string_view text)
{
	std::string_view s = trim(text);
	std::uint64_t v = 0;

	switch (k.type) {
	case T::Bool: {
		std::string l = lower(s);
		if (l == "on" || l == "yes" || l == "true" || l == "1")
			return 1u;
		if (l == "off" || l == "no" || l == "false" || l == "0")
			return 0u;
		return bad_value(k, s, "a boolean (on/off, yes/no, true/false, 1/0)");
	}
	case T::Uint:
		if (!parse_decimal(s, v))
			return bad_value(k, s, "a whole number of " + std::string(k.unit));
		break;
	case T::Percent: {
		std::string_view num = s;
		if (!num.empty() && num.back() == '%')
			num = trim(num.substr(0, num.size() - 1));
		if (!parse_decimal(num, v))
			return bad_value(k, s, "a percentage (e.g. 10 or 10%)");
		break;
	}
	case T::Duration: {
		auto us = parse_duration_us(s, k.bare);
		if (!us && us.error().err == ERANGE)
			return out_of_range(k, s);
		if (!us)
			return Error{us.error().err, std::string(k.name) + ": " + us.error().message};
		auto storage = static_cast<std::uint64_t>(k.storage);
		if (*us % storage != 0)
			return Error{EINVAL, std::string(k.name) + ": " + std::string(s) +
						     " is not a whole number of " +
						     (k.storage == U::Sec ? "seconds" : k.storage == U::Msec ? "milliseconds" : "microseconds")};
		v = *us / storage;
		break;
	}
	}
	if (v < k.min || v > k.max)
		return out_of_range(k, s);
	return static_cast<std::uint32_t>(v);
}

std::string format_knob_value(const KnobDef &k, std::uint32_t value)
{
	switch (k.type) {
	case T::Bool:
		return value ? "on" : "off";
	case T::Percent:
		return std::to_string(value) + "%";
	case T::Duration:
		return format_duration_us(value * static_cast<std::uint64_t>(k.storage));
	case T::Uint:
		break;
	}
	return std::to_string(value);
}

std::string format_knob_value_with_unit(const KnobDef &k, std::uint32_t value)
{
	std::string s = format_knob_value(k, value);
	if (k.type == T::Uint && !k.unit.empty())
		s += " " + std::string(k.unit);
	return s;
}

std::string format_knob_range(const KnobDef &k)
{
	std::string r = range_text(k);
	if (k.type == T::Uint && !k.unit.empty())
		r += " " + std::string(k.unit);
	else if (k.type == T::Percent)
		r += "%";
	return r;
}

std::uint32_t knob_get(const xdpdns_config &config, const KnobDef &k)
{
	return config.*(k.field);
}

void knob_set(xdpdns_config &config, const KnobDef &k, std::uint32_t value)
{
	config.*(k.field) = value;
}

xdpdns_config config_defaults()
{
	xdpdns_config c{};
	c.abi_version = XDPDNS_ABI_VERSION;
	for (const auto &k : kKnobs)
		knob_set(c, k, k.def);
	c.atr_allow_active = 0;
	c.rrl_exempt_active = 0;
	return c;
}

Result<void> apply_knob(xdpdns_config &config, std::string_view name, std::string_view text)
{
	const KnobDef *k = find_knob(name);
	if (!k)
		return unknown_knob_error(name);
	auto v = parse_knob_value(*k, text);
	if (!v)
		return v.error();
	knob_set(config, *k, *v);
	return {};
}

std::string knobs_markdown()
{
	std::string md = "| Knob | Type | Default | Range | Description |\n"
			 "|---|---|---|---|---|\n";
	for (const auto &k : kKnobs) {
		md += "| `" + std::string(k.name) + "` | " + std::string(type_name(k.type)) + " | " +
		      format_knob_value_with_unit(k, k.def) + " | " + format_knob_range(k) + " | " +
		      std::string(k.description) + " |\n";
	}
	return md;
}

}  // namespace xdpdns
