// Bounded walking over a received DNS message (compressed names allowed):
// what the TSIG code and the NOTIFY check need without a full parser.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace xdpdns::secondary {

// The name at `pos` (pointers followed, strictly backwards, bounded),
// lowercase uncompressed wire into `out` when given; `pos` moves past the
// name as it is written at that place. False when malformed.
bool read_name(std::span<const std::uint8_t> msg, std::size_t &pos, std::vector<std::uint8_t> *out);

// Offsets of every RR of the answer, authority and additional sections, in
// order (the question is skipped); nullopt when the message is malformed.
std::optional<std::vector<std::size_t>> rr_offsets(std::span<const std::uint8_t> msg);

}  // namespace xdpdns::secondary
