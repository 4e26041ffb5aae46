// The XDP paths measured: one crafted frame each, the verdict and the one
// reason counter every iteration must produce, and how it has to be run.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <string>
#include <vector>

#include <xdpdns/abi.h>
#include <xdpdns/stats.h>

namespace xdpdns::bench {

enum class Program { Xdpdns, BareDrop };

struct Path {
	std::string name;
	Program program = Program::Xdpdns;
	std::vector<std::uint8_t> frame;
	std::uint32_t verdict = XDP_PASS;          // expected (not checked in live mode)
	int reason = -1;                           // xdpdns_stat each iteration counts, -1: none
	bool rewrites = false;                     // frame or metadata changed: run through bench_restore
	bool truncate_all = false;                 // knob udp.truncate-all = 1
	bool answer = false;                       // answers.in-kernel = 1, the answer stored
	bool socket = false;                       // needs the XSK registered in xsks[0]
	bool live = false;                         // BPF_F_TEST_XDP_LIVE_FRAMES on the XSK's veth
	bool prime = false;                        // run the frame once, uncounted, before measuring
	std::uint32_t rrl_rate = 0;                // knob rrl.rate (rrl.slip 0)
};

// Frames for client 192.0.2.10 / 2001:db8:1::10 port 40000 and server
// 198.51.100.53 / 2001:db8:53::53 port 53. `keys` (slot 0 current, slot 2
// previous) and the published `epoch` make the cookies of the data segments.
std::vector<Path> all_paths(const xdpdns_keys &keys, std::uint32_t epoch);

// The answers-map entry of the UDP query (small.example.test A, EDNS DO=0):
// one A record and our OPT, a 63-octet answer.
void udp_query_answer(xdpdns_answer_key &key, xdpdns_answer &entry);

} // namespace xdpdns::bench
