// xdpdnsctl commands. Each registers its CLI11 subcommand and runs when it
// is chosen; failures come back as Error and main() prints one line.
#pragma once

#include "common/pinned.h"
#include "common/result.h"

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

namespace xdpdns::cli {

// Interface selection shared by the commands.
// One interface: `iface` if given, else the only attached one (error when
// none or several are attached in this network namespace).
Result<std::string> one_interface(const std::optional<std::string> &iface);
// The pins of one_interface(iface), opened.
Result<PinnedObjects> open_one_interface(const std::optional<std::string> &iface);
// `iface` if given, else every attached one (error when none).
Result<std::vector<std::string>> some_interfaces(const std::optional<std::string> &iface);

// Each returns the function to run when its subcommand was chosen.
using Runner = std::function<Result<void>()>;
void add_attach_commands(CLI::App &app, std::vector<std::pair<CLI::App *, Runner>> &cmds);
void add_status_command(CLI::App &app, std::vector<std::pair<CLI::App *, Runner>> &cmds);
void add_stats_command(CLI::App &app, std::vector<std::pair<CLI::App *, Runner>> &cmds);
void add_knob_commands(CLI::App &app, std::vector<std::pair<CLI::App *, Runner>> &cmds);
void add_key_commands(CLI::App &app, std::vector<std::pair<CLI::App *, Runner>> &cmds);
void add_atr_commands(CLI::App &app, std::vector<std::pair<CLI::App *, Runner>> &cmds);
void add_rrl_commands(CLI::App &app, std::vector<std::pair<CLI::App *, Runner>> &cmds);
void add_pmtu_commands(CLI::App &app, std::vector<std::pair<CLI::App *, Runner>> &cmds);
void add_answers_commands(CLI::App &app, std::vector<std::pair<CLI::App *, Runner>> &cmds);

// "N" in min..max, else "<what>: N is out of range min..max".
Result<std::uint64_t> parse_uint_arg(const std::string &what, const std::string &text,
				     std::uint64_t min, std::uint64_t max);

}  // namespace xdpdns::cli
