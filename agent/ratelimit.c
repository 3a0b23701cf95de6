// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Control-frame budgets, userspace side (ratelimit.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ratelimit.h"

static const char *const class_names[MMS_RL_CLASSES] = {
	[MMS_RL_LINK_SCOPE] = "link-scope", [MMS_RL_ROUTED] = "routed",
	[MMS_RL_TRANSIT] = "transit",
};

static const char *const level_names[MMS_RL_LEVELS] = {
	[MMS_RL_NBR] = "nbr", [MMS_RL_LINK] = "link", [MMS_RL_NODE] = "node",
};

/*
 * Link scope: hellos every 15 ms and a beacon per MA every 100 ms (plus
 * duplicates) per neighbour are well under 1000/s. Routed: an MA gets every
 * node's beacon acks (one per node per beacon, 10/s by default) and LSAs
 * through its few neighbours, so 5000/s per neighbour and 20000/s in all is
 * an MA of about 2000 nodes; larger networks raise them (docs/datapath.md).
 * Transit: half of the next node's routed budget per neighbour, so one
 * neighbour (a rogue flooding over a beacon's reverse route) leaves at least
 * half of the next node's budget to everybody else behind us; 2500/s is the
 * beacon acks and LSAs of the 500 nodes the routed defaults allow behind
 * one neighbour of an MA. The link level only matters on shared segments.
 * No node level: what a node forwards in all is what its neighbours'
 * budgets allow.
 */
static const struct mms_rl_limit defaults[MMS_RL_CLASSES][MMS_RL_LEVELS] = {
	[MMS_RL_LINK_SCOPE] = {
		[MMS_RL_NBR] = { 1000, 200 },
		[MMS_RL_LINK] = { 2000, 400 },
		[MMS_RL_NODE] = { 10000, 2000 },
	},
	[MMS_RL_ROUTED] = {
		[MMS_RL_NBR] = { 5000, 1000 },
		[MMS_RL_LINK] = { 5000, 1000 },
		[MMS_RL_NODE] = { 20000, 4000 },
	},
	[MMS_RL_TRANSIT] = {
		[MMS_RL_NBR] = { 2500, 500 },
		[MMS_RL_LINK] = { 5000, 1000 },
	},
};

const char *mms_rl_class_name(enum mms_rl_class c)
{
	return (unsigned int)c < MMS_RL_CLASSES ? class_names[c] : NULL;
}

const char *mms_rl_level_name(enum mms_rl_level l)
{
	return (unsigned int)l < MMS_RL_LEVELS ? level_names[l] : NULL;
}

int mms_rl_class_parse(const char *s)
{
	for (int c = 0; c < MMS_RL_CLASSES; c++)
		if (!strcmp(s, class_names[c]))
			return c;
	return -1;
}

int mms_rl_level_parse(const char *s)
{
	for (int l = 0; l < MMS_RL_LEVELS; l++)
		if (!strcmp(s, level_names[l]))
			return l;
	return -1;
}

struct mms_rl_limit mms_rl_default(enum mms_rl_class c, enum mms_rl_level l)
{
	static const struct mms_rl_limit none;

	if ((unsigned int)c >= MMS_RL_CLASSES || (unsigned int)l >= MMS_RL_LEVELS)
		return none;
	return defaults[c][l];
}

void mms_rl_defaults(struct mms_cfg *cfg)
{
	memcpy(cfg->rl, defaults, sizeof(cfg->rl));
}

/* Decimal digits only, up to the next `stop` (or the end), in 1..max. */
static bool parse_u32(const char *s, char stop, unsigned long max, __u32 *out, const char **end)
{
	unsigned long v;
	char *e;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoul(s, &e, 10);
	if (errno || *e != stop || v < 1 || v > max)
		return false;
	*out = (__u32)v;
	*end = e;
	return true;
}

bool mms_rl_limit_parse(const char *s, enum mms_rl_class c, enum mms_rl_level l,
			struct mms_rl_limit *out)
{
	struct mms_rl_limit v;
	const char *e;

	if (!s || (unsigned int)c >= MMS_RL_CLASSES || (unsigned int)l >= MMS_RL_LEVELS)
		return false;
	if (!strcmp(s, "off")) {
		v.rate = v.burst = 0;
	} else if (!strcmp(s, "default")) {
		v = mms_rl_default(c, l);
	} else if (!parse_u32(s, '/', MMS_RL_RATE_MAX, &v.rate, &e) ||
		   !parse_u32(e + 1, '\0', MMS_RL_BURST_MAX, &v.burst, &e)) {
		return false;
	}
	/* the clock's granule: see MMS_RL_TICKS_PER_S */
	if (v.rate && (__u64)v.burst * MMS_RL_TICKS_PER_S < v.rate)
		return false;
	*out = v;
	return true;
}

long long mms_rl_tokens(const struct mms_rl_bucket *b, const struct mms_rl_limit *l,
			__u64 now_ns)
{
	__u64 iv, tau, room;

	if (!l->rate)
		return -1;
	iv = 1000000000ull / l->rate;
	tau = (l->burst ? l->burst - 1 : 0) * iv;
	if (b->tat <= now_ns)
		return l->burst;
	if (b->tat > now_ns + tau + iv + MMS_RL_SKEW_NS)
		return l->burst;	/* the clock stepped back: it starts over */
	if (b->tat > now_ns + tau + iv)
		return 0;
	room = now_ns + tau + iv - b->tat;
	return (long long)(iv ? room / iv : l->burst);
}
