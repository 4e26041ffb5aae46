/* DNS in XDP: recognising a query we can truncate and turning it, in place,
 * into a TC=1 answer (header + question + OPT). The one truncation routine,
 * used by udp.truncate-all in xdpdns_main and by the ATR replay program. */
#ifndef XDPDNS_BPF_DNS_H
#define XDPDNS_BPF_DNS_H

#include "reply.h"

#define DNS_HDR_LEN      12
#define DNS_OPT_FIXED    11  /* root name, type, class, ttl, rdlength */
#define DNS_MAX_LABELS   128 /* a 255-octet name has at most 127 labels + root */
#define DNS_TYPE_OPT     41

struct dns_query {
	__u32 dns_off;   /* DNS header offset in the frame        */
	__u32 qend;      /* offset just after QTYPE/QCLASS        */
	__u8 has_opt;
	__u8 do_bit;
};

/* Checks the UDP payload [dns_off, dns_end) is a query we can answer TC=1:
 * QUERY opcode, one question of plain labels, no answer/authority records. */
XDPDNS_GLOBAL int dns_parse_query(struct xdp_md *ctx, __u32 dns_off, __u32 dns_end,
				  struct dns_query *q)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 off, name_len = 0, i;
	__u16 arcount;
	__u8 *h;

	if (!q || dns_off > XDPDNS_MAX_FRAME)  /* global function: q may be NULL */
		return -1;
	h = pkt_at(data, dns_off);
	if ((void *)(h + DNS_HDR_LEN) > end || dns_off + DNS_HDR_LEN > dns_end)
		return -1;
	if (h[2] & 0x80)                 /* QR: a response */
		return -1;
	if ((h[2] >> 3) & 0x0f)          /* opcode other than QUERY */
		return -1;
	if (h[4] != 0 || h[5] != 1 || h[6] | h[7] | h[8] | h[9])
		return -1;
	arcount = ((__u16)h[10] << 8) | h[11];

	off = dns_off + DNS_HDR_LEN;
	for (i = 0; i < DNS_MAX_LABELS; i++) {
		__u8 *l;
		__u8 len;

		if (off > 0xffff)
			return -1;
		l = pkt_at(data, off);
		if ((void *)(l + 1) > end || off + 1 > dns_end)
			return -1;
		len = *l;
		off += 1;
		name_len += 1;
		if (len == 0)
			break;
		if (len > 63)                /* compression pointer or reserved */
			return -1;
		off += len;
		name_len += len;
		if (name_len > XDPDNS_MAX_QNAME_LEN)
			return -1;
	}
	if (i == DNS_MAX_LABELS || name_len > XDPDNS_MAX_QNAME_LEN) /* root octet counts too */
		return -1;
	off += 4;                            /* QTYPE, QCLASS */
	if (off > dns_end)
		return -1;
	q->dns_off = dns_off;
	q->qend = off;
	q->has_opt = 0;
	q->do_bit = 0;

	if (arcount && off + DNS_OPT_FIXED <= dns_end && off <= 0xffff) {
		__u8 *o = pkt_at(data, off);

		if ((void *)(o + DNS_OPT_FIXED) > end)
			return -1;
		if (o[0] == 0 && o[1] == 0 && o[2] == DNS_TYPE_OPT) {
			q->has_opt = 1;
			q->do_bit = (o[7] & 0x80) ? 1 : 0;
		}
	}
	return 0;
}

/* Turns the query frame into its TC=1 answer. `sport`/`dport` are the
 * query's ports. Returns 0 when the frame is ready for XDP_TX. */
static __always_inline int dns_truncate(struct xdp_md *ctx, const struct pkt *p,
					const struct dns_query *q, __be16 sport, __be16 dport,
					__u16 edns_size)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 dns_len = q->qend - q->dns_off + (q->has_opt ? DNS_OPT_FIXED : 0);
	__u32 hdr_len = reply_hdr_len(p) + 8;
	__u32 new_len = hdr_len + dns_len, cur_len;
	__u8 *h, *udp;
	__u64 sum;
	__u16 check;

	if (q->dns_off > 0xffff || q->qend > 0xffff || q->dns_off < hdr_len)
		return -1;
	h = pkt_at(data, q->dns_off);
	if ((void *)(h + DNS_HDR_LEN) > end)
		return -1;
	h[2] = 0x80 | 0x02 | (h[2] & 0x01);  /* QR, TC, RD copied; opcode 0, AA 0 */
	h[3] = h[3] & 0x10;                  /* CD copied; RA, Z, AD, RCODE 0 */
	h[4] = 0; h[5] = 1;                  /* QDCOUNT */
	h[6] = 0; h[7] = 0;                  /* ANCOUNT */
	h[8] = 0; h[9] = 0;                  /* NSCOUNT */
	h[10] = 0; h[11] = q->has_opt;       /* ARCOUNT */
	if (q->has_opt) {
		__u8 *o = pkt_at(data, q->qend);

		if ((void *)(o + DNS_OPT_FIXED) > end)
			return -1;
		o[3] = edns_size >> 8;           /* CLASS = our UDP payload size */
		o[4] = edns_size & 0xff;
		o[5] = 0;                        /* extended RCODE */
		o[6] = 0;                        /* version */
		o[7] = q->do_bit ? 0x80 : 0;     /* DO */
		o[8] = 0;
		o[9] = 0;                        /* RDLENGTH */
		o[10] = 0;
	}

	/* Keep the DNS bytes where they are; new (never longer) headers go
	 * right in front of them, the rest of the frame is cut off. */
	if (bpf_xdp_adjust_head(ctx, (int)(q->dns_off - hdr_len)))
		return -1;
	cur_len = ctx->data_end - ctx->data;
	if (cur_len < new_len)
		return -1;
	if (cur_len > new_len && bpf_xdp_adjust_tail(ctx, (int)new_len - (int)cur_len))
		return -1;
	if (reply_write_l2l3(ctx, p, IPPROTO_UDP, 8 + dns_len))
		return -1;

	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (hdr_len > 0xffff)
		return -1;
	udp = pkt_at(data, hdr_len - 8);
	if ((void *)(udp + 8) > end)
		return -1;
	*(__be16 *)udp = dport;
	*(__be16 *)(udp + 2) = sport;
	*(__be16 *)(udp + 4) = bpf_htons((__u16)(8 + dns_len));
	*(__u16 *)(udp + 6) = 0;
	sum = csum_pseudo(p->daddr, p->saddr, p->ipv6, IPPROTO_UDP, 8 + dns_len);
	if (csum_packet(ctx, hdr_len - 8, 8 + dns_len, &sum))
		return -1;
	check = ~csum_fold(sum);
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	udp = pkt_at(data, hdr_len - 8);
	if ((void *)(udp + 8) > end)
		return -1;
	*(__u16 *)(udp + 6) = check ? check : 0xffff;
	return 0;
}

#endif /* XDPDNS_BPF_DNS_H */
