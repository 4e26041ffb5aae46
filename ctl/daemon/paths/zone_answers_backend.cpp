#include "daemon/paths/zone_answers_backend.h"

#include "dns/zone_backend.h"

namespace xdpdns::daemon {

Backend::Status ZoneBackend::resolve(const dns::Query &q, std::span<const std::uint8_t>, Transport t,
				     std::uint64_t, std::span<std::uint8_t> out, std::size_t &out_size)
{
	if (!snapshot_)
		refresh();
	const std::uint16_t edns =
		edns_size_ ? static_cast<std::uint16_t>(__atomic_load_n(edns_size_, __ATOMIC_RELAXED)) : 1232;
	const auto info = dns::answer(*snapshot_, q,
				      t == Transport::tcp ? dns::Transport::tcp : dns::Transport::udp, out, edns);
	if (info.size == 0)
		return Status::dropped;
	out_size = info.size;
	rrl_class_ = info.rrl_class;
	return Status::answered;
}

}  // namespace xdpdns::daemon
