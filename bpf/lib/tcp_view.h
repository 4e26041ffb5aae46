/* TCP primitives of the stateless handshake: the segment as read, cookie
 * inputs, checksum checks, the client's MSS option and bare reply
 * segments (SYN-ACK, ACK, FIN, RST). */
#ifndef XDPDNS_BPF_TCP_VIEW_H
#define XDPDNS_BPF_TCP_VIEW_H

#include <xdpdns/cookie.h>
#include "reply.h"
#include "redirect.h"
#include "stats.h"

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_MAX_OPTION_BYTES 40

/* A segment to a service port, as handle_tcp() reads it (host order). */
struct tcp_seg {
	__u32 doff;      /* header length, octets            */
	__u32 payload;   /* data octets                      */
	__u32 seq;
	__u32 ack;
	__u16 window;    /* the client's, unscaled (we offer no scaling) */
	__u8 flags;
	__be16 sport;    /* client's port (network order)    */
	__be16 dport;    /* ours                             */
};

/* The first octet of the segment's payload. */
static __always_inline __u32 tcp_payload_off(const struct pkt *p, const struct tcp_seg *s)
{
	return p->l4_off + s->doff;
}

struct tcp_reply_hdr {
	__be16 sport;
	__be16 dport;
	__be32 seq;
	__be32 ack;
	__u8 doff;     /* data offset << 4 */
	__u8 flags;
	__be16 window;
	__u16 check;
	__be16 urg;
	__u8 mss_opt[4]; /* kind 2, length 4, value; only sent on SYN-ACK */
};
_Static_assert(sizeof(struct tcp_reply_hdr) == 24, "tcp_reply() sums it as six words");

/* The epoch userspace publishes (from CLOCK_REALTIME, so a fleet agrees
 * whatever each host's TAI offset): no clock read or division per packet,
 * and the daemon checks cookies against the very same number. */
static __always_inline __u32 cookie_epoch_now(const struct xdpdns_config *cfg)
{
	return *(volatile const __u32 *)&cfg->cookie_epoch; /* stored concurrently */
}

static __always_inline void cookie_input(struct xdpdns_cookie_input *in, const struct pkt *p,
					 __be16 sport, __be16 dport)
{
	__builtin_memcpy(in->client_addr, p->saddr, 16);
	__builtin_memcpy(in->server_addr, p->daddr, 16);
	in->client_port = sport;
	in->server_port = dport;
	in->pad = 0;
}

/* The payload at `off` begins a DNS message over TCP: a 2-octet length of at
 * least a header and, as far as the segment holds them, QR = 0 (a query) and
 * a QDCOUNT below 256. The daemon's starts_query() is the same test: a later
 * segment that arrived before the client's first almost never passes. */
static __always_inline int starts_query(struct xdp_md *ctx, __u32 off, __u32 payload)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u8 *m = pkt_at(data, off);

	if (payload < 2 || (void *)(m + 2) > end)
		return 0;
	if (((__u32)m[0] << 8 | m[1]) < 12)
		return 0;
	if (payload < 5)
		return 1;
	if ((void *)(m + 5) > end)
		return 0;
	if (m[4] & 0x80)
		return 0;
	if (payload < 7)
		return 1;
	if ((void *)(m + 7) > end)
		return 0;
	return m[6] == 0;
}

/* IPv4 header checksum of the query (IPv6 has none). */
static __always_inline int ipv4_csum_ok(struct xdp_md *ctx, const struct pkt *p)
{
	__u64 sum = 0;

	if (p->ipv6)
		return 1;
	if (csum_packet(ctx, p->l3_off, p->l4_off - p->l3_off, &sum))
		return 0;
	return csum_fold(sum) == 0xffff;
}

/* TCP checksum of the query segment, payload included: a full checksum, or
 * the partial form of a local sender unless checksum.strict is on. */
static __always_inline int l4_csum_ok(struct xdp_md *ctx, const struct pkt *p)
{
	__u32 len = p->ip_end - p->l4_off, zero = 0;
	const struct xdpdns_config *cfg = bpf_map_lookup_elem(&config, &zero);

	return csum_l4_ok(ctx, p->l4_off, len, 16,
			  csum_pseudo(p->saddr, p->daddr, p->ipv6, IPPROTO_TCP, len),
			  !cfg || cfg->checksum_strict);
}

/* Value of the client's MSS option, 0 when absent. */
XDPDNS_GLOBAL __u32 tcp_mss_option(struct xdp_md *ctx, __u32 off, __u32 opt_end)
{
	__u32 i;

	for (i = 0; i < TCP_MAX_OPTION_BYTES; i++) {
		void *data = (void *)(long)ctx->data;
		void *end = (void *)(long)ctx->data_end;
		__u8 *o;
		__u8 len;

		if (off >= opt_end || off > 0xffff)
			break;
		o = pkt_at(data, off);
		if ((void *)(o + 1) > end)
			break;
		if (o[0] == 0)          /* end of options */
			break;
		if (o[0] == 1) {        /* NOP */
			off++;
			continue;
		}
		if ((void *)(o + 2) > end)
			break;
		len = o[1];
		if (len < 2 || off + len > opt_end)
			break;
		if (o[0] == 2 && len == 4) {
			if ((void *)(o + 4) > end)
				break;
			return ((__u32)o[2] << 8) | o[3];
		}
		off += len;
	}
	return 0;
}

/* Rewrites the frame into a bare TCP segment to the client: SYN-ACK with an
 * MSS option when `mss` is non-zero, else a 20-octet header. */
static __always_inline int tcp_reply(struct xdp_md *ctx, const struct pkt *p,
				     struct tcp_reply_hdr *h, __u16 mss)
{
	__u32 hdr_len = mss ? sizeof(*h) : sizeof(*h) - 4;
	__u32 l3l2 = reply_hdr_len(p);
	const __u32 *w = (const __u32 *)h;
	void *data, *end;
	__u64 sum;

	if (mss) {
		h->doff = 6 << 4;
		h->mss_opt[0] = 2;
		h->mss_opt[1] = 4;
		h->mss_opt[2] = mss >> 8;
		h->mss_opt[3] = mss & 0xff;
	} else {
		h->doff = 5 << 4;
		*(__u32 *)h->mss_opt = 0;
	}
	h->check = 0;
	h->urg = 0;
	/* Reply direction: from the query's destination to its source. */
	sum = csum_pseudo(p->daddr, p->saddr, p->ipv6, IPPROTO_TCP, hdr_len);
	/* Six words on the stack: added here, cheaper than a helper call. */
	sum += (__u64)w[0] + w[1] + w[2] + w[3] + w[4] + w[5];
	h->check = ~csum_fold(sum); /* the zero option bytes of a bare ACK add nothing */

	if (reply_resize(ctx, l3l2 + hdr_len))
		return -1;
	if (reply_write_l2l3(ctx, p, IPPROTO_TCP, hdr_len))
		return -1;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (l3l2 > 0xffff)
		return -1;
	if (mss) {
		struct tcp_reply_hdr *out = pkt_at(data, l3l2);

		if ((void *)(out + 1) > end)
			return -1;
		__builtin_memcpy(out, h, sizeof(*h));
	} else {
		__u8 *out = pkt_at(data, l3l2);

		if ((void *)(out + sizeof(*h) - 4) > end)
			return -1;
		__builtin_memcpy(out, h, sizeof(*h) - 4);
	}
	return 0;
}

#endif /* XDPDNS_BPF_TCP_VIEW_H */
