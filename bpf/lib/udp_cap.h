/* udp.max-size: the largest UDP payload of any answer we send (RFC 9715:
 * answers that would be IP-fragmented are what off-path spoofing needs).
 * Answers above it go to the daemon, which sends TC=1; the PMTU code
 * takes it as the largest answer an ICMP error can be about. A config
 * without the knob (0) acts as the DNS minimum, 512. */
#ifndef XDPDNS_BPF_UDP_CAP_H
#define XDPDNS_BPF_UDP_CAP_H

#include <xdpdns/abi.h>

static __always_inline __u32 udp_cap(const struct xdpdns_config *cfg)
{
	__u32 cap = cfg->udp_max_size;

	return cap < 512 ? 512 : cap > 65535 ? 65535 : cap;
}

#endif /* XDPDNS_BPF_UDP_CAP_H */
