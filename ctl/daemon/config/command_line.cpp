#include "command_line.h"

#include "values.h"
#include "yaml_file.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cerrno>
#include <optional>

namespace xdpdns::daemon::config {
namespace {

// The flags as given, before validation: validating them here (not with
// CLI11 validators) gives flags and file the same checks and messages.
struct Flags {
	std::string config, check_config;
	std::vector<std::string> interfaces, zones, secondaries, upstreams, ports, addresses, knobs;
	std::string state_dir, mode, upstream_timeout, upstream_source_ports, fleet_key, pmtu_entries, tcp_flows, tcp_connections, answer_entries, busy_poll, log_level, rrl_table_size, metrics, dnstap, dnstap_file, cookies;
};

struct Options {
	CLI::Option *config, *check_config, *interfaces, *zones, *secondaries, *state_dir, *upstreams, *ports, *addresses, *knobs,
		*mode, *upstream_timeout, *upstream_source_ports, *fleet_key, *pmtu_entries, *tcp_flows, *tcp_connections, *answer_entries, *busy_poll, *log_level, *rrl_table_size, *metrics, *dnstap, *dnstap_file, *cookies;
};

Options declare(CLI::App &app, Flags &f)
{
	// One value per occurrence; repeat the flag for more.
	auto many = [&](const char *name, std::vector<std::string> &into, const char *type, const char *help) {
		return app.add_option(name, into, help)->type_name(type)->expected(1)->allow_extra_args(false)
			->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
	};
	auto one = [&](const char *name, std::string &into, const char *type, const char *help) {
		return app.add_option(name, into, help)->type_name(type);
	};
	Options o{};
	o.config = one("--config", f.config, "FILE", "YAML configuration file; flags override its values");
	o.check_config = one("--check-config", f.check_config, "FILE",
			     "validate FILE (with any flags), print 'FILE: ok' or the error, and exit");
	o.check_config->excludes(o.config);
	o.interfaces = many("--interface", f.interfaces, "IFACE", "interface to serve on (repeatable)");
	o.zones = many("--zone", f.zones, "FILE[@ORIGIN]",
		       "zone file to answer from; origin default: the zone's SOA owner (repeatable)");
	o.upstreams = many("--upstream", f.upstreams, "ADDR[:PORT]",
			   "DNS server to forward to: ADDR[:PORT], IPv6 with a port in brackets: [::1]:5353 (repeatable)");
	o.secondaries = many("--secondary", f.secondaries, "ZONE@ADDR[:PORT]",
			     "secondary zone transferred from the primary ADDR (repeat with the same ZONE for more "
			     "primaries; TSIG keys: --config)");
	o.state_dir = one("--state-dir", f.state_dir, "DIR",
			  "where transferred zones are kept (default /var/lib/xdpdns)");
	o.zones->excludes(o.upstreams);
	o.secondaries->excludes(o.upstreams);
	o.upstream_timeout = one("--upstream-timeout", f.upstream_timeout, "DURATION",
				 "time to wait for an upstream before the next (default 800ms)");
	o.upstream_source_ports = one("--upstream-source-ports", f.upstream_source_ports, "N",
				      "UDP sockets (random ports) per address family and worker for "
				      "upstream queries, 1..1024 (default 16)");
	o.ports = many("--port", f.ports, "N", "service port (repeatable; default 53)");
	o.addresses = many("--address", f.addresses, "ADDR", "service address (repeatable)");
	o.mode = one("--mode", f.mode, "native|skb", "XDP mode when xdpdnsd attaches itself (default native)");
	o.knobs = many("--set", f.knobs, "KNOB=VALUE", "set a knob, as `xdpdnsctl set` (repeatable)");
	o.fleet_key = one("--fleet-key", f.fleet_key, "FILE",
			  "cookie key file shared by a fleet (default: random keys, rotated)");
	o.pmtu_entries = one("--pmtu-entries", f.pmtu_entries, "N", "path MTU table size (default 65536)");
	o.rrl_table_size = one("--rrl-table-size", f.rrl_table_size, "N",
			       "RRL buckets, a power of two, 32 octets each (default 65536)");
	o.tcp_flows = one("--tcp-flows", f.tcp_flows, "N", "TCP soft-state entries per worker with tcp.reuse off (default 65536)");
	o.tcp_connections = one("--tcp-connections", f.tcp_connections, "N",
				"reused TCP connections per worker with tcp.reuse on (default 16384)");
	o.answer_entries = one("--answer-entries", f.answer_entries, "N",
			       "answers stored for XDP to give, per interface, 1 KiB each at most (default 16384)");
	o.busy_poll = one("--busy-poll", f.busy_poll, "USECS",
			  "AF_XDP busy polling: spin this many microseconds per poll, 0..10000 (default 0, off)");
	o.metrics = one("--metrics", f.metrics, "ADDR:PORT",
			"serve Prometheus metrics at http://ADDR:PORT/metrics (e.g. 127.0.0.1:9153)");
	o.dnstap = one("--dnstap", f.dnstap, "SOCKET",
		       "log queries and answers in dnstap to this Unix socket (fstrm; settings: --config dnstap)");
	o.dnstap_file = one("--dnstap-file", f.dnstap_file, "FILE", "log queries and answers in dnstap to FILE");
	o.dnstap->excludes(o.dnstap_file);
	o.cookies = one("--cookies", f.cookies, "on|off|require",
			"DNS Cookies (RFC 7873): on (default), off, or require (BADCOOKIE for UDP "
			"queries with a client cookie but no valid server cookie)");
	o.log_level = one("--log-level", f.log_level, "LEVEL", "trace, debug, info, warn or error (default info)");
	app.footer("Examples:\n"
		   "  xdpdnsd --interface eth0 --zone /etc/xdpdns/example.test.zone\n"
		   "  xdpdnsd --interface eth0 --secondary example.test@192.0.2.1 --state-dir /var/lib/xdpdns\n"
		   "  xdpdnsd --interface eth0 --upstream 192.0.2.1 --upstream '[2001:db8::1]:5353'\n"
		   "  xdpdnsd --config /etc/xdpdns/xdpdnsd.yaml --log-level debug\n"
		   "  xdpdnsd --check-config /etc/xdpdns/xdpdnsd.yaml");
	return o;
}

Error flag_error(const char *flag, const Error &e)
{
	return Error{e.err, std::string(flag) + ": " + e.message};
}

template <class T, class Parse>
Result<void> each(const char *flag, const std::vector<std::string> &texts, std::vector<T> &into,
		  Parse parse)
{
	into.clear();
	for (const auto &t : texts) {
		auto v = parse(t);
		if (!v)
			return flag_error(flag, v.error());
		if (std::find(into.begin(), into.end(), *v) != into.end())
			return Error{EINVAL, std::string(flag) + ": '" + t + "' is given twice"};
		into.push_back(*v);
	}
	return {};
}

// Applies the flags that were given over `c` (the file's values or the defaults).
Result<void> apply(const Flags &f, const Options &o, DaemonConfig &c)
{
	if (o.interfaces->count())
		if (auto r = each("--interface", f.interfaces, c.interfaces, parse_interface_name); !r)
			return r;
	if (o.zones->count()) {
		if (auto r = each("--zone", f.zones, c.zones, parse_zone_spec); !r)
			return r;
		c.upstreams.clear();
	}
	if (o.secondaries->count()) {
		// One entry per zone; the same zone again adds a primary.
		c.secondaries.clear();
		for (const auto &t : f.secondaries) {
			auto z = parse_secondary_spec(t);
			if (!z)
				return flag_error("--secondary", z.error());
			auto same = std::find_if(c.secondaries.begin(), c.secondaries.end(),
						 [&](const SecondaryZone &s) { return s.origin == z->origin; });
			if (same == c.secondaries.end()) {
				c.secondaries.push_back(*z);
				continue;
			}
			if (std::find(same->primaries.begin(), same->primaries.end(), z->primaries[0]) != same->primaries.end())
				return Error{EINVAL, "--secondary: '" + t + "' is given twice"};
			same->primaries.push_back(z->primaries[0]);
		}
		c.upstreams.clear();
	}
	if (o.state_dir->count()) {
		if (f.state_dir.empty())
			return Error{EINVAL, "--state-dir: empty directory name"};
		c.state_dir = f.state_dir;
	}
	if (o.upstreams->count()) {
		if (auto r = each("--upstream", f.upstreams, c.upstreams, parse_upstream); !r)
			return r;
		c.zones.clear();
		c.secondaries.clear();
	}
	if (auto r = check_secondaries(c); !r)
		return r;
	if (o.upstream_timeout->count()) {
		if (c.upstreams.empty())
			return Error{EINVAL, "--upstream-timeout: only used with --upstream (or an upstream backend in --config)"};
		auto ms = parse_upstream_timeout_ms(f.upstream_timeout);
		if (!ms)
			return flag_error("--upstream-timeout", ms.error());
		c.upstream_timeout_ms = *ms;
	}
	if (o.upstream_source_ports->count()) {
		if (c.upstreams.empty())
			return Error{EINVAL, "--upstream-source-ports: only used with --upstream (or an upstream backend in --config)"};
		auto n = parse_count(f.upstream_source_ports, 1, kMaxUpstreamSourcePorts);
		if (!n)
			return flag_error("--upstream-source-ports", n.error());
		c.upstream_source_ports = static_cast<std::uint32_t>(*n);
	}
	if (o.ports->count())
		if (auto r = each("--port", f.ports, c.ports, parse_service_port); !r)
			return r;
	if (o.addresses->count()) {
		if (auto r = each("--address", f.addresses, c.addresses, parse_service_address); !r)
			return r;
		if (c.addresses.size() > XDPDNS_MAX_SERVICE_ADDRS)
			return Error{EINVAL, "--address: more than " + std::to_string(XDPDNS_MAX_SERVICE_ADDRS) +
						     " addresses"};
	}
	if (o.mode->count()) {
		auto m = parse_mode(f.mode);
		if (!m)
			return flag_error("--mode", m.error());
		c.mode = *m;
	}
	for (const auto &kv : f.knobs) {
		auto eq = kv.find('=');
		if (eq == std::string::npos || eq == 0)
			return Error{EINVAL, "--set: '" + kv + "' is not KNOB=VALUE"};
		std::string name = kv.substr(0, eq), text = kv.substr(eq + 1);
		if (auto r = check_knob(name, text); !r)
			return flag_error("--set", r.error());
		set_knob(c, name, text);
	}
	if (o.fleet_key->count()) {
		if (f.fleet_key.empty())
			return Error{EINVAL, "--fleet-key: empty file name"};
		if (auto r = check_key_file(f.fleet_key); !r)
			return flag_error("--fleet-key", r.error());
		c.key_source = DaemonConfig::KeySource::file;
		c.key_file = f.fleet_key;
	}
	if (o.cookies->count()) {
		if (f.cookies != "on" && f.cookies != "off" && f.cookies != "require")
			return Error{EINVAL, "--cookies: '" + f.cookies + "' is not on, off or require"};
		c.cookies_enable = f.cookies != "off";
		c.cookies_require = f.cookies == "require";
	}
	if (o.pmtu_entries->count()) {
		auto n = parse_count(f.pmtu_entries, 1, kMaxPmtuEntries);
		if (!n)
			return flag_error("--pmtu-entries", n.error());
		c.pmtu_entries = static_cast<std::uint32_t>(*n);
	}
	if (o.rrl_table_size->count()) {
		auto n = parse_count(f.rrl_table_size, XDPDNS_RRL_MIN_BUCKETS, XDPDNS_RRL_MAX_BUCKETS);
		if (!n)
			return flag_error("--rrl-table-size", n.error());
		if (auto r = check_rrl_buckets(static_cast<std::uint32_t>(*n)); !r)
			return flag_error("--rrl-table-size", r.error());
		c.rrl_buckets = static_cast<std::uint32_t>(*n);
	}
	if (o.tcp_flows->count()) {
		auto n = parse_count(f.tcp_flows, 1, kMaxTcpFlows);
		if (!n)
			return flag_error("--tcp-flows", n.error());
		c.tcp_flows = static_cast<std::size_t>(*n);
	}
	if (o.tcp_connections->count()) {
		auto n = parse_count(f.tcp_connections, 1, kMaxTcpConnections);
		if (!n)
			return flag_error("--tcp-connections", n.error());
		c.tcp_connections = static_cast<std::size_t>(*n);
	}
	if (o.answer_entries->count()) {
		auto n = parse_count(f.answer_entries, 1, kMaxAnswerEntries);
		if (!n)
			return flag_error("--answer-entries", n.error());
		c.answer_entries = static_cast<std::uint32_t>(*n);
	}
	if (o.busy_poll->count()) {
		auto n = parse_count(f.busy_poll, 0, kMaxBusyPollUs);
		if (!n)
			return flag_error("--busy-poll", n.error());
		c.busy_poll_us = static_cast<std::uint32_t>(*n);
	}
	if (o.metrics->count()) {
		auto m = parse_metrics_listen(f.metrics);
		if (!m)
			return flag_error("--metrics", m.error());
		c.metrics_listen = *m;
	}
	if (o.dnstap->count() || o.dnstap_file->count()) {
		const bool sock = o.dnstap->count() > 0;
		const std::string &path = sock ? f.dnstap : f.dnstap_file;
		if (path.empty())
			return Error{EINVAL, std::string(sock ? "--dnstap" : "--dnstap-file") + ": empty path"};
		c.dnstap.socket = sock ? path : "";
		c.dnstap.file = sock ? "" : path;
	}
	if (o.log_level->count()) {
		auto l = parse_log_level(f.log_level);
		if (!l)
			return flag_error("--log-level", l.error());
		c.log_level = *l;
	}
	return {};
}

// Without a file the flags must name everything a file would require.
Result<void> check_complete(const DaemonConfig &c)
{
	if (c.interfaces.empty())
		return Error{EINVAL, "--interface is required (or --config FILE); see --help"};
	if (!c.zone_backend() && c.upstreams.empty())
		return Error{EINVAL, "--zone, --secondary or --upstream is required (or --config FILE); see --help"};
	return {};
}

Command error(std::string message, int code)
{
	Command cmd;
	cmd.action = Command::Action::error;
	cmd.message = std::move(message);
	cmd.exit_code = code;
	return cmd;
}

template <class Parse>
Command decide(Parse parse)
{
	CLI::App app{"xdpdnsd: DNS over UDP and stateless TCP with XDP and AF_XDP", "xdpdnsd"};
	Flags f;
	Options o = declare(app, f);
	try {
		parse(app);
	} catch (const CLI::CallForHelp &) {
		Command cmd;
		cmd.action = Command::Action::help;
		cmd.message = app.help();
		return cmd;
	} catch (const CLI::ParseError &e) {
		return error(e.what(), kExitUsage);
	}

	const bool checking = o.check_config->count() > 0;
	const std::string &file = checking ? f.check_config : f.config;
	DaemonConfig c;
	c.source = "command line";
	if (!file.empty()) {
		auto loaded = load_file(file);
		if (!loaded) {
			if (checking) {
				Command cmd;
				cmd.action = Command::Action::check;
				cmd.message = loaded.error().message;
				cmd.exit_code = kExitCheckFailed;
				return cmd;
			}
			return error(loaded.error().message, kExitConfig);
		}
		c = std::move(*loaded);
	} else if (o.config->count() || checking) {
		return error(std::string(checking ? "--check-config" : "--config") + ": empty file name",
			     kExitUsage);
	}
	if (auto r = apply(f, o, c); !r)
		return error(r.error().message, kExitUsage);
	if (auto r = check_complete(c); !r)
		return error(r.error().message, kExitUsage);

	Command cmd;
	cmd.config = std::move(c);
	if (checking) {
		cmd.action = Command::Action::check;
		cmd.message = file + ": ok";
	} else {
		cmd.action = Command::Action::run;
	}
	return cmd;
}

}  // namespace

Command parse_command_line(int argc, const char *const argv[])
{
	return decide([&](CLI::App &app) { app.parse(argc, argv); });
}

Command parse_command_line(const std::vector<std::string> &args)
{
	// CLI11 takes a vector in reverse order (it pops from the back).
	std::vector<std::string> reversed(args.rbegin(), args.rend());
	return decide([&](CLI::App &app) { app.parse(reversed); });
}

}  // namespace xdpdns::daemon::config
