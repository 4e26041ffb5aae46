// Runs an UpstreamBackend the way a worker does (poll its fd until the next
// deadline, then poll()) and collects what it delivers.
#pragma once

#include "daemon/upstream/upstream_backend.h"
#include "dns_messages.h"
#include "fake_upstream.h"

#include <array>
#include <functional>
#include <initializer_list>
#include <memory>

namespace xdpdns::daemon::test {

struct Delivered {
	std::uint64_t tag;
	Bytes answer;
};

class CollectingSink final : public AnswerSink {
public:
	void deliver(std::uint64_t tag, std::span<const std::uint8_t> answer) override
	{
		got.push_back({tag, Bytes(answer.begin(), answer.end())});
	}
	std::vector<Delivered> got;
};

std::uint64_t monotonic_ns();

// Returns once `count` answers were delivered in total, nothing is in
// flight any more, or a 10 s guard passed (a hang, not a timing assertion).
void drive(UpstreamBackend &b, CollectingSink &sink, std::size_t count);

// Waits (5 s guard) until pred() holds, e.g. for a fake server's thread to
// record what it received. Returns pred().
bool wait_for(const std::function<bool()> &pred);

// Short tries so that time-outs keep the suite fast.
UpstreamConfig config_for(std::initializer_list<const FakeUpstream *> servers,
			  std::uint32_t timeout_ms = 50);

std::unique_ptr<UpstreamBackend> make_backend(const UpstreamConfig &c);

// Parses msg and hands it to resolve() as a UDP query.
struct Resolved {
	Backend::Status status;
	Bytes answer;  // when answered
};
Resolved resolve(UpstreamBackend &b, const Bytes &msg, std::uint64_t tag);

}  // namespace xdpdns::daemon::test
