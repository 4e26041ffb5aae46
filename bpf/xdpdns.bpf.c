/* Placeholder entry points while the program is written; replaced below. */
#include "lib/maps.h"

SEC("xdp")
int xdpdns_main(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp")
int xdpdns_atr(struct xdp_md *ctx)
{
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
