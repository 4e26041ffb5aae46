#include "daemon/dnstap/encoder.h"

#include "dnstap.pb-c.h"

namespace xdpdns::daemon::dnstap {
namespace {

ProtobufCBinaryData bytes(const void *p, std::size_t n)
{
	return ProtobufCBinaryData{n, static_cast<std::uint8_t *>(const_cast<void *>(p))};
}

// Fills `d` and `m` (pointing into `e` and `id`, which outlive them).
void fill(const TapEvent &e, const Identity &id, Dnstap__Dnstap &d, Dnstap__Message &m)
{
	const bool response = e.kind == TapEvent::Kind::auth_response;
	m.type = response ? DNSTAP__MESSAGE__TYPE__AUTH_RESPONSE : DNSTAP__MESSAGE__TYPE__AUTH_QUERY;
	m.has_socket_family = 1;
	m.socket_family = e.ipv6 ? DNSTAP__SOCKET_FAMILY__INET6 : DNSTAP__SOCKET_FAMILY__INET;
	m.has_socket_protocol = 1;
	m.socket_protocol = e.tcp ? DNSTAP__SOCKET_PROTOCOL__TCP : DNSTAP__SOCKET_PROTOCOL__UDP;
	const std::size_t alen = e.ipv6 ? 16 : 4;
	const std::size_t aoff = e.ipv6 ? 0 : 12;
	// The query's initiator is the client, its responder us, for both kinds.
	m.has_query_address = 1;
	m.query_address = bytes(e.client.data() + aoff, alen);
	m.has_response_address = 1;
	m.response_address = bytes(e.server.data() + aoff, alen);
	m.has_query_port = 1;
	m.query_port = e.client_port;
	m.has_response_port = 1;
	m.response_port = e.server_port;
	if (response) {
		m.has_response_time_sec = m.has_response_time_nsec = 1;
		m.response_time_sec = e.time_sec;
		m.response_time_nsec = e.time_nsec;
		m.has_response_message = 1;
		m.response_message = bytes(e.message.data(), e.message.size());
	} else {
		m.has_query_time_sec = m.has_query_time_nsec = 1;
		m.query_time_sec = e.time_sec;
		m.query_time_nsec = e.time_nsec;
		m.has_query_message = 1;
		m.query_message = bytes(e.message.data(), e.message.size());
	}
	if (!id.identity.empty()) {
		d.has_identity = 1;
		d.identity = bytes(id.identity.data(), id.identity.size());
	}
	if (!id.version.empty()) {
		d.has_version = 1;
		d.version = bytes(id.version.data(), id.version.size());
	}
	d.type = DNSTAP__DNSTAP__TYPE__MESSAGE;
	d.message = &m;
}

}  // namespace

std::size_t encoded_size(const TapEvent &e, const Identity &id)
{
	Dnstap__Dnstap d = DNSTAP__DNSTAP__INIT;
	Dnstap__Message m = DNSTAP__MESSAGE__INIT;
	fill(e, id, d, m);
	return dnstap__dnstap__get_packed_size(&d);
}

std::size_t encode(const TapEvent &e, const Identity &id, std::span<std::uint8_t> out)
{
	Dnstap__Dnstap d = DNSTAP__DNSTAP__INIT;
	Dnstap__Message m = DNSTAP__MESSAGE__INIT;
	fill(e, id, d, m);
	if (dnstap__dnstap__get_packed_size(&d) > out.size())
		return 0;
	return dnstap__dnstap__pack(&d, out.data());
}

}  // namespace xdpdns::daemon::dnstap
