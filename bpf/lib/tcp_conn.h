/* TCP connections with state (struct xdpdns_conn in abi.h): steering the
 * daemon's connections to it, and the connections XDP answered itself,
 * which it keeps while they need no more than ACKs, the same answer again
 * and the close. */
#ifndef XDPDNS_BPF_TCP_CONN_H
#define XDPDNS_BPF_TCP_CONN_H

#include "tcp_answer.h"

/* We offer no window scaling: a client's segments lie within this of what
 * we last acknowledged. */
#define TCP_SEQ_WINDOW 65535u

static __always_inline void conn_key(struct xdpdns_conn_key *k, const struct pkt *p,
				     __be16 client_port, __be16 server_port)
{
	__builtin_memcpy(k->client_addr, p->saddr, 16);
	__builtin_memcpy(k->server_addr, p->daddr, 16);
	k->client_port = client_port;
	k->server_port = server_port;
}

/* How long an entry outlives its last segment: the idle time-out (after
 * which the daemon closes a connection itself) plus a grace period. */
static __always_inline __u64 conn_stale_ns(const struct xdpdns_config *cfg)
{
	return ((__u64)cfg->tcp_idle_ms + XDPDNS_TCP_CONN_GRACE_MS) * 1000000ULL;
}

/* The tuple's entry, refreshed, or NULL; a stale one is removed (its daemon
 * is gone, or its client went quiet). */
static __always_inline struct xdpdns_conn *conn_find(const struct xdpdns_config *cfg,
						     const struct xdpdns_conn_key *ck)
{
	struct xdpdns_conn *conn = bpf_map_lookup_elem(&tcp_conns, ck);
	__u64 now;

	if (!conn)
		return NULL;
	now = bpf_ktime_get_ns();
	if (now - conn->seen_ns >= conn_stale_ns(cfg)) {
		bpf_map_delete_elem(&tcp_conns, ck);
		return NULL;
	}
	conn->seen_ns = now; /* racing updates differ by a packet: harmless */
	return conn;
}

/* Whether a data segment at `seq` belongs to the connection an XDP answer
 * recorded: within a window of the query. Farther away, it is a new
 * connection on the same 4-tuple (a new client ISN; within an epoch the
 * cookie is the same). */
static __always_inline int conn_same(const struct xdpdns_conn *conn, __u32 seq)
{
	return seq - (conn->req_seq - TCP_SEQ_WINDOW) <= conn->req_end - conn->req_seq + 2 * TCP_SEQ_WINDOW;
}

/* The daemon's connection: it gets the segment (the verdict). One whose
 * first query XDP answered carries the numbers it was handed over with,
 * so a daemon that does not know it (the frame that handed it over was
 * lost) adopts it now; a daemon that does ignores them. */
static __always_inline int conn_to_daemon(struct xdp_md *ctx, const struct pkt *p, const struct xdpdns_conn *conn)
{
	if (conn->snd_end)
		push_meta_conn(ctx, p, XDPDNS_META_F_TCP | XDPDNS_META_F_CONN | XDPDNS_META_F_ADOPT,
			       conn->client_mss, 0, conn->req_end, conn->snd_end);
	else
		push_meta(ctx, p, XDPDNS_META_F_TCP | XDPDNS_META_F_CONN, 0, 0);
	if (to_daemon(ctx, XDP_DROP) == XDP_REDIRECT)
		return verdict(XDPDNS_STAT_TCP_CONN_TO_DAEMON, XDP_REDIRECT);
	return verdict(XDPDNS_STAT_TCP_NO_DAEMON, XDP_DROP);
}

/* A connection XDP answered that needs more than XDP gives (another query,
 * a close out of order): the daemon takes it over from where it stands and
 * gets every segment from now on (ACKs included). */
static __always_inline int conn_adopt(struct xdp_md *ctx, const struct pkt *p, struct xdpdns_conn *conn)
{
	conn->state = XDPDNS_CONN_DAEMON;
	push_meta_conn(ctx, p, XDPDNS_META_F_TCP | XDPDNS_META_F_CONN | XDPDNS_META_F_ADOPT, conn->client_mss, 0,
		       conn->req_end, conn->snd_end);
	if (to_daemon(ctx, XDP_DROP) == XDP_REDIRECT)
		return verdict(XDPDNS_STAT_TCP_ADOPT, XDP_REDIRECT);
	return verdict(XDPDNS_STAT_TCP_NO_DAEMON, XDP_DROP);
}

/* The query XDP answered, sent again (our answer was lost): the same
 * answer at the same sequence numbers, if the map still gives one of the
 * same length (octets the client may already hold are then the ones it
 * keeps: a different answer of the same length cannot mix into its stream).
 * Otherwise dropped: the client asks again on a new connection. */
static __always_inline int conn_answer_again(struct xdp_md *ctx, const struct pkt *p, const struct tcp_seg *s,
					     const struct xdpdns_config *cfg, const struct xdpdns_conn *conn,
					     __u8 flags)
{
	struct tcp_answer ta;
	int r;

	if (tcp_answer_find(ctx, p, s, cfg, conn->client_mss, &ta) || ta.len != conn->snd_end - conn->isn - 1)
		return verdict(XDPDNS_STAT_TCP_AFTER_ANSWER, XDP_DROP);
	if (!l4_csum_ok(ctx, p))
		return verdict(XDPDNS_STAT_DROP_BAD_CSUM, XDP_DROP);
	r = tcp_answer_write(ctx, p, s, &ta, conn->isn + 1, conn->req_end, flags, cfg);
	if (r)
		return verdict(r == ANSWER_NO_ROOM ? XDPDNS_STAT_TCP_AFTER_ANSWER : XDPDNS_STAT_DROP_MALFORMED, XDP_DROP);
	return verdict(XDPDNS_STAT_TCP_REANSWERED, XDP_TX);
}

/* Our FIN, acknowledging the client's. */
static __always_inline int conn_send_fin(struct xdp_md *ctx, const struct pkt *p, const struct tcp_seg *s,
					 const struct xdpdns_config *cfg, const struct xdpdns_conn *conn)
{
	struct tcp_reply_hdr h = {};

	if (!l4_csum_ok(ctx, p))
		return verdict(XDPDNS_STAT_DROP_BAD_CSUM, XDP_DROP);
	h.sport = s->dport;
	h.dport = s->sport;
	h.seq = bpf_htonl(conn->snd_end);
	h.ack = bpf_htonl(s->seq + 1);
	h.flags = TCP_FIN | TCP_ACK;
	h.window = bpf_htons((__u16)cfg->tcp_window);
	if (tcp_reply(ctx, p, &h, 0))
		return verdict(XDPDNS_STAT_DROP_MALFORMED, XDP_DROP);
	return verdict(XDPDNS_STAT_TCP_CLOSE_ANSWERED, XDP_TX);
}

#define CONN_STATELESS_PATH (-1)

/* A segment (ACK set, no SYN or RST) of a connection XDP answered: the
 * verdict, or CONN_STATELESS_PATH when the stateless rules apply (the
 * entry may be gone). */
static __always_inline int conn_xdp_segment(struct xdp_md *ctx, const struct pkt *p, const struct tcp_seg *s,
					    const struct xdpdns_config *cfg, struct xdpdns_conn *conn,
					    const struct xdpdns_conn_key *ck)
{
	int resent = s->payload && s->seq == conn->req_seq && s->ack == conn->isn + 1;
	int fin = s->flags & TCP_FIN;

	switch (conn->state) {
	case XDPDNS_CONN_XDP_OPEN:
		if (resent)
			return conn_answer_again(ctx, p, s, cfg, conn, TCP_ACK | TCP_PSH);
		if (!s->payload && !fin)
			return verdict(XDPDNS_STAT_TCP_ACK, XDP_DROP);
		if (!s->payload && s->seq == conn->req_end && s->ack == conn->snd_end) {
			/* The client closes after our answer: nothing for the
			 * daemon to know. */
			conn->state = XDPDNS_CONN_XDP_FIN;
			return conn_send_fin(ctx, p, s, cfg, conn);
		}
		return conn_adopt(ctx, p, conn);
	case XDPDNS_CONN_XDP_FIN:
		if (s->ack == conn->snd_end + 1) {
			/* Our FIN is acknowledged: the connection is over. */
			bpf_map_delete_elem(&tcp_conns, ck);
			return CONN_STATELESS_PATH;
		}
		if (!s->payload && fin && s->seq == conn->req_end)
			return conn_send_fin(ctx, p, s, cfg, conn);  /* ours was lost */
		return verdict(XDPDNS_STAT_TCP_AFTER_ANSWER, XDP_DROP);
	case XDPDNS_CONN_XDP_CLOSED:
		if (resent)
			return conn_answer_again(ctx, p, s, cfg, conn, TCP_ACK | TCP_PSH | TCP_FIN);
		if (!s->payload) {
			if (s->ack == conn->snd_end + 1)
				bpf_map_delete_elem(&tcp_conns, ck);
			return CONN_STATELESS_PATH;  /* a FIN gets its ACK */
		}
		return verdict(XDPDNS_STAT_TCP_AFTER_ANSWER, XDP_DROP);
	}
	return CONN_STATELESS_PATH;
}

/* The first query of a connection (cookie valid, exactly one whole query in
 * the segment), answered from the map; the entry records it. The verdict,
 * or ANSWER_TO_DAEMON (frame untouched). */
static __always_inline int conn_answer_first(struct xdp_md *ctx, const struct pkt *p, const struct tcp_seg *s,
					     const struct xdpdns_config *cfg, const struct xdpdns_conn_key *ck,
					     __u32 client_mss)
{
	struct xdpdns_conn c = {};
	struct tcp_answer ta;
	int r;

	if (tcp_answer_find(ctx, p, s, cfg, client_mss, &ta))
		return ANSWER_TO_DAEMON;
	if (!l4_csum_ok(ctx, p))
		return verdict(XDPDNS_STAT_DROP_BAD_CSUM, XDP_DROP);
	c.seen_ns = bpf_ktime_get_ns();
	c.isn = s->ack - 1;
	c.state = cfg->tcp_reuse ? XDPDNS_CONN_XDP_OPEN : XDPDNS_CONN_XDP_CLOSED;
	c.client_mss = (__u16)client_mss;
	c.req_seq = s->seq;
	c.req_end = s->seq + s->payload;
	c.snd_end = s->ack + ta.len;
	__builtin_memcpy(c.client_mac, p->eth_src, 6);
	__builtin_memcpy(c.our_mac, p->eth_dst, 6);
	c.vlan_count = (__u8)p->vlan_count;
	c.vlan_tpid[0] = p->vlan_tpid[0];
	c.vlan_tpid[1] = p->vlan_tpid[1];
	c.vlan_tci[0] = p->vlan_tci[0];
	c.vlan_tci[1] = p->vlan_tci[1];
	r = tcp_answer_write(ctx, p, s, &ta, s->ack, c.req_end,
			     cfg->tcp_reuse ? TCP_ACK | TCP_PSH : TCP_ACK | TCP_PSH | TCP_FIN, cfg);
	if (r == ANSWER_NO_ROOM)
		return ANSWER_TO_DAEMON;
	/* Without its record, a later query of the connection could be
	 * answered over this one: no answer rather than that. */
	if (r || bpf_map_update_elem(&tcp_conns, ck, &c, BPF_ANY))
		return verdict(XDPDNS_STAT_DROP_MALFORMED, XDP_DROP);
	tap_answer(ctx, cfg);
	return verdict(XDPDNS_STAT_TCP_ANSWERED, XDP_TX);
}

#endif /* XDPDNS_BPF_TCP_CONN_H */
