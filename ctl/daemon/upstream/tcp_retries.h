// TCP retries of truncated upstream answers (RFC 7766): per connection a
// non-blocking connect, one length-prefixed query, one length-prefixed
// answer read in full, then close. A fixed number of connections with their
// buffers allocated at construction; each socket is registered in the
// backend's epoll set under an event tag made by this class.
#pragma once

#include "common/endpoint.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace xdpdns::daemon {

class TcpRetries {
public:
	static constexpr std::size_t max_query = 512;  // a forwarded query is <= 282 octets

	// epoll_fd: where the sockets are registered (not owned).
	TcpRetries(std::size_t max_connections, int epoll_fd);
	~TcpRetries();
	TcpRetries(const TcpRetries &) = delete;
	TcpRetries &operator=(const TcpRetries &) = delete;

	enum class Start { started, full, failed };
	// Connects to `server` to send `query` (without the length prefix) for
	// in-flight slot `slot`. On `started`, conn is the connection index.
	// `failed`: the socket could not be created or connected (errno kept).
	Start start(const Endpoint &server, std::span<const std::uint8_t> query, std::uint32_t slot,
		    int &conn);
	void close(int conn);

	std::size_t active() const { return conns_.size() - free_.size(); }
	std::uint32_t slot_of(int conn) const { return conns_[conn].slot; }

	// Epoll tags: the top bit marks a TCP connection.
	static bool is_tcp_tag(std::uint64_t tag) { return tag >> 63; }

	enum class Outcome {
		stale,    // the tag names a connection closed since (ignore)
		pending,  // more to send or to read
		answer,   // the whole answer is in `answer` (valid until close(conn))
		failed,   // refused, reset, closed early, malformed length
	};
	// Advances the connection named by an epoll tag; conn is its index.
	Outcome on_event(std::uint64_t tag, std::uint32_t events, int &conn,
			 std::span<const std::uint8_t> &answer);

private:
	enum class State : std::uint8_t { idle, connecting, sending, reading };
	struct Conn {
		int fd = -1;
		State state = State::idle;
		std::uint32_t gen = 0;  // bumped on close: stale epoll tags are told apart
		std::uint32_t slot = 0;
		std::uint16_t out_len = 0;
		std::uint16_t out_sent = 0;
		std::uint32_t in_have = 0;
		std::uint8_t *in = nullptr;                       // 2 + 65535 octets in pool_
		std::uint8_t out[2 + max_query] = {};
	};
	static constexpr std::size_t in_size = 2 + 65535;

	std::uint64_t tag_of(int conn) const;
	Outcome send_more(int conn);
	Outcome read_more(int conn, std::span<const std::uint8_t> &answer);

	int epoll_fd_;
	std::vector<Conn> conns_;
	std::vector<int> free_;
	std::vector<std::uint8_t> pool_;
};

}  // namespace xdpdns::daemon
