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

Result<SourcePorts> SourcePorts::open(bool v4, bool v6, const Settings &settings, int epoll_fd,
				      std::uint64_t now_ns)
{
	if (settings.per_family < 1 || settings.per_family > max_per_family)
		return Error{EINVAL, "upstream: source ports per family " + std::to_string(settings.per_family) +
					     " is out of range 1.." + std::to_string(max_per_family)};
	if (settings.rotate_after < 1)
		return Error{EINVAL, "upstream: source ports must carry at least one query before rotation"};
	SourcePorts p(settings, epoll_fd);
	p.state_.assign(settings.per_family, State{0, 0, now_ns});
	for (int family : {AF_INET, AF_INET6}) {
		if (family == AF_INET ? !v4 : !v6)
			continue;
		std::vector<Fd> &sockets = p.of(family);
		sockets.reserve(settings.per_family);
		for (unsigned i = 0; i < settings.per_family; i++) {
			auto fd = p.open_socket(family, i);
			if (!fd)
				return fd.error();
			sockets.push_back(std::move(*fd));
		}
	}
	return p;
}

Result<Fd> SourcePorts::open_socket(int family, unsigned index)
{
	const std::string what = std::string("upstream UDP socket ") + std::to_string(index) + " (" +
				 family_name(family) + ")";
	Fd fd(::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
	if (!fd.valid())
		return sys_error(errno, "create " + what);
	const int one = 1;
	if (family == AF_INET6 && setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0)
		return sys_error(errno, "set IPV6_V6ONLY on " + what);
	if (auto r = size_buffers(fd.get(), settings_.buffer, what); !r)
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
	ev.data.u64 = tag(family, index);
	if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd.get(), &ev) < 0)
		return sys_error(errno, "add " + what + " to epoll");
	return fd;
}

bool SourcePorts::retired(unsigned index, std::uint64_t now_ns) const
{
	const State &s = state_[index];
	return s.uses >= settings_.rotate_after || now_ns - s.opened_ns >= settings_.lifetime_ns;
}

unsigned SourcePorts::take(std::uint32_t random, std::uint64_t now_ns)
{
	const unsigned n = per_family();
	unsigned index = random % n;
	if (retired(index, now_ns) && state_[index].in_flight == 0)
		replace(index, now_ns);
	// A retired socket still busy: the next one that is not (bounded).
	for (unsigned k = 0; k < n && retired(index, now_ns); k++)
		index = (index + 1) % n;
	State &s = state_[index];
	s.uses++;
	s.in_flight++;
	return index;
}

void SourcePorts::give_back(unsigned index, std::uint64_t now_ns)
{
	State &s = state_[index];
	if (s.in_flight > 0)
		s.in_flight--;
	if (s.in_flight == 0 && retired(index, now_ns))
		replace(index, now_ns);
}

void SourcePorts::replace(unsigned index, std::uint64_t now_ns)
{
	Fd fresh4, fresh6;
	for (int family : {AF_INET, AF_INET6}) {
		if (of(family).empty())
			continue;
		auto fd = open_socket(family, index);
		if (!fd) {
			// Keep the old sockets (the fresh one closes and leaves
			// epoll); try again after another lifetime.
			rotation_failures_++;
			state_[index] = State{0, state_[index].in_flight, now_ns};
			return;
		}
		(family == AF_INET ? fresh4 : fresh6) = std::move(*fd);
	}
	// Closing the old socket also removes it from the epoll set.
	if (fresh4.valid())
		v4_[index] = std::move(fresh4);
	if (fresh6.valid())
		v6_[index] = std::move(fresh6);
	state_[index] = State{0, 0, now_ns};
	rotations_++;
}

int SourcePorts::fd(int family, unsigned index) const
{
	const std::vector<Fd> &s = of(family);
	return index < s.size() ? s[index].get() : -1;
}

int SourcePorts::fd_of_tag(std::uint64_t t) const
{
	return fd(family_of_tag(t), index_of_tag(t));
}

std::uint16_t SourcePorts::port(int family, unsigned index) const
{
	const int s = fd(family, index);
	if (s < 0)
		return 0;
	sockaddr_storage ss{};
	socklen_t len = sizeof ss;
	if (getsockname(s, reinterpret_cast<sockaddr *>(&ss), &len) < 0)
		return 0;
	return family == AF_INET ? ntohs(reinterpret_cast<const sockaddr_in *>(&ss)->sin_port)
				 : ntohs(reinterpret_cast<const sockaddr_in6 *>(&ss)->sin6_port);
}

}  // namespace xdpdns::daemon
