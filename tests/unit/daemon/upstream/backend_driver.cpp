#include "backend_driver.h"

#include <gtest/gtest.h>

#include <poll.h>
#include <time.h>

#include <algorithm>

namespace xdpdns::daemon::test {

std::uint64_t monotonic_ns()
{
	timespec ts{};
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return std::uint64_t(ts.tv_sec) * 1000000000u + std::uint64_t(ts.tv_nsec);
}

void drive(UpstreamBackend &b, CollectingSink &sink, std::size_t count)
{
	const std::uint64_t guard = monotonic_ns() + 10'000'000'000u;
	while (sink.got.size() < count && b.in_flight() > 0) {
		const std::uint64_t now = monotonic_ns();
		ASSERT_LT(now, guard) << "backend still has " << b.in_flight() << " queries in flight";
		const std::uint64_t next = b.next_deadline_ns();
		const std::uint64_t wait_ns = next > now ? std::min<std::uint64_t>(next - now, 100'000'000u) : 0;
		pollfd p{b.poll_fd(), POLLIN, 0};
		ASSERT_GE(::poll(&p, 1, static_cast<int>((wait_ns + 999'999) / 1'000'000)), 0);
		b.poll(sink, monotonic_ns());
	}
}

bool wait_for(const std::function<bool()> &pred)
{
	const std::uint64_t guard = monotonic_ns() + 5'000'000'000u;
	while (!pred() && monotonic_ns() < guard)
		::poll(nullptr, 0, 1);
	return pred();
}

UpstreamConfig config_for(std::initializer_list<const FakeUpstream *> servers, std::uint32_t timeout_ms)
{
	UpstreamConfig c;
	for (const FakeUpstream *s : servers)
		c.servers.push_back(s->endpoint());
	c.timeout_ms = timeout_ms;
	return c;
}

std::unique_ptr<UpstreamBackend> make_backend(const UpstreamConfig &c)
{
	auto b = UpstreamBackend::create(c);
	EXPECT_TRUE(b.ok()) << (b.ok() ? "" : b.error().message);
	return b.ok() ? std::move(*b) : nullptr;
}

Resolved resolve(UpstreamBackend &b, const Bytes &msg, std::uint64_t tag)
{
	const dns::Query q = parse(msg);
	std::array<std::uint8_t, 4096> out{};
	std::size_t n = 0;
	const Backend::Status s = b.resolve(q, msg, Transport::udp, tag, out, n);
	return {s, Bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n))};
}

}  // namespace xdpdns::daemon::test
