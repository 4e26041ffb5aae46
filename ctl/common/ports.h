// Service ports: text lists ("53,5353") and the bitmap of the `ports` map.
#pragma once

#include "result.h"

#include <xdpdns/abi.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace xdpdns {

// "53" -> 53; errors: "port: '0' is out of range 1..65535".
Result<std::uint16_t> parse_port(std::string_view text);
// "53,5353" (commas and/or spaces); at least one port.
Result<std::vector<std::uint16_t>> parse_port_list(std::string_view text);
// Sorted, duplicates removed, comma-separated.
std::string format_port_list(std::span<const std::uint16_t> ports);

xdpdns_ports ports_bitmap(std::span<const std::uint16_t> ports);
std::vector<std::uint16_t> ports_list(const xdpdns_ports &bitmap);

}  // namespace xdpdns
