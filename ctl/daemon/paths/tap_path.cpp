// dnstap from the worker: the query received or the answer sent, sampled,
// addressed as the client sees it, stamped with CLOCK_REALTIME, and handed
// to this worker's fstrm input queue. Never blocks: a full queue drops the
// message (d-dnstap-dropped).
#include "daemon/paths/worker.h"

#include <time.h>

namespace xdpdns::daemon {

void Worker::tap(dnstap::TapEvent::Kind kind, const net::ReplyTemplate &t, bool tcp,
		 std::span<const std::uint8_t> msg)
{
	if (!cfg_.tap)
		return;
	dnstap::TapEvent e;
	e.kind = kind;
	e.ipv6 = t.is_ipv6;
	e.tcp = tcp;
	e.client = t.dst.bytes;  // the reply template points back at the client
	e.server = t.src.bytes;
	e.client_port = t.dport;
	e.server_port = t.sport;
	e.message = msg;
	submit_tap(e);
}

void Worker::tap(dnstap::TapEvent::Kind kind, const tcp::FlowKey &key, std::span<const std::uint8_t> msg)
{
	if (!cfg_.tap)
		return;
	dnstap::TapEvent e;
	e.kind = kind;
	e.ipv6 = !net::IpAddress{key.client}.is_v4_mapped();
	e.tcp = true;
	e.client = key.client;
	e.server = key.server;
	e.client_port = key.client_port;
	e.server_port = key.server_port;
	e.message = msg;
	submit_tap(e);
}

void Worker::submit_tap(dnstap::TapEvent &e)
{
	const bool query = e.kind == dnstap::TapEvent::Kind::auth_query;
	if (query ? !cfg_.tap_queries : !cfg_.tap_responses)
		return;
	if (!(query ? tap_query_sampler_ : tap_response_sampler_).take())
		return;
	timespec ts{};
	clock_gettime(CLOCK_REALTIME, &ts);
	e.time_sec = static_cast<std::uint64_t>(ts.tv_sec);
	e.time_nsec = static_cast<std::uint32_t>(ts.tv_nsec);
	counters_.inc(cfg_.tap->submit(cfg_.tap_queue, e) ? XDPDNS_STAT_D_DNSTAP_LOGGED : XDPDNS_STAT_D_DNSTAP_DROPPED);
}

}  // namespace xdpdns::daemon
