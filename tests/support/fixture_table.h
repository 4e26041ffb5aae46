// Fixture tables for the XDP program (in the manner of Katran's
// lib/testing): each row names a case, builds its input frame, states the
// verdict, the exact output frame (built independently with the packet
// builder) and the exact change of every counter.
//
// Frames are built lazily from a FixtureEnv because SYN cookies depend on the
// keys and on the epoch the row's config publishes.
#pragma once

#include <functional>
#include <ostream>
#include <string>

#include <xdpdns/abi.h>

#include "net_types.h"
#include "xdp_runner.h"

namespace xdpdns::test {

struct FixtureEnv {
	const xdpdns_config &cfg;   // as written to the config map for this row
	const xdpdns_keys &keys;    // as written to the keys map
	std::uint32_t epoch;        // cfg.cookie_epoch, the published epoch
	const xdpdns_siphash_key &current_key() const { return keys.slot[keys.current]; }
};

using FrameFn = std::function<Bytes(const FixtureEnv &)>;

struct Fixture {
	std::string name;         // [A-Za-z0-9_]: becomes the test name
	FrameFn input;
	std::uint32_t verdict = 0;
	Counters counters{};      // exact deltas, usually one_frame({reason})
	// Exact output frame. When empty: XDP_PASS must leave the frame
	// unchanged; other verdicts' frames are not checked.
	FrameFn expected = {};
	std::function<void(xdpdns_config &)> config = {};      // knob tweaks
	std::function<void(XdpRunner &)> prepare = {};         // map contents
	std::function<void(XdpRunner &, const FixtureEnv &, const RunResult &)> check = {};
	Prog prog = Prog::Main;
	bool rx_frames_either = false; // rx-frames may be 0 or 1 (ATR replays)
};

// Runs one row: writes cfg (after the row's tweaks) and keys, prepares maps,
// runs, asserts with gtest. Returns the result for extra checks.
RunResult run_fixture(XdpRunner &runner, xdpdns_config cfg, const xdpdns_keys &keys, const Fixture &f,
		      const RunContext &ctx = {});

// gtest prints a Fixture parameter by its name.
void PrintTo(const Fixture &f, std::ostream *os);

// Name generator for INSTANTIATE_TEST_SUITE_P.
struct FixtureName {
	template <class ParamInfo>
	std::string operator()(const ParamInfo &info) const { return info.param.name; }
};

} // namespace xdpdns::test
