/* Response rate limiting: the one limiter of the XDP program and the
 * daemon, compiled by both (clang -target bpf and g++), so that an answer
 * made in XDP and one built by the daemon count in the same bucket.
 *
 * The table is the mmapable ARRAY `rrl` of struct xdpdns_rrl_set: a bucket
 * (client prefix + answer class) lives in the set its tag selects, in one
 * of XDPDNS_RRL_WAYS ways. A new tag takes an unused way, else the way
 * with the smallest window word (second << 32 | responses): the least
 * recently used, and among those of the current second the least busy.
 * So a flood of distinct prefixes recycles the idle and the small buckets
 * and never pushes a busy one out before them, and memory stays what the
 * map was sized to.
 *
 * Counting is per second, as a token bucket that gets `rate` tokens at the
 * start of each second: the first `rate` responses of a second pass, the
 * rest are limited, and every `slip`-th limited response of a bucket goes
 * out as a TC=1 answer instead of being dropped.
 *
 * Concurrency: XDP on every CPU and the daemon's workers (through the
 * mmap) update buckets at once, without locks. Only atomic adds without a
 * returned value are used (the BPF ISA has them at every -mcpu level); the
 * count is read after the add. Two updaters may see each other's add or
 * both start a new second; the limiter is then off by a response or two in
 * that second, never unbounded. The time base is CLOCK_MONOTONIC seconds
 * (bpf_ktime_get_ns in XDP, clock_gettime in the daemon). */
#ifndef XDPDNS_RRL_H
#define XDPDNS_RRL_H

#include <xdpdns/abi.h>

#ifdef __cplusplus
#define XDPDNS_RRL_FN static inline __attribute__((always_inline))
#define XDPDNS_RRL_LOAD64(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define XDPDNS_RRL_STORE64(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define XDPDNS_RRL_LOAD32(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define XDPDNS_RRL_STORE32(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#else
#define XDPDNS_RRL_FN static __always_inline
#define XDPDNS_RRL_LOAD64(p) (*(volatile __u64 *)(p))
#define XDPDNS_RRL_STORE64(p, v) (*(volatile __u64 *)(p) = (v))
#define XDPDNS_RRL_LOAD32(p) (*(volatile __u32 *)(p))
#define XDPDNS_RRL_STORE32(p, v) (*(volatile __u32 *)(p) = (v))
#endif

enum xdpdns_rrl_verdict {
	XDPDNS_RRL_PASS = 0,  /* send the answer                        */
	XDPDNS_RRL_DROP = 1,  /* limited: send nothing                  */
	XDPDNS_RRL_SLIP = 2,  /* limited: send a TC=1 answer instead    */
};

/* 64-bit finaliser (MurmurHash3 fmix64): spreads every input bit. */
XDPDNS_RRL_FN __u64 xdpdns_rrl_mix(__u64 x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* The bucket tag of a client (16 octets, network order, IPv4 as
 * ::ffff:a.b.c.d) cut to `bits` leading bits of those 128, and an answer
 * class (xdpdns_answer.rrl_class). Never 0 (the unused way's tag). */
XDPDNS_RRL_FN __u64 xdpdns_rrl_tag(const __u8 *addr, __u32 bits, __u32 rrl_class)
{
	__u64 hi = 0, lo = 0;
	int i;

	for (i = 0; i < 8; i++) {
		hi = (hi << 8) | addr[i];
		lo = (lo << 8) | addr[8 + i];
	}
	if (bits < 128) {
		if (bits <= 64) {
			lo = 0;
			hi = bits == 0 ? 0 : hi & (~0ULL << (64 - bits));
		} else {
			lo &= ~0ULL << (128 - bits);
		}
	}
	hi = xdpdns_rrl_mix(hi ^ xdpdns_rrl_mix(lo ^ xdpdns_rrl_mix(((__u64)rrl_class << 8) | bits)));
	return hi ? hi : 1;
}

/* Prefix bits of the 128 for a client: IPv4 prefixes count the 96 bits of
 * ::ffff:0:0/96 in front. */
XDPDNS_RRL_FN __u32 xdpdns_rrl_bits(int ipv6, __u32 prefix_v4, __u32 prefix_v6)
{
	if (ipv6)
		return prefix_v6 > 128 ? 128 : prefix_v6;
	return 96 + (prefix_v4 > 32 ? 32 : prefix_v4);
}

/* Counts one response of bucket `tag` in `set` at second `now_s` and says
 * what to do with it. `*started` is set to 1 when this response is the
 * first the bucket limits after a second without limiting (the moment to
 * log). rate 0: everything passes and nothing is counted. */
XDPDNS_RRL_FN int xdpdns_rrl_account(struct xdpdns_rrl_set *set, __u64 tag, __u32 now_s, __u32 rate,
				     __u32 slip, int *started)
{
	struct xdpdns_rrl_bucket *b = 0, *victim = 0;
	__u64 victim_window = ~0ULL, w, count;
	__u32 n, last;
	int i;

	*started = 0;
	if (rate == 0)
		return XDPDNS_RRL_PASS;
	for (i = 0; i < (int)XDPDNS_RRL_WAYS; i++) {
		struct xdpdns_rrl_bucket *c = &set->way[i];
		__u64 t = XDPDNS_RRL_LOAD64(&c->tag);

		if (t == tag) {
			b = c;
			break;
		}
		w = t ? XDPDNS_RRL_LOAD64(&c->window) : 0;
		if (w < victim_window) {
			victim_window = w;
			victim = c;
		}
	}
	if (!b) {
		if (!victim)
			return XDPDNS_RRL_PASS;
		/* A new bucket: its first response passes (rate >= 1). */
		XDPDNS_RRL_STORE64(&victim->tag, tag);
		XDPDNS_RRL_STORE64(&victim->window, ((__u64)now_s << 32) | 1);
		XDPDNS_RRL_STORE32(&victim->limited, 0);
		XDPDNS_RRL_STORE32(&victim->limited_s, 0);
		return XDPDNS_RRL_PASS;
	}

	w = XDPDNS_RRL_LOAD64(&b->window);
	if ((__u32)(w >> 32) < now_s) {
		/* A new second: `rate` new tokens, this response takes one. A
		 * stamp ahead of now_s (the other side read the clock a little
		 * later) counts as now. */
		XDPDNS_RRL_STORE64(&b->window, ((__u64)now_s << 32) | 1);
		return XDPDNS_RRL_PASS;
	}
	__sync_fetch_and_add(&b->window, 1);
	count = XDPDNS_RRL_LOAD64(&b->window) & 0xffffffffULL;
	if (count <= rate)
		return XDPDNS_RRL_PASS;

	last = XDPDNS_RRL_LOAD32(&b->limited_s);
	if (last + 1 < now_s || last == 0) {
		*started = 1;
		XDPDNS_RRL_STORE32(&b->limited, 0);
	}
	if (last != now_s)
		XDPDNS_RRL_STORE32(&b->limited_s, now_s);
	__sync_fetch_and_add(&b->limited, 1);
	n = XDPDNS_RRL_LOAD32(&b->limited);
	if (slip && n % slip == 0)
		return XDPDNS_RRL_SLIP;
	return XDPDNS_RRL_DROP;
}

#endif /* XDPDNS_RRL_H */
