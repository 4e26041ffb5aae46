// get [KNOB] [--iface IFACE] [--value|--json], set KNOB VALUE [--iface IFACE],
// knobs [--markdown]. `ports` and `addresses` are handled here as
// pseudo-knobs over the ports and service_addrs maps; everything else comes
// from the knob table.
//
// Without --iface, get and set act on the only interface with xdpdns
// attached in this network namespace; with several attached they refuse
// (and name them) rather than guess or change them all.
#include "commands.h"

#include "common/knobs.h"
#include "common/pinned.h"
#include "common/ports.h"
#include "common/service_addresses.h"
#include "table.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace xdpdns::cli {
namespace {

constexpr const char *kPorts = "ports";
constexpr const char *kPortsHelp = "service ports (UDP and TCP), e.g. 53,5353";
constexpr const char *kAddresses = "addresses";
constexpr const char *kAddressesHelp =
	"service addresses, e.g. 192.0.2.53,2001:db8::53; all: every address";

Error unknown_knob(const std::string &name)
{
	Error e = unknown_knob_error(name);
	e.message += std::string(", ") + kPorts + ", " + kAddresses;
	return e;
}

// A map-backed pseudo-knob as `get` shows it.
struct PseudoKnob {
	const char *name;
	std::string value;
	nlohmann::json raw;
	std::string def, range, help;
};

Result<void> set_addresses(const std::string &text, const std::optional<std::string> &iface_opt)
{
	auto list = parse_address_list(text);
	if (!list)
		return list.error();
	auto p = open_one_interface(iface_opt);
	if (!p)
		return p.error();
	auto old = p->read_addresses();
	if (!old)
		return old.error();
	if (auto r = p->write_addresses(*list); !r)
		return r;
	std::printf("%s: addresses %s -> %s\n", p->ifname().c_str(), format_address_list(*old).c_str(),
		    format_address_list(*list).c_str());
	return {};
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
	get->add_option("KNOB", g->knob, "only this knob (or 'ports', 'addresses')");
	get->add_option("-i,--iface", g->iface, "interface (default: the only attached one)");
	auto *vflag = get->add_flag("--value", g->value, "print only the value, as `set` accepts it");
	get->add_flag("--json", g->json, "print JSON")->excludes(vflag);
	cmds.emplace_back(get, [g]() -> Result<void> {
		const KnobDef *only = nullptr;
		const char *pseudo_only = nullptr;  // kPorts or kAddresses
		if (g->knob) {
			if (*g->knob == kPorts || *g->knob == kAddresses)
				pseudo_only = *g->knob == kPorts ? kPorts : kAddresses;
			only = find_knob(*g->knob);
			if (!only && !pseudo_only)
				return unknown_knob(*g->knob);
		}
		if (g->value && !g->knob)
			return Error{EINVAL, "get --value needs a KNOB"};
		auto p = open_one_interface(g->iface);
		if (!p)
			return p.error();
		auto ports = p->read_ports();
		if (!ports)
			return ports.error();
		auto addrs = p->read_addresses();
		if (!addrs)
			return addrs.error();
		const xdpdns_config cfg = p->read_config();
		nlohmann::json addr_raw = nlohmann::json::array();
		for (const auto &a : *addrs)
			addr_raw.push_back(format_address(a));
		const PseudoKnob pseudo[] = {
			{kPorts, format_port_list(*ports), *ports, "53", "1..65535", kPortsHelp},
			{kAddresses, format_address_list(*addrs), addr_raw, "all",
			 "up to " + std::to_string(XDPDNS_MAX_SERVICE_ADDRS) + " addresses", kAddressesHelp},
		};
		auto shown = [&](const PseudoKnob &pk) {
			return !only && (!pseudo_only || std::string_view(pseudo_only) == pk.name);
		};

		if (g->value) {
			if (only) {
				std::printf("%s\n", format_knob_value(*only, knob_get(cfg, *only)).c_str());
				return {};
			}
			for (const auto &pk : pseudo)
				if (shown(pk))
					std::printf("%s\n", pk.value.c_str());
			return {};
		}
		if (g->json) {
			nlohmann::json arr = nlohmann::json::array();
			for (const auto &k : knobs()) {
				if ((only && &k != only) || pseudo_only)
					continue;
				arr.push_back({{"name", k.name},
					       {"value", format_knob_value(k, knob_get(cfg, k))},
					       {"raw", knob_get(cfg, k)},
					       {"default", format_knob_value(k, k.def)},
					       {"range", format_knob_range(k)},
					       {"description", k.description}});
			}
			for (const auto &pk : pseudo)
				if (shown(pk))
					arr.push_back({{"name", pk.name}, {"value", pk.value}, {"raw", pk.raw},
						       {"default", pk.def}, {"range", pk.range},
						       {"description", pk.help}});
			std::printf("%s\n", nlohmann::json{{"interface", p->ifname()}, {"knobs", arr}}.dump().c_str());
			return {};
		}
		Table t({"KNOB", "VALUE", "DEFAULT", "RANGE", "DESCRIPTION"});
		for (const auto &k : knobs()) {
			if ((only && &k != only) || pseudo_only)
				continue;
			t.add({std::string(k.name), format_knob_value_with_unit(k, knob_get(cfg, k)),
			       format_knob_value_with_unit(k, k.def), format_knob_range(k),
			       std::string(k.description)});
		}
		for (const auto &pk : pseudo)
			if (shown(pk))
				t.add({pk.name, pk.value, pk.def, pk.range, pk.help});
		t.print();
		return {};
	});

	struct SetArgs {
		std::string knob, value;
		std::optional<std::string> iface;
	};
	auto s = std::make_shared<SetArgs>();
	auto *set = app.add_subcommand("set", "Change a knob live (pinned config map, no re-attach)");
	set->add_option("KNOB", s->knob, "knob name (see `xdpdnsctl get`), 'ports' or 'addresses'")
		->required();
	set->add_option("VALUE", s->value,
			"new value, e.g. 1000, 25ms, off, 10%, 53,5353, 192.0.2.53,2001:db8::53, all")
		->required();
	set->add_option("-i,--iface", s->iface, "interface (default: the only attached one)");
	cmds.emplace_back(set, [s]() -> Result<void> {
		// Validate the input fully before looking at (or touching) any pin.
		if (s->knob == kAddresses)
			return set_addresses(s->value, s->iface);
		if (s->knob == kPorts) {
			auto list = parse_port_list(s->value);
			if (!list)
				return list.error();
			auto p = open_one_interface(s->iface);
			if (!p)
				return p.error();
			auto old = p->read_ports();
			if (!old)
				return old.error();
			if (auto r = p->write_ports(*list); !r)
				return r;
			std::printf("%s: ports %s -> %s\n", p->ifname().c_str(), format_port_list(*old).c_str(),
				    format_port_list(*list).c_str());
			return {};
		}
		const KnobDef *k = find_knob(s->knob);
		if (!k)
			return unknown_knob(s->knob);
		auto v = parse_knob_value(*k, s->value);
		if (!v)
			return v.error();
		auto p = open_one_interface(s->iface);
		if (!p)
			return p.error();
		std::uint32_t old = knob_get(p->read_config(), *k);
		p->set_knob(*k, *v);
		std::printf("%s: %s %s -> %s\n", p->ifname().c_str(), std::string(k->name).c_str(),
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
