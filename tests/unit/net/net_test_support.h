// Test-only helpers for the packet library tests: an independent Internet
// checksum (plain 16-bit word loop, written without the library), a small
// frame builder for crafted queries, and a FrameSink that keeps frames.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "net/frame.h"
#include "net/frame_sink.h"

namespace xdpdns::net::test {

using Bytes = std::vector<uint8_t>;

inline Bytes from_hex(std::string_view hex)
{
	Bytes out;
	int hi = -1;
	for (char c : hex) {
		int v;
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else
			continue;  // spaces, newlines, separators
		if (hi < 0) {
			hi = v;
		} else {
			out.push_back(static_cast<uint8_t>(hi << 4 | v));
			hi = -1;
		}
	}
	return out;
}

inline std::string to_hex(std::span<const uint8_t> b)
{
	static const char digits[] = "0123456789abcdef";
	std::string s;
	for (size_t i = 0; i < b.size(); i++) {
		if (i && i % 16 == 0)
			s += '\n';
		else if (i)
			s += ' ';
		s += digits[b[i] >> 4];
		s += digits[b[i] & 15];
	}
	return s;
}

inline Bytes cat(std::initializer_list<std::span<const uint8_t>> parts)
{
	Bytes out;
	for (auto p : parts)
		out.insert(out.end(), p.begin(), p.end());
	return out;
}

inline uint16_t rd16(std::span<const uint8_t> b, size_t off)
{
	return static_cast<uint16_t>(b[off] << 8 | b[off + 1]);
}

inline uint32_t rd32(std::span<const uint8_t> b, size_t off)
{
	return static_cast<uint32_t>(rd16(b, off)) << 16 | rd16(b, off + 2);
}

inline void wr16(Bytes &b, size_t off, uint16_t v)
{
	b[off] = static_cast<uint8_t>(v >> 8);
	b[off + 1] = static_cast<uint8_t>(v);
}

// ---- independent checksum: RFC 1071 section 4.1, one 16-bit word at a time

inline uint16_t ref_ones_sum(std::span<const uint8_t> data)
{
	uint32_t sum = 0;
	for (size_t i = 0; i < data.size(); i += 2) {
		uint32_t word = static_cast<uint32_t>(data[i]) << 8;
		if (i + 1 < data.size())
			word |= data[i + 1];
		sum += word;
		if (sum > 0xffff)
			sum -= 0xffff;  // end-around carry
	}
	return static_cast<uint16_t>(sum);
}

inline uint16_t ref_checksum(std::span<const uint8_t> data)
{
	return static_cast<uint16_t>(~ref_ones_sum(data));
}

inline Bytes ref_pseudo_v4(std::span<const uint8_t> src4, std::span<const uint8_t> dst4,
			   uint8_t proto, uint16_t len)
{
	Bytes p = cat({src4, dst4});
	p.push_back(0);
	p.push_back(proto);
	p.push_back(static_cast<uint8_t>(len >> 8));
	p.push_back(static_cast<uint8_t>(len));
	return p;
}

inline Bytes ref_pseudo_v6(std::span<const uint8_t> src16, std::span<const uint8_t> dst16,
			   uint8_t proto, uint32_t len)
{
	Bytes p = cat({src16, dst16});
	for (int s = 24; s >= 0; s -= 8)
		p.push_back(static_cast<uint8_t>(len >> s));
	p.insert(p.end(), {0, 0, 0, proto});
	return p;
}

// Checks a frame of the shapes our writers produce (Ethernet, tags, IPv4
// IHL 5 or IPv6 without extension headers, TCP or UDP, not fragmented) with
// the reference sum only. Decoding here uses fixed offsets on purpose: it
// must not share code with parse_frame().
struct RefFrameCheck {
	bool parsed = false;
	bool ip_checksum_ok = false;  // true for IPv6 (no header checksum)
	bool l4_checksum_ok = false;
	size_t l3_offset = 0;
	size_t l4_offset = 0;
};

inline RefFrameCheck ref_check_frame(std::span<const uint8_t> f)
{
	RefFrameCheck r;
	size_t off = 12;
	while (f.size() >= off + 2 && (rd16(f, off) == 0x8100 || rd16(f, off) == 0x88a8))
		off += 4;
	if (f.size() < off + 2)
		return r;
	const uint16_t type = rd16(f, off);
	off += 2;
	r.l3_offset = off;
	uint8_t proto;
	Bytes pseudo;
	size_t l4_len;
	if (type == 0x0800) {
		if (f.size() < off + 20 || f[off] != 0x45)
			return r;
		const size_t total = rd16(f, off + 2);
		if (f.size() < off + total || total < 20)
			return r;
		r.ip_checksum_ok = ref_ones_sum(f.subspan(off, 20)) == 0xffff;
		proto = f[off + 9];
		l4_len = total - 20;
		pseudo = ref_pseudo_v4(f.subspan(off + 12, 4), f.subspan(off + 16, 4), proto,
				       static_cast<uint16_t>(l4_len));
		off += 20;
	} else if (type == 0x86dd) {
		if (f.size() < off + 40)
			return r;
		l4_len = rd16(f, off + 4);
		if (f.size() < off + 40 + l4_len)
			return r;
		r.ip_checksum_ok = true;
		proto = f[off + 6];
		pseudo = ref_pseudo_v6(f.subspan(off + 8, 16), f.subspan(off + 24, 16), proto,
				       static_cast<uint32_t>(l4_len));
		off += 40;
	} else {
		return r;
	}
	r.l4_offset = off;
	if (proto != 6 && proto != 17)
		return r;
	r.parsed = true;
	Bytes all = cat({pseudo, f.subspan(off, l4_len)});
	r.l4_checksum_ok = ref_ones_sum(all) == 0xffff;
	return r;
}

// ---- frame builder for crafted queries

inline Bytes eth_header(std::span<const uint8_t> dst, std::span<const uint8_t> src,
			std::initializer_list<VlanTag> tags, uint16_t type)
{
	Bytes b = cat({dst, src});
	for (const VlanTag &t : tags) {
		b.insert(b.end(), {0, 0, 0, 0});
		wr16(b, b.size() - 4, t.tpid);
		wr16(b, b.size() - 2, t.tci);
	}
	b.insert(b.end(), {0, 0});
	wr16(b, b.size() - 2, type);
	return b;
}

// IPv4 header with `options` (a multiple of 4 octets) and a correct checksum.
inline Bytes ipv4_header(std::span<const uint8_t> src4, std::span<const uint8_t> dst4,
			 uint8_t proto, size_t l4_len, std::span<const uint8_t> options = {},
			 uint16_t id = 0x1234, uint16_t flags_frag = 0x4000, uint8_t ttl = 61)
{
	const size_t hl = 20 + options.size();
	Bytes h(20);
	h[0] = static_cast<uint8_t>(0x40 | hl / 4);
	wr16(h, 2, static_cast<uint16_t>(hl + l4_len));
	wr16(h, 4, id);
	wr16(h, 6, flags_frag);
	h[8] = ttl;
	h[9] = proto;
	std::copy(src4.begin(), src4.end(), h.begin() + 12);
	std::copy(dst4.begin(), dst4.end(), h.begin() + 16);
	h.insert(h.end(), options.begin(), options.end());
	wr16(h, 10, ref_checksum(h));
	return h;
}

inline Bytes ipv6_header(std::span<const uint8_t> src16, std::span<const uint8_t> dst16,
			 uint8_t next, size_t payload_len, uint8_t hlim = 61)
{
	Bytes h(8);
	h[0] = 0x60;
	wr16(h, 4, static_cast<uint16_t>(payload_len));
	h[6] = next;
	h[7] = hlim;
	return cat({h, src16, dst16});
}

// A generic IPv6 extension header (hop-by-hop/routing/dest-opts shape) of
// 8 * (1 + hdr_ext_len) octets, padded with PadN-like filler.
inline Bytes ipv6_ext(uint8_t next, uint8_t hdr_ext_len)
{
	Bytes h(8u * (1u + hdr_ext_len), 0);
	h[0] = next;
	h[1] = hdr_ext_len;
	h[2] = 1;  // PadN
	h[3] = static_cast<uint8_t>(h.size() - 4);
	return h;
}

inline Bytes tcp_segment(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
			 uint8_t flags, uint16_t window, std::span<const uint8_t> options = {},
			 std::span<const uint8_t> payload = {})
{
	Bytes h(20);
	wr16(h, 0, sport);
	wr16(h, 2, dport);
	wr16(h, 4, static_cast<uint16_t>(seq >> 16));
	wr16(h, 6, static_cast<uint16_t>(seq));
	wr16(h, 8, static_cast<uint16_t>(ack >> 16));
	wr16(h, 10, static_cast<uint16_t>(ack));
	h[12] = static_cast<uint8_t>((20 + options.size()) / 4 << 4);
	h[13] = flags;
	wr16(h, 14, window);
	return cat({h, options, payload});  // checksum left 0: parse_frame ignores it
}

inline Bytes udp_datagram(uint16_t sport, uint16_t dport, std::span<const uint8_t> payload)
{
	Bytes h(8);
	wr16(h, 0, sport);
	wr16(h, 2, dport);
	wr16(h, 4, static_cast<uint16_t>(8 + payload.size()));
	return cat({h, payload});
}

// Addresses used throughout the tests (documentation ranges).
inline const Bytes kClientMac = from_hex("02 00 00 00 00 01");
inline const Bytes kServerMac = from_hex("02 00 00 00 00 02");
inline const Bytes kClient4 = from_hex("c0 00 02 01");   // 192.0.2.1
inline const Bytes kServer4 = from_hex("c6 33 64 35");   // 198.51.100.53
inline const Bytes kClient6 = from_hex("20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01");
inline const Bytes kServer6 = from_hex("20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 53");

// ---- a sink that keeps what it is given

class VectorSink final : public FrameSink {
public:
	explicit VectorSink(size_t max_frames = 64, size_t frame_size = 2048)
		: max_frames_(max_frames), frame_size_(frame_size)
	{
	}

	std::span<uint8_t> next_frame() override
	{
		if (handed_out_ == max_frames_)
			return {};
		handed_out_++;
		buffer_.assign(frame_size_, 0xa5);  // junk: writers must set every octet
		return buffer_;
	}

	void commit(size_t len) override { frames.emplace_back(buffer_.begin(), buffer_.begin() + len); }

	std::vector<Bytes> frames;

private:
	size_t max_frames_;
	size_t frame_size_;
	size_t handed_out_ = 0;
	Bytes buffer_;
};

}  // namespace xdpdns::net::test
