/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The destination's DATA replay windows as the reference model keeps them:
 * what the mms_replay map holds, with the same bound and the same window
 * (include/mms_seq.h mms_rp_take()), for mms_process() in tests and the
 * simulator.
 */
#ifndef MMS_DREPLAY_H
#define MMS_DREPLAY_H

#include <stddef.h>
#include "mms_kern_user.h"

struct mms_rp_ent {
	struct mms_rp_key k;
	struct mms_rp_win w[MMS_EPOCH_SLOTS];
};

struct mms_rp_table {
	struct mms_rp_ent *e;
	size_t n, alloc;
	size_t max;		/* windows at most, as mms_replay's max_entries */
};

/* An empty table of at most max windows (MMS_RP_SOURCES as the datapath). */
void mms_rp_table_init(struct mms_rp_table *t, size_t max);
void mms_rp_table_free(struct mms_rp_table *t);
/* mms_replay_take() of bpf/mms_replay.h: 0, MMS_S_DROP_REPLAY, or
 * MMS_S_DROP_REPLAY_FULL when k is new and the table full (or out of memory). */
int mms_rp_table_take(struct mms_rp_table *t, const struct mms_rp_key *k, __u8 epoch, __u64 ctr);

#endif /* MMS_DREPLAY_H */
