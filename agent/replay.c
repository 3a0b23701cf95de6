// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Sliding replay window (replay.h). */
#include <errno.h>
#include <string.h>

#include "replay.h"

void mms_replay_init(struct mms_replay *r)
{
	memset(r, 0, sizeof(*r));
}

static uint64_t *word(struct mms_replay *r, uint64_t seq)
{
	return &r->bits[(seq >> 6) % MMS_REPLAY_WORDS];
}

int mms_replay_check(const struct mms_replay *r, uint64_t seq)
{
	if (seq == UINT64_MAX)
		return -ERANGE;
	if (!r->any || seq > r->top)
		return 0;
	if (r->top - seq > MMS_REPLAY_WINDOW)
		return -ESTALE;
	return r->bits[(seq >> 6) % MMS_REPLAY_WORDS] >> (seq & 63) & 1 ? -EALREADY : 0;
}

int mms_replay_update(struct mms_replay *r, uint64_t seq)
{
	int rc = mms_replay_check(r, seq);

	if (rc)
		return rc;
	if (!r->any || seq > r->top) {
		/* Clear the words the window slides over: those after the top's
		 * word up to seq's, all of them at most. */
		uint64_t from = r->any ? (r->top >> 6) + 1 : 0;
		uint64_t steps = r->any ? (seq >> 6) - (r->top >> 6) : MMS_REPLAY_WORDS;

		if (steps >= MMS_REPLAY_WORDS)
			memset(r->bits, 0, sizeof(r->bits));
		else
			for (uint64_t i = 0; i < steps; i++)
				r->bits[(from + i) % MMS_REPLAY_WORDS] = 0;
		r->top = seq;
		r->any = 1;
	}
	*word(r, seq) |= 1ULL << (seq & 63);
	return 0;
}
