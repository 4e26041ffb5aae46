/* Counters, defined once. Each X(ID, "name", "what it counts") line gives
 * the enum index and the name `xdpdnsctl stats` prints.
 *
 * XDPDNS_XDP_STATS: the XDP programs' PERCPU_ARRAY `stats`; every return
 * path of the program counts exactly one of the verdict reasons below
 * (plus rx-frames for every frame seen). The answer-* lines are notes
 * beside the verdict: why a query the answers map could serve went to the
 * daemon (counted only while answers.in-kernel is on).
 * XDPDNS_DAEMON_STATS: the daemon's counters, kept per worker in the
 * mmapable ARRAY `dstats` (XDPDNS_DSTATS_MAX_WORKERS rows). */
#ifndef XDPDNS_STATS_H
#define XDPDNS_STATS_H

#define XDPDNS_XDP_STATS(X)                                                              \
	X(RX_FRAMES,           "rx-frames",           "frames seen by the XDP program")        \
	X(PASS_NOT_IP,         "pass-not-ip",         "passed: not IPv4/IPv6")                 \
	X(PASS_OTHER,          "pass-other",          "passed: not for a service port")        \
	X(PASS_UDP_NO_DAEMON,  "pass-udp-no-daemon",  "UDP query passed: no AF_XDP socket")    \
	X(DROP_TRUNCATED,      "drop-truncated",      "dropped: header cut short")             \
	X(DROP_MALFORMED,      "drop-malformed",      "dropped: bad header field")             \
	X(DROP_FRAGMENT,       "drop-fragment",       "dropped: IP fragment to a service port")\
	X(DROP_BAD_CSUM,       "drop-bad-checksum",   "dropped: bad IP, TCP or UDP checksum")  \
	X(TCP_SYN,             "tcp-syn-answered",    "SYN answered with a SYN-ACK")           \
	X(TCP_FIN,             "tcp-fin-answered",    "FIN answered with an ACK")              \
	X(TCP_ACK,             "tcp-ack-consumed",    "pure ACK consumed")                     \
	X(TCP_RST,             "tcp-rst-consumed",    "RST consumed")                          \
	X(TCP_NO_ACK,          "tcp-no-ack-dropped",  "segment without ACK flag dropped")      \
	X(TCP_BAD_COOKIE,      "tcp-bad-cookie",      "data segment with an invalid cookie")   \
	X(TCP_NO_DAEMON,       "tcp-no-daemon",       "data segment dropped: no AF_XDP socket")\
	X(TCP_TO_DAEMON,       "tcp-to-daemon",       "data segment redirected to the daemon") \
	X(UDP_TO_DAEMON,       "udp-to-daemon",       "UDP query redirected to the daemon")    \
	X(UDP_TRUNCATED,       "udp-truncated",       "UDP query answered TC=1 in XDP")        \
	X(UDP_NOT_QUERY,       "udp-not-query",       "UDP to a service port, not a DNS query")\
	X(ATR_SENT,            "atr-sent",            "ATR follow-up built and sent")          \
	X(ATR_BAD_FRAME,       "atr-bad-frame",       "ATR replay frame rejected")             \
	X(PMTU_ACCEPTED,       "pmtu-accepted",       "ICMP too-big stored in the PMTU map")   \
	X(PMTU_NOT_OURS,       "pmtu-not-ours",       "ICMP too-big not about our answer")     \
	X(PMTU_TOO_SMALL,      "pmtu-too-small",      "ICMP too-big with an MTU below floor")  \
	X(PMTU_TRUNCATED,      "pmtu-truncated",      "ICMP too-big with a cut inner packet")  \
	X(PASS_OTHER_ADDRESS,  "pass-other-address",  "passed: service port, not a service address") \
	X(DROP_EXT_HEADERS,    "drop-ext-headers",    "dropped: IPv6 extension-header chain too long") \
	X(TCP_CONN_TO_DAEMON,  "tcp-conn-to-daemon",  "segment of a reused connection redirected to the daemon") \
	X(TCP_RST_SENT,        "tcp-rst-sent",        "data for no connection, no valid cookie: RST (tcp.reuse)") \
	X(UDP_ANSWERED,        "udp-answered",        "UDP query answered in XDP from the answers map") \
	X(TCP_ANSWERED,        "tcp-answered",        "TCP query answered in XDP from the answers map") \
	X(ANSWER_MISS,         "answer-miss",         "note: answerable query, not in the answers map") \
	X(ANSWER_NOT_ELIGIBLE, "answer-not-eligible", "note: query the answers map cannot serve (shape, name length)") \
	X(ANSWER_TOO_BIG,      "answer-too-big",      "note: stored answer too big for the client's buffer, path or ATR") \
	X(ANSWER_NO_ROOM,      "answer-no-room",      "note: stored answer longer than the driver lets the frame grow") \
	X(TCP_REANSWERED,      "tcp-reanswered",      "retransmitted TCP query answered again in XDP (same octets)") \
	X(TCP_CLOSE_ANSWERED,  "tcp-close-answered",  "FIN of a connection XDP answered: our FIN sent in XDP") \
	X(TCP_AFTER_ANSWER,    "tcp-after-answer",    "segment of a connection XDP answered and closed: dropped") \
	X(TCP_ADOPT,           "tcp-adopt",           "segment of a connection XDP answered, to the daemon to adopt") \
	X(TCP_SYN_FIN,         "tcp-syn-fin-dropped", "segment with SYN and FIN set dropped, as Linux does") \
	X(RRL_DROPPED,         "rrl-dropped",         "UDP answer made in XDP dropped: rate limited") \
	X(RRL_SLIPPED,         "rrl-slipped",         "rate-limited UDP answer sent as TC=1 instead (slip)") \
	X(RRL_WOULD_LIMIT,     "rrl-would-limit",     "note: answer rrl.log-only let through that RRL would limit") \
	X(RRL_EXEMPT,          "rrl-exempt",          "note: answer to a client on the rrl exempt list") \
	X(PMTU_BAD_CSUM,       "pmtu-bad-checksum",   "ICMP too-big with a bad ICMP checksum: ignored") \
	X(PMTU_NOT_ANSWER,     "pmtu-not-answer",     "ICMP too-big quoting nothing we send (DF, lengths, size cap): ignored")

#define XDPDNS_DAEMON_STATS(X)                                                           \
	X(D_RX,                "d-rx",                "frames received on AF_XDP")             \
	X(D_TX,                "d-tx",                "frames sent on AF_XDP")                 \
	X(D_TX_RING_FULL,      "d-tx-ring-full",      "answers dropped: TX ring or UMEM full") \
	X(D_BAD_FRAME,         "d-bad-frame",         "frames the daemon could not parse")     \
	X(D_BAD_CSUM,          "d-bad-checksum",      "segments with a bad TCP/UDP checksum")  \
	X(D_UDP_ANSWERS,       "d-udp-answers",       "UDP answers sent")                      \
	X(D_UDP_TRUNCATED,     "d-udp-truncated",     "UDP answers sent TC=1")                 \
	X(D_UDP_FRAGMENTED,    "d-udp-fragmented",    "UDP answers sent as IP fragments")      \
	X(D_TCP_ANSWERS,       "d-tcp-answers",       "TCP answers sent")                      \
	X(D_TCP_SEGMENTS,      "d-tcp-segments",      "TCP segments sent")                     \
	X(D_TCP_PARTIAL,       "d-tcp-partial",       "TCP segments holding part of a query")  \
	X(D_TCP_RETRANSMIT,    "d-tcp-retransmit",    "retransmitted queries answered again")  \
	X(D_TCP_AFTER_FIN,     "d-tcp-after-fin",     "queries dropped: after our FIN")        \
	X(D_TCP_UNANSWERABLE,  "d-tcp-unanswerable",  "segments dropped: no safe answer")      \
	X(D_TCP_WINDOW_TC,     "d-tcp-window-tc",     "TCP answers cut to TC=1: client window")\
	X(D_DNS_FORMERR,       "d-dns-formerr",       "FORMERR answers")                       \
	X(D_DNS_DROPPED,       "d-dns-dropped",       "DNS messages dropped unanswered")       \
	X(D_ATR_SCHEDULED,     "d-atr-scheduled",     "ATR follow-ups scheduled")              \
	X(D_ATR_SENT,          "d-atr-sent",          "ATR follow-ups sent")                   \
	X(D_ATR_DROPPED,       "d-atr-dropped",       "ATR follow-ups dropped: queue full")    \
	X(D_UPSTREAM_SENT,     "d-upstream-sent",     "queries forwarded upstream")            \
	X(D_UPSTREAM_TIMEOUT,  "d-upstream-timeout",  "upstream tries timed out")              \
	X(D_UPSTREAM_TCP,      "d-upstream-tcp",      "upstream retries over TCP")             \
	X(D_UPSTREAM_SERVFAIL, "d-upstream-servfail", "SERVFAIL after all upstreams failed")   \
	X(D_UPSTREAM_FULL,     "d-upstream-full",     "queries dropped: too many in flight")   \
	X(D_UPSTREAM_MISMATCHED, "d-upstream-mismatched", "upstream replies ignored: no query matches") \
	X(D_UPSTREAM_MALFORMED, "d-upstream-malformed", "matching upstream replies that would not parse") \
	X(D_UPSTREAM_DECLINED, "d-upstream-declined", "SERVFAIL/REFUSED/NOTIMP: next server asked") \
	X(D_TCP_CONNS_OPEN,    "d-tcp-conns-open",    "reused TCP connections held now (gauge)") \
	X(D_TCP_CONNS_OPENED,  "d-tcp-conns-opened",  "reused TCP connections opened by a valid query") \
	X(D_TCP_CONNS_REFUSED, "d-tcp-conns-refused", "connections answered statelessly: table full") \
	X(D_TCP_CONNS_EVICTED, "d-tcp-conns-evicted", "idle connections reset to make room") \
	X(D_TCP_CONN_QUERIES,  "d-tcp-conn-queries",  "queries received on reused connections") \
	X(D_TCP_IDLE_CLOSED,   "d-tcp-idle-closed",   "connections closed by our FIN after tcp.idle-timeout") \
	X(D_TCP_RESENT,        "d-tcp-resent",        "answer segments sent again (loss recovery)") \
	X(D_TCP_FAST_RESENT,   "d-tcp-fast-resent",   "of those, on three duplicate ACKs") \
	X(D_TCP_RTO,           "d-tcp-rto",           "retransmission timer expiries") \
	X(D_TCP_RST_SENT,      "d-tcp-rst-sent",      "RSTs sent: no state, retries exhausted, evicted") \
	X(D_TCP_RST_RECEIVED,  "d-tcp-rst-received",  "connections reset by the client") \
	X(D_TCP_RING_LOST,     "d-tcp-ring-lost",     "connections reset: unacknowledged answer overwritten") \
	X(D_TCP_OUT_OF_ORDER,  "d-tcp-out-of-order",  "segments beyond the next expected octet") \
	X(D_TCP_NOT_QUERY,     "d-tcp-not-query",     "first data that cannot start a DNS stream: dropped") \
	X(D_ANSWER_INSERTS,    "d-answer-inserts",    "answers stored in the answers map for XDP") \
	X(D_ANSWER_EVICTED,    "d-answer-evicted",    "stored answers dropped: map full or flushed, zones reloaded") \
	X(D_TCP_ADOPTED,       "d-tcp-adopted",       "connections taken over after XDP answered their first query") \
	X(D_NOTIFY_ACCEPTED,   "d-notify-accepted",   "NOTIFYs from a secondary zone's primary: refresh started") \
	X(D_NOTIFY_REFUSED,    "d-notify-refused",    "NOTIFYs refused: unknown zone or sender, bad TSIG, malformed") \
	X(D_RRL_DROPPED,       "d-rrl-dropped",       "UDP answers dropped: rate limited") \
	X(D_RRL_SLIPPED,       "d-rrl-slipped",       "rate-limited UDP answers sent as TC=1 instead (slip)") \
	X(D_RRL_WOULD_LIMIT,   "d-rrl-would-limit",   "answers rrl.log-only let through that RRL would limit") \
	X(D_RRL_EXEMPT,        "d-rrl-exempt",        "answers to exempt clients (exempt list, or the cookie hook)") \
	X(D_DNSTAP_LOGGED,     "d-dnstap-logged",     "dnstap messages queued for the writer") \
	X(D_DNSTAP_DROPPED,    "d-dnstap-dropped",    "dnstap messages dropped: the writer's queue was full") \
	X(D_COOKIE_CLIENT_ONLY, "d-cookie-client-only", "queries with a client cookie only (or a server cookie of another version): a fresh server cookie") \
	X(D_COOKIE_VALID,      "d-cookie-valid",      "queries with a valid server cookie") \
	X(D_COOKIE_INVALID,    "d-cookie-invalid",    "queries with a server cookie that does not validate (expired, forged, old secret): a fresh one") \
	X(D_COOKIE_BADCOOKIE,  "d-cookie-badcookie",  "BADCOOKIE answers (cookies.require, UDP, no valid server cookie)") \
	X(D_COOKIE_MALFORMED,  "d-cookie-malformed",  "COOKIE options of a bad length: FORMERR")

#define XDPDNS_STAT_ENUM(id, name, help) XDPDNS_STAT_##id,
enum xdpdns_stat {
	XDPDNS_XDP_STATS(XDPDNS_STAT_ENUM)
	XDPDNS_STAT_MAX
};
enum xdpdns_dstat {
	XDPDNS_DAEMON_STATS(XDPDNS_STAT_ENUM)
	XDPDNS_DSTAT_MAX
};
#undef XDPDNS_STAT_ENUM

/* One row of daemon counters (one worker), padded to whole cache lines. Its
 * last u64 names the worker: its RX queue + 1 while the worker runs, 0 when
 * the row is unused (host order). */
#define XDPDNS_DSTATS_ROW_U64 64u
#define XDPDNS_DSTATS_ROW_QUEUE (XDPDNS_DSTATS_ROW_U64 - 1u)
#ifdef __cplusplus
static_assert(XDPDNS_DSTAT_MAX <= XDPDNS_DSTATS_ROW_QUEUE, "daemon stats row too small");
#else
_Static_assert(XDPDNS_DSTAT_MAX <= XDPDNS_DSTATS_ROW_QUEUE, "daemon stats row too small");
#endif

#endif /* XDPDNS_STATS_H */
