// pmtu list [--iface], pmtu flush [--iface]
#include "commands.h"

#include "common/pinned.h"
#include "table.h"

#include <time.h>

#include <cstdio>

namespace xdpdns::cli {

void add_pmtu_commands(CLI::App &app, std::vector<std::pair<CLI::App *, Runner>> &cmds)
{
	auto *pm = app.add_subcommand("pmtu", "Path MTUs learnt from ICMP Packet Too Big");
	pm->require_subcommand(1);

	auto l = std::make_shared<std::optional<std::string>>();
	auto *list = pm->add_subcommand("list", "Show the path-MTU cache (age in seconds)");
	list->add_option("-i,--iface", *l, "interface (default: the only attached one)");
	cmds.emplace_back(list, [l]() -> Result<void> {
		auto p = open_one_interface(*l);
		if (!p)
			return p.error();
		auto v = p->pmtu_list();
		if (!v)
			return v.error();
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		const std::uint64_t now = ts.tv_sec * 1000000000ull + ts.tv_nsec;
		const std::uint64_t lifetime = p->read_config().pmtu_lifetime_s;
		Table t({"CLIENT", "MTU", "AGE", "STATE"});
		for (const auto &e : *v) {
			std::uint64_t age = now > e.updated_ns ? (now - e.updated_ns) / 1000000000ull : 0;
			t.add({format_address(e.addr), std::to_string(e.mtu), std::to_string(age) + "s",
			       age < lifetime ? "valid" : "expired"});
		}
		t.print();
		return {};
	});

	auto f = std::make_shared<std::optional<std::string>>();
	auto *flush = pm->add_subcommand("flush", "Forget every learnt path MTU");
	flush->add_option("-i,--iface", *f, "interface (default: the only attached one)");
	cmds.emplace_back(flush, [f]() -> Result<void> {
		auto p = open_one_interface(*f);
		if (!p)
			return p.error();
		auto n = p->pmtu_flush();
		if (!n)
			return n.error();
		std::printf("%s: removed %zu path-MTU entries\n", p->ifname().c_str(), *n);
		return {};
	});
}

}  // namespace xdpdns::cli
