// Checks of single values, shared by the YAML file and the command line so
// that both accept exactly the same text. Error messages do not name the
// setting: the caller prefixes "KEY: " (file) or "--flag: " (command line).
#pragma once

#include "config.h"

#include "common/result.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace xdpdns::daemon::config {

// As the kernel's dev_valid_name(): 1..15 octets, no '/', no white space,
// not "." or "..".
Result<std::string> parse_interface_name(std::string_view text);

// 1..65535 (common/ports.h).
Result<std::uint16_t> parse_service_port(std::string_view text);

// An IPv4 or IPv6 address (no brackets, no prefix length); returned as written.
Result<std::string> parse_service_address(std::string_view text);

// "native" | "skb" (common/attach.h).
Result<XdpMode> parse_mode(std::string_view text);

// A domain name; made absolute: "example.test" -> "example.test.", "." stays.
Result<std::string> parse_origin(std::string_view text);

// Command-line zone: "FILE" or "FILE@ORIGIN" (split at the last '@').
Result<ZoneFile> parse_zone_spec(std::string_view text);

// Command-line secondary zone: "ZONE@ADDR[:PORT]" (split at the first '@';
// the primary as parse_upstream reads it).
Result<SecondaryZone> parse_secondary_spec(std::string_view text);

// A TSIG key: name a domain name, algorithm hmac-sha256 (or -sha512,
// -sha384, -sha1), secret base64 (daemon/secondary/tsig.h checks them).
Result<TsigKey> parse_tsig_key(std::string_view name, std::string_view algorithm, std::string_view secret);

// The secondary zones against the rest: each zone once (and not also a
// zone file with that origin), each key they name defined, keys unique.
Result<void> check_secondaries(const DaemonConfig &c);

// An upstream server (common/endpoint.h, the parser the upstream backend
// uses too); kept as written.
Result<Upstream> parse_upstream(std::string_view text);

// A duration (common/knobs.h parse_duration_us, bare number: ms) of whole
// milliseconds in 1ms..60s.
Result<std::uint32_t> parse_upstream_timeout_ms(std::string_view text);

// A decimal number in min..max.
Result<std::uint64_t> parse_count(std::string_view text, std::uint64_t min, std::uint64_t max);

// The metrics endpoint: "ADDR:PORT" or "[ADDR6]:PORT", the port given and
// not 0; returned as written.
Result<std::string> parse_metrics_listen(std::string_view text);

// trace | debug | info | warn | error.
Result<std::string> parse_log_level(std::string_view text);

// The knob exists and `text` is valid for it (common/knobs.h). The message
// starts with the knob's name: "atr.delay: '5x' has an unknown unit 'x' ...".
Result<void> check_knob(std::string_view name, std::string_view text);

// The fleet key file is readable and holds one valid key (common/cookie_key.h).
Result<void> check_key_file(const std::string &path);

}  // namespace xdpdns::daemon::config
