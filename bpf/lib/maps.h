/* Every map of the xdpdns object. Userspace reaches them through the
 * skeleton (xdpdns.skel.h) at attach time and through their pins under
 * /sys/fs/bpf/xdpdns/IFACE/<map name> afterwards. */
#ifndef XDPDNS_BPF_MAPS_H
#define XDPDNS_BPF_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <xdpdns/abi.h>
#include <xdpdns/stats.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdpdns_config);
} config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdpdns_ports);
} ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdpdns_keys);
} keys SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, XDPDNS_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xsks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDPDNS_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

/* Daemon counters: one row per worker, written by the daemon through mmap.
 * Defined here so that it is created and pinned with everything else. */
struct xdpdns_dstats_row {
	__u64 v[XDPDNS_DSTATS_ROW_U64];
};
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, XDPDNS_DSTATS_MAX_WORKERS);
	__type(key, __u32);
	__type(value, struct xdpdns_dstats_row);
} dstats SEC(".maps");

/* max_entries is set by the loader before load (knob pmtu.entries). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XDPDNS_PMTU_DEFAULT_ENTRIES);
	__type(key, struct xdpdns_addr);
	__type(value, struct xdpdns_pmtu);
} pmtu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, XDPDNS_ATR_ALLOW_MAX);
	__type(key, struct xdpdns_lpm_key);
	__type(value, __u8);
} atr_allow SEC(".maps");

/* Service addresses (IPv4 as ::ffff:a.b.c.d). Consulted only while
 * config.addr_filter_active is 1; ctl keeps the flag equal to "non-empty". */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XDPDNS_MAX_SERVICE_ADDRS);
	__type(key, struct xdpdns_addr);
	__type(value, __u8);
} service_addrs SEC(".maps");

/* Reused TCP connections (see struct xdpdns_conn_key). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XDPDNS_TCP_CONNS_DEFAULT);
	__type(key, struct xdpdns_conn_key);
	__type(value, struct xdpdns_conn);
} tcp_conns SEC(".maps");

/* In-kernel answers (see struct xdpdns_answer_key): one slot holding the
 * daemon's current answer map, empty (no answers) until a daemon installs
 * one. Inner hash maps may differ in max_entries (--answer-entries). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct {
		__uint(type, BPF_MAP_TYPE_HASH);
		__uint(map_flags, BPF_F_NO_PREALLOC);
		__uint(max_entries, 1);
		/* sizes, not types: BTF of an inner map's types is not needed */
		__uint(key_size, sizeof(struct xdpdns_answer_key));
		__uint(value_size, sizeof(struct xdpdns_answer));
	});
} answers SEC(".maps");

/* Response rate limiting (include/xdpdns/rrl.h): sets of buckets shared by
 * XDP and the daemon (mmapped); max_entries is set by the loader
 * (rrl.table-size / XDPDNS_RRL_WAYS), rrl_set_mask with it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, XDPDNS_RRL_DEFAULT_BUCKETS / XDPDNS_RRL_WAYS);
	__type(key, __u32);
	__type(value, struct xdpdns_rrl_set);
} rrl SEC(".maps");

/* Clients RRL never limits; consulted only while config.rrl_exempt_active
 * is 1 (ctl keeps it equal to "non-empty"). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, XDPDNS_RRL_EXEMPT_MAX);
	__type(key, struct xdpdns_lpm_key);
	__type(value, __u8);
} rrl_exempt SEC(".maps");

/* Room for an in-kernel answer's larger pieces (the question as a key, the
 * query's header and question while the frame is rebuilt), off the
 * 512-octet stack that the TCP and UDP answer paths would share. Not
 * pinned: per packet, nothing outlives a run of the program. */
struct answer_scratch {
	struct xdpdns_answer_key key;
	__u8 qbuf[128];
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct answer_scratch);
} answer_scratch SEC(".maps");

#endif /* XDPDNS_BPF_MAPS_H */
