// UDP answers larger than the path MTU, fragmented by us: AF_XDP bypasses
// the kernel's IP layer, so nobody else would.
//
// IPv4: DF clear, MF on all but the last, offsets in 8-octet units, a header
// checksum per fragment, one ID (low 16 bits of the generator's) for all.
// IPv6: an 8-octet Fragment header (next header 17, 32-bit ID) after the
// IPv6 header of every fragment; our replies have no other extension
// headers, so the first fragment carries the whole header chain (RFC 8200
// 4.5, RFC 7112) including the UDP header.
// The UDP header and checksum cover the whole datagram and travel in the
// first fragment; every fragment but the last carries a multiple of 8
// octets; no overlaps; every frame is at most t.l2_length() + mtu octets.
// Fragments are emitted in order, first to last.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "net/fragment_id.h"
#include "net/frame_sink.h"
#include "net/reply.h"

namespace xdpdns::net {

// Frames needed for a UDP datagram with `payload_length` octets of payload
// at IP MTU `mtu`: 1 when it fits unfragmented, 0 when impossible (MTU too
// small to carry 8 octets per fragment, datagram above 65535).
size_t udp_fragment_count(const ReplyTemplate &t, size_t payload_length, uint32_t mtu);

// Writes the datagram as fragments of at most `mtu` octets of IP packet,
// with identification `id`. A datagram that fits `mtu` is written whole, as
// write_udp() would (DF set, ID 0): fragmenting it would only add risk.
EmitResult write_udp_fragments(const ReplyTemplate &t, std::span<const uint8_t> payload,
			       uint32_t mtu, uint32_t id, FrameSink &sink);

// Same, drawing the ID from `ids` (only when fragmentation is needed).
EmitResult write_udp_fragments(const ReplyTemplate &t, std::span<const uint8_t> payload,
			       uint32_t mtu, FragmentIdGenerator &ids, FrameSink &sink);

}  // namespace xdpdns::net
