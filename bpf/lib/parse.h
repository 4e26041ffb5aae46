/* Parsing of Ethernet, VLAN tags, IPv4 and IPv6 into struct pkt. Everything
 * is kept as offsets from ctx->data, so callers can re-derive pointers after
 * bpf_xdp_adjust_head/tail (which invalidate all packet pointers). */
#ifndef XDPDNS_BPF_PARSE_H
#define XDPDNS_BPF_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <xdpdns/abi.h>
#include "pkt.h"

#define ETH_P_8021AD_ 0x88A8
#define IPV6_NH_HOP    0
#define IPV6_NH_ROUTE  43
#define IPV6_NH_FRAG   44
#define IPV6_NH_DEST   60
#define IPV6_NH_ICMP   58

enum parse_result {
	PARSE_OK,
	PARSE_NOT_IP,     /* ethertype is neither IPv4 nor IPv6            */
	PARSE_TRUNCATED,  /* a header is cut short                        */
	PARSE_MALFORMED,  /* a header field makes no sense                */
	PARSE_EXT_CHAIN,  /* more IPv6 extension headers than we walk     */
};

enum frag_kind {
	FRAG_NONE,
	FRAG_FIRST,   /* offset 0: the transport header is present */
	FRAG_LATER,   /* no transport header in this fragment     */
};

struct pkt {
	__u8 saddr[16];           /* IPv4 as ::ffff:a.b.c.d; 4-aligned for csum */
	__u8 daddr[16];
	__u8 eth_dst[6];
	__u8 eth_src[6];
	__be16 vlan_tpid[XDPDNS_MAX_VLAN_TAGS];
	__be16 vlan_tci[XDPDNS_MAX_VLAN_TAGS];
	__be16 l3_proto;          /* ETH_P_IP or ETH_P_IPV6, network order */
	__u16 vlan_count;
	__u16 l3_off;             /* IP header                              */
	__u16 l4_off;             /* transport header                       */
	__u16 ip_end;             /* end of the IP packet (not of the frame) */
	__u8 ipv6;
	__u8 proto;               /* transport protocol                     */
	__u8 frag;                /* enum frag_kind                         */
	__u8 pad[3];
} __attribute__((aligned(8)));

static __always_inline void map_v4(__u8 *out, const __u8 *v4)
{
	__builtin_memset(out, 0, 10);
	out[10] = 0xff;
	out[11] = 0xff;
	__builtin_memcpy(out + 12, v4, 4);
}

static __always_inline int parse_ipv4(struct xdp_md *ctx, struct pkt *p)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u8 *ip = pkt_at(data, p->l3_off);
	__u32 ihl, tot;
	__u16 frag;

	if ((void *)(ip + 20) > end)
		return PARSE_TRUNCATED;
	if ((ip[0] >> 4) != 4)
		return PARSE_MALFORMED;
	ihl = (ip[0] & 0x0f) * 4;
	if (ihl < 20)
		return PARSE_MALFORMED;
	tot = ((__u32)ip[2] << 8) | ip[3];
	if (tot < ihl)
		return PARSE_MALFORMED;
	if ((void *)(ip + ihl) > end || (void *)(ip + tot) > end)
		return PARSE_TRUNCATED;

	frag = ((__u16)ip[6] << 8) | ip[7];
	if (frag & 0x1fff)
		p->frag = FRAG_LATER;
	else if (frag & 0x2000)
		p->frag = FRAG_FIRST;
	p->proto = ip[9];
	map_v4(p->saddr, ip + 12);
	map_v4(p->daddr, ip + 16);
	p->l4_off = p->l3_off + ihl;
	p->ip_end = p->l3_off + tot;
	return PARSE_OK;
}

static __always_inline int parse_ipv6(struct xdp_md *ctx, struct pkt *p)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u8 *ip = pkt_at(data, p->l3_off);
	__u32 off, i, plen;
	__u8 nh;

	if ((void *)(ip + 40) > end)
		return PARSE_TRUNCATED;
	if ((ip[0] >> 4) != 6)
		return PARSE_MALFORMED;
	plen = ((__u32)ip[4] << 8) | ip[5];
	if ((void *)(ip + 40 + plen) > end)
		return PARSE_TRUNCATED;
	__builtin_memcpy(p->saddr, ip + 8, 16);
	__builtin_memcpy(p->daddr, ip + 24, 16);
	p->ipv6 = 1;
	p->ip_end = p->l3_off + 40 + plen;

	nh = ip[6];
	off = p->l3_off + 40;
	for (i = 0; i < XDPDNS_MAX_IPV6_EXT_HDRS; i++) {
		__u8 *h;

		if (nh != IPV6_NH_HOP && nh != IPV6_NH_ROUTE && nh != IPV6_NH_DEST &&
		    nh != IPV6_NH_FRAG)
			break;
		if (off > 0xffff)
			return PARSE_MALFORMED;
		h = pkt_at(data, off);
		if ((void *)(h + 8) > end || off + 8 > p->ip_end)
			return PARSE_TRUNCATED;
		if (nh == IPV6_NH_FRAG) {
			__u16 fo = ((__u16)h[2] << 8) | h[3];

			p->frag = (fo & 0xfff8) ? FRAG_LATER : FRAG_FIRST;
			nh = h[0];
			off += 8;
			continue;
		}
		nh = h[0];
		off += ((__u32)h[1] + 1) * 8;
		if (off > p->ip_end)
			return PARSE_TRUNCATED;
	}
	if (nh == IPV6_NH_HOP || nh == IPV6_NH_ROUTE || nh == IPV6_NH_DEST ||
	    nh == IPV6_NH_FRAG)
		return PARSE_EXT_CHAIN;
	p->proto = nh;
	p->l4_off = off;
	return PARSE_OK;
}

/* Ethernet, up to two VLAN tags, then IPv4 or IPv6. */
static __always_inline int parse_packet(struct xdp_md *ctx, struct pkt *p)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__be16 proto;
	__u32 off = sizeof(*eth), i;

	if ((void *)(eth + 1) > end)
		return PARSE_TRUNCATED;
	__builtin_memcpy(p->eth_dst, eth->h_dest, 6);
	__builtin_memcpy(p->eth_src, eth->h_source, 6);
	proto = eth->h_proto;

	for (i = 0; i < XDPDNS_MAX_VLAN_TAGS; i++) {
		__be16 *tag;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD_))
			break;
		tag = pkt_at(data, off);
		if ((void *)(tag + 2) > end)
			return PARSE_TRUNCATED;
		p->vlan_tpid[i] = proto;
		p->vlan_tci[i] = tag[0];
		proto = tag[1];
		p->vlan_count = i + 1;
		off += 4;
	}
	p->l3_proto = proto;
	p->l3_off = off;
	if (proto == bpf_htons(ETH_P_IP))
		return parse_ipv4(ctx, p);
	if (proto == bpf_htons(ETH_P_IPV6))
		return parse_ipv6(ctx, p);
	return PARSE_NOT_IP;
}

#endif /* XDPDNS_BPF_PARSE_H */
