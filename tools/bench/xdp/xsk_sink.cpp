#include "xsk_sink.h"

#include <poll.h>
#include <pthread.h>
#include <sched.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace xdpdns::bench {

namespace {

constexpr std::uint32_t kBatch = 256;

} // namespace

XskSink::XskSink(const std::string &dev, const std::string &peer, int drain_cpu)
	: rig_(dev, peer, 0, 1, kRingFrames)
{
	rig_.fill_all();
	thread_ = std::thread([this] { drain(); });
	if (drain_cpu < 0)
		return;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(drain_cpu, &set);
	if (int err = pthread_setaffinity_np(thread_.native_handle(), sizeof(set), &set)) {
		stop();
		throw std::runtime_error("pin the XSK drain thread to CPU " + std::to_string(drain_cpu) + ": " +
					 std::strerror(err));
	}
}

// RX -> fill ring, frames untouched; sleeps in poll() while nothing comes.
void XskSink::drain()
{
	pollfd pfd{rig_.socket_fd(), POLLIN, 0};
	try {
		while (!stop_.load(std::memory_order_relaxed)) {
			const std::uint32_t n = rig_.recycle(kBatch);
			if (n) {
				received_.fetch_add(n, std::memory_order_relaxed);
				continue;
			}
			if (poll(&pfd, 1, 50) < 0 && errno != EINTR) {
				std::fprintf(stderr, "poll on the XSK: %s\n", std::strerror(errno));
				return;
			}
		}
	} catch (const std::exception &e) {
		std::fprintf(stderr, "XSK drain: %s\n", e.what());
	}
}

void XskSink::stop()
{
	stop_.store(true);
	if (thread_.joinable())
		thread_.join();
}

XskSink::~XskSink() { stop(); }

} // namespace xdpdns::bench
