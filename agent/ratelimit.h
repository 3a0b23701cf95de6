/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The userspace side of the datapath's control-frame budgets
 * (bpf/mms_rl.h): class and level names, the defaults, the RATE/BURST
 * syntax operators use, and the tokens a bucket holds at a given time,
 * computed as the XDP program decides (struct mms_rl_bucket in
 * include/mms_kern_user.h).
 */
#ifndef MMS_RATELIMIT_H
#define MMS_RATELIMIT_H

#include <stdbool.h>
#include "mms_kern_user.h"

/* "link-scope", "routed", "transit"; NULL for anything else. */
const char *mms_rl_class_name(enum mms_rl_class c);
/* "nbr", "link", "node"; NULL for anything else. */
const char *mms_rl_level_name(enum mms_rl_level l);
/* The class / level called s, or -1. */
int mms_rl_class_parse(const char *s);
int mms_rl_level_parse(const char *s);
/*
 * A fresh node's budget for one class and level (rate 0 for bad arguments).
 * Link scope: 1000/s burst 200 per sender, 2000/s burst 400 per link,
 * 10000/s burst 2000 per node. Routed: 5000/s burst 1000 per sender and per
 * link, 20000/s burst 4000 per node. Transit: 2500/s burst 500 per sender,
 * 5000/s burst 1000 per link, no node level.
 */
struct mms_rl_limit mms_rl_default(enum mms_rl_class c, enum mms_rl_level l);
/* Every class and level of cfg to its default. */
void mms_rl_defaults(struct mms_cfg *cfg);
/*
 * "RATE/BURST" (frames per second, frames; 1..MMS_RL_RATE_MAX and
 * 1..MMS_RL_BURST_MAX, decimal digits only, the burst at least a clock
 * tick's worth of the rate: rate / MMS_RL_TICKS_PER_S), "off" (no limit) or
 * "default".
 * Returns false for anything else, leaving *out alone.
 */
bool mms_rl_limit_parse(const char *s, enum mms_rl_class c, enum mms_rl_level l,
			struct mms_rl_limit *out);
/*
 * Whole tokens bucket b holds at boot-clock time now_ns (CLOCK_BOOTTIME) under limit l (0 to
 * l->burst), as the next frame would find them; -1 if the level is off.
 */
long long mms_rl_tokens(const struct mms_rl_bucket *b, const struct mms_rl_limit *l,
			__u64 now_ns);

#endif /* MMS_RATELIMIT_H */
