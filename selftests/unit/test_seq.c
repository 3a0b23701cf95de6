// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * DATA sequence numbers and the destination's replay window
 * (include/mms_seq.h), the code the XDP program and the model share:
 *  - the sequence word's layout and the counter's clock;
 *  - the window: a table of edge cases, then random walks against a plain
 *    model (every value taken kept in a set; a value is refused when taken
 *    or when MMS_RP_SPAN or more below the highest taken);
 *  - the model's table (agent/dreplay.c): windows per key source, producer
 *    and epoch slot, a new epoch in a slot starting afresh, the bound.
 * The BPF side runs the same mms_rp_take(); test_xdp_golden and
 * test_xdp_diff hold the program to it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "codec.h"

static void test_word(void)
{
	__u64 w = mms_seq_word(0xabcd, 0x123456789abcull);

	ok(w == 0xabcd123456789abcull, "sequence word: producer in the top 16 bits, counter below");
	ok(mms_seq_word(1, 1ull << 48 | 5) == (1ull << 48 | 5),
	   "a counter past 48 bits does not reach into the producer");
	ok(mms_seq_clock(1ull << 15) == 1 && mms_seq_clock((1ull << 15) - 1) == 0,
	   "clock units of 2^15 ns");
	/* 2026-01-01 and the year 2116 */
	ok(mms_seq_clock(1767225600ull * 1000000000ull) < MMS_SEQ_CTR_MASK / 2 &&
	   mms_seq_clock(4607280000ull * 1000000000ull) < MMS_SEQ_CTR_MASK,
	   "the clock fits 48 bits until 2116 and has used less than half of them in 2026");
}

struct wcase {
	const char *desc;
	__u8 epoch;
	__u64 ctr;
	int want;	/* 0 taken, 1 refused */
};

#define TOP	100000ull
static const struct wcase wcases[] = {
	{ "first value of a fresh window", 1, TOP, 0 },
	{ "the same again", 1, TOP, 1 },
	{ "one below, never seen", 1, TOP - 1, 0 },
	{ "one below again", 1, TOP - 1, 1 },
	{ "the oldest value kept (top - span + 1)", 1, TOP - MMS_RP_SPAN + 1, 0 },
	{ "one older (top - span): left behind", 1, TOP - MMS_RP_SPAN, 1 },
	{ "far below", 1, 5, 1 },
	{ "zero", 1, 0, 1 },
	{ "top + 1", 1, TOP + 1, 0 },
	{ "into the next word (top + 64)", 1, TOP + 65, 0 },
	{ "a value between, skipped by the jump", 1, TOP + 30, 0 },
	{ "... once", 1, TOP + 30, 1 },
	{ "a jump of exactly the ring (1024)", 1, TOP + 65 + MMS_RP_BITS, 0 },
	{ "the value a ring below: left behind", 1, TOP + 65, 1 },
	{ "a value the jump's words cleared, within the span", 1, TOP + 65 + MMS_RP_BITS - 900, 0 },
	{ "a jump far beyond the ring", 1, 1ull << 40, 0 },
	{ "the old top: far behind now", 1, TOP + 65 + MMS_RP_BITS, 1 },
	{ "the largest counter", 1, MMS_SEQ_CTR_MASK, 0 },
	{ "... once", 1, MMS_SEQ_CTR_MASK, 1 },
	{ "a new epoch in the slot: the window starts afresh", 5, TOP, 0 },
	{ "... and counts for the new epoch", 5, TOP, 1 },
	{ "... from its first value on", 5, TOP - MMS_RP_SPAN, 1 },
	{ "epoch 0 (kept as epoch + 1)", 0, 7, 0 },
	{ "epoch 0, again", 0, 7, 1 },
	{ "epoch 255", 255, 7, 0 },
	{ "epoch 255, again", 255, 7, 1 },
};

static void test_cases(void)
{
	struct mms_rp_win w;
	bool all = true;

	memset(&w, 0, sizeof(w));
	for (size_t i = 0; i < sizeof(wcases) / sizeof(wcases[0]); i++) {
		const struct wcase *c = &wcases[i];
		int got = mms_rp_take(&w, c->epoch, c->ctr);

		if (got != c->want) {
			all = false;
			diag("case %zu \"%s\": %s (want %s)", i, c->desc, got ? "refused" : "taken",
			     c->want ? "refused" : "taken");
		}
	}
	ok(all, "window: %zu table cases", sizeof(wcases) / sizeof(wcases[0]));
}

/* The plain model: every value taken, sorted set kept as a bitmap over a
 * bounded range (the walks stay in it). */
#define RANGE	(1u << 22)
static __u8 seen[RANGE / 8];

static uint64_t rng = 88172645463325252ull;

static __u64 rnd(__u64 n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? rng % n : 0;
}

static void test_random(void)
{
	long walks = 0, ops = 0, differ = 0, taken = 0, refused = 0;

	for (int walk = 0; walk < 100; walk++, walks++) {
		struct mms_rp_win w;
		__u64 top = 0, c = 0;
		bool any = false;

		memset(&w, 0, sizeof(w));
		memset(seen, 0, sizeof(seen));
		for (int i = 0; i < 5000; i++, ops++) {
			__u64 k = rnd(100);
			int got, want;

			/* mostly forwards and close, sometimes a reorder, a
			 * replay, a jump, or anything near the edge */
			if (k < 50)
				c = top + 1 + rnd(4);
			else if (k < 70)
				c = top - rnd(40);
			else if (k < 80)
				c = top - rnd(MMS_RP_SPAN + 80);
			else if (k < 85)
				c = top - MMS_RP_SPAN + rnd(3) - 1;
			else if (k < 90)
				c = top + rnd(3 * MMS_RP_BITS);
			else if (k < 95)
				c = c - rnd(2);
			else
				c = rnd(top + 2 * MMS_RP_BITS);
			if (c >= RANGE)	/* a walk stays far below: 5000 steps of ~80 */
				c = top;
			want = seen[c / 8] >> (c % 8) & 1 || (any && c < top && top - c >= MMS_RP_SPAN);
			got = mms_rp_take(&w, 3, c);
			if (!want) {
				seen[c / 8] |= (__u8)(1u << (c % 8));
				if (!any || c > top)
					top = c;
				any = true;
			}
			taken += !got;
			refused += got;
			if (got != want && differ++ < 5)
				diag("walk %d op %d: counter %llu (top %llu): window %s, model %s", walk,
				     i, (unsigned long long)c, (unsigned long long)top,
				     got ? "refused" : "took", want ? "refuses" : "takes");
		}
	}
	ok(differ == 0, "window against the plain model: %ld walks, %ld values, %ld taken, "
	   "%ld refused, %ld differences", walks, ops, taken, refused, differ);
	ok(taken > ops / 4 && refused > ops / 10, "the walks exercise both outcomes");
}

static void test_table(void)
{
	struct mms_rp_table t;
	struct mms_rp_key a, b, s;
	int full;

	mms_rp_table_init(&t, 3);
	memset(&a, 0, sizeof(a));
	b = a;
	s = a;
	a.producer = 1;
	b.producer = 2;
	mms_addr_parse("10.0.0.9", &s.src);
	ok(mms_rp_table_take(&t, &a, 7, 100) == 0 && mms_rp_table_take(&t, &a, 7, 100) ==
	   MMS_S_DROP_REPLAY, "table: producer 1 takes 100 once");
	ok(mms_rp_table_take(&t, &b, 7, 100) == 0, "table: producer 2 has a window of its own");
	ok(mms_rp_table_take(&t, &s, 7, 100) == 0, "table: a key source has a window of its own");
	ok(mms_rp_table_take(&t, &a, 8, 100) == 0 &&
	   mms_rp_table_take(&t, &a, 7, 100) == MMS_S_DROP_REPLAY &&
	   mms_rp_table_take(&t, &a, 8, 100) == MMS_S_DROP_REPLAY,
	   "table: epochs 7 and 8 have separate windows (slots 3 and 0)");
	ok(mms_rp_table_take(&t, &a, 11, 50) == 0 && mms_rp_table_take(&t, &a, 7, 100) == 0,
	   "table: epoch 11 restarts the slot of 7, and 7 restarts it again (keys move on, "
	   "never back, in the datapath: DROP_EPOCH stops the old one first)");
	a.producer = 9;
	full = mms_rp_table_take(&t, &a, 7, 1);
	ok(full == MMS_S_DROP_REPLAY_FULL, "table: a fourth window in a table of three: %s",
	   mms_stat_name((enum mms_stat)full));
	ok(t.n == 3 && mms_rp_table_take(&t, &b, 7, 101) == 0,
	   "table: nothing evicted for it; the known go on");
	mms_rp_table_free(&t);
}

int main(void)
{
	test_word();
	test_cases();
	test_random();
	test_table();
	return tap_done();
}
