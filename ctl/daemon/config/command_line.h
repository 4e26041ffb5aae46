// xdpdnsd's command line (CLI11):
//   xdpdnsd --interface IFACE [--interface ...]
//           (--zone FILE[@ORIGIN]... | --upstream ADDR[:PORT]...)
//           [--port N]... [--address ADDR]... [--mode native|skb]
//           [--upstream-timeout DURATION]
//           [--upstream-source-ports N] [--set KNOB=VALUE]... [--fleet-key FILE]
//           [--pmtu-entries N] [--tcp-flows N] [--log-level L]
//           [--config FILE] [--check-config FILE]
// Without --config the flags are the whole configuration. With --config FILE
// the file must be valid by itself and the flags given replace its values:
// a list flag (--interface, --port, --address) replaces the file's list,
// --zone or --upstream replaces the file's backend, --set replaces one knob.
// --check-config FILE loads FILE (plus any flags) and reports, nothing else.
// Parsing never exits or prints: main() acts on the returned Command.
// SIGHUP reloads by parsing the same arguments again.
#pragma once

#include "config.h"

#include <string>
#include <vector>

namespace xdpdns::daemon::config {

inline constexpr int kExitCheckFailed = 1;  // --check-config found an error
inline constexpr int kExitUsage = 64;       // EX_USAGE: bad flags
inline constexpr int kExitConfig = 78;      // EX_CONFIG: the --config file is invalid

struct Command {
	enum class Action {
		run,    // start the daemon with `config`
		check,  // print `message` ("FILE: ok" or the error), return exit_code
		help,   // print `message` (the usage text) on stdout, return 0
		error,  // print `message` on stderr, return exit_code
	};
	Action action = Action::error;
	DaemonConfig config;  // run; check when valid
	std::string message;
	int exit_code = 0;    // 0, kExitCheckFailed, kExitUsage or kExitConfig
};

// argv[0] is the program name.
Command parse_command_line(int argc, const char *const argv[]);
// The arguments after the program name (tests, reload).
Command parse_command_line(const std::vector<std::string> &args);

}  // namespace xdpdns::daemon::config
