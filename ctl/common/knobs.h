// Runtime knobs, declared once (in the spirit of Knot's conf/schema.c): the
// table in knobs.cpp drives parsing, validation, `xdpdnsctl get/set`, the
// defaults written at attach, the daemon's config file and the README table.
#pragma once

#include "result.h"

#include <xdpdns/abi.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace xdpdns {

enum class KnobType {
	Bool,      // on/off/yes/no/true/false/1/0, stored 0/1
	Uint,      // decimal integer in `unit`
	Duration,  // number + us/ms/s/m/h/d; stored in `storage` units
	Percent,   // 0..100, "10" or "10%"
};

// Unit a duration knob is stored in, and the unit a bare number means.
enum class TimeUnit : std::uint64_t {
	Usec = 1,
	Msec = 1000,
	Sec = 1000 * 1000,
};

struct KnobDef {
	std::string_view name;         // "atr.delay"
	KnobType type;
	std::string_view unit;         // Uint: "bytes" etc.; others: ""
	TimeUnit storage;              // Duration: unit of the stored value
	TimeUnit bare;                 // Duration: unit of a number without suffix
	std::uint32_t min;             // in stored units
	std::uint32_t max;
	std::uint32_t def;
	std::uint32_t xdpdns_config::*field;  // where it lives
	std::string_view description;  // one line
};

// Every knob, in display order.
std::span<const KnobDef> knobs();

// Lookup by exact name; nullptr if unknown.
const KnobDef *find_knob(std::string_view name);

// "unknown knob 'atr.prob'; valid knobs: tcp.mss-v4, ..."
Error unknown_knob_error(std::string_view name);

// Parses and validates `text` for `knob`; returns the value in stored units.
// Errors are one line naming the knob, e.g.
// "atr.probability: 150 is out of range 0..100".
Result<std::uint32_t> parse_knob_value(const KnobDef &knob, std::string_view text);

// Canonical text of a stored value, accepted back by parse_knob_value:
// "on", "1220", "10ms", "100%".
std::string format_knob_value(const KnobDef &knob, std::uint32_t value);

// As format_knob_value, with the unit of Uint knobs appended ("1220 bytes").
std::string format_knob_value_with_unit(const KnobDef &knob, std::uint32_t value);

// "536..9000 bytes", "0s..7d", "on/off", "0%..100%".
std::string format_knob_range(const KnobDef &knob);

// A config holding every default and abi_version = XDPDNS_ABI_VERSION.
xdpdns_config config_defaults();

std::uint32_t knob_get(const xdpdns_config &config, const KnobDef &knob);
void knob_set(xdpdns_config &config, const KnobDef &knob, std::uint32_t value);

// Parses `text` for the knob called `name` and stores it in `config`;
// `config` is unchanged on error (unknown knob or bad value).
Result<void> apply_knob(xdpdns_config &config, std::string_view name, std::string_view text);

// Durations outside the knob table (exposed for tests and the daemon):
// "500us", "25ms", "1s", "10m", "2h", "1d"; a bare number is in `bare` units.
// Returns microseconds.
Result<std::uint64_t> parse_duration_us(std::string_view text, TimeUnit bare);
// Largest of d/h/m/s/ms/us that represents `us` exactly: "10ms", "600s" -> "10m".
std::string format_duration_us(std::uint64_t us);

// The table as Markdown (README): | Knob | Type | Default | Range | Description |
std::string knobs_markdown();

}  // namespace xdpdns
