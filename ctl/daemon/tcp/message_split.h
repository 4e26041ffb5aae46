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

// Whether `payload` can be the start of a client's stream: a length from a
// DNS header's to `max_length`, alone (a client that writes it apart) or
// followed by a whole header with QR = 0 and a QDCOUNT below 256, and when
// the whole message is there and it has a question, the counts of a plain
// query (1, 0, 0, 0 or 1) or a name that walks as labels to the root with
// QTYPE and QCLASS after it within the message (so a malformed query still
// gets its FORMERR). We never learn the client's ISN, so this is how a
// connection's first octet is told from a later segment that arrived first
// (its own first segment lost or late): such a segment almost never passes,
// and is left for the client to send again.
bool starts_query(std::span<const uint8_t> payload, size_t max_length);

}  // namespace xdpdns::daemon::tcp
