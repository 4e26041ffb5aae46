// status [IFACE]: one fixed-width row per attached interface.
#include "commands.h"

#include "common/attach.h"
#include "common/pinned.h"
#include "common/ports.h"
#include "common/service_addresses.h"
#include "table.h"
#include "xsk_diag.h"

namespace xdpdns::cli {

void add_status_command(CLI::App &app, std::vector<std::pair<CLI::App *, Runner>> &cmds)
{
	auto iface = std::make_shared<std::optional<std::string>>();
	auto *st = app.add_subcommand("status", "Show where xdpdns is attached (all interfaces by default)");
	st->add_option("IFACE", *iface, "only this interface");
	cmds.emplace_back(st, [iface]() -> Result<void> {
		auto names = some_interfaces(*iface);
		if (!names)
			return names.error();
		auto sockets = xsk_sockets();  // best effort: empty on failure
		Table t({"INTERFACE", "IFINDEX", "MODE", "PROG", "PORTS", "ADDRESSES", "XSK-QUEUES", "ABI",
			 "PINS"});
		for (const auto &name : *names) {
			auto p = PinnedObjects::open(name);
			if (!p) {
				// Keep listing the others; say what is wrong with this one.
				if (iface->has_value())
					return p.error();
				t.add({name, "-", "error: " + p.error().message, "-", "-", "-", "-", "-", "-"});
				continue;
			}
			std::string ifindex = "gone", mode = "-", queues = "-";
			auto id = p->prog_main_id();
			if (!id)
				return id.error();
			if (auto idx = resolve_ifindex(name)) {
				ifindex = std::to_string(*idx);
				auto q = query_xdp(*idx);
				if (!q)
					return q.error();
				// The pinned program not being on the interface means the
				// pins are stale; `attach` would replace them.
				mode = q->prog_id == *id ? q->mode
				       : q->prog_id     ? "stale (id " + std::to_string(q->prog_id) + " attached)"
							: "stale (detached)";
				queues.clear();
				if (sockets)
					for (const auto &s : *sockets)
						if (s.ifindex == static_cast<std::uint32_t>(*idx))
							queues += (queues.empty() ? "" : ",") + std::to_string(s.queue_id);
				if (queues.empty())
					queues = sockets ? "none" : "n/a";
			}
			auto ports = p->read_ports();
			if (!ports)
				return ports.error();
			auto addrs = p->read_addresses();
			if (!addrs)
				return addrs.error();
			t.add({name, ifindex, mode, std::to_string(*id), format_port_list(*ports),
			       format_address_list(*addrs), queues, std::to_string(p->read_config().abi_version),
			       p->dir()});
		}
		t.print();
		return {};
	});
}

}  // namespace xdpdns::cli
