// XskPort on a real veth (copy mode) in a private network namespace: what
// one tx_kick() puts on the wire. In copy mode the kernel sends at most its
// TX budget (32 descriptors) per sendto() and answers EAGAIN for the rest;
// a long TCP answer train or a full batch of UDP answers is more than that.
#include <gtest/gtest.h>

#include <bpf/bpf.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <set>
#include <vector>

#include "daemon/io/xsk_port.h"
#include "veth_rig.h"

namespace xdpdns::daemon {
namespace {

using test::Bytes;
using test::VethRig;

constexpr std::uint16_t kEthertype = 0x88b5;  // IEEE local experimental
constexpr std::uint32_t kFrameLen = 60;

// Our MAC to the peer's, the local experimental ethertype, then `n` (u32).
std::uint32_t write_frame(std::span<std::uint8_t> f, std::uint32_t n)
{
	std::fill(f.begin(), f.begin() + kFrameLen, 0);
	std::copy(VethRig::kClientMac.begin(), VethRig::kClientMac.end(), f.begin());
	std::copy(VethRig::kServerMac.begin(), VethRig::kServerMac.end(), f.begin() + 6);
	f[12] = kEthertype >> 8;
	f[13] = kEthertype & 0xff;
	for (int i = 0; i < 4; i++)
		f[14 + i] = static_cast<std::uint8_t>(n >> (24 - 8 * i));
	return kFrameLen;
}

TEST(XskPortTx, OneKickSendsEveryQueuedFrame)
{
	if (geteuid() != 0)
		GTEST_SKIP() << "needs root (network namespace, AF_XDP)";
	VethRig rig;
	const int xsks = bpf_map_create(BPF_MAP_TYPE_XSKMAP, "test_xsks", 4, 4, 4, nullptr);
	ASSERT_GE(xsks, 0) << "bpf_map_create XSKMAP: " << std::strerror(errno);
	XskOptions opts;
	opts.force_copy = true;
	auto port = XskPort::create(VethRig::kServerName, 0, xsks, opts);
	ASSERT_TRUE(port) << port.error().message;

	// Three times the kernel's per-call budget, fewer than the peer's
	// veth ring (256) and its packet socket buffer hold.
	constexpr std::uint32_t kCount = 100;
	std::vector<std::uint8_t *> frames;
	std::vector<std::uint32_t> lens;
	for (std::uint32_t n = 0; n < kCount; n++) {
		const auto f = (*port)->tx_frame();
		ASSERT_FALSE(f.empty()) << "no free UMEM frame for frame " << n;
		frames.push_back(f.data());
		lens.push_back(write_frame(f, n));
	}
	ASSERT_TRUE((*port)->tx_queue(frames, lens));
	(*port)->tx_kick();

	std::set<std::uint32_t> seen;
	while (seen.size() < kCount) {
		auto got = rig.receive(std::chrono::milliseconds(1000));
		if (!got)
			break;
		const Bytes &f = *got;
		if (f.size() < 18 || f[12] != (kEthertype >> 8) || f[13] != (kEthertype & 0xff))
			continue;
		seen.insert(std::uint32_t(f[14]) << 24 | std::uint32_t(f[15]) << 16 | std::uint32_t(f[16]) << 8 | f[17]);
	}
	EXPECT_EQ(seen.size(), kCount) << "frames that reached the peer after one tx_kick()";
	if (!seen.empty()) {
		EXPECT_EQ(*seen.rbegin(), kCount - 1);
	}

	// Every frame comes back through the completion ring (once the skb
	// the kernel made of it is freed: wait for that, up to a second).
	for (int i = 0; i < 100 && (*port)->tx_free() < opts.frames / 2; i++) {
		(*port)->reclaim();
		if ((*port)->tx_free() < opts.frames / 2)
			usleep(10000);
	}
	EXPECT_EQ((*port)->tx_free(), opts.frames / 2);
	close(xsks);
}

}  // namespace
}  // namespace xdpdns::daemon
