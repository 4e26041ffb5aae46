#include "xdp_runner.h"

#include "prog_test_run.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <unistd.h>
#include <vector>

namespace xdpdns::test {

namespace {

std::runtime_error sys_failure(const std::string &what, int err)
{
	if (err < 0)
		err = -err;
	return std::runtime_error(what + ": " + std::strerror(err));
}

// Entry 0 of a one-entry array map (config, keys).
template <typename T> void write_entry0(int fd, const char *map, const T &value)
{
	__u32 key = 0;
	if (bpf_map_update_elem(fd, &key, &value, BPF_ANY))
		throw sys_failure(std::string("write map ") + map, errno);
}

template <typename T> T read_entry0(int fd, const char *map)
{
	__u32 key = 0;
	T value;
	if (bpf_map_lookup_elem(fd, &key, &value))
		throw sys_failure(std::string("read map ") + map, errno);
	return value;
}

const char *const kStatNames[] = {
#define XDPDNS_STAT_NAME(id, name, help) name,
	XDPDNS_XDP_STATS(XDPDNS_STAT_NAME)
#undef XDPDNS_STAT_NAME
};

// libbpf's messages (a failed load prints the whole verifier log) are kept
// here and only the tail is shown, in the load error.
std::string libbpf_log;

int capture_libbpf(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	va_list copy;
	va_copy(copy, args);
	int n = std::vsnprintf(nullptr, 0, fmt, copy);
	va_end(copy);
	if (n <= 0)
		return n;
	std::string msg(static_cast<std::size_t>(n) + 1, '\0');
	std::vsnprintf(msg.data(), msg.size(), fmt, args);
	msg.pop_back();
	libbpf_log += msg;
	if (libbpf_log.size() > (1u << 20))
		libbpf_log.erase(0, libbpf_log.size() - (1u << 19));
	return n;
}

std::string tail_lines(const std::string &s, int lines)
{
	std::size_t pos = s.size();
	while (lines-- > 0 && pos > 0) {
		std::size_t nl = s.rfind('\n', pos - 1);
		if (nl == std::string::npos) {
			pos = 0;
			break;
		}
		pos = nl;
	}
	return s.substr(pos);
}

} // namespace

// Loading the object costs ~0.3 s (mostly the verifier): one load serves the
// whole test process, and each runner starts from emptied maps instead.
static xdpdns_test_skel::Handles load_shared_object()
{
	libbpf_set_print(capture_libbpf);
	libbpf_log.clear();
	xdpdns_test_skel::Handles h = xdpdns_test_skel::open_and_load();
	if (!h.skel) {
		int err = errno;
		throw std::runtime_error("open and load the xdpdns BPF object (skeleton): " +
					 std::string(std::strerror(err)) + "\nlast libbpf messages:" +
					 tail_lines(libbpf_log, 8));
	}
	return h;
}

template <class Key>
static void delete_all(int fd)
{
	Key key;
	while (bpf_map_get_next_key(fd, nullptr, &key) == 0)
		if (bpf_map_delete_elem(fd, &key))
			throw sys_failure("empty a map of the shared object", errno);
}

XdpRunner::XdpRunner()
{
	// A failed load throws out of the static initialiser: the next runner
	// tries again (and reports the same cause).
	static const xdpdns_test_skel::Handles shared = load_shared_object();
	h_ = shared;

	// What a fresh load would hold: zeroed arrays, empty hash/trie maps.
	// Counters are compared as deltas, so they need no reset; sockets leave
	// the xsks map by themselves when they close.
	xdpdns_config cfg;
	std::memset(&cfg, 0, sizeof(cfg));
	write_config(cfg);
	set_ports({});
	xdpdns_keys keys;
	std::memset(&keys, 0, sizeof(keys));
	write_keys(keys);
	delete_all<xdpdns_addr>(h_.pmtu);
	delete_all<xdpdns_lpm_key>(h_.atr_allow);
	delete_all<xdpdns_addr>(h_.service_addrs);
	delete_all<xdpdns_conn_key>(h_.tcp_conns);
	delete_all<xdpdns_lpm_key>(h_.rrl_exempt);
	rrl_clear();
	answers_remove();
}

// The shared object stays loaded until the process ends.
XdpRunner::~XdpRunner()
{
	if (answers_inner_ >= 0)
		close(answers_inner_);
}

void XdpRunner::answers_install(std::uint32_t entries)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	const int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "test_answers", sizeof(xdpdns_answer_key),
				      sizeof(xdpdns_answer), entries, &opts);
	if (fd < 0)
		throw sys_failure("create an inner answers map", errno);
	const __u32 zero = 0;
	if (bpf_map_update_elem(h_.answers, &zero, &fd, BPF_ANY)) {
		const int err = errno;
		close(fd);
		throw sys_failure("install the inner answers map", err);
	}
	if (answers_inner_ >= 0)
		close(answers_inner_);
	answers_inner_ = fd;
}

void XdpRunner::answer_put(const xdpdns_answer_key &key, const xdpdns_answer &value)
{
	if (answers_inner_ < 0)
		answers_install();
	if (bpf_map_update_elem(answers_inner_, &key, &value, BPF_ANY))
		throw sys_failure("write the inner answers map", errno);
}

void XdpRunner::answers_remove()
{
	const __u32 zero = 0;
	if (bpf_map_delete_elem(h_.answers, &zero) && errno != ENOENT)
		throw sys_failure("empty the answers slot", errno);
	if (answers_inner_ >= 0)
		close(answers_inner_);
	answers_inner_ = -1;
}

xdpdns_config XdpRunner::default_config()
{
	xdpdns_config c;
	std::memset(&c, 0, sizeof(c));
	c.abi_version = XDPDNS_ABI_VERSION;
	c.tcp_mss_v4 = 1220;
	c.tcp_mss_v6 = 1220;
	c.tcp_window = 65535;
	c.tcp_segment_size = 512;
	c.cookie_epoch_s = 64;
	// A published epoch (odd: its epoch bit is 1), fixed so that every
	// cookie a test expects is known in advance; realistic in size
	// (CLOCK_REALTIME / 64 in 2024).
	c.cookie_epoch = 26'700'001;
	c.cookie_rotate_s = 3600;
	c.udp_truncate_all = 0;
	c.edns_buffer_size = 1232;
	c.atr_enabled = 1;
	c.atr_size_v4 = 1472;
	c.atr_size_v6 = 1232;
	c.atr_delay_us = 10000;
	c.atr_probability = 100;
	c.atr_allow_active = 0;
	c.pmtu_lifetime_s = 600;
	c.pmtu_min_v4 = 552;
	// The contract rows are the stateless ones (tcp.reuse off); the reuse
	// tests turn it on.
	c.tcp_reuse = 0;
	c.tcp_idle_ms = 10000;
	return c;
}

void XdpRunner::write_config(const xdpdns_config &cfg) { write_entry0(h_.config, "config", cfg); }

xdpdns_config XdpRunner::read_config() const { return read_entry0<xdpdns_config>(h_.config, "config"); }

void XdpRunner::set_ports(const std::vector<std::uint16_t> &list)
{
	std::vector<xdpdns_ports> one(1);
	std::memset(one.data(), 0, sizeof(xdpdns_ports));
	for (std::uint16_t p : list)
		one[0].bits[p >> 6] |= 1ull << (p & 63);
	__u32 key = 0;
	if (bpf_map_update_elem(h_.ports, &key, one.data(), BPF_ANY))
		throw sys_failure("write map ports", errno);
}

void XdpRunner::write_keys(const xdpdns_keys &keys) { write_entry0(h_.keys, "keys", keys); }

xdpdns_keys XdpRunner::read_keys() const { return read_entry0<xdpdns_keys>(h_.keys, "keys"); }

Counters XdpRunner::read_counters() const
{
	const std::vector<std::uint64_t> sums = read_stats(h_.stats, XDPDNS_STAT_MAX);
	Counters c{};
	std::copy(sums.begin(), sums.end(), c.begin());
	return c;
}

RunResult XdpRunner::run(Prog prog, const Bytes &frame, const RunContext &rc)
{
	const int prog_fd = prog == Prog::Main ? h_.prog_main : h_.prog_atr;
	const char *prog_name = prog == Prog::Main ? "xdpdns_main" : "xdpdns_atr";
	// Room for metadata in front and for a program that grows the frame.
	std::vector<std::uint8_t> out(frame.size() + 4096);
	xdp_md ctx_in, ctx_out;
	std::memset(&ctx_in, 0, sizeof(ctx_in));
	std::memset(&ctx_out, 0, sizeof(ctx_out));
	ctx_in.data = 0; // no metadata supplied: the kernel rejects data before it
	ctx_in.data_end = static_cast<__u32>(frame.size());
	ctx_in.ingress_ifindex = rc.ingress_ifindex;
	ctx_in.rx_queue_index = rc.rx_queue_index;

	bpf_test_run_opts opts;
	std::memset(&opts, 0, sizeof(opts));
	opts.sz = sizeof(opts);
	opts.data_in = frame.data();
	opts.data_size_in = static_cast<__u32>(frame.size());
	opts.data_out = out.data();
	opts.data_size_out = static_cast<__u32>(out.size());
	opts.ctx_in = &ctx_in;
	opts.ctx_size_in = sizeof(ctx_in);
	opts.ctx_out = &ctx_out;
	opts.ctx_size_out = sizeof(ctx_out);
	opts.repeat = 1;

	Counters before = read_counters();
	int err = bpf_prog_test_run_opts(prog_fd, &opts);
	if (err)
		throw sys_failure(std::string("BPF_PROG_TEST_RUN of ") + prog_name + " (" +
					  std::to_string(frame.size()) + "-octet frame)",
				  errno);
	Counters after = read_counters();

	RunResult r;
	r.verdict = opts.retval;
	// data_out starts at data_meta; ctx_out.data is the metadata length and
	// ctx_out.data_end the end of the packet, both relative to data_meta.
	std::size_t total = opts.data_size_out;
	std::size_t meta = ctx_out.data;
	if (meta > total || ctx_out.data_end != total)
		throw std::runtime_error("BPF_PROG_TEST_RUN output inconsistent: data_size_out " +
					 std::to_string(total) + ", ctx_out.data " + std::to_string(meta) +
					 ", ctx_out.data_end " + std::to_string(ctx_out.data_end));
	r.meta.assign(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(meta));
	r.frame.assign(out.begin() + static_cast<std::ptrdiff_t>(meta),
		       out.begin() + static_cast<std::ptrdiff_t>(total));
	for (std::size_t i = 0; i < r.delta.size(); i++)
		r.delta[i] = after[i] - before[i];
	return r;
}

Counters XdpRunner::run_live(Prog prog, const Bytes &frame, const RunContext &rc)
{
	const int prog_fd = prog == Prog::Main ? h_.prog_main : h_.prog_atr;
	const char *prog_name = prog == Prog::Main ? "xdpdns_main" : "xdpdns_atr";
	RunInput in;
	in.ingress_ifindex = rc.ingress_ifindex;
	in.rx_queue_index = rc.rx_queue_index;
	in.live = true;
	Counters before = read_counters();
	run_prog(prog_fd, prog_name, frame, 1, in);
	Counters after = read_counters();
	Counters delta{};
	for (std::size_t i = 0; i < delta.size(); i++)
		delta[i] = after[i] - before[i];
	return delta;
}

std::optional<xdpdns_pmtu> XdpRunner::pmtu_lookup(const Ip6 &client) const
{
	xdpdns_addr key;
	std::memcpy(key.a, client.data(), 16);
	xdpdns_pmtu v;
	if (bpf_map_lookup_elem(h_.pmtu, &key, &v)) {
		if (errno == ENOENT)
			return std::nullopt;
		throw sys_failure("read map pmtu", errno);
	}
	return v;
}

void XdpRunner::pmtu_write(const Ip6 &client, const xdpdns_pmtu &value)
{
	xdpdns_addr key;
	std::memcpy(key.a, client.data(), 16);
	if (bpf_map_update_elem(h_.pmtu, &key, &value, BPF_ANY))
		throw sys_failure("write map pmtu", errno);
}

std::optional<xdpdns_conn> XdpRunner::conn_lookup(const xdpdns_conn_key &key) const
{
	xdpdns_conn v;
	if (bpf_map_lookup_elem(h_.tcp_conns, &key, &v)) {
		if (errno == ENOENT)
			return std::nullopt;
		throw sys_failure("read map tcp_conns", errno);
	}
	return v;
}

void XdpRunner::conn_write(const xdpdns_conn_key &key, const xdpdns_conn &value)
{
	if (bpf_map_update_elem(h_.tcp_conns, &key, &value, BPF_ANY))
		throw sys_failure("write map tcp_conns", errno);
}

std::size_t XdpRunner::pmtu_count() const
{
	int fd = h_.pmtu;
	xdpdns_addr key, next;
	std::size_t n = 0;
	const void *prev = nullptr;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		n++;
		key = next;
		prev = &key;
	}
	return n;
}

void XdpRunner::atr_allow_add(const Ip6 &prefix, std::uint32_t prefixlen)
{
	xdpdns_lpm_key key;
	key.prefixlen = prefixlen;
	std::memcpy(key.addr, prefix.data(), 16);
	__u8 one = 1;
	if (bpf_map_update_elem(h_.atr_allow, &key, &one, BPF_ANY))
		throw sys_failure("write map atr_allow", errno);
}

void XdpRunner::rrl_exempt_add(const Ip6 &prefix, std::uint32_t prefixlen)
{
	xdpdns_lpm_key key;
	key.prefixlen = prefixlen;
	std::memcpy(key.addr, prefix.data(), 16);
	__u8 one = 1;
	if (bpf_map_update_elem(h_.rrl_exempt, &key, &one, BPF_ANY))
		throw sys_failure("write map rrl_exempt", errno);
}

void XdpRunner::rrl_clear()
{
	if (!h_.rrl_mem)
		throw std::runtime_error("the rrl map is not mmapped");
	std::memset(h_.rrl_mem, 0, h_.rrl_bytes);
}

void XdpRunner::set_service_addrs(const std::vector<Ip6> &addrs)
{
	delete_all<xdpdns_addr>(h_.service_addrs);
	for (const Ip6 &a : addrs) {
		xdpdns_addr key;
		std::memcpy(key.a, a.data(), 16);
		__u8 one = 1;
		if (bpf_map_update_elem(h_.service_addrs, &key, &one, BPF_ANY))
			throw sys_failure("write map service_addrs", errno);
	}
}

std::string verdict_name(std::uint32_t v)
{
	switch (v) {
	case XDP_ABORTED: return "XDP_ABORTED";
	case XDP_DROP: return "XDP_DROP";
	case XDP_PASS: return "XDP_PASS";
	case XDP_TX: return "XDP_TX";
	case XDP_REDIRECT: return "XDP_REDIRECT";
	}
	return "verdict " + std::to_string(v);
}

const char *stat_name(std::size_t index)
{
	return index < XDPDNS_STAT_MAX ? kStatNames[index] : "?";
}

std::string counters_to_string(const Counters &c)
{
	std::string s;
	for (std::size_t i = 0; i < c.size(); i++) {
		if (!c[i])
			continue;
		if (!s.empty())
			s += ' ';
		s += std::string(stat_name(i)) + "=" + std::to_string(c[i]);
	}
	return s.empty() ? "(none)" : s;
}

Counters one_frame(std::initializer_list<xdpdns_stat> reasons)
{
	Counters c{};
	c[XDPDNS_STAT_RX_FRAMES] = 1;
	for (xdpdns_stat r : reasons)
		c[r] += 1;
	return c;
}

} // namespace xdpdns::test
