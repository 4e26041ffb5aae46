// get [KNOB] [--iface IFACE] [--value|--json], set KNOB VALUE [--iface IFACE],
// knobs [--markdown]. `ports` is handled here as a pseudo-knob over the
// ports map; everything else comes from the knob table.
//
// Without --iface, get and set act on the only interface with xdpdns
// attached in this network namespace; with several attached they refuse
// (and name them) rather than guess or change them all.
#include "commands.h"

#include "common/knobs.h"
#include "common/pinned.h"
#include "common/ports.h"
#include "table.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace xdpdns::cli {
namespace {

constexpr const char *kPorts = "ports";
constexpr const char *kPortsHelp = "service ports (UDP and TCP), e.g. 53,5353";

Error unknown_knob(const std::string &name)
{
	Error e = unknown_knob_error(name);
	e.message += std::string(", ") + kPorts;
	return e;
}

}  // namespace

void add_knob_commands(CLI::App &app, std::vector<std::pair<CLI::App *, Runner>> &cmds)
{
	struct GetArgs {
		std::optional<std::string> knob, iface;
		bool value = false, json = false;
	};
	auto g = std::make_shared<GetArgs>();
	auto *get = app.add_subcommand("get", "Show knobs (value, default, range, description)");
	get->add_option("KNOB", g->knob, "only this knob (or 'ports')");
	get->add_option("-i,--iface", g->iface, "interface (default: the only attached one)");
	auto *vflag = get->add_flag("--value", g->value, "print only the value, as `set` accepts it");
	get->add_flag("--json", g->json, "print JSON")->excludes(vflag);
	cmds.emplace_back(get, [g]() -> Result<void> {
		const KnobDef *only = nullptr;
		bool ports_only = false;
		if (g->knob) {
			ports_only = *g->knob == kPorts;
			only = find_knob(*g->knob);
			if (!only && !ports_only)
				return unknown_knob(*g->knob);
		}
		if (g->value && !g->knob)
			return Error{EINVAL, "get --value needs a KNOB"};
		auto iface = one_interface(g->iface);
		if (!iface)
			return iface.error();
		auto p = PinnedObjects::open(*iface);
		if (!p)
			return p.error();
		auto ports = p->read_ports();
		if (!ports)
			return ports.error();
		const xdpdns_config cfg = p->read_config();
		const std::string port_text = format_port_list(*ports);

		if (g->value) {
			std::printf("%s\n", ports_only ? port_text.c_str()
						       : format_knob_value(*only, knob_get(cfg, *only)).c_str());
			return {};
		}
		if (g->json) {
			nlohmann::json arr = nlohmann::json::array();
			for (const auto &k : knobs()) {
				if ((only && &k != only) || ports_only)
					continue;
				arr.push_back({{"name", k.name},
					       {"value", format_knob_value(k, knob_get(cfg, k))},
					       {"raw", knob_get(cfg, k)},
					       {"default", format_knob_value(k, k.def)},
					       {"range", format_knob_range(k)},
					       {"description", k.description}});
			}
			if (!only)
				arr.push_back({{"name", kPorts}, {"value", port_text}, {"raw", *ports},
					       {"default", "53"}, {"range", "1..65535"},
					       {"description", kPortsHelp}});
			std::printf("%s\n", nlohmann::json{{"interface", *iface}, {"knobs", arr}}.dump().c_str());
			return {};
		}
		Table t({"KNOB", "VALUE", "DEFAULT", "RANGE", "DESCRIPTION"});
		for (const auto &k : knobs()) {
			if ((only && &k != only) || ports_only)
				continue;
			t.add({std::string(k.name), format_knob_value_with_unit(k, knob_get(cfg, k)),
			       format_knob_value_with_unit(k, k.def), format_knob_range(k),
			       std::string(k.description)});
		}
		if (!only)
			t.add({kPorts, port_text, "53", "1..65535", kPortsHelp});
		t.print();
		return {};
	});

	struct SetArgs {
		std::string knob, value;
		std::optional<std::string> iface;
	};
	auto s = std::make_shared<SetArgs>();
	auto *set = app.add_subcommand("set", "Change a knob live (pinned config map, no re-attach)");
	set->add_option("KNOB", s->knob, "knob name (see `xdpdnsctl get`), or 'ports'")->required();
	set->add_option("VALUE", s->value, "new value, e.g. 1000, 25ms, off, 10%, 53,5353")->required();
	set->add_option("-i,--iface", s->iface, "interface (default: the only attached one)");
	cmds.emplace_back(set, [s]() -> Result<void> {
		// Validate the input fully before looking at (or touching) any pin.
		if (s->knob == kPorts) {
			auto list = parse_port_list(s->value);
			if (!list)
				return list.error();
			auto iface = one_interface(s->iface);
			if (!iface)
				return iface.error();
			auto p = PinnedObjects::open(*iface);
			if (!p)
				return p.error();
			auto old = p->read_ports();
			if (!old)
				return old.error();
			if (auto r = p->write_ports(*list); !r)
				return r;
			std::printf("%s: ports %s -> %s\n", iface->c_str(), format_port_list(*old).c_str(),
				    format_port_list(*list).c_str());
			return {};
		}
		const KnobDef *k = find_knob(s->knob);
		if (!k)
			return unknown_knob(s->knob);
		auto v = parse_knob_value(*k, s->value);
		if (!v)
			return v.error();
		auto iface = one_interface(s->iface);
		if (!iface)
			return iface.error();
		auto p = PinnedObjects::open(*iface);
		if (!p)
			return p.error();
		std::uint32_t old = knob_get(p->read_config(), *k);
		p->set_knob(*k, *v);
		std::printf("%s: %s %s -> %s\n", iface->c_str(), std::string(k->name).c_str(),
			    format_knob_value_with_unit(*k, old).c_str(),
			    format_knob_value_with_unit(*k, *v).c_str());
		return {};
	});

	auto md = std::make_shared<bool>(false);
	auto *kn = app.add_subcommand("knobs", "List the knob definitions (no interface needed)");
	kn->add_flag("--markdown", *md, "as a Markdown table (README)");
	cmds.emplace_back(kn, [md]() -> Result<void> {
		if (*md) {
			std::fputs(knobs_markdown().c_str(), stdout);
			return {};
		}
		Table t({"KNOB", "TYPE", "DEFAULT", "RANGE", "DESCRIPTION"});
		static constexpr const char *types[] = {"bool", "uint", "duration", "percent"};
		for (const auto &k : knobs())
			t.add({std::string(k.name), types[static_cast<int>(k.type)],
			       format_knob_value_with_unit(k, k.def), format_knob_range(k),
			       std::string(k.description)});
		t.print();
		return {};
	});
}

}  // namespace xdpdns::cli
