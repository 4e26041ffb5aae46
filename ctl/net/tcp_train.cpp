#include "net/tcp_train.h"

#include <algorithm>

namespace xdpdns::net {

namespace {

// A bare segment (no payload) with `flags`; false if the sink is exhausted.
bool emit_bare(const ReplyTemplate &t, const TcpTrainParams &p, uint32_t seq, uint8_t flags,
	       FrameSink &sink)
{
	std::span<uint8_t> buf = sink.next_frame();
	const size_t len = write_tcp_headers(t, seq, p.ack, flags, p.window, 0, buf);
	if (len == 0)
		return false;
	fill_tcp_checksum(t, buf.first(len));
	sink.commit(len);
	return true;
}

// Reads the stream in order across chunk boundaries.
class ChunkCursor {
public:
	explicit ChunkCursor(std::span<const std::span<const uint8_t>> chunks) : chunks_(chunks) {}

	// Copies the next `n` octets (n <= what is left) to `out`.
	void copy(size_t n, uint8_t *out)
	{
		while (n > 0) {
			const std::span<const uint8_t> c = chunks_[index_];
			const size_t take = std::min(n, c.size() - offset_);
			std::copy_n(c.data() + offset_, take, out);
			out += take;
			n -= take;
			offset_ += take;
			if (offset_ == c.size()) {
				index_++;
				offset_ = 0;
			}
		}
	}

private:
	std::span<const std::span<const uint8_t>> chunks_;
	size_t index_ = 0;
	size_t offset_ = 0;
};

}  // namespace

EmitResult write_tcp_train(const ReplyTemplate &t, const TcpTrainParams &p,
			   std::span<const std::span<const uint8_t>> chunks, FrameSink &sink)
{
	EmitResult r;
	if (p.segment_size == 0)
		return r;
	size_t total = 0;
	for (const auto &c : chunks)
		total += c.size();

	if (p.leading_ack) {
		if (!emit_bare(t, p, p.seq, kTcpAck, sink))
			return r;
		r.frames++;
	}

	ChunkCursor cursor(chunks);
	size_t sent = 0;
	while (sent < total) {
		const size_t n = std::min<size_t>(p.segment_size, total - sent);
		const bool last = sent + n == total;
		const uint8_t flags = last ? (kTcpAck | kTcpPsh | kTcpFin) : kTcpAck;
		// Sequence space wraps modulo 2^32 (RFC 793 3.3).
		const uint32_t seq = p.seq + static_cast<uint32_t>(sent);
		std::span<uint8_t> buf = sink.next_frame();
		const size_t hdr = write_tcp_headers(t, seq, p.ack, flags, p.window, n, buf);
		if (hdr == 0)
			return r;
		cursor.copy(n, buf.data() + hdr);
		fill_tcp_checksum(t, buf.first(hdr + n));
		sink.commit(hdr + n);
		r.frames++;
		sent += n;
	}

	if (total == 0) {
		if (!emit_bare(t, p, p.seq, kTcpFin | kTcpAck, sink))
			return r;
		r.frames++;
	}
	r.complete = true;
	return r;
}

EmitResult write_tcp_train(const ReplyTemplate &t, const TcpTrainParams &p,
			   std::span<const uint8_t> stream, FrameSink &sink)
{
	const std::span<const uint8_t> one[1] = {stream};
	return write_tcp_train(t, p, std::span<const std::span<const uint8_t>>(one), sink);
}

}  // namespace xdpdns::net
