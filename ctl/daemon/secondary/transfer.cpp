#include "daemon/secondary/transfer.h"

#include "daemon/secondary/message.h"
#include "dns/wire.h"
#include "dns/zone.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace xdpdns::secondary {

namespace {

std::uint64_t now_s()
{
	return static_cast<std::uint64_t>(std::time(nullptr));
}

std::uint16_t random_id()
{
	std::uint16_t id = 0;
	if (getrandom(&id, sizeof(id), 0) != sizeof(id))
		id = static_cast<std::uint16_t>(std::time(nullptr));
	return id;
}

bool is_apex_soa(const Record &r, std::span<const std::uint8_t> origin)
{
	return r.type == dns::rrtype::soa && dns::names_equal_ci(r.owner, origin);
}

std::uint32_t serial_of(const Record &r)
{
	auto t = soa_timers(r.rdata);
	return t ? t->serial : 0;
}

// One TCP connection to a primary, every operation bounded by the time-out.
class Connection {
public:
	static Result<Connection> open(const Endpoint &ep, std::chrono::milliseconds timeout)
	{
		Connection c;
		c.timeout_ms_ = static_cast<int>(timeout.count());
		c.fd_ = ::socket(ep.family(), SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (c.fd_ < 0)
			return sys_error(errno, "socket");
		if (::connect(c.fd_, ep.sa(), ep.len) != 0 && errno != EINPROGRESS)
			return sys_error(errno, "connect");
		if (auto r = c.wait(POLLOUT, "connect"); !r)
			return r.error();
		int err = 0;
		socklen_t len = sizeof(err);
		getsockopt(c.fd_, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err)
			return sys_error(err, "connect");
		return c;
	}
	Connection() = default;
	Connection(Connection &&o) noexcept : fd_(o.fd_), timeout_ms_(o.timeout_ms_) { o.fd_ = -1; }
	~Connection()
	{
		if (fd_ >= 0)
			::close(fd_);
	}

	Result<void> send_message(std::span<const std::uint8_t> msg)
	{
		std::vector<std::uint8_t> out{static_cast<std::uint8_t>(msg.size() >> 8), static_cast<std::uint8_t>(msg.size())};
		out.insert(out.end(), msg.begin(), msg.end());
		std::size_t done = 0;
		while (done < out.size()) {
			const ssize_t n = ::send(fd_, out.data() + done, out.size() - done, MSG_NOSIGNAL);
			if (n > 0) {
				done += static_cast<std::size_t>(n);
				continue;
			}
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				return sys_error(errno, "send");
			if (auto r = wait(POLLOUT, "send"); !r)
				return r;
		}
		return {};
	}

	// The next message; an empty vector at a clean end of the stream.
	Result<std::vector<std::uint8_t>> read_message()
	{
		std::uint8_t len[2];
		auto r = read_exact(len, 2, true);
		if (!r)
			return r.error();
		if (!*r)
			return std::vector<std::uint8_t>{};
		const std::size_t n = dns::load_be16(len);
		if (n < dns::header_size)
			return Error{EBADMSG, "message of " + std::to_string(n) + " octets"};
		std::vector<std::uint8_t> msg(n);
		auto body = read_exact(msg.data(), n, false);
		if (!body)
			return body.error();
		return msg;
	}

private:
	Result<void> wait(short events, const char *what)
	{
		pollfd p{fd_, events, 0};
		const int n = ::poll(&p, 1, timeout_ms_);
		if (n == 0)
			return Error{ETIMEDOUT, std::string(what) + ": no progress in " + std::to_string(timeout_ms_) + " ms"};
		if (n < 0)
			return sys_error(errno, what);
		return {};
	}

	// False when the stream ended cleanly before the first octet (and
	// eof_ok); an Error when it ended in the middle.
	Result<bool> read_exact(std::uint8_t *p, std::size_t n, bool eof_ok)
	{
		std::size_t done = 0;
		while (done < n) {
			const ssize_t got = ::recv(fd_, p + done, n - done, 0);
			if (got > 0) {
				done += static_cast<std::size_t>(got);
				continue;
			}
			if (got == 0) {
				if (done == 0 && eof_ok)
					return false;
				return Error{EPIPE, "connection closed in the middle of a message"};
			}
			if (errno != EAGAIN && errno != EINTR)
				return sys_error(errno, "recv");
			if (auto r = wait(POLLIN, "recv"); !r)
				return r.error();
		}
		return true;
	}

	int fd_ = -1;
	int timeout_ms_ = 5000;
};

struct Exchange {
	Connection conn;
	std::uint16_t id = 0;
	std::optional<TsigStreamVerifier> tsig;
};

Result<Exchange> start(const TransferTarget &t, std::uint16_t qtype, const Record *soa)
{
	auto c = Connection::open(t.primary, t.timeout);
	if (!c)
		return c.error();
	Exchange x{std::move(*c), random_id(), std::nullopt};
	std::vector<std::uint8_t> q = make_query(x.id, t.origin, qtype, soa);
	if (t.key)
		x.tsig.emplace(*t.key, tsig_sign(q, *t.key, {}, now_s()));
	if (auto r = x.conn.send_message(q); !r)
		return r.error();
	return x;
}

// The next answer of the exchange, checked; an empty Answer list with
// `ended` at the end of the stream.
Result<Answer> next_answer(Exchange &x, bool &ended)
{
	auto msg = x.conn.read_message();
	if (!msg)
		return msg.error();
	ended = msg->empty();
	if (ended)
		return Answer{};
	if (dns::load_be16(msg->data()) != x.id)
		return Error{EBADMSG, "answer with ID " + std::to_string(dns::load_be16(msg->data())) + ", not " +
					      std::to_string(x.id)};
	if (x.tsig)
		if (auto r = x.tsig->next(*msg, now_s()); !r)
			return r.error();
	auto a = parse_answer(*msg);
	if (!a)
		return a.error();
	if (a->rcode != dns::rcode::noerror)
		return Error{EPROTO, std::string("primary answered ") + rcode_name(a->rcode)};
	return a;
}

}  // namespace

TransferAssembler::TransferAssembler(std::span<const std::uint8_t> origin, std::optional<std::uint32_t> have)
	: origin_(origin.begin(), origin.end()), have_(have)
{
}

Result<void> TransferAssembler::one(Record &&r)
{
	if (r.rrclass != dns::rrclass::in)
		return Error{EBADMSG, "record of class " + std::to_string(r.rrclass) + " at " + dns::name_to_text(r.owner)};
	const bool soa = is_apex_soa(r, origin_);
	switch (phase_) {
	case Phase::first:
		if (!soa)
			return Error{EBADMSG, "the first record is not the zone's SOA"};
		first_soa_ = r;
		final_serial_ = serial_of(r);
		r_.serial = final_serial_;
		r_.records.push_back(std::move(r));
		phase_ = Phase::second;
		return {};
	case Phase::second:
		if (soa && have_ && serial_of(r) == *have_ && serial_of(r) != final_serial_) {
			r_.kind = TransferResult::Kind::incremental;
			r_.records.clear();
			r_.diffs.emplace_back();
			r_.diffs.back().deleted.push_back(std::move(r));
			phase_ = Phase::ixfr_deleted;
			return {};
		}
		phase_ = Phase::axfr;
		[[fallthrough]];
	case Phase::axfr:
		if (soa) {
			if (serial_of(r) != final_serial_)
				return Error{EBADMSG, "closing SOA has serial " + std::to_string(serial_of(r)) + ", the opening one " +
							      std::to_string(final_serial_)};
			r_.kind = TransferResult::Kind::full;
			phase_ = Phase::done;
			return {};
		}
		r_.records.push_back(std::move(r));
		return {};
	case Phase::ixfr_deleted:
		if (soa) {
			current_new_ = serial_of(r);
			r_.diffs.back().added.push_back(std::move(r));
			phase_ = Phase::ixfr_added;
			return {};
		}
		r_.diffs.back().deleted.push_back(std::move(r));
		return {};
	case Phase::ixfr_added:
		if (soa) {
			if (serial_of(r) == final_serial_ && current_new_ == final_serial_) {
				phase_ = Phase::done;
				return {};
			}
			if (serial_of(r) != current_new_)
				return Error{EBADMSG, "IXFR difference starts at serial " + std::to_string(serial_of(r)) +
							      ", the previous one ended at " + std::to_string(current_new_)};
			r_.diffs.emplace_back();
			r_.diffs.back().deleted.push_back(std::move(r));
			phase_ = Phase::ixfr_deleted;
			return {};
		}
		r_.diffs.back().added.push_back(std::move(r));
		return {};
	case Phase::done:
		return Error{EBADMSG, "records after the closing SOA"};
	}
	return {};
}

Result<bool> TransferAssembler::feed(std::vector<Record> records)
{
	const bool first_message = phase_ == Phase::first;
	const std::size_t n = records.size();
	for (auto &r : records)
		if (auto res = one(std::move(r)); !res)
			return res.error();
	if (first_message && n == 1 && phase_ == Phase::second && have_) {
		// IXFR answered with the SOA alone: up to date, or the primary
		// wants us to use AXFR (RFC 1995 4).
		if (!serial_newer(final_serial_, *have_)) {
			r_.kind = TransferResult::Kind::up_to_date;
			phase_ = Phase::done;
			return true;
		}
		return Error{EAGAIN, "IXFR answered with the new SOA only"};
	}
	return phase_ == Phase::done;
}

TransferResult TransferAssembler::take()
{
	return std::move(r_);
}

Result<std::uint32_t> query_serial(const TransferTarget &t)
{
	auto x = start(t, dns::rrtype::soa, nullptr);
	if (!x)
		return x.error();
	bool ended = false;
	auto a = next_answer(*x, ended);
	if (!a)
		return a.error();
	if (ended)
		return Error{EPIPE, "connection closed without an answer"};
	if (x->tsig)
		if (auto r = x->tsig->finish(); !r)
			return r.error();
	for (const Record &r : a->answers)
		if (is_apex_soa(r, t.origin))
			return serial_of(r);
	return Error{ENOENT, "the answer holds no SOA of the zone"};
}

Result<TransferResult> transfer(const TransferTarget &t, const Record *soa)
{
	const std::optional<std::uint32_t> have = soa ? std::optional(serial_of(*soa)) : std::nullopt;
	auto x = start(t, soa ? dns::rrtype::ixfr : dns::rrtype::axfr, soa);
	if (!x)
		return x.error();
	TransferAssembler assembler(t.origin, have);
	std::size_t messages = 0, records = 0;
	for (;;) {
		bool ended = false;
		auto a = next_answer(*x, ended);
		if (!a)
			return Error{a.error().err, a.error().message + " (message " + std::to_string(messages + 1) + ")"};
		if (ended)
			return Error{EPIPE, "connection closed before the closing SOA (after " + std::to_string(messages) +
						    " messages, " + std::to_string(records) + " records)"};
		messages++;
		records += a->answers.size();
		auto done = assembler.feed(std::move(a->answers));
		if (!done)
			return Error{done.error().err, done.error().message + " (message " + std::to_string(messages) + ")"};
		if (*done)
			break;
	}
	if (x->tsig)
		if (auto r = x->tsig->finish(); !r)
			return r.error();
	return assembler.take();
}

}  // namespace xdpdns::secondary
