#include "daemon/upstream/tcp_retries.h"

#include "dns/wire.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace xdpdns::daemon {

TcpRetries::TcpRetries(std::size_t max_connections, int epoll_fd)
	: epoll_fd_(epoll_fd), conns_(max_connections), pool_(max_connections * in_size)
{
	free_.reserve(max_connections);
	for (std::size_t i = max_connections; i-- > 0;) {
		conns_[i].in = pool_.data() + i * in_size;
		free_.push_back(static_cast<int>(i));
	}
}

TcpRetries::~TcpRetries()
{
	for (Conn &c : conns_)
		if (c.fd >= 0)
			::close(c.fd);
}

std::uint64_t TcpRetries::tag_of(int conn) const
{
	return std::uint64_t{1} << 63 | std::uint64_t{conns_[conn].gen & 0x7fffffff} << 32 |
	       static_cast<std::uint32_t>(conn);
}

TcpRetries::Start TcpRetries::start(const Endpoint &server, std::span<const std::uint8_t> query,
				    std::uint32_t slot, int &conn)
{
	if (free_.empty())
		return Start::full;
	if (query.size() > max_query) {
		errno = EMSGSIZE;
		return Start::failed;
	}
	const int fd = ::socket(server.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return Start::failed;
	if (::connect(fd, server.sa(), server.len) < 0 && errno != EINPROGRESS) {
		const int err = errno;
		::close(fd);
		errno = err;
		return Start::failed;
	}
	conn = free_.back();
	Conn &c = conns_[conn];
	epoll_event ev{};
	ev.events = EPOLLOUT;
	ev.data.u64 = tag_of(conn);
	if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) < 0) {
		const int err = errno;
		::close(fd);
		errno = err;
		return Start::failed;
	}
	free_.pop_back();
	c.fd = fd;
	c.state = State::connecting;
	c.slot = slot;
	dns::store_be16(c.out, static_cast<std::uint16_t>(query.size()));
	std::memcpy(c.out + 2, query.data(), query.size());
	c.out_len = static_cast<std::uint16_t>(2 + query.size());
	c.out_sent = 0;
	c.in_have = 0;
	return Start::started;
}

void TcpRetries::close(int conn)
{
	Conn &c = conns_[conn];
	if (c.state == State::idle)
		return;
	::close(c.fd);  // also leaves the epoll set
	c.fd = -1;
	c.state = State::idle;
	c.gen++;
	free_.push_back(conn);
}

TcpRetries::Outcome TcpRetries::on_event(std::uint64_t tag, std::uint32_t events, int &conn,
					 std::span<const std::uint8_t> &answer)
{
	const std::uint32_t index = static_cast<std::uint32_t>(tag);
	const std::uint32_t gen = static_cast<std::uint32_t>(tag >> 32) & 0x7fffffff;
	if (index >= conns_.size())
		return Outcome::stale;
	Conn &c = conns_[index];
	if (c.state == State::idle || (c.gen & 0x7fffffff) != gen)
		return Outcome::stale;
	conn = static_cast<int>(index);

	if (c.state == State::connecting) {
		int err = 0;
		socklen_t len = sizeof err;
		if (getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0)
			return Outcome::failed;
		if (!(events & EPOLLOUT))
			return Outcome::pending;
		c.state = State::sending;
	}
	if (c.state == State::sending)
		return send_more(conn);
	return read_more(conn, answer);
}

TcpRetries::Outcome TcpRetries::send_more(int conn)
{
	Conn &c = conns_[conn];
	while (c.out_sent < c.out_len) {
		const ssize_t r = ::send(c.fd, c.out + c.out_sent, c.out_len - c.out_sent,
					 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return Outcome::pending;
			return Outcome::failed;
		}
		c.out_sent = static_cast<std::uint16_t>(c.out_sent + r);
	}
	epoll_event ev{};
	ev.events = EPOLLIN;
	ev.data.u64 = tag_of(conn);
	if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev) < 0)
		return Outcome::failed;
	c.state = State::reading;
	return Outcome::pending;
}

TcpRetries::Outcome TcpRetries::read_more(int conn, std::span<const std::uint8_t> &answer)
{
	Conn &c = conns_[conn];
	for (;;) {
		// Read no further than the announced message: nothing else is expected.
		std::size_t want = c.in_have < 2 ? 2 - c.in_have
						 : 2 + std::size_t{dns::load_be16(c.in)} - c.in_have;
		if (c.in_have >= 2) {
			const std::size_t msg_len = dns::load_be16(c.in);
			if (msg_len < dns::header_size)
				return Outcome::failed;
			if (want == 0) {
				answer = {c.in + 2, msg_len};
				return Outcome::answer;
			}
		}
		const ssize_t r = ::recv(c.fd, c.in + c.in_have, want, MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return Outcome::pending;
			return Outcome::failed;
		}
		if (r == 0)
			return Outcome::failed;  // closed before the whole answer
		c.in_have += static_cast<std::uint32_t>(r);
	}
}

}  // namespace xdpdns::daemon
