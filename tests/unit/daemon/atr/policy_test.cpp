// decide(): every branch of the ATR decision and its boundaries.
#include "daemon/atr/policy.h"

#include <gtest/gtest.h>

namespace xdpdns::daemon::atr {
namespace {

constexpr std::uint32_t kAlways = 0; // random draw that passes any probability > 0

// Contract defaults: enabled, 1472 / 1232, probability 100.
AtrKnobs defaults() { return {true, 1472, 1232, 100}; }

// A client with a 4096-octet buffer on an Ethernet path, allowed.
AtrInput v4(std::size_t answer) { return {answer, 4096, false, 1500, true}; }
AtrInput v6(std::size_t answer) { return {answer, 4096, true, 1500, true}; }

TEST(AtrPolicy, AnswerAboveClientBufferIsTruncatedWhateverTheAtrKnobs)
{
	AtrInput in = v4(4097);
	EXPECT_EQ(decide(in, defaults(), kAlways), AtrDecision::truncate);
	AtrKnobs off = defaults();
	off.enabled = false;
	EXPECT_EQ(decide(in, off, kAlways), AtrDecision::truncate);
	in.client_allowed = false;
	EXPECT_EQ(decide(in, defaults(), 99), AtrDecision::truncate);
}

TEST(AtrPolicy, ClientBufferBoundary)
{
	// No EDNS: 512. An answer of exactly the limit fits.
	AtrInput in{512, 512, false, 1500, true};
	EXPECT_EQ(decide(in, defaults(), kAlways), AtrDecision::send);
	in.answer_size = 513;
	EXPECT_EQ(decide(in, defaults(), kAlways), AtrDecision::truncate);
	// Fits the buffer but above the ATR size: the answer plus the follow-up.
	in = {1473, 1473, false, 1500, true};
	EXPECT_EQ(decide(in, defaults(), kAlways), AtrDecision::send_with_atr);
	in.answer_size = 1474;
	EXPECT_EQ(decide(in, defaults(), kAlways), AtrDecision::truncate);
}

TEST(AtrPolicy, Ipv4DefaultSizeIs1472)
{
	EXPECT_EQ(effective_atr_size(v4(0), defaults()), 1472u);
	EXPECT_EQ(decide(v4(1471), defaults(), kAlways), AtrDecision::send);
	EXPECT_EQ(decide(v4(1472), defaults(), kAlways), AtrDecision::send);
	EXPECT_EQ(decide(v4(1473), defaults(), kAlways), AtrDecision::send_with_atr);
	EXPECT_EQ(decide(v4(4000), defaults(), kAlways), AtrDecision::send_with_atr);
}

TEST(AtrPolicy, Ipv6DefaultSizeIs1232)
{
	EXPECT_EQ(effective_atr_size(v6(0), defaults()), 1232u);
	EXPECT_EQ(decide(v6(1232), defaults(), kAlways), AtrDecision::send);
	EXPECT_EQ(decide(v6(1233), defaults(), kAlways), AtrDecision::send_with_atr);
	// The IPv4 knob does not apply to IPv6 and the reverse.
	EXPECT_EQ(decide(v4(1233), defaults(), kAlways), AtrDecision::send);
}

TEST(AtrPolicy, SizeKnobsAreUsedPerFamily)
{
	const AtrKnobs k{true, 1000, 800, 100};
	EXPECT_EQ(decide(v4(1000), k, kAlways), AtrDecision::send);
	EXPECT_EQ(decide(v4(1001), k, kAlways), AtrDecision::send_with_atr);
	EXPECT_EQ(decide(v6(800), k, kAlways), AtrDecision::send);
	EXPECT_EQ(decide(v6(801), k, kAlways), AtrDecision::send_with_atr);
}

TEST(AtrPolicy, PathMtuLowersTheThreshold)
{
	// IPv4, path MTU 1400: 1400 - 20 - 8 = 1372 < 1472.
	AtrInput in = v4(1372);
	in.path_mtu = 1400;
	EXPECT_EQ(effective_atr_size(in, defaults()), 1372u);
	EXPECT_EQ(decide(in, defaults(), kAlways), AtrDecision::send);
	in.answer_size = 1373;
	EXPECT_EQ(decide(in, defaults(), kAlways), AtrDecision::send_with_atr);

	// IPv6, path MTU 1280: 1280 - 40 - 8 = 1232 = the knob; 1270 -> 1222.
	AtrInput in6 = v6(1232);
	in6.path_mtu = 1280;
	EXPECT_EQ(effective_atr_size(in6, defaults()), 1232u);
	EXPECT_EQ(decide(in6, defaults(), kAlways), AtrDecision::send);
	in6.path_mtu = 1270;
	EXPECT_EQ(effective_atr_size(in6, defaults()), 1222u);
	in6.answer_size = 1223;
	EXPECT_EQ(decide(in6, defaults(), kAlways), AtrDecision::send_with_atr);
	in6.answer_size = 1222;
	EXPECT_EQ(decide(in6, defaults(), kAlways), AtrDecision::send);
}

TEST(AtrPolicy, PathMtuAboveTheKnobChangesNothing)
{
	AtrInput in = v4(1473);
	in.path_mtu = 9000;
	EXPECT_EQ(effective_atr_size(in, defaults()), 1472u);
	in.answer_size = 1472;
	EXPECT_EQ(decide(in, defaults(), kAlways), AtrDecision::send);
}

TEST(AtrPolicy, UnknownOrTinyPathMtu)
{
	AtrInput in = v4(1472);
	in.path_mtu = 0; // unknown: the knob alone
	EXPECT_EQ(effective_atr_size(in, defaults()), 1472u);
	EXPECT_EQ(decide(in, defaults(), kAlways), AtrDecision::send);
	in.path_mtu = 28; // headers only: every non-empty answer qualifies
	EXPECT_EQ(effective_atr_size(in, defaults()), 0u);
	in.answer_size = 1;
	EXPECT_EQ(decide(in, defaults(), kAlways), AtrDecision::send_with_atr);
	in.path_mtu = 10; // nonsense below the headers: no wrap-around
	EXPECT_EQ(effective_atr_size(in, defaults()), 0u);
}

TEST(AtrPolicy, Disabled)
{
	AtrKnobs k = defaults();
	k.enabled = false;
	EXPECT_EQ(decide(v4(4000), k, kAlways), AtrDecision::send);
	EXPECT_EQ(decide(v6(4000), k, kAlways), AtrDecision::send);
}

TEST(AtrPolicy, AllowFlag)
{
	AtrInput in = v6(4000);
	in.client_allowed = false;
	EXPECT_EQ(decide(in, defaults(), kAlways), AtrDecision::send);
	in.client_allowed = true;
	EXPECT_EQ(decide(in, defaults(), kAlways), AtrDecision::send_with_atr);
}

TEST(AtrPolicy, ProbabilityZeroNeverHundredAlways)
{
	AtrKnobs k = defaults();
	for (std::uint32_t r = 0; r < 100; ++r) {
		k.probability = 0;
		EXPECT_EQ(decide(v4(4000), k, r), AtrDecision::send) << "draw " << r;
		k.probability = 100;
		EXPECT_EQ(decide(v4(4000), k, r), AtrDecision::send_with_atr) << "draw " << r;
	}
}

TEST(AtrPolicy, ProbabilityIsAStrictBoundOnTheDraw)
{
	AtrKnobs k = defaults();
	k.probability = 10; // draws 0..9 qualify: 10 %
	EXPECT_EQ(decide(v4(4000), k, 0), AtrDecision::send_with_atr);
	EXPECT_EQ(decide(v4(4000), k, 9), AtrDecision::send_with_atr);
	EXPECT_EQ(decide(v4(4000), k, 10), AtrDecision::send);
	EXPECT_EQ(decide(v4(4000), k, 99), AtrDecision::send);
	k.probability = 250; // above 100 acts as 100
	EXPECT_EQ(decide(v4(4000), k, 99), AtrDecision::send_with_atr);
}

TEST(AtrPolicy, SmallAnswerIsSentAloneWhateverTheDraw)
{
	EXPECT_EQ(decide(v4(100), defaults(), kAlways), AtrDecision::send);
	EXPECT_EQ(decide(v6(100), defaults(), kAlways), AtrDecision::send);
}

}  // namespace
}  // namespace xdpdns::daemon::atr
