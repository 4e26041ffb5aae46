#include "prefix_list_cmds.h"

#include "common/address.h"
#include "common/pinned.h"

#include <cstdio>
#include <string>

namespace xdpdns::cli {

void add_prefix_list_commands(CLI::App &parent, const PrefixList &list,
			      std::vector<std::pair<CLI::App *, Runner>> &cmds)
{
	struct Args {
		std::string prefix;
		std::optional<std::string> iface;
	};
	for (bool add : {true, false}) {
		auto a = std::make_shared<Args>();
		const std::string help = std::string(add ? "Add a prefix to " : "Remove a prefix from ") + list.name;
		auto *c = parent.add_subcommand(add ? "add" : "del", help);
		c->add_option("PREFIX", a->prefix, "e.g. 192.0.2.0/24, 2001:db8::/32, 198.51.100.7")->required();
		c->add_option("-i,--iface", a->iface, "interface (default: the only attached one)");
		cmds.emplace_back(c, [a, add, list]() -> Result<void> {
			auto pfx = parse_prefix(a->prefix);
			if (!pfx)
				return pfx.error();
			auto p = open_one_interface(a->iface);
			if (!p)
				return p.error();
			if (auto r = ((*p).*(add ? list.add : list.del))(*pfx); !r)
				return r;
			std::printf("%s: %s %s %s %s\n", p->ifname().c_str(), add ? "added" : "removed",
				    format_prefix(*pfx).c_str(), add ? "to" : "from", list.name);
			return {};
		});
	}

	auto iface = std::make_shared<std::optional<std::string>>();
	auto *show = parent.add_subcommand("list", std::string("Show ") + list.name);
	show->add_option("-i,--iface", *iface, "interface (default: the only attached one)");
	cmds.emplace_back(show, [iface, list]() -> Result<void> {
		auto p = open_one_interface(*iface);
		if (!p)
			return p.error();
		auto v = ((*p).*list.list)();
		if (!v)
			return v.error();
		if (v->empty())
			std::printf("# %s: empty: %s\n", p->ifname().c_str(), list.empty_note);
		for (const auto &pfx : *v)
			std::printf("%s\n", format_prefix(pfx).c_str());
		return {};
	});
}

}  // namespace xdpdns::cli
