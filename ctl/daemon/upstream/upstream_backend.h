// The `upstream` backend: forwards each query over UDP to real DNS servers
// and hands their answers to the worker when they arrive. One instance per
// worker thread, no locking, no heap allocation per query.
//
// Per query: a fresh random forwarded ID (from the kernel CSPRNG, see
// common/secure_random.h) unique among the queries in flight,
// our own OPT (EDNS 4096, DO copied), then tries on the servers in order,
// starting after the server the previous query started with (round robin).
// A try that times out moves to the next server; the ID stays the same, so
// a late answer from an earlier server of the same query is still taken.
// A reply counts only if it comes from a server this query was sent to and
// matches the ID and the question. An answer with TC=1 is asked again over
// TCP from the same server; a failed or timed-out TCP retry is a failed try.
// When every try failed the client gets SERVFAIL (question echoed, OPT iff
// it sent one).
//
// The slot keeps the client's parsed Query (fixed size), not its octets: the
// forwarded query is rebuilt from the question, so client queries of any
// length are accepted (records other than the question and OPT, e.g. TSIG,
// are not forwarded).
//
// Each query sends its UDP tries from one socket of a pool (SourcePorts),
// picked at random (same CSPRNG), and takes replies only on that socket; sockets move to
// new random ports after 1,000 queries or 30 s.
//
// Memory, all at create(): about 560 octets per in-flight slot (2.3 MB for
// 4096), 64 KiB per TCP retry connection (4 MiB for 64), 192 KiB of ID
// index and datagram buffers.
#pragma once

#include "common/fd.h"
#include "common/result.h"
#include "common/secure_random.h"
#include "daemon/backend.h"
#include "daemon/upstream/inflight_table.h"
#include "daemon/upstream/source_ports.h"
#include "daemon/upstream/tcp_retries.h"
#include "daemon/upstream/upstream_config.h"

#include <sys/socket.h>

#include <array>
#include <memory>
#include <optional>
#include <vector>

namespace xdpdns::daemon {

class UpstreamBackend final : public Backend {
public:
	// Validates the settings, opens the sockets (config.source_ports UDP
	// sockets per address family in use, each on a random ephemeral port,
	// and an epoll set) and allocates every table and buffer.
	static Result<std::unique_ptr<UpstreamBackend>> create(const UpstreamConfig &config);

	Status resolve(const dns::Query &q, std::span<const std::uint8_t> msg, Transport t,
		       std::uint64_t tag, std::span<std::uint8_t> out, std::size_t &out_size) override;

	// The epoll fd: readable when any UDP socket or TCP retry needs work.
	int poll_fd() const override { return epoll_.get(); }
	// Reads every reply waiting, then handles the deadlines up to now_ns.
	void poll(AnswerSink &sink, std::uint64_t now_ns) override;
	std::uint64_t next_deadline_ns() const override;

	const UpstreamCounters &counters() const { return counters_; }
	std::size_t in_flight() const { return table_.size(); }
	// The receive buffer the kernel granted each UDP socket (SO_RCVBUF).
	int udp_receive_buffer() const { return ports_.receive_buffer(); }
	const SourcePorts &source_ports() const { return ports_; }

	UpstreamBackend(const UpstreamBackend &) = delete;
	UpstreamBackend &operator=(const UpstreamBackend &) = delete;

private:
	UpstreamBackend(const UpstreamConfig &config, Fd epoll, SourcePorts ports);

	std::uint16_t edns_size() const;
	std::uint16_t unused_id();
	const Endpoint &server_of_try(const InFlight &s, unsigned try_index) const;
	// The server of one of the query's tries with this address, or nullptr.
	const Endpoint *sender(const InFlight &s, const sockaddr_storage &from) const;

	// Sends the next try over UDP; moves on at once past servers whose send
	// fails. False when no try is left.
	bool start_next_try(std::uint32_t slot, std::uint64_t now_ns);
	void fail_try(std::uint32_t slot, AnswerSink &sink, std::uint64_t now_ns);
	void start_tcp(std::uint32_t slot, const Endpoint &server, AnswerSink &sink, std::uint64_t now_ns);
	bool deliver_answer(std::uint32_t slot, std::span<const std::uint8_t> reply, AnswerSink &sink);
	void deliver_servfail(std::uint32_t slot, AnswerSink &sink);
	void release(std::uint32_t slot);

	// tag: the epoll tag of the socket (SourcePorts::tag).
	void drain_udp(std::uint64_t tag, AnswerSink &sink, std::uint64_t now_ns);
	void on_udp_reply(std::span<const std::uint8_t> reply, const sockaddr_storage &from,
			  unsigned socket_index, AnswerSink &sink, std::uint64_t now_ns);
	void on_tcp_event(std::uint64_t tag, std::uint32_t events, AnswerSink &sink, std::uint64_t now_ns);
	void expire(AnswerSink &sink, std::uint64_t now_ns);

	UpstreamConfig config_;
	unsigned tries_;
	std::uint64_t timeout_ns_;
	SecureRandom random_;  // forwarded IDs and the source socket of each query
	Fd epoll_;
	SourcePorts ports_;
	std::uint16_t next_first_server_ = 0;
	InFlightTable table_;
	TcpRetries tcp_;
	UpstreamCounters counters_;
	std::vector<std::uint8_t> rx_;   // one UDP datagram (65535 octets)
	std::vector<std::uint8_t> out_;  // the client's answer (reply + our OPT)
	std::array<std::uint8_t, TcpRetries::max_query> query_buf_{};
};

}  // namespace xdpdns::daemon
