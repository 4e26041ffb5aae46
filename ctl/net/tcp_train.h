// The stateless-TCP answer train: the DNS answer stream cut into segments,
// sent back to back, the FIN riding on the last one. Every number derives from the query
// segment in hand (MISSION.md, "Stateless TCP"): our first sequence number
// is the query's SEG.ACK, we acknowledge everything the query carried.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "net/frame_sink.h"
#include "net/reply.h"

namespace xdpdns::net {

struct TcpTrainParams {
	uint32_t seq = 0;          // our first sequence number (query SEG.ACK)
	uint32_t ack = 0;          // acknowledgement in every frame (SEG.SEQ + SEG.LEN [+1 for FIN])
	uint16_t window = 0;       // window in every frame (tcp_window knob)
	uint16_t segment_size = 0; // max payload octets per data segment, > 0
	bool leading_ack = false;  // send a bare ACK before the data
};

// Emits the train for `stream`, the concatenation of `chunks` (each a DNS
// message already prefixed by its 2-octet length, or any split of them):
//  1. optional bare ACK: seq = p.seq, flags ACK;
//  2. data segments of at most p.segment_size octets, filled across chunk
//     boundaries, consecutive seq from p.seq, flags ACK, and FIN|PSH on the
//     last (the FIN's sequence number is p.seq + total length, as if it
//     followed in a segment of its own: one frame less per answer);
//  3. an empty stream only: a bare FIN|ACK with seq = p.seq.
// All frames carry p.ack and p.window, data offset 5, correct checksums.
// Fails (complete = false) when the sink runs out, a buffer is too small,
// or segment_size is 0.
EmitResult write_tcp_train(const ReplyTemplate &t, const TcpTrainParams &p,
			   std::span<const std::span<const uint8_t>> chunks, FrameSink &sink);

// Same for a single contiguous stream.
EmitResult write_tcp_train(const ReplyTemplate &t, const TcpTrainParams &p,
			   std::span<const uint8_t> stream, FrameSink &sink);

}  // namespace xdpdns::net
