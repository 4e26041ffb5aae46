// UDP fragmentation: the fragments are reassembled here by an independent
// reassembler (fixed-offset decoding, no library code) and compared with
// the datagram we meant to send, octet for octet.
#include "net/fragment.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "net_test_support.h"

namespace xdpdns::net {
namespace {

using test::Bytes;
using test::cat;
using test::rd16;
using test::rd32;

ReplyTemplate make_template(bool ipv6, uint8_t tags, uint8_t client_last_octet = 1)
{
	ReplyTemplate t;
	t.dst_mac.bytes = {2, 0, 0, 0, 0, 1};
	t.src_mac.bytes = {2, 0, 0, 0, 0, 2};
	t.vlan_count = tags;
	t.vlan[0] = {0x88a8, 0x0001};
	t.vlan[1] = {0x8100, 0x0064};
	t.is_ipv6 = ipv6;
	Bytes client = ipv6 ? test::kClient6 : test::kClient4;
	client.back() = client_last_octet;
	if (ipv6) {
		t.src = IpAddress::from_v6(std::span<const uint8_t, 16>(test::kServer6.data(), 16));
		t.dst = IpAddress::from_v6(std::span<const uint8_t, 16>(client.data(), 16));
	} else {
		t.src = IpAddress::from_v4(std::span<const uint8_t, 4>(test::kServer4.data(), 4));
		t.dst = IpAddress::from_v4(std::span<const uint8_t, 4>(client.data(), 4));
	}
	t.sport = 53;
	t.dport = 40000;
	return t;
}

Bytes make_payload(size_t n)
{
	Bytes b(n);
	for (size_t i = 0; i < n; i++)
		b[i] = static_cast<uint8_t>(i * 7 + i / 251);  // no short period
	return b;
}

struct Reassembled {
	Bytes datagram;            // UDP header + payload
	uint32_t id = 0;
	size_t fragments = 0;
	std::vector<size_t> sizes; // frame lengths
};

// Independent reassembly with every per-fragment check of the contract.
// Fails the test (and returns what it has) on any violation.
Reassembled reassemble(const ReplyTemplate &t, const std::vector<Bytes> &frames, uint32_t mtu)
{
	Reassembled r;
	std::map<size_t, Bytes> pieces;  // offset -> data
	bool saw_last = false;
	std::set<uint32_t> ids;
	const size_t l2 = 14 + 4 * t.vlan_count;
	for (size_t i = 0; i < frames.size(); i++) {
		const Bytes &f = frames[i];
		SCOPED_TRACE("fragment " + std::to_string(i));
		r.sizes.push_back(f.size());
		EXPECT_LE(f.size(), l2 + mtu) << "frame larger than L2 + MTU";
		EXPECT_EQ(rd16(f, 12), t.vlan_count ? t.vlan[0].tpid : (t.is_ipv6 ? 0x86dd : 0x0800));
		size_t off = l2;
		size_t frag_offset;
		bool more;
		Bytes data;
		if (!t.is_ipv6) {
			EXPECT_EQ(rd16(f, off - 2), 0x0800);
			EXPECT_EQ(f[off], 0x45);
			EXPECT_EQ(f[off + 1], 0);
			EXPECT_EQ(rd16(f, off + 2), f.size() - l2) << "total length";
			EXPECT_EQ(f[off + 8], 64);
			EXPECT_EQ(f[off + 9], 17);
			EXPECT_EQ(test::ref_ones_sum(std::span(f).subspan(off, 20)), 0xffff) << "IPv4 header checksum";
			const uint16_t ff = rd16(f, off + 6);
			EXPECT_EQ(ff & 0x8000, 0) << "reserved flag";
			EXPECT_EQ(ff & 0x4000, 0) << "DF must be clear on fragments";
			more = ff & 0x2000;
			frag_offset = (ff & 0x1fff) * 8u;
			ids.insert(rd16(f, off + 4));
			EXPECT_TRUE(std::equal(f.begin() + off + 12, f.begin() + off + 16, t.src.v4().begin()));
			EXPECT_TRUE(std::equal(f.begin() + off + 16, f.begin() + off + 20, t.dst.v4().begin()));
			data.assign(f.begin() + off + 20, f.end());
		} else {
			EXPECT_EQ(rd16(f, off - 2), 0x86dd);
			EXPECT_EQ(rd32(f, off), 0x60000000u);
			EXPECT_EQ(rd16(f, off + 4), f.size() - l2 - 40) << "payload length";
			EXPECT_EQ(f[off + 6], 44) << "next header: Fragment";
			EXPECT_EQ(f[off + 7], 64);
			EXPECT_TRUE(std::equal(f.begin() + off + 8, f.begin() + off + 24, t.src.bytes.begin()));
			EXPECT_TRUE(std::equal(f.begin() + off + 24, f.begin() + off + 40, t.dst.bytes.begin()));
			const size_t fh = off + 40;
			EXPECT_EQ(f[fh], 17) << "Fragment header next header";
			EXPECT_EQ(f[fh + 1], 0) << "reserved";
			const uint16_t om = rd16(f, fh + 2);
			EXPECT_EQ(om & 0x6, 0) << "Res bits";
			more = om & 1;
			frag_offset = (om >> 3) * 8u;
			ids.insert(rd32(f, fh + 4));
			data.assign(f.begin() + fh + 8, f.end());
		}
		if (more)
			EXPECT_EQ(data.size() % 8, 0u) << "non-last fragment must carry a multiple of 8";
		else {
			EXPECT_FALSE(saw_last) << "two last fragments";
			saw_last = true;
		}
		EXPECT_FALSE(data.empty());
		EXPECT_TRUE(pieces.emplace(frag_offset, data).second) << "duplicate offset";
	}
	EXPECT_TRUE(saw_last);
	EXPECT_EQ(ids.size(), 1u) << "all fragments carry one ID";
	if (!ids.empty())
		r.id = *ids.begin();
	size_t expect = 0;
	for (const auto &[o, d] : pieces) {
		EXPECT_EQ(o, expect) << "gap or overlap at " << o;
		r.datagram.insert(r.datagram.end(), d.begin(), d.end());
		expect = o + d.size();
	}
	r.fragments = frames.size();
	return r;
}

// Checks the reassembled UDP datagram with the reference checksum.
void expect_datagram(const ReplyTemplate &t, const Reassembled &r, const Bytes &payload)
{
	ASSERT_GE(r.datagram.size(), 8u);
	EXPECT_EQ(rd16(r.datagram, 0), t.sport);
	EXPECT_EQ(rd16(r.datagram, 2), t.dport);
	EXPECT_EQ(rd16(r.datagram, 4), r.datagram.size());
	EXPECT_NE(rd16(r.datagram, 6), 0) << "checksum must be present";
	const Bytes pseudo =
		t.is_ipv6 ? test::ref_pseudo_v6(t.src.bytes, t.dst.bytes, 17, r.datagram.size())
			  : test::ref_pseudo_v4(t.src.v4(), t.dst.v4(), 17, static_cast<uint16_t>(r.datagram.size()));
	EXPECT_EQ(test::ref_ones_sum(cat({pseudo, r.datagram})), 0xffff) << "UDP checksum";
	EXPECT_TRUE(std::equal(r.datagram.begin() + 8, r.datagram.end(), payload.begin(), payload.end()))
		<< "payload differs after reassembly";
}

struct FragCase {
	bool ipv6;
	uint8_t tags;
	uint32_t mtu;
	size_t payload;
	size_t frames;  // expected count
};

class Fragment : public ::testing::TestWithParam<FragCase> {};

TEST_P(Fragment, ReassemblesToTheDatagram)
{
	const FragCase c = GetParam();
	const ReplyTemplate t = make_template(c.ipv6, c.tags);
	const Bytes payload = make_payload(c.payload);
	ASSERT_EQ(udp_fragment_count(t, payload.size(), c.mtu), c.frames);
	test::VectorSink sink(64, 10000);
	const EmitResult r = write_udp_fragments(t, payload, c.mtu, 0x9abcdef1u, sink);
	ASSERT_TRUE(r.complete);
	ASSERT_EQ(r.frames, c.frames);
	ASSERT_EQ(sink.frames.size(), c.frames);
	const Reassembled re = reassemble(t, sink.frames, c.mtu);
	EXPECT_EQ(re.id, c.ipv6 ? 0x9abcdef1u : 0xdef1u);
	expect_datagram(t, re, payload);
	// Every fragment but the last uses the whole MTU (rounded down to 8).
	const size_t l2 = t.l2_length();
	const size_t hdr = c.ipv6 ? 48 : 20;
	for (size_t i = 0; i + 1 < sink.frames.size(); i++)
		EXPECT_EQ(sink.frames[i].size(), l2 + hdr + ((c.mtu - hdr) & ~size_t{7})) << i;
}

INSTANTIATE_TEST_SUITE_P(
	Sizes, Fragment,
	::testing::Values(
		// 4000-octet answers at the common MTUs.
		FragCase{false, 0, 1500, 4000, 3},   // 1480 per fragment: 4008 -> 3
		FragCase{false, 1, 576, 4000, 8},    // 552: 4008 -> 8
		FragCase{false, 2, 1280, 4000, 4},   // 1256: 4008 -> 4
		FragCase{true, 0, 1280, 4000, 4},    // 1232: 4008 -> 4
		FragCase{true, 1, 1500, 4000, 3},    // 1448: 4008 -> 3
		FragCase{true, 2, 1280, 1232 + 1, 2},
		// Datagram one octet above the MTU: two fragments.
		FragCase{false, 0, 1500, 1500 - 28 + 1, 2},
		FragCase{true, 0, 1500, 1500 - 48 + 1, 2},
		// Fragment data exactly a multiple of the stride.
		FragCase{false, 0, 1500, 1480 * 2 - 8, 2},
		// IPv6 MTU not a multiple of 8 past the headers: stride rounds down.
		FragCase{true, 0, 1283, 3000, 3},
		// Largest IPv4 datagram (total length 65535).
		FragCase{false, 0, 1500, 65535 - 28, 45},
		FragCase{true, 0, 9000, 65535 - 8, 8}),
	[](const auto &info) {
		const FragCase &c = info.param;
		return std::string(c.ipv6 ? "v6" : "v4") + "_tags" + std::to_string(c.tags) + "_mtu" +
		       std::to_string(c.mtu) + "_len" + std::to_string(c.payload);
	});

// A datagram that fits is sent whole, as write_udp would (DF set, ID 0).
TEST(FragmentEdge, PayloadExactlyMtuIsOneFrame)
{
	for (bool ipv6 : {false, true}) {
		const ReplyTemplate t = make_template(ipv6, 1);
		const uint32_t mtu = ipv6 ? 1280 : 576;
		const Bytes payload = make_payload(mtu - (ipv6 ? 48 : 28));
		test::VectorSink sink(8, 2048);
		const EmitResult r = write_udp_fragments(t, payload, mtu, 1234, sink);
		ASSERT_TRUE(r.complete);
		ASSERT_EQ(sink.frames.size(), 1u);
		EXPECT_EQ(sink.frames[0].size(), t.l2_length() + mtu);
		Bytes plain(2048);
		const size_t len = write_udp(t, payload, plain);
		plain.resize(len);
		EXPECT_EQ(sink.frames[0], plain);
	}
}

TEST(FragmentEdge, MtuTooSmallOrDatagramTooLargeFails)
{
	const Bytes payload = make_payload(100);
	test::VectorSink sink;
	const ReplyTemplate t4 = make_template(false, 0), t6 = make_template(true, 0);
	EXPECT_EQ(udp_fragment_count(t4, payload.size(), 27), 0u);  // 20 + 7: no 8-octet unit
	EXPECT_FALSE(write_udp_fragments(t4, payload, 27, 1, sink).complete);
	EXPECT_EQ(udp_fragment_count(t4, payload.size(), 28), 14u);  // 108 / 8 rounded up
	EXPECT_EQ(udp_fragment_count(t6, payload.size(), 55), 0u);
	EXPECT_EQ(udp_fragment_count(t4, 65535 - 28 + 1, 1500), 0u);
	EXPECT_EQ(udp_fragment_count(t6, 65535 - 8 + 1, 1500), 0u);
	EXPECT_TRUE(sink.frames.empty());
}

TEST(FragmentEdge, SinkRunsOut)
{
	const ReplyTemplate t = make_template(true, 0);
	const Bytes payload = make_payload(4000);
	test::VectorSink sink(2, 2048);
	const EmitResult r = write_udp_fragments(t, payload, 1280, 5, sink);
	EXPECT_FALSE(r.complete);
	EXPECT_EQ(r.frames, 2u);
	test::VectorSink small(8, 14 + 1280 - 1);
	EXPECT_FALSE(write_udp_fragments(t, payload, 1280, 5, small).complete);
	EXPECT_TRUE(small.frames.empty());
}

TEST(FragmentIds, DifferBetweenCallsAndDestinations)
{
	const xdpdns_siphash_key key{0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
	FragmentIdGenerator gen(key);
	const ReplyTemplate a = make_template(true, 0, 1), b = make_template(true, 0, 2);
	std::set<uint32_t> seen;
	for (int i = 0; i < 1000; i++) {
		seen.insert(gen.next(a.dst));
		seen.insert(gen.next(b.dst));
	}
	EXPECT_EQ(seen.size(), 2000u) << "32-bit IDs repeating within 2000 draws";

	// Same key, same sequence: deterministic for a given key and counter...
	FragmentIdGenerator g1(key), g2(key);
	EXPECT_EQ(g1.next(a.dst), g2.next(a.dst));
	// ...but another destination at the same counter gets another ID.
	FragmentIdGenerator g3(key);
	EXPECT_NE(g1.next(a.dst), g3.next(b.dst));

	// Random keys: two generators disagree.
	FragmentIdGenerator r1, r2;
	EXPECT_NE(r1.next(a.dst), r2.next(a.dst));
}

TEST(FragmentIds, GeneratorIdTravelsInEveryFragment)
{
	const xdpdns_siphash_key key{1, 2};
	for (bool ipv6 : {false, true}) {
		FragmentIdGenerator gen(key), mirror(key);
		const ReplyTemplate t = make_template(ipv6, 0);
		const Bytes payload = make_payload(3000);
		test::VectorSink s1, s2;
		ASSERT_TRUE(write_udp_fragments(t, payload, 1280, gen, s1).complete);
		ASSERT_TRUE(write_udp_fragments(t, payload, 1280, gen, s2).complete);
		const Reassembled r1 = reassemble(t, s1.frames, 1280);
		const Reassembled r2 = reassemble(t, s2.frames, 1280);
		const uint32_t want1 = mirror.next(t.dst), want2 = mirror.next(t.dst);
		EXPECT_EQ(r1.id, ipv6 ? want1 : (want1 & 0xffff));
		EXPECT_EQ(r2.id, ipv6 ? want2 : (want2 & 0xffff));
		EXPECT_NE(r1.id, r2.id);
		expect_datagram(t, r2, payload);
	}
}

// A datagram that fits takes no ID from the generator.
TEST(FragmentIds, UnfragmentedDatagramDoesNotConsumeAnId)
{
	const xdpdns_siphash_key key{3, 4};
	FragmentIdGenerator gen(key), mirror(key);
	const ReplyTemplate t = make_template(true, 0);
	test::VectorSink sink;
	ASSERT_TRUE(write_udp_fragments(t, make_payload(100), 1280, gen, sink).complete);
	EXPECT_EQ(gen.next(t.dst), mirror.next(t.dst));
}

}  // namespace
}  // namespace xdpdns::net
