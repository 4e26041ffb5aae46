// Tells whether one run of xdpdns_atr rejected its frame. BPF_PROG_RUN in
// live-frames mode reports no verdict (the kernel leaves retval at 0 and
// acts on XDP_TX itself), so the verdict is read back from the program's own
// counter: xdpdns_atr counts atr-bad-frame exactly when it returns XDP_DROP.
// The counter is per CPU and the run happens on the calling thread's CPU
// (the kernel runs the batch with bottom halves off), so only that CPU's
// slot is compared: other workers' replays on other CPUs do not interfere.
// If the thread migrated during the call, the slots of both CPUs it was seen
// on are compared (a second migration in between is not detected).
#pragma once

#include <cstdint>
#include <vector>

namespace xdpdns::daemon::atr {

class BadFrameProbe {
public:
	enum class Outcome { sent, bad_frame, unknown };

	// `stats_fd`: the xdpdns `stats` PERCPU_ARRAY; -1 disables the probe
	// (every completed run then reads as `unknown`). Sizes its buffers once;
	// throws std::runtime_error when the number of CPUs cannot be read.
	explicit BadFrameProbe(int stats_fd);

	bool enabled() const { return fd_ >= 0; }

	// Around one run: before() records the CPU and the counters, after()
	// compares. No heap allocation.
	void before();
	Outcome after();

private:
	bool read(std::vector<std::uint64_t> &into);

	int fd_;
	int cpu_ = -1;
	bool have_before_ = false;
	std::vector<std::uint64_t> before_, after_; // one value per possible CPU
};

}  // namespace xdpdns::daemon::atr
