// rrl exempt add|del PREFIX [--iface], rrl exempt list [--iface]
#include "commands.h"

#include "common/address.h"
#include "common/pinned.h"

#include <cstdio>

namespace xdpdns::cli {

void add_rrl_commands(CLI::App &app, std::vector<std::pair<CLI::App *, Runner>> &cmds)
{
	auto *rrl = app.add_subcommand("rrl", "Response rate limiting settings beyond the rrl.* knobs");
	rrl->require_subcommand(1);
	auto *exempt = rrl->add_subcommand("exempt", "Client prefixes that RRL never limits (empty list: none)");
	exempt->require_subcommand(1);

	struct Args {
		std::string prefix;
		std::optional<std::string> iface;
	};
	for (bool add : {true, false}) {
		auto a = std::make_shared<Args>();
		auto *c = exempt->add_subcommand(add ? "add" : "del",
						 add ? "Add a prefix to the exempt list" : "Remove a prefix from the exempt list");
		c->add_option("PREFIX", a->prefix, "e.g. 192.0.2.0/24, 2001:db8::/32, 198.51.100.7")->required();
		c->add_option("-i,--iface", a->iface, "interface (default: the only attached one)");
		cmds.emplace_back(c, [a, add]() -> Result<void> {
			auto pfx = parse_prefix(a->prefix);
			if (!pfx)
				return pfx.error();
			auto p = open_one_interface(a->iface);
			if (!p)
				return p.error();
			if (auto r = add ? p->rrl_exempt_add(*pfx) : p->rrl_exempt_del(*pfx); !r)
				return r;
			std::printf("%s: %s %s %s the RRL exempt list\n", p->ifname().c_str(),
				    add ? "added" : "removed", format_prefix(*pfx).c_str(), add ? "to" : "from");
			return {};
		});
	}

	auto l = std::make_shared<std::optional<std::string>>();
	auto *list = exempt->add_subcommand("list", "Show the exempt list");
	list->add_option("-i,--iface", *l, "interface (default: the only attached one)");
	cmds.emplace_back(list, [l]() -> Result<void> {
		auto p = open_one_interface(*l);
		if (!p)
			return p.error();
		auto v = p->rrl_exempt_list();
		if (!v)
			return v.error();
		if (v->empty())
			std::printf("# %s: empty: RRL may limit every client\n", p->ifname().c_str());
		for (const auto &pfx : *v)
			std::printf("%s\n", format_prefix(pfx).c_str());
		return {};
	});
}

}  // namespace xdpdns::cli
