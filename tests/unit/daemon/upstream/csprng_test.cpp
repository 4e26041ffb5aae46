// Forwarded query IDs and the source socket of each query are the kernel
// CSPRNG's octets, drawn in batches (no getrandom() per query), not the
// output of a generator whose state an observer could recover. The binary
// is linked with -Wl,--wrap=getrandom: getrandom_wrap.cpp hands out a known
// stream, and the tests predict every ID and socket from that stream alone.
#include "backend_driver.h"
#include "common/secure_random.h"
#include "getrandom_wrap.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstring>
#include <map>
#include <set>

namespace xdpdns::daemon::test {
namespace {

using xdpdns::test::getrandom_calls;
using xdpdns::test::getrandom_octets;
using xdpdns::test::real_getrandom;
using xdpdns::test::script_getrandom;
using xdpdns::test::ScriptedStream;

// The contract of SecureRandom written out independently: the stream is
// fetched in batches of SecureRandom::batch octets; a draw of n octets
// takes the next n of the batch, or a fresh batch when fewer are left;
// integers are the octets in host order (little-endian here).
class StreamModel {
public:
	explicit StreamModel(std::uint64_t seed) : s_(seed) {}
	std::uint64_t draw(std::size_t n)
	{
		if (SecureRandom::batch - used_ < n) {
			for (auto &b : batch_)
				b = s_.next();
			used_ = 0;
			batches++;
		}
		std::uint64_t v = 0;
		for (std::size_t i = 0; i < n; i++)
			v |= std::uint64_t{batch_[used_ + i]} << (8 * i);
		used_ += n;
		return v;
	}
	std::uint32_t below(std::uint32_t n)
	{
		const std::uint64_t reject_below = ((std::uint64_t{1} << 32) % n);
		for (;;) {
			const std::uint64_t x = draw(4);
			if (x >= reject_below)
				return static_cast<std::uint32_t>(x % n);
		}
	}
	std::size_t batches = 0;

private:
	ScriptedStream s_;
	std::array<std::uint8_t, SecureRandom::batch> batch_{};
	std::size_t used_ = SecureRandom::batch;
};

class ScriptedRandom : public ::testing::Test {
protected:
	void TearDown() override { real_getrandom(); }
};

TEST_F(ScriptedRandom, DrawsAreTheKernelOctetsInBatches)
{
	script_getrandom(7);
	SecureRandom r;
	ScriptedStream s(7);
	for (int i = 0; i < 1000; i++) {
		const std::uint16_t want = static_cast<std::uint16_t>(s.next() | s.next() << 8);
		ASSERT_EQ(r.u16(), want) << "draw " << i;
	}
	// 2000 octets: ceil(2000 / 256) calls of 256 octets each.
	EXPECT_EQ(getrandom_calls(), 8u);
	EXPECT_EQ(getrandom_octets(), 8 * SecureRandom::batch);

	script_getrandom(8);
	SecureRandom r32;
	StreamModel m(8);
	for (int i = 0; i < 1000; i++)
		ASSERT_EQ(r32.u32(), m.draw(4)) << "draw " << i;
	EXPECT_EQ(getrandom_calls(), m.batches);
}

TEST_F(ScriptedRandom, BelowDrawsAgainInsteadOfBiasing)
{
	// n = 2^31 + 1: 2^32 mod n = 2^31 - 1, so about half of the words are
	// below the cut and must be drawn again; a plain x % n would put them
	// on the low results and differ from the model about half the time.
	const std::uint32_t n = 0x80000001u;
	script_getrandom(9);
	SecureRandom r;
	StreamModel m(9);
	for (int i = 0; i < 2000; i++)
		ASSERT_EQ(r.below(n), m.below(n)) << "draw " << i;
	script_getrandom(10);
	SecureRandom r100;
	StreamModel m100(10);
	for (int i = 0; i < 2000; i++)
		ASSERT_EQ(r100.below(100), m100.below(100)) << "draw " << i;
}

TEST(KernelRandom, OctetsAndChoicesLookUniform)
{
	SecureRandom r;
	// Octet histogram: chi-square with 255 degrees of freedom (mean 255,
	// sd 22.6); 400 is more than six sd out.
	std::array<unsigned, 256> hist{};
	const unsigned n = 256 * 1000;
	for (unsigned i = 0; i < n / 2; i++) {
		const std::uint16_t v = r.u16();
		hist[v & 0xff]++;
		hist[v >> 8]++;
	}
	double chi = 0;
	for (unsigned c : hist)
		chi += (c - 1000.0) * (c - 1000.0) / 1000.0;
	EXPECT_LT(chi, 400.0);

	// 16 sockets, 16000 picks: each near 1000 (sd 30.6; bounds 6.5 sd).
	std::array<unsigned, 16> sockets{};
	for (int i = 0; i < 16000; i++)
		sockets[r.below(16)]++;
	for (unsigned c : sockets) {
		EXPECT_GT(c, 800u);
		EXPECT_LT(c, 1200u);
	}
}

TEST_F(ScriptedRandom, ForwardedIdsAndSocketsAreTheStream)
{
	FakeUpstream server(AF_INET, silent());
	UpstreamConfig c = config_for({&server}, 5000);
	c.source_ports = 16;
	auto b = make_backend(c);
	ASSERT_TRUE(b);
	std::map<std::uint16_t, unsigned> index_of_port;
	for (unsigned i = 0; i < b->source_ports().per_family(); i++)
		index_of_port[b->source_ports().port(AF_INET, i)] = i;
	ASSERT_EQ(index_of_port.size(), 16u);

	const std::uint64_t seed = 0x5eed;
	script_getrandom(seed);
	const std::size_t count = 300;
	for (std::uint64_t tag = 1; tag <= count; tag++)
		ASSERT_EQ(resolve(*b, make_query({.name = "q" + std::to_string(tag) + ".example.test"}), tag).status,
			  Backend::Status::pending);
	const std::size_t calls = getrandom_calls();
	real_getrandom();
	ASSERT_TRUE(wait_for([&] { return server.udp_queries().size() == count; }));
	const std::vector<Bytes> got = server.udp_queries();
	const std::vector<std::uint16_t> ports = server.udp_source_ports();

	// Per query: an ID not already in flight (drawn again if it is), then
	// the socket, both from the stream in that order.
	StreamModel m(seed);
	std::set<std::uint16_t> in_flight;
	std::set<unsigned> sockets_used;
	for (std::size_t i = 0; i < count; i++) {
		std::uint16_t id;
		do
			id = static_cast<std::uint16_t>(m.draw(2));
		while (in_flight.count(id));
		in_flight.insert(id);
		const unsigned socket = m.below(16);
		sockets_used.insert(socket);
		EXPECT_EQ(u16(got[i], 0), id) << "query " << i;
		EXPECT_EQ(index_of_port.at(ports[i]), socket) << "query " << i;
	}
	EXPECT_EQ(in_flight.size(), count);  // unique among those in flight
	EXPECT_EQ(sockets_used.size(), 16u);
	// 300 queries, 6 octets each: a handful of batched calls, not 300.
	EXPECT_EQ(calls, m.batches);
	EXPECT_LE(calls, 8u);
}

}  // namespace
}  // namespace xdpdns::daemon::test
