#include "xsk_diag.h"

#include "common/fd.h"

#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/xdp_diag.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#ifndef AF_XDP
#define AF_XDP 44
#endif

namespace xdpdns::cli {

Result<std::vector<XskSocket>> xsk_sockets()
{
	Fd nl(socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
	if (!nl.valid())
		return sys_error(errno, "open sock_diag netlink socket");
	struct {
		nlmsghdr nlh;
		xdp_diag_req req;
	} msg{};
	msg.nlh.nlmsg_len = sizeof(msg);
	msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	msg.req.sdiag_family = AF_XDP;
	msg.req.xdiag_show = XDP_SHOW_INFO;
	if (send(nl.get(), &msg, sizeof(msg), 0) < 0)
		return sys_error(errno, "send AF_XDP sock_diag request");

	std::vector<XskSocket> out;
	alignas(nlmsghdr) char buf[16384];
	for (;;) {
		ssize_t n = recv(nl.get(), buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return sys_error(errno, "read AF_XDP sock_diag answer");
		}
		int len = static_cast<int>(n);
		for (auto *h = reinterpret_cast<nlmsghdr *>(buf); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_DONE)
				return out;
			if (h->nlmsg_type == NLMSG_ERROR) {
				auto *e = static_cast<nlmsgerr *>(NLMSG_DATA(h));
				return sys_error(e->error ? e->error : EPROTO, "AF_XDP sock_diag");
			}
			auto *m = static_cast<xdp_diag_msg *>(NLMSG_DATA(h));
			int alen = static_cast<int>(h->nlmsg_len - NLMSG_LENGTH(sizeof(*m)));
			auto *a = reinterpret_cast<nlattr *>(reinterpret_cast<char *>(m) + NLMSG_ALIGN(sizeof(*m)));
			while (alen >= static_cast<int>(sizeof(nlattr)) && a->nla_len >= sizeof(nlattr) &&
			       a->nla_len <= alen) {
				if (a->nla_type == XDP_DIAG_INFO &&
				    a->nla_len >= NLA_HDRLEN + sizeof(xdp_diag_info)) {
					xdp_diag_info info;
					std::memcpy(&info, reinterpret_cast<char *>(a) + NLA_HDRLEN, sizeof(info));
					out.push_back({info.ifindex, info.queue_id});
				}
				int step = NLA_ALIGN(a->nla_len);
				alen -= step;
				a = reinterpret_cast<nlattr *>(reinterpret_cast<char *>(a) + step);
			}
		}
	}
}

}  // namespace xdpdns::cli
