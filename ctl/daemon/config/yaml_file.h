// The YAML configuration file (documented in tools/xdpdnsd.yaml.example).
//
// Strict on purpose: unknown keys, duplicate keys, a value of the wrong kind
// (a string where a list is expected, ...) and bad values are errors, each
// naming FILE:LINE:COLUMN (1-based) and the key, e.g.
//   /etc/xdpdns/xdpdnsd.yaml:12:14: knobs.atr.delay: '5x' has an unknown unit 'x' (valid: us, ms, s, m, h, d)
// Value errors point at the value; unknown and duplicate keys at the key.
// Relative zone and key file paths are taken relative to the file's directory.
// Zone files are not opened here (the zone backend reports them when it
// loads); the fleet key file is loaded and checked.
#pragma once

#include "config.h"

#include "common/result.h"

#include <string>
#include <string_view>

namespace xdpdns::daemon::config {

Result<DaemonConfig> load_file(const std::string &path);

// As load_file, for text already read; `name` stands for the file in
// messages, in DaemonConfig::source and as the base of relative paths.
Result<DaemonConfig> load_text(std::string_view text, const std::string &name);

}  // namespace xdpdns::daemon::config
