/* UDP queries to a service port: truncated in place (udp.truncate-all) or
 * handed to the daemon with the ATR and path-MTU hints in the metadata. */
#ifndef XDPDNS_BPF_UDP_H
#define XDPDNS_BPF_UDP_H

#include "answer.h"
#include "dns.h"
#include "pmtu.h"
#include "redirect.h"
#include "stats.h"
#include "udp_view.h"

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

	if (cfg->answers_in_kernel) {
		int r = answer_udp(ctx, p, &u, cfg);

		if (r != ANSWER_TO_DAEMON)
			return r;
	}

	if (atr_allowed(p, cfg))
		flags |= XDPDNS_META_F_ATR_ALLOWED;
	if (cfg->rrl_rate && rrl_exempt_client(p, cfg))
		flags |= XDPDNS_META_F_RRL_EXEMPT;
	push_meta(ctx, p, flags, 0, pmtu_lookup(p->saddr, p->ipv6, cfg));
	if (to_daemon(ctx, XDP_PASS) == XDP_REDIRECT)
		return verdict(XDPDNS_STAT_UDP_TO_DAEMON, XDP_REDIRECT);
	return verdict(XDPDNS_STAT_PASS_UDP_NO_DAEMON, XDP_PASS);
}

#endif /* XDPDNS_BPF_UDP_H */
