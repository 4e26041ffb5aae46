/* SipHash-2-4 and the SYN cookie, one definition compiled by both clang-bpf
 * and g++, so the XDP program and the daemon can never disagree.
 *
 * The cookie hashes a short octet string built from struct
 * xdpdns_cookie_input (see xdpdns_cookie_hash): 17 octets for an IPv4
 * connection (3 SipHash compressions, 10 rounds with the finalisation), 41
 * for IPv6 (6, 16 rounds); the whole 48-octet struct took 7 (18 rounds).
 * Both sides run on little-endian hosts (x86-64, arm64), as does BPF on
 * them.
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

/* SipHash-2-4 state; the functions below are inlined, so it lives in
 * registers. */
struct xdpdns_sip {
	__u64 v0, v1, v2, v3;
};

XDPDNS_INLINE void xdpdns_sip_init(struct xdpdns_sip *s, const struct xdpdns_siphash_key *key)
{
	s->v0 = 0x736f6d6570736575ULL ^ key->k0;
	s->v1 = 0x646f72616e646f6dULL ^ key->k1;
	s->v2 = 0x6c7967656e657261ULL ^ key->k0;
	s->v3 = 0x7465646279746573ULL ^ key->k1;
}

/* One 8-octet message block (little-endian word). */
XDPDNS_INLINE void xdpdns_sip_block(struct xdpdns_sip *s, __u64 m)
{
	s->v3 ^= m;
	XDPDNS_SIPROUND(s->v0, s->v1, s->v2, s->v3);
	XDPDNS_SIPROUND(s->v0, s->v1, s->v2, s->v3);
	s->v0 ^= m;
}

/* The last block: the message length (mod 256) in the top octet, the
 * remaining `len % 8` octets in the low ones. */
XDPDNS_INLINE __u64 xdpdns_sip_final(struct xdpdns_sip *s, __u32 len, __u64 tail)
{
	xdpdns_sip_block(s, ((__u64)(len & 0xff) << 56) | tail);
	s->v2 ^= 0xff;
	XDPDNS_SIPROUND(s->v0, s->v1, s->v2, s->v3);
	XDPDNS_SIPROUND(s->v0, s->v1, s->v2, s->v3);
	XDPDNS_SIPROUND(s->v0, s->v1, s->v2, s->v3);
	XDPDNS_SIPROUND(s->v0, s->v1, s->v2, s->v3);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

/* SipHash-2-4 of `nwords` whole 64-bit words (message length 8*nwords). */
#define XDPDNS_SIPHASH_MAX_WORDS 8
XDPDNS_INLINE __u64 xdpdns_siphash_words(const struct xdpdns_siphash_key *key,
					 const xdpdns_word_t *words, __u32 nwords)
{
	struct xdpdns_sip s;
	__u32 i;

	xdpdns_sip_init(&s, key);
	for (i = 0; i < XDPDNS_SIPHASH_MAX_WORDS; i++) {
		if (i >= nwords)
			break;
		xdpdns_sip_block(&s, words[i]);
	}
	return xdpdns_sip_final(&s, nwords * 8, 0);
}

/* 1 when both addresses are IPv4-mapped (::ffff:a.b.c.d): the connection
 * is hashed in its IPv4 form. Decided from the addresses alone, so the
 * daemon, which keeps no address family beside the tuple, agrees. */
XDPDNS_INLINE int xdpdns_cookie_input_v4(const struct xdpdns_cookie_input *in)
{
	const xdpdns_word_t *w = (const xdpdns_word_t *)in;

	/* Octets 0..11 are 10 zeros and ff ff: word 0 is zero, and the low
	 * half of word 1 (octets 8..11, little-endian) is 0xffff0000. */
	return w[0] == 0 && (__u32)w[1] == 0xffff0000u &&
	       w[2] == 0 && (__u32)w[3] == 0xffff0000u;
}

/* SipHash-2-4 over the cookie message, an octet string:
 *   IPv4: client addr (4) | server addr (4) | ports and epoch (8) | MSS index (1)   17 octets
 *   IPv6: client addr (16) | server addr (16) | ports and epoch (8) | MSS index (1) 41 octets
 * "ports and epoch" is octets 32..39 of the input: client port, server port
 * (network order), epoch (little-endian); addresses as on the wire. The
 * lengths differ, so the two forms never collide. */
XDPDNS_INLINE __u64 xdpdns_cookie_hash(const struct xdpdns_siphash_key *key,
				       const struct xdpdns_cookie_input *in)
{
	const xdpdns_word_t *w = (const xdpdns_word_t *)in;
	__u64 tail = in->mss_index & 0xff;
	struct xdpdns_sip s;

	xdpdns_sip_init(&s, key);
	if (xdpdns_cookie_input_v4(in)) {
		/* The IPv4 addresses are the high halves of words 1 and 3. */
		xdpdns_sip_block(&s, (w[1] >> 32) | (w[3] & 0xffffffff00000000ULL));
		xdpdns_sip_block(&s, w[4]);
		return xdpdns_sip_final(&s, 17, tail);
	}
	xdpdns_sip_block(&s, w[0]);
	xdpdns_sip_block(&s, w[1]);
	xdpdns_sip_block(&s, w[2]);
	xdpdns_sip_block(&s, w[3]);
	xdpdns_sip_block(&s, w[4]);
	return xdpdns_sip_final(&s, 41, tail);
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
	__u64 h = xdpdns_cookie_hash(key, in);

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
