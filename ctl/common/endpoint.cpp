#include "endpoint.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace xdpdns {

namespace {

Error endpoint_error(std::string_view text, std::string_view reason)
{
	std::string m = "upstream \"";
	m.append(text);
	m += "\": ";
	m.append(reason);
	return Error{EINVAL, std::move(m)};
}

Result<std::uint16_t> parse_port(std::string_view text, std::string_view port)
{
	if (port.empty())
		return endpoint_error(text, "empty port");
	unsigned long v = 0;
	auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
	if (ec == std::errc::result_out_of_range || (ec == std::errc{} && end == port.data() + port.size() &&
						     (v == 0 || v > 65535)))
		return endpoint_error(text, "port " + std::string(port) + " is out of range 1..65535");
	if (ec != std::errc{} || end != port.data() + port.size())
		return endpoint_error(text, "port \"" + std::string(port) + "\" is not a number");
	return static_cast<std::uint16_t>(v);
}

}  // namespace

std::uint16_t Endpoint::port() const
{
	if (family() == AF_INET)
		return ntohs(reinterpret_cast<const sockaddr_in *>(&addr)->sin_port);
	if (family() == AF_INET6)
		return ntohs(reinterpret_cast<const sockaddr_in6 *>(&addr)->sin6_port);
	return 0;
}

bool same_endpoint(const Endpoint &e, const sockaddr_storage &from)
{
	if (e.family() != from.ss_family)
		return false;
	if (from.ss_family == AF_INET) {
		const auto *a = reinterpret_cast<const sockaddr_in *>(&e.addr);
		const auto *b = reinterpret_cast<const sockaddr_in *>(&from);
		return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
	}
	if (from.ss_family == AF_INET6) {
		const auto *a = reinterpret_cast<const sockaddr_in6 *>(&e.addr);
		const auto *b = reinterpret_cast<const sockaddr_in6 *>(&from);
		return a->sin6_port == b->sin6_port &&
		       std::memcmp(&a->sin6_addr, &b->sin6_addr, sizeof a->sin6_addr) == 0;
	}
	return false;
}

Result<Endpoint> parse_endpoint(std::string_view text)
{
	if (text.empty())
		return Error{EINVAL, "upstream address is empty"};

	std::string_view host = text;
	std::string_view port;
	bool have_port = false;
	bool bracketed = false;
	if (text.front() == '[') {
		const size_t close = text.find(']');
		if (close == std::string_view::npos)
			return endpoint_error(text, "missing ']' after the IPv6 address");
		host = text.substr(1, close - 1);
		bracketed = true;
		const std::string_view rest = text.substr(close + 1);
		if (!rest.empty()) {
			if (rest.front() != ':')
				return endpoint_error(text, "expected ':PORT' after ']'");
			port = rest.substr(1);
			have_port = true;
		}
	} else if (const size_t colon = text.find(':'); colon != std::string_view::npos &&
						       text.find(':', colon + 1) == std::string_view::npos) {
		host = text.substr(0, colon);
		port = text.substr(colon + 1);
		have_port = true;
	}
	if (host.empty())
		return endpoint_error(text, "no address");

	std::uint16_t port_no = default_dns_port;
	if (have_port) {
		auto p = parse_port(text, port);
		if (!p)
			return p.error();
		port_no = *p;
	}

	char buf[INET6_ADDRSTRLEN + 1];
	if (host.size() >= sizeof buf)
		return endpoint_error(text, "not an IPv4 or IPv6 address");
	std::memcpy(buf, host.data(), host.size());
	buf[host.size()] = '\0';

	Endpoint e;
	auto *v4 = reinterpret_cast<sockaddr_in *>(&e.addr);
	auto *v6 = reinterpret_cast<sockaddr_in6 *>(&e.addr);
	if (inet_pton(AF_INET, buf, &v4->sin_addr) == 1) {
		if (bracketed)
			return endpoint_error(text, "brackets are only for IPv6 addresses");
		v4->sin_family = AF_INET;
		v4->sin_port = htons(port_no);
		e.len = sizeof(sockaddr_in);
		return e;
	}
	if (inet_pton(AF_INET6, buf, &v6->sin6_addr) == 1) {
		if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
			// Sent from the IPv4 socket: the IPv6 one is IPV6_V6ONLY.
			in_addr a;
			std::memcpy(&a, &v6->sin6_addr.s6_addr[12], sizeof a);
			e = Endpoint{};
			v4->sin_family = AF_INET;
			v4->sin_port = htons(port_no);
			v4->sin_addr = a;
			e.len = sizeof(sockaddr_in);
			return e;
		}
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(port_no);
		e.len = sizeof(sockaddr_in6);
		return e;
	}
	return endpoint_error(text, "not an IPv4 or IPv6 address");
}

}  // namespace xdpdns
