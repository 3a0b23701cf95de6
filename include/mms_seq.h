/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Sequence numbers of DATA frames and the destination's anti-replay window
 * (docs/wire-format.md "End-to-end tag", docs/security.md "Replays"), shared
 * by the BPF programs and userspace (agent/codec.c mms_process(), the model;
 * agent/dreplay.c, its table).
 *
 * Every DATA frame carries, after its end-to-end tag and under it, a 64-bit
 * big-endian sequence word:
 *
 *   producer (16 bits) | counter (48 bits)
 *
 * The producer is the node that tagged the frame (mms_cfg.producer, from its
 * node id); the counter is that node's, one for everything it sends, and it
 * never goes back (mms_seq_next()). The destination keeps, per (key source,
 * producer), one window per epoch slot and accepts each counter value once.
 */
#ifndef MMS_SEQ_H
#define MMS_SEQ_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#include <linux/bpf.h>		/* struct bpf_spin_lock */
#endif
#include "mms_kern_user.h"

#define MMS_SEQ_LEN		8
#define MMS_SEQ_CTR_BITS	48
#define MMS_SEQ_CTR_MASK	((1ull << MMS_SEQ_CTR_BITS) - 1)

/*
 * The counter is kept at least the wall clock in units of 2^15 ns (32.8 us):
 * a counter that starts afresh (the pinned map is gone after a reboot or a
 * teardown) starts from the clock and so above every value sent before under
 * any key, as long as the node sent fewer than one frame per unit on
 * average (30,500 a second) while the old counter ran: below that rate the
 * counter never runs ahead of the clock. 2^48 units of 2^15 ns are 2^63 ns,
 * 292 years from 1970. Route expiry already needs a wall clock about right.
 */
#define MMS_SEQ_UNIT_SHIFT	15

static inline __u64 mms_seq_word(__u16 producer, __u64 ctr)
{
	return (__u64)producer << MMS_SEQ_CTR_BITS | (ctr & MMS_SEQ_CTR_MASK);
}

static inline __u64 mms_seq_clock(__u64 unix_ns)
{
	return (unix_ns >> MMS_SEQ_UNIT_SHIFT) & MMS_SEQ_CTR_MASK;
}

/*
 * The window: RFC 4303's sliding window kept as in RFC 6479, a ring of
 * 64-bit words indexed by counter / 64, so that sliding forward clears whole
 * words and never shifts. Counters top - MMS_RP_SPAN + 1 .. top are tracked
 * (the oldest word of the ring is always partly stale); anything older is
 * refused. 960 values: at the clock's pace (one value per 32.8 us when the
 * node sends less often) 31 ms of reordering, at full pace 960 frames of it,
 * well beyond what several CPUs and a switch of route produce.
 */
#define MMS_RP_WORDS		16
#define MMS_RP_BITS		(MMS_RP_WORDS * 64)
#define MMS_RP_SPAN		(MMS_RP_BITS - 64)
_Static_assert((MMS_RP_WORDS & (MMS_RP_WORDS - 1)) == 0, "ring index by mask");

struct mms_rp_win {
	__u32	epoch1;		/* epoch + 1 of the frames counted here, 0: none */
	__u32	pad;
	__u64	top;		/* highest counter taken */
	__u64	bits[MMS_RP_WORDS];	/* bit c % 64 of word (c / 64) % MMS_RP_WORDS: c taken */
};

/*
 * mms_replay key: whose counter. src is the source address whose route set
 * held the key the tag verified under (at an MA: the CM that sent), or all
 * zero when it was the node's own key (at a CM: from any of its MAs). A
 * key of a source's set is used by that source alone, so the producer is
 * left 0 then, and a source cannot spend the table by naming producers.
 */
struct mms_rp_key {
	struct mms_addr src;
	__u16	producer;	/* host order; 0 under a source's key */
	__u16	pad;		/* zero */
};

/* mms_replay value: a window per epoch slot, under one lock. Only one epoch
 * of a slot can verify at a time (mms_keys[slot] holds it), so a window
 * that sees a new epoch starts afresh: the old epoch's frames are
 * DROP_EPOCH from then on. */
struct mms_rp_val {
	struct bpf_spin_lock lock;
	__u32	pad;
	struct mms_rp_win w[MMS_EPOCH_SLOTS];
};

/*
 * Take counter ctr of epoch into w: 0, or 1 for a value already taken or
 * older than the window. Moves the window; the caller holds the lock and
 * calls it only for frames whose tag verified. Straight-line code and one
 * bounded loop, for the BPF verifier under a spin lock.
 */
static inline int mms_rp_take(struct mms_rp_win *w, __u8 epoch, __u64 ctr)
{
	__u64 bit = 1ull << (ctr & 63), d, top;
	__u32 i, at;

	if (w->epoch1 != (__u32)epoch + 1) {
		for (i = 0; i < MMS_RP_WORDS; i++)
			w->bits[i] = 0;
		w->top = 0;
		w->epoch1 = (__u32)epoch + 1;
	}
	top = w->top;
	if (ctr > top) {
		d = (ctr >> 6) - (top >> 6);	/* words entered */
		at = (__u32)(top >> 6);
		for (i = 1; i <= MMS_RP_WORDS; i++)
			if (i <= d)
				w->bits[(at + i) & (MMS_RP_WORDS - 1)] = 0;
		w->top = ctr;
	} else if (top - ctr >= MMS_RP_SPAN) {
		return 1;
	}
	at = (__u32)(ctr >> 6) & (MMS_RP_WORDS - 1);
	if (w->bits[at] & bit)
		return 1;
	w->bits[at] |= bit;
	return 0;
}

#endif /* MMS_SEQ_H */
