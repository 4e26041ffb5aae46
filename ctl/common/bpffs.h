// Where the pins live, and making sure they can.
//
// Pin directory: /sys/fs/bpf/xdpdns/<IFACE>@<NETNS>/ where NETNS is the inode
// number of the caller's network namespace (`readlink /proc/self/ns/net`,
// e.g. eth0@4026531840). bpffs belongs to the mount namespace, not to the
// network namespace, so processes entered with `nsenter --net=...` share one
// bpffs: without the namespace in the name, two namespaces each with an
// `eth0` would share (and clobber) one pin directory. The inode is the only
// identity every namespace has (the initial one cannot be recognised from
// inside a container), so it is used everywhere, uniformly.
// (`ip netns exec` remounts /sys and hides bpffs: use nsenter --net instead.)
//
// Inside it: one pin per map, named as the map (config, ports, keys, xsks,
// stats, dstats, pmtu, atr_allow, service_addrs), and the programs prog_main
// and prog_atr.
#pragma once

#include "result.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace xdpdns {

inline constexpr const char *kBpffsMount = "/sys/fs/bpf";
inline constexpr const char *kPinRoot = "/sys/fs/bpf/xdpdns";
inline constexpr std::array<const char *, 13> kMapPinNames = {
	"config", "ports", "keys", "xsks", "stats", "dstats", "pmtu", "atr_allow", "service_addrs", "tcp_conns",
	"answers", "rrl", "rrl_exempt"};
inline constexpr const char *kProgMainPin = "prog_main";
inline constexpr const char *kProgAtrPin = "prog_atr";

// Makes /sys/fs/bpf a bpffs (statfs magic BPF_FS_MAGIC), mounting one if it
// is not; serialised with a lock file so parallel callers never stack mounts.
Result<void> ensure_bpffs();

// Inode number of the caller's network namespace.
Result<std::uint64_t> current_netns_inode();

// "/sys/fs/bpf/xdpdns/<ifname>@<netns inode>".
Result<std::string> pin_dir(std::string_view ifname);
// dir + "/" + name.
std::string pin_path(std::string_view dir, std::string_view name);

// Interfaces of the caller's network namespace that have a pin directory,
// sorted by name. Empty (not an error) when nothing is pinned.
Result<std::vector<std::string>> pinned_interfaces();

// Unlinks every pin we create (missing ones are fine), then the directory.
// A directory holding anything else is left in place and reported.
Result<void> remove_pin_dir(const std::string &dir);

}  // namespace xdpdns
