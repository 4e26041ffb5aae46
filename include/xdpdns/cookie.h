/* SipHash-2-4 and the SYN cookie, one definition compiled by both clang-bpf
 * and g++, so the XDP program and the daemon can never disagree.
 *
 * The input is a fixed 48-octet struct (6 little-endian words); both sides
 * run on little-endian hosts (x86-64, arm64), as does BPF on them.
 */
#ifndef XDPDNS_COOKIE_H
#define XDPDNS_COOKIE_H

#include "abi.h"

#ifdef __bpf__
#define XDPDNS_INLINE static __always_inline
#else
#define XDPDNS_INLINE static inline
#endif

/* Word view of the hash input; may_alias because the input is a struct of
 * narrower fields (strict aliasing would otherwise allow g++ to misorder). */
typedef __u64 __attribute__((may_alias)) xdpdns_word_t;

#define XDPDNS_ROTL64(x, b) (__u64)(((x) << (b)) | ((x) >> (64 - (b))))

#define XDPDNS_SIPROUND(v0, v1, v2, v3)                                  \
	do {                                                             \
		v0 += v1; v1 = XDPDNS_ROTL64(v1, 13); v1 ^= v0;          \
		v0 = XDPDNS_ROTL64(v0, 32);                              \
		v2 += v3; v3 = XDPDNS_ROTL64(v3, 16); v3 ^= v2;          \
		v0 += v3; v3 = XDPDNS_ROTL64(v3, 21); v3 ^= v0;          \
		v2 += v1; v1 = XDPDNS_ROTL64(v1, 17); v1 ^= v2;          \
		v2 = XDPDNS_ROTL64(v2, 32);                              \
	} while (0)

/* SipHash-2-4 of `nwords` whole 64-bit words (message length 8*nwords). */
#define XDPDNS_SIPHASH_MAX_WORDS 8
XDPDNS_INLINE __u64 xdpdns_siphash_words(const struct xdpdns_siphash_key *key,
					 const xdpdns_word_t *words, __u32 nwords)
{
	__u64 v0 = 0x736f6d6570736575ULL ^ key->k0;
	__u64 v1 = 0x646f72616e646f6dULL ^ key->k1;
	__u64 v2 = 0x6c7967656e657261ULL ^ key->k0;
	__u64 v3 = 0x7465646279746573ULL ^ key->k1;
	__u64 last = (__u64)(nwords * 8) << 56;
	__u32 i;

	for (i = 0; i < XDPDNS_SIPHASH_MAX_WORDS; i++) {
		if (i >= nwords)
			break;
		v3 ^= words[i];
		XDPDNS_SIPROUND(v0, v1, v2, v3);
		XDPDNS_SIPROUND(v0, v1, v2, v3);
		v0 ^= words[i];
	}
	v3 ^= last;
	XDPDNS_SIPROUND(v0, v1, v2, v3);
	XDPDNS_SIPROUND(v0, v1, v2, v3);
	v0 ^= last;
	v2 ^= 0xff;
	XDPDNS_SIPROUND(v0, v1, v2, v3);
	XDPDNS_SIPROUND(v0, v1, v2, v3);
	XDPDNS_SIPROUND(v0, v1, v2, v3);
	XDPDNS_SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/* Index of the largest XDPDNS_MSS_TABLE entry not above `mss` (0 if none). */
XDPDNS_INLINE __u32 xdpdns_mss_index(__u32 mss)
{
	const __u16 table[XDPDNS_MSS_TABLE_LEN] = XDPDNS_MSS_TABLE;
	__u32 i, best = 0;

	for (i = 0; i < XDPDNS_MSS_TABLE_LEN; i++)
		if (table[i] <= mss)
			best = i;
	return best;
}

XDPDNS_INLINE __u32 xdpdns_mss_from_index(__u32 index)
{
	const __u16 table[XDPDNS_MSS_TABLE_LEN] = XDPDNS_MSS_TABLE;

	return table[index & XDPDNS_COOKIE_MSS_MASK];
}

/* The cookie for `in` (whose epoch and mss_index fields are already set). */
XDPDNS_INLINE __u32 xdpdns_cookie_make(const struct xdpdns_siphash_key *key,
				       const struct xdpdns_cookie_input *in)
{
	__u64 h = xdpdns_siphash_words(key, (const xdpdns_word_t *)in,
				       sizeof(*in) / sizeof(__u64));

	return ((__u32)h & XDPDNS_COOKIE_HASH_MASK) |
	       ((in->mss_index & XDPDNS_COOKIE_MSS_MASK) << XDPDNS_COOKIE_MSS_SHIFT) |
	       (in->epoch & XDPDNS_COOKIE_EPOCH_MASK);
}

/* Checks `cookie` against the current and the previous epoch (chosen by the
 * cookie's epoch bit) under the current and the previous key. `in` holds the
 * tuple; its epoch and mss_index are overwritten. Returns the client MSS
 * carried by a valid cookie, 0 for an invalid one. */
XDPDNS_INLINE __u32 xdpdns_cookie_check(const struct xdpdns_keys *keys,
					struct xdpdns_cookie_input *in,
					__u32 cookie, __u32 now_epoch)
{
	/* Read once (volatile): a rotation may store it concurrently. */
	__u32 cur = *(volatile const __u32 *)&keys->current;
	__u32 prev;

	if (cur >= XDPDNS_KEY_SLOTS)
		return 0;
	prev = cur == 0 ? XDPDNS_KEY_SLOTS - 1 : cur - 1;
	in->mss_index = (cookie >> XDPDNS_COOKIE_MSS_SHIFT) & XDPDNS_COOKIE_MSS_MASK;
	in->epoch = ((now_epoch ^ cookie) & XDPDNS_COOKIE_EPOCH_MASK) ? now_epoch - 1
								      : now_epoch;
	in->pad = 0;
	if (xdpdns_cookie_make(&keys->slot[cur], in) == cookie ||
	    xdpdns_cookie_make(&keys->slot[prev], in) == cookie)
		return xdpdns_mss_from_index(in->mss_index);
	return 0;
}

#endif /* XDPDNS_COOKIE_H */
