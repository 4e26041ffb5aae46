#include "prog_test_run.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace xdpdns::test {

RunOutput run_prog(int prog_fd, const char *prog_name, const Bytes &frame, std::uint32_t repeat,
		   const RunInput &in)
{
	xdp_md ctx;
	std::memset(&ctx, 0, sizeof(ctx));
	ctx.data_end = static_cast<__u32>(frame.size());
	ctx.ingress_ifindex = in.ingress_ifindex;
	ctx.rx_queue_index = in.rx_queue_index;

	bpf_test_run_opts opts;
	std::memset(&opts, 0, sizeof(opts));
	opts.sz = sizeof(opts);
	opts.data_in = frame.data();
	opts.data_size_in = static_cast<__u32>(frame.size());
	opts.ctx_in = &ctx;
	opts.ctx_size_in = sizeof(ctx);
	opts.repeat = repeat;
	if (in.live)
		opts.flags = BPF_F_TEST_XDP_LIVE_FRAMES;

	if (bpf_prog_test_run_opts(prog_fd, &opts))
		throw std::runtime_error(std::string("BPF_PROG_TEST_RUN of ") + prog_name + " (" +
					 std::to_string(frame.size()) + "-octet frame, repeat " +
					 std::to_string(repeat) + (in.live ? ", live frames" : "") +
					 "): " + std::strerror(errno));
	RunOutput r;
	r.verdict = opts.retval;
	r.duration_ns = opts.duration;
	return r;
}

std::vector<std::uint64_t> read_stats(int stats_fd, std::size_t count)
{
	int ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0)
		throw std::runtime_error("libbpf_num_possible_cpus: " + std::string(std::strerror(-ncpus)));
	std::vector<std::uint64_t> sums(count), percpu(static_cast<std::size_t>(ncpus));
	for (__u32 i = 0; i < count; i++) {
		if (bpf_map_lookup_elem(stats_fd, &i, percpu.data()))
			throw std::runtime_error("read per-CPU map entry " + std::to_string(i) + ": " +
						 std::strerror(errno));
		for (std::uint64_t v : percpu)
			sums[i] += v;
	}
	return sums;
}

} // namespace xdpdns::test
