#include "values.h"

#include "daemon/secondary/tsig.h"

#include "common/endpoint.h"

#include "common/address.h"
#include "common/attach.h"
#include "common/cookie_key.h"
#include "common/knobs.h"
#include "common/ports.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>

namespace xdpdns::daemon::config {
namespace {

std::string quoted(std::string_view s)
{
	return "'" + std::string(s) + "'";
}

// Messages of common/ begin with their own subject ("port: ", "mode ");
// here the caller names the setting instead.
std::string without_prefix(std::string msg, std::string_view prefix)
{
	if (msg.rfind(prefix, 0) == 0)
		msg.erase(0, prefix.size());
	return msg;
}

constexpr std::array<std::string_view, 5> kLogLevels = {"trace", "debug", "info", "warn", "error"};

}  // namespace

Result<std::string> parse_interface_name(std::string_view text)
{
	bool ok = !text.empty() && text.size() <= 15 && text != "." && text != ".." &&
		  std::none_of(text.begin(), text.end(), [](char c) {
			  return c == '/' || c == ':' || std::isspace(static_cast<unsigned char>(c));
		  });
	if (!ok)
		return Error{EINVAL, quoted(text) + " is not an interface name (1..15 characters, no '/', ':' or white space)"};
	return std::string(text);
}

Result<std::uint16_t> parse_service_port(std::string_view text)
{
	auto p = parse_port(text);
	if (!p)
		return Error{p.error().err, without_prefix(p.error().message, "port: ")};
	return *p;
}

Result<std::string> parse_service_address(std::string_view text)
{
	if (auto a = parse_address(text); !a)
		return a.error();
	return std::string(text);
}

Result<XdpMode> parse_mode(std::string_view text)
{
	auto m = parse_xdp_mode(text);
	if (!m)
		return Error{m.error().err, without_prefix(m.error().message, "mode ")};
	return *m;
}

Result<std::string> parse_origin(std::string_view text)
{
	if (text == ".")
		return std::string(".");
	std::string name(text);
	if (name.empty())
		return Error{EINVAL, "'' is not a domain name (empty label)"};
	if (name.back() != '.')
		name += '.';
	// Wire length: one length octet per label plus the root's zero octet.
	std::size_t wire = 1, label = 0;
	for (std::size_t i = 0; i < name.size(); i++) {
		unsigned char c = static_cast<unsigned char>(name[i]);
		if (c == '.') {
			if (label == 0)
				return Error{EINVAL, quoted(text) + " is not a domain name (empty label)"};
			wire += label + 1;
			label = 0;
		} else if (std::isspace(c) || !std::isprint(c)) {
			return Error{EINVAL, quoted(text) + " is not a domain name (white space or control character)"};
		} else if (++label > 63) {
			return Error{EINVAL, quoted(text) + " is not a domain name (label longer than 63 octets)"};
		}
	}
	if (wire > 255)
		return Error{EINVAL, quoted(text) + " is not a domain name (longer than 255 octets)"};
	return name;
}

Result<SecondaryZone> parse_secondary_spec(std::string_view text)
{
	const auto at = text.find('@');
	if (at == std::string_view::npos || at == 0 || at + 1 == text.size())
		return Error{EINVAL, quoted(text) + " is not ZONE@ADDR[:PORT]"};
	SecondaryZone z;
	auto origin = parse_origin(text.substr(0, at));
	if (!origin)
		return origin.error();
	z.origin = *origin;
	auto primary = parse_upstream(text.substr(at + 1));
	if (!primary)
		return primary.error();
	z.primaries.push_back(*primary);
	return z;
}

Result<TsigKey> parse_tsig_key(std::string_view name, std::string_view algorithm, std::string_view secret)
{
	auto origin = parse_origin(name);
	if (!origin)
		return origin.error();
	auto k = secondary::make_tsig_key(*origin, std::string(algorithm), std::string(secret));
	if (!k)
		return k.error();
	return TsigKey{*origin, k->algorithm, std::string(secret)};
}

Result<void> check_secondaries(const DaemonConfig &c)
{
	auto lower = [](std::string s) {
		for (auto &ch : s)
			ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
		return s;
	};
	for (std::size_t i = 0; i < c.tsig_keys.size(); i++)
		for (std::size_t j = 0; j < i; j++)
			if (lower(c.tsig_keys[i].name) == lower(c.tsig_keys[j].name))
				return Error{EINVAL, "TSIG key " + c.tsig_keys[i].name + " is defined twice"};
	for (std::size_t i = 0; i < c.secondaries.size(); i++) {
		const SecondaryZone &z = c.secondaries[i];
		for (std::size_t j = 0; j < i; j++)
			if (lower(c.secondaries[j].origin) == lower(z.origin))
				return Error{EINVAL, "secondary zone " + z.origin + " is listed twice"};
		for (const ZoneFile &f : c.zones)
			if (f.origin && lower(*f.origin) == lower(z.origin))
				return Error{EINVAL, "zone " + z.origin + " is both a zone file and a secondary zone"};
		if (z.primaries.empty())
			return Error{EINVAL, "secondary zone " + z.origin + " has no primary"};
		if (z.key.empty())
			continue;
		bool found = false;
		for (const TsigKey &k : c.tsig_keys)
			found = found || lower(k.name) == lower(z.key);
		if (!found)
			return Error{EINVAL, "secondary zone " + z.origin + ": TSIG key " + z.key + " is not defined (tsig-keys)"};
	}
	return {};
}

Result<ZoneFile> parse_zone_spec(std::string_view text)
{
	ZoneFile z;
	auto at = text.rfind('@');
	z.path = std::string(text.substr(0, at));
	if (z.path.empty())
		return Error{EINVAL, quoted(text) + " names no zone file (FILE or FILE@ORIGIN)"};
	if (at != std::string_view::npos) {
		auto origin = parse_origin(text.substr(at + 1));
		if (!origin)
			return origin.error();
		z.origin = *origin;
	}
	return z;
}

Result<Upstream> parse_upstream(std::string_view text)
{
	if (auto a = parse_endpoint(text); !a)
		return a.error();
	return Upstream{std::string(text)};
}

Result<std::uint32_t> parse_upstream_timeout_ms(std::string_view text)
{
	auto us = parse_duration_us(text, TimeUnit::Msec);
	if (!us)
		return us.error();
	if (*us % 1000 != 0)
		return Error{EINVAL, quoted(text) + " is not a whole number of milliseconds"};
	std::uint64_t ms = *us / 1000;
	if (ms < 1 || ms > kMaxUpstreamTimeoutMs)
		return Error{ERANGE, std::string(text) + " is out of range 1ms..60s"};
	return static_cast<std::uint32_t>(ms);
}

Result<std::uint64_t> parse_count(std::string_view text, std::uint64_t min, std::uint64_t max)
{
	std::uint64_t v = 0;
	bool digits = !text.empty() && std::all_of(text.begin(), text.end(),
						   [](char c) { return c >= '0' && c <= '9'; });
	auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
	if (!digits)
		return Error{EINVAL, quoted(text) + " is not a whole number"};
	if (ec == std::errc::result_out_of_range || p != text.data() + text.size() || v < min || v > max)
		return Error{ERANGE, std::string(text) + " is out of range " + std::to_string(min) + ".." +
					     std::to_string(max)};
	return v;
}

Result<std::string> parse_log_level(std::string_view text)
{
	if (std::find(kLogLevels.begin(), kLogLevels.end(), text) != kLogLevels.end())
		return std::string(text);
	return Error{EINVAL, quoted(text) + " is not a log level; valid levels: trace, debug, info, warn, error"};
}

Result<void> check_knob(std::string_view name, std::string_view text)
{
	xdpdns_config scratch = config_defaults();
	return apply_knob(scratch, name, text);
}

Result<void> check_key_file(const std::string &path)
{
	if (auto k = load_fleet_key_file(path); !k)
		return k.error();
	return {};
}

Result<std::string> parse_metrics_listen(std::string_view text)
{
	const std::string t(text);
	// A port must be written: the endpoint parser's default (53) is a DNS port.
	const auto colon = t.rfind(':');
	const bool bracketed = !t.empty() && t[0] == '[';
	const bool has_port = colon != std::string::npos &&
			      (bracketed ? colon > 0 && t[colon - 1] == ']' : t.find(':') == colon);
	if (!has_port)
		return Error{EINVAL, "'" + t + "' names no port; write ADDR:PORT (e.g. 127.0.0.1:9153, [::1]:9153)"};
	auto ep = parse_endpoint(t);
	if (!ep) {
		// The endpoint parser speaks of upstreams: keep only its reason.
		const std::string &m = ep.error().message;
		const auto k = m.find("\": ");
		return Error{EINVAL, "'" + t + "': " + (k == std::string::npos ? m : m.substr(k + 3))};
	}
	if (ep->port() == 0)
		return Error{EINVAL, "'" + t + "': port 0 is not a port to scrape"};
	return t;
}

}  // namespace xdpdns::daemon::config
