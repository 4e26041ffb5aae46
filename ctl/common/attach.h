// Attaching the XDP program to an interface and detaching it; shared by
// `xdpdnsctl attach/detach` and the daemon.
//
// The program is attached with libbpf's bpf_xdp_attach() and
// XDP_FLAGS_UPDATE_IF_NOEXIST, not libxdp. libxdp 1.3 always tries its
// multi-program dispatcher first: where loading the dispatcher's freplace
// program fails (EPERM on our test machines) it prints errors and falls back
// to a single-program attach; where it succeeds, the interface carries the
// dispatcher, not our program, and "is the attached program ours?" would need
// libxdp's multiprog API. One plain attach behaves the same everywhere, is
// atomic (UPDATE_IF_NOEXIST) and detaches with XDP_FLAGS_REPLACE, so only
// our own program is ever removed.
#pragma once

#include "address.h"
#include "result.h"

#include <xdpdns/abi.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xdpdns {

enum class XdpMode { Native, Skb };

// "native" | "skb"; else "mode 'x' is not valid; valid modes: native, skb".
Result<XdpMode> parse_xdp_mode(std::string_view text);
std::string_view xdp_mode_name(XdpMode mode);

// Informational messages (stale pins removed, ...); may be empty.
using NoteFn = std::function<void(std::string_view)>;

struct AttachOptions {
	std::string ifname;
	XdpMode mode = XdpMode::Native;
	std::vector<std::uint16_t> ports = {53};
	// Service addresses (at most XDPDNS_MAX_SERVICE_ADDRS distinct ones);
	// empty: every address of the interface is ours.
	std::vector<Addr16> addresses;
	std::uint32_t pmtu_entries = XDPDNS_PMTU_DEFAULT_ENTRIES;  // 1..kMaxPmtuEntries
	// RRL buckets (rrl.table-size): a power of two in
	// XDPDNS_RRL_MIN_BUCKETS..XDPDNS_RRL_MAX_BUCKETS, 32 octets each.
	std::uint32_t rrl_buckets = XDPDNS_RRL_DEFAULT_BUCKETS;
	std::optional<xdpdns_config> config;   // knobs to write; default: config_defaults()
	std::optional<xdpdns_siphash_key> key;  // fleet key for the current slot; default: random
	NoteFn note;
};

inline constexpr std::uint32_t kMaxPmtuEntries = 1u << 24;

// "rrl table size: 1000 is not a power of two in 4..16777216", or ok.
Result<void> check_rrl_buckets(std::uint32_t buckets);

// Resolves the name in the caller's network namespace;
// "interface 'x' not found in this network namespace".
Result<int> resolve_ifindex(std::string_view ifname);

// What is attached to an interface right now.
struct XdpAttachment {
	std::uint32_t prog_id = 0;  // 0: nothing attached
	std::string mode;           // "native", "skb", "hw", "multi", "none"
	std::uint32_t flags = 0;    // XDP_FLAGS_* mode flag to detach it with
};
Result<XdpAttachment> query_xdp(int ifindex);

// Loads the object, writes knobs (+ abi_version), ports, service addresses
// (+ addr_filter_active) and keys, pins every
// map and both programs under pin_dir(ifname), then attaches xdpdns_main.
// Refuses when xdpdns is already attached there or another XDP program is.
// Pins left by an attachment that no longer exists (interface recreated,
// program detached by other means) are removed first, with a note.
// Nothing is left behind on failure.
Result<void> attach(const AttachOptions &opts);

// Detaches xdpdns_main if the program on the interface is ours (same id as
// the pinned one; a foreign program is left alone), then removes the pins.
// Error when nothing is pinned for this interface.
Result<void> detach(std::string_view ifname, const NoteFn &note = {});

}  // namespace xdpdns
