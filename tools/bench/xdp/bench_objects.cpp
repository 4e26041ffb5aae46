// Only this file includes the generated skeletons.
#include "bench_objects.h"

#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "bench_drop.skel.h"
#include "bench_restore.skel.h"

namespace xdpdns::bench {

namespace {

std::runtime_error load_failure(const char *object)
{
	return std::runtime_error(std::string("open and load BPF object ") + object + ": " +
				  std::strerror(errno));
}

} // namespace

BenchObjects::BenchObjects()
{
	auto *drop = bench_drop_bpf__open_and_load();
	if (!drop)
		throw load_failure("bench_drop");
	drop_ = drop;
	auto *restore = bench_restore_bpf__open_and_load();
	if (!restore) {
		auto err = load_failure("bench_restore");
		bench_drop_bpf__destroy(drop);
		throw err;
	}
	restore_ = restore;
	drop_prog_ = bpf_program__fd(drop->progs.bench_drop);
	restore_prog_ = bpf_program__fd(restore->progs.bench_restore);
	original_map_ = bpf_map__fd(restore->maps.original);
	target_map_ = bpf_map__fd(restore->maps.target);
}

BenchObjects::~BenchObjects()
{
	bench_restore_bpf__destroy(static_cast<bench_restore_bpf *>(restore_));
	bench_drop_bpf__destroy(static_cast<bench_drop_bpf *>(drop_));
}

} // namespace xdpdns::bench
