// Runs the production XDP object (the xdpdns skeleton) through
// BPF_PROG_TEST_RUN: one frame in, verdict, output frame, metadata and the
// exact change of every counter out. The tests own the map contents: they
// write config, ports and keys themselves (the loader's defaults are in
// default_config()).
#pragma once

#include <linux/bpf.h>

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include <xdpdns/abi.h>
#include <xdpdns/stats.h>

#include "net_types.h"
#include "skeleton.h"

namespace xdpdns::test {

using Counters = std::array<std::uint64_t, XDPDNS_STAT_MAX>;

enum class Prog { Main, Atr };

struct RunContext {
	std::uint32_t ingress_ifindex = 1; // loopback of the current netns
	std::uint32_t rx_queue_index = 0;
};

struct RunResult {
	std::uint32_t verdict = 0;
	Bytes frame;   // from ctx data to data_end
	Bytes meta;    // from data_meta to data (empty unless the program pushed metadata)
	Counters delta{};
};

class XdpRunner {
public:
	// Opens and loads the object; throws std::runtime_error naming the cause.
	XdpRunner();
	~XdpRunner();
	XdpRunner(const XdpRunner &) = delete;
	XdpRunner &operator=(const XdpRunner &) = delete;

	// The knob defaults the loader writes at attach (bpf-contract).
	static xdpdns_config default_config();

	void write_config(const xdpdns_config &cfg);
	xdpdns_config read_config() const;
	void set_ports(const std::vector<std::uint16_t> &ports); // replaces the whole set
	void write_keys(const xdpdns_keys &keys);
	xdpdns_keys read_keys() const;

	Counters read_counters() const;

	// One BPF_PROG_TEST_RUN; throws when the syscall itself fails.
	RunResult run(Prog prog, const Bytes &frame, const RunContext &ctx = {});

	// One run in live-frames mode (BPF_F_TEST_XDP_LIVE_FRAMES): XDP_TX and
	// XDP_REDIRECT really happen (the kernel gives no verdict or output
	// back; the program sees rx_queue_index 0). Returns the counter deltas.
	Counters run_live(Prog prog, const Bytes &frame, const RunContext &ctx);

	std::optional<xdpdns_pmtu> pmtu_lookup(const Ip6 &client) const;
	void pmtu_write(const Ip6 &client, const xdpdns_pmtu &value);
	std::size_t pmtu_count() const;
	std::optional<xdpdns_conn> conn_lookup(const xdpdns_conn_key &key) const;
	void conn_write(const xdpdns_conn_key &key, const xdpdns_conn &value);
	void atr_allow_add(const Ip6 &prefix, std::uint32_t prefixlen);
	// Replaces the service_addrs set (IPv4 mapped); the config flag
	// addr_filter_active is the caller's, as in the config map.
	void set_service_addrs(const std::vector<Ip6> &addrs);

	// In-kernel answers: a fresh inner map in the `answers` slot (as the
	// daemon installs one), an entry in it, or an empty slot.
	void answers_install(std::uint32_t entries = 64);
	void answer_put(const xdpdns_answer_key &key, const xdpdns_answer &value);
	void answers_remove();

	int xsks_fd() const { return h_.xsks; }

	// Response rate limiting: a prefix on the exempt list (the config
	// flag rrl_exempt_active is the caller's); every bucket emptied.
	void rrl_exempt_add(const Ip6 &prefix, std::uint32_t prefixlen);
	void rrl_clear();

private:
	xdpdns_test_skel::Handles h_;
	int answers_inner_ = -1;  // the installed inner map (owned)
};

// "XDP_TX", "XDP_DROP", ... for messages.
std::string verdict_name(std::uint32_t verdict);
// "rx-frames", "tcp-syn-answered", ... from the X-macro list.
const char *stat_name(std::size_t index);
// "rx-frames=1 tcp-syn-answered=1": the non-zero entries.
std::string counters_to_string(const Counters &c);
// rx-frames = 1 and each listed reason = 1 (the usual exact expectation).
Counters one_frame(std::initializer_list<xdpdns_stat> reasons);

} // namespace xdpdns::test
