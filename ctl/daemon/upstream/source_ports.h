// The UDP sockets the upstream backend sends from: a pool per address
// family, each socket bound to its own ephemeral port, which the kernel
// picks at random. Every query sends all its UDP tries from one socket of
// the pool chosen at random, and a reply counts only when it arrives on that
// socket: an off-path attacker must guess the port as well as the 16-bit ID
// and the question (RFC 5452 section 9.2).
//
// Ports do not stay put: a socket that has carried `rotate_after` queries or
// is older than `lifetime_ns` is retired. New queries avoid it, and once no
// query waits on it, it is replaced by a fresh socket on a new random port,
// so a port learnt by probing soon goes stale. Index i names the IPv4 and the
// IPv6 socket of the same position, which are retired together.
#pragma once

#include "common/fd.h"
#include "common/result.h"

#include <sys/socket.h>

#include <cstdint>
#include <vector>

namespace xdpdns::daemon {

class SourcePorts {
public:
	static constexpr unsigned max_per_family = 1024;

	struct Settings {
		unsigned per_family = 16;          // 1..max_per_family
		std::uint32_t buffer = 256u << 10;  // SO_RCVBUF/SO_SNDBUF per socket
		std::uint32_t rotate_after = 1000;  // queries per socket, >= 1
		std::uint64_t lifetime_ns = 30'000'000'000;
	};

	// Opens the sockets of each family asked for and adds them to epoll_fd
	// under tags that family_of_tag()/index_of_tag() decode.
	static Result<SourcePorts> open(bool v4, bool v6, const Settings &settings, int epoll_fd,
					std::uint64_t now_ns);

	unsigned per_family() const { return static_cast<unsigned>(state_.size()); }

	// A socket index for a new query (random: any 32-bit random value),
	// preferring sockets that are not retired; counts the query on it.
	unsigned take(std::uint32_t random, std::uint64_t now_ns);
	// The query on socket `index` is done: a retired socket with no query
	// left is replaced.
	void give_back(unsigned index, std::uint64_t now_ns);

	// The socket `index` of the family; -1 if the family is not open.
	int fd(int family, unsigned index) const;
	// Its local port (host order), 0 if none.
	std::uint16_t port(int family, unsigned index) const;
	// SO_RCVBUF as the kernel granted it (the same for every socket).
	int receive_buffer() const { return rcvbuf_; }
	std::uint64_t rotations() const { return rotations_; }
	// Replacements that failed (the old socket stays; retried later).
	std::uint64_t rotation_failures() const { return rotation_failures_; }

	// Epoll tags: family and socket index, below the TCP retries' top bit.
	static std::uint64_t tag(int family, unsigned index)
	{
		return std::uint64_t(family) << 16 | index;
	}
	static int family_of_tag(std::uint64_t tag) { return static_cast<int>(tag >> 16); }
	static unsigned index_of_tag(std::uint64_t tag) { return static_cast<unsigned>(tag & 0xffff); }
	int fd_of_tag(std::uint64_t tag) const;

private:
	struct State {
		std::uint32_t uses = 0;       // queries taken since opened
		std::uint32_t in_flight = 0;  // queries not yet given back
		std::uint64_t opened_ns = 0;
	};

	SourcePorts(const Settings &settings, int epoll_fd) : settings_(settings), epoll_fd_(epoll_fd) {}
	Result<Fd> open_socket(int family, unsigned index);
	bool retired(unsigned index, std::uint64_t now_ns) const;
	// Replaces socket `index` of each open family by a fresh one; on any
	// failure keeps the old ones.
	void replace(unsigned index, std::uint64_t now_ns);
	std::vector<Fd> &of(int family) { return family == AF_INET ? v4_ : v6_; }
	const std::vector<Fd> &of(int family) const { return family == AF_INET ? v4_ : v6_; }

	Settings settings_;
	int epoll_fd_ = -1;
	int rcvbuf_ = 0;
	std::vector<State> state_;
	std::vector<Fd> v4_;
	std::vector<Fd> v6_;
	std::uint64_t rotations_ = 0;
	std::uint64_t rotation_failures_ = 0;
};

}  // namespace xdpdns::daemon
