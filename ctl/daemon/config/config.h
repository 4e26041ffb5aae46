// xdpdnsd's settings, as read from the YAML file (yaml_file.h) and/or the
// command line (command_line.h). Every value in a DaemonConfig has been
// validated; what needs the system (interfaces existing, zone files parsing)
// is checked by the parts that use it.
#pragma once

#include "common/attach.h"
#include "common/result.h"

#include <xdpdns/abi.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace xdpdns::daemon::config {

struct Upstream {
	std::string text;  // "ADDR[:PORT]" as written; parsed by common/endpoint.h
	bool operator==(const Upstream &) const = default;
};

struct ZoneFile {
	std::string path;                   // relative paths in a file: to the file's directory
	std::optional<std::string> origin;  // absolute ("example.test."); default: the zone's SOA owner
	bool operator==(const ZoneFile &) const = default;
};

// A TSIG key (RFC 8945) for zone transfers and NOTIFY.
struct TsigKey {
	std::string name;       // absolute ("xfr-key.")
	std::string algorithm;  // "hmac-sha256" (also hmac-sha512, hmac-sha384, hmac-sha1)
	std::string secret;     // base64, as written
	bool operator==(const TsigKey &) const = default;
};

// A zone transferred from primaries (daemon/secondary/).
struct SecondaryZone {
	std::string origin;               // absolute ("example.test.")
	std::vector<Upstream> primaries;  // "ADDR[:PORT]", tried in order
	std::string key;                  // name of a TsigKey, or empty
	bool operator==(const SecondaryZone &) const = default;
};

// dnstap output (daemon/dnstap/): a Unix socket or a file, or neither (off).
struct DnstapConfig {
	std::string socket;           // fstrm reader's socket (fstrm_capture, a collector)
	std::string file;             // or a file written from the start
	bool log_queries = true;      // AUTH_QUERY for the queries the daemon receives
	bool log_responses = true;    // AUTH_RESPONSE for the answers it sends
	std::uint32_t sample = 1;     // 1 in N of each (per worker)
	std::string identity;         // empty: the host name
	std::string version;          // empty: "xdpdns VERSION"
	bool enabled() const { return !socket.empty() || !file.empty(); }
	bool operator==(const DnstapConfig &) const = default;
};
inline constexpr std::uint32_t kMaxDnstapSample = 1000000;

inline constexpr const char *kDefaultStateDir = "/var/lib/xdpdns";

inline constexpr std::uint32_t kDefaultUpstreamTimeoutMs = 800;
inline constexpr std::uint32_t kMaxUpstreamTimeoutMs = 60 * 1000;
// UDP sockets per address family and worker that upstream queries leave
// from, each on its own random port (daemon/upstream/source_ports.h).
inline constexpr std::uint32_t kDefaultUpstreamSourcePorts = 16;
inline constexpr std::uint32_t kMaxUpstreamSourcePorts = 1024;
inline constexpr std::size_t kMaxTcpFlows = std::size_t{1} << 24;
inline constexpr std::size_t kMaxTcpConnections = std::size_t{1} << 22;
inline constexpr std::size_t kMaxAnswerEntries = std::size_t{1} << 24;
inline constexpr std::uint32_t kMaxBusyPollUs = 10000;

struct DaemonConfig {
	std::vector<std::string> interfaces;          // at least one
	std::vector<std::uint16_t> ports = {53};      // service ports
	XdpMode mode = XdpMode::Native;               // used when the daemon attaches itself
	// Service addresses as written (validated by common/address.h
	// parse_address): the XDP program answers only on these and passes
	// the service ports of every other address to the host. Empty: every
	// address. Applied when xdpdnsd attaches; an adopted attachment keeps
	// its own set (xdpdnsctl set addresses).
	std::vector<std::string> addresses;
	std::vector<ZoneFile> zones;                  // backend zone (files and/or secondaries) ...
	std::vector<SecondaryZone> secondaries;
	std::vector<TsigKey> tsig_keys;
	std::string state_dir = kDefaultStateDir;     // transferred zones are kept here
	std::vector<Upstream> upstreams;              // ... or backend upstream, never both
	std::uint32_t upstream_timeout_ms = kDefaultUpstreamTimeoutMs;
	std::uint32_t upstream_source_ports = kDefaultUpstreamSourcePorts;
	std::vector<std::pair<std::string, std::string>> knobs;  // knob name -> value text, in order
	enum class KeySource { random, file } key_source = KeySource::random;
	std::string key_file;                         // KeySource::file: the fleet key file
	std::uint32_t pmtu_entries = XDPDNS_PMTU_DEFAULT_ENTRIES;
	std::uint32_t rrl_buckets = XDPDNS_RRL_DEFAULT_BUCKETS;  // rrl-table-size: power of two
	std::size_t tcp_flows = 65536;                // soft-state table size per worker (tcp.reuse off)
	std::size_t tcp_connections = 16384;          // reused connections per worker (tcp.reuse on)
	std::uint32_t answer_entries = XDPDNS_ANSWERS_DEFAULT_ENTRIES;  // answers map, per interface
	// AF_XDP busy polling: the worker spins on its queue for this long
	// (SO_BUSY_POLL, with SO_PREFER_BUSY_POLL) instead of sleeping in
	// poll() for interrupts. 0: off. Costs a core per queue under load.
	std::uint32_t busy_poll_us = 0;
	// DNS Cookies (RFC 7873/9018, dns/dns_cookie.h): cookies.enable
	// (default on) and cookies.require (default off, as BIND's
	// require-server-cookie: BADCOOKIE for UDP queries that carry a client
	// cookie but no valid server cookie).
	bool cookies_enable = true;
	bool cookies_require = false;
	std::string log_level = "info";               // trace|debug|info|warn|error
	// Prometheus metrics endpoint "ADDR:PORT" (validated by
	// parse_metrics_listen); empty: none.
	std::string metrics_listen;
	DnstapConfig dnstap;
	std::string source;                           // file name or "command line"

	bool operator==(const DaemonConfig &) const = default;
	// Zone files or secondary zones (else upstream).
	bool zone_backend() const { return !zones.empty() || !secondaries.empty(); }
};

// The knob values of `config` applied over config_defaults(), ready for the
// config map. Cannot fail for a validated DaemonConfig; an Error names the knob.
Result<xdpdns_config> knob_config(const DaemonConfig &config);

// Sets knob `name` to `text`: replaces an earlier value of the same knob in
// place (a flag overriding the file), else appends. Does not validate.
void set_knob(DaemonConfig &config, const std::string &name, const std::string &text);

}  // namespace xdpdns::daemon::config
