// The pinned maps and programs of one interface, opened by path (bpf_obj_get)
// with typed accessors: what `xdpdnsctl` changes live and what the daemon
// adopts. Opening checks config.abi_version == XDPDNS_ABI_VERSION.
#pragma once

#include "address.h"
#include "fd.h"
#include "knobs.h"
#include "result.h"

#include <xdpdns/abi.h>
#include <xdpdns/stats.h>

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace xdpdns {

using XdpCounters = std::array<std::uint64_t, XDPDNS_STAT_MAX>;
using DaemonCounters = std::array<std::uint64_t, XDPDNS_DSTAT_MAX>;
struct WorkerCounters {
	std::uint32_t row = 0;
	std::uint32_t queue = 0;  // the worker's RX queue
	DaemonCounters counters{};
};

// One answer of the answers map, as XDP gives it.
struct StoredAnswer {
	xdpdns_answer_key key{};
	xdpdns_answer answer{};
};

struct PmtuEntry {
	Addr16 addr{};
	std::uint32_t mtu = 0;
	std::uint64_t updated_ns = 0;  // CLOCK_MONOTONIC
};

class PinnedObjects {
public:
	// Opens every pin of `ifname` in the caller's network namespace.
	// "xdpdns is not attached to X (no pins in DIR)" when there are none.
	static Result<PinnedObjects> open(std::string_view ifname);

	const std::string &ifname() const { return ifname_; }
	const std::string &dir() const { return dir_; }

	// ---- knobs (config map, through its mmap; single u32 stores) ----
	xdpdns_config read_config() const;
	void set_knob(const KnobDef &knob, std::uint32_t value);
	// Every knob of `config` (abi_version, atr_allow_active and
	// addr_filter_active are kept).
	void write_knobs(const xdpdns_config &config);
	// Publishes the cookie epoch of `realtime_ns` (CLOCK_REALTIME) under
	// the cookie.epoch knob in config.cookie_epoch (one u32 store, only
	// when it changed) and returns it.
	std::uint32_t publish_cookie_epoch(std::uint64_t realtime_ns);
	// Publishes the MTU the daemon's workers send with in config.link_mtu
	// (0: no daemon; XDP then answers nothing over TCP itself).
	void publish_link_mtu(std::uint32_t mtu);
	// Live view for the daemon: read fields with relaxed atomic loads.
	const xdpdns_config *config_view() const { return config_.as<const xdpdns_config>(); }

	// ---- service ports ----
	Result<std::vector<std::uint16_t>> read_ports() const;
	Result<void> write_ports(std::span<const std::uint16_t> ports);

	// ---- service addresses (keeps config.addr_filter_active = set non-empty) ----
	// Sorted (normalize_addresses); empty: every address is ours.
	Result<std::vector<Addr16>> read_addresses() const;
	// Replaces the set (empty: every address), at most
	// XDPDNS_MAX_SERVICE_ADDRS. Addresses in both the old and the new set
	// stay served throughout; so do the old ones until the new ones are in,
	// unless old and new together exceed the map. Serialised by a lock on
	// the pin directory.
	Result<void> write_addresses(std::span<const Addr16> addrs);

	// ---- cookie keys (keys map, through its mmap) ----
	xdpdns_keys read_keys() const;
	// Writes a fresh getrandom() key (or `key`) into slot (current+1)%3,
	// publishes it with a release store of `current`, bumps `generation`.
	// Serialised with other rotations by a lock on the pin directory.
	Result<void> rotate_key();
	Result<void> rotate_key(const xdpdns_siphash_key &key);

	// ---- counters ----
	Result<XdpCounters> read_stats() const;  // summed over possible CPUs
	Result<std::vector<DaemonCounters>> read_dstats_rows() const;  // all rows
	// The rows of running workers (one per RX queue), in row order.
	Result<std::vector<WorkerCounters>> read_dstats_workers() const;
	Result<DaemonCounters> read_dstats_sum() const;

	// ---- path MTU cache ----
	Result<std::vector<PmtuEntry>> pmtu_list() const;
	Result<std::size_t> pmtu_flush();  // entries removed

	// ---- in-kernel answers ----
	// At most `limit` stored answers of the map XDP answers from (none
	// when no daemon has installed one).
	Result<std::vector<StoredAnswer>> answers_list(std::size_t limit) const;
	// Empties the answers slot at once (XDP answers nothing from it) and
	// bumps config.answers_flush, so that the daemon starts a new map.
	// True when a map was installed.
	Result<bool> answers_flush();

	// ---- ATR allow-list (keeps config.atr_allow_active = trie non-empty) ----
	Result<void> atr_allow_add(const Prefix &p);  // error if present
	Result<void> atr_allow_del(const Prefix &p);  // error if absent
	Result<std::vector<Prefix>> atr_allow_list() const;

	// ---- response rate limiting (pinned_rrl.cpp) ----
	// The exempt list (keeps config.rrl_exempt_active = trie non-empty).
	Result<void> rrl_exempt_add(const Prefix &p);  // error if present
	Result<void> rrl_exempt_del(const Prefix &p);  // error if absent
	Result<std::vector<Prefix>> rrl_exempt_list() const;
	// The bucket table, writable (the daemon's workers count in it), of
	// rrl_set_count() sets.
	Result<MapMmap> map_rrl() const;
	Result<std::uint32_t> rrl_set_count() const;

	// ---- for the daemon ----
	int config_fd() const { return config_fd_.get(); }
	int xsks_fd() const { return xsks_fd_.get(); }
	int dstats_fd() const { return dstats_fd_.get(); }
	int pmtu_fd() const { return pmtu_fd_.get(); }
	int stats_fd() const { return stats_fd_.get(); }
	int prog_main_fd() const { return prog_main_fd_.get(); }
	int prog_atr_fd() const { return prog_atr_fd_.get(); }
	int tcp_conns_fd() const { return tcp_conns_fd_.get(); }
	int answers_fd() const { return answers_fd_.get(); }
	// The keys map, live (the XDP program's view: rotations store `current` last).
	const xdpdns_keys *keys_view() const { return keys_.as<const xdpdns_keys>(); }
	Result<std::uint32_t> prog_main_id() const;
	// Writable mapping of all XDPDNS_DSTATS_MAX_WORKERS rows of dstats
	// (struct of XDPDNS_DSTATS_ROW_U64 u64 each; row i = worker i).
	Result<MapMmap> map_dstats(bool writable) const;

private:
	PinnedObjects() = default;
	Result<void> set_atr_active();
	Result<void> set_rrl_exempt_active();

	std::string ifname_, dir_;
	Fd config_fd_, ports_fd_, keys_fd_, xsks_fd_, stats_fd_, dstats_fd_, pmtu_fd_, atr_allow_fd_;
	Fd service_addrs_fd_, tcp_conns_fd_, answers_fd_, rrl_fd_, rrl_exempt_fd_;
	Fd prog_main_fd_, prog_atr_fd_;
	MapMmap config_, keys_;
};

}  // namespace xdpdns
