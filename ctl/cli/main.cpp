// xdpdnsctl COMMAND [options]: attach, detach, status, stats, get, set
// (knobs, ports, addresses), rotate-key, atr allow, pmtu, answers, knobs. Every
// failure is one line on stderr ("xdpdnsctl: <object>: <cause>") and a
// non-zero exit status (1, or CLI11's code for usage errors).
#include "commands.h"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>

namespace {

bool g_verbose = false;

// Quiet unless --verbose: failures reach the user as one line of ours.
int libbpf_print(enum libbpf_print_level, const char *fmt, va_list ap)
{
	return g_verbose ? std::vfprintf(stderr, fmt, ap) : 0;
}

}  // namespace

int main(int argc, char **argv)
{
	using namespace xdpdns::cli;

	CLI::App app{"xdpdnsctl: control the xdpdns XDP DNS responder", "xdpdnsctl"};
	app.require_subcommand(1);
	app.add_flag("-v,--verbose", g_verbose, "show libbpf messages (verifier log on load errors)");
	app.failure_message([](const CLI::App *, const CLI::Error &e) {
		return std::string("xdpdnsctl: ") + e.what() + "\n";
	});

	std::vector<std::pair<CLI::App *, Runner>> cmds;
	add_attach_commands(app, cmds);
	add_status_command(app, cmds);
	add_stats_command(app, cmds);
	add_knob_commands(app, cmds);
	add_key_commands(app, cmds);
	add_atr_commands(app, cmds);
	add_rrl_commands(app, cmds);
	add_pmtu_commands(app, cmds);
	add_answers_commands(app, cmds);

	// CLI11 words an unknown command as "a subcommand is required"; name it.
	if (argc > 1 && argv[1][0] != '-') {
		std::string names;
		bool known = false;
		for (const auto *sub : app.get_subcommands([](CLI::App *) { return true; })) {
			names += (names.empty() ? "" : ", ") + sub->get_name();
			known |= sub->get_name() == argv[1];
		}
		if (!known) {
			std::fprintf(stderr, "xdpdnsctl: unknown command '%s'; valid commands: %s\n", argv[1],
				     names.c_str());
			return 1;
		}
	}

	try {
		app.parse(argc, argv);
	} catch (const CLI::ParseError &e) {
		return app.exit(e);
	}
	libbpf_set_print(libbpf_print);

	for (auto &[sub, run] : cmds) {
		if (!sub->parsed())
			continue;
		auto r = run();
		if (!r) {
			std::fprintf(stderr, "xdpdnsctl: %s\n", r.error().message.c_str());
			return 1;
		}
		return 0;
	}
	return 1;  // not reached: CLI11 requires a subcommand
}
