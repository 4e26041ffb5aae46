// One worker thread per RX queue: receives the frames the XDP program
// redirected to its AF_XDP socket, answers them through a backend, and sends
// the answers out of the same socket (UDP datagrams or fragments, stateless
// TCP trains), plus ATR follow-ups. Everything it needs is allocated in the
// constructor; the per-packet path does not touch the heap.
#pragma once

#include "common/secure_random.h"
#include "daemon/io/counters.h"
#include "daemon/io/histograms.h"
#include "daemon/dnstap/writer.h"
#include "daemon/answers/answer_map.h"
#include "daemon/answers/seen_filter.h"
#include "daemon/atr/policy.h"
#include "daemon/atr/scheduler.h"
#include "daemon/cookies/cookie_secret_store.h"
#include "daemon/backend.h"
#include "daemon/tcp/conn_table.h"
#include "daemon/tcp/flow_table.h"
#include "daemon/io/idle_closer.h"
#include "daemon/paths/knob_snapshot.h"
#include "daemon/secondary/notify.h"
#include "net/fragment_id.h"
#include "net/frame.h"
#include "net/reply.h"
#include "daemon/paths/pending.h"
#include "daemon/io/xsk_port.h"

#include <xdpdns/abi.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

namespace xdpdns::daemon {

struct WorkerConfig {
	std::string ifname;
	int ifindex = 0;
	std::uint32_t queue = 0;
	std::uint32_t mtu = 1500;                  // interface MTU (IP packet)
	const xdpdns_config *knobs = nullptr;      // live, mmapped config map
	std::uint64_t *counters = nullptr;         // this worker's dstats row
	int atr_prog_fd = -1;                      // xdpdns_atr, for follow-ups
	int stats_fd = -1;                         // XDP counters: the ATR run's verdict
	tcp::FlowTable::Limits flows;              // tcp.reuse off: close after each answer
	tcp::ConnTable::Limits conns;              // tcp.reuse on: reused connections
	int tcp_conns_fd = -1;                     // the XDP program's tcp_conns map
	const xdpdns_keys *keys = nullptr;         // live, mmapped keys map (cookie checks)
	std::size_t atr_capacity = 4096;
	bool async_backend = false;                // send the request's ACK at once
	answers::AnswerMap *answer_map = nullptr;  // answers for XDP to give (shared)
	IdleCloser *idle_closer = nullptr;         // sweeps tcp_conns (one worker per interface)
	std::uint32_t busy_poll_us = 0;            // the port busy-polls: spin this long before poll()
	const secondary::NotifyCheck *notify = nullptr;  // secondary zones: NOTIFY from their primaries
	// DNS Cookies (dns/dns_cookie.h): the secrets in force (nullptr: cookies
	// off) and cookies.enable / cookies.require.
	const CookieSecretStore *cookie_secrets = nullptr;
	dns::CookiePolicy cookie_policy;
	xdpdns_rrl_set *rrl_sets = nullptr;        // the mmapped rrl map (shared with XDP)
	std::uint32_t rrl_set_count = 0;           // its sets, a power of two
	// dnstap (nullptr: off): this worker submits to input queue tap_queue.
	dnstap::Writer *tap = nullptr;
	unsigned tap_queue = 0;
	bool tap_queries = true, tap_responses = true;
	std::uint32_t tap_sample = 1;              // 1 in N of each kind
};

// The 4-tuple of a TCP segment, client -> server.
tcp::FlowKey flow_key_of(const net::FrameView &v);
// The XDP program's tcp_conns key of a connection.
xdpdns_conn_key conn_entry_key(const tcp::FlowKey &key);

class Worker final : private AnswerSink, private tcp::ConnIo {
public:
	// `before_batch` runs before each batch of frames and after each poll
	// of an asynchronous backend (zone snapshot refresh, counter mirroring).
	Worker(const WorkerConfig &cfg, std::unique_ptr<XskPort> port, std::unique_ptr<Backend> backend,
	       std::function<void()> before_batch = {});
	~Worker() override;

	// Runs until `stop` is set (checked at least every 100 ms).
	void run(const std::atomic<bool> &stop);

	XskPort &port() { return *port_; }
	// Read by the metrics thread while the worker runs.
	const AnswerHistograms &histograms() const { return hist_; }
	std::uint32_t queue() const { return cfg_.queue; }
	std::size_t tcp_conns_memory() const { return conns_.memory_bytes(); }

private:
	static constexpr std::size_t kRxBatch = 64;
	// A DNS message over TCP is at most 65535 octets plus its length; the
	// client window (no window scaling is offered) bounds a train to 65535.
	static constexpr std::size_t kStreamBuffer = 2 * 65538;

	void handle_frame(const RxFrame &f, std::uint64_t now_ns);
	// Busy polling: frames received within busy-poll µs (0: none, sleep).
	std::size_t busy_wait(std::span<RxFrame> batch, int timeout_ms);
	// Copies the XDP program's metadata in front of the frame, if any.
	bool take_meta(const RxFrame &f, xdpdns_meta &out) const;

	// UDP (udp_path.cpp)
	void on_udp(const net::FrameView &v, const RxFrame &f, const xdpdns_meta *meta, std::uint64_t now_ns);
	// `query_frame`: the query as received, replayed for an ATR follow-up
	// (empty: no follow-up possible).
	// True when the answer left whole in one datagram without a follow-up
	// (the kind XDP may give).
	bool finish_udp(const UdpContext &c, std::span<const std::uint8_t> query_frame,
			std::span<const std::uint8_t> answer, std::uint64_t now_ns);
	void send_datagram(const net::ReplyTemplate &t, std::span<const std::uint8_t> payload);
	// The answer to a message parse_query() did not take as a query, into
	// small_buf_; its length. A NOTIFY (opcode 4) goes to the secondary
	// zones' check when there are any (over UDP and TCP: Knot notifies over
	// TCP), the rest gets write_parse_error().
	std::size_t answer_non_query(const dns::Query &q, dns::ParseResult r, std::span<const std::uint8_t> msg,
				     const net::IpAddress &from);
	// Stores a synchronous backend's answer for XDP to give, when it may,
	// with its RRL class.
	void offer_answer(const dns::Query &q, std::span<const std::uint8_t> msg,
			  std::span<const std::uint8_t> answer, bool tcp, std::uint32_t rrl_class);
	// Response rate limiting of a UDP answer of class `rrl_class`: true
	// when it may go out as built; otherwise it was dropped or its TC=1
	// answer sent (slip), and counted. `exempt`: never limited.
	bool rrl_admits(const UdpContext &c, std::uint32_t rrl_class, bool exempt, bool aa, std::uint64_t now_ns);

	// TCP: reused connections or answer-and-close (tcp_conn_path.cpp)
	void on_tcp(const net::FrameView &v, const RxFrame &f, const xdpdns_meta *meta, std::uint64_t now_ns);
	// tcp.reuse off (tcp_path.cpp): the answer train and a FIN.
	void answer_and_close(const net::FrameView &v, const xdpdns_meta *meta, std::uint64_t now_ns);
	// Answers the plan's queries into `buf` (answers of the synchronous
	// backend, and error answers, at once; others arrive via deliver()).
	void answer_tcp_queries(const tcp::Plan &plan, TcpContext &c, std::span<std::uint8_t> buf,
				std::uint64_t tag);
	// Stores answer `i` as "length + message" at the end of `buf`; a TC=1
	// answer instead when it does not fit. False if even that does not.
	bool store_tcp_answer(TcpContext &c, std::span<std::uint8_t> buf, std::uint32_t i,
			      std::span<const std::uint8_t> answer);
	// All answers are in: window check, train, FIN, soft state.
	void finish_tcp(const TcpContext &c, std::span<std::uint8_t> buf, std::uint64_t now_ns);
	bool emit_train(const TcpContext &c, std::span<const std::span<const std::uint8_t>> chunks,
			bool leading_ack);
	void send_bare_ack(const TcpContext &c);
	// The request will not be answered (no frame of its train was sent).
	void abandon_tcp(const TcpContext &c);

	// Reused connections (tcp_conn_path.cpp)
	void on_tcp_conn(const net::FrameView &v, const xdpdns_meta *meta, std::uint64_t now_ns);
	// A segment no connection takes: the stateless answers of XDP.
	void on_tcp_stateless(const net::FrameView &v, const tcp::ConnSegment &seg, const xdpdns_meta *meta,
			      std::uint64_t now_ns);
	tcp::ConnTable::Settings conn_settings() const;
	std::uint16_t segment_size_for(const net::FrameView &v, std::uint32_t client_mss) const;
	void mirror_conn_stats();
	// Queues an answer on a reused connection (counted, observed, tapped).
	void conn_answer(tcp::ConnRef conn, std::span<const std::uint8_t> answer);

	// dnstap (tap_path.cpp): AUTH_QUERY for a message received, AUTH_RESPONSE
	// for an answer sent; nothing unless enabled and sampled.
	void tap(dnstap::TapEvent::Kind kind, const net::ReplyTemplate &t, bool tcp, std::span<const std::uint8_t> msg);
	void tap(dnstap::TapEvent::Kind kind, const tcp::FlowKey &key, std::span<const std::uint8_t> msg);
	void submit_tap(dnstap::TapEvent &e);
	void query(tcp::ConnRef conn, std::span<const std::uint8_t> message) override;
	bool send(const net::ReplyTemplate &t, std::uint32_t seq, std::uint32_t ack, std::uint8_t flags,
		  std::span<const std::uint8_t> payload) override;
	void released(const tcp::FlowKey &key) override;
	bool cookie_valid(const tcp::ConnSegment &seg) override;
	std::uint32_t cookie_mss(const tcp::ConnSegment &seg) const;  // 0: not a valid cookie
	void forget_conn_entry(const tcp::FlowKey &key);
	void sweep_idle_xdp_connections();
	// Asynchronous answers for connections carry this tag bit.
	static constexpr std::uint64_t kConnTag = std::uint64_t{1} << 62;
	static constexpr std::uint64_t kKeepaliveTag = std::uint64_t{1} << 61;  // answer with edns-tcp-keepalive
	std::uint16_t keepalive_timeout() const;

	// Asynchronous answers (AnswerSink)
	void deliver(std::uint64_t tag, std::span<const std::uint8_t> answer) override;

	// DNS Cookies of a parsed query (ParseResult::ok) from `client`: sets
	// q.reply_cookie, counts the verdict. The caller answers FORMERR for
	// malformed and BADCOOKIE when the outcome says so.
	dns::CookieOutcome check_dns_cookie(dns::Query &q, const net::IpAddress &client, bool udp);

	std::uint32_t random_percent();
	// FORMERR, NOTIMP or BADVERS for a query that parse_query() did not
	// take (r is neither ok nor drop), into small_buf_; its length.
	std::size_t write_parse_error(const dns::Query &q, dns::ParseResult r);

	WorkerConfig cfg_;
	std::unique_ptr<XskPort> port_;
	std::unique_ptr<Backend> backend_;
	std::function<void()> before_batch_;
	Counters counters_;
	AnswerHistograms hist_;
	dnstap::Sampler tap_query_sampler_, tap_response_sampler_;
	KnobSnapshot knobs_;
	dns::CookieSecrets cookie_secrets_;      // loaded once per batch
	tcp::FlowTable flows_;
	tcp::ConnTable conns_;
	atr::AtrScheduler atr_;
	net::FragmentIdGenerator frag_ids_;
	PendingTable pending_;
	SecureRandom random_;  // the ATR draw
	std::uint64_t now_ns_ = 0;

	std::vector<std::uint8_t> answer_buf_;   // one DNS answer (UDP)
	std::vector<std::uint8_t> small_buf_;    // error and TC=1 answers
	net::IpAddress tcp_client_{};            // the client of the TCP segment in hand (for query())
	std::vector<std::uint8_t> stream_;       // TCP answer stream being built
	std::unique_ptr<TcpContext> tcp_scratch_;  // a synchronous TCP request
	dns::Query conn_query_;                    // a query on a reused connection
	std::uint64_t conn_refused_ = 0;           // first queries answered statelessly: table full
	std::uint64_t stateless_rst_ = 0;          // RSTs for data of unknown connections
	std::uint64_t xdp_idle_closed_ = 0;        // FINs to idle connections XDP kept (sweep)
	std::uint64_t last_idle_sweep_ns_ = 0;
	answers::SeenFilter seen_;                 // questions answered before
	rrl::Table rrl_;                           // shared with XDP (mmapped)
	rrl::LogBudget rrl_log_;                   // "rrl: limiting ..." lines per second
	xdpdns_answer answer_entry_;               // an entry being stored
	bool busy_poll_ = false;                   // spin on the queue before poll()
};

}  // namespace xdpdns::daemon
