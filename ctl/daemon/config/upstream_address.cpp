#include "upstream_address.h"

#include "common/ports.h"

#include <cerrno>
#include <string>

namespace xdpdns::daemon::config {
namespace {

Error bad(std::string_view text, const std::string &why)
{
	return Error{EINVAL, "'" + std::string(text) + "': " + why};
}

// parse_port() says "port: 0 is out of range 1..65535"; here the port is
// part of a larger value, so it reads "port 0 is out of range ...".
Result<std::uint16_t> port_of(std::string_view whole, std::string_view port)
{
	auto p = parse_port(port);
	if (p)
		return *p;
	std::string msg = p.error().message;
	if (msg.rfind("port: ", 0) == 0)
		msg = "port " + msg.substr(6);
	return Error{p.error().err, "'" + std::string(whole) + "': " + msg};
}

}  // namespace

Result<UpstreamAddress> parse_upstream_address(std::string_view text)
{
	UpstreamAddress out;
	std::string_view host = text, port;

	if (text.empty())
		return Error{EINVAL, "empty address (ADDR[:PORT], IPv6 in brackets)"};

	if (!text.empty() && text.front() == '[') {
		auto close = text.find(']');
		if (close == std::string_view::npos)
			return bad(text, "missing ']' after the IPv6 address");
		host = text.substr(1, close - 1);
		std::string_view rest = text.substr(close + 1);
		if (!rest.empty()) {
			if (rest.front() != ':')
				return bad(text, "expected ':PORT' after ']'");
			port = rest.substr(1);
			if (port.empty())
				return bad(text, "missing port after ':'");
		}
		auto a = parse_address(host);
		if (!a || is_v4_mapped(*a))
			return bad(text, "'" + std::string(host) + "' is not an IPv6 address");
		out.addr = *a;
	} else {
		auto colon = text.find(':');
		if (colon != std::string_view::npos && text.find(':', colon + 1) != std::string_view::npos) {
			if (parse_address(text))
				return bad(text, "write IPv6 addresses in brackets, e.g. [" +
							 std::string(text) + "] or [" + std::string(text) + "]:53");
			return bad(text, "not an address (ADDR[:PORT], IPv6 in brackets)");
		}
		if (colon != std::string_view::npos) {
			host = text.substr(0, colon);
			port = text.substr(colon + 1);
			if (port.empty())
				return bad(text, "missing port after ':'");
		}
		auto a = parse_address(host);
		if (!a || !is_v4_mapped(*a))
			return bad(text, "'" + std::string(host) +
						 "' is not an IPv4 address (ADDR[:PORT], IPv6 in brackets)");
		out.addr = *a;
	}
	if (!port.empty()) {
		auto p = port_of(text, port);
		if (!p)
			return p.error();
		out.port = *p;
	}
	return out;
}

}  // namespace xdpdns::daemon::config
