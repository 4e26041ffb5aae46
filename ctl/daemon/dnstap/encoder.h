// Encodes a TapEvent as a dnstap protobuf "Dnstap" message (the payload of
// one Frame Streams data frame), with protobuf-c and no heap: the message
// structs live on the stack and pack into the caller's buffer.
#pragma once

#include "daemon/dnstap/event.h"

#include <cstddef>
#include <span>
#include <string_view>

namespace xdpdns::daemon::dnstap {

// The Frame Streams content type of dnstap.
inline constexpr std::string_view kContentType = "protobuf:dnstap.Dnstap";

struct Identity {
	std::string_view identity;  // empty: not sent
	std::string_view version;   // empty: not sent
};

// Octets encode() writes for `e`.
std::size_t encoded_size(const TapEvent &e, const Identity &id);
// Writes the message into `out` (at least encoded_size() octets); returns
// its length, 0 when `out` is too small.
std::size_t encode(const TapEvent &e, const Identity &id, std::span<std::uint8_t> out);

}  // namespace xdpdns::daemon::dnstap
