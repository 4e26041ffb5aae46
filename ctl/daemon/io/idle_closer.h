// Our FIN to idle connections the XDP program keeps by itself.
//
// With tcp.reuse on, a connection whose first query the XDP program answered
// stays in its tcp_conns map (XDP_OPEN) while the client only acknowledges,
// asks that query again or closes: no worker ever hears of it. What the
// workers do for their own connections after tcp.idle-timeout (RFC 7766
// §6.2.3: the server closes idle connections), this does for those: a sweep
// of the map finds them and sends the FIN (seq = the end of XDP's answer,
// acknowledging the query) from a packet socket on the interface, then marks
// the entry XDP_FIN, so the XDP program handles the client's ACK and FIN as
// for any FIN of ours. Sent once: an entry whose FIN (ours, idle or in
// answer to the client's) is not acknowledged within another idle time-out
// is removed, and the client's next segment meets the stateless rules (an
// ACK for a FIN, an RST for data). Bounded: no entry of a connection XDP
// keeps outlives two idle time-outs of silence.
#pragma once

#include "net/reply.h"

#include <xdpdns/abi.h>

#include <cstdint>
#include <span>
#include <vector>

namespace xdpdns::daemon {

// Whether `c` is an XDP-kept connection idle for at least `idle_ns` at `now_ns`.
bool idle_fin_due(const xdpdns_conn &c, std::uint64_t now_ns, std::uint64_t idle_ns);

// Whether `c` is one whose FIN of ours has gone unacknowledged for `idle_ns`.
bool fin_unanswered(const xdpdns_conn &c, std::uint64_t now_ns, std::uint64_t idle_ns);

// The reply template of an XDP-kept connection (addresses from the key,
// link layer from the entry).
net::ReplyTemplate idle_fin_template(const xdpdns_conn_key &k, const xdpdns_conn &c);

class IdleCloser {
public:
	// `tcp_conns_fd`: the pinned map; `ifindex`: where to send. Opens the
	// packet socket (throws std::system_error naming the cause).
	IdleCloser(int tcp_conns_fd, int ifindex);
	~IdleCloser();
	IdleCloser(const IdleCloser &) = delete;
	IdleCloser &operator=(const IdleCloser &) = delete;

	// One pass over the map; returns the FINs sent. A failing map read or
	// send is logged (once per cause, naming the map or the interface).
	std::size_t sweep(std::uint64_t now_ns, std::uint64_t idle_ns, std::uint16_t window);

private:
	bool close_one(const xdpdns_conn_key &k, xdpdns_conn c, std::uint16_t window);
	void warn_once(bool &warned, const char *what, int err);

	int map_fd_;
	int ifindex_;
	int sock_ = -1;
	std::vector<xdpdns_conn_key> keys_;
	std::vector<xdpdns_conn> values_;
	std::vector<std::uint8_t> frame_;
	bool lookup_warned_ = false;
	bool send_warned_ = false;
};

}  // namespace xdpdns::daemon
