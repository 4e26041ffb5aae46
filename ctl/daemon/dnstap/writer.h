// The dnstap output: one fstrm I/O thread writing Frame Streams to a Unix
// socket (reconnected by fstrm when the reader goes away or is not there
// yet) or to a file, fed by one input queue per submitting thread (each
// worker, and the reader of XDP's answer copies). Submitting never blocks:
// a full queue drops the message and the caller counts it.
#pragma once

#include "common/result.h"
#include "daemon/dnstap/encoder.h"
#include "daemon/dnstap/event.h"

#include <cstdint>
#include <memory>
#include <string>

struct fstrm_iothr;
struct fstrm_iothr_queue;

namespace xdpdns::daemon::dnstap {

struct WriterOptions {
	std::string socket_path;  // one of these two
	std::string file_path;
	std::string identity, version;  // the Dnstap identity and version fields
	unsigned queues = 1;            // submitting threads
	unsigned queue_size = 4096;     // messages per input queue (a power of two)
};

class Writer {
public:
	// The file is created (truncated) now; a socket may appear later.
	static Result<std::unique_ptr<Writer>> open(const WriterOptions &opt);
	~Writer();  // flushes what is queued, then stops the I/O thread
	Writer(const Writer &) = delete;
	Writer &operator=(const Writer &) = delete;

	unsigned queues() const { return queues_; }
	// From the thread that owns input queue `queue` only. Encodes `e` into
	// one malloc'd buffer that fstrm frees after writing it. False: the
	// queue was full (or out of memory), nothing was queued.
	bool submit(unsigned queue, const TapEvent &e);

private:
	Writer() = default;
	fstrm_iothr *iothr_ = nullptr;
	std::unique_ptr<fstrm_iothr_queue *[]> queue_;
	unsigned queues_ = 0;
	std::string identity_, version_;
};

// Sampling: 1 in `every` events of a kind is logged (per submitting
// thread, counted separately for queries and responses).
struct Sampler {
	std::uint32_t every = 1;
	std::uint64_t seen = 0;
	bool take() { return every <= 1 || ++seen % every == 0; }
};

}  // namespace xdpdns::daemon::dnstap
