/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Sliding replay window over 64-bit sequence numbers, one bit a number, kept
 * in a ring of MMS_REPLAY_WORDS 64-bit words (the scheme WireGuard and IPsec
 * use). A number is accepted once, and only if it is no more than
 * MMS_REPLAY_WINDOW below the highest number accepted so far; numbers above
 * the highest move the window forward. Memory is fixed (272 bytes) whatever
 * the sender does.
 *
 * check() only looks, so that a receiver can reject cheaply before a MAC is
 * computed; update() is called after the MAC verified, so a forged number can
 * never move the window.
 *
 * Both return 0 (fresh), -EALREADY (seen), -ESTALE (below the window) or
 * -ERANGE (UINT64_MAX, never valid: it would leave no room after it).
 */
#ifndef MMS_REPLAY_H
#define MMS_REPLAY_H

#include <stdint.h>

#define MMS_REPLAY_WORDS	32
/* The word holding the top number is only partly behind it, so the window
 * that is always fully tracked is one word less than the ring. */
#define MMS_REPLAY_WINDOW	((MMS_REPLAY_WORDS - 1) * 64)

struct mms_replay {
	uint64_t top;		/* highest number accepted */
	uint32_t any;		/* 0 until the first number is accepted */
	uint32_t pad;
	uint64_t bits[MMS_REPLAY_WORDS];
};

void mms_replay_init(struct mms_replay *r);
int mms_replay_check(const struct mms_replay *r, uint64_t seq);
int mms_replay_update(struct mms_replay *r, uint64_t seq);

#endif /* MMS_REPLAY_H */
