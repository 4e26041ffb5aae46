// Classic pcap files (Ethernet link type) and hex dumps, so a fixture
// mismatch can be opened in Wireshark and read in the test log.
#pragma once

#include <string>
#include <vector>

#include "net_types.h"

namespace xdpdns::test {

// Writes `frames` to `path`; returns an empty string or the error.
std::string write_pcap(const std::string &path, const std::vector<Bytes> &frames);

// Side-by-side hex dump, 16 octets a line, lines that differ marked with '!'
// and the differing octets of `actual` in brackets.
std::string hex_diff(const Bytes &expected, const Bytes &actual);

std::string hex_dump(const Bytes &bytes);

} // namespace xdpdns::test
