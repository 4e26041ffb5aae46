#include "daemon/atr/bad_frame_probe.h"

#include <sched.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <stdexcept>
#include <string>
#include <system_error>

#include <xdpdns/stats.h>

namespace xdpdns::daemon::atr {

BadFrameProbe::BadFrameProbe(int stats_fd) : fd_(stats_fd)
{
	if (fd_ < 0)
		return;
	const int ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0)
		throw std::runtime_error("ATR verdict probe: number of possible CPUs: " +
					 std::system_category().message(-ncpus));
	before_.assign(static_cast<std::size_t>(ncpus), 0);
	after_.assign(static_cast<std::size_t>(ncpus), 0);
}

bool BadFrameProbe::read(std::vector<std::uint64_t> &into)
{
	const std::uint32_t key = XDPDNS_STAT_ATR_BAD_FRAME;
	return bpf_map_lookup_elem(fd_, &key, into.data()) == 0;
}

void BadFrameProbe::before()
{
	if (fd_ < 0)
		return;
	cpu_ = sched_getcpu();
	have_before_ = cpu_ >= 0 && read(before_);
}

BadFrameProbe::Outcome BadFrameProbe::after()
{
	if (fd_ < 0 || !have_before_)
		return Outcome::unknown;
	const int cpu = sched_getcpu();
	if (cpu < 0 || !read(after_))
		return Outcome::unknown;
	const std::size_t n = after_.size();
	const auto grew = [&](int c) {
		const auto i = static_cast<std::size_t>(c);
		return i < n && after_[i] != before_[i];
	};
	return grew(cpu_) || grew(cpu) ? Outcome::bad_frame : Outcome::sent;
}

}  // namespace xdpdns::daemon::atr
