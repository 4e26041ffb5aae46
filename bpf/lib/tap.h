/* dnstap of in-kernel answers: a copy of 1 in config.dnstap_sample answer
 * frames (chosen at random) goes to user space just before XDP_TX. A
 * PERF_EVENT_ARRAY, not a ring buffer: bpf_perf_event_output copies the
 * frame straight out of the XDP buffer at its run-time length (the upper
 * 32 bits of the flags), where a ring buffer would need a reservation of
 * fixed size and a bounded copy loop. Nothing happens with the knob at 0. */
#ifndef XDPDNS_BPF_TAP_H
#define XDPDNS_BPF_TAP_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <xdpdns/abi.h>
#include <xdpdns/tap.h>

/* One perf ring per CPU (max_entries 0: libbpf sets the CPU count). */
struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} tap_events SEC(".maps");

/* Frames above this are not copied (an answer frame never is: the link MTU). */
#define XDPDNS_TAP_FRAME_MAX 9216u

static __always_inline void tap_answer(struct xdp_md *ctx, const struct xdpdns_config *cfg)
{
	__u32 every = cfg->dnstap_sample;
	struct xdpdns_tap_meta meta = {};
	__u64 len;

	if (!every || (every > 1 && bpf_get_prandom_u32() % every))
		return;
	len = (__u64)(ctx->data_end - ctx->data);
	if (len > XDPDNS_TAP_FRAME_MAX)
		return;
	meta.frame_len = (__u32)len;
	/* A full ring loses the sample (the reader counts lost ones). */
	bpf_perf_event_output(ctx, &tap_events, BPF_F_CURRENT_CPU | (len << 32), &meta, sizeof(meta));
}

#endif /* XDPDNS_BPF_TAP_H */
