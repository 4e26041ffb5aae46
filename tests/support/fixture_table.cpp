#include "fixture_table.h"

#include <gtest/gtest.h>

#include "frame_assert.h"

namespace xdpdns::test {

void PrintTo(const Fixture &f, std::ostream *os) { *os << f.name; }

RunResult run_fixture(XdpRunner &runner, xdpdns_config cfg, const xdpdns_keys &keys, const Fixture &f,
		      const RunContext &ctx)
{
	if (f.config)
		f.config(cfg);
	runner.write_config(cfg);
	runner.write_keys(keys);
	if (f.prepare)
		f.prepare(runner);

	// Cookies are made in the epoch the config map publishes: no clock.
	FixtureEnv env{cfg, keys, cfg.cookie_epoch};
	const Bytes in = f.input(env);
	RunResult r = runner.run(f.prog, in, ctx);

	EXPECT_EQ(verdict_name(r.verdict), verdict_name(f.verdict)) << "fixture " << f.name;

	if (f.expected) {
		Bytes want = f.expected(env);
		EXPECT_PRED_FORMAT2(frames_equal, want, r.frame) << "fixture " << f.name;
		EXPECT_PRED_FORMAT1(checksums_valid, r.frame) << "fixture " << f.name;
	} else if (f.verdict == XDP_PASS) {
		// Passed frames reach the host stack untouched.
		EXPECT_PRED_FORMAT2(frames_equal, in, r.frame) << "fixture " << f.name << ": XDP_PASS must not modify the frame";
	}

	Counters want = f.counters;
	Counters got = r.delta;
	if (f.rx_frames_either && got[XDPDNS_STAT_RX_FRAMES] <= 1) {
		want[XDPDNS_STAT_RX_FRAMES] = 0;
		got[XDPDNS_STAT_RX_FRAMES] = 0;
	}
	EXPECT_EQ(counters_to_string(got), counters_to_string(want)) << "fixture " << f.name << ": counter deltas";

	if (f.check)
		f.check(runner, env, r);
	return r;
}

} // namespace xdpdns::test
