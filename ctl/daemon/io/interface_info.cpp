#include "daemon/io/interface_info.h"

#include "common/fd.h"

#include <xdpdns/abi.h>

#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace xdpdns::daemon {

namespace {

Result<Fd> ioctl_socket(const std::string &ifname)
{
	if (ifname.empty() || ifname.size() >= IFNAMSIZ)
		return Error{EINVAL, "interface name '" + ifname + "' is not valid"};
	Fd fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	if (!fd.valid())
		return sys_error(errno, "socket for interface ioctls");
	return fd;
}

}  // namespace

Result<std::uint32_t> rx_queue_count(const std::string &ifname)
{
	auto fd = ioctl_socket(ifname);
	if (!fd)
		return fd.error();
	ethtool_channels ch{};
	ch.cmd = ETHTOOL_GCHANNELS;
	ifreq ifr{};
	std::strncpy(ifr.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
	ifr.ifr_data = reinterpret_cast<char *>(&ch);
	if (ioctl(fd->get(), SIOCETHTOOL, &ifr) < 0) {
		if (errno == EOPNOTSUPP)
			return 1u;
		return sys_error(errno, "RX queues of " + ifname + " (ETHTOOL_GCHANNELS)");
	}
	const std::uint32_t n = ch.combined_count + ch.rx_count;
	return std::clamp<std::uint32_t>(n, 1, XDPDNS_MAX_QUEUES);
}

Result<std::uint32_t> interface_mtu(const std::string &ifname)
{
	auto fd = ioctl_socket(ifname);
	if (!fd)
		return fd.error();
	ifreq ifr{};
	std::strncpy(ifr.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
	if (ioctl(fd->get(), SIOCGIFMTU, &ifr) < 0)
		return sys_error(errno, "MTU of " + ifname);
	return static_cast<std::uint32_t>(ifr.ifr_mtu);
}

}  // namespace xdpdns::daemon
