// xdpdns_xdp_bench: nanoseconds per packet of every path of the XDP program,
// next to a bare XDP_DROP program, from BPF_PROG_TEST_RUN's own timing.
// Prints numbers, asserts nothing (a check that fails marks its row).
//
//   xdpdns_xdp_bench [--repeat 1000000] [--runs 3] [--cpu 0] [--drain-cpu 1]
#include <bpf/bpf.h>
#include <sched.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench_objects.h"
#include "cookie_calc.h"
#include "paths.h"
#include "prog_test_run.h"
#include "skeleton.h"
#include "xdp_runner.h" // XdpRunner::default_config(): the loader's knob defaults
#include "xsk_rig.h"    // PrivateNetns
#include "xsk_sink.h"

namespace xdpdns::bench {
namespace {

using test::read_stats;
using test::run_prog;
using test::RunInput;
using test::RunOutput;

struct Options {
	std::uint32_t repeat = 1'000'000;
	int runs = 3;
	int cpu = -1;
	int drain_cpu = -1;
	std::string only; // measure only paths whose name contains this (and the bare XDP_DROP rows)
};

struct Result {
	std::optional<double> ns;          // nanoseconds per packet
	std::optional<double> via_restore; // direct paths: the same through bench_restore (method check)
	std::string note;                  // delivery ratio, or why the row failed
};

std::string load_average()
{
	std::ifstream f("/proc/loadavg");
	std::string a, b, c;
	f >> a >> b >> c;
	return a + " " + b + " " + c;
}

std::string cpu_model()
{
	std::ifstream f("/proc/cpuinfo");
	std::string line;
	while (std::getline(f, line))
		if (line.rfind("model name", 0) == 0)
			return line.substr(line.find(':') + 2);
	return "?";
}

void pin_self(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		throw std::runtime_error(fmt::format("pin to CPU {}: {}", cpu, std::strerror(errno)));
}

void update(int fd, const char *map, const void *key, const void *value)
{
	if (bpf_map_update_elem(fd, key, value, BPF_ANY))
		throw std::runtime_error(fmt::format("write map {}: {}", map, std::strerror(errno)));
}

class Bench {
public:
	Bench(const Options &o, XskSink *sink) : o_(o), sink_(sink)
	{
		h_ = xdpdns_test_skel::open_and_load();
		if (!h_.skel)
			throw std::runtime_error(fmt::format("open and load the xdpdns BPF object: {}", std::strerror(errno)));
		cfg_ = xdpdns::test::XdpRunner::default_config();
		write_config(false);
		xdpdns_ports ports;
		std::memset(&ports, 0, sizeof(ports));
		ports.bits[53 >> 6] |= 1ull << (53 & 63);
		__u32 zero = 0;
		update(h_.ports, "ports", &zero, &ports);
		// Slot 0 current, slot 2 the previous key (the index wraps).
		std::memset(&keys_, 0, sizeof(keys_));
		if (getrandom(keys_.slot, sizeof(keys_.slot), 0) != sizeof(keys_.slot))
			throw std::runtime_error(fmt::format("getrandom: {}", std::strerror(errno)));
		update(h_.keys, "keys", &zero, &keys_);
	}
	~Bench()
	{
		if (answers_fd_ >= 0)
			close(answers_fd_);
		xdpdns_test_skel::destroy(h_.skel);
	}

	// The kernel's id of xdpdns_main as loaded here (to find its JIT image
	// for a profile), 0 when the kernel does not say.
	std::uint32_t main_prog_id() const
	{
		bpf_prog_info info{};
		__u32 len = sizeof(info);
		if (bpf_obj_get_info_by_fd(h_.prog_main, &info, &len))
			return 0;
		return info.id;
	}

	std::vector<Path> paths() const { return all_paths(keys_, cfg_.cookie_epoch); }

	Result measure(const Path &p)
	{
		Result r;
		if (p.socket && !sink_) {
			r.note = "skipped: no AF_XDP socket";
			return r;
		}
		write_config(p.truncate_all, p.answer, p.rrl_rate);
		set_socket(p.socket);
		// Every path starts from an empty path-MTU table (the ICMP rows fill
		// it, and a UDP query to a known client does more work).
		clear_pmtu();
		const int prog = p.program == Program::Xdpdns ? h_.prog_main : objs_.drop_prog();
		const char *name = p.program == Program::Xdpdns ? "xdpdns_main" : "bench_drop";
		RunInput in;
		if (p.socket || p.live)
			in.ingress_ifindex = sink_ ? sink_->ifindex() : 1;
		in.live = p.live;

		if (p.prime)  // the state the path needs (a connection's record)
			run_prog(prog, name, p.frame, 1, in);
		if (!p.live) {
			// One plain run first: the path really is the one named.
			auto before = stats();
			RunOutput one = run_prog(prog, name, p.frame, 1, in);
			if (one.verdict != p.verdict)
				return failed(r, fmt::format("verdict {} (expected {})", one.verdict, p.verdict));
			if (auto bad = check_counters(p, before, 1))
				return failed(r, *bad);
		}

		if (p.live) {
			// In chunks that fit the XSK rings, each drained before the next:
			// every frame is delivered, none meets a full ring (which would
			// time the cheaper failure path instead).
			const std::uint64_t got0 = sink_ ? sink_->received() : 0;
			const std::uint64_t drops0 = sink_ ? sink_->kernel_drops() : 0;
			auto before = stats();
			double total_ns = 0;
			for (std::uint32_t done = 0; done < o_.repeat;) {
				const std::uint32_t n = std::min(o_.repeat - done, XskSink::kRingFrames - 96);
				RunOutput t = run_prog(prog, name, p.frame, n, in);
				total_ns += static_cast<double>(t.duration_ns) * n;
				done += n;
				if (p.socket && !settle(got0 + done))
					break;
			}
			if (auto bad = check_counters(p, before, o_.repeat))
				return failed(r, *bad);
			r.ns = total_ns / o_.repeat;
			if (p.socket) {
				const std::uint64_t got = sink_->received() - got0, drops = sink_->kernel_drops() - drops0;
				if (got != o_.repeat || drops)
					return failed(r, fmt::format("{} of {} frames delivered to the XSK, {} dropped by the kernel",
								     got, o_.repeat, drops));
			}
			return r;
		}

		if (!p.rewrites) {
			auto before = stats();
			RunOutput t = run_prog(prog, name, p.frame, o_.repeat, in);
			if (auto bad = check_counters(p, before, o_.repeat))
				return failed(r, *bad);
			r.ns = t.duration_ns;
			if (p.program == Program::Xdpdns)
				r.via_restore = through_restore(p, prog, in, r);
			return r;
		}
		r.ns = through_restore(p, prog, in, r);
		return r;
	}

private:
	// bench_restore -> program, minus bench_restore -> XDP_DROP, plus a bare
	// XDP_DROP: the program's own time on a fresh copy of the frame. The
	// three are measured in interleaved chunks, so that a change of load on
	// the machine weighs on all three alike.
	std::optional<double> through_restore(const Path &p, int prog, const RunInput &in, Result &r)
	{
		struct {
			__u32 len;
			__u8 bytes[512];
		} frame{};
		if (p.frame.size() > sizeof(frame.bytes)) {
			failed(r, "frame too long for bench_restore");
			return std::nullopt;
		}
		frame.len = static_cast<__u32>(p.frame.size());
		std::memcpy(frame.bytes, p.frame.data(), p.frame.size());
		__u32 zero = 0;
		update(objs_.original_map(), "original", &zero, &frame);

		const int drop = objs_.drop_prog();
		const std::uint32_t chunks = std::min<std::uint32_t>(10, o_.repeat);
		double full = 0, wrapper = 0, bare = 0;
		auto before = stats();
		for (std::uint32_t done = 0, c = 0; c < chunks; c++) {
			const std::uint32_t n = (o_.repeat - done) / (chunks - c);
			done += n;
			update(objs_.target_map(), "target", &zero, &prog);
			RunOutput f = run_prog(objs_.restore_prog(), "bench_restore", p.frame, n, in);
			if (f.verdict != p.verdict) {
				failed(r, fmt::format("through bench_restore: verdict {} (expected {})", f.verdict, p.verdict));
				return std::nullopt;
			}
			update(objs_.target_map(), "target", &zero, &drop);
			RunOutput w = run_prog(objs_.restore_prog(), "bench_restore", p.frame, n, in);
			if (w.verdict != XDP_DROP) {
				failed(r, "bench_restore -> XDP_DROP did not drop");
				return std::nullopt;
			}
			RunOutput b = run_prog(drop, "bench_drop", p.frame, n, in);
			full += static_cast<double>(f.duration_ns) * n;
			wrapper += static_cast<double>(w.duration_ns) * n;
			bare += static_cast<double>(b.duration_ns) * n;
		}
		if (auto bad = check_counters(p, before, o_.repeat)) {
			failed(r, "through bench_restore: " + *bad);
			return std::nullopt;
		}
		return (full - wrapper + bare) / o_.repeat;
	}

	Result &failed(Result &r, const std::string &why)
	{
		r.ns.reset();
		r.note = "FAILED: " + why;
		return r;
	}

	std::vector<std::uint64_t> stats() const { return read_stats(h_.stats, XDPDNS_STAT_MAX); }

	// Every iteration counted rx-frames and exactly the path's reason.
	std::optional<std::string> check_counters(const Path &p, const std::vector<std::uint64_t> &before,
						  std::uint64_t n) const
	{
		if (p.program != Program::Xdpdns)
			return std::nullopt;
		auto after = stats();
		std::string bad;
		for (std::size_t i = 0; i < after.size(); i++) {
			const std::uint64_t want = (static_cast<int>(i) == p.reason || i == XDPDNS_STAT_RX_FRAMES) ? n : 0;
			if (after[i] - before[i] != want)
				bad += fmt::format(" {}={}", xdpdns::test::stat_name(i), after[i] - before[i]);
		}
		if (bad.empty())
			return std::nullopt;
		return fmt::format("counters after {} runs:{}", n, bad);
	}

	void write_config(bool truncate_all, bool answer = false, std::uint32_t rrl_rate = 0)
	{
		cfg_.udp_truncate_all = truncate_all ? 1 : 0;
		cfg_.rrl_rate = rrl_rate;
		cfg_.rrl_slip = 0;
		cfg_.rrl_prefix_v4 = 24;
		cfg_.rrl_prefix_v6 = 56;
		cfg_.answers_in_kernel = answer ? 1 : 0;
		cfg_.link_mtu = 1500;  // what the daemon publishes on a usual link
		if (answer && answers_fd_ < 0) {
			LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
			answers_fd_ = bpf_map_create(BPF_MAP_TYPE_HASH, "bench_answers", sizeof(xdpdns_answer_key),
						     sizeof(xdpdns_answer), 16, &opts);
			if (answers_fd_ < 0)
				throw std::runtime_error(fmt::format("create an answers map: {}", std::strerror(errno)));
			xdpdns_answer_key key;
			xdpdns_answer entry;
			udp_query_answer(key, entry);
			update(answers_fd_, "answers (inner)", &key, &entry);
			key.shape |= XDPDNS_SHAPE_TCP;  // the same answer for the TCP query
			update(answers_fd_, "answers (inner)", &key, &entry);
			__u32 zero = 0;
			update(h_.answers, "answers", &zero, &answers_fd_);
		}
		__u32 zero = 0;
		update(h_.config, "config", &zero, &cfg_);
	}

	void set_socket(bool on)
	{
		__u32 zero = 0;
		if (on) {
			int fd = sink_->socket_fd();
			update(h_.xsks, "xsks", &zero, &fd);
		} else if (bpf_map_delete_elem(h_.xsks, &zero) && errno != ENOENT) {
			throw std::runtime_error(fmt::format("clear xsks[0]: {}", std::strerror(errno)));
		}
	}

	void clear_pmtu()
	{
		xdpdns_addr key;
		while (bpf_map_get_next_key(h_.pmtu, nullptr, &key) == 0)
			if (bpf_map_delete_elem(h_.pmtu, &key))
				throw std::runtime_error(fmt::format("empty map pmtu: {}", std::strerror(errno)));
	}

	// Waits (up to 2 s) until the drain thread has received `total` frames.
	bool settle(std::uint64_t total) const
	{
		const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
		while (sink_->received() < total) {
			if (std::chrono::steady_clock::now() > deadline)
				return false;
			std::this_thread::sleep_for(std::chrono::microseconds(200));
		}
		return true;
	}

	Options o_;
	XskSink *sink_;
	xdpdns_test_skel::Handles h_;
	BenchObjects objs_;
	xdpdns_config cfg_{};
	xdpdns_keys keys_{};
	int answers_fd_ = -1;  // the inner answers map, once a path needs it
};

double median(std::vector<double> v)
{
	std::sort(v.begin(), v.end());
	const std::size_t n = v.size();
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

const char *verdict_text(std::uint32_t v)
{
	switch (v) {
	case XDP_ABORTED: return "ABORTED";
	case XDP_DROP: return "DROP";
	case XDP_PASS: return "PASS";
	case XDP_TX: return "TX";
	case XDP_REDIRECT: return "REDIRECT";
	}
	return "?";
}

int run(const Options &o)
{
	if (geteuid() != 0)
		throw std::runtime_error("must run as root (BPF_PROG_TEST_RUN, network namespace)");
	if (o.cpu >= 0)
		pin_self(o.cpu);
	utsname u{};
	uname(&u);
	const std::string load_start = load_average();

	// A private network namespace: ifindex 1 is its own loopback, and the
	// veth of the XSK disappears with it.
	xdpdns::test::PrivateNetns netns;
	std::unique_ptr<XskSink> sink;
	try {
		sink = std::make_unique<XskSink>("bnxsk0", "bnxsk1", o.drain_cpu);
	} catch (const std::exception &e) {
		fmt::print(stderr, "AF_XDP socket unavailable, its rows are skipped: {}\n", e.what());
	}
	Bench bench(o, sink.get());
	// On stderr at once: a profiler finds the JIT image by this id while we run.
	fmt::print(stderr, "xdpdns_main: program id {}\n", bench.main_prog_id());

	std::vector<Path> paths = bench.paths();
	if (!o.only.empty())
		std::erase_if(paths, [&](const Path &p) {
			return p.program != Program::BareDrop && p.name.find(o.only) == std::string::npos;
		});
	std::vector<std::vector<double>> ns(paths.size()), via(paths.size());
	std::vector<std::string> notes(paths.size());
	for (int run = 0; run < o.runs; run++) {
		for (std::size_t i = 0; i < paths.size(); i++) {
			Result r = bench.measure(paths[i]);
			if (r.ns)
				ns[i].push_back(*r.ns);
			if (r.via_restore)
				via[i].push_back(*r.via_restore);
			if (!r.note.empty())
				notes[i] = r.note;
		}
	}

	double drop = 0, drop_live = 0;
	for (std::size_t i = 0; i < paths.size(); i++)
		if (paths[i].program == Program::BareDrop && !ns[i].empty())
			(paths[i].live ? drop_live : drop) = median(ns[i]);

	fmt::print("xdpdns XDP paths, BPF_PROG_TEST_RUN: {} iterations x {} runs, median ns per packet "
		   "(the kernel's duration)\n", o.repeat, o.runs);
	fmt::print("kernel {} on {}; CPU {}; load average {} (start), {} (end)\n\n", u.release, cpu_model(),
		   o.cpu >= 0 ? std::to_string(o.cpu) : std::string("not pinned"), load_start, load_average());
	fmt::print("| {:<50} | {:<8} | {:>9} | {:>8} | {:<20} |\n", "path", "verdict", "ns/packet", "x DROP",
		   "runs");
	fmt::print("|{:-<52}|{:-<10}|{:->11}|{:->10}|{:-<22}|\n", "", "", "", "", "");
	std::vector<std::string> footnotes;
	for (std::size_t i = 0; i < paths.size(); i++) {
		const Path &p = paths[i];
		std::string name = p.name + (p.rewrites ? " *" : "");
		if (ns[i].empty()) {
			fmt::print("| {:<50} | {:<8} | {:>9} | {:>8} | {:<20} |\n", name, verdict_text(p.verdict), "-", "-", "");
			footnotes.push_back(p.name + ": " + notes[i]);
			continue;
		}
		const double m = median(ns[i]);
		const double base = p.live ? drop_live : drop;
		std::string runs;
		for (double v : ns[i])
			runs += fmt::format("{}{:.0f}", runs.empty() ? "" : " ", v);
		fmt::print("| {:<50} | {:<8} | {:>9.0f} | {:>8} | {:<20} |\n", name, verdict_text(p.verdict), m,
			   base > 0 ? fmt::format("{:.1f}", m / base) : "-", runs);
		if (!notes[i].empty())
			footnotes.push_back(p.name + ": " + notes[i]);
		if (!via[i].empty())
			footnotes.push_back(fmt::format("method check, {}: {:.0f} ns direct, {:.0f} ns through bench_restore",
							p.name, m, median(via[i])));
	}
	fmt::print("\n* frame rewritten (reply) or metadata pushed: each iteration runs bench_restore, which copies\n"
		   "  the original frame back and tail-calls xdpdns_main; shown: that time minus bench_restore ->\n"
		   "  XDP_DROP on the same frame, plus a bare XDP_DROP.\n"
		   "(live) rows: BPF_F_TEST_XDP_LIVE_FRAMES on a veth, frames really redirected; ratio to the live\n"
		   "  XDP_DROP row. Other rows: XDP_REDIRECT is the verdict only (nothing delivered).\n");
	for (const std::string &f : footnotes)
		fmt::print("{}\n", f);
	bool all_ok = true;
	for (std::size_t i = 0; i < paths.size(); i++)
		if (ns[i].empty() && notes[i].rfind("skipped", 0) != 0)
			all_ok = false;
	return all_ok ? 0 : 1;
}

} // namespace
} // namespace xdpdns::bench

int main(int argc, char **argv)
{
	xdpdns::bench::Options o;
	CLI::App app{"Nanoseconds per packet of each xdpdns XDP path (BPF_PROG_TEST_RUN), next to XDP_DROP"};
	app.add_option("--repeat", o.repeat, "iterations per measurement")->check(CLI::Range(1u, 100'000'000u));
	app.add_option("--runs", o.runs, "measurements per path; the median is shown")->check(CLI::Range(1, 99));
	app.add_option("--cpu", o.cpu, "pin the benchmark to this CPU (default: not pinned)")->check(CLI::NonNegativeNumber);
	app.add_option("--drain-cpu", o.drain_cpu, "pin the AF_XDP drain thread to this CPU (default: not pinned)")
		->check(CLI::NonNegativeNumber);
	app.add_option("--only", o.only, "measure only the paths whose name contains this text (for profiling)");
	CLI11_PARSE(app, argc, argv);
	try {
		return xdpdns::bench::run(o);
	} catch (const std::exception &e) {
		fmt::print(stderr, "xdpdns_xdp_bench: {}\n", e.what());
		return 1;
	}
}
