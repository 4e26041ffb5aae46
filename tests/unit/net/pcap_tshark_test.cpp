// A second, fully independent opinion on our checksums: frames from every
// writer go into a pcap and tshark verifies IPv4, TCP and UDP checksums
// (UDP after reassembling our IP fragments).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "net/fragment.h"
#include "net/reply.h"
#include "net/tcp_train.h"
#include "net_test_support.h"

namespace xdpdns::net {
namespace {

using test::Bytes;

void write_pcap(const std::string &path, const std::vector<Bytes> &frames)
{
	std::ofstream out(path, std::ios::binary);
	auto u32 = [&](uint32_t v) { out.write(reinterpret_cast<const char *>(&v), 4); };
	auto u16 = [&](uint16_t v) { out.write(reinterpret_cast<const char *>(&v), 2); };
	u32(0xa1b2c3d4);  // microsecond pcap, host order
	u16(2);
	u16(4);
	u32(0);
	u32(0);
	u32(65535);
	u32(1);  // LINKTYPE_ETHERNET
	uint32_t usec = 0;
	for (const Bytes &f : frames) {
		u32(1700000000);
		u32(usec++);
		u32(static_cast<uint32_t>(f.size()));
		u32(static_cast<uint32_t>(f.size()));
		out.write(reinterpret_cast<const char *>(f.data()), static_cast<std::streamsize>(f.size()));
	}
}

std::string run(const std::string &cmd)
{
	std::string output;
	FILE *p = popen(cmd.c_str(), "r");
	if (!p)
		return output;
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		output.append(buf, n);
	pclose(p);
	return output;
}

ReplyTemplate make_template(bool ipv6, uint8_t tags)
{
	ReplyTemplate t;
	t.dst_mac.bytes = {2, 0, 0, 0, 0, 1};
	t.src_mac.bytes = {2, 0, 0, 0, 0, 2};
	t.vlan_count = tags;
	t.vlan[0] = {0x8100, 0x0064};
	t.vlan[1] = {0x8100, 0x0065};
	t.is_ipv6 = ipv6;
	t.src = ipv6 ? IpAddress::from_v6(std::span<const uint8_t, 16>(test::kServer6.data(), 16))
		     : IpAddress::from_v4(std::span<const uint8_t, 4>(test::kServer4.data(), 4));
	t.dst = ipv6 ? IpAddress::from_v6(std::span<const uint8_t, 16>(test::kClient6.data(), 16))
		     : IpAddress::from_v4(std::span<const uint8_t, 4>(test::kClient4.data(), 4));
	t.sport = 53;
	t.dport = 40000;
	return t;
}

TEST(Tshark, AcceptsEveryChecksum)
{
	if (access("/usr/bin/tshark", X_OK) != 0)
		GTEST_SKIP() << "tshark not installed: checksum cross-check with Wireshark skipped";

	std::vector<Bytes> frames;
	size_t l4_packets = 0, ipv4_frames = 0;
	Bytes payload(4000);
	for (size_t i = 0; i < payload.size(); i++)
		payload[i] = static_cast<uint8_t>(i * 13 + 5);

	for (bool ipv6 : {false, true}) {
		for (uint8_t tags : {0, 2}) {
			const ReplyTemplate t = make_template(ipv6, tags);
			const size_t before = frames.size();
			Bytes buf(9000);
			// Odd payload lengths exercise the padding octet of the sum.
			size_t len = write_udp(t, std::span(payload).first(333), buf);
			frames.emplace_back(buf.begin(), buf.begin() + len);
			len = write_tcp(t, 7, 8, kTcpAck | kTcpFin, 512, std::span(payload).first(77), buf);
			frames.emplace_back(buf.begin(), buf.begin() + len);
			l4_packets += 2;

			test::VectorSink train;
			TcpTrainParams p{.seq = 1000, .ack = 2000, .window = 65535, .segment_size = 512,
					 .leading_ack = true};
			const std::span<const uint8_t> chunks[] = {std::span(payload).first(1001),
								   std::span(payload).subspan(1001, 600)};
			EXPECT_TRUE(write_tcp_train(t, p, chunks, train).complete);
			frames.insert(frames.end(), train.frames.begin(), train.frames.end());
			l4_packets += train.frames.size();

			test::VectorSink frags(64, 9000);
			EXPECT_TRUE(write_udp_fragments(t, payload, ipv6 ? 1280 : 576, 0x1000u + tags + ipv6, frags)
					    .complete);
			frames.insert(frames.end(), frags.frames.begin(), frags.frames.end());
			l4_packets += 1;  // tshark checks UDP once, on the reassembled datagram
			if (!ipv6)
				ipv4_frames += frames.size() - before;
		}
	}
	// One corrupted frame, so the check is shown to be able to fail.
	Bytes bad = frames.front();
	ASSERT_GT(bad.size(), 60u);
	bad[bad.size() - 1] ^= 0x01;
	frames.push_back(bad);
	const size_t bad_frame_number = frames.size();
	ipv4_frames++;

	char dir[] = "/tmp/xdpdns-net-pcap-XXXXXX";
	ASSERT_NE(mkdtemp(dir), nullptr);
	const std::string path = std::string(dir) + "/frames.pcap";
	write_pcap(path, frames);
	const std::string out = run(
		"/usr/bin/tshark -n -r " + path +
		" -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE"
		" -T fields -E separator=, -E occurrence=l"
		" -e frame.number -e ip.checksum.status -e tcp.checksum.status -e udp.checksum.status 2>/dev/null");
	std::remove(path.c_str());
	rmdir(dir);

	// Status values: 0 bad, 1 good, 2 unverified.
	size_t lines = 0, ip_good = 0, l4_good = 0, bad_seen = 0;
	std::istringstream in(out);
	std::string line;
	while (std::getline(in, line)) {
		lines++;
		std::istringstream fields(line);
		std::string num, ip, tcp, udp;
		std::getline(fields, num, ',');
		std::getline(fields, ip, ',');
		std::getline(fields, tcp, ',');
		std::getline(fields, udp, ',');
		ip_good += ip == "1";
		l4_good += (tcp == "1") + (udp == "1");
		if (ip == "0" || tcp == "0" || udp == "0") {
			bad_seen++;
			EXPECT_EQ(num, std::to_string(bad_frame_number)) << "bad checksum: " << line;
		}
	}
	ASSERT_EQ(lines, frames.size()) << out;
	EXPECT_EQ(bad_seen, 1u) << out;
	EXPECT_EQ(ip_good, ipv4_frames) << out;
	EXPECT_EQ(l4_good, l4_packets) << out;
}

}  // namespace
}  // namespace xdpdns::net
