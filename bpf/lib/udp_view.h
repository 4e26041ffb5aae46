/* The UDP header of a query to a service port: parsing, checksum, and
 * whether the payload is a DNS query. */
#ifndef XDPDNS_BPF_UDP_VIEW_H
#define XDPDNS_BPF_UDP_VIEW_H

#include "csum.h"
#include "parse.h"

struct udp_view {
	__be16 sport;
	__be16 dport;
	__u32 dns_off;  /* UDP payload */
	__u32 dns_end;
	__u16 check;    /* the checksum field as it lies in the packet */
};

/* Validates the UDP header; returns a stat reason on failure, else 0. */
static __always_inline int udp_parse(struct xdp_md *ctx, const struct pkt *p, struct udp_view *u)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u8 *udp = pkt_at(data, p->l4_off);
	__u32 len;

	if ((void *)(udp + 8) > end || p->l4_off + 8 > p->ip_end)
		return XDPDNS_STAT_DROP_TRUNCATED;
	len = ((__u32)udp[4] << 8) | udp[5];
	if (len < 8 || p->l4_off + len > p->ip_end)
		return XDPDNS_STAT_DROP_MALFORMED;
	u->sport = *(__be16 *)udp;
	u->dport = *(__be16 *)(udp + 2);
	u->check = *(__u16 *)(udp + 6);
	u->dns_off = p->l4_off + 8;
	u->dns_end = p->l4_off + len;
	return 0;
}

/* Checksums of a query answered in XDP (the daemon checks the others): the
 * IPv4 header, then the UDP checksum over the UDP length, full or, unless
 * checksum.strict, the partial form of a local sender. IPv4 UDP with a zero
 * checksum carries none (RFC 768); over IPv6 zero is invalid (RFC 8200). */
static __always_inline int udp_csum_ok(struct xdp_md *ctx, const struct pkt *p,
				       const struct udp_view *u, const struct xdpdns_config *cfg)
{
	__u32 len = u->dns_end - p->l4_off;
	__u64 sum = 0;

	if (p->ipv6 && !u->check)
		return 0;  /* the field holds none, and over IPv6 one is required */
	if (!p->ipv6) {
		if (csum_packet(ctx, p->l3_off, p->l4_off - p->l3_off, &sum) ||
		    csum_fold(sum) != 0xffff)
			return 0;
		if (!u->check)
			return 1;
	}
	return csum_l4_ok(ctx, p->l4_off, len, 6,
			  csum_pseudo(p->saddr, p->daddr, p->ipv6, IPPROTO_UDP, len),
			  cfg->checksum_strict);
}

/* 1 if the UDP payload looks like a DNS query (a header with QR clear). */
static __always_inline int udp_is_query(struct xdp_md *ctx, const struct udp_view *u)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u8 *h;

	if (u->dns_off > 0xffff || u->dns_off + DNS_HDR_LEN > u->dns_end)
		return 0;
	h = pkt_at(data, u->dns_off);
	if ((void *)(h + DNS_HDR_LEN) > end)
		return 0;
	return !(h[2] & 0x80);
}

#endif /* XDPDNS_BPF_UDP_VIEW_H */
