// The stateless-TCP answer train: sequence numbers, flags, sizes, the FIN,
// and the answer stream reassembled from the segments.
#include "net/tcp_train.h"

#include <gtest/gtest.h>

#include "net_test_support.h"

namespace xdpdns::net {
namespace {

using test::Bytes;
using test::cat;

// Frames the train will have: [ACK] + ceil(total/segment_size) data, or
// [ACK] + a bare FIN for an empty stream. 0 if segment_size is 0.
size_t tcp_train_frame_count(const TcpTrainParams &p, size_t stream_length)
{
	if (p.segment_size == 0)
		return 0;
	const size_t data = (stream_length + p.segment_size - 1) / p.segment_size;
	return (p.leading_ack ? 1 : 0) + (data ? data : 1);
}

ReplyTemplate make_template(bool ipv6)
{
	ReplyTemplate t;
	t.dst_mac.bytes = {2, 0, 0, 0, 0, 1};
	t.src_mac.bytes = {2, 0, 0, 0, 0, 2};
	t.vlan_count = 1;
	t.vlan[0] = {0x8100, 0x0064};
	t.is_ipv6 = ipv6;
	if (ipv6) {
		t.src = IpAddress::from_v6(std::span<const uint8_t, 16>(test::kServer6.data(), 16));
		t.dst = IpAddress::from_v6(std::span<const uint8_t, 16>(test::kClient6.data(), 16));
	} else {
		t.src = IpAddress::from_v4(std::span<const uint8_t, 4>(test::kServer4.data(), 4));
		t.dst = IpAddress::from_v4(std::span<const uint8_t, 4>(test::kClient4.data(), 4));
	}
	t.sport = 53;
	t.dport = 40000;
	return t;
}

// A DNS message of `n` octets (content is a counter) with its 2-octet prefix.
Bytes prefixed_message(size_t n, uint8_t seed)
{
	Bytes m{static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
	for (size_t i = 0; i < n; i++)
		m.push_back(static_cast<uint8_t>(seed + i));
	return m;
}

struct Segment {
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t window;
	uint8_t doff;
	Bytes payload;
};

// Decodes every frame with parse_frame() and verifies its checksums with
// the reference implementation.
std::vector<Segment> decode(const ReplyTemplate &t, const std::vector<Bytes> &frames)
{
	std::vector<Segment> out;
	for (const Bytes &f : frames) {
		FrameView v;
		EXPECT_EQ(parse_frame(f, v), ParseError::ok);
		EXPECT_EQ(v.l3_end, f.size()) << "no trailing octets";
		EXPECT_EQ(v.src, t.src);
		EXPECT_EQ(v.dst, t.dst);
		EXPECT_EQ(v.sport, t.sport);
		EXPECT_EQ(v.dport, t.dport);
		EXPECT_EQ(v.vlan_count, 1);
		const test::RefFrameCheck c = test::ref_check_frame(f);
		EXPECT_TRUE(c.ip_checksum_ok && c.l4_checksum_ok);
		out.push_back({v.tcp_seq, v.tcp_ack, v.tcp_flags, v.tcp_window, v.tcp_data_offset,
			       Bytes(v.payload.begin(), v.payload.end())});
	}
	return out;
}

class TcpTrain : public ::testing::TestWithParam<bool> {};

// The FIN rides on the last data segment: ACK, data, data|PSH|FIN.
TEST_P(TcpTrain, AckDataFinWithTwoMessages)
{
	const ReplyTemplate t = make_template(GetParam());
	const Bytes m1 = prefixed_message(700, 1), m2 = prefixed_message(300, 9);
	const Bytes stream = cat({m1, m2});  // 1004 octets
	const std::span<const uint8_t> chunks[] = {m1, m2};
	TcpTrainParams p;
	p.seq = 0x10000001;
	p.ack = 0x20000030;
	p.window = 65535;
	p.segment_size = 512;
	p.leading_ack = true;
	ASSERT_EQ(tcp_train_frame_count(p, stream.size()), 3u);

	test::VectorSink sink;
	const EmitResult r = write_tcp_train(t, p, chunks, sink);
	EXPECT_TRUE(r.complete);
	ASSERT_EQ(r.frames, 3u);
	ASSERT_EQ(sink.frames.size(), 3u);
	const auto segs = decode(t, sink.frames);

	EXPECT_EQ(segs[0].flags, kTcpAck);
	EXPECT_EQ(segs[0].seq, p.seq);
	EXPECT_TRUE(segs[0].payload.empty());

	EXPECT_EQ(segs[1].flags, kTcpAck);
	EXPECT_EQ(segs[1].seq, p.seq);
	EXPECT_EQ(segs[1].payload.size(), 512u);
	EXPECT_EQ(segs[2].flags, kTcpAck | kTcpPsh | kTcpFin);
	EXPECT_EQ(segs[2].seq, p.seq + 512);
	EXPECT_EQ(segs[2].payload.size(), 492u);
	// The FIN's own sequence number: right after the last data octet.
	EXPECT_EQ(segs[2].seq + segs[2].payload.size(), p.seq + 1004);

	for (const Segment &s : segs) {
		EXPECT_EQ(s.ack, p.ack);
		EXPECT_EQ(s.window, 65535);
		EXPECT_EQ(s.doff, 5);
	}
	EXPECT_EQ(cat({segs[1].payload, segs[2].payload}), stream);
}

// The second message's length prefix straddles the segment boundary, and
// the messages arrive as four separate chunks (prefix, body, prefix, body).
TEST_P(TcpTrain, LengthPrefixSplitAcrossSegments)
{
	const ReplyTemplate t = make_template(GetParam());
	const Bytes m1 = prefixed_message(100, 3), m2 = prefixed_message(0x0150, 7);
	const std::span<const uint8_t> chunks[] = {std::span(m1).first(2), std::span(m1).subspan(2),
						   std::span(m2).first(2), std::span(m2).subspan(2)};
	TcpTrainParams p;
	p.seq = 5000;
	p.ack = 77;
	p.window = 1000;
	p.segment_size = 103;  // 102 octets of m1, then the first octet of m2's prefix
	test::VectorSink sink;
	const EmitResult r = write_tcp_train(t, p, chunks, sink);
	ASSERT_TRUE(r.complete);
	const auto segs = decode(t, sink.frames);
	const size_t total = m1.size() + m2.size();  // 102 + 338 = 440
	ASSERT_EQ(segs.size(), (total + 102) / 103);
	EXPECT_EQ(segs[0].payload.size(), 103u);
	EXPECT_EQ(segs[0].payload.back(), 0x01) << "high octet of 0x0150";
	EXPECT_EQ(segs[1].payload.front(), 0x50) << "low octet of 0x0150";

	Bytes joined;
	uint32_t expect_seq = p.seq;
	for (size_t i = 0; i < segs.size(); i++) {
		EXPECT_EQ(segs[i].seq, expect_seq) << "segment " << i;
		EXPECT_LE(segs[i].payload.size(), 103u);
		EXPECT_EQ(segs[i].flags, i + 1 == segs.size() ? (kTcpAck | kTcpPsh | kTcpFin) : kTcpAck);
		expect_seq += static_cast<uint32_t>(segs[i].payload.size());
		joined.insert(joined.end(), segs[i].payload.begin(), segs[i].payload.end());
	}
	EXPECT_EQ(joined, cat({m1, m2}));
	EXPECT_EQ(expect_seq, p.seq + total);
}

TEST_P(TcpTrain, ExactMultipleOfSegmentSize)
{
	const ReplyTemplate t = make_template(GetParam());
	const Bytes stream = prefixed_message(1022, 0);  // 1024 octets
	TcpTrainParams p{.seq = 1, .ack = 2, .window = 3, .segment_size = 512, .leading_ack = false};
	test::VectorSink sink;
	ASSERT_TRUE(write_tcp_train(t, p, stream, sink).complete);
	const auto segs = decode(t, sink.frames);
	ASSERT_EQ(segs.size(), 2u);
	EXPECT_EQ(segs[0].flags, kTcpAck);
	EXPECT_EQ(segs[0].payload.size(), 512u);
	EXPECT_EQ(segs[1].flags, kTcpAck | kTcpPsh | kTcpFin);
	EXPECT_EQ(segs[1].seq, 1u + 512u);
	EXPECT_EQ(segs[1].payload.size(), 512u);
}

TEST_P(TcpTrain, SequenceNumbersWrap)
{
	const ReplyTemplate t = make_template(GetParam());
	const Bytes stream = prefixed_message(598, 0);  // 600 octets
	TcpTrainParams p{.seq = 0xffffff00u, .ack = 9, .window = 512, .segment_size = 512};
	test::VectorSink sink;
	ASSERT_TRUE(write_tcp_train(t, p, stream, sink).complete);
	const auto segs = decode(t, sink.frames);
	ASSERT_EQ(segs.size(), 2u);
	EXPECT_EQ(segs[0].seq, 0xffffff00u);
	EXPECT_EQ(segs[1].seq, 0x00000100u);  // 0xffffff00 + 512 mod 2^32
	EXPECT_EQ(segs[1].seq + segs[1].payload.size(), 0x00000158u);  // the FIN: + 600
}

TEST_P(TcpTrain, EmptyStreamIsAckAndFin)
{
	const ReplyTemplate t = make_template(GetParam());
	TcpTrainParams p{.seq = 40, .ack = 50, .window = 60, .segment_size = 512, .leading_ack = true};
	test::VectorSink sink;
	const EmitResult r = write_tcp_train(t, p, std::span<const uint8_t>{}, sink);
	EXPECT_TRUE(r.complete);
	EXPECT_EQ(r.frames, tcp_train_frame_count(p, 0));
	const auto segs = decode(t, sink.frames);
	ASSERT_EQ(segs.size(), 2u);
	EXPECT_EQ(segs[0].flags, kTcpAck);
	EXPECT_EQ(segs[1].flags, kTcpFin | kTcpAck);
	EXPECT_EQ(segs[1].seq, 40u);
}

TEST_P(TcpTrain, SinkRunsOut)
{
	const ReplyTemplate t = make_template(GetParam());
	const Bytes stream = prefixed_message(1200, 0);
	TcpTrainParams p{.seq = 1, .ack = 1, .window = 1, .segment_size = 512, .leading_ack = true};
	ASSERT_EQ(tcp_train_frame_count(p, stream.size()), 4u);
	for (size_t cap = 0; cap < 4; cap++) {
		test::VectorSink sink(cap);
		const EmitResult r = write_tcp_train(t, p, stream, sink);
		EXPECT_FALSE(r.complete) << cap;
		EXPECT_EQ(r.frames, cap);
		EXPECT_EQ(sink.frames.size(), cap);
	}
	test::VectorSink enough(4);
	EXPECT_TRUE(write_tcp_train(t, p, stream, enough).complete);
}

TEST_P(TcpTrain, FrameTooSmallForSegmentFails)
{
	const ReplyTemplate t = make_template(GetParam());
	const Bytes stream = prefixed_message(600, 0);
	TcpTrainParams p{.seq = 1, .ack = 1, .window = 1, .segment_size = 512};
	const size_t need = t.l2_length() + t.ip_header_length() + 20 + 512;
	test::VectorSink small(8, need - 1);
	const EmitResult r = write_tcp_train(t, p, stream, small);
	EXPECT_FALSE(r.complete);
	EXPECT_EQ(r.frames, 0u);
	test::VectorSink exact(8, need);
	EXPECT_TRUE(write_tcp_train(t, p, stream, exact).complete);
}

TEST_P(TcpTrain, ZeroSegmentSizeIsRefused)
{
	const ReplyTemplate t = make_template(GetParam());
	const Bytes stream = prefixed_message(10, 0);
	TcpTrainParams p{.seq = 1, .ack = 1, .window = 1, .segment_size = 0, .leading_ack = true};
	test::VectorSink sink;
	const EmitResult r = write_tcp_train(t, p, stream, sink);
	EXPECT_FALSE(r.complete);
	EXPECT_EQ(r.frames, 0u);
	EXPECT_TRUE(sink.frames.empty());
	EXPECT_EQ(tcp_train_frame_count(p, 10), 0u);
}

TEST_P(TcpTrain, EmptyChunksAreSkipped)
{
	const ReplyTemplate t = make_template(GetParam());
	const Bytes m = prefixed_message(20, 0);
	const std::span<const uint8_t> chunks[] = {{}, std::span(m).first(5), {}, {}, std::span(m).subspan(5), {}};
	TcpTrainParams p{.seq = 1, .ack = 1, .window = 1, .segment_size = 8};
	test::VectorSink sink;
	ASSERT_TRUE(write_tcp_train(t, p, chunks, sink).complete);
	const auto segs = decode(t, sink.frames);
	Bytes joined;
	for (const auto &s : segs)
		joined.insert(joined.end(), s.payload.begin(), s.payload.end());
	EXPECT_EQ(joined, m);
	EXPECT_EQ(segs.size(), 3u);
}

INSTANTIATE_TEST_SUITE_P(Family, TcpTrain, ::testing::Values(false, true),
			 [](const auto &info) { return info.param ? "IPv6" : "IPv4"; });

}  // namespace
}  // namespace xdpdns::net
