/* Response rate limiting of the UDP answers XDP makes from the answers
 * map (include/xdpdns/rrl.h has the limiter, shared with the daemon): a
 * limited answer is dropped, or every rrl.slip-th one goes out as the
 * query's TC=1 answer (dns_truncate), so a spoofed flood of a popular name
 * costs neither daemon time nor bandwidth toward its victim. */
#ifndef XDPDNS_BPF_RRL_H
#define XDPDNS_BPF_RRL_H

#include <xdpdns/rrl.h>

#include "dns.h"
#include "maps.h"
#include "stats.h"
#include "udp_view.h"

/* Sets in the rrl map - 1 (a power of two), set by the loader with the
 * map's size (rrl.table-size). */
const volatile __u32 rrl_set_mask = XDPDNS_RRL_DEFAULT_BUCKETS / XDPDNS_RRL_WAYS - 1;

#define RRL_ANSWER (-3)  /* not limited: answer as usual */

static __always_inline int rrl_exempt_client(const struct pkt *p, const struct xdpdns_config *cfg)
{
	struct xdpdns_lpm_key key = { .prefixlen = 128 };

	if (!cfg->rrl_exempt_active)
		return 0;
	__builtin_memcpy(key.addr, p->saddr, 16);
	return bpf_map_lookup_elem(&rrl_exempt, &key) != NULL;
}

/* What becomes of the answer of `rrl_class` to the query at [dns_off,
 * qend) in shape `shape` (UDP): RRL_ANSWER, or the verdict of a limited
 * one (dropped, or turned into its TC=1 answer in place). */
static __always_inline int rrl_udp(struct xdp_md *ctx, const struct pkt *p, const struct udp_view *u,
				   __u32 dns_off, __u32 qend, __u8 shape, __u32 rrl_class,
				   const struct xdpdns_config *cfg)
{
	struct xdpdns_rrl_set *set;
	struct dns_query q;
	__u32 idx, now_s;
	__u64 tag;
	int v, started;

	if (!cfg->rrl_rate || !rrl_class)
		return RRL_ANSWER;
	if (rrl_exempt_client(p, cfg)) {
		count(XDPDNS_STAT_RRL_EXEMPT);
		return RRL_ANSWER;
	}
	tag = xdpdns_rrl_tag(p->saddr, xdpdns_rrl_bits(p->ipv6, cfg->rrl_prefix_v4, cfg->rrl_prefix_v6),
			     rrl_class);
	idx = (__u32)tag & rrl_set_mask;
	set = bpf_map_lookup_elem(&rrl, &idx);
	if (!set)
		return RRL_ANSWER;
	now_s = (__u32)(bpf_ktime_get_ns() / 1000000000ULL);
	v = xdpdns_rrl_account(set, tag, now_s, cfg->rrl_rate, cfg->rrl_slip, &started);
	if (v == XDPDNS_RRL_PASS)
		return RRL_ANSWER;
	if (cfg->rrl_log_only) {
		count(XDPDNS_STAT_RRL_WOULD_LIMIT);
		return RRL_ANSWER;
	}
	if (v == XDPDNS_RRL_DROP)
		return verdict(XDPDNS_STAT_RRL_DROPPED, XDP_DROP);
	q.dns_off = dns_off;
	q.qend = qend;
	q.has_opt = (shape & 3) != XDPDNS_SHAPE_NO_EDNS;
	q.do_bit = (shape & 3) == XDPDNS_SHAPE_EDNS_DO;
	if (dns_truncate(ctx, p, &q, u->sport, u->dport, (__u16)cfg->edns_buffer_size))
		return verdict(XDPDNS_STAT_DROP_MALFORMED, XDP_DROP);
	return verdict(XDPDNS_STAT_RRL_SLIPPED, XDP_TX);
}

#endif /* XDPDNS_BPF_RRL_H */
