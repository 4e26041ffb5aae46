// Passes every frame. Attached to the peer of a veth so that frames sent with
// XDP_TX or through AF_XDP on the other end are delivered (a veth only hands
// XDP-transmitted frames to a peer that runs XDP itself).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
