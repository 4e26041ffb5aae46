/* UDP queries to a service port: truncated in place (udp.truncate-all) or
 * handed to the daemon with the ATR and path-MTU hints in the metadata. */
#ifndef XDPDNS_BPF_UDP_H
#define XDPDNS_BPF_UDP_H

#include "dns.h"
#include "pmtu.h"
#include "redirect.h"
#include "stats.h"

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

static __always_inline int atr_allowed(const struct pkt *p, const struct xdpdns_config *cfg)
{
	struct xdpdns_lpm_key key = { .prefixlen = 128 };

	if (!cfg->atr_allow_active)
		return 1;
	__builtin_memcpy(key.addr, p->saddr, 16);
	return bpf_map_lookup_elem(&atr_allow, &key) != NULL;
}

static __always_inline int handle_udp(struct xdp_md *ctx, struct pkt *p,
				      const struct xdpdns_config *cfg)
{
	struct udp_view u;
	struct dns_query q;
	__u16 flags = 0;
	int reason;

	reason = udp_parse(ctx, p, &u);
	if (reason)
		return verdict(reason, XDP_DROP);
	if (!udp_is_query(ctx, &u))
		return verdict(XDPDNS_STAT_UDP_NOT_QUERY, XDP_DROP);

	if (cfg->udp_truncate_all && dns_parse_query(ctx, u.dns_off, u.dns_end, &q) == 0) {
		if (!udp_csum_ok(ctx, p, &u, cfg))
			return verdict(XDPDNS_STAT_DROP_BAD_CSUM, XDP_DROP);
		if (dns_truncate(ctx, p, &q, u.sport, u.dport, (__u16)cfg->edns_buffer_size))
			return verdict(XDPDNS_STAT_DROP_MALFORMED, XDP_DROP);
		return verdict(XDPDNS_STAT_UDP_TRUNCATED, XDP_TX);
	}

	if (atr_allowed(p, cfg))
		flags |= XDPDNS_META_F_ATR_ALLOWED;
	push_meta(ctx, p, flags, 0, pmtu_lookup(p->saddr, cfg));
	if (to_daemon(ctx, XDP_PASS) == XDP_REDIRECT)
		return verdict(XDPDNS_STAT_UDP_TO_DAEMON, XDP_REDIRECT);
	return verdict(XDPDNS_STAT_PASS_UDP_NO_DAEMON, XDP_PASS);
}

#endif /* XDPDNS_BPF_UDP_H */
