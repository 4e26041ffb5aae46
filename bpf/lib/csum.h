/* Internet checksum (RFC 1071) helpers. Sums are accumulated in a 64-bit
 * one's-complement accumulator of native-order 16-bit words, which gives the
 * right result whatever the host byte order, and folded at the end. */
#ifndef XDPDNS_BPF_CSUM_H
#define XDPDNS_BPF_CSUM_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "pkt.h"

#define CSUM_CHUNK     256u  /* bytes per bpf_csum_diff call (helper max 512) */
#define CSUM_MAX_CHUNKS 36u  /* 36 * 256 covers a 9000-octet jumbo frame      */
#define CSUM_MAX_WORDS  64u  /* 4-octet words left after whole chunks         */

static __always_inline __u16 csum_fold(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/* Global (non-inlined) functions are verified once, on their own, with
 * unknown arguments, instead of once per caller path: this keeps the loops
 * below from multiplying the verifier's work by every parse branch. */
#define XDPDNS_GLOBAL __attribute__((noinline))

#define CSUM_ERROR (1ULL << 63)

/* Headers (IPv4, TCP: at most 60 octets, whole words) are summed unrolled:
 * a SYN's checksums then cost no loop. */
#define CSUM_SMALL_WORDS 15u

static __always_inline __u64 csum_words(struct xdp_md *ctx, __u32 off, __u32 nwords)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u64 sum = 0, bad = 0;
	__u32 *w;
	__u32 i;

	if (off > 0xffff)
		return CSUM_ERROR;
	w = pkt_at(data, off);
	/* No early exit, so that clang unrolls it: word i costs a compare
	 * when it is beyond nwords. */
#pragma unroll
	for (i = 0; i < CSUM_SMALL_WORDS; i++) {
		if (i < nwords) {
			if ((void *)(w + i + 1) > end)
				bad = CSUM_ERROR;
			else
				sum += w[i];
		}
	}
	return bad ? bad : sum;
}

/* One's-complement sum of `len` packet octets from `off` (not folded), or
 * CSUM_ERROR if the range is not inside the frame. */
XDPDNS_GLOBAL __u64 csum_range(struct xdp_md *ctx, __u32 off, __u32 len)
{
	void *data, *end;
	__u64 sum = 0;
	__u8 *p;
	__u32 i;

	if (off > 0xffff || len > CSUM_CHUNK * CSUM_MAX_CHUNKS)
		return CSUM_ERROR;
	if (len <= 4 * CSUM_SMALL_WORDS && !(len & 3))
		return csum_words(ctx, off, len / 4);
	for (i = 0; i < CSUM_MAX_CHUNKS; i++) {
		if (len < CSUM_CHUNK)
			break;
		data = (void *)(long)ctx->data;
		end = (void *)(long)ctx->data_end;
		if (off > 0xffff)
			return CSUM_ERROR;
		p = pkt_at(data, off);
		if ((void *)(p + CSUM_CHUNK) > end)
			return CSUM_ERROR;
		sum += (__u32)bpf_csum_diff(NULL, 0, (__be32 *)p, CSUM_CHUNK, 0);
		off += CSUM_CHUNK;
		len -= CSUM_CHUNK;
	}

	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	for (i = 0; i < CSUM_MAX_WORDS; i++) {
		if (len < 4)
			break;
		if (off > 0xffff)
			return CSUM_ERROR;
		p = pkt_at(data, off);
		if ((void *)(p + 4) > end)
			return CSUM_ERROR;
		sum += *(__u32 *)p;
		off += 4;
		len -= 4;
	}
	if (off > 0xffff)
		return CSUM_ERROR;
	p = pkt_at(data, off);
	if (len >= 2) {
		if ((void *)(p + 2) > end)
			return CSUM_ERROR;
		sum += *(__u16 *)p;
		p += 2;
		len -= 2;
	}
	if (len == 1) {
		if ((void *)(p + 1) > end)
			return CSUM_ERROR;
		sum += *p; /* odd octet is the high half of a zero-padded word: on
			    * a little-endian load that is the low byte */
	}
	return sum & ~CSUM_ERROR;
}

/* Adds `len` octets of the packet starting at `off` to `*sum`.
 * Returns -1 if the range is not inside the frame. */
static __always_inline int csum_packet(struct xdp_md *ctx, __u32 off, __u32 len, __u64 *sum)
{
	__u64 r = csum_range(ctx, off, len);

	if (r & CSUM_ERROR)
		return -1;
	*sum += r;
	return 0;
}

/* Pseudo-header sum for TCP/UDP: addresses are 16-octet mapped for IPv4, so
 * only the last 4 octets count then. */
static __always_inline __u64 csum_pseudo(const __u8 *saddr, const __u8 *daddr, int ipv6,
					 __u8 proto, __u32 l4_len)
{
	__u64 sum = 0;
	const __u32 *s = (const __u32 *)saddr, *d = (const __u32 *)daddr;

	if (ipv6) {
		sum += s[0] + (__u64)s[1] + s[2] + s[3];
		sum += d[0] + (__u64)d[1] + d[2] + d[3];
	} else {
		sum += s[3] + (__u64)d[3];
	}
	sum += bpf_htons((__u16)proto);
	sum += bpf_htons((__u16)l4_len);
	return sum;
}

/* 1 when the TCP/UDP checksum of the `len` octets at `off` (checksum field
 * at `off + field`) verifies, given the pseudo-header sum `pseudo`: either a
 * full checksum, or, unless `strict`, the partial form a local stack leaves
 * when it offloads the checksum (veth, tap: CHECKSUM_PARTIAL), where the
 * field holds the folded pseudo-header sum itself, not inverted
 * (~csum_tcpudp_magic(..., 0) / ~csum_ipv6_magic(..., 0) in Linux). Both
 * sides are native-order folds of the same packet words, so they compare as
 * they are. The partial form covers no payload octet: strict refuses it. */
static __always_inline int csum_l4_ok(struct xdp_md *ctx, __u32 off, __u32 len, __u32 field,
				      __u64 pseudo, int strict)
{
	__u64 r = csum_range(ctx, off, len);
	void *data, *end;
	__u8 *f;

	if (r & CSUM_ERROR)
		return 0;
	if (csum_fold(pseudo + r) == 0xffff)
		return 1;
	if (strict || field + 2 > len)
		return 0;
	off += field;
	if (off > 0xffff)
		return 0;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	f = pkt_at(data, off);
	if ((void *)(f + 2) > end)
		return 0;
	return *(__u16 *)f == csum_fold(pseudo);
}

#endif /* XDPDNS_BPF_CSUM_H */
