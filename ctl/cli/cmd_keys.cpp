// rotate-key IFACE [--key-file FILE]
#include "commands.h"

#include "common/cookie_key.h"
#include "common/pinned.h"

#include <cstdio>

namespace xdpdns::cli {

void add_key_commands(CLI::App &app, std::vector<std::pair<CLI::App *, Runner>> &cmds)
{
	struct Args {
		std::string iface;
		std::optional<std::string> key_file;
	};
	auto a = std::make_shared<Args>();
	auto *rk = app.add_subcommand("rotate-key",
				      "Install a new cookie key (getrandom(), or a fleet key file); "
				      "cookies of the previous key stay valid");
	rk->add_option("IFACE", a->iface, "interface")->required();
	rk->add_option("--key-file", a->key_file,
		       "fleet key file: 32 hex digits, or 'k0 k1' as two 16-digit hex words");
	cmds.emplace_back(rk, [a]() -> Result<void> {
		std::optional<xdpdns_siphash_key> key;
		if (a->key_file) {
			auto k = load_fleet_key_file(*a->key_file);
			if (!k)
				return k.error();
			key = *k;
		}
		auto p = open_one_interface(a->iface);
		if (!p)
			return p.error();
		xdpdns_keys before = p->read_keys();
		if (auto r = key ? p->rotate_key(*key) : p->rotate_key(); !r)
			return r;
		xdpdns_keys after = p->read_keys();
		std::printf("%s: cookie key rotated: slot %u -> %u, generation %u -> %u\n",
			    p->ifname().c_str(), before.current, after.current, before.generation,
			    after.generation);
		return {};
	});
}

}  // namespace xdpdns::cli
