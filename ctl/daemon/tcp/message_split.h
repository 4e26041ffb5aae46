// DNS over TCP frames every message with a 2-octet length (RFC 1035 §4.2.2).
// This cuts a byte run into those messages without copying.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace xdpdns::daemon::tcp {

struct MessageSplit {
	size_t count = 0;     // complete messages found (may exceed the output span)
	size_t consumed = 0;  // octets they occupy, prefixes included
};

// Walks `stream` from its start: each message is its 2-octet big-endian
// length and that many octets. Stores the first out.size() message bodies
// (without prefix; a zero length gives an empty span) in `out`, and counts
// all complete ones. consumed == stream.size() means the run ends exactly at
// a message boundary; otherwise it ends inside a prefix or a body.
MessageSplit split_messages(std::span<const uint8_t> stream,
			    std::span<std::span<const uint8_t>> out);

}  // namespace xdpdns::daemon::tcp
