// One dnstap event as the daemon sees it: who asked whom over what, when,
// and the wire message. Plain data, filled on the worker's stack.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace xdpdns::daemon::dnstap {

struct TapEvent {
	enum class Kind : std::uint8_t { auth_query, auth_response } kind = Kind::auth_query;
	bool ipv6 = false;
	bool tcp = false;
	std::array<std::uint8_t, 16> client{}, server{};  // IPv4: the last 4 octets
	std::uint16_t client_port = 0, server_port = 0;   // host order
	std::uint64_t time_sec = 0;                       // CLOCK_REALTIME of the event
	std::uint32_t time_nsec = 0;
	std::span<const std::uint8_t> message;            // the query or the response, verbatim
};

}  // namespace xdpdns::daemon::dnstap
