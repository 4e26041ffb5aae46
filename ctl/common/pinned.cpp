#include "pinned.h"

#include "bpffs.h"
#include "lpm_list.h"
#include "cookie_key.h"
#include "ports.h"
#include "service_addresses.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <iterator>
#include <utility>
#include <cstring>

namespace xdpdns {
namespace {

constexpr __u32 kZero = 0;
constexpr std::size_t kConfigWords = sizeof(xdpdns_config) / sizeof(__u32);

Result<Fd> get_pin(const std::string &dir, const char *name)
{
	std::string path = pin_path(dir, name);
	int fd = bpf_obj_get(path.c_str());
	if (fd < 0)
		return sys_error(errno, "open pin " + path);
	return Fd(fd);
}

// Refuses maps whose value size is not what this build expects (a pin
// left by an older layout would otherwise be misread or overrun).
Result<void> check_value_size(int fd, std::size_t expected, const std::string &what)
{
	bpf_map_info info{};
	__u32 len = sizeof(info);
	if (int err = bpf_obj_get_info_by_fd(fd, &info, &len))
		return sys_error(err, "inspect map " + what);
	if (info.value_size != expected)
		return Error{EPROTO, "map " + what + " has values of " + std::to_string(info.value_size) +
					     " bytes, this build expects " + std::to_string(expected) +
					     "; detach and attach again with this build"};
	return {};
}

}  // namespace

Result<PinnedObjects> PinnedObjects::open(std::string_view ifname)
{
	if (auto r = ensure_bpffs(); !r)
		return r.error();
	auto dir = pin_dir(ifname);
	if (!dir)
		return dir.error();
	struct stat st;
	if (stat(dir->c_str(), &st) != 0)
		return Error{ENOENT, "xdpdns is not attached to " + std::string(ifname) +
					     " (no pins in " + *dir + ")"};

	PinnedObjects p;
	p.ifname_ = ifname;
	p.dir_ = *dir;
	struct Slot {
		const char *name;
		Fd *fd;
	} slots[] = {
		{"config", &p.config_fd_}, {"ports", &p.ports_fd_},   {"keys", &p.keys_fd_},
		{"xsks", &p.xsks_fd_},     {"stats", &p.stats_fd_},   {"dstats", &p.dstats_fd_},
		{"pmtu", &p.pmtu_fd_},     {"atr_allow", &p.atr_allow_fd_},
		{kProgMainPin, &p.prog_main_fd_}, {kProgAtrPin, &p.prog_atr_fd_},
	};
	for (auto &s : slots) {
		auto fd = get_pin(p.dir_, s.name);
		if (!fd)
			return fd.error();
		*s.fd = std::move(*fd);
	}
	const std::string cfg_path = pin_path(p.dir_, "config");
	if (auto r = check_value_size(p.config_fd_.get(), sizeof(xdpdns_config), cfg_path); !r)
		return r.error();
	if (auto r = check_value_size(p.keys_fd_.get(), sizeof(xdpdns_keys), pin_path(p.dir_, "keys")); !r)
		return r.error();
	auto cfg = MapMmap::map(p.config_fd_.get(), sizeof(xdpdns_config), true, cfg_path);
	if (!cfg)
		return cfg.error();
	p.config_ = std::move(*cfg);
	__u32 abi = __atomic_load_n(&p.config_.as<xdpdns_config>()->abi_version, __ATOMIC_RELAXED);
	if (abi != XDPDNS_ABI_VERSION)
		return Error{EPROTO, "pins in " + p.dir_ + " have ABI version " + std::to_string(abi) +
					     ", this build speaks " + std::to_string(XDPDNS_ABI_VERSION) +
					     "; detach and attach again with this build"};
	// Opened after the ABI check: pins of ABI 1 have no such map.
	auto addrs = get_pin(p.dir_, "service_addrs");
	if (!addrs)
		return addrs.error();
	p.service_addrs_fd_ = std::move(*addrs);
	auto conns = get_pin(p.dir_, "tcp_conns");
	if (!conns)
		return conns.error();
	p.tcp_conns_fd_ = std::move(*conns);
	auto answers = get_pin(p.dir_, "answers");
	if (!answers)
		return answers.error();
	p.answers_fd_ = std::move(*answers);
	for (auto [name, fd] : {std::pair{"rrl", &p.rrl_fd_}, std::pair{"rrl_exempt", &p.rrl_exempt_fd_}}) {
		auto f = get_pin(p.dir_, name);
		if (!f)
			return f.error();
		*fd = std::move(*f);
	}
	auto tap = get_pin(p.dir_, "tap_events");
	if (!tap)
		return tap.error();
	p.tap_events_fd_ = std::move(*tap);
	auto keys = MapMmap::map(p.keys_fd_.get(), sizeof(xdpdns_keys), true, pin_path(p.dir_, "keys"));
	if (!keys)
		return keys.error();
	p.keys_ = std::move(*keys);
	return p;
}

xdpdns_config PinnedObjects::read_config() const
{
	xdpdns_config c;
	auto *src = config_.as<const __u32>();
	__u32 words[kConfigWords];
	for (std::size_t i = 0; i < kConfigWords; i++)
		words[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
	std::memcpy(&c, words, sizeof(c));
	return c;
}

void PinnedObjects::set_knob(const KnobDef &knob, std::uint32_t value)
{
	__atomic_store_n(&(config_.as<xdpdns_config>()->*(knob.field)), value, __ATOMIC_RELAXED);
	// The epoch number counts in units of the epoch length: renumber at
	// once rather than at the daemon's next tick (or never, without one).
	if (knob.field == &xdpdns_config::cookie_epoch_s)
		publish_cookie_epoch(realtime_ns());
}

std::uint32_t PinnedObjects::publish_cookie_epoch(std::uint64_t realtime_ns)
{
	auto *c = config_.as<xdpdns_config>();
	const std::uint32_t epoch =
		epoch_of(realtime_ns, __atomic_load_n(&c->cookie_epoch_s, __ATOMIC_RELAXED));
	if (__atomic_load_n(&c->cookie_epoch, __ATOMIC_RELAXED) != epoch)
		__atomic_store_n(&c->cookie_epoch, epoch, __ATOMIC_RELAXED);
	return epoch;
}

void PinnedObjects::publish_link_mtu(std::uint32_t mtu)
{
	__atomic_store_n(&config_.as<xdpdns_config>()->link_mtu, mtu, __ATOMIC_RELAXED);
}

void PinnedObjects::write_knobs(const xdpdns_config &config)
{
	for (const auto &k : knobs())
		set_knob(k, config.*(k.field));
}

Result<std::vector<std::uint16_t>> PinnedObjects::read_ports() const
{
	xdpdns_ports b;
	if (bpf_map_lookup_elem(ports_fd_.get(), &kZero, &b))
		return sys_error(errno, "read " + pin_path(dir_, "ports"));
	return ports_list(b);
}

Result<void> PinnedObjects::write_ports(std::span<const std::uint16_t> ports)
{
	if (ports.empty())
		return Error{EINVAL, "ports: at least one service port is needed"};
	xdpdns_ports b = ports_bitmap(ports);
	if (bpf_map_update_elem(ports_fd_.get(), &kZero, &b, BPF_ANY))
		return sys_error(errno, "write " + pin_path(dir_, "ports"));
	return {};
}

Result<std::vector<Addr16>> PinnedObjects::read_addresses() const
{
	std::vector<Addr16> out;
	xdpdns_addr key, next;
	const void *prev = nullptr;
	// A hash map of at most XDPDNS_MAX_SERVICE_ADDRS keys, changed only
	// under the directory lock: a plain walk sees each key once.
	while (bpf_map_get_next_key(service_addrs_fd_.get(), prev, &next) == 0) {
		Addr16 a;
		std::memcpy(a.data(), next.a, a.size());
		out.push_back(a);
		key = next;
		prev = &key;
	}
	if (errno != ENOENT)
		return sys_error(errno, "walk " + pin_path(dir_, "service_addrs"));
	return normalize_addresses(std::move(out));
}

Result<void> PinnedObjects::write_addresses(std::span<const Addr16> addrs)
{
	if (auto r = check_address_count(addrs); !r)
		return r;
	const std::vector<Addr16> want = normalize_addresses({addrs.begin(), addrs.end()});
	auto lock = DirLock::take(dir_);
	if (!lock)
		return lock.error();
	auto old = read_addresses();
	if (!old)
		return old.error();
	const std::string what = pin_path(dir_, "service_addrs");
	const int fd = service_addrs_fd_.get();
	__u32 *flag = &config_.as<xdpdns_config>()->addr_filter_active;
	auto key_of = [](const Addr16 &a) {
		xdpdns_addr k;
		std::memcpy(k.a, a.data(), sizeof(k.a));
		return k;
	};
	auto add = [&](const std::vector<Addr16> &list) -> Result<void> {
		for (const auto &a : list) {
			const xdpdns_addr k = key_of(a);
			const __u8 one = 1;
			if (bpf_map_update_elem(fd, &k, &one, BPF_ANY))
				return sys_error(errno, "add " + format_address(a) + " to " + what);
		}
		return {};
	};
	auto remove_stale = [&]() -> Result<void> {
		for (const auto &a : *old) {
			if (std::binary_search(want.begin(), want.end(), a))
				continue;
			const xdpdns_addr k = key_of(a);
			if (bpf_map_delete_elem(fd, &k) && errno != ENOENT)
				return sys_error(errno, "delete " + format_address(a) + " from " + what);
		}
		return {};
	};

	if (want.empty()) {
		// Every address: lower the flag first, so no address of the old
		// set is passed to the host while the set empties.
		__atomic_store_n(flag, 0u, __ATOMIC_RELEASE);
		return remove_stale();
	}
	std::vector<Addr16> both;
	std::set_union(old->begin(), old->end(), want.begin(), want.end(), std::back_inserter(both));
	if (both.size() <= XDPDNS_MAX_SERVICE_ADDRS) {
		// Add, raise the flag (a raised flag over a set lacking the new
		// addresses would pass them to the host), then drop the old ones.
		if (auto r = add(want); !r)
			return r;
		__atomic_store_n(flag, 1u, __ATOMIC_RELEASE);
		return remove_stale();
	}
	// Old and new do not fit together: make room first.
	if (auto r = remove_stale(); !r)
		return r;
	if (auto r = add(want); !r)
		return r;
	__atomic_store_n(flag, 1u, __ATOMIC_RELEASE);
	return {};
}

xdpdns_keys PinnedObjects::read_keys() const
{
	const auto *k = keys_.as<const xdpdns_keys>();
	xdpdns_keys out{};
	out.current = __atomic_load_n(&k->current, __ATOMIC_ACQUIRE);
	out.generation = __atomic_load_n(&k->generation, __ATOMIC_RELAXED);
	for (std::uint32_t i = 0; i < XDPDNS_KEY_SLOTS; i++) {
		out.slot[i].k0 = __atomic_load_n(&k->slot[i].k0, __ATOMIC_RELAXED);
		out.slot[i].k1 = __atomic_load_n(&k->slot[i].k1, __ATOMIC_RELAXED);
	}
	return out;
}

Result<void> PinnedObjects::rotate_key()
{
	auto key = random_key();
	if (!key)
		return key.error();
	return rotate_key(*key);
}

Result<void> PinnedObjects::rotate_key(const xdpdns_siphash_key &key)
{
	auto lock = DirLock::take(dir_);
	if (!lock)
		return lock.error();
	auto *k = keys_.as<xdpdns_keys>();
	__u32 cur = __atomic_load_n(&k->current, __ATOMIC_RELAXED);
	if (cur >= XDPDNS_KEY_SLOTS)
		cur = 0;
	// Readers use `current` and the slot before it: the slot after it is
	// the oldest and unused, so writing it cannot tear a key in use.
	__u32 next = (cur + 1) % XDPDNS_KEY_SLOTS;
	__atomic_store_n(&k->slot[next].k0, key.k0, __ATOMIC_RELAXED);
	__atomic_store_n(&k->slot[next].k1, key.k1, __ATOMIC_RELAXED);
	__atomic_store_n(&k->current, next, __ATOMIC_RELEASE);
	__atomic_fetch_add(&k->generation, 1, __ATOMIC_RELAXED);
	return {};
}

Result<XdpCounters> PinnedObjects::read_stats() const
{
	int ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0)
		return sys_error(ncpus ? ncpus : EINVAL, "count possible CPUs");
	std::vector<std::uint64_t> percpu(static_cast<std::size_t>(ncpus));
	XdpCounters sum{};
	for (__u32 i = 0; i < XDPDNS_STAT_MAX; i++) {
		if (bpf_map_lookup_elem(stats_fd_.get(), &i, percpu.data()))
			return sys_error(errno, "read " + pin_path(dir_, "stats") + "[" + std::to_string(i) + "]");
		for (auto v : percpu)
			sum[i] += v;
	}
	return sum;
}

Result<MapMmap> PinnedObjects::map_dstats(bool writable) const
{
	constexpr std::size_t bytes =
		std::size_t{XDPDNS_DSTATS_MAX_WORKERS} * XDPDNS_DSTATS_ROW_U64 * sizeof(std::uint64_t);
	return MapMmap::map(dstats_fd_.get(), bytes, writable, pin_path(dir_, "dstats"));
}

Result<std::vector<DaemonCounters>> PinnedObjects::read_dstats_rows() const
{
	auto m = map_dstats(false);
	if (!m)
		return m.error();
	const auto *v = m->as<const std::uint64_t>();
	std::vector<DaemonCounters> rows(XDPDNS_DSTATS_MAX_WORKERS);
	for (std::size_t r = 0; r < rows.size(); r++)
		for (std::size_t i = 0; i < XDPDNS_DSTAT_MAX; i++)
			rows[r][i] = __atomic_load_n(&v[r * XDPDNS_DSTATS_ROW_U64 + i], __ATOMIC_RELAXED);
	return rows;
}

Result<std::vector<WorkerCounters>> PinnedObjects::read_dstats_workers() const
{
	auto m = map_dstats(false);
	if (!m)
		return m.error();
	const auto *v = m->as<const std::uint64_t>();
	std::vector<WorkerCounters> out;
	for (std::uint32_t r = 0; r < XDPDNS_DSTATS_MAX_WORKERS; r++) {
		const std::uint64_t *row = v + std::size_t(r) * XDPDNS_DSTATS_ROW_U64;
		const std::uint64_t q = __atomic_load_n(&row[XDPDNS_DSTATS_ROW_QUEUE], __ATOMIC_RELAXED);
		if (q == 0 || q > XDPDNS_MAX_QUEUES)
			continue;
		WorkerCounters w;
		w.row = r;
		w.queue = static_cast<std::uint32_t>(q - 1);
		for (std::size_t i = 0; i < XDPDNS_DSTAT_MAX; i++)
			w.counters[i] = __atomic_load_n(&row[i], __ATOMIC_RELAXED);
		out.push_back(w);
	}
	return out;
}

Result<DaemonCounters> PinnedObjects::read_dstats_sum() const
{
	auto rows = read_dstats_rows();
	if (!rows)
		return rows.error();
	DaemonCounters sum{};
	for (const auto &row : *rows)
		for (std::size_t i = 0; i < sum.size(); i++)
			sum[i] += row[i];
	return sum;
}

namespace {

// Reads the whole pmtu map with BPF_MAP_LOOKUP_BATCH. It walks the hash
// buckets in order, so a key is seen at most once even while the XDP
// program inserts and the LRU evicts; get_next_key restarts from the first
// bucket whenever the previous key was evicted, and under a flood of Packet
// Too Big messages listed entries several times.
Result<std::vector<PmtuEntry>> read_pmtu_map(int fd, const std::string &what)
{
	constexpr __u32 kChunk = 256;
	std::vector<PmtuEntry> out;
	std::vector<xdpdns_addr> keys(kChunk);
	std::vector<xdpdns_pmtu> values(kChunk);
	__u32 token = 0;
	bool first = true;
	for (;;) {
		__u32 count = kChunk;
		DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, opts);
		const int err = bpf_map_lookup_batch(fd, first ? nullptr : &token, &token, keys.data(),
						     values.data(), &count, &opts);
		const int saved = errno;
		first = false;
		for (__u32 i = 0; i < count; i++) {
			PmtuEntry e;
			std::memcpy(e.addr.data(), keys[i].a, 16);
			e.mtu = values[i].mtu;
			e.updated_ns = values[i].updated_ns;
			out.push_back(e);
		}
		if (err == 0)
			continue;
		if (saved == ENOENT)  // every bucket read
			return out;
		return sys_error(saved, "read " + what);
	}
}

}  // namespace

Result<std::vector<PmtuEntry>> PinnedObjects::pmtu_list() const
{
	return read_pmtu_map(pmtu_fd_.get(), pin_path(dir_, "pmtu"));
}

Result<std::size_t> PinnedObjects::pmtu_flush()
{
	auto entries = read_pmtu_map(pmtu_fd_.get(), pin_path(dir_, "pmtu"));
	if (!entries)
		return entries.error();
	std::size_t removed = 0;
	for (const auto &e : *entries) {
		xdpdns_addr k;
		std::memcpy(k.a, e.addr.data(), 16);
		if (bpf_map_delete_elem(pmtu_fd_.get(), &k) == 0)
			removed++;
		else if (errno != ENOENT)
			return sys_error(errno, "delete from " + pin_path(dir_, "pmtu"));
	}
	return removed;
}

Result<std::vector<StoredAnswer>> PinnedObjects::answers_list(std::size_t limit) const
{
	std::vector<StoredAnswer> out;
	const std::string outer = pin_path(dir_, "answers");
	__u32 id = 0;
	if (bpf_map_lookup_elem(answers_fd_.get(), &kZero, &id)) {
		if (errno == ENOENT)
			return out;  // no map installed
		return sys_error(errno, "read the slot of " + outer);
	}
	Fd inner(bpf_map_get_fd_by_id(id));
	if (!inner.valid())
		return sys_error(errno, "open the answer map (id " + std::to_string(id) + ") of " + outer);
	xdpdns_answer_key key, next;
	const void *prev = nullptr;
	while (out.size() < limit && bpf_map_get_next_key(inner.get(), prev, &next) == 0) {
		StoredAnswer a;
		a.key = next;
		if (bpf_map_lookup_elem(inner.get(), &next, &a.answer) == 0)
			out.push_back(a);
		else if (errno != ENOENT)
			return sys_error(errno, "read the answer map (id " + std::to_string(id) + ")");
		key = next;
		prev = &key;
	}
	if (out.size() < limit && errno != ENOENT)
		return sys_error(errno, "walk the answer map (id " + std::to_string(id) + ")");
	return out;
}

Result<bool> PinnedObjects::answers_flush()
{
	bool had = true;
	if (bpf_map_delete_elem(answers_fd_.get(), &kZero)) {
		if (errno != ENOENT)
			return sys_error(errno, "empty " + pin_path(dir_, "answers"));
		had = false;
	}
	__atomic_fetch_add(&config_.as<xdpdns_config>()->answers_flush, 1u, __ATOMIC_RELAXED);
	return had;
}

Result<std::vector<Prefix>> PinnedObjects::atr_allow_list() const
{
	return lpm_prefixes(atr_allow_fd_.get(), pin_path(dir_, "atr_allow"));
}

Result<void> PinnedObjects::set_atr_active()
{
	auto any = lpm_any(atr_allow_fd_.get(), pin_path(dir_, "atr_allow"));
	if (!any)
		return any.error();
	__atomic_store_n(&config_.as<xdpdns_config>()->atr_allow_active, *any ? 1u : 0u, __ATOMIC_RELEASE);
	return {};
}

Result<void> PinnedObjects::atr_allow_add(const Prefix &p)
{
	auto lock = DirLock::take(dir_);
	if (!lock)
		return lock.error();
	xdpdns_lpm_key k = to_lpm_key(p);
	__u8 one = 1;
	// Insert before raising the flag: a raised flag over an empty trie
	// would deny every client for a moment.
	if (bpf_map_update_elem(atr_allow_fd_.get(), &k, &one, BPF_NOEXIST)) {
		if (errno == EEXIST)
			return Error{EEXIST, "atr allow: " + format_prefix(p) + " is already in the allow-list"};
		return sys_error(errno, "add " + format_prefix(p) + " to " + pin_path(dir_, "atr_allow"));
	}
	return set_atr_active();
}

Result<void> PinnedObjects::atr_allow_del(const Prefix &p)
{
	auto lock = DirLock::take(dir_);
	if (!lock)
		return lock.error();
	xdpdns_lpm_key k = to_lpm_key(p);
	auto list = atr_allow_list();
	if (!list)
		return list.error();
	bool present = false;
	for (const auto &e : *list)
		present |= e == p;
	if (!present)
		return Error{ENOENT, "atr allow: " + format_prefix(p) + " is not in the allow-list"};
	// Removing the last prefix: lower the flag first, so that clients are
	// never denied by an empty list (empty means everyone).
	if (list->size() == 1)
		__atomic_store_n(&config_.as<xdpdns_config>()->atr_allow_active, 0u, __ATOMIC_RELEASE);
	if (bpf_map_delete_elem(atr_allow_fd_.get(), &k)) {
		int err = errno;
		(void)set_atr_active();
		return sys_error(err, "delete " + format_prefix(p) + " from " + pin_path(dir_, "atr_allow"));
	}
	return set_atr_active();
}

Result<std::uint32_t> PinnedObjects::prog_main_id() const
{
	bpf_prog_info info{};
	__u32 len = sizeof(info);
	if (int err = bpf_obj_get_info_by_fd(prog_main_fd_.get(), &info, &len))
		return sys_error(err, "inspect " + pin_path(dir_, kProgMainPin));
	return info.id;
}

}  // namespace xdpdns
