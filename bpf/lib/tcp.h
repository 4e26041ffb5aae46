/* Stateless TCP control segments: SYN -> SYN-ACK with a cookie, FIN -> ACK,
 * data with a valid cookie -> daemon, everything else consumed. */
#ifndef XDPDNS_BPF_TCP_H
#define XDPDNS_BPF_TCP_H

#include <xdpdns/cookie.h>
#include "reply.h"
#include "redirect.h"
#include "stats.h"

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_MAX_OPTION_BYTES 40

struct tcp_reply_hdr {
	__be16 sport;
	__be16 dport;
	__be32 seq;
	__be32 ack;
	__u8 doff;     /* data offset << 4 */
	__u8 flags;
	__be16 window;
	__u16 check;
	__be16 urg;
	__u8 mss_opt[4]; /* kind 2, length 4, value; only sent on SYN-ACK */
};
_Static_assert(sizeof(struct tcp_reply_hdr) == 24, "tcp_reply() sums it as six words");

/* The epoch userspace publishes (from CLOCK_REALTIME, so a fleet agrees
 * whatever each host's TAI offset): no clock read or division per packet,
 * and the daemon checks cookies against the very same number. */
static __always_inline __u32 cookie_epoch_now(const struct xdpdns_config *cfg)
{
	return *(volatile const __u32 *)&cfg->cookie_epoch; /* stored concurrently */
}

static __always_inline void cookie_input(struct xdpdns_cookie_input *in, const struct pkt *p,
					 __be16 sport, __be16 dport)
{
	__builtin_memcpy(in->client_addr, p->saddr, 16);
	__builtin_memcpy(in->server_addr, p->daddr, 16);
	in->client_port = sport;
	in->server_port = dport;
	in->pad = 0;
}

static __always_inline void conn_key(struct xdpdns_conn_key *k, const struct pkt *p,
				     __be16 client_port, __be16 server_port)
{
	__builtin_memcpy(k->client_addr, p->saddr, 16);
	__builtin_memcpy(k->server_addr, p->daddr, 16);
	k->client_port = client_port;
	k->server_port = server_port;
}

/* How long a tcp_conns entry outlives its last segment before we take its
 * daemon for gone: the idle time-out (after which the daemon closes the
 * connection itself) plus a grace period. */
static __always_inline __u64 conn_stale_ns(const struct xdpdns_config *cfg)
{
	return ((__u64)cfg->tcp_idle_ms + XDPDNS_TCP_CONN_GRACE_MS) * 1000000ULL;
}

/* While the tuple's tcp_conns entry is fresh, the segment goes to the
 * daemon (the verdict is returned); -1 when there is none (a stale one is
 * removed: its daemon is gone). */
static __always_inline int steer_to_conn(struct xdp_md *ctx, const struct pkt *p,
					 const struct xdpdns_config *cfg, const struct xdpdns_conn_key *ck)
{
	struct xdpdns_conn *conn = bpf_map_lookup_elem(&tcp_conns, ck);
	__u64 now;

	if (!conn)
		return -1;
	now = bpf_ktime_get_ns();
	if (now - conn->seen_ns >= conn_stale_ns(cfg)) {
		bpf_map_delete_elem(&tcp_conns, ck);
		return -1;
	}
	conn->seen_ns = now; /* racing updates differ by a packet: harmless */
	push_meta(ctx, p, XDPDNS_META_F_TCP | XDPDNS_META_F_CONN, 0, 0);
	if (to_daemon(ctx, XDP_DROP) == XDP_REDIRECT)
		return verdict(XDPDNS_STAT_TCP_CONN_TO_DAEMON, XDP_REDIRECT);
	return verdict(XDPDNS_STAT_TCP_NO_DAEMON, XDP_DROP);
}

/* The payload at `off` begins a DNS message over TCP: a 2-octet length of at
 * least a header and, as far as the segment holds them, QR = 0 (a query) and
 * a QDCOUNT below 256. The daemon's starts_query() is the same test: a later
 * segment that arrived before the client's first almost never passes. */
static __always_inline int starts_query(struct xdp_md *ctx, __u32 off, __u32 payload)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u8 *m = pkt_at(data, off);

	if (payload < 2 || (void *)(m + 2) > end)
		return 0;
	if (((__u32)m[0] << 8 | m[1]) < 12)
		return 0;
	if (payload < 5)
		return 1;
	if ((void *)(m + 5) > end)
		return 0;
	if (m[4] & 0x80)
		return 0;
	if (payload < 7)
		return 1;
	if ((void *)(m + 7) > end)
		return 0;
	return m[6] == 0;
}

/* IPv4 header checksum of the query (IPv6 has none). */
static __always_inline int ipv4_csum_ok(struct xdp_md *ctx, const struct pkt *p)
{
	__u64 sum = 0;

	if (p->ipv6)
		return 1;
	if (csum_packet(ctx, p->l3_off, p->l4_off - p->l3_off, &sum))
		return 0;
	return csum_fold(sum) == 0xffff;
}

/* TCP checksum of the query segment, payload included: a full checksum, or
 * the partial form of a local sender unless checksum.strict is on. */
static __always_inline int l4_csum_ok(struct xdp_md *ctx, const struct pkt *p)
{
	__u32 len = p->ip_end - p->l4_off, zero = 0;
	const struct xdpdns_config *cfg = bpf_map_lookup_elem(&config, &zero);

	return csum_l4_ok(ctx, p->l4_off, len, 16,
			  csum_pseudo(p->saddr, p->daddr, p->ipv6, IPPROTO_TCP, len),
			  !cfg || cfg->checksum_strict);
}

/* Value of the client's MSS option, 0 when absent. */
XDPDNS_GLOBAL __u32 tcp_mss_option(struct xdp_md *ctx, __u32 off, __u32 opt_end)
{
	__u32 i;

	for (i = 0; i < TCP_MAX_OPTION_BYTES; i++) {
		void *data = (void *)(long)ctx->data;
		void *end = (void *)(long)ctx->data_end;
		__u8 *o;
		__u8 len;

		if (off >= opt_end || off > 0xffff)
			break;
		o = pkt_at(data, off);
		if ((void *)(o + 1) > end)
			break;
		if (o[0] == 0)          /* end of options */
			break;
		if (o[0] == 1) {        /* NOP */
			off++;
			continue;
		}
		if ((void *)(o + 2) > end)
			break;
		len = o[1];
		if (len < 2 || off + len > opt_end)
			break;
		if (o[0] == 2 && len == 4) {
			if ((void *)(o + 4) > end)
				break;
			return ((__u32)o[2] << 8) | o[3];
		}
		off += len;
	}
	return 0;
}

/* Rewrites the frame into a bare TCP segment to the client: SYN-ACK with an
 * MSS option when `mss` is non-zero, else a 20-octet header. */
static __always_inline int tcp_reply(struct xdp_md *ctx, const struct pkt *p,
				     struct tcp_reply_hdr *h, __u16 mss)
{
	__u32 hdr_len = mss ? sizeof(*h) : sizeof(*h) - 4;
	__u32 l3l2 = reply_hdr_len(p);
	const __u32 *w = (const __u32 *)h;
	void *data, *end;
	__u64 sum;

	if (mss) {
		h->doff = 6 << 4;
		h->mss_opt[0] = 2;
		h->mss_opt[1] = 4;
		h->mss_opt[2] = mss >> 8;
		h->mss_opt[3] = mss & 0xff;
	} else {
		h->doff = 5 << 4;
		*(__u32 *)h->mss_opt = 0;
	}
	h->check = 0;
	h->urg = 0;
	/* Reply direction: from the query's destination to its source. */
	sum = csum_pseudo(p->daddr, p->saddr, p->ipv6, IPPROTO_TCP, hdr_len);
	/* Six words on the stack: added here, cheaper than a helper call. */
	sum += (__u64)w[0] + w[1] + w[2] + w[3] + w[4] + w[5];
	h->check = ~csum_fold(sum); /* the zero option bytes of a bare ACK add nothing */

	if (reply_resize(ctx, l3l2 + hdr_len))
		return -1;
	if (reply_write_l2l3(ctx, p, IPPROTO_TCP, hdr_len))
		return -1;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (l3l2 > 0xffff)
		return -1;
	if (mss) {
		struct tcp_reply_hdr *out = pkt_at(data, l3l2);

		if ((void *)(out + 1) > end)
			return -1;
		__builtin_memcpy(out, h, sizeof(*h));
	} else {
		__u8 *out = pkt_at(data, l3l2);

		if ((void *)(out + sizeof(*h) - 4) > end)
			return -1;
		__builtin_memcpy(out, h, sizeof(*h) - 4);
	}
	return 0;
}

static __always_inline int handle_tcp(struct xdp_md *ctx, struct pkt *p,
				      const struct xdpdns_config *cfg)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct xdpdns_cookie_input in;
	struct xdpdns_conn_key ck;
	struct tcp_reply_hdr h = {};
	int r;
	const struct xdpdns_keys *key_set;
	__u32 doff, payload, seq, ack, zero = 0;
	__u8 *th = pkt_at(data, p->l4_off);
	__u8 flags;

	if ((void *)(th + 20) > end || p->l4_off + 20 > p->ip_end)
		return verdict(XDPDNS_STAT_DROP_TRUNCATED, XDP_DROP);
	doff = (th[12] >> 4) * 4;
	if (doff < 20 || p->l4_off + doff > p->ip_end)
		return verdict(XDPDNS_STAT_DROP_MALFORMED, XDP_DROP);
	if (!ipv4_csum_ok(ctx, p))
		return verdict(XDPDNS_STAT_DROP_BAD_CSUM, XDP_DROP);

	/* Re-derive after the checksum helper (it re-reads ctx). */
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	th = pkt_at(data, p->l4_off);
	if ((void *)(th + 20) > end)
		return verdict(XDPDNS_STAT_DROP_TRUNCATED, XDP_DROP);
	flags = th[13];
	payload = p->ip_end - p->l4_off - doff;
	seq = bpf_ntohl(*(__be32 *)(th + 4));
	ack = bpf_ntohl(*(__be32 *)(th + 8));
	h.sport = *(__be16 *)(th + 2);
	h.dport = *(__be16 *)th;
	h.window = bpf_htons((__u16)cfg->tcp_window);

	if (flags & TCP_RST) {
		/* A reused connection's RST frees its state in the daemon. */
		if (!(flags & TCP_SYN)) {
			conn_key(&ck, p, h.dport, h.sport);
			r = steer_to_conn(ctx, p, cfg, &ck);
			if (r >= 0)
				return r;
		}
		return verdict(XDPDNS_STAT_TCP_RST, XDP_DROP);
	}

	if (flags & TCP_SYN) {
		__u32 mss, client_mss, cur;

		if (flags & TCP_ACK)
			return verdict(XDPDNS_STAT_DROP_MALFORMED, XDP_DROP);
		key_set = bpf_map_lookup_elem(&keys, &zero);
		if (!key_set)
			return verdict(XDPDNS_STAT_DROP_MALFORMED, XDP_DROP);
		cur = *(volatile const __u32 *)&key_set->current; /* read once: rotations race */
		if (cur >= XDPDNS_KEY_SLOTS)
			return verdict(XDPDNS_STAT_DROP_MALFORMED, XDP_DROP);
		if (!l4_csum_ok(ctx, p))
			return verdict(XDPDNS_STAT_DROP_BAD_CSUM, XDP_DROP);
		client_mss = tcp_mss_option(ctx, p->l4_off + 20, p->l4_off + doff);
		if (!client_mss)
			client_mss = p->ipv6 ? 1220 : 536;
		cookie_input(&in, p, h.dport, h.sport);
		in.epoch = cookie_epoch_now(cfg);
		in.mss_index = xdpdns_mss_index(client_mss);
		h.seq = bpf_htonl(xdpdns_cookie_make(&key_set->slot[cur], &in));
		h.ack = bpf_htonl(seq + 1);
		h.flags = TCP_SYN | TCP_ACK;
		mss = p->ipv6 ? cfg->tcp_mss_v6 : cfg->tcp_mss_v4;
		if (tcp_reply(ctx, p, &h, (__u16)mss))
			return verdict(XDPDNS_STAT_DROP_MALFORMED, XDP_DROP);
		return verdict(XDPDNS_STAT_TCP_SYN, XDP_TX);
	}

	if (!(flags & TCP_ACK))
		return verdict(XDPDNS_STAT_TCP_NO_ACK, XDP_DROP);

	/* A reused connection that proved itself: the daemon holds its state
	 * and gets every segment (data, ACKs for loss recovery, FIN, RST). */
	conn_key(&ck, p, h.dport, h.sport);
	r = steer_to_conn(ctx, p, cfg, &ck);
	if (r >= 0)
		return r;

	if ((flags & TCP_FIN) && payload == 0) {
		if (!l4_csum_ok(ctx, p))
			return verdict(XDPDNS_STAT_DROP_BAD_CSUM, XDP_DROP);
		h.seq = bpf_htonl(ack);
		h.ack = bpf_htonl(seq + 1);
		h.flags = TCP_ACK;
		if (tcp_reply(ctx, p, &h, 0))
			return verdict(XDPDNS_STAT_DROP_MALFORMED, XDP_DROP);
		return verdict(XDPDNS_STAT_TCP_FIN, XDP_TX);
	}

	if (payload > 0) {
		__u32 mss;

		key_set = bpf_map_lookup_elem(&keys, &zero);
		if (!key_set)
			return verdict(XDPDNS_STAT_TCP_BAD_COOKIE, XDP_DROP);
		cookie_input(&in, p, h.dport, h.sport);
		mss = xdpdns_cookie_check(key_set, &in, ack - 1, cookie_epoch_now(cfg));
		if (!mss) {
			/* With reuse, this is a client whose connection state is
			 * gone (evicted, daemon restarted, another server of the
			 * fleet): tell it at once. A reset is never larger than
			 * the segment it answers. */
			if (!cfg->tcp_reuse)
				return verdict(XDPDNS_STAT_TCP_BAD_COOKIE, XDP_DROP);
			if (!l4_csum_ok(ctx, p))
				return verdict(XDPDNS_STAT_DROP_BAD_CSUM, XDP_DROP);
			h.seq = bpf_htonl(ack);
			h.ack = 0;
			h.flags = TCP_RST;
			h.window = 0;
			if (tcp_reply(ctx, p, &h, 0))
				return verdict(XDPDNS_STAT_DROP_MALFORMED, XDP_DROP);
			return verdict(XDPDNS_STAT_TCP_RST_SENT, XDP_TX);
		}
		if (cfg->tcp_reuse && starts_query(ctx, p->l4_off + doff, payload)) {
			struct xdpdns_conn fresh = {
				.seen_ns = bpf_ktime_get_ns(),
				.isn = ack - 1,
			};

			/* Failure only costs the reuse: the daemon answers and
			 * closes as without it. */
			bpf_map_update_elem(&tcp_conns, &ck, &fresh, BPF_ANY);
		}
		push_meta(ctx, p, XDPDNS_META_F_TCP | XDPDNS_META_F_COOKIE_OK, (__u16)mss, 0);
		if (to_daemon(ctx, XDP_DROP) == XDP_REDIRECT)
			return verdict(XDPDNS_STAT_TCP_TO_DAEMON, XDP_REDIRECT);
		return verdict(XDPDNS_STAT_TCP_NO_DAEMON, XDP_DROP);
	}

	return verdict(XDPDNS_STAT_TCP_ACK, XDP_DROP);
}

#endif /* XDPDNS_BPF_TCP_H */
