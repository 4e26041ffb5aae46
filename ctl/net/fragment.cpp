#include "net/fragment.h"

#include <algorithm>

#include "net/bytes.h"
#include "net/checksum.h"

namespace xdpdns::net {

namespace {

constexpr uint8_t kIpv6NextFragment = 44;
constexpr size_t kMaxDatagramV4 = 0xffff - kIpv4HeaderLen;  // reassembled total length
constexpr size_t kMaxDatagramV6 = 0xffff;                    // reassembled payload length

// IP headers in front of each fragment's data.
size_t fragment_header_length(const ReplyTemplate &t)
{
	return t.is_ipv6 ? kIpv6HeaderLen + kIpv6FragHeaderLen : kIpv4HeaderLen;
}

// Data octets in every fragment but the last (a multiple of 8), 0 if the
// MTU cannot carry even 8.
size_t fragment_stride(const ReplyTemplate &t, uint32_t mtu)
{
	const size_t hdr = fragment_header_length(t);
	return mtu < hdr ? 0 : (mtu - hdr) & ~size_t{7};
}

bool fits_unfragmented(const ReplyTemplate &t, size_t payload_length, uint32_t mtu)
{
	return t.ip_header_length() + kUdpHeaderLen + payload_length <= mtu;
}

// The datagram (UDP header + payload) seen as one octet range.
struct Datagram {
	uint8_t udp_header[kUdpHeaderLen];
	std::span<const uint8_t> payload;

	size_t size() const { return kUdpHeaderLen + payload.size(); }

	void copy(size_t offset, size_t n, uint8_t *out) const
	{
		if (offset < kUdpHeaderLen) {
			const size_t h = std::min(n, kUdpHeaderLen - offset);
			std::copy_n(udp_header + offset, h, out);
			out += h;
			n -= h;
			offset += h;
		}
		std::copy_n(payload.data() + (offset - kUdpHeaderLen), n, out);
	}
};

}  // namespace

size_t udp_fragment_count(const ReplyTemplate &t, size_t payload_length, uint32_t mtu)
{
	const size_t length = kUdpHeaderLen + payload_length;
	if (length > (t.is_ipv6 ? kMaxDatagramV6 : kMaxDatagramV4))
		return 0;
	if (fits_unfragmented(t, payload_length, mtu))
		return 1;
	const size_t stride = fragment_stride(t, mtu);
	return stride == 0 ? 0 : (length + stride - 1) / stride;
}

EmitResult write_udp_fragments(const ReplyTemplate &t, std::span<const uint8_t> payload,
			       uint32_t mtu, uint32_t id, FrameSink &sink)
{
	EmitResult r;
	if (udp_fragment_count(t, payload.size(), mtu) == 0)
		return r;
	if (fits_unfragmented(t, payload.size(), mtu)) {
		std::span<uint8_t> buf = sink.next_frame();
		const size_t len = write_udp(t, payload, buf);
		if (len == 0)
			return r;
		sink.commit(len);
		r.frames = 1;
		r.complete = true;
		return r;
	}

	Datagram d;
	d.payload = payload;
	store_be16(d.udp_header, t.sport);
	store_be16(d.udp_header + 2, t.dport);
	store_be16(d.udp_header + 4, static_cast<uint16_t>(d.size()));
	store_be16(d.udp_header + 6, 0);
	uint32_t sum = pseudo_header_sum(t.src, t.dst, t.is_ipv6, kProtoUdp,
					 static_cast<uint32_t>(d.size()));
	sum = csum_add(sum, d.udp_header);  // even length: the payload may follow
	uint16_t csum = csum_fold(csum_add(sum, payload));
	store_be16(d.udp_header + 6, csum == 0 ? 0xffff : csum);

	const size_t stride = fragment_stride(t, mtu);
	const size_t hdr = t.l2_length() + fragment_header_length(t);
	for (size_t offset = 0; offset < d.size(); offset += stride) {
		const size_t n = std::min(stride, d.size() - offset);
		const bool more = offset + n < d.size();
		std::span<uint8_t> buf = sink.next_frame();
		if (buf.size() < hdr + n)
			return r;
		uint8_t *p = buf.data();
		write_l2_header(t, p);
		p += t.l2_length();
		const uint16_t units = static_cast<uint16_t>(offset / 8);
		if (t.is_ipv6) {
			write_ipv6_header(t, static_cast<uint16_t>(kIpv6FragHeaderLen + n),
					  kIpv6NextFragment, p);
			p += kIpv6HeaderLen;
			p[0] = kProtoUdp;
			p[1] = 0;  // reserved
			store_be16(p + 2, static_cast<uint16_t>(units << 3 | (more ? 1 : 0)));
			store_be32(p + 4, id);
			p += kIpv6FragHeaderLen;
		} else {
			write_ipv4_header(t, static_cast<uint16_t>(kIpv4HeaderLen + n),
					  static_cast<uint16_t>(id),
					  static_cast<uint16_t>((more ? kIpv4FlagMf : 0) | units), kProtoUdp,
					  p);
			p += kIpv4HeaderLen;
		}
		d.copy(offset, n, p);
		sink.commit(hdr + n);
		r.frames++;
	}
	r.complete = true;
	return r;
}

EmitResult write_udp_fragments(const ReplyTemplate &t, std::span<const uint8_t> payload,
			       uint32_t mtu, FragmentIdGenerator &ids, FrameSink &sink)
{
	const uint32_t id = fits_unfragmented(t, payload.size(), mtu) ? 0 : ids.next(t.dst);
	return write_udp_fragments(t, payload, mtu, id, sink);
}

}  // namespace xdpdns::net
