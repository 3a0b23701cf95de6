/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * End-to-end DATA tags over packet memory (include/mms_e2e.h for the MAC,
 * docs/wire-format.md "End-to-end tag" for what it covers). The source's TC
 * program computes the tag when it encapsulates; the destination's XDP
 * program checks it before anything reaches mm0. Transit hops never touch
 * it, so forwarding costs nothing more.
 */
#ifndef MMS_E2E_BPF_H
#define MMS_E2E_BPF_H

#include "mms_lib.h"

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define mms_le64(x)	(x)
#else
#define mms_le64(x)	__builtin_bswap64(x)
#endif

/* Where the tagged IP packet may start: after at most an 802.1Q link
 * header, a route header, one hop field, the payload header, the tag and
 * the sequence word. */
#define MMS_E2E_OFF_MAX	(MMS_ETH_LEN + 4 + MMS_HDR_LEN + MMS_HOP_LEN + MMS_PL_LEN + MMS_E2E_LEN)
_Static_assert(MMS_E2E_OFF_MAX < 128, "mms_e2e_sum masks the offset to 127");

/* Global subprograms take at most five arguments, of sized types. */
struct mms_e2e_io {
	struct mms_e2e_key key;	/* in */
	__u64 w0;		/* in: the route word (mms_e2e_w0) */
	__u64 w1;		/* in: the sequence word (mms_e2e_w1) */
	__u64 tag;		/* out */
};

/*
 * `may_goto` (Linux 6.9+): a jump the verifier lets a loop converge on, as
 * for an open-coded iterator, and that the kernel takes only once the
 * program has used up its loop budget (at least 65535 iterations, or a
 * time limit; the tag needs at most 152 per packet).
 * clang 14 has no mnemonic for it, so it is spelled in bytes: opcode 0xe5
 * (BPF_JMP | BPF_JCOND), jump offset in the 16-bit field, in instructions.
 * True while the budget lasts.
 */
#define mms_may_loop							\
	({								\
		__label__ l_out, l_on;					\
		int on_ = 1;						\
		asm volatile goto("1: .byte 0xe5; .byte 0;"		\
				  ".long ((%l[l_out] - 1b - 8) / 8) & 0xffff;" \
				  ".short 0" :::: l_out);		\
		goto l_on;						\
	l_out:								\
		on_ = 0;						\
	l_on:								\
		on_;							\
	})

/*
 * io->tag = SipHash-2-4 under io->key of w0, w1, then the n (8 or more)
 * packet bytes from off. 0, or -1 when the bytes are not all in the
 * packet's linear part (the callers' length checks make that impossible).
 * Global: the verifier checks it once, not once for every caller state.
 */
__noinline int mms_e2e_sum(struct mms_ctx_t *ctx, __u64 off, __u64 n, struct mms_e2e_io *io)
{
	const __u8 *data = ctx_data(ctx), *end = ctx_data_end(ctx), *base, *p;
	__u64 nw, r, tail_at, i;
	struct mms_sip s;
	__u64 last;

	if (!io || off > MMS_E2E_OFF_MAX || n < 8 || n > MMS_DATA_MAX)
		return -1;
	/* 64-bit arguments and this barrier keep the checked bounds on the
	 * registers the compiler goes on to use (a 32-bit argument is
	 * zero-extended afresh from the unchecked register at each use). */
	asm volatile("" : "+r"(off), "+r"(n));
	off &= 127;
	n &= 2047;
	base = data + off;
	nw = n / 8;
	r = n & 7;
	/* The final block holds the r bytes past the last whole block: the
	 * top r bytes of the (little-endian) 8 bytes that end the message,
	 * read in one load since n >= 8. */
	tail_at = (n - 8) & 2047;
	p = base + tail_at;
	if (p + 8 > end)
		return -1;
	last = r ? mms_le64(ld64(p)) >> (64 - 8 * r) : 0;
	last |= (__u64)((n + 16) & 0xff) << 56;
	mms_sip_init(&s, &io->key);
	mms_sip_word(&s, io->w0);
	mms_sip_word(&s, io->w1);
	/* i = 0, which the verifier must not know: it walks a loop once per
	 * iteration while the index is a precise scalar, and adding a known
	 * constant to a packet pointer makes it precise. Starting unknown
	 * (nw minus an opaque copy of nw), the index stays imprecise and the
	 * second arrival at may_goto matches the first: the body is checked
	 * once. */
	i = nw;
	asm volatile("" : "+r"(i));
	i -= nw;
	for (; i < nw; i++) {
		if (!mms_may_loop)
			return -1;	/* out of budget: cannot happen */
		p = base + ((i * 8) & 2047);	/* i < nw <= MMS_DATA_MAX / 8 */
		if (p + 8 > end)
			return -1;
		mms_sip_word(&s, mms_le64(ld64(p)));
	}
	io->tag = mms_sip_final(&s, last);
	return 0;
}

#endif /* MMS_E2E_BPF_H */
