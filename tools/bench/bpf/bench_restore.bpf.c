/* Puts the original frame back before every run, then tail-calls the program
 * under measurement (target[0]).
 *
 * BPF_PROG_TEST_RUN with `repeat` hands the same buffer to every iteration:
 * a path that rewrites the frame (SYN -> SYN-ACK, FIN -> ACK, TC=1 answer)
 * or pushes metadata would otherwise measure something else from the second
 * iteration on. The cost of this wrapper is measured by tail-calling a bare
 * XDP_DROP with the same frame, and subtracted by the benchmark. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define BENCH_FRAME_MAX 512

struct bench_frame {
	__u32 len;
	__u8 bytes[BENCH_FRAME_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bench_frame);
} original SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} target SEC(".maps");

SEC("xdp")
int bench_restore(struct xdp_md *ctx)
{
	struct bench_frame *f;
	__u32 zero = 0, len, cur, meta;

	f = bpf_map_lookup_elem(&original, &zero);
	if (!f)
		return XDP_ABORTED;
	len = f->len;
	if (len == 0 || len > BENCH_FRAME_MAX)
		return XDP_ABORTED;

	/* Undo what the previous iteration did: metadata, then the length
	 * (a reply grows at its tail where the buffer has room, here it has;
	 * one that shrank did so at the tail). */
	meta = ctx->data - ctx->data_meta;
	if (meta && bpf_xdp_adjust_meta(ctx, (int)meta))
		return XDP_ABORTED;
	cur = ctx->data_end - ctx->data;
	if (cur > len && bpf_xdp_adjust_tail(ctx, (int)len - (int)cur))
		return XDP_ABORTED;
	if (cur < len && bpf_xdp_adjust_tail(ctx, (int)(len - cur)))
		return XDP_ABORTED;
	if (bpf_xdp_store_bytes(ctx, 0, f->bytes, len))
		return XDP_ABORTED;

	bpf_tail_call(ctx, &target, 0);
	return XDP_ABORTED;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
