/* In-kernel answers: a query whose question is in the answers map is
 * answered here with XDP_TX, in the frame of the query itself: the query's
 * ID, question (the client's case) and RD/CD stay where they are, the rest
 * of the header and the sections after the question come from the map, so
 * the reply is the octets xdpdnsd would send. Anything else, and every
 * doubt, goes to the daemon as before. */
#ifndef XDPDNS_BPF_ANSWER_H
#define XDPDNS_BPF_ANSWER_H

#include "dns.h"
#include "pmtu.h"
#include "rrl.h"
#include "stats.h"
#include "udp_view.h"

#define ANSWER_TO_DAEMON (-1)

/* Header and question of the largest query the map serves. */
#define ANSWER_QUESTION_MAX (DNS_HDR_LEN + XDPDNS_ANSWER_QNAME_MAX + 4)

/* Bounds `len` to 1..mask+1 in the very register a helper is given, so the
 * verifier sees the bounds there: an identity for a value already checked
 * to be in range (mask + 1 a power of two at least that large). */
#define bound_len(len, mask) asm volatile("%[l] += -1; %[l] &= " #mask "; %[l] += 1" : [l] "+r"(len))

struct answer_query {
	__u32 dns_off;   /* DNS header                              */
	__u32 qend;      /* after QCLASS                            */
	__u16 udp_size;  /* client's buffer: 512, or its OPT's size */
	__u8 shape;      /* enum xdpdns_answer_shape                */
};

/* Lowercases the ASCII letters of 8 octets at once. Label length octets
 * (0..63) are never letters, so a whole wire-form name can go through. */
static __always_inline __u64 ascii_lower8(__u64 x)
{
	const __u64 ones7 = 0x7f7f7f7f7f7f7f7fULL, high = 0x8080808080808080ULL;
	__u64 low7 = x & ones7;
	__u64 ge_a = low7 + 0x3f3f3f3f3f3f3f3fULL;  /* bit 7 set where >= 'A' */
	__u64 gt_z = low7 + 0x2525252525252525ULL;  /* bit 7 set where >  'Z' */

	return x | (((ge_a & ~gt_z) & ~x & high) >> 2);
}

/* Reads the question into `key` if the query has the shape the map
 * serves: QUERY, one question of at most XDPDNS_ANSWER_QNAME_MAX octets, no
 * answer or authority records, and either nothing more or exactly one OPT
 * (version 0, no options). 0 when it does. */
static __always_inline int answer_key_read(struct xdp_md *ctx, __u32 dns_off, __u32 dns_end,
					   struct answer_query *aq, struct xdpdns_answer_key *key)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct dns_query q;
	__u64 *w = (__u64 *)key->qname;
	__u32 name_len, i;
	__u8 *h, *t;

	if (dns_parse_query(ctx, dns_off, dns_end, &q))
		return -1;
	h = pkt_at(data, dns_off);
	if ((void *)(h + DNS_HDR_LEN) > end)
		return -1;
	if (h[10] != 0 || h[11] > 1 || (h[11] == 1 && !q.has_opt))
		return -1;
	aq->udp_size = 512;
	aq->shape = XDPDNS_SHAPE_NO_EDNS;
	if (q.has_opt) {
		__u8 *o = pkt_at(data, q.qend);
		__u16 size;

		/* dns_parse_query saw the fixed part inside the message */
		if ((void *)(o + DNS_OPT_FIXED) > end)
			return -1;
		if (o[6] != 0 || o[9] != 0 || o[10] != 0)  /* version, RDLENGTH */
			return -1;
		size = ((__u16)o[3] << 8) | o[4];
		aq->udp_size = size > 512 ? size : 512;
		aq->shape = q.do_bit ? XDPDNS_SHAPE_EDNS_DO : XDPDNS_SHAPE_EDNS;
	}

	name_len = q.qend - 4 - dns_off - DNS_HDR_LEN;
	if (name_len == 0 || name_len > XDPDNS_ANSWER_QNAME_MAX)
		return -1;
	bound_len(name_len, 0x3f);
	if (bpf_xdp_load_bytes(ctx, dns_off + DNS_HDR_LEN, key->qname, name_len))
		return -1;
	for (i = 0; i < XDPDNS_ANSWER_QNAME_MAX / 8; i++)
		w[i] = ascii_lower8(w[i]);
	t = pkt_at(data, q.qend - 4);
	if ((void *)(t + 4) > end)
		return -1;
	key->qtype = *(__be16 *)t;
	key->qclass = *(__be16 *)(t + 2);
	key->shape = aq->shape;
	aq->dns_off = dns_off;
	aq->qend = q.qend;
	return 0;
}

/* 1 unless the answer's OPT (the last record when the query had one)
 * carries another UDP size than edns.buffer-size: the knob changed and the
 * daemon has not replaced the map yet. */
static __always_inline int answer_opt_current(const struct xdpdns_answer_key *key,
					      const struct xdpdns_answer *a,
					      const struct xdpdns_config *cfg)
{
	__u32 len = a->body_len;
	const __u8 *o;

	if ((key->shape & 3) == XDPDNS_SHAPE_NO_EDNS)
		return 1;
	if (len < 11 || len > XDPDNS_ANSWER_BODY_MAX)
		return 0;
	o = a->body + (len - 11);
	return (((__u32)o[3] << 8) | o[4]) == cfg->edns_buffer_size;
}

/* This CPU's scratch space (never NULL in practice: one element). */
static __always_inline struct answer_scratch *answer_scratch_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&answer_scratch, &zero);
}

/* The stored answer for the question, or NULL (no daemon answer map yet,
 * or not in it). */
static __always_inline const struct xdpdns_answer *answer_find(const struct xdpdns_answer_key *key)
{
	__u32 zero = 0;
	void *inner = bpf_map_lookup_elem(&answers, &zero);

	if (!inner)
		return NULL;
	return bpf_map_lookup_elem(inner, key);
}

/* Makes the frame `new_len` octets long: shorter at its end, longer at its
 * end if the buffer has room there, else at its front (XDP guarantees
 * headroom; a veth frame built from a local socket's packet has hardly any
 * tailroom). 0 when done; the frame is unchanged otherwise. */
static __always_inline int answer_resize(struct xdp_md *ctx, __u32 new_len)
{
	__u32 cur_len = ctx->data_end - ctx->data;
	int delta;

	barrier_var(cur_len);  /* no pointer arithmetic on data_end */
	delta = (int)new_len - (int)cur_len;
	if (delta == 0)
		return 0;
	if (!bpf_xdp_adjust_tail(ctx, delta))
		return 0;
	if (delta < 0)
		return -1;
	return bpf_xdp_adjust_head(ctx, -delta);
}

/* Makes the frame `new_len` octets long at its end only, where the query's
 * header and question can stay in place. 0 when done; the frame is
 * unchanged otherwise. */
static __always_inline int answer_resize_tail(struct xdp_md *ctx, __u32 new_len)
{
	__u32 cur_len = ctx->data_end - ctx->data;

	barrier_var(cur_len);  /* no pointer arithmetic on data_end */
	if (new_len == cur_len)
		return 0;
	return bpf_xdp_adjust_tail(ctx, (int)new_len - (int)cur_len);
}

/* The stored header fields over a query's header at `h` (on the stack or in
 * the packet, 12 octets checked by the caller): RD and CD stay the query's. */
static __always_inline void answer_header(__u8 *h, const struct xdpdns_answer *a)
{
	h[2] = a->flags[0] | (h[2] & 0x01);  /* RD copied */
	h[3] = a->flags[1] | (h[3] & 0x10);  /* CD copied */
	h[4] = 0;
	h[5] = 1;
	__builtin_memcpy(h + 6, a->counts, 6);
}

/* The stored sections, at `off` of the frame. */
static __always_inline int answer_body(struct xdp_md *ctx, __u32 off, const struct xdpdns_answer *a)
{
	__u32 body_len = a->body_len;

	if (body_len == 0)
		return 0;
	if (body_len > XDPDNS_ANSWER_BODY_MAX)
		return -1;
	bound_len(body_len, 0x3ff);
	return bpf_xdp_store_bytes(ctx, off, (void *)a->body, body_len);
}

/* The reply's DNS message where the query's header and question already
 * are, at `dns_off`. */
static __always_inline int answer_write_dns_in_place(struct xdp_md *ctx, __u32 dns_off, __u32 q_len,
						     const struct xdpdns_answer *a)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u8 *h;

	if (dns_off > 0xffff)
		return -1;
	h = pkt_at(data, dns_off);
	if ((void *)(h + DNS_HDR_LEN) > end)
		return -1;
	answer_header(h, a);
	return answer_body(ctx, dns_off + q_len, a);
}

/* The reply's DNS message at `dns_off` from the query's header and question
 * saved in `qbuf` (`q_len` octets). */
static __always_inline int answer_write_dns(struct xdp_md *ctx, __u32 dns_off, __u8 *qbuf, __u32 q_len,
					    const struct xdpdns_answer *a)
{
	answer_header(qbuf, a);
	if (q_len < DNS_HDR_LEN + 5 || q_len > ANSWER_QUESTION_MAX)
		return -1;
	bound_len(q_len, 0x7f);
	if (bpf_xdp_store_bytes(ctx, dns_off, qbuf, q_len))
		return -1;
	return answer_body(ctx, dns_off + q_len, a);
}

/* The stored answer for the query whose DNS message is [dns_off, dns_end),
 * in `aq`'s shape, or NULL (counted: not eligible, or a miss). `tcp`: the
 * answer for TCP. */
static __always_inline const struct xdpdns_answer *
answer_lookup(struct xdp_md *ctx, __u32 dns_off, __u32 dns_end, int tcp, struct answer_query *aq,
	      const struct xdpdns_config *cfg)
{
	struct answer_scratch *sc = answer_scratch_get();
	struct xdpdns_answer_key *key;
	const struct xdpdns_answer *a;

	if (!sc)
		return NULL;
	key = &sc->key;
	__builtin_memset(key, 0, sizeof(*key));  /* the name's tail and pad are part of the key */
	if (answer_key_read(ctx, dns_off, dns_end, aq, key)) {
		count(XDPDNS_STAT_ANSWER_NOT_ELIGIBLE);
		return NULL;
	}
	if (tcp)
		key->shape |= XDPDNS_SHAPE_TCP;
	a = answer_find(key);
	if (!a || !answer_opt_current(key, a, cfg) || a->body_len > XDPDNS_ANSWER_BODY_MAX) {
		count(XDPDNS_STAT_ANSWER_MISS);
		return NULL;
	}
	return a;
}

#define ANSWER_NO_ROOM (-2)

/* Makes the frame the reply: L2 and L3 headers for `l4_len` octets of
 * `proto`, whose DNS message (the query's header and question, the stored
 * rest) starts `dns_at` octets into the transport layer. The transport
 * header, and anything else before the message, are the caller's. 0 when
 * done; ANSWER_NO_ROOM (frame unchanged) when it cannot grow; -1 when it
 * is broken. */
static __always_inline int answer_build(struct xdp_md *ctx, const struct pkt *p, const struct answer_query *aq,
					const struct xdpdns_answer *a, __u8 proto, __u32 dns_at, __u32 l4_len)
{
	struct answer_scratch *sc = answer_scratch_get();
	__u8 *qbuf;  /* 128 octets: bound_len(q_len, 0x7f) lets the verifier see 128 */
	__u32 q_len = aq->qend - aq->dns_off;
	__u32 dns_off = reply_hdr_len(p) + dns_at;
	int in_place;

	/* Commonly the query's header and question already sit where the
	 * reply's go (no IP or TCP options) and the buffer has room at its
	 * end: they stay. Otherwise they are saved, the frame takes the
	 * reply's length, and every octet is written afresh. */
	if (!sc || q_len < DNS_HDR_LEN + 5 || q_len > ANSWER_QUESTION_MAX)
		return ANSWER_NO_ROOM;
	qbuf = sc->qbuf;
	in_place = aq->dns_off == dns_off && !answer_resize_tail(ctx, reply_hdr_len(p) + l4_len);
	if (!in_place) {
		bound_len(q_len, 0x7f);
		if (bpf_xdp_load_bytes(ctx, aq->dns_off, qbuf, q_len))
			return ANSWER_NO_ROOM;
		if (answer_resize(ctx, reply_hdr_len(p) + l4_len)) {
			count(XDPDNS_STAT_ANSWER_NO_ROOM);
			return ANSWER_NO_ROOM;
		}
	}
	if (reply_write_l2l3(ctx, p, proto, l4_len) ||
	    (in_place ? answer_write_dns_in_place(ctx, dns_off, q_len, a)
		      : answer_write_dns(ctx, dns_off, qbuf, q_len, a)))
		return -1;
	return 0;
}

/* The transport checksum of the reply (the field at `field` of the header
 * at `l4_off` zero), written; 0 when done. */
static __always_inline int answer_l4_csum(struct xdp_md *ctx, const struct pkt *p, __u8 proto, __u32 l4_off,
					  __u32 l4_len, __u32 field, int zero_is_ffff)
{
	void *data, *end;
	__u64 sum = csum_pseudo(p->daddr, p->saddr, p->ipv6, proto, l4_len);
	__u16 check;
	__u8 *l4;

	if (csum_packet(ctx, l4_off, l4_len, &sum))
		return -1;
	check = ~csum_fold(sum);
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (l4_off > 0xffff || field > 16)
		return -1;
	l4 = pkt_at(data, l4_off + field);
	if ((void *)(l4 + 2) > end)
		return -1;
	*(__u16 *)l4 = (check || !zero_is_ffff) ? check : 0xffff;
	return 0;
}

/* UDP: answers a query the map holds when the answer fits the client's
 * buffer and path and is not one ATR follows up; the verdict, or
 * ANSWER_TO_DAEMON (frame untouched). */
static __always_inline int answer_udp(struct xdp_md *ctx, const struct pkt *p, const struct udp_view *u,
				      const struct xdpdns_config *cfg)
{
	const struct xdpdns_answer *a;
	struct answer_query aq;
	__u32 dns_len, hdr_len, ip_len;
	void *data, *end;
	__u8 *udp;
	__u16 mtu;
	int r;

	a = answer_lookup(ctx, u->dns_off, u->dns_end, 0, &aq, cfg);
	if (!a)
		return ANSWER_TO_DAEMON;
	dns_len = aq.qend - aq.dns_off + a->body_len;
	ip_len = (p->ipv6 ? 40 : 20) + 8 + dns_len;
	if (dns_len > aq.udp_size ||
	    (cfg->atr_enabled && dns_len > (p->ipv6 ? cfg->atr_size_v6 : cfg->atr_size_v4))) {
		count(XDPDNS_STAT_ANSWER_TOO_BIG);
		return ANSWER_TO_DAEMON;
	}
	/* Only an answer above the smallest MTU a Packet Too Big may set
	 * needs the path-MTU map. */
	if (ip_len > (p->ipv6 ? XDPDNS_PMTU_MIN_V6 : cfg->pmtu_min_v4)) {
		mtu = pmtu_lookup(p->saddr, p->ipv6, cfg);
		if (mtu && ip_len > mtu) {
			count(XDPDNS_STAT_ANSWER_TOO_BIG);
			return ANSWER_TO_DAEMON;
		}
	}
	if (!udp_csum_ok(ctx, p, u, cfg))
		return verdict(XDPDNS_STAT_DROP_BAD_CSUM, XDP_DROP);
	r = rrl_udp(ctx, p, u, aq.dns_off, aq.qend, aq.shape, a->rrl_class, cfg);
	if (r != RRL_ANSWER)
		return r;

	r = answer_build(ctx, p, &aq, a, IPPROTO_UDP, 8, 8 + dns_len);
	if (r == ANSWER_NO_ROOM)
		return ANSWER_TO_DAEMON;
	if (r)
		return verdict(XDPDNS_STAT_DROP_MALFORMED, XDP_DROP);
	hdr_len = reply_hdr_len(p);
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	udp = pkt_at(data, hdr_len);
	if ((void *)(udp + 8) > end)
		return verdict(XDPDNS_STAT_DROP_MALFORMED, XDP_DROP);
	*(__be16 *)udp = u->dport;
	*(__be16 *)(udp + 2) = u->sport;
	*(__be16 *)(udp + 4) = bpf_htons((__u16)(8 + dns_len));
	*(__u16 *)(udp + 6) = 0;
	if (answer_l4_csum(ctx, p, IPPROTO_UDP, hdr_len, 8 + dns_len, 6, 1))
		return verdict(XDPDNS_STAT_DROP_MALFORMED, XDP_DROP);
	return verdict(XDPDNS_STAT_UDP_ANSWERED, XDP_TX);
}

#endif /* XDPDNS_BPF_ANSWER_H */
