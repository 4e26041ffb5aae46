/* In-kernel TCP answers: a data segment that holds exactly one whole query,
 * whose answer the map holds and fits one segment, is answered with one
 * segment carrying the answer (length prefix and message) and the ACK of the
 * query, and the FIN when the connection ends with it: the octets xdpdnsd
 * sends for it (its one-segment train with tcp.reuse off, a reused
 * connection's first answer with it on). */
#ifndef XDPDNS_BPF_TCP_ANSWER_H
#define XDPDNS_BPF_TCP_ANSWER_H

#include "answer.h"
#include "tcp_view.h"

#define TCP_HDR_LEN 20

struct tcp_answer {
	const struct xdpdns_answer *a;
	struct answer_query aq;
	__u32 len;  /* TCP payload: the 2-octet length and the message */
};

/* The stored answer for a segment holding exactly one whole query, when it
 * fits one segment of ours (tcp.segment-size, the client's MSS, our link:
 * as the daemon cuts segments) and the client's window. 0 when it does;
 * -1 otherwise (counted as a note). */
static __always_inline int tcp_answer_find(struct xdp_md *ctx, const struct pkt *p, const struct tcp_seg *s,
					   const struct xdpdns_config *cfg, __u32 client_mss,
					   struct tcp_answer *ta)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 off = tcp_payload_off(p, s), msg_len, max, ip_tcp = (p->ipv6 ? 40 : 20) + TCP_HDR_LEN;
	__u8 *m;

	if (off > 0xffff)
		return -1;
	m = pkt_at(data, off);
	if ((void *)(m + 2) > end)
		return -1;
	msg_len = (__u32)m[0] << 8 | m[1];
	if (msg_len + 2 != s->payload) {  /* part of a query, or several */
		count(XDPDNS_STAT_ANSWER_NOT_ELIGIBLE);
		return -1;
	}
	ta->a = answer_lookup(ctx, off + 2, off + 2 + msg_len, 1, &ta->aq, cfg);
	if (!ta->a)
		return -1;
	ta->len = 2 + ta->aq.qend - ta->aq.dns_off + ta->a->body_len;
	max = cfg->tcp_segment_size;
	if (client_mss < max)
		max = client_mss;
	if (cfg->link_mtu < ip_tcp + max)
		max = cfg->link_mtu > ip_tcp ? cfg->link_mtu - ip_tcp : 0;
	if (ta->len > max || ta->len > s->window) {
		count(XDPDNS_STAT_ANSWER_TOO_BIG);
		return -1;
	}
	return 0;
}

/* Makes the frame the answer segment: from our `seq`, acknowledging `ack`,
 * with `flags`. 0 when done; ANSWER_NO_ROOM (frame unchanged) or -1. */
static __always_inline int tcp_answer_write(struct xdp_md *ctx, const struct pkt *p, const struct tcp_seg *s,
					    const struct tcp_answer *ta, __u32 seq, __u32 ack, __u8 flags,
					    const struct xdpdns_config *cfg)
{
	__u32 hdr = reply_hdr_len(p), dns_len = ta->len - 2;
	void *data, *end;
	__u8 *th;
	int r;

	r = answer_build(ctx, p, &ta->aq, ta->a, IPPROTO_TCP, TCP_HDR_LEN + 2, TCP_HDR_LEN + ta->len);
	if (r)
		return r;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (hdr > 0xffff)
		return -1;
	th = pkt_at(data, hdr);
	if ((void *)(th + TCP_HDR_LEN + 2) > end)
		return -1;
	*(__be16 *)th = s->dport;
	*(__be16 *)(th + 2) = s->sport;
	*(__be32 *)(th + 4) = bpf_htonl(seq);
	*(__be32 *)(th + 8) = bpf_htonl(ack);
	th[12] = 5 << 4;
	th[13] = flags;
	*(__be16 *)(th + 14) = bpf_htons((__u16)cfg->tcp_window);
	*(__u32 *)(th + 16) = 0;  /* checksum, urgent pointer */
	th[20] = dns_len >> 8;
	th[21] = dns_len & 0xff;
	return answer_l4_csum(ctx, p, IPPROTO_TCP, hdr, TCP_HDR_LEN + ta->len, 16, 0);
}

#endif /* XDPDNS_BPF_TCP_ANSWER_H */
