#include "bpffs.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>

namespace xdpdns {
namespace {

// Serialises check-then-mount between concurrent xdpdnsctl/xdpdnsd runs.
constexpr const char *kMountLock = "/run/xdpdns-bpffs.lock";

bool is_bpffs(const char *path)
{
	struct statfs st;
	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

}  // namespace

Result<void> ensure_bpffs()
{
	if (is_bpffs(kBpffsMount))
		return {};
	int lock = open(kMountLock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock >= 0 && flock(lock, LOCK_EX) != 0) {
		close(lock);
		lock = -1;
	}
	Result<void> result;
	if (!is_bpffs(kBpffsMount) && mount("bpf", kBpffsMount, "bpf", 0, "mode=0700") != 0)
		result = sys_error(errno, std::string("mount bpffs on ") + kBpffsMount);
	if (lock >= 0)
		close(lock);  // releases the flock
	return result;
}

Result<std::uint64_t> current_netns_inode()
{
	struct stat st;
	if (stat("/proc/self/ns/net", &st) != 0)
		return sys_error(errno, "stat /proc/self/ns/net");
	return static_cast<std::uint64_t>(st.st_ino);
}

std::string pin_path(std::string_view dir, std::string_view name)
{
	std::string p(dir);
	p += '/';
	p += name;
	return p;
}

Result<std::string> pin_dir(std::string_view ifname)
{
	auto ns = current_netns_inode();
	if (!ns)
		return ns.error();
	return std::string(kPinRoot) + "/" + std::string(ifname) + "@" + std::to_string(*ns);
}

Result<std::vector<std::string>> pinned_interfaces()
{
	auto ns = current_netns_inode();
	if (!ns)
		return ns.error();
	const std::string suffix = "@" + std::to_string(*ns);
	std::vector<std::string> names;

	std::unique_ptr<DIR, int (*)(DIR *)> dir(opendir(kPinRoot), closedir);
	if (!dir) {
		if (errno == ENOENT)
			return names;
		return sys_error(errno, std::string("open ") + kPinRoot);
	}
	while (struct dirent *e = readdir(dir.get())) {
		std::string_view n = e->d_name;
		if (n.size() > suffix.size() && n.ends_with(suffix))
			names.emplace_back(n.substr(0, n.size() - suffix.size()));
	}
	std::sort(names.begin(), names.end());
	return names;
}

Result<void> remove_pin_dir(const std::string &dir)
{
	auto unpin = [&](const char *name) -> Result<void> {
		std::string p = pin_path(dir, name);
		if (unlink(p.c_str()) != 0 && errno != ENOENT)
			return sys_error(errno, "unlink " + p);
		return {};
	};
	for (const char *n : kMapPinNames)
		if (auto r = unpin(n); !r)
			return r;
	for (const char *n : {kProgMainPin, kProgAtrPin})
		if (auto r = unpin(n); !r)
			return r;
	if (rmdir(dir.c_str()) != 0 && errno != ENOENT)
		return sys_error(errno, "remove pin directory " + dir);
	return {};
}

}  // namespace xdpdns
