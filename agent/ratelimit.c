// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Control-frame budgets, userspace side (ratelimit.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ratelimit.h"

static const char *const level_names[MMS_RL_LEVELS] = {
	[MMS_RL_NBR] = "nbr", [MMS_RL_LINK] = "link", [MMS_RL_NODE] = "node",
};

const char *mms_rl_level_name(enum mms_rl_level l)
{
	return (unsigned int)l < MMS_RL_LEVELS ? level_names[l] : NULL;
}

int mms_rl_level_parse(const char *s)
{
	for (int l = 0; l < MMS_RL_LEVELS; l++)
		if (!strcmp(s, level_names[l]))
			return l;
	return -1;
}

struct mms_rl_limit mms_rl_default(enum mms_rl_level l)
{
	static const struct mms_rl_limit d[MMS_RL_LEVELS] = {
		[MMS_RL_NBR] = { MMS_RL_NBR_RATE, MMS_RL_NBR_BURST },
		[MMS_RL_LINK] = { MMS_RL_LINK_RATE, MMS_RL_LINK_BURST },
		[MMS_RL_NODE] = { MMS_RL_NODE_RATE, MMS_RL_NODE_BURST },
	};
	static const struct mms_rl_limit none;

	return (unsigned int)l < MMS_RL_LEVELS ? d[l] : none;
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

bool mms_rl_limit_parse(const char *s, enum mms_rl_level l, struct mms_rl_limit *out)
{
	struct mms_rl_limit v;
	const char *e;

	if (!s || (unsigned int)l >= MMS_RL_LEVELS)
		return false;
	if (!strcmp(s, "off")) {
		v.rate = v.burst = 0;
	} else if (!strcmp(s, "default")) {
		v = mms_rl_default(l);
	} else if (!parse_u32(s, '/', MMS_RL_RATE_MAX, &v.rate, &e) ||
		   !parse_u32(e + 1, '\0', MMS_RL_BURST_MAX, &v.burst, &e)) {
		return false;
	}
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
