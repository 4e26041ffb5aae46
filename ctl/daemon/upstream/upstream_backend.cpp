#include "daemon/upstream/upstream_backend.h"

#include "dns/response.h"
#include "dns/upstream_codec.h"

#include <sys/epoll.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <string>

namespace xdpdns::daemon {

namespace {

constexpr std::size_t epoll_batch = 64;
constexpr int epoll_rounds = 4;  // bounded: under load the UDP sockets never run dry
constexpr int max_udp_per_drain = 256;
constexpr std::uint32_t min_socket_buffer = 256u << 10;

// SERVFAIL, REFUSED or NOTIMP: this server cannot or will not answer; another
// may. (NXDOMAIN, FORMERR and the rest are answers to pass on.)
bool declined(std::span<const std::uint8_t> reply)
{
	const std::uint8_t rcode = reply[3] & dns::flag::rcode_mask;
	return rcode == dns::rcode::servfail || rcode == dns::rcode::refused || rcode == dns::rcode::notimp;
}

std::uint64_t monotonic_ns()
{
	timespec ts{};
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return std::uint64_t(ts.tv_sec) * 1000000000u + std::uint64_t(ts.tv_nsec);
}

Error range_error(const char *what, std::uint64_t value, std::uint64_t lo, std::uint64_t hi)
{
	return Error{EINVAL, std::string("upstream: ") + what + " " + std::to_string(value) +
				     " is out of range " + std::to_string(lo) + ".." + std::to_string(hi)};
}

Result<void> validate(const UpstreamConfig &c)
{
	if (c.servers.empty())
		return Error{EINVAL, "upstream: no server given"};
	for (const Endpoint &e : c.servers)
		if ((e.family() != AF_INET && e.family() != AF_INET6) || e.len == 0)
			return Error{EINVAL, "upstream: server address of an unknown family"};
	if (c.servers.size() > 255)
		return range_error("server count", c.servers.size(), 1, 255);
	if (c.timeout_ms < 1 || c.timeout_ms > 60000)
		return range_error("timeout (ms)", c.timeout_ms, 1, 60000);
	if (c.tries > 255)
		return range_error("tries", c.tries, 0, 255);
	if (c.max_in_flight < 1 || c.max_in_flight > InFlightTable::max_capacity)
		return range_error("max in flight", c.max_in_flight, 1, InFlightTable::max_capacity);
	if (c.max_tcp > 4096)
		return range_error("max TCP retries", c.max_tcp, 0, 4096);
	if (c.source_ports < 1 || c.source_ports > SourcePorts::max_per_family)
		return range_error("source ports per family", c.source_ports, 1, SourcePorts::max_per_family);
	if (c.source_port_queries < 1)
		return range_error("queries per source port", c.source_port_queries, 1, UINT32_MAX);
	if (c.source_port_lifetime_ms < 1)
		return range_error("source port lifetime (ms)", c.source_port_lifetime_ms, 1, UINT32_MAX);
	if (c.edns_size < dns::min_udp_size)
		return range_error("EDNS size", c.edns_size, dns::min_udp_size, 65535);
	return {};
}

}  // namespace

Result<std::unique_ptr<UpstreamBackend>> UpstreamBackend::create(const UpstreamConfig &config)
{
	if (auto v = validate(config); !v)
		return v.error();
	Fd ep(epoll_create1(EPOLL_CLOEXEC));
	if (!ep.valid())
		return sys_error(errno, "upstream: epoll_create1");

	bool v4 = false, v6 = false;
	for (const Endpoint &e : config.servers)
		(e.family() == AF_INET ? v4 : v6) = true;
	// The receive buffer is shared out over the pool: replies to a burst of
	// queries spread over its sockets.
	const std::uint32_t per_socket =
		std::max<std::uint32_t>(config.socket_buffer / config.source_ports, min_socket_buffer);
	const SourcePorts::Settings settings{
		.per_family = config.source_ports,
		.buffer = per_socket,
		.rotate_after = config.source_port_queries,
		.lifetime_ns = std::uint64_t{config.source_port_lifetime_ms} * 1000000u,
	};
	auto ports = SourcePorts::open(v4, v6, settings, ep.get(), monotonic_ns());
	if (!ports)
		return ports.error();
	return std::unique_ptr<UpstreamBackend>(
		new UpstreamBackend(config, std::move(ep), std::move(*ports)));
}

UpstreamBackend::UpstreamBackend(const UpstreamConfig &config, Fd epoll,
				 SourcePorts ports)
	: config_(config),
	  tries_(config.tries ? config.tries : static_cast<unsigned>(config.servers.size())),
	  timeout_ns_(std::uint64_t{config.timeout_ms} * 1000000u),
	  epoll_(std::move(epoll)),
	  ports_(std::move(ports)),
	  table_(config.max_in_flight),
	  tcp_(config.max_tcp, epoll_.get()),
	  rx_(dns::max_message),
	  out_(dns::max_message)
{
}

std::uint16_t UpstreamBackend::edns_size() const
{
	if (config_.live_edns_size) {
		const std::uint32_t v = __atomic_load_n(config_.live_edns_size, __ATOMIC_RELAXED);
		if (v >= dns::min_udp_size && v <= 65535)
			return static_cast<std::uint16_t>(v);
	}
	return config_.edns_size;
}

std::uint16_t UpstreamBackend::unused_id()
{
	// At most half of the IDs are taken: a few draws suffice in practice;
	// the scan only bounds the worst case.
	for (int i = 0; i < 64; i++) {
		const std::uint16_t id = random_.u16();
		if (!table_.id_in_use(id))
			return id;
	}
	std::uint16_t id = random_.u16();
	while (table_.id_in_use(id))
		id++;
	return id;
}

const Endpoint &UpstreamBackend::server_of_try(const InFlight &s, unsigned try_index) const
{
	return config_.servers[(s.first_server + try_index) % config_.servers.size()];
}

const Endpoint *UpstreamBackend::sender(const InFlight &s, const sockaddr_storage &from) const
{
	for (unsigned i = 0; i < s.tries_done; i++) {
		const Endpoint &e = server_of_try(s, i);
		if (same_endpoint(e, from))
			return &e;
	}
	return nullptr;
}

Backend::Status UpstreamBackend::resolve(const dns::Query &q, std::span<const std::uint8_t> msg,
					 Transport t, std::uint64_t tag, std::span<std::uint8_t> out,
					 std::size_t &out_size)
{
	(void)msg, (void)t;  // the parse holds all we forward; the worker fits the answer to t
	out_size = 0;
	if (table_.full()) {
		counters_.table_full++;
		return Status::dropped;
	}
	const std::uint32_t slot = table_.acquire(unused_id());
	InFlight &s = table_[slot];
	s.tag = tag;
	s.query = q;
	s.first_server = next_first_server_;
	s.port_index = static_cast<std::uint16_t>(
		ports_.take(random_.below(ports_.per_family()), monotonic_ns()));
	next_first_server_ = static_cast<std::uint16_t>((next_first_server_ + 1) % config_.servers.size());
	if (start_next_try(slot, monotonic_ns()))
		return Status::pending;

	// No server could even be sent to.
	release(slot);
	counters_.servfails++;
	out_size = dns::write_error(q, dns::rcode::servfail, out, edns_size());
	return out_size ? Status::answered : Status::dropped;
}

bool UpstreamBackend::start_next_try(std::uint32_t slot, std::uint64_t now_ns)
{
	InFlight &s = table_[slot];
	const std::size_t len = dns::write_forward_query(s.query, s.fwd_id, query_buf_);
	if (len == 0)
		return false;
	while (s.tries_done < tries_) {
		const Endpoint &server = server_of_try(s, s.tries_done);
		s.tries_done++;
		ssize_t r;
		do
			r = ::sendto(ports_.fd(server.family(), s.port_index), query_buf_.data(), len,
				     MSG_DONTWAIT | MSG_NOSIGNAL, server.sa(), server.len);
		while (r < 0 && errno == EINTR);
		if (r == static_cast<ssize_t>(len)) {
			counters_.sent++;
			table_.set_deadline(slot, now_ns + timeout_ns_);
			return true;
		}
		counters_.send_errors++;
	}
	return false;
}

void UpstreamBackend::fail_try(std::uint32_t slot, AnswerSink &sink, std::uint64_t now_ns)
{
	if (start_next_try(slot, now_ns))
		return;
	counters_.servfails++;
	deliver_servfail(slot, sink);
}

void UpstreamBackend::start_tcp(std::uint32_t slot, const Endpoint &server, AnswerSink &sink,
				std::uint64_t now_ns)
{
	InFlight &s = table_[slot];
	const std::size_t len = dns::write_forward_query(s.query, s.fwd_id, query_buf_);
	int conn = -1;
	switch (tcp_.start(server, {query_buf_.data(), len}, slot, conn)) {
	case TcpRetries::Start::started:
		counters_.tcp_retries++;
		s.tcp = conn;
		table_.set_deadline(slot, now_ns + timeout_ns_);
		return;
	case TcpRetries::Start::full:
		counters_.servfails++;
		deliver_servfail(slot, sink);
		return;
	case TcpRetries::Start::failed:
		counters_.send_errors++;
		fail_try(slot, sink, now_ns);
		return;
	}
}

bool UpstreamBackend::deliver_answer(std::uint32_t slot, std::span<const std::uint8_t> reply,
				     AnswerSink &sink)
{
	InFlight &s = table_[slot];
	const std::size_t n = dns::restore_reply(reply, out_, s.query, s.query.has_opt, edns_size());
	if (n == 0) {
		counters_.malformed++;
		return false;
	}
	const std::uint64_t tag = s.tag;
	release(slot);  // before deliver(): the sink may call resolve() again
	counters_.answered++;
	sink.deliver(tag, {out_.data(), n});
	return true;
}

void UpstreamBackend::deliver_servfail(std::uint32_t slot, AnswerSink &sink)
{
	InFlight &s = table_[slot];
	const std::size_t n = dns::write_error(s.query, dns::rcode::servfail, out_, edns_size());
	const std::uint64_t tag = s.tag;
	release(slot);
	if (n != 0)
		sink.deliver(tag, {out_.data(), n});
}

void UpstreamBackend::release(std::uint32_t slot)
{
	InFlight &s = table_[slot];
	if (s.tcp >= 0)
		tcp_.close(s.tcp);
	s.tcp = -1;
	ports_.give_back(s.port_index, monotonic_ns());
	table_.release(slot);
}

void UpstreamBackend::poll(AnswerSink &sink, std::uint64_t now_ns)
{
	epoll_event events[epoll_batch];
	for (int round = 0; round < epoll_rounds; round++) {
		const int n = epoll_wait(epoll_.get(), events, epoll_batch, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (int i = 0; i < n; i++) {
			const std::uint64_t tag = events[i].data.u64;
			if (TcpRetries::is_tcp_tag(tag))
				on_tcp_event(tag, events[i].events, sink, now_ns);
			else
				drain_udp(tag, sink, now_ns);
		}
	}
	expire(sink, now_ns);
}

std::uint64_t UpstreamBackend::next_deadline_ns() const
{
	const std::uint32_t slot = table_.earliest();
	return slot == InFlightTable::none ? std::numeric_limits<std::uint64_t>::max()
					   : table_[slot].deadline_ns;
}

void UpstreamBackend::drain_udp(std::uint64_t tag, AnswerSink &sink, std::uint64_t now_ns)
{
	const unsigned index = SourcePorts::index_of_tag(tag);
	// Bounded, so that a flood of datagrams to our port cannot keep the
	// worker here: epoll is level-triggered and reports the rest again.
	for (int n = 0; n < max_udp_per_drain; n++) {
		// Looked up each time: delivering a reply can retire this socket
		// and replace it, and the old descriptor number may be reused.
		const int fd = ports_.fd_of_tag(tag);
		sockaddr_storage from{};
		socklen_t from_len = sizeof from;
		const ssize_t r = ::recvfrom(fd, rx_.data(), rx_.size(), MSG_DONTWAIT | MSG_TRUNC,
					     reinterpret_cast<sockaddr *>(&from), &from_len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return;  // EAGAIN: drained
		}
		if (static_cast<std::size_t>(r) > rx_.size()) {
			counters_.mismatched++;  // cannot happen for IPv4/IPv6 UDP
			continue;
		}
		on_udp_reply({rx_.data(), static_cast<std::size_t>(r)}, from, index, sink, now_ns);
	}
}

void UpstreamBackend::on_udp_reply(std::span<const std::uint8_t> reply, const sockaddr_storage &from,
				   unsigned socket_index, AnswerSink &sink, std::uint64_t now_ns)
{
	if (reply.size() < dns::header_size) {
		counters_.mismatched++;
		return;
	}
	const std::uint32_t slot = table_.find_id(dns::load_be16(reply.data() + dns::hdr::id));
	if (slot == InFlightTable::none) {
		counters_.mismatched++;  // unknown ID, or an answer already given
		return;
	}
	InFlight &s = table_[slot];
	const Endpoint *server = sender(s, from);
	// s.tcp >= 0: a late UDP reply while the TCP retry is under way. A reply
	// to another socket of the pool did not answer our datagram.
	if (s.tcp >= 0 || !server || socket_index != s.port_index ||
	    !dns::match_reply(reply, s.fwd_id, s.query)) {
		counters_.mismatched++;
		return;
	}
	if (dns::tc_bit(reply)) {
		start_tcp(slot, *server, sink, now_ns);
		return;
	}
	// A server that refuses us or fails (SERVFAIL, REFUSED, NOTIMP) counts
	// as a failed try: the next server is asked while tries remain; the
	// last such reply goes to the client as it is.
	if (declined(reply) && s.tries_done < tries_) {
		counters_.declined++;
		if (start_next_try(slot, now_ns))
			return;
	}
	// A malformed reply is ignored (counted) like a forged one: the try
	// goes on until another reply or its time-out.
	deliver_answer(slot, reply, sink);
}

void UpstreamBackend::on_tcp_event(std::uint64_t tag, std::uint32_t events, AnswerSink &sink,
				   std::uint64_t now_ns)
{
	int conn = -1;
	std::span<const std::uint8_t> answer;
	const TcpRetries::Outcome o = tcp_.on_event(tag, events, conn, answer);
	if (o == TcpRetries::Outcome::stale || o == TcpRetries::Outcome::pending)
		return;
	const std::uint32_t slot = tcp_.slot_of(conn);
	InFlight &s = table_[slot];
	if (o == TcpRetries::Outcome::answer) {
		if (dns::match_reply(answer, s.fwd_id, s.query)) {
			if (deliver_answer(slot, answer, sink))
				return;
		} else {
			counters_.mismatched++;
		}
	} else {
		counters_.tcp_errors++;
	}
	// The TCP retry failed: it was this try's last chance on that server.
	tcp_.close(conn);
	s.tcp = -1;
	fail_try(slot, sink, now_ns);
}

void UpstreamBackend::expire(AnswerSink &sink, std::uint64_t now_ns)
{
	for (;;) {
		const std::uint32_t slot = table_.earliest();
		if (slot == InFlightTable::none || table_[slot].deadline_ns > now_ns)
			return;
		counters_.timeouts++;
		InFlight &s = table_[slot];
		if (s.tcp >= 0) {
			tcp_.close(s.tcp);
			s.tcp = -1;
		}
		fail_try(slot, sink, now_ns);  // a new deadline after now_ns, or released
	}
}

}  // namespace xdpdns::daemon
