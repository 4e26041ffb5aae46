// Where multi-frame writers (TCP answer trains, IP fragments) put their
// frames: typically free UMEM frames to be queued on an AF_XDP TX ring.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace xdpdns::net {

struct FrameSink {
	// A buffer for the next frame, or an empty span when none is left.
	// Called once per frame; the buffer stays owned by the sink.
	virtual std::span<uint8_t> next_frame() = 0;
	// The frame last handed out by next_frame() holds `len` valid octets.
	virtual void commit(size_t len) = 0;

protected:
	~FrameSink() = default;
};

// Outcome of a multi-frame write. When `complete` is false the sink ran out
// of buffers (or one was too small) after `frames` commits; the committed
// frames form an incomplete train the caller should normally drop.
struct EmitResult {
	size_t frames = 0;
	bool complete = false;
};

}  // namespace xdpdns::net
