// The UDP answer limit: the client's buffer, udp.max-size and the datagram.
#include "dns/udp_limit.h"

#include <gtest/gtest.h>

namespace xdpdns::dns {
namespace {

TEST(UdpAnswerLimit, TheSmallestOfClientBufferCapAndDatagram)
{
	// dig +bufsize=4096 against the default cap: 1232.
	EXPECT_EQ(udp_answer_limit(4096, 1232, false), 1232u);
	EXPECT_EQ(udp_answer_limit(4096, 1232, true), 1232u);
	// A client with a smaller buffer than the cap keeps its own.
	EXPECT_EQ(udp_answer_limit(1000, 1232, false), 1000u);
	// No EDNS: 512 whatever the cap.
	EXPECT_EQ(udp_answer_limit(512, 1232, false), 512u);
	EXPECT_EQ(udp_answer_limit(512, 65535, true), 512u);
	// A raised cap lets large buffers through, up to one datagram.
	EXPECT_EQ(udp_answer_limit(4096, 65535, false), 4096u);
	EXPECT_EQ(udp_answer_limit(65535, 65535, false), 65535u - 20 - 8);
	EXPECT_EQ(udp_answer_limit(65535, 65535, true), 65535u - 8);
}

TEST(UdpAnswerLimit, NeverBelowTheDnsMinimum)
{
	// An unset cap (0) or a client advertising less than 512 (RFC 6891:
	// treated as 512).
	EXPECT_EQ(udp_answer_limit(4096, 0, false), 512u);
	EXPECT_EQ(udp_answer_limit(100, 1232, false), 512u);
}

}  // namespace
}  // namespace xdpdns::dns
