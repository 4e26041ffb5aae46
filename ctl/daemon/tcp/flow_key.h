// A TCP connection's 4-tuple, always in the client -> server direction.
#pragma once

#include <array>
#include <cstdint>

namespace xdpdns::daemon::tcp {

struct FlowKey {
	std::array<uint8_t, 16> client{}, server{};  // IPv4 as ::ffff:a.b.c.d
	uint16_t client_port = 0, server_port = 0;   // host order
	bool operator==(const FlowKey &) const = default;
};

}  // namespace xdpdns::daemon::tcp
