// rrl exempt add|del PREFIX [--iface], rrl exempt list [--iface]
#include "commands.h"
#include "prefix_list_cmds.h"

#include "common/pinned.h"

namespace xdpdns::cli {

void add_rrl_commands(CLI::App &app, std::vector<std::pair<CLI::App *, Runner>> &cmds)
{
	auto *rrl = app.add_subcommand("rrl", "Response rate limiting settings beyond the rrl.* knobs");
	rrl->require_subcommand(1);
	auto *exempt = rrl->add_subcommand("exempt", "Client prefixes that RRL never limits (empty list: none)");
	exempt->require_subcommand(1);
	add_prefix_list_commands(*exempt,
				 {"the RRL exempt list", "RRL may limit every client",
				  &PinnedObjects::rrl_exempt_add, &PinnedObjects::rrl_exempt_del,
				  &PinnedObjects::rrl_exempt_list},
				 cmds);
}

}  // namespace xdpdns::cli
