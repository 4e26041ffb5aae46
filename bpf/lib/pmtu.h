/* Path MTU from ICMP: a "fragmentation needed" (ICMPv4 3/4) or Packet Too
 * Big (ICMPv6 2/0) about one of our UDP answers lowers the MTU the daemon
 * uses toward that client. The LRU map bounds memory whatever is forged;
 * the message is always passed on to the host stack afterwards. */
#ifndef XDPDNS_BPF_PMTU_H
#define XDPDNS_BPF_PMTU_H

#include "maps.h"
#include "ports.h"
#include "stats.h"

#define ICMP_DEST_UNREACH_  3
#define ICMP_FRAG_NEEDED_   4
#define ICMPV6_PKT_TOOBIG_  2

/* Equality of 4/16 octets; the BPF backend has no memcmp. */
static __always_inline int eq4(const __u8 *a, const __u8 *b)
{
	return *(const __u32 *)a == *(const __u32 *)b;
}

static __always_inline int eq16(const __u8 *a, const __u8 *b)
{
	return eq4(a, b) && eq4(a + 4, b + 4) && eq4(a + 8, b + 8) && eq4(a + 12, b + 12);
}

static __always_inline int pmtu_store(const __u8 *client, __u32 mtu)
{
	struct xdpdns_addr key;
	struct xdpdns_pmtu val = {};

	__builtin_memcpy(key.a, client, 16);
	val.mtu = mtu > 0xffff ? 0xffff : mtu;
	val.updated_ns = bpf_ktime_get_ns();
	bpf_map_update_elem(&pmtu, &key, &val, BPF_ANY);
	return verdict(XDPDNS_STAT_PMTU_ACCEPTED, XDP_PASS);
}

static __always_inline int handle_icmp4(struct xdp_md *ctx, const struct pkt *p,
					const struct xdpdns_config *cfg,
					const struct xdpdns_ports *ports)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u8 *icmp = pkt_at(data, p->l4_off), *in, *udp;
	__u8 client[16];
	__u32 ihl, mtu, off;
	__u16 sport;

	if ((void *)(icmp + 2) > end || p->l4_off + 2 > p->ip_end)
		return verdict(XDPDNS_STAT_PASS_OTHER, XDP_PASS);
	if (icmp[0] != ICMP_DEST_UNREACH_ || icmp[1] != ICMP_FRAG_NEEDED_)
		return verdict(XDPDNS_STAT_PASS_OTHER, XDP_PASS);

	off = p->l4_off + 8;                  /* the quoted IPv4 header */
	in = pkt_at(data, off);
	if ((void *)(in + 20) > end || off + 20 > p->ip_end)
		return verdict(XDPDNS_STAT_PMTU_TRUNCATED, XDP_PASS);
	ihl = (in[0] & 0x0f) * 4;
	if (ihl < 20 || off + ihl + 8 > p->ip_end)
		return verdict(XDPDNS_STAT_PMTU_TRUNCATED, XDP_PASS);
	udp = in + ihl;
	if ((void *)(udp + 8) > end)
		return verdict(XDPDNS_STAT_PMTU_TRUNCATED, XDP_PASS);
	if (!eq4(in + 12, p->daddr + 12) || in[9] != IPPROTO_UDP ||
	    (((in[6] << 8) | in[7]) & 0x1fff))
		return verdict(XDPDNS_STAT_PMTU_NOT_OURS, XDP_PASS);
	sport = ((__u16)udp[0] << 8) | udp[1];
	if (!port_in_set(ports, sport))
		return verdict(XDPDNS_STAT_PMTU_NOT_OURS, XDP_PASS);
	if ((void *)(icmp + 8) > end)
		return verdict(XDPDNS_STAT_PMTU_TRUNCATED, XDP_PASS);
	mtu = ((__u32)icmp[6] << 8) | icmp[7];
	if (mtu < cfg->pmtu_min_v4)
		return verdict(XDPDNS_STAT_PMTU_TOO_SMALL, XDP_PASS);
	map_v4(client, in + 16);
	return pmtu_store(client, mtu);
}

static __always_inline int handle_icmp6(struct xdp_md *ctx, const struct pkt *p,
					const struct xdpdns_ports *ports)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u8 *icmp = pkt_at(data, p->l4_off), *in, *udp;
	__u8 client[16];
	__u32 mtu, off, udp_off;
	__u16 sport;
	__u8 nh;

	if ((void *)(icmp + 2) > end || p->l4_off + 2 > p->ip_end)
		return verdict(XDPDNS_STAT_PASS_OTHER, XDP_PASS);
	if (icmp[0] != ICMPV6_PKT_TOOBIG_ || icmp[1] != 0)
		return verdict(XDPDNS_STAT_PASS_OTHER, XDP_PASS);

	off = p->l4_off + 8;                  /* the quoted IPv6 header */
	in = pkt_at(data, off);
	if ((void *)(in + 40) > end || off + 40 > p->ip_end)
		return verdict(XDPDNS_STAT_PMTU_TRUNCATED, XDP_PASS);
	if (!eq16(in + 8, p->daddr))
		return verdict(XDPDNS_STAT_PMTU_NOT_OURS, XDP_PASS);
	nh = in[6];
	udp_off = off + 40;
	if (nh == IPV6_NH_FRAG) {
		__u8 *fh = in + 40;

		if ((void *)(fh + 8) > end || udp_off + 8 > p->ip_end)
			return verdict(XDPDNS_STAT_PMTU_TRUNCATED, XDP_PASS);
		if ((((__u16)fh[2] << 8) | fh[3]) & 0xfff8)  /* later fragment: no port */
			return verdict(XDPDNS_STAT_PMTU_NOT_OURS, XDP_PASS);
		nh = fh[0];
		udp_off += 8;
	}
	if (nh != IPPROTO_UDP)
		return verdict(XDPDNS_STAT_PMTU_NOT_OURS, XDP_PASS);
	if (udp_off > 0xffff)
		return verdict(XDPDNS_STAT_PMTU_TRUNCATED, XDP_PASS);
	udp = pkt_at(data, udp_off);
	if ((void *)(udp + 8) > end || udp_off + 8 > p->ip_end)
		return verdict(XDPDNS_STAT_PMTU_TRUNCATED, XDP_PASS);
	sport = ((__u16)udp[0] << 8) | udp[1];
	if (!port_in_set(ports, sport))
		return verdict(XDPDNS_STAT_PMTU_NOT_OURS, XDP_PASS);
	if ((void *)(icmp + 8) > end)
		return verdict(XDPDNS_STAT_PMTU_TRUNCATED, XDP_PASS);
	mtu = bpf_ntohl(*(__be32 *)(icmp + 4));
	if (mtu < XDPDNS_PMTU_MIN_V6)
		return verdict(XDPDNS_STAT_PMTU_TOO_SMALL, XDP_PASS);
	__builtin_memcpy(client, in + 24, 16);
	return pmtu_store(client, mtu);
}

/* Path MTU known for `client` (0 if none or stale). */
/* The path MTU toward a client, 0 when unknown. An IPv4 entry below the
 * current pmtu.min-v4 (the knob was raised after it was stored) is ignored,
 * as a new message with that MTU would be. */
static __always_inline __u16 pmtu_lookup(const __u8 *client, int ipv6, const struct xdpdns_config *cfg)
{
	struct xdpdns_addr key;
	struct xdpdns_pmtu *v;

	__builtin_memcpy(key.a, client, 16);
	v = bpf_map_lookup_elem(&pmtu, &key);
	if (!v)
		return 0;
	if (bpf_ktime_get_ns() - v->updated_ns > (__u64)cfg->pmtu_lifetime_s * 1000000000ULL)
		return 0;
	if (!ipv6 && v->mtu < cfg->pmtu_min_v4)
		return 0;
	return (__u16)v->mtu;
}

#endif /* XDPDNS_BPF_PMTU_H */
