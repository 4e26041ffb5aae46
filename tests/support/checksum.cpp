#include "checksum.h"

#include <netinet/in.h>

#include <algorithm>
#include <sstream>

namespace xdpdns::test {

std::uint32_t sum16(const std::uint8_t *data, std::size_t len, std::uint32_t sum)
{
	std::size_t i = 0;
	for (; i + 1 < len; i += 2)
		sum += static_cast<std::uint32_t>(data[i] << 8 | data[i + 1]);
	if (i < len)
		sum += static_cast<std::uint32_t>(data[i] << 8);
	return sum;
}

std::uint16_t fold_complement(std::uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return static_cast<std::uint16_t>(~sum);
}

std::uint16_t inet_checksum(const std::uint8_t *data, std::size_t len, std::uint32_t sum)
{
	return fold_complement(sum16(data, len, sum));
}

std::uint32_t pseudo_sum_v4(const Ip4 &src, const Ip4 &dst, std::uint8_t proto, std::uint32_t len)
{
	std::uint32_t sum = sum16(src.data(), src.size());
	sum = sum16(dst.data(), dst.size(), sum);
	return sum + proto + (len & 0xffff) + (len >> 16);
}

std::uint32_t pseudo_sum_v6(const Ip6 &src, const Ip6 &dst, std::uint8_t proto, std::uint32_t len)
{
	std::uint32_t sum = sum16(src.data(), src.size());
	sum = sum16(dst.data(), dst.size(), sum);
	return sum + proto + (len & 0xffff) + (len >> 16);
}

namespace {

// Verifies the L4 checksum of `seg` (len octets) given its pseudo-header sum.
void check_l4(ChecksumReport &r, std::uint8_t proto, const std::uint8_t *seg, std::size_t len,
	      std::uint32_t pseudo, bool v4)
{
	std::ostringstream d;
	switch (proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_ICMPV6:
		break;
	case IPPROTO_ICMP:
		pseudo = 0; // ICMPv4 has no pseudo-header
		break;
	default:
		r.parsed = true;
		r.detail += "; protocol " + std::to_string(proto) + " has no checksum to verify";
		return;
	}
	std::size_t min = proto == IPPROTO_TCP ? 20 : proto == IPPROTO_UDP ? 8 : 4;
	if (len < min) {
		r.detail += "; L4 header shorter than " + std::to_string(min);
		return;
	}
	r.parsed = true;
	r.has_l4 = true;
	if (proto == IPPROTO_UDP && v4 && seg[6] == 0 && seg[7] == 0) {
		r.l4_ok = true;
		r.detail += "; UDP checksum 0 (none)";
		return;
	}
	std::uint32_t total = sum16(seg, len, pseudo);
	while (total >> 16)
		total = (total & 0xffff) + (total >> 16);
	r.l4_ok = total == 0xffff;
	d << "; L4 proto " << unsigned(proto) << " checksum " << (r.l4_ok ? "ok" : "WRONG");
	r.detail += d.str();
}

} // namespace

ChecksumReport verify_checksums(const Bytes &f)
{
	ChecksumReport r;
	std::size_t off = 12;
	if (f.size() < 14) {
		r.detail = "frame shorter than Ethernet";
		return r;
	}
	std::uint16_t type = get_u16(f, off);
	for (int tags = 0; (type == 0x8100 || type == 0x88a8) && tags < 8; tags++) {
		off += 4;
		if (f.size() < off + 2) {
			r.detail = "cut inside a VLAN tag";
			return r;
		}
		type = get_u16(f, off);
	}
	off += 2;
	if (type == 0x0800) {
		if (f.size() < off + 20) {
			r.detail = "cut inside IPv4 header";
			return r;
		}
		std::size_t ihl = (f[off] & 0xf) * 4u;
		std::size_t total = get_u16(f, off + 2);
		if (ihl < 20 || f.size() < off + ihl || total < ihl || f.size() < off + total) {
			r.detail = "IPv4 header or total length inconsistent with the frame";
			return r;
		}
		r.has_ipv4 = true;
		std::uint32_t s = sum16(&f[off], ihl);
		while (s >> 16)
			s = (s & 0xffff) + (s >> 16);
		r.ipv4_ok = s == 0xffff;
		r.detail = std::string("IPv4 header checksum ") + (r.ipv4_ok ? "ok" : "WRONG");
		Ip4 src, dst;
		std::copy_n(&f[off + 12], 4, src.begin());
		std::copy_n(&f[off + 16], 4, dst.begin());
		std::uint8_t proto = f[off + 9];
		if ((get_u16(f, off + 6) & 0x3fff) != 0) {
			r.parsed = true;
			r.detail += "; fragment: L4 not verified";
			return r;
		}
		std::size_t l4len = total - ihl;
		check_l4(r, proto, &f[off + ihl], l4len,
			 proto == IPPROTO_ICMP ? 0 : pseudo_sum_v4(src, dst, proto, l4len), true);
		return r;
	}
	if (type == 0x86dd) {
		if (f.size() < off + 40) {
			r.detail = "cut inside IPv6 header";
			return r;
		}
		std::size_t plen = get_u16(f, off + 4);
		if (f.size() < off + 40 + plen) {
			r.detail = "IPv6 payload length beyond the frame";
			return r;
		}
		Ip6 src, dst;
		std::copy_n(&f[off + 8], 16, src.begin());
		std::copy_n(&f[off + 24], 16, dst.begin());
		std::uint8_t nh = f[off + 6];
		std::size_t end = off + 40 + plen;
		std::size_t p = off + 40;
		for (int i = 0; i < 16; i++) {
			if (nh == 0 || nh == 43 || nh == 60) {
				if (end < p + 8) {
					r.detail = "cut inside an IPv6 extension header";
					return r;
				}
				std::uint8_t next = f[p];
				p += (f[p + 1] + 1u) * 8u;
				nh = next;
			} else if (nh == 44) {
				if (end < p + 8) {
					r.detail = "cut inside an IPv6 fragment header";
					return r;
				}
				r.parsed = true;
				r.detail = "IPv6 fragment: L4 not verified";
				return r;
			} else {
				break;
			}
		}
		if (p > end) {
			r.detail = "IPv6 extension headers beyond the payload";
			return r;
		}
		r.detail = "IPv6";
		check_l4(r, nh, &f[p], end - p, pseudo_sum_v6(src, dst, nh, static_cast<std::uint32_t>(end - p)),
			 false);
		return r;
	}
	r.parsed = true;
	r.detail = "not IP: nothing to verify";
	return r;
}

} // namespace xdpdns::test
