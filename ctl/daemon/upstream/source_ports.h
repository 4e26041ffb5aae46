// The UDP sockets the upstream backend sends from: a pool per address
// family, each socket bound to its own ephemeral port, which the kernel
// picks at random. Every query sends all its UDP tries from one socket of
// the pool chosen at random, and a reply counts only when it arrives on that
// socket: an off-path attacker must guess the port as well as the 16-bit ID
// and the question (RFC 5452 section 9.2).
#pragma once

#include "common/fd.h"
#include "common/result.h"

#include <cstdint>
#include <vector>

namespace xdpdns::daemon {

class SourcePorts {
public:
	static constexpr unsigned max_per_family = 1024;

	// Opens per_family (1..max_per_family) non-blocking sockets for each
	// family asked for, with SO_RCVBUF/SO_SNDBUF of `buffer` octets, and
	// adds them to epoll_fd under tags that is_tag() recognises.
	static Result<SourcePorts> open(bool v4, bool v6, unsigned per_family, std::uint32_t buffer,
					int epoll_fd);

	unsigned per_family() const { return per_family_; }
	// The socket of a query's pick (any 16-bit value) in this family; -1 if
	// the family is not open.
	int fd(int family, std::uint16_t pick) const;
	unsigned index_of(std::uint16_t pick) const { return pick % per_family_; }
	// The local port of socket `index` of the family (host order), 0 if none.
	std::uint16_t port(int family, unsigned index) const;
	// SO_RCVBUF as the kernel granted it (the same for every socket).
	int receive_buffer() const { return rcvbuf_; }

	// Epoll tags: family and socket index, below the TCP retries' top bit.
	static std::uint64_t tag(int family, unsigned index)
	{
		return std::uint64_t(family) << 16 | index;
	}
	static int family_of_tag(std::uint64_t tag) { return static_cast<int>(tag >> 16); }
	static unsigned index_of_tag(std::uint64_t tag) { return static_cast<unsigned>(tag & 0xffff); }
	int fd_of_tag(std::uint64_t tag) const;

private:
	Result<void> open_family(int family, std::uint32_t buffer, int epoll_fd);
	const std::vector<Fd> &of(int family) const;

	unsigned per_family_ = 1;
	int rcvbuf_ = 0;
	std::vector<Fd> v4_;
	std::vector<Fd> v6_;
};

}  // namespace xdpdns::daemon
