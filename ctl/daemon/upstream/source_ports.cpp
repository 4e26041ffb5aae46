#include "daemon/upstream/source_ports.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>
#include <string>

namespace xdpdns::daemon {

namespace {

const char *family_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

// SO_RCVBUF and SO_SNDBUF; the FORCE variants pass net.core.[rw]mem_max when
// we have CAP_NET_ADMIN.
Result<void> size_buffers(int fd, std::uint32_t buffer, const std::string &what)
{
	const int size = static_cast<int>(buffer);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size) < 0)
		return sys_error(errno, "set SO_RCVBUF on " + what);
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size) < 0)
		return sys_error(errno, "set SO_SNDBUF on " + what);
	return {};
}

// Port 0: the kernel picks a random free ephemeral port. Not connected,
// since one socket talks to every server of its family.
Result<void> bind_any_port(int fd, int family, const std::string &what)
{
	sockaddr_storage any{};
	socklen_t len = 0;
	if (family == AF_INET) {
		auto *a = reinterpret_cast<sockaddr_in *>(&any);
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_ANY);
		len = sizeof *a;
	} else {
		auto *a = reinterpret_cast<sockaddr_in6 *>(&any);
		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_any;
		len = sizeof *a;
	}
	if (::bind(fd, reinterpret_cast<const sockaddr *>(&any), len) < 0)
		return sys_error(errno, "bind " + what + " to port 0");
	return {};
}

}  // namespace

Result<SourcePorts> SourcePorts::open(bool v4, bool v6, unsigned per_family, std::uint32_t buffer,
				      int epoll_fd)
{
	if (per_family < 1 || per_family > max_per_family)
		return Error{EINVAL, "upstream: source ports per family " + std::to_string(per_family) +
					     " is out of range 1.." + std::to_string(max_per_family)};
	SourcePorts p;
	p.per_family_ = per_family;
	if (v4)
		if (auto r = p.open_family(AF_INET, buffer, epoll_fd); !r)
			return r.error();
	if (v6)
		if (auto r = p.open_family(AF_INET6, buffer, epoll_fd); !r)
			return r.error();
	return p;
}

Result<void> SourcePorts::open_family(int family, std::uint32_t buffer, int epoll_fd)
{
	std::vector<Fd> &sockets = family == AF_INET ? v4_ : v6_;
	sockets.reserve(per_family_);
	for (unsigned i = 0; i < per_family_; i++) {
		const std::string what = std::string("upstream UDP socket ") + std::to_string(i) + " (" +
					 family_name(family) + ")";
		Fd fd(::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
		if (!fd.valid())
			return sys_error(errno, "create " + what);
		const int one = 1;
		if (family == AF_INET6 && setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0)
			return sys_error(errno, "set IPV6_V6ONLY on " + what);
		if (auto r = size_buffers(fd.get(), buffer, what); !r)
			return r.error();
		int granted = 0;
		socklen_t glen = sizeof granted;
		if (getsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &granted, &glen) < 0)
			return sys_error(errno, "read SO_RCVBUF of " + what);
		rcvbuf_ = granted;
		if (auto r = bind_any_port(fd.get(), family, what); !r)
			return r.error();
		epoll_event ev{};
		ev.events = EPOLLIN;
		ev.data.u64 = tag(family, i);
		if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd.get(), &ev) < 0)
			return sys_error(errno, "add " + what + " to epoll");
		sockets.push_back(std::move(fd));
	}
	return {};
}

const std::vector<Fd> &SourcePorts::of(int family) const
{
	return family == AF_INET ? v4_ : v6_;
}

int SourcePorts::fd(int family, std::uint16_t pick) const
{
	const std::vector<Fd> &s = of(family);
	return s.empty() ? -1 : s[index_of(pick)].get();
}

int SourcePorts::fd_of_tag(std::uint64_t t) const
{
	const std::vector<Fd> &s = of(family_of_tag(t));
	const unsigned i = index_of_tag(t);
	return i < s.size() ? s[i].get() : -1;
}

std::uint16_t SourcePorts::port(int family, unsigned index) const
{
	const std::vector<Fd> &s = of(family);
	if (index >= s.size())
		return 0;
	sockaddr_storage ss{};
	socklen_t len = sizeof ss;
	if (getsockname(s[index].get(), reinterpret_cast<sockaddr *>(&ss), &len) < 0)
		return 0;
	return family == AF_INET ? ntohs(reinterpret_cast<const sockaddr_in *>(&ss)->sin_port)
				 : ntohs(reinterpret_cast<const sockaddr_in6 *>(&ss)->sin6_port);
}

}  // namespace xdpdns::daemon
