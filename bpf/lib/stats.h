/* Counting: every verdict of the program goes through verdict(), so each
 * return path counts exactly one reason. PERCPU_ARRAY: no atomics needed. */
#ifndef XDPDNS_BPF_STATS_H
#define XDPDNS_BPF_STATS_H

#include "maps.h"

static __always_inline void count(enum xdpdns_stat reason)
{
	__u32 key = reason;
	__u64 *v = bpf_map_lookup_elem(&stats, &key);

	if (v)
		*v += 1;
}

static __always_inline int verdict(enum xdpdns_stat reason, int action)
{
	count(reason);
	return action;
}

#endif /* XDPDNS_BPF_STATS_H */
