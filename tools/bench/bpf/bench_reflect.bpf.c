/* The rig's ceiling for UDP: an XDP program that turns every IPv4 UDP
 * query to port 53 into a reply with XDP_TX (MACs, addresses and ports
 * swapped, QR set, UDP checksum updated), doing no DNS work at all. A server
 * answering close to it is as fast as the rig lets anything be; tools/bench/
 * qps.sh runs it as the server "reflector" (UDP modes only). */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int bench_reflect(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp;
	__u8 *dns, mac[ETH_ALEN];
	__u32 addr, sum;
	__u16 port;

	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) || ip->ihl != 5 ||
	    ip->protocol != IPPROTO_UDP)
		return XDP_PASS;
	udp = (void *)(ip + 1);
	dns = (void *)(udp + 1);
	if ((void *)(dns + 12) > end || udp->dest != bpf_htons(53) || (dns[2] & 0x80))
		return XDP_PASS;

	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);
	addr = ip->saddr;
	ip->saddr = ip->daddr;
	ip->daddr = addr;           /* the header checksum does not change */
	port = udp->source;
	udp->source = udp->dest;
	udp->dest = port;
	dns[2] |= 0x80;             /* QR: +0x8000 in that 16-bit word */
	if (udp->check) {
		sum = (__u16)~bpf_ntohs(udp->check) + 0x8000;
		sum = (sum & 0xffff) + (sum >> 16);
		udp->check = bpf_htons((__u16)~sum ? (__u16)~sum : 0xffff);
	}
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
