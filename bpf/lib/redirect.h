/* Hand-over to the daemon: metadata in front of the frame, then the XSKMAP
 * slot of the RX queue. */
#ifndef XDPDNS_BPF_REDIRECT_H
#define XDPDNS_BPF_REDIRECT_H

#include "maps.h"
#include "parse.h"

/* Puts struct xdpdns_meta in front of the packet (`rcv_nxt` and `snd_nxt`
 * for XDPDNS_META_F_ADOPT). Failure is not fatal: the
 * daemon parses frames itself and only misses the hints. */
static __always_inline void push_meta_conn(struct xdp_md *ctx, const struct pkt *p, __u16 flags,
					   __u16 client_mss, __u16 path_mtu, __u32 rcv_nxt, __u32 snd_nxt)
{
	struct xdpdns_meta *m;
	void *data;

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*m)))
		return;
	data = (void *)(long)ctx->data;
	m = (void *)(long)ctx->data_meta;
	if ((void *)(m + 1) > data)
		return;
	m->magic = XDPDNS_META_MAGIC;
	m->flags = flags | (p->ipv6 ? XDPDNS_META_F_IPV6 : 0);
	m->path_mtu = path_mtu;
	m->client_mss = client_mss;
	m->l3_offset = p->l3_off;
	m->l4_offset = p->l4_off;
	m->pad = 0;
	m->rcv_nxt = rcv_nxt;
	m->snd_nxt = snd_nxt;
}

/* The same without connection numbers. */
static __always_inline void push_meta(struct xdp_md *ctx, const struct pkt *p, __u16 flags,
				      __u16 client_mss, __u16 path_mtu)
{
	push_meta_conn(ctx, p, flags, client_mss, path_mtu, 0, 0);
}

/* XDP_REDIRECT when a socket sits on this queue, else `fallback`. */
static __always_inline int to_daemon(struct xdp_md *ctx, int fallback)
{
	return bpf_redirect_map(&xsks, ctx->rx_queue_index, fallback);
}

#endif /* XDPDNS_BPF_REDIRECT_H */
