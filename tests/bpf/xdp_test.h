// Base of every BPF test: skips visibly without root, loads the production
// object, writes the contract's knob defaults (with a fixed published cookie
// epoch), port 53 and fixed keys.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>

#include "fixture_table.h"
#include "xdp_runner.h"
#include "xsk_rig.h"

namespace xdpdns::test {

// Deterministic keys (a failing row can be replayed): slot 1 current, so
// slot 0 is "previous" and slot 2 "next".
inline xdpdns_keys test_keys()
{
	xdpdns_keys k{};
	k.current = 1;
	k.generation = 7;
	k.slot[0] = {0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
	k.slot[1] = {0x9e3779b97f4a7c15ull, 0xbf58476d1ce4e5b9ull};
	k.slot[2] = {0x94d049bb133111ebull, 0x2545f4914f6cdd1dull};
	return k;
}

// A key in no slot.
inline xdpdns_siphash_key stranger_key() { return {0x0123456789abcdefull, 0xfedcba9876543210ull}; }

inline xdpdns_config test_config()
{
	return XdpRunner::default_config();
}

class XdpTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		if (geteuid() != 0)
			GTEST_SKIP() << "BPF tests load XDP programs and run BPF_PROG_TEST_RUN: run them as root";
		runner_ = std::make_unique<XdpRunner>();
		cfg_ = test_config();
		keys_ = test_keys();
		runner_->write_config(cfg_);
		runner_->write_keys(keys_);
		runner_->set_ports({53});
	}

	RunResult run_row(const Fixture &f, const RunContext &ctx = {})
	{
		return run_fixture(*runner_, cfg_, keys_, f, ctx);
	}

	std::unique_ptr<XdpRunner> runner_;
	xdpdns_config cfg_{};
	xdpdns_keys keys_{};
};

// An XdpTest with a real AF_XDP socket on queue 0: a private network
// namespace, a veth pair `dev`/`peer` with `queues` RX queues, the socket in
// the object's xsks map. queue(q) is the run context of RX queue q.
class XdpSocketTest : public XdpTest {
protected:
	XdpSocketTest(std::string dev, std::string peer, std::uint32_t queues = 2)
		: dev_(std::move(dev)), peer_(std::move(peer)), queues_(queues)
	{
	}

	void SetUp() override
	{
		XdpTest::SetUp();
		if (IsSkipped())
			return;
		netns_ = std::make_unique<PrivateNetns>();
		rig_ = std::make_unique<XskRig>(dev_, peer_, 0, queues_);
		rig_->register_in(runner_->xsks_fd());
	}

	void TearDown() override
	{
		rig_.reset();
		netns_.reset();
	}

	RunContext queue(std::uint32_t q) const { return {rig_->ifindex(), q}; }

	std::string dev_, peer_;
	std::uint32_t queues_;
	std::unique_ptr<PrivateNetns> netns_;
	std::unique_ptr<XskRig> rig_;
};

// A parameterised fixture-table test: one gtest (and one CTest test) per row.
class XdpTableTest : public XdpTest, public ::testing::WithParamInterface<Fixture> {};

} // namespace xdpdns::test
