/* Path MTU from ICMP: a "fragmentation needed" (ICMPv4 3/4) or Packet Too
 * Big (ICMPv6 2/0) about one of our UDP answers lowers the MTU the daemon
 * uses toward that client. The LRU map bounds memory whatever is forged;
 * the message is always passed on to the host stack afterwards.
 *
 * Anyone can send such a message, and an accepted one pins a client to a
 * small MTU for pmtu.lifetime, so it is taken only when it could be true:
 *  - its ICMP checksum verifies (ICMPv6: with the pseudo-header);
 *  - the quoted packet is a UDP datagram from one of our service
 *    addresses (and the address the ICMP came to) and a service port;
 *  - it is shaped like an answer we send: IPv4 without options, DF set,
 *    not a fragment (our unfragmented answers carry DF, our fragments do
 *    not, and a router fragments a DF-clear packet instead of complaining);
 *    IPv6 whole, or the first fragment of one of ours (Fragment header
 *    straight after the IPv6 header, more to follow);
 *  - its UDP length agrees with its IP length (equal when whole, larger for
 *    a first fragment) and is at most udp.max-size + 8, the largest answer
 *    we send;
 *  - the quoted IP length exceeds the MTU reported (else the packet passed).
 * A message that fails is counted by reason: pmtu-bad-checksum, pmtu-not-
 * ours (address, port, protocol, later fragment) or pmtu-not-answer. */
#ifndef XDPDNS_BPF_PMTU_H
#define XDPDNS_BPF_PMTU_H

#include "csum.h"
#include "maps.h"
#include "ports.h"
#include "stats.h"
#include "udp_cap.h"

#define ICMP_DEST_UNREACH_  3
#define ICMP_FRAG_NEEDED_   4
#define ICMPV6_PKT_TOOBIG_  2
#define IPV4_DF_            0x4000
#define IPV4_MF_            0x2000

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

/* 1 when the quoted source (the address the ICMP came to, p->daddr) is a
 * service address, or no service addresses are set (every address is). */
static __always_inline int pmtu_from_us(const struct xdpdns_config *cfg, const struct pkt *p)
{
	if (!cfg->addr_filter_active)
		return 1;
	return bpf_map_lookup_elem(&service_addrs, p->daddr) != 0;
}

/* 1 when the ICMP message (l4_off to ip_end) sums to all ones, after
 * `pseudo` (0 for ICMPv4, the pseudo-header for ICMPv6). Routers and
 * hosts fill the ICMP checksum in full: no partial form here. */
static __always_inline int pmtu_csum_ok(struct xdp_md *ctx, const struct pkt *p, __u64 pseudo)
{
	__u64 r = csum_range(ctx, p->l4_off, p->ip_end - p->l4_off);

	if (r & CSUM_ERROR)
		return 0;
	return csum_fold(pseudo + r) == 0xffff;
}

static __always_inline int handle_icmp4(struct xdp_md *ctx, const struct pkt *p,
					const struct xdpdns_config *cfg,
					const struct xdpdns_ports *ports)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u8 *icmp = pkt_at(data, p->l4_off), *in, *udp;
	__u8 client[16];
	__u32 ihl, mtu, off, ip_len, udp_len;
	__u16 sport, frag;

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
	if (!pmtu_csum_ok(ctx, p, 0))
		return verdict(XDPDNS_STAT_PMTU_BAD_CSUM, XDP_PASS);
	/* csum_range may have been a call: reload the packet pointers. */
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	icmp = pkt_at(data, p->l4_off);
	in = pkt_at(data, off);
	if ((void *)(icmp + 8) > end || (void *)(in + 20) > end)
		return verdict(XDPDNS_STAT_PMTU_TRUNCATED, XDP_PASS);
	frag = ((__u16)in[6] << 8) | in[7];
	if (!eq4(in + 12, p->daddr + 12) || in[9] != IPPROTO_UDP || (frag & 0x1fff) ||
	    !pmtu_from_us(cfg, p))
		return verdict(XDPDNS_STAT_PMTU_NOT_OURS, XDP_PASS);
	if (ihl != 20)                        /* our answers carry no IP options */
		return verdict(XDPDNS_STAT_PMTU_NOT_ANSWER, XDP_PASS);
	udp = in + 20;
	if ((void *)(udp + 8) > end)
		return verdict(XDPDNS_STAT_PMTU_TRUNCATED, XDP_PASS);
	sport = ((__u16)udp[0] << 8) | udp[1];
	if (!port_in_set(ports, sport))
		return verdict(XDPDNS_STAT_PMTU_NOT_OURS, XDP_PASS);
	mtu = ((__u32)icmp[6] << 8) | icmp[7];
	ip_len = ((__u32)in[2] << 8) | in[3];
	udp_len = ((__u32)udp[4] << 8) | udp[5];
	if (!(frag & IPV4_DF_) || (frag & IPV4_MF_) || udp_len != ip_len - 20 || ip_len < 28 ||
	    udp_len > udp_cap(cfg) + 8 || ip_len <= mtu)
		return verdict(XDPDNS_STAT_PMTU_NOT_ANSWER, XDP_PASS);
	if (mtu < cfg->pmtu_min_v4)
		return verdict(XDPDNS_STAT_PMTU_TOO_SMALL, XDP_PASS);
	map_v4(client, in + 16);
	return pmtu_store(client, mtu);
}

static __always_inline int handle_icmp6(struct xdp_md *ctx, const struct pkt *p,
					const struct xdpdns_config *cfg,
					const struct xdpdns_ports *ports)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u8 *icmp = pkt_at(data, p->l4_off), *in, *udp;
	__u8 client[16];
	__u32 mtu, off, udp_off, plen, udp_len;
	__u16 sport;
	__u8 nh, first_fragment = 0;

	if ((void *)(icmp + 2) > end || p->l4_off + 2 > p->ip_end)
		return verdict(XDPDNS_STAT_PASS_OTHER, XDP_PASS);
	if (icmp[0] != ICMPV6_PKT_TOOBIG_ || icmp[1] != 0)
		return verdict(XDPDNS_STAT_PASS_OTHER, XDP_PASS);

	off = p->l4_off + 8;                  /* the quoted IPv6 header */
	in = pkt_at(data, off);
	if ((void *)(in + 40) > end || off + 40 > p->ip_end)
		return verdict(XDPDNS_STAT_PMTU_TRUNCATED, XDP_PASS);
	if (!pmtu_csum_ok(ctx, p, csum_pseudo(p->saddr, p->daddr, 1, IPV6_NH_ICMP, p->ip_end - p->l4_off)))
		return verdict(XDPDNS_STAT_PMTU_BAD_CSUM, XDP_PASS);
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	icmp = pkt_at(data, p->l4_off);
	in = pkt_at(data, off);
	if ((void *)(icmp + 8) > end || (void *)(in + 40) > end)
		return verdict(XDPDNS_STAT_PMTU_TRUNCATED, XDP_PASS);
	if (!eq16(in + 8, p->daddr) || !pmtu_from_us(cfg, p))
		return verdict(XDPDNS_STAT_PMTU_NOT_OURS, XDP_PASS);
	nh = in[6];
	plen = ((__u32)in[4] << 8) | in[5];
	udp_off = off + 40;
	if (nh == IPV6_NH_FRAG) {
		__u8 *fh = in + 40;

		if ((void *)(fh + 8) > end || udp_off + 8 > p->ip_end)
			return verdict(XDPDNS_STAT_PMTU_TRUNCATED, XDP_PASS);
		if ((((__u16)fh[2] << 8) | fh[3]) & 0xfff8)  /* later fragment: no port */
			return verdict(XDPDNS_STAT_PMTU_NOT_OURS, XDP_PASS);
		/* An atomic fragment (offset 0, no M) is nothing we send. */
		if (!(fh[3] & 1))
			return verdict(XDPDNS_STAT_PMTU_NOT_ANSWER, XDP_PASS);
		first_fragment = 1;
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
	mtu = bpf_ntohl(*(__be32 *)(icmp + 4));
	udp_len = ((__u32)udp[4] << 8) | udp[5];
	/* Whole: the UDP length is the payload length. First fragment: the
	 * datagram goes on beyond this fragment's share (plen - 8). */
	if ((first_fragment ? (plen < 16 || udp_len <= plen - 8) : udp_len != plen) ||
	    udp_len < 8 || udp_len > udp_cap(cfg) + 8 || 40 + plen <= mtu)
		return verdict(XDPDNS_STAT_PMTU_NOT_ANSWER, XDP_PASS);
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
