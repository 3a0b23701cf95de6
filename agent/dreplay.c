// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Replay windows of the reference model (dreplay.h). A linear table: the
 * model serves tests and the simulator, where a node hears from a few
 * producers.
 */
#include <stdlib.h>
#include <string.h>

#include "dreplay.h"

void mms_rp_table_init(struct mms_rp_table *t, size_t max)
{
	memset(t, 0, sizeof(*t));
	t->max = max;
}

void mms_rp_table_free(struct mms_rp_table *t)
{
	free(t->e);
	memset(t, 0, sizeof(*t));
}

static struct mms_rp_ent *find_or_add(struct mms_rp_table *t, const struct mms_rp_key *k)
{
	for (size_t i = 0; i < t->n; i++)
		if (!memcmp(&t->e[i].k, k, sizeof(*k)))
			return &t->e[i];
	if (t->n >= t->max)
		return NULL;
	if (t->n == t->alloc) {
		size_t a = t->alloc ? 2 * t->alloc : 8;
		struct mms_rp_ent *e = realloc(t->e, a * sizeof(*e));

		if (!e)
			return NULL;
		t->e = e;
		t->alloc = a;
	}
	memset(&t->e[t->n], 0, sizeof(t->e[0]));
	t->e[t->n].k = *k;
	return &t->e[t->n++];
}

int mms_rp_table_take(struct mms_rp_table *t, const struct mms_rp_key *k, __u8 epoch, __u64 ctr)
{
	struct mms_rp_ent *e = find_or_add(t, k);

	if (!e)
		return MMS_S_DROP_REPLAY_FULL;
	return mms_rp_take(&e->w[epoch % MMS_EPOCH_SLOTS], epoch, ctr & MMS_SEQ_CTR_MASK) ?
	       MMS_S_DROP_REPLAY : 0;
}
