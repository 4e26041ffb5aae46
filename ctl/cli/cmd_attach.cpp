// attach IFACE [--mode native|skb] [--port N ...] [--address ADDR ...] [--pmtu-entries N]
// detach IFACE
#include "commands.h"

#include "common/attach.h"
#include "common/ports.h"
#include "common/service_addresses.h"

#include <cstdio>

namespace xdpdns::cli {
namespace {

void print_note(std::string_view msg)
{
	std::fprintf(stderr, "xdpdnsctl: note: %.*s\n", static_cast<int>(msg.size()), msg.data());
}

}  // namespace

void add_attach_commands(CLI::App &app, std::vector<std::pair<CLI::App *, Runner>> &cmds)
{
	struct AttachArgs {
		std::string iface, mode = "native", pmtu_entries = std::to_string(XDPDNS_PMTU_DEFAULT_ENTRIES),
			    rrl_table_size = std::to_string(XDPDNS_RRL_DEFAULT_BUCKETS);
		std::vector<std::string> ports, addresses;
	};
	auto a = std::make_shared<AttachArgs>();
	auto *at = app.add_subcommand("attach", "Load the XDP program, pin its maps and attach it to IFACE");
	at->add_option("IFACE", a->iface, "interface to attach to")->required();
	at->add_option("--mode", a->mode, "XDP mode: native (driver) or skb (generic)")
		->capture_default_str();
	at->add_option("--port", a->ports, "service port, repeatable or comma-separated (default 53)");
	at->add_option("--address", a->addresses,
		       "service address, repeatable or comma-separated (default: every address)");
	at->add_option("--pmtu-entries", a->pmtu_entries, "size of the path-MTU LRU map")
		->capture_default_str();
	at->add_option("--rrl-table-size", a->rrl_table_size,
		       "RRL buckets (a power of two, 32 octets each)")
		->capture_default_str();
	cmds.emplace_back(at, [a]() -> Result<void> {
		AttachOptions o;
		o.ifname = a->iface;
		auto mode = parse_xdp_mode(a->mode);
		if (!mode)
			return mode.error();
		o.mode = *mode;
		if (!a->ports.empty()) {
			o.ports.clear();
			for (const auto &p : a->ports) {
				auto list = parse_port_list(p);
				if (!list)
					return list.error();
				o.ports.insert(o.ports.end(), list->begin(), list->end());
			}
		}
		for (const auto &text : a->addresses) {
			auto list = parse_address_list(text);
			if (!list)
				return list.error();
			if (list->empty())
				return Error{EINVAL, "address: 'all' is the default; leave --address out"};
			o.addresses.insert(o.addresses.end(), list->begin(), list->end());
		}
		if (auto r = check_address_count(o.addresses); !r)
			return r;
		auto n = parse_uint_arg("pmtu entries", a->pmtu_entries, 1, kMaxPmtuEntries);
		if (!n)
			return n.error();
		o.pmtu_entries = static_cast<std::uint32_t>(*n);
		auto rb = parse_uint_arg("rrl table size", a->rrl_table_size, XDPDNS_RRL_MIN_BUCKETS,
					 XDPDNS_RRL_MAX_BUCKETS);
		if (!rb)
			return rb.error();
		o.rrl_buckets = static_cast<std::uint32_t>(*rb);
		o.note = print_note;
		if (auto r = attach(o); !r)
			return r;
		const std::string addrs =
			o.addresses.empty() ? "" : ", addresses " + format_address_list(o.addresses);
		std::printf("attached xdpdns to %s (%s mode, ports %s%s)\n", o.ifname.c_str(),
			    std::string(xdp_mode_name(o.mode)).c_str(), format_port_list(o.ports).c_str(),
			    addrs.c_str());
		return {};
	});

	auto d = std::make_shared<std::string>();
	auto *de = app.add_subcommand("detach", "Detach the XDP program from IFACE and remove its pins");
	de->add_option("IFACE", *d, "interface to detach from")->required();
	cmds.emplace_back(de, [d]() -> Result<void> {
		if (auto r = detach(*d, print_note); !r)
			return r;
		std::printf("detached xdpdns from %s\n", d->c_str());
		return {};
	});
}

}  // namespace xdpdns::cli
