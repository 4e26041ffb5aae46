// A DNS server on loopback for the tests, run by a thread with plain
// sockets: UDP, and TCP on the same port when a TCP handler is given.
// What it answers is decided by the test's handlers, called on the server
// thread with each query received.
#pragma once

#include "common/endpoint.h"
#include "dns_messages.h"

#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace xdpdns::daemon::test {

struct Reply {
	Bytes data;
	bool from_other_port = false;  // sent from a second socket (forged source)
	std::uint16_t to_port = 0;     // 0: back to the query's source port
};
using UdpHandler = std::function<std::vector<Reply>(const Bytes &query)>;
// nullopt: close the connection without answering.
using TcpHandler = std::function<std::optional<Bytes>(const Bytes &query)>;

// Handlers for the common cases.
UdpHandler silent();
UdpHandler answer(AnswerSpec spec = {.lowercase = true, .opt = true});

class FakeUpstream {
public:
	// family AF_INET (127.0.0.1) or AF_INET6 (::1). Without a TCP handler
	// nothing listens on TCP.
	FakeUpstream(int family, UdpHandler udp, TcpHandler tcp = nullptr);
	~FakeUpstream();
	FakeUpstream(const FakeUpstream &) = delete;
	FakeUpstream &operator=(const FakeUpstream &) = delete;

	const Endpoint &endpoint() const { return endpoint_; }
	std::vector<Bytes> udp_queries() const;
	// The source port of each UDP query, in the order received; recorded
	// before the handler runs, so a handler may read its own query's.
	std::vector<std::uint16_t> udp_source_ports() const;
	std::vector<Bytes> tcp_queries() const;

private:
	void run();
	void serve_tcp_client(int fd);

	UdpHandler udp_handler_;
	TcpHandler tcp_handler_;
	Endpoint endpoint_;
	int udp_ = -1;
	int other_ = -1;  // the forged-source socket
	int listen_ = -1;
	int stop_ = -1;   // eventfd
	mutable std::mutex mu_;
	std::vector<Bytes> udp_queries_;
	std::vector<std::uint16_t> udp_source_ports_;
	std::vector<Bytes> tcp_queries_;
	std::thread thread_;
};

}  // namespace xdpdns::daemon::test
