// What produces DNS answers for the daemon. One Backend instance per worker
// thread (no locking inside); the worker drives asynchronous backends through
// poll_fd()/poll()/next_deadline_ns().
#pragma once

#include "dns/query.h"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>

namespace xdpdns::daemon {

enum class Transport : std::uint8_t { udp, tcp };

// Receives answers that were not ready when resolve() returned.
class AnswerSink {
public:
	virtual ~AnswerSink() = default;
	// `answer` is the complete DNS message for the client (its ID, its
	// question, OPT only if the client sent one). Valid during the call only.
	virtual void deliver(std::uint64_t tag, std::span<const std::uint8_t> answer) = 0;
};

class Backend {
public:
	enum class Status {
		answered,  // the answer is in `out`, `out_size` octets
		pending,   // the answer will come through AnswerSink::deliver(tag, ...)
		dropped,   // no answer will ever come (e.g. no room to track it)
	};

	virtual ~Backend() = default;

	// `msg` is the client's query message as received, `q` its parse
	// (dns::parse_query returned ok). `tag` identifies the query for a later
	// deliver(). Must not allocate on the heap per query.
	virtual Status resolve(const dns::Query &q, std::span<const std::uint8_t> msg, Transport t,
			       std::uint64_t tag, std::span<std::uint8_t> out, std::size_t &out_size) = 0;

	// What a synchronous answer was made from, when answers depend on the
	// question alone (a zone set): answers made from the same source may be
	// given again by XDP. nullptr: never (e.g. forwarded answers).
	virtual const void *answer_source() const { return nullptr; }

	// The RRL class (dns/rrl_class.h) of the answer the last resolve()
	// returned `answered` with; 0: none (not rate limited).
	virtual std::uint32_t rrl_class() const { return 0; }

	// Asynchronous backends: the worker polls this fd for POLLIN (-1: none)
	// and calls poll() when it is readable or a deadline has passed.
	virtual int poll_fd() const { return -1; }
	virtual void poll(AnswerSink &sink, std::uint64_t now_ns) { (void)sink, (void)now_ns; }
	// CLOCK_MONOTONIC ns of the next time-out to handle; max() if none.
	virtual std::uint64_t next_deadline_ns() const
	{
		return std::numeric_limits<std::uint64_t>::max();
	}
};

}  // namespace xdpdns::daemon
