/* dnstap of answers made in XDP: the XDP program copies 1 in
 * config.dnstap_sample of the answer frames it sends with XDP_TX to the
 * PERF_EVENT_ARRAY `tap_events`; each sample is this header followed by
 * the frame, octet for octet as it leaves (Ethernet onwards). The daemon
 * reads them (daemon/dnstap/xdp_tap_reader.h) and logs AUTH_RESPONSEs. */
#ifndef XDPDNS_TAP_H
#define XDPDNS_TAP_H

#include <linux/types.h>

struct xdpdns_tap_meta {
	__u32 frame_len; /* octets of frame after this header (host order) */
	__u32 reserved;
};

#ifdef __cplusplus
static_assert(sizeof(struct xdpdns_tap_meta) == 8, "tap meta layout");
#else
_Static_assert(sizeof(struct xdpdns_tap_meta) == 8, "tap meta layout");
#endif

#endif /* XDPDNS_TAP_H */
