// add|del PREFIX [--iface] and list [--iface] under a parent subcommand,
// for the LPM-trie prefix lists of the pinned maps (the ATR allow-list,
// the RRL exempt list): one set of commands, one output format.
#ifndef XDPDNS_CLI_PREFIX_LIST_CMDS_H
#define XDPDNS_CLI_PREFIX_LIST_CMDS_H

#include "commands.h"

namespace xdpdns::cli {

struct PrefixList {
	const char *name;        // "the ATR allow-list": in help and output
	const char *empty_note;  // printed by list for an empty list
	Result<void> (PinnedObjects::*add)(const Prefix &);
	Result<void> (PinnedObjects::*del)(const Prefix &);
	Result<std::vector<Prefix>> (PinnedObjects::*list)() const;
};

void add_prefix_list_commands(CLI::App &parent, const PrefixList &list,
			      std::vector<std::pair<CLI::App *, Runner>> &cmds);

}  // namespace xdpdns::cli

#endif
