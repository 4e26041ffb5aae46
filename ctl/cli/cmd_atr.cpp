// atr allow add|del PREFIX [--iface], atr allow list [--iface]
#include "commands.h"
#include "prefix_list_cmds.h"

#include "common/pinned.h"

namespace xdpdns::cli {

void add_atr_commands(CLI::App &app, std::vector<std::pair<CLI::App *, Runner>> &cmds)
{
	auto *atr = app.add_subcommand("atr", "ATR settings beyond the atr.* knobs");
	atr->require_subcommand(1);
	auto *allow = atr->add_subcommand("allow",
					  "Client prefixes that get ATR follow-ups (empty list: everyone)");
	allow->require_subcommand(1);
	add_prefix_list_commands(*allow,
				 {"the ATR allow-list", "every client gets ATR follow-ups",
				  &PinnedObjects::atr_allow_add, &PinnedObjects::atr_allow_del,
				  &PinnedObjects::atr_allow_list},
				 cmds);
}

}  // namespace xdpdns::cli
