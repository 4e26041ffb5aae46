/* xdpdns ABI shared by the XDP program (clang -target bpf) and userspace (g++).
 *
 * Rules: only fixed-width kernel types, explicit padding, a byte-order note on
 * every field, size checks at the bottom. Bump XDPDNS_ABI_VERSION whenever a
 * layout here changes: userspace refuses to adopt pins of another version.
 */
#ifndef XDPDNS_ABI_H
#define XDPDNS_ABI_H

#include <linux/types.h>

#define XDPDNS_ABI_VERSION 9u

/* ---- limits ------------------------------------------------------------ */
#define XDPDNS_MAX_QUEUES        64u    /* XSKMAP entries: one per RX queue */
#define XDPDNS_MAX_VLAN_TAGS     2u     /* 802.1Q / 802.1ad tags parsed     */
#define XDPDNS_MAX_IPV6_EXT_HDRS 6u     /* bounded extension-header walk    */
#define XDPDNS_MAX_QNAME_LEN     255u   /* RFC 1035 wire-format name limit  */
#define XDPDNS_ATR_ALLOW_MAX     4096u  /* LPM trie capacity (prefixes)     */
#define XDPDNS_PMTU_DEFAULT_ENTRIES 65536u
#define XDPDNS_DSTATS_MAX_WORKERS 64u   /* daemon counter slots             */
#define XDPDNS_PMTU_MIN_V6       1280u  /* RFC 8200: IPv6 links carry 1280  */
#define XDPDNS_MAX_SERVICE_ADDRS 64u    /* service_addrs hash capacity      */
#define XDPDNS_TCP_CONNS_DEFAULT 65536u /* tcp_conns LRU entries            */
/* A tcp_conns entry not refreshed for idle-timeout + this is ignored and
 * removed by the XDP program (its daemon is gone). */
#define XDPDNS_TCP_CONN_GRACE_MS 60000u
/* In-kernel answers: a question whose name is longer goes to the daemon;
 * an answer whose sections after the question are longer is not stored. */
#define XDPDNS_ANSWER_QNAME_MAX  64u
#define XDPDNS_ANSWER_BODY_MAX   880u  /* an element then takes 1 KiB */
#define XDPDNS_ANSWERS_DEFAULT_ENTRIES 16384u
/* Response rate limiting: buckets in sets of XDPDNS_RRL_WAYS (see rrl.h);
 * the table holds a power of two of sets. */
#define XDPDNS_RRL_WAYS          4u
#define XDPDNS_RRL_DEFAULT_BUCKETS 65536u  /* 2 MiB */
#define XDPDNS_RRL_MIN_BUCKETS   XDPDNS_RRL_WAYS
#define XDPDNS_RRL_MAX_BUCKETS   (1u << 24) /* 512 MiB */
#define XDPDNS_RRL_EXEMPT_MAX    4096u  /* LPM trie capacity (prefixes)     */

/* Cookie layout (32 bits, the ISN of our SYN-ACK):
 *   bits 31..4  top 28 bits of SipHash-2-4(key, message of struct
 *               xdpdns_cookie_input; see xdpdns_cookie_hash in cookie.h)
 *   bits  3..1  index into XDPDNS_MSS_TABLE (client MSS, rounded down)
 *   bit      0  low bit of the epoch the cookie was made in
 * The epoch bit tells the verifier which epoch (current or previous) to
 * recompute, so one check costs at most two hashes (current, previous key).
 */
#define XDPDNS_COOKIE_HASH_MASK  0xfffffff0u
#define XDPDNS_COOKIE_MSS_SHIFT  1u
#define XDPDNS_COOKIE_MSS_MASK   0x7u
#define XDPDNS_COOKIE_EPOCH_MASK 0x1u

/* Client MSS values a cookie can carry; a client's MSS is rounded down to the
 * largest entry not above it, so we never send segments above it. Chosen
 * from what stacks really advertise (IPv4 default 536, IPv6 minimum 1220,
 * tunnel/PPPoE/Ethernet values, jumbo), with 64 and 256 as floors for the
 * rare client below 536. */
#define XDPDNS_MSS_TABLE { 64, 256, 536, 1220, 1360, 1440, 1460, 8960 }
#define XDPDNS_MSS_TABLE_LEN 8u

/* ---- maps -------------------------------------------------------------- */

/* Knobs. A one-element ARRAY map (BPF_F_MMAPABLE, so the daemon reads it
 * without syscalls); xdpdnsctl set writes it live. All fields host order. */
struct xdpdns_config {
	__u32 abi_version;       /* XDPDNS_ABI_VERSION, written at attach        */
	__u32 tcp_mss_v4;        /* MSS option in IPv4 SYN-ACKs                  */
	__u32 tcp_mss_v6;        /* MSS option in IPv6 SYN-ACKs                  */
	__u32 tcp_window;        /* window in every segment we send              */
	__u32 tcp_segment_size;  /* daemon: answer bytes per segment             */
	__u32 cookie_epoch_s;    /* cookie epoch length, seconds                 */
	__u32 cookie_rotate_s;   /* daemon: key rotation period, 0 = never       */
	__u32 udp_truncate_all;  /* 1: XDP answers every UDP query with TC=1     */
	__u32 edns_buffer_size;  /* UDP payload size we advertise in OPT         */
	__u32 atr_enabled;       /* 1: send ATR follow-ups                       */
	__u32 atr_size_v4;       /* UDP payload above which ATR applies, IPv4    */
	__u32 atr_size_v6;       /* same for IPv6                                */
	__u32 atr_delay_us;      /* delay between answer and TC=1 follow-up      */
	__u32 atr_probability;   /* 0..100 percent of eligible answers           */
	__u32 atr_allow_active;  /* 1: consult the atr_allow trie (kept by ctl)  */
	__u32 pmtu_lifetime_s;   /* path-MTU entries older than this are ignored */
	__u32 pmtu_min_v4;       /* IPv4 MTUs below this are rejected            */
	__u32 addr_filter_active;/* 1: only destinations in service_addrs are
				  * ours, 0: every address (kept by ctl)         */
	__u32 tcp_reuse;         /* 1: keep connections open after an answer     */
	__u32 tcp_idle_ms;       /* daemon: idle connections get our FIN, ms     */
	__u32 tcp_max_queries;   /* daemon: queries per connection, then FIN     */
	__u32 checksum_strict;   /* 1: reject the CHECKSUM_PARTIAL form of a
				  * transport checksum that a local stack leaves */
	__u32 cookie_epoch;      /* the current cookie epoch number: CLOCK_REALTIME
				  * seconds / cookie_epoch_s, written at attach
				  * and kept current by the daemon (not a knob) */
	__u32 link_mtu;          /* the interface's MTU, written by the daemon
				  * (not a knob): bounds in-kernel TCP answers   */
	__u32 answers_flush;     /* bumped by `xdpdnsctl answers flush`: the
				  * daemon starts an empty answer map            */
	__u32 answers_in_kernel; /* 1: XDP answers from the answers map          */
	/* Response rate limiting (UDP answers of XDP and of the daemon). */
	__u32 rrl_rate;          /* responses/s per client prefix and class, 0 = off */
	__u32 rrl_slip;          /* every Nth limited response goes out TC=1, 0 = none */
	__u32 rrl_prefix_v4;     /* leading bits of an IPv4 client that make its prefix */
	__u32 rrl_prefix_v6;     /* same for IPv6                                */
	__u32 rrl_log_only;      /* 1: count what would be limited, limit nothing */
	__u32 rrl_exempt_active; /* 1: consult the rrl_exempt trie (kept by ctl) */
	__u32 udp_max_size;      /* cap on the UDP payload of our answers        */
	__u32 dnstap_sample;     /* 1 in N answers made in XDP reported for dnstap, 0 = none */
	__u32 reserved[14];      /* room for knobs without an ABI bump           */
};

/* Service ports: a bitmap over all 65536 ports, one lookup per packet. */
#define XDPDNS_PORT_WORDS 1024u
struct xdpdns_ports {
	__u64 bits[XDPDNS_PORT_WORDS]; /* bit (port & 63) of word (port >> 6), host order port */
};

/* Cookie keys: three slots and an index. A rotation writes the slot after the
 * current one, then moves `current` (one aligned 32-bit store): readers only
 * ever use `current` and the one before it, so they never see a torn key. */
struct xdpdns_siphash_key {
	__u64 k0; /* host order */
	__u64 k1; /* host order */
};
#define XDPDNS_KEY_SLOTS 3u
struct xdpdns_keys {
	__u32 current;           /* slot index of the current key, < 3           */
	__u32 generation;        /* bumped on every rotation (diagnostics)       */
	struct xdpdns_siphash_key slot[XDPDNS_KEY_SLOTS];
};

/* What the cookie is made of: addresses as 16 octets (IPv4 as
 * ::ffff:a.b.c.d), always in client -> server direction. The hashed message
 * is shorter for IPv4 (xdpdns_cookie_hash in cookie.h). */
struct xdpdns_cookie_input {
	__u8  client_addr[16];   /* network order                                */
	__u8  server_addr[16];   /* network order                                */
	__be16 client_port;      /* network order                                */
	__be16 server_port;      /* network order                                */
	__u32 epoch;             /* host order: config.cookie_epoch (or the one before) */
	__u32 mss_index;         /* host order, < XDPDNS_MSS_TABLE_LEN            */
	__u32 pad;               /* zero                                          */
} __attribute__((aligned(8))); /* hashed as 64-bit words; BPF stack loads must be aligned */

/* Address key (IPv4 as ::ffff:a.b.c.d): clients in the path-MTU map,
 * destinations in the service_addrs map. */
struct xdpdns_addr {
	__u8 a[16];              /* network order */
};

struct xdpdns_pmtu {
	__u32 mtu;               /* host order, bytes of IP packet               */
	__u32 pad;
	__u64 updated_ns;        /* CLOCK_MONOTONIC (bpf_ktime_get_ns)           */
};

/* TCP connections with a little state, one entry per 4-tuple (an LRU map:
 * a flood of connections recycles it). Every entry is made by the XDP
 * program for a first data segment whose SEG.ACK - 1 is a valid cookie:
 *   DAEMON    tcp.reuse on, the daemon answered: it holds the connection's
 *             real state and gets every segment of the 4-tuple without a
 *             cookie check; it removes the entry when the connection ends.
 *   XDP_OPEN  tcp.reuse on, XDP answered the first query from the answers
 *             map (no FIN) and keeps the connection while it only needs
 *             ACKs, a re-answer of that query and the close; the daemon
 *             adopts it (meta XDPDNS_META_F_ADOPT) at the first segment
 *             that needs more, e.g. a second query; XDP makes it DAEMON
 *             then (and still answers that first query again if it
 *             comes again: the daemon never held those octets). When it
 *             stays idle, the daemon sends our FIN.
 *   XDP_FIN   XDP_OPEN after the client's FIN, answered with our FIN at
 *             snd_end, or after the idle time-out, when the daemon sent
 *             it; the client's ACK of it removes the entry.
 *   XDP_CLOSED tcp.reuse off, XDP answered with the answer, the ACK and the
 *             FIN in one segment; later data is dropped (it would overlap).
 *   STATELESS tcp.reuse off, the daemon answered: XDP answers nothing more
 *             on the 4-tuple (its answer would overlap the daemon's).
 * req_seq, req_end and snd_end are recorded by XDP answers only. */
enum xdpdns_conn_state {
	XDPDNS_CONN_DAEMON     = 0,
	XDPDNS_CONN_XDP_OPEN   = 1,
	XDPDNS_CONN_XDP_FIN    = 2,
	XDPDNS_CONN_XDP_CLOSED = 3,
	XDPDNS_CONN_STATELESS  = 4,
};
struct xdpdns_conn_key {
	__u8  client_addr[16];   /* network order (IPv4 as ::ffff:a.b.c.d)        */
	__u8  server_addr[16];   /* network order                                  */
	__be16 client_port;      /* network order                                  */
	__be16 server_port;      /* network order                                  */
};
struct xdpdns_conn {
	__u64 seen_ns;           /* CLOCK_MONOTONIC of the last segment (XDP)      */
	__u32 isn;               /* host order: our ISN, the cookie                */
	__u8  state;             /* enum xdpdns_conn_state                         */
	__u8  vlan_count;        /* tags below in use (XDP answers)                */
	__u16 client_mss;        /* host order: the cookie's MSS (XDP answers)     */
	__u32 req_seq;           /* host order: the answered query's first octet   */
	__u32 req_end;           /* past its last octet (our RCV.NXT after it)     */
	__u32 snd_end;           /* past our answer's last octet (SND.NXT; a FIN
				  * of ours has this sequence number); 0 when XDP
				  * did not answer                               */
	/* XDP answers: how to address a segment to the client without one to
	 * answer (the daemon's FIN to an idle connection XDP keeps). */
	__u8  client_mac[6];
	__u8  our_mac[6];
	__be16 vlan_tpid[2];     /* network order, as in the client's frames       */
	__be16 vlan_tci[2];
};

/* In-kernel answers. `answers` is a one-slot ARRAY_OF_MAPS whose inner
 * map (a HASH without preallocation, filled and replaced whole by the
 * daemon, never updated in place: a reader never sees an element reused)
 * maps a question, as a resolver asks it, to the answer xdpdnsd gives it.
 * The XDP program writes the reply from the query's own header and
 * question (its ID, the client's case, RD and CD) and the stored rest. */
enum xdpdns_answer_shape {
	XDPDNS_SHAPE_NO_EDNS = 0,  /* no OPT record                              */
	XDPDNS_SHAPE_EDNS    = 1,  /* OPT, version 0, DO=0, no options           */
	XDPDNS_SHAPE_EDNS_DO = 2,  /* OPT, version 0, DO=1, no options           */
	XDPDNS_SHAPE_TCP     = 4,  /* flag: the answer for TCP (ANY differs)     */
};
struct xdpdns_answer_key {
	__u8  qname[XDPDNS_ANSWER_QNAME_MAX]; /* wire form, ASCII lowercased,
					       * zero after the root label   */
	__be16 qtype;            /* network order                                */
	__be16 qclass;           /* network order                                */
	__u8  shape;             /* enum xdpdns_answer_shape                     */
	__u8  pad[3];            /* zero                                         */
};
struct xdpdns_answer {
	__u8  flags[2];          /* header octets 2-3, RD and CD clear           */
	__u8  counts[6];         /* ANCOUNT, NSCOUNT, ARCOUNT (network order)    */
	__u16 body_len;          /* host order: octets of body[] used            */
	__u16 pad;
	__u32 rrl_class;         /* host order: the answer's RRL class (hash of
				  * its kind and name, never 0; see rrl_class.h) */
	__u8  body[XDPDNS_ANSWER_BODY_MAX]; /* the message after the question    */
};

/* Response rate limiting buckets (include/xdpdns/rrl.h), 32 octets; a
 * set is one element of the mmapable ARRAY `rrl`. All fields host order,
 * changed with atomic adds and single stores. */
struct xdpdns_rrl_bucket {
	__u64 tag;               /* xdpdns_rrl_tag(prefix, class); 0 = unused   */
	__u64 window;            /* CLOCK_MONOTONIC second << 32 | responses in it */
	__u32 limited;           /* limited responses since limiting began (slip) */
	__u32 limited_s;         /* the last second a response was limited, 0 = never */
	__u64 pad;
};
struct xdpdns_rrl_set {
	struct xdpdns_rrl_bucket way[XDPDNS_RRL_WAYS];
};

/* LPM trie key of the ATR allow-list: prefix length counts the 128 bits of
 * the mapped address, so an IPv4 /24 is stored as /120. */
struct xdpdns_lpm_key {
	__u32 prefixlen;         /* host order                                   */
	__u8  addr[16];          /* network order                                */
};

/* Metadata the XDP program puts in front of every frame it redirects to an
 * AF_XDP socket (bpf_xdp_adjust_meta; at most 32 bytes, multiple of 4). The
 * daemon finds it immediately before the packet in the UMEM frame. */
#define XDPDNS_META_MAGIC 0x78646e73u /* "xdns" */
enum xdpdns_meta_flags {
	XDPDNS_META_F_ATR_ALLOWED = 1u << 0, /* client passes the ATR allow-list */
	XDPDNS_META_F_TCP         = 1u << 1, /* TCP data segment, cookie valid   */
	XDPDNS_META_F_IPV6        = 1u << 2,
	XDPDNS_META_F_COOKIE_OK   = 1u << 3, /* TCP: SEG.ACK - 1 checked valid      */
	XDPDNS_META_F_CONN        = 1u << 4, /* TCP: steered by a tcp_conns entry   */
	XDPDNS_META_F_ADOPT       = 1u << 5, /* TCP: XDP answered the connection's
					      * first query: rcv_nxt and snd_nxt
					      * are where it stands                */
	XDPDNS_META_F_RRL_EXEMPT  = 1u << 6, /* UDP: client on the rrl_exempt list
					      * (checked while rrl.rate is not 0)  */
};
struct xdpdns_meta {
	__u32 magic;             /* XDPDNS_META_MAGIC                            */
	__u16 flags;             /* enum xdpdns_meta_flags                       */
	__u16 path_mtu;          /* learnt from ICMP, 0 = unknown (host order)   */
	__u16 client_mss;        /* from the cookie, TCP only (host order)       */
	__u16 l3_offset;         /* start of IP header in the frame              */
	__u16 l4_offset;         /* start of TCP/UDP header in the frame         */
	__u16 pad;
	__u32 rcv_nxt;           /* F_ADOPT: the client's next octet (host order) */
	__u32 snd_nxt;           /* F_ADOPT: our next octet (host order)          */
};

/* ---- size checks ------------------------------------------------------- */
#ifdef __cplusplus
#define XDPDNS_STATIC_ASSERT(c, m) static_assert(c, m)
#else
#define XDPDNS_STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif
XDPDNS_STATIC_ASSERT(sizeof(struct xdpdns_config) == 192, "config layout");
XDPDNS_STATIC_ASSERT(sizeof(struct xdpdns_ports) == 8192, "ports layout");
XDPDNS_STATIC_ASSERT(sizeof(struct xdpdns_keys) == 56, "keys layout");
XDPDNS_STATIC_ASSERT(sizeof(struct xdpdns_cookie_input) == 48, "cookie input: 6 words");
XDPDNS_STATIC_ASSERT(sizeof(struct xdpdns_pmtu) == 16, "pmtu layout");
XDPDNS_STATIC_ASSERT(sizeof(struct xdpdns_lpm_key) == 20, "lpm key layout");
XDPDNS_STATIC_ASSERT(sizeof(struct xdpdns_conn_key) == 36, "conn key layout");
XDPDNS_STATIC_ASSERT(sizeof(struct xdpdns_conn) == 48, "conn layout");
XDPDNS_STATIC_ASSERT(sizeof(struct xdpdns_answer_key) == 72, "answer key layout");
XDPDNS_STATIC_ASSERT(sizeof(struct xdpdns_answer) == 896, "answer layout");
XDPDNS_STATIC_ASSERT(sizeof(struct xdpdns_rrl_bucket) == 32, "rrl bucket layout");
XDPDNS_STATIC_ASSERT(sizeof(struct xdpdns_rrl_set) == 128, "rrl set: two cache lines");
XDPDNS_STATIC_ASSERT(sizeof(struct xdpdns_meta) == 24, "meta: <= 32, multiple of 4");

#endif /* XDPDNS_ABI_H */
