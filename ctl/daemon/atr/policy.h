// Whether a UDP answer is sent as is, with an ATR follow-up, or replaced by
// a TC=1 answer (draft-song-atr-large-resp-02; MISSION.md). A pure function
// of its inputs: the worker supplies the knobs it read for this batch and a
// random percentage, so the tests can walk every branch.
//
// Order of decisions:
//   1. answer larger than the client's buffer -> only the TC=1 answer;
//   2. ATR enabled, answer larger than the effective ATR size, client on the
//      allow-list and the random draw below the probability -> the answer,
//      then the TC=1 follow-up after the ATR delay;
//   3. otherwise -> the answer alone.
// The effective ATR size is the family's knob, lowered to what one IP
// packet on the path can carry ("never above the path MTU"): an answer that
// will be fragmented always qualifies, whatever the knob says.
#pragma once

#include <cstddef>
#include <cstdint>

namespace xdpdns::daemon::atr {

inline constexpr std::uint32_t kIpv4HeaderSize = 20; // our replies carry no IP options
inline constexpr std::uint32_t kIpv6HeaderSize = 40; // nor extension headers
inline constexpr std::uint32_t kUdpHeaderSize = 8;

struct AtrInput {
	std::size_t answer_size;  // DNS message octets (UDP payload)
	std::size_t client_limit; // client's EDNS buffer size, or 512 without OPT
	bool ipv6;
	std::uint32_t path_mtu;   // octets of IP packet: min(interface MTU, learnt PMTU); 0 = unknown
	bool client_allowed;      // XDPDNS_META_F_ATR_ALLOWED from the XDP metadata
};

struct AtrKnobs {
	bool enabled;
	std::uint32_t size_v4, size_v6; // UDP payload above which ATR applies
	std::uint32_t probability;      // percent, 0..100 (above 100 acts as 100)
};

enum class AtrDecision {
	truncate,      // answer > client buffer: send only the TC=1 answer
	send,          // send the answer, nothing else
	send_with_atr, // send the answer, then the TC=1 follow-up after the delay
};

// The UDP payload size above which ATR applies: min(size knob of the family,
// path_mtu - IP header - UDP header); a path MTU of 0 means unknown and
// leaves the knob alone; a path MTU smaller than the headers gives 0.
std::uint32_t effective_atr_size(const AtrInput &in, const AtrKnobs &k);

// `random_0_99` is a uniform draw in [0, 100): ATR happens when it is below
// the probability, so 0 % never and 100 % always.
AtrDecision decide(const AtrInput &in, const AtrKnobs &k, std::uint32_t random_0_99);

}  // namespace xdpdns::daemon::atr
