#include "attach.h"

#include "bpffs.h"
#include "cookie_key.h"
#include "fd.h"
#include "knobs.h"
#include "ports.h"
#include "service_addresses.h"
#include "skeleton.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace xdpdns {
namespace {

Result<std::uint32_t> prog_id_of(int fd, const std::string &what)
{
	bpf_prog_info info{};
	__u32 len = sizeof(info);
	if (int err = bpf_obj_get_info_by_fd(fd, &info, &len))
		return sys_error(err, "inspect " + what);
	return info.id;
}

std::string prog_name_of_id(std::uint32_t id)
{
	Fd fd(bpf_prog_get_fd_by_id(id));
	if (!fd.valid())
		return "?";
	bpf_prog_info info{};
	__u32 len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd.get(), &info, &len))
		return "?";
	return info.name[0] ? info.name : "?";
}

// Id of the pinned prog_main in `dir`, or an error if it cannot be opened.
Result<std::uint32_t> pinned_prog_id(const std::string &dir)
{
	std::string path = pin_path(dir, kProgMainPin);
	Fd fd(bpf_obj_get(path.c_str()));
	if (!fd.valid())
		return sys_error(errno, "open pinned program " + path);
	return prog_id_of(fd.get(), path);
}

bool exists(const std::string &path)
{
	struct stat st;
	return stat(path.c_str(), &st) == 0;
}

Result<void> make_pin_root()
{
	if (mkdir(kPinRoot, 0700) != 0 && errno != EEXIST)
		return sys_error(errno, std::string("create ") + kPinRoot);
	return {};
}

std::string quote(std::string_view s)
{
	return "'" + std::string(s) + "'";
}

// The part of attach() after the pin directory is ours; the caller rolls
// back (unpins, removes the directory) when this fails.
Result<void> load_pin_attach(const AttachOptions &opts, int ifindex, const std::string &dir)
{
	auto skel = open_xdpdns_skeleton(opts.pmtu_entries, opts.rrl_buckets);
	if (!skel)
		return skel.error();
	if (auto r = skel->load("xdpdns"); !r)
		return r;

	auto &maps = (*skel)->maps;
	const __u32 zero = 0;
	const std::vector<Addr16> addresses = normalize_addresses(opts.addresses);
	for (const auto &a : addresses) {
		xdpdns_addr key;
		std::memcpy(key.a, a.data(), sizeof(key.a));
		const __u8 one = 1;
		if (bpf_map_update_elem(bpf_map__fd(maps.service_addrs), &key, &one, BPF_NOEXIST))
			return sys_error(errno, "write service_addrs map (" + format_address(a) + ")");
	}
	xdpdns_config config = opts.config ? *opts.config : config_defaults();
	config.abi_version = XDPDNS_ABI_VERSION;
	config.atr_allow_active = 0;  // the allow-list starts empty
	config.rrl_exempt_active = 0;  // so does the RRL exempt list
	config.addr_filter_active = addresses.empty() ? 0 : 1;
	// The daemon keeps it current; without one, SYNs are still answered
	// (in this epoch).
	config.cookie_epoch = now_epoch(config.cookie_epoch_s);
	if (bpf_map_update_elem(bpf_map__fd(maps.config), &zero, &config, BPF_ANY))
		return sys_error(errno, "write config map");

	xdpdns_ports ports = ports_bitmap(opts.ports);
	if (bpf_map_update_elem(bpf_map__fd(maps.ports), &zero, &ports, BPF_ANY))
		return sys_error(errno, "write ports map");

	auto keys = random_keys();
	if (!keys)
		return keys.error();
	if (opts.key)
		keys->slot[keys->current] = *opts.key;
	if (bpf_map_update_elem(bpf_map__fd(maps.keys), &zero, &*keys, BPF_ANY))
		return sys_error(errno, "write keys map");

	struct bpf_map *all_maps[] = {maps.config, maps.ports,  maps.keys,      maps.xsks,
				      maps.stats,  maps.dstats, maps.pmtu,      maps.atr_allow,
				      maps.service_addrs, maps.tcp_conns, maps.answers, maps.rrl,
				      maps.rrl_exempt};
	static_assert(std::size(all_maps) == kMapPinNames.size());
	for (std::size_t i = 0; i < std::size(all_maps); i++) {
		std::string path = pin_path(dir, kMapPinNames[i]);
		if (int err = bpf_map__pin(all_maps[i], path.c_str()))
			return sys_error(err, "pin map " + path);
	}
	auto &progs = (*skel)->progs;
	std::string main_path = pin_path(dir, kProgMainPin), atr_path = pin_path(dir, kProgAtrPin);
	if (int err = bpf_program__pin(progs.xdpdns_main, main_path.c_str()))
		return sys_error(err, "pin program " + main_path);
	if (int err = bpf_program__pin(progs.xdpdns_atr, atr_path.c_str()))
		return sys_error(err, "pin program " + atr_path);

	// Last step, so a failure before it never touched the interface.
	__u32 flags = XDP_FLAGS_UPDATE_IF_NOEXIST |
		      (opts.mode == XdpMode::Native ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE);
	if (int err = bpf_xdp_attach(ifindex, bpf_program__fd(progs.xdpdns_main), flags, nullptr)) {
		if (opts.mode == XdpMode::Native && (err == -EOPNOTSUPP || err == -EINVAL))
			return sys_error(err, "attach XDP in native mode to " + opts.ifname +
						      " (driver lacks native XDP? try --mode skb)");
		if (err == -EBUSY || err == -EEXIST)
			return sys_error(err, "attach XDP to " + opts.ifname +
						      ": another XDP program was attached meanwhile");
		return sys_error(err, "attach XDP to " + opts.ifname);
	}
	return {};
}

}  // namespace

Result<void> check_rrl_buckets(std::uint32_t buckets)
{
	if (buckets < XDPDNS_RRL_MIN_BUCKETS || buckets > XDPDNS_RRL_MAX_BUCKETS || (buckets & (buckets - 1)))
		return Error{ERANGE, "rrl table size: " + std::to_string(buckets) + " is not a power of two in " +
					     std::to_string(XDPDNS_RRL_MIN_BUCKETS) + ".." +
					     std::to_string(XDPDNS_RRL_MAX_BUCKETS)};
	return {};
}

Result<XdpMode> parse_xdp_mode(std::string_view text)
{
	if (text == "native")
		return XdpMode::Native;
	if (text == "skb")
		return XdpMode::Skb;
	return Error{EINVAL, "mode " + quote(text) + " is not valid; valid modes: native, skb"};
}

std::string_view xdp_mode_name(XdpMode mode)
{
	return mode == XdpMode::Native ? "native" : "skb";
}

Result<int> resolve_ifindex(std::string_view ifname)
{
	if (ifname.empty() || ifname.size() >= IF_NAMESIZE)
		return Error{EINVAL, "interface " + quote(ifname) + " is not a valid interface name"};
	unsigned idx = if_nametoindex(std::string(ifname).c_str());
	if (idx == 0)
		return Error{ENODEV, "interface " + quote(ifname) +
					     " not found in this network namespace"};
	return static_cast<int>(idx);
}

Result<XdpAttachment> query_xdp(int ifindex)
{
	bpf_xdp_query_opts q{};
	q.sz = sizeof(q);
	if (int err = bpf_xdp_query(ifindex, 0, &q))
		return sys_error(err, "query XDP program of ifindex " + std::to_string(ifindex));
	XdpAttachment a;
	switch (q.attach_mode) {
	case XDP_ATTACHED_DRV:
		a = {q.drv_prog_id, "native", XDP_FLAGS_DRV_MODE};
		break;
	case XDP_ATTACHED_SKB:
		a = {q.skb_prog_id, "skb", XDP_FLAGS_SKB_MODE};
		break;
	case XDP_ATTACHED_HW:
		a = {q.hw_prog_id, "hw", XDP_FLAGS_HW_MODE};
		break;
	case XDP_ATTACHED_MULTI:
		a = {q.drv_prog_id ? q.drv_prog_id : q.skb_prog_id, "multi",
		     q.drv_prog_id ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE};
		break;
	default:
		a = {0, "none", 0};
		break;
	}
	return a;
}

namespace {

// One attach/detach at a time: a concurrent attach must not mistake a
// half-pinned directory for stale pins and remove it. A detach removes the
// root when it empties it, possibly while we wait for the lock: then the
// lock holds a removed directory, and we lock the current one. With
// `create` the root is made first (attach); without, no root means nothing
// to lock (nullopt).
Result<std::optional<DirLock>> lock_pin_root(bool create)
{
	for (int tries = 0; tries < 8; tries++) {
		if (create) {
			if (auto r = make_pin_root(); !r)
				return r.error();
		} else if (!exists(kPinRoot)) {
			return std::optional<DirLock>{};
		}
		auto l = DirLock::take(kPinRoot);
		if (!l && l.error().err != ENOENT)
			return l.error();
		if (l && l->still_at(kPinRoot))
			return std::optional<DirLock>{std::move(*l)};
	}
	return Error{EAGAIN, std::string("cannot lock ") + kPinRoot + ": removed again and again meanwhile"};
}

// The last interface gone: leave nothing of ours in bpffs. Fails with
// ENOTEMPTY while other interfaces (or namespaces) have pins: fine.
void remove_pin_root_if_empty()
{
	(void)rmdir(kPinRoot);
}

// attach() after the validation, holding the pin-root lock.
Result<void> attach_locked(const AttachOptions &opts, int ifindex)
{
	auto dir = pin_dir(opts.ifname);
	if (!dir)
		return dir.error();
	auto cur = query_xdp(ifindex);
	if (!cur)
		return cur.error();

	if (exists(*dir)) {
		auto pinned = pinned_prog_id(*dir);
		if (pinned && cur->prog_id == *pinned)
			return Error{EEXIST, "xdpdns is already attached to " + opts.ifname +
						     " (program id " + std::to_string(*pinned) +
						     ", pins in " + *dir + ")"};
		// Our pins, but their program is not on this interface: left over
		// from an interface that was deleted and recreated, or from a
		// detach by other means. Nothing else can use this name.
		if (auto r = remove_pin_dir(*dir); !r)
			return r;
		if (opts.note)
			opts.note("removed stale pins in " + *dir + " (their program" +
				  (pinned ? " id " + std::to_string(*pinned) : std::string()) +
				  " is not attached to " + opts.ifname + ")");
	}
	if (cur->prog_id != 0)
		return Error{EBUSY, "interface " + opts.ifname + " already has an XDP program (id " +
					    std::to_string(cur->prog_id) + ", name " +
					    prog_name_of_id(cur->prog_id) + ", " + cur->mode +
					    " mode); detach it first"};

	// The directory doubles as a lock against a concurrent attach.
	if (mkdir(dir->c_str(), 0700) != 0) {
		if (errno == EEXIST)
			return Error{EEXIST, "xdpdns is already being attached to " + opts.ifname +
						     " (pin directory " + *dir + " exists)"};
		return sys_error(errno, "create pin directory " + *dir);
	}
	auto r = load_pin_attach(opts, ifindex, *dir);
	if (!r) {
		// The attach is the last step of load_pin_attach, so nothing is on
		// the interface: unpinning releases every object.
		(void)remove_pin_dir(*dir);
		return r;
	}
	return {};
}

}  // namespace

Result<void> attach(const AttachOptions &opts)
{
	// Validate everything before touching the system.
	if (opts.ports.empty())
		return Error{EINVAL, "attach " + opts.ifname + ": no service port given"};
	for (auto p : opts.ports)
		if (p == 0)
			return Error{ERANGE, "port: 0 is out of range 1..65535"};
	if (auto r = check_address_count(opts.addresses); !r)
		return r;
	if (opts.pmtu_entries < 1 || opts.pmtu_entries > kMaxPmtuEntries)
		return Error{ERANGE, "pmtu entries: " + std::to_string(opts.pmtu_entries) +
					     " is out of range 1.." + std::to_string(kMaxPmtuEntries)};
	if (auto r = check_rrl_buckets(opts.rrl_buckets); !r)
		return r;
	auto ifindex = resolve_ifindex(opts.ifname);
	if (!ifindex)
		return ifindex.error();
	if (auto r = ensure_bpffs(); !r)
		return r;
	auto lock = lock_pin_root(true);
	if (!lock)
		return lock.error();
	auto r = attach_locked(opts, *ifindex);
	if (!r)
		remove_pin_root_if_empty();  // made for this attach, perhaps
	return r;
}

Result<void> detach(std::string_view ifname, const NoteFn &note)
{
	auto ifindex = resolve_ifindex(ifname);
	if (auto r = ensure_bpffs(); !r)
		return r;
	auto dir = pin_dir(ifname);
	if (!dir)
		return dir.error();
	auto lock = lock_pin_root(false);
	if (!lock)
		return lock.error();
	if (!exists(*dir)) {
		if (!ifindex)
			return ifindex.error();
		return Error{ENOENT, "xdpdns is not attached to " + std::string(ifname) +
					     " (no pins in " + *dir + ")"};
	}

	std::string main_path = pin_path(*dir, kProgMainPin);
	Fd prog(bpf_obj_get(main_path.c_str()));
	std::optional<std::uint32_t> pinned;
	if (prog.valid())
		if (auto id = prog_id_of(prog.get(), main_path))
			pinned = *id;

	if (!ifindex) {
		if (note)
			note("interface " + std::string(ifname) + " is gone; removing its pins");
	} else {
		auto cur = query_xdp(*ifindex);
		if (!cur)
			return cur.error();
		if (pinned && cur->prog_id == *pinned) {
			bpf_xdp_attach_opts o{};
			o.sz = sizeof(o);
			o.old_prog_fd = prog.get();  // XDP_FLAGS_REPLACE: only if still ours
			if (int err = bpf_xdp_detach(*ifindex, cur->flags, &o))
				return sys_error(err, "detach XDP program " + std::to_string(*pinned) +
							      " from " + std::string(ifname));
		} else if (note) {
			note("the pinned program is not attached to " + std::string(ifname) +
			     (cur->prog_id ? " (program id " + std::to_string(cur->prog_id) +
						     " left in place)"
					   : std::string()) +
			     "; removing its pins");
		}
	}
	prog.reset();
	if (auto r = remove_pin_dir(*dir); !r)
		return r;
	remove_pin_root_if_empty();
	return {};
}

}  // namespace xdpdns
