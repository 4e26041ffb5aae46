/* Writing reply headers. A reply reuses the query's frame: callers save what
 * they need in struct pkt, resize the frame, then write Ethernet (+ the same
 * VLAN tags), IPv4 (no options, DF) or IPv6 (no extension headers) afresh.
 * After any bpf_xdp_adjust_* every packet pointer is re-derived here. */
#ifndef XDPDNS_BPF_REPLY_H
#define XDPDNS_BPF_REPLY_H

#include "parse.h"
#include "csum.h"

#define REPLY_TTL 64

/* Length of the L2 + L3 headers of a reply to `p`. */
static __always_inline __u32 reply_hdr_len(const struct pkt *p)
{
	return sizeof(struct ethhdr) + 4 * (__u32)p->vlan_count + (p->ipv6 ? 40 : 20);
}

/* Makes the frame exactly `new_len` octets, keeping nothing in particular:
 * for replies whose every byte is rewritten. */
static __always_inline int reply_resize(struct xdp_md *ctx, __u32 new_len)
{
	__u32 old_len = ctx->data_end - ctx->data;

	if (old_len > new_len)
		return bpf_xdp_adjust_tail(ctx, (int)new_len - (int)old_len);
	if (old_len < new_len)
		return bpf_xdp_adjust_head(ctx, (int)old_len - (int)new_len);
	return 0;
}

/* Writes Ethernet, VLAN tags and the IP header of a reply carrying `l4_len`
 * transport octets of protocol `proto`, addresses swapped. */
static __always_inline int reply_write_l2l3(struct xdp_md *ctx, const struct pkt *p,
					    __u8 proto, __u32 l4_len)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 off = sizeof(*eth);
	__u8 *ip;

	if ((void *)(eth + 1) > end)
		return -1;
	__builtin_memcpy(eth->h_dest, p->eth_src, 6);
	__builtin_memcpy(eth->h_source, p->eth_dst, 6);
	if (p->vlan_count == 0) {
		eth->h_proto = p->l3_proto;
	} else {
		__be16 *tag = pkt_at(data, off);

		eth->h_proto = p->vlan_tpid[0];
		if ((void *)(tag + 2) > end)
			return -1;
		tag[0] = p->vlan_tci[0];
		tag[1] = p->vlan_count > 1 ? p->vlan_tpid[1] : p->l3_proto;
		off += 4;
		if (p->vlan_count > 1) {
			tag = pkt_at(data, off);
			if ((void *)(tag + 2) > end)
				return -1;
			tag[0] = p->vlan_tci[1];
			tag[1] = p->l3_proto;
			off += 4;
		}
	}

	ip = pkt_at(data, off);
	if (p->ipv6) {
		if ((void *)(ip + 40) > end)
			return -1;
		*(__be32 *)ip = bpf_htonl(0x60000000);
		*(__be16 *)(ip + 4) = bpf_htons((__u16)l4_len);
		ip[6] = proto;
		ip[7] = REPLY_TTL;
		__builtin_memcpy(ip + 8, p->daddr, 16);
		__builtin_memcpy(ip + 24, p->saddr, 16);
	} else {
		const __u32 *s32 = (const __u32 *)(p->saddr + 12), *d32 = (const __u32 *)(p->daddr + 12);
		__u64 sum;

		if ((void *)(ip + 20) > end)
			return -1;
		ip[0] = 0x45;
		ip[1] = 0;
		*(__be16 *)(ip + 2) = bpf_htons((__u16)(20 + l4_len));
		*(__be16 *)(ip + 4) = 0;               /* ID: atomic datagram (RFC 6864) */
		*(__be16 *)(ip + 6) = bpf_htons(0x4000); /* DF */
		ip[8] = REPLY_TTL;
		ip[9] = proto;
		*(__be16 *)(ip + 10) = 0;
		__builtin_memcpy(ip + 12, p->daddr + 12, 4);
		__builtin_memcpy(ip + 16, p->saddr + 12, 4);
		/* The header checksum from the values just written, not read
		 * back from the packet: native-order words as the loads would
		 * give them (the addresses as 32-bit words: the same sum once
		 * folded). */
		sum = (__u64)bpf_htons(0x4500) + bpf_htons((__u16)(20 + l4_len)) + bpf_htons(0x4000) +
		      bpf_htons((__u16)(REPLY_TTL << 8 | proto)) + *s32 + *d32;
		*(__u16 *)(ip + 10) = ~csum_fold(sum);
	}
	return 0;
}

#endif /* XDPDNS_BPF_REPLY_H */
