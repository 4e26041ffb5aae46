#include "fake_upstream.h"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace xdpdns::daemon::test {

namespace {

[[noreturn]] void fail(const std::string &what)
{
	throw std::runtime_error("fake upstream: " + what + ": " + std::strerror(errno));
}

Endpoint loopback(int family, std::uint16_t port)
{
	Endpoint e;
	if (family == AF_INET) {
		auto *a = reinterpret_cast<sockaddr_in *>(&e.addr);
		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		e.len = sizeof *a;
	} else {
		auto *a = reinterpret_cast<sockaddr_in6 *>(&e.addr);
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		a->sin6_addr = in6addr_loopback;
		e.len = sizeof *a;
	}
	return e;
}

int bound_socket(int family, int type, std::uint16_t port)
{
	const int fd = ::socket(family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fail("socket");
	const int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	const int size = 4 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
	const Endpoint e = loopback(family, port);
	if (::bind(fd, e.sa(), e.len) < 0) {
		::close(fd);
		return -1;
	}
	return fd;
}

std::uint16_t port_of_address(const sockaddr_storage &ss)
{
	return ss.ss_family == AF_INET ? ntohs(reinterpret_cast<const sockaddr_in *>(&ss)->sin_port)
				       : ntohs(reinterpret_cast<const sockaddr_in6 *>(&ss)->sin6_port);
}

void set_port(sockaddr_storage &ss, std::uint16_t port)
{
	if (ss.ss_family == AF_INET)
		reinterpret_cast<sockaddr_in *>(&ss)->sin_port = htons(port);
	else
		reinterpret_cast<sockaddr_in6 *>(&ss)->sin6_port = htons(port);
}

std::uint16_t port_of(int fd)
{
	sockaddr_storage ss{};
	socklen_t len = sizeof ss;
	if (getsockname(fd, reinterpret_cast<sockaddr *>(&ss), &len) < 0)
		fail("getsockname");
	return port_of_address(ss);
}

bool read_full(int fd, std::uint8_t *p, std::size_t n)
{
	while (n > 0) {
		const ssize_t r = ::recv(fd, p, n, 0);
		if (r <= 0)
			return false;
		p += r;
		n -= static_cast<std::size_t>(r);
	}
	return true;
}

}  // namespace

UdpHandler silent()
{
	return [](const Bytes &) { return std::vector<Reply>{}; };
}

UdpHandler answer(AnswerSpec spec)
{
	return [spec](const Bytes &q) {
		AnswerSpec s = spec;
		const std::size_t opt = find_opt(q);
		s.opt_do = opt != 0 && (q[opt + 7] & 0x80);  // echo DO
		return std::vector<Reply>{{make_answer(q, s)}};
	};
}

FakeUpstream::FakeUpstream(int family, UdpHandler udp, TcpHandler tcp)
	: udp_handler_(std::move(udp)), tcp_handler_(std::move(tcp))
{
	// TCP on the UDP port: retry with a new port if it is taken on TCP.
	for (int attempt = 0; attempt < 20 && listen_ < 0; attempt++) {
		if (udp_ >= 0)
			::close(udp_);
		udp_ = bound_socket(family, SOCK_DGRAM, 0);
		if (udp_ < 0)
			fail("bind UDP");
		if (!tcp_handler_)
			break;
		listen_ = bound_socket(family, SOCK_STREAM, port_of(udp_));
	}
	if (tcp_handler_ && (listen_ < 0 || ::listen(listen_, 64) < 0))
		fail("TCP listener");
	other_ = bound_socket(family, SOCK_DGRAM, 0);
	if (other_ < 0)
		fail("bind second UDP socket");
	endpoint_ = loopback(family, port_of(udp_));
	stop_ = eventfd(0, EFD_CLOEXEC);
	if (stop_ < 0)
		fail("eventfd");
	thread_ = std::thread([this] { run(); });
}

FakeUpstream::~FakeUpstream()
{
	const std::uint64_t one = 1;
	if (::write(stop_, &one, sizeof one) != sizeof one)
		std::abort();
	thread_.join();
	for (int fd : {udp_, other_, listen_, stop_})
		if (fd >= 0)
			::close(fd);
}

std::vector<Bytes> FakeUpstream::udp_queries() const
{
	std::lock_guard lock(mu_);
	return udp_queries_;
}

std::vector<std::uint16_t> FakeUpstream::udp_source_ports() const
{
	std::lock_guard lock(mu_);
	return udp_source_ports_;
}

std::vector<Bytes> FakeUpstream::tcp_queries() const
{
	std::lock_guard lock(mu_);
	return tcp_queries_;
}

void FakeUpstream::run()
{
	std::vector<std::uint8_t> buf(65536);
	for (;;) {
		pollfd fds[3] = {{stop_, POLLIN, 0}, {udp_, POLLIN, 0}, {listen_, POLLIN, 0}};
		if (::poll(fds, listen_ >= 0 ? 3 : 2, -1) < 0 && errno != EINTR)
			return;
		if (fds[0].revents)
			return;
		while (fds[1].revents & POLLIN) {
			sockaddr_storage from{};
			socklen_t len = sizeof from;
			const ssize_t r = ::recvfrom(udp_, buf.data(), buf.size(), MSG_DONTWAIT,
						     reinterpret_cast<sockaddr *>(&from), &len);
			if (r < 0)
				break;
			if (r > 0) {
				Bytes q(buf.begin(), buf.begin() + r);
				{
					std::lock_guard lock(mu_);
					udp_queries_.push_back(q);
					udp_source_ports_.push_back(port_of_address(from));
				}
				for (const Reply &rep : udp_handler_(q)) {
					sockaddr_storage to = from;
					if (rep.to_port)
						set_port(to, rep.to_port);
					::sendto(rep.from_other_port ? other_ : udp_, rep.data.data(),
						 rep.data.size(), 0, reinterpret_cast<sockaddr *>(&to), len);
				}
			}
		}
		if (listen_ >= 0 && (fds[2].revents & POLLIN)) {
			const int c = ::accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC);
			if (c >= 0) {
				serve_tcp_client(c);
				::close(c);
			}
		}
	}
}

void FakeUpstream::serve_tcp_client(int fd)
{
	const timeval tv{2, 0};  // a stuck client must not hang the test
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	std::uint8_t len[2];
	if (!read_full(fd, len, 2))
		return;
	Bytes q(static_cast<std::size_t>(len[0] << 8 | len[1]));
	if (!read_full(fd, q.data(), q.size()))
		return;
	{
		std::lock_guard lock(mu_);
		tcp_queries_.push_back(q);
	}
	const std::optional<Bytes> a = tcp_handler_(q);
	if (!a)
		return;
	Bytes out{static_cast<std::uint8_t>(a->size() >> 8), static_cast<std::uint8_t>(a->size())};
	out.insert(out.end(), a->begin(), a->end());
	::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
}

}  // namespace xdpdns::daemon::test
