/* Stateless TCP: SYN -> SYN-ACK with a cookie, FIN -> ACK, data with a
 * valid cookie -> answered from the answers map or handed to the daemon,
 * segments of connections with state -> tcp_conn.h, everything else
 * consumed. */
#ifndef XDPDNS_BPF_TCP_H
#define XDPDNS_BPF_TCP_H

#include "tcp_conn.h"

static __always_inline int handle_tcp(struct xdp_md *ctx, struct pkt *p,
				      const struct xdpdns_config *cfg)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct xdpdns_cookie_input in;
	struct xdpdns_conn_key ck;
	struct xdpdns_conn *conn;
	struct tcp_reply_hdr h = {};
	struct tcp_seg s;
	int r;
	const struct xdpdns_keys *key_set;
	__u32 zero = 0;
	__u8 *th = pkt_at(data, p->l4_off);

	if ((void *)(th + 20) > end || p->l4_off + 20 > p->ip_end)
		return verdict(XDPDNS_STAT_DROP_TRUNCATED, XDP_DROP);
	s.doff = (th[12] >> 4) * 4;
	if (s.doff < 20 || p->l4_off + s.doff > p->ip_end)
		return verdict(XDPDNS_STAT_DROP_MALFORMED, XDP_DROP);
	if (!ipv4_csum_ok(ctx, p))
		return verdict(XDPDNS_STAT_DROP_BAD_CSUM, XDP_DROP);

	/* Re-derive after the checksum helper (it re-reads ctx). */
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	th = pkt_at(data, p->l4_off);
	if ((void *)(th + 20) > end)
		return verdict(XDPDNS_STAT_DROP_TRUNCATED, XDP_DROP);
	s.flags = th[13];
	s.payload = p->ip_end - p->l4_off - s.doff;
	s.seq = bpf_ntohl(*(__be32 *)(th + 4));
	s.ack = bpf_ntohl(*(__be32 *)(th + 8));
	s.window = bpf_ntohs(*(__be16 *)(th + 14));
	s.sport = *(__be16 *)th;
	s.dport = *(__be16 *)(th + 2);
	h.sport = s.dport;
	h.dport = s.sport;
	h.window = bpf_htons((__u16)cfg->tcp_window);

	if (s.flags & TCP_RST) {
		/* A reused connection's RST frees its state in the daemon; one
		 * in the window of a connection XDP answered frees its entry. */
		if (!(s.flags & TCP_SYN)) {
			conn_key(&ck, p, s.sport, s.dport);
			conn = conn_find(cfg, &ck);
			if (conn && conn->state == XDPDNS_CONN_DAEMON)
				return conn_to_daemon(ctx, p, conn);
			if (conn && s.seq - conn->req_end <= TCP_SEQ_WINDOW)
				bpf_map_delete_elem(&tcp_conns, &ck);
		}
		return verdict(XDPDNS_STAT_TCP_RST, XDP_DROP);
	}

	if (s.flags & TCP_SYN) {
		__u32 mss, client_mss, cur;

		if (s.flags & TCP_ACK)
			return verdict(XDPDNS_STAT_DROP_MALFORMED, XDP_DROP);
		/* SYN+FIN opens nothing a client means to use (a scanner's
		 * probe): Linux discards it in LISTEN (tcp_rcv_state_process),
		 * so we send no SYN-ACK either. */
		if (s.flags & TCP_FIN)
			return verdict(XDPDNS_STAT_TCP_SYN_FIN, XDP_DROP);
		key_set = bpf_map_lookup_elem(&keys, &zero);
		if (!key_set)
			return verdict(XDPDNS_STAT_DROP_MALFORMED, XDP_DROP);
		cur = *(volatile const __u32 *)&key_set->current; /* read once: rotations race */
		if (cur >= XDPDNS_KEY_SLOTS)
			return verdict(XDPDNS_STAT_DROP_MALFORMED, XDP_DROP);
		if (!l4_csum_ok(ctx, p))
			return verdict(XDPDNS_STAT_DROP_BAD_CSUM, XDP_DROP);
		client_mss = tcp_mss_option(ctx, p->l4_off + 20, p->l4_off + s.doff);
		if (!client_mss)
			client_mss = p->ipv6 ? 1220 : 536;
		cookie_input(&in, p, s.sport, s.dport);
		in.epoch = cookie_epoch_now(cfg);
		in.mss_index = xdpdns_mss_index(client_mss);
		h.seq = bpf_htonl(xdpdns_cookie_make(&key_set->slot[cur], &in));
		h.ack = bpf_htonl(s.seq + 1);
		h.flags = TCP_SYN | TCP_ACK;
		mss = p->ipv6 ? cfg->tcp_mss_v6 : cfg->tcp_mss_v4;
		if (tcp_reply(ctx, p, &h, (__u16)mss))
			return verdict(XDPDNS_STAT_DROP_MALFORMED, XDP_DROP);
		return verdict(XDPDNS_STAT_TCP_SYN, XDP_TX);
	}

	if (!(s.flags & TCP_ACK))
		return verdict(XDPDNS_STAT_TCP_NO_ACK, XDP_DROP);

	conn_key(&ck, p, s.sport, s.dport);
	conn = conn_find(cfg, &ck);
	if (conn && conn->state == XDPDNS_CONN_DAEMON) {
		/* A reused connection that proved itself: the daemon holds
		 * its state and gets every segment (data, ACKs for loss
		 * recovery, FIN, RST), but for the first query again when XDP
		 * answered it (the daemon never had those octets). */
		if (conn->snd_end && s.payload && s.seq == conn->req_seq && s.ack == conn->isn + 1)
			return conn_answer_again(ctx, p, &s, cfg, conn, TCP_ACK | TCP_PSH);
		return conn_to_daemon(ctx, p, conn);
	}
	if (conn && s.payload && !conn_same(conn, s.seq)) {
		bpf_map_delete_elem(&tcp_conns, &ck);  /* a new connection on the tuple */
		conn = NULL;
	}
	if (conn && conn->state != XDPDNS_CONN_STATELESS) {
		r = conn_xdp_segment(ctx, p, &s, cfg, conn, &ck);
		if (r != CONN_STATELESS_PATH)
			return r;
		conn = NULL;
	}

	if ((s.flags & TCP_FIN) && s.payload == 0) {
		if (!l4_csum_ok(ctx, p))
			return verdict(XDPDNS_STAT_DROP_BAD_CSUM, XDP_DROP);
		h.seq = bpf_htonl(s.ack);
		h.ack = bpf_htonl(s.seq + 1);
		h.flags = TCP_ACK;
		if (tcp_reply(ctx, p, &h, 0))
			return verdict(XDPDNS_STAT_DROP_MALFORMED, XDP_DROP);
		return verdict(XDPDNS_STAT_TCP_FIN, XDP_TX);
	}

	if (s.payload > 0) {
		__u32 mss;
		int first;

		key_set = bpf_map_lookup_elem(&keys, &zero);
		if (!key_set)
			return verdict(XDPDNS_STAT_TCP_BAD_COOKIE, XDP_DROP);
		cookie_input(&in, p, s.sport, s.dport);
		mss = xdpdns_cookie_check(key_set, &in, s.ack - 1, cookie_epoch_now(cfg));
		if (!mss) {
			/* With reuse, this is a client whose connection state is
			 * gone (evicted, daemon restarted, another server of the
			 * fleet): tell it at once. A reset is never larger than
			 * the segment it answers. */
			if (!cfg->tcp_reuse)
				return verdict(XDPDNS_STAT_TCP_BAD_COOKIE, XDP_DROP);
			if (!l4_csum_ok(ctx, p))
				return verdict(XDPDNS_STAT_DROP_BAD_CSUM, XDP_DROP);
			h.seq = bpf_htonl(s.ack);
			h.ack = 0;
			h.flags = TCP_RST;
			h.window = 0;
			if (tcp_reply(ctx, p, &h, 0))
				return verdict(XDPDNS_STAT_DROP_MALFORMED, XDP_DROP);
			return verdict(XDPDNS_STAT_TCP_RST_SENT, XDP_TX);
		}
		/* conn: a STATELESS record, the daemon answered on this
		 * connection already; an answer of ours would overlap. A FIN
		 * with the query, and a connection limited to one query, are
		 * the daemon's. */
		if (cfg->answers_in_kernel && !conn && !(s.flags & TCP_FIN) &&
		    !(cfg->tcp_reuse && cfg->tcp_max_queries == 1)) {
			r = conn_answer_first(ctx, p, &s, cfg, &ck, mss);
			if (r != ANSWER_TO_DAEMON)
				return r;
		}
		first = !conn && starts_query(ctx, tcp_payload_off(p, &s), s.payload);
		if (first && (cfg->tcp_reuse || cfg->answers_in_kernel)) {
			struct xdpdns_conn fresh = {
				.seen_ns = bpf_ktime_get_ns(),
				.isn = s.ack - 1,
				.state = cfg->tcp_reuse ? XDPDNS_CONN_DAEMON : XDPDNS_CONN_STATELESS,
				.req_seq = s.seq,
				.req_end = s.seq + s.payload,
			};

			/* Failure only costs the reuse (the daemon answers and
			 * closes as without it), or an in-kernel answer. */
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
