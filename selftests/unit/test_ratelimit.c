// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The userspace side of the control-frame budgets (agent/ratelimit.c): the
 * RATE/BURST syntax, class and level names, defaults, and the tokens a bucket holds,
 * which must read as the XDP program decides (test_xdp_rl.c checks the two
 * against each other on real buckets).
 */
#include <string.h>
#include "tap.h"
#include "ratelimit.h"

#define NS 1000000000ull

static void parsing(void)
{
	static const struct {
		const char *s;
		bool ok;
		__u32 rate, burst;
	} t[] = {
		{ "1000/200", true, 1000, 200 },
		{ "1/1", true, 1, 1 },
		{ "100000000/10000000", true, MMS_RL_RATE_MAX, MMS_RL_BURST_MAX },
		{ "off", true, 0, 0 },
		{ "100000000/1000000", true, MMS_RL_RATE_MAX, MMS_RL_RATE_MAX / 100 },
		{ "100000000/999999", false, 0, 0 },	/* less than a 10 ms tick's worth */
		{ "100000000/1", false, 0, 0 },
		{ "101/1", false, 0, 0 },
		{ "100/1", true, 100, 1 },
		{ "100000001/1", false, 0, 0 },
		{ "1/10000001", false, 0, 0 },
		{ "0/5", false, 0, 0 },
		{ "5/0", false, 0, 0 },
		{ "5", false, 0, 0 },
		{ "5/", false, 0, 0 },
		{ "/5", false, 0, 0 },
		{ "5/5/5", false, 0, 0 },
		{ "+5/5", false, 0, 0 },
		{ "5/-5", false, 0, 0 },
		{ " 5/5", false, 0, 0 },
		{ "5/5 ", false, 0, 0 },
		{ "0x10/5", false, 0, 0 },
		{ "99999999999999999999/5", false, 0, 0 },
		{ "OFF", false, 0, 0 },
		{ "", false, 0, 0 },
	};
	struct mms_rl_limit l, d;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		bool got;

		l.rate = l.burst = 77;
		got = mms_rl_limit_parse(t[i].s, MMS_RL_LINK_SCOPE, MMS_RL_NBR, &l);
		ok(got == t[i].ok && (got ? l.rate == t[i].rate && l.burst == t[i].burst
					  : l.rate == 77 && l.burst == 77),
		   "'%s' %s", t[i].s, t[i].ok ? "parses" : "is refused, the limit left alone");
	}
	ok(mms_rl_limit_parse("default", MMS_RL_ROUTED, MMS_RL_LINK, &d) && d.rate == 5000 &&
	   d.burst == 1000, "'default' is the class's and level's default");
	ok(!mms_rl_limit_parse("1/1", MMS_RL_ROUTED, MMS_RL_LEVELS, &l) &&
	   !mms_rl_limit_parse("1/1", MMS_RL_CLASSES, MMS_RL_NBR, &l) &&
	   !mms_rl_limit_parse(NULL, MMS_RL_ROUTED, MMS_RL_NBR, &l),
	   "no class, no level, no string: refused");
	for (int i = 0; i < MMS_RL_LEVELS; i++)
		ok(mms_rl_level_parse(mms_rl_level_name((enum mms_rl_level)i)) == i,
		   "level %s round-trips", mms_rl_level_name((enum mms_rl_level)i));
	for (int i = 0; i < MMS_RL_CLASSES; i++)
		ok(mms_rl_class_parse(mms_rl_class_name((enum mms_rl_class)i)) == i,
		   "class %s round-trips", mms_rl_class_name((enum mms_rl_class)i));
	ok(mms_rl_level_parse("sender") == -1 && mms_rl_level_name(MMS_RL_LEVELS) == NULL &&
	   mms_rl_class_parse("link") == -1 && mms_rl_class_name(MMS_RL_CLASSES) == NULL,
	   "unknown levels and classes");
}

/* The defaults, written out: changing one is a decision, not an accident. */
static void defaults(void)
{
	static const __u32 want[MMS_RL_CLASSES][MMS_RL_LEVELS][2] = {
		[MMS_RL_LINK_SCOPE] = { { 1000, 200 }, { 2000, 400 }, { 10000, 2000 } },
		[MMS_RL_ROUTED] = { { 5000, 1000 }, { 5000, 1000 }, { 20000, 4000 } },
		[MMS_RL_TRANSIT] = { { 2500, 500 }, { 5000, 1000 }, { 0, 0 } },
	};
	struct mms_cfg cfg;
	bool same = true;

	memset(&cfg, 0, sizeof(cfg));
	mms_rl_defaults(&cfg);
	for (int c = 0; c < MMS_RL_CLASSES; c++)
		for (int l = 0; l < MMS_RL_LEVELS; l++) {
			struct mms_rl_limit d = mms_rl_default((enum mms_rl_class)c,
							      (enum mms_rl_level)l);

			same &= d.rate == want[c][l][0] && d.burst == want[c][l][1] &&
				cfg.rl[c][l].rate == d.rate && cfg.rl[c][l].burst == d.burst;
		}
	ok(same, "defaults: link scope 1000/200, 2000/400, 10000/2000; "
	   "routed 5000/1000, 5000/1000, 20000/4000; transit 2500/500, 5000/1000, off");
	ok(mms_rl_default(MMS_RL_CLASSES, MMS_RL_NBR).rate == 0 &&
	   mms_rl_default(MMS_RL_ROUTED, MMS_RL_LEVELS).rate == 0, "no default out of range");
}

static void tokens(void)
{
	/* 2/s, burst 4: I = 0.5 s, tau = 1.5 s; a bucket drained at T */
	const struct mms_rl_limit l = { 2, 4 }, off = { 0, 0 };
	const __u64 T = 1000 * NS;
	static const struct {
		__u64 tat, now;
		long long want;
		const char *what;
	} t[] = {
		{ 0, T, 4, "never used: full" },
		{ T, T, 4, "tat == now: full" },
		{ T + 2 * NS, T, 0, "just drained (tat = now + tau + I)" },
		{ T + 2 * NS, T + NS / 2 - 1, 0, "a nanosecond short of a token" },
		{ T + 2 * NS, T + NS / 2, 1, "half a second later: one" },
		{ T + 2 * NS, T + 3 * NS / 2, 3, "1.5 s later: three" },
		{ T + 2 * NS, T + 100 * NS, 4, "long idle: the burst, no more" },
		{ T + NS, T, 2, "tat one second ahead: two" },
		{ T + 2 * NS + MMS_RL_SKEW_NS, T, 0, "ahead by the skew allowance: still empty" },
		{ T + 2 * NS + MMS_RL_SKEW_NS + 1, T, 4, "further: the clock stepped back, full" },
	};
	struct mms_rl_bucket b = { 0 };

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		long long got;

		b.tat = t[i].tat;
		got = mms_rl_tokens(&b, &l, t[i].now);
		ok(got == t[i].want, "tokens, %s: %lld (want %lld)", t[i].what, got, t[i].want);
	}
	ok(mms_rl_tokens(&b, &off, T) == -1, "tokens of a level that is off: -1");
}

int main(void)
{
	parsing();
	defaults();
	tokens();
	return tap_done();
}
