#include "net/checksum.h"

#include "net/bytes.h"

namespace xdpdns::net {

namespace {

constexpr size_t kIpv4ChecksumOffset = 10;
constexpr size_t kTcpChecksumOffset = 16;
constexpr size_t kUdpChecksumOffset = 6;

}  // namespace

uint32_t csum_add(uint32_t sum, std::span<const uint8_t> data)
{
	// 32-bit big-endian words into a 64-bit accumulator: the one's-complement
	// sum of 32-bit words folds to the same 16-bit sum (2^16 == 1 mod 0xffff).
	uint64_t acc = sum;
	const uint8_t *p = data.data();
	const size_t n = data.size();
	size_t i = 0;
	for (; i + 4 <= n; i += 4)
		acc += load_be32(p + i);
	if (i + 2 <= n) {
		acc += load_be16(p + i);
		i += 2;
	}
	if (i < n)
		acc += static_cast<uint32_t>(p[i]) << 8;
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	return static_cast<uint32_t>(acc);
}

uint16_t csum_fold(uint32_t sum)
{
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return static_cast<uint16_t>(~sum & 0xffffu);
}

uint16_t ipv4_header_checksum(std::span<const uint8_t> header)
{
	if (header.size() < kIpv4ChecksumOffset + 2)
		return csum_fold(csum_add(0, header));
	uint32_t sum = csum_add(0, header.first(kIpv4ChecksumOffset));
	sum = csum_add(sum, header.subspan(kIpv4ChecksumOffset + 2));
	return csum_fold(sum);
}

bool ipv4_header_checksum_ok(std::span<const uint8_t> header)
{
	return csum_fold(csum_add(0, header)) == 0;
}

uint32_t pseudo_header_sum(const IpAddress &src, const IpAddress &dst, bool ipv6, uint8_t proto,
			   uint32_t l4_length)
{
	uint32_t sum;
	if (ipv6) {
		sum = csum_add(0, src.bytes);
		sum = csum_add(sum, dst.bytes);
		uint8_t tail[8];
		store_be32(tail, l4_length);
		store_be32(tail + 4, proto);
		return csum_add(sum, tail);
	}
	sum = csum_add(0, src.v4());
	sum = csum_add(sum, dst.v4());
	uint8_t tail[4] = {0, proto, static_cast<uint8_t>(l4_length >> 8), static_cast<uint8_t>(l4_length)};
	return csum_add(sum, tail);
}

uint16_t transport_checksum(const IpAddress &src, const IpAddress &dst, bool ipv6, uint8_t proto,
			    std::span<const uint8_t> segment)
{
	uint32_t sum = pseudo_header_sum(src, dst, ipv6, proto, static_cast<uint32_t>(segment.size()));
	uint16_t csum = csum_fold(csum_add(sum, segment));
	if (proto == kProtoUdp && csum == 0)
		csum = 0xffff;
	return csum;
}

bool transport_checksum_ok(const IpAddress &src, const IpAddress &dst, bool ipv6, uint8_t proto,
			   std::span<const uint8_t> segment, ChecksumForms forms)
{
	const size_t field = proto == kProtoTcp ? kTcpChecksumOffset : kUdpChecksumOffset;
	if (segment.size() < field + 2)
		return false;
	const uint16_t stored = load_be16(segment.data() + field);
	if (proto == kProtoUdp && stored == 0)
		return !ipv6;
	const uint32_t pseudo = pseudo_header_sum(src, dst, ipv6, proto, static_cast<uint32_t>(segment.size()));
	if (csum_fold(csum_add(pseudo, segment)) == 0)
		return true;
	// csum_fold() complements: undo it to get the plain folded sum.
	return forms == ChecksumForms::full_or_partial &&
	       stored == static_cast<uint16_t>(~csum_fold(pseudo));
}

}  // namespace xdpdns::net
