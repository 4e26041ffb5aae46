// Client segments and the exact replies the contract prescribes, shared by
// the fixture tables.
#pragma once

#include <functional>

#include "fixture_table.h"
#include "flows.h"

namespace xdpdns::test {

inline constexpr std::uint32_t kIsn = 0x11223344;      // client's initial sequence number
inline constexpr std::uint32_t kPeerAck = 0xdeadbeef;  // an arbitrary SEG.ACK (FIN: no cookie check)

// A DNS-over-TCP query (length prefix + message).
Bytes tcp_query_payload();

// Client -> server TCP segment (window 502), without options or payload yet.
Packet client_segment(const Flow &f, std::uint32_t seq, std::uint32_t ack, std::uint8_t flags);

// The SYN-ACK for a SYN with sequence `client_seq` whose MSS gave `mss_index`.
Bytes syn_ack(const Flow &f, const FixtureEnv &e, std::uint32_t client_seq, std::uint32_t mss_index);

// The ACK answering a FIN (seq = SEG.ACK, ack = SEG.SEQ + 1).
Bytes fin_ack(const Flow &f, const FixtureEnv &e, std::uint32_t seg_seq, std::uint32_t seg_ack);

// This flow's cookie under `key` in `epoch` (MSS index 5 = 1440 by default).
std::uint32_t cookie_for(const Flow &f, const xdpdns_siphash_key &key, std::uint32_t epoch,
			 std::uint32_t mss_index = 5);

// The flow's tcp_conns key.
xdpdns_conn_key conn_key_of(const Flow &f);

// A query segment acknowledging cookie(env) + 1.
FrameFn data_with_cookie(const Flow &f, std::function<std::uint32_t(const FixtureEnv &)> cookie,
			 std::uint8_t flags = 0x18 /* PSH|ACK */);

// Row helpers: XDP_DROP / XDP_PASS with one reason (and rx-frames).
Fixture drop_row(std::string name, FrameFn in, xdpdns_stat reason);
Fixture pass_row(std::string name, FrameFn in, xdpdns_stat reason);

// A frame that does not depend on the epoch.
inline FrameFn frame(Bytes b)
{
	return [b = std::move(b)](const FixtureEnv &) { return b; };
}

} // namespace xdpdns::test
