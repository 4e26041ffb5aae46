/* xdpdns XDP programs.
 *
 * xdpdns_main is attached to the interface: it answers TCP control segments
 * to the service ports itself (stateless, SYN cookies), hands DNS queries
 * (UDP, and TCP data with a valid cookie) to the daemon's AF_XDP sockets,
 * learns path MTUs from ICMP, and passes everything else to the host
 * (including the service ports on addresses that are not service addresses,
 * when a set of them is configured).
 *
 * xdpdns_atr is never attached: the daemon runs it with BPF_PROG_RUN in
 * live-frames mode on a saved query frame when an ATR timer fires, so the
 * TC=1 follow-up is built by the same truncation code as udp.truncate-all.
 */
#include "lib/addrs.h"
#include "lib/maps.h"
#include "lib/parse.h"
#include "lib/ports.h"
#include "lib/stats.h"
#include "lib/tcp.h"
#include "lib/udp.h"
#include "lib/pmtu.h"

SEC("xdp")
int xdpdns_main(struct xdp_md *ctx)
{
	const struct xdpdns_config *cfg;
	const struct xdpdns_ports *set;
	struct pkt p = {};
	__be16 sport, dport;
	__u32 zero = 0;
	int r;

	count(XDPDNS_STAT_RX_FRAMES);
	if (ctx->data_end - ctx->data > XDPDNS_MAX_FRAME)
		return verdict(XDPDNS_STAT_PASS_OTHER, XDP_PASS);
	r = parse_packet(ctx, &p);
	if (r == PARSE_NOT_IP)
		return verdict(XDPDNS_STAT_PASS_NOT_IP, XDP_PASS);
	if (r == PARSE_TRUNCATED)
		return verdict(XDPDNS_STAT_DROP_TRUNCATED, XDP_DROP);
	if (r == PARSE_MALFORMED)
		return verdict(XDPDNS_STAT_DROP_MALFORMED, XDP_DROP);

	cfg = bpf_map_lookup_elem(&config, &zero);
	set = bpf_map_lookup_elem(&ports, &zero);
	/* The transport header lies beyond the headers we walk: it could be
	 * TCP to a service port, which the host stack would answer with a RST,
	 * so such a packet to one of our addresses is never passed. */
	if (r == PARSE_EXT_CHAIN) {
		if (cfg && !addr_is_ours(cfg, &p))
			return verdict(XDPDNS_STAT_PASS_OTHER_ADDRESS, XDP_PASS);
		return verdict(XDPDNS_STAT_DROP_EXT_HEADERS, XDP_DROP);
	}
	if (!cfg || !set || p.frag == FRAG_LATER)
		return verdict(XDPDNS_STAT_PASS_OTHER, XDP_PASS);

	if (!p.ipv6 && p.proto == IPPROTO_ICMP && p.frag == FRAG_NONE)
		return handle_icmp4(ctx, &p, cfg, set);
	if (p.ipv6 && p.proto == IPV6_NH_ICMP && p.frag == FRAG_NONE)
		return handle_icmp6(ctx, &p, cfg, set);
	if (p.proto != IPPROTO_TCP && p.proto != IPPROTO_UDP)
		return verdict(XDPDNS_STAT_PASS_OTHER, XDP_PASS);

	if (read_ports(ctx, &p, &sport, &dport))
		return verdict(XDPDNS_STAT_DROP_TRUNCATED, XDP_DROP);
	if (!port_in_set(set, bpf_ntohs(dport)))
		return verdict(XDPDNS_STAT_PASS_OTHER, XDP_PASS);
	if (!addr_is_ours(cfg, &p))
		return verdict(XDPDNS_STAT_PASS_OTHER_ADDRESS, XDP_PASS);
	if (p.frag == FRAG_FIRST)
		return verdict(XDPDNS_STAT_DROP_FRAGMENT, XDP_DROP);

	if (p.proto == IPPROTO_TCP)
		return handle_tcp(ctx, &p, cfg);
	return handle_udp(ctx, &p, cfg);
}

SEC("xdp")
int xdpdns_atr(struct xdp_md *ctx)
{
	const struct xdpdns_config *cfg;
	const struct xdpdns_ports *set;
	struct dns_query q;
	struct udp_view u;
	struct pkt p = {};
	__u32 zero = 0;

	cfg = bpf_map_lookup_elem(&config, &zero);
	set = bpf_map_lookup_elem(&ports, &zero);
	if (!cfg || !set || ctx->data_end - ctx->data > XDPDNS_MAX_FRAME ||
	    parse_packet(ctx, &p) != PARSE_OK || p.frag != FRAG_NONE ||
	    p.proto != IPPROTO_UDP || udp_parse(ctx, &p, &u) ||
	    !port_in_set(set, bpf_ntohs(u.dport)) || !addr_is_ours(cfg, &p) ||
	    dns_parse_query(ctx, u.dns_off, u.dns_end, &q) ||
	    dns_truncate(ctx, &p, &q, u.sport, u.dport, (__u16)cfg->edns_buffer_size))
		return verdict(XDPDNS_STAT_ATR_BAD_FRAME, XDP_DROP);
	return verdict(XDPDNS_STAT_ATR_SENT, XDP_TX);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
