// Settings and counters of the upstream (forwarding) backend.
#pragma once

#include "common/endpoint.h"
#include "dns/wire.h"

#include <cstdint>
#include <vector>

namespace xdpdns::daemon {

struct UpstreamConfig {
	std::vector<Endpoint> servers;    // tried in order, round robin over queries
	std::uint32_t timeout_ms = 800;   // per try, 1..60000
	std::uint32_t tries = 0;          // UDP tries per query; 0: one per server
	std::uint32_t max_in_flight = 4096;  // 1..32768, table allocated at start
	std::uint32_t max_tcp = 64;       // concurrent TCP retries, 0..4096
	std::uint16_t edns_size = dns::default_edns_size;  // our OPT towards clients
	// Live EDNS size knob (e.g. the mmapped config), read per answer when set;
	// values outside 512..65535 fall back to edns_size.
	const std::uint32_t *live_edns_size = nullptr;
	// UDP sockets per address family, each on its own random ephemeral
	// port (1..1024); each query uses one, picked at random (RFC 5452).
	std::uint32_t source_ports = 16;
	// A socket is replaced by one on a new random port after this many
	// queries or this long, once no query waits on it.
	std::uint32_t source_port_queries = 1000;
	std::uint32_t source_port_lifetime_ms = 30000;
	// SO_RCVBUF of the UDP sockets, shared out over the pool (at least
	// 256 KiB each): replies to a burst of queries wait there until the
	// worker polls. SO_RCVBUFFORCE is tried first (CAP_NET_ADMIN).
	std::uint32_t socket_buffer = 4u << 20;
};

// Written by the owning worker thread only.
struct UpstreamCounters {
	std::uint64_t sent = 0;         // UDP queries sent upstream (every try)
	std::uint64_t answered = 0;     // upstream answers delivered to clients
	std::uint64_t timeouts = 0;     // tries (UDP or TCP) that timed out
	std::uint64_t tcp_retries = 0;  // TCP retries started after TC=1
	std::uint64_t servfails = 0;    // SERVFAIL after all tries failed (or TCP full)
	std::uint64_t table_full = 0;   // queries dropped: in-flight table full
	std::uint64_t mismatched = 0;   // replies ignored: unknown ID, wrong source,
	                                // wrong socket of the pool, wrong question,
	                                // late, short or truncated
	std::uint64_t malformed = 0;    // matching replies that could not be restored
	std::uint64_t send_errors = 0;  // sendto()/connect() failures (next server tried)
	std::uint64_t tcp_errors = 0;   // TCP retries refused, reset or closed early
	std::uint64_t declined = 0;     // SERVFAIL/REFUSED/NOTIMP replies that sent
	                                // the query on to the next server
};

}  // namespace xdpdns::daemon
