// xdpdnsd: answers DNS through the xdpdns XDP program's AF_XDP sockets.
#include "daemon/lifecycle/daemon.h"
#include "daemon/config/command_line.h"
#include "dns/zone.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char **argv)
{
	using xdpdns::daemon::config::Command;
	const Command cmd = xdpdns::daemon::config::parse_command_line(argc, argv);
	switch (cmd.action) {
	case Command::Action::help:
		std::fputs(cmd.message.c_str(), stdout);
		return 0;
	case Command::Action::error:
		std::fprintf(stderr, "xdpdnsd: %s\n", cmd.message.c_str());
		return cmd.exit_code;
	case Command::Action::check:
		if (cmd.exit_code == 0) {
			// A config that names zone files is only good if they load.
			for (const auto &z : cmd.config.zones) {
				auto zone = xdpdns::dns::load_zone(z.path, z.origin);
				if (!zone) {
					std::fprintf(stderr, "%s\n", zone.error().message.c_str());
					return xdpdns::daemon::config::kExitCheckFailed;
				}
			}
		}
		std::fprintf(cmd.exit_code ? stderr : stdout, "%s\n", cmd.message.c_str());
		return cmd.exit_code;
	case Command::Action::run:
		break;
	}

	// systemd and terminals both want plain lines on stderr.
	auto log = spdlog::stderr_logger_mt("xdpdnsd");
	log->set_pattern("xdpdnsd: %l: %v");
	log->set_level(spdlog::level::from_str(cmd.config.log_level));
	spdlog::set_default_logger(log);

	const std::vector<std::string> args(argv + 1, argv + argc);
	return xdpdns::daemon::run_daemon(cmd.config, args);
}
