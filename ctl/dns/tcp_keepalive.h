// edns-tcp-keepalive (RFC 7828) in our answers over TCP: a client that sends
// the option learns how long we keep an idle connection open.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace xdpdns::dns {

// Appends the option (code 11, TIMEOUT in units of 100 ms) to the OPT record
// of the answer in buf[0, len): the last record of the message, as every
// answer we build has it. Returns the new length, or `len` unchanged when
// the message has no OPT as its last record or buf has no room.
size_t append_tcp_keepalive(std::span<uint8_t> buf, size_t len, uint16_t timeout_100ms);

}  // namespace xdpdns::dns
