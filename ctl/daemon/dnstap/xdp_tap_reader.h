// Answers made in XDP, for dnstap: reads the answer frames the XDP program
// copies to its `tap_events` perf buffer (1 in dnstap.xdp-sample, see
// bpf/lib/tap.h) and logs each as an AUTH_RESPONSE: addresses, ports and
// protocol from the frame's headers, the DNS message from its payload (a
// TCP answer without its two-octet length). The query of such an answer
// never reached user space, so there is no AUTH_QUERY for it; its question
// and ID are in the response message. A thread of its own per interface,
// with its own input queue of the writer.
#pragma once

#include "common/result.h"
#include "daemon/dnstap/writer.h"

#include <linux/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <thread>

struct perf_buffer;

namespace xdpdns::daemon::dnstap {

// The dnstap event of one copied answer frame (Ethernet onwards); false
// when the frame is not a UDP or TCP answer carrying a DNS message.
bool event_of_answer_frame(std::span<const std::uint8_t> frame, TapEvent &out);

class XdpTapReader {
public:
	static Result<std::unique_ptr<XdpTapReader>> start(int tap_events_fd, Writer &writer, unsigned queue,
							   std::string ifname);
	~XdpTapReader();  // stops the thread
	XdpTapReader(const XdpTapReader &) = delete;
	XdpTapReader &operator=(const XdpTapReader &) = delete;

	std::uint64_t logged() const { return logged_.load(std::memory_order_relaxed); }
	// Lost in the perf buffer, not parsable, or the writer's queue full.
	std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

private:
	XdpTapReader() = default;
	static void on_sample(void *ctx, int cpu, void *data, std::uint32_t size);
	static void on_lost(void *ctx, int cpu, __u64 count);

	perf_buffer *pb_ = nullptr;
	Writer *writer_ = nullptr;
	unsigned queue_ = 0;
	std::string ifname_;
	std::atomic<bool> stop_{false};
	std::atomic<std::uint64_t> logged_{0}, dropped_{0};
	std::thread thread_;
};

}  // namespace xdpdns::daemon::dnstap
