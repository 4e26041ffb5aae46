/* Packet pointer helpers shared by every parser. */
#ifndef XDPDNS_BPF_PKT_H
#define XDPDNS_BPF_PKT_H

/* Keeps clang from folding `data + off + N` into `data + (off + N)`: the
 * verifier only learns a packet range from a constant offset on a pointer. */
#ifndef barrier_var
#define barrier_var(var) asm volatile("" : "+r"(var))
#endif
/* Largest frame handled (linear XDP frames live in one page). The verifier
 * learns a packet range only when offset bound + constant <= 0xffff, so every
 * variable offset is masked to this; the program passes longer frames on
 * before parsing, so a masked offset equals the real one, and every offset is
 * also checked against the IP/UDP end it belongs to. */
#define XDPDNS_PKT_OFF_MASK 0x3fff
#define XDPDNS_MAX_FRAME    XDPDNS_PKT_OFF_MASK

/* A packet pointer at a variable offset. The mask is done in asm so clang
 * cannot drop it as redundant (it may know a bound the verifier lost to a
 * 32-bit copy), and the result is opaque to clang's arithmetic. */
#define pkt_at(data, off)                                                   \
	({                                                                  \
		__u64 __o = (off);                                          \
		void *__p;                                                  \
		asm volatile("%[o] &= %[m]" : [o] "+r"(__o)                 \
			     : [m] "i"(XDPDNS_PKT_OFF_MASK));               \
		__p = (void *)(data) + __o;                                 \
		barrier_var(__p);                                           \
		__p;                                                        \
	})

#endif /* XDPDNS_BPF_PKT_H */
