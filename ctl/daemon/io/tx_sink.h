// FrameSink over an XskPort: collects the frames of one answer (a TCP train,
// a set of fragments or a single datagram) and queues them all or none.
// Made on the stack for every answer: its arrays are left uninitialised
// (only the first count_ entries are ever read), so a one-frame answer does
// not pay for zeroing room for a thousand.
#pragma once

#include "net/frame_sink.h"
#include "daemon/io/xsk_port.h"

#include <array>
#include <cstdint>
#include <span>

namespace xdpdns::daemon {

class TxSink final : public net::FrameSink {
public:
	// Enough for a 64 KiB TCP answer in 64-octet segments (the smallest
	// client MSS a cookie carries) plus ACK and FIN; UDP fragments need far
	// fewer.
	static constexpr std::size_t kMaxFrames = 65538 / 64 + 3;

	explicit TxSink(XskPort &port) : port_(port) {}
	~TxSink() { abandon(); }

	std::span<std::uint8_t> next_frame() override
	{
		if (count_ == kMaxFrames)
			return {};
		auto f = port_.tx_frame();
		if (f.empty())
			return {};
		frames_[count_] = f.data();
		open_ = true;
		return f;
	}

	void commit(std::size_t len) override
	{
		if (!open_)
			return;
		lens_[count_++] = static_cast<std::uint32_t>(len);
		open_ = false;
	}

	// Queues the committed frames on the TX ring; false (frames freed) when
	// the ring has no room for all of them.
	bool finish()
	{
		release_open();
		if (count_ == 0)
			return true;
		const bool ok = port_.tx_queue({frames_.data(), count_}, {lens_.data(), count_});
		count_ = 0;
		return ok;
	}

	// Gives every frame back (an incomplete train is never sent).
	void abandon()
	{
		release_open();
		for (std::size_t i = 0; i < count_; i++)
			port_.tx_abandon(frames_[i]);
		count_ = 0;
	}

	std::size_t frames() const { return count_; }

private:
	void release_open()
	{
		if (open_) {
			port_.tx_abandon(frames_[count_]);
			open_ = false;
		}
	}

	XskPort &port_;
	std::array<std::uint8_t *, kMaxFrames> frames_;  // trivial: not zeroed
	std::array<std::uint32_t, kMaxFrames> lens_;
	std::size_t count_ = 0;
	bool open_ = false;
};

}  // namespace xdpdns::daemon
