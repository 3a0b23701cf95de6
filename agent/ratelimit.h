/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The userspace side of the datapath's control-frame budgets
 * (bpf/mms_rl.h): level names, the RATE/BURST syntax operators use, and the
 * tokens a bucket holds at a given time, computed as the XDP program
 * decides (struct mms_rl_bucket in include/mms_kern_user.h).
 */
#ifndef MMS_RATELIMIT_H
#define MMS_RATELIMIT_H

#include <stdbool.h>
#include "mms_kern_user.h"

/* "nbr", "link", "node"; NULL for anything else. */
const char *mms_rl_level_name(enum mms_rl_level l);
/* The level called s, or -1. */
int mms_rl_level_parse(const char *s);
/* The default budget of a level (MMS_RL_*_RATE / _BURST). */
struct mms_rl_limit mms_rl_default(enum mms_rl_level l);
/*
 * "RATE/BURST" (frames per second, frames; 1..MMS_RL_RATE_MAX and
 * 1..MMS_RL_BURST_MAX, decimal digits only), "off" (no limit) or "default".
 * Returns false for anything else, leaving *out alone.
 */
bool mms_rl_limit_parse(const char *s, enum mms_rl_level l, struct mms_rl_limit *out);
/*
 * Whole tokens bucket b holds at wall-clock time now_ns under limit l (0 to
 * l->burst), as the next frame would find them; -1 if the level is off.
 */
long long mms_rl_tokens(const struct mms_rl_bucket *b, const struct mms_rl_limit *l,
			__u64 now_ns);

#endif /* MMS_RATELIMIT_H */
