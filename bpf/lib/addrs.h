/* Service addresses: with the filter active, TCP/UDP to a service port on
 * any other destination address belongs to the host (another DNS server on
 * the same machine, say) and is passed on untouched. */
#ifndef XDPDNS_BPF_ADDRS_H
#define XDPDNS_BPF_ADDRS_H

#include "maps.h"
#include "parse.h"

/* 1 when the packet's destination address is one of ours. p->daddr is a
 * 16-octet stack copy (IPv4 mapped), the key layout of service_addrs. */
static __always_inline int addr_is_ours(const struct xdpdns_config *cfg, struct pkt *p)
{
	if (!cfg->addr_filter_active)
		return 1;
	return bpf_map_lookup_elem(&service_addrs, p->daddr) != 0;
}

#endif /* XDPDNS_BPF_ADDRS_H */
