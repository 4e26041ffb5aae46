/* Service ports (a bitmap) and the transport ports of a parsed packet. */
#ifndef XDPDNS_BPF_PORTS_H
#define XDPDNS_BPF_PORTS_H

#include "parse.h"

static __always_inline int port_in_set(const struct xdpdns_ports *set, __u16 port)
{
	return (set->bits[port >> 6] >> (port & 63)) & 1;
}

/* Reads the TCP/UDP source and destination ports (network order).
 * Returns -1 if the IP packet is too short to hold them. */
static __always_inline int read_ports(struct xdp_md *ctx, const struct pkt *p,
				      __be16 *sport, __be16 *dport)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__be16 *l4 = pkt_at(data, p->l4_off);

	if ((void *)(l4 + 2) > end || p->l4_off + 4 > p->ip_end)
		return -1;
	*sport = l4[0];
	*dport = l4[1];
	return 0;
}

#endif /* XDPDNS_BPF_PORTS_H */
