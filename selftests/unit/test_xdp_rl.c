// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Golden tests of the control-frame budgets (bpf/mms_rl.h) through
 * BPF_PROG_TEST_RUN on the real mms_xdp: which frames are charged, which
 * level refuses, what each bucket and DROP_RATELIMIT count, refill over
 * time, the clock stepping back, the sender table's bound, and exactness
 * with two CPUs taking from one bucket at once.
 *
 * Time never passes by sleeping. The budgets run on the boot clock, which
 * a test cannot set, so later(d) does to every bucket what d nanoseconds
 * would: a bucket is only its theoretical arrival time, and the algorithm
 * compares it with now, so moving it back by d is the same as moving now
 * forward by d. The clock otherwise runs on in real time; rates are small
 * (1-10 frames/s), so the milliseconds the tests take are a few hundredths
 * of a token, and every expected refill is half a token away from a
 * boundary. The fixture's pinned wall clock (at()) is route expiry's, and
 * moving it must leave the budgets alone. The test stays on one CPU so that the
 * clock, sampled per CPU once per jiffy, never runs backwards between two
 * frames: a burst ends exactly on a token boundary, where a clock a jiffy
 * behind would refuse the last token of the burst. (The two-CPU race below
 * is the exception, and takes that skew into account.)
 *
 * Node b, as in test_xdp_golden.c:
 *   port 1  a   on lo (ifindex 1)
 *   port 2  c   on lo
 *   port 3  r   on rl0, a veth of this test's namespace: another link
 */
#include <pthread.h>
#include <stdlib.h>
#include "tap.h"
#include "dp_fixture.h"
#include "ratelimit.h"
#include "rtnl.h"

#define EPOCH	3
#define EXPIRY	(FIX_NOW + 3600)
#define NS	1000000000ull

static const __u8 mac_a[6] = { 0x02, 0x4d, 0x4d, 0x53, 0x00, 0x0a };
static const __u8 mac_c[6] = { 0x02, 0x4d, 0x4d, 0x53, 0x00, 0x0c };
static const __u8 mac_r[6] = { 0x02, 0x4d, 0x4d, 0x53, 0x00, 0x0e };
static const __u8 mac_b[6] = { 0x02, 0x4d, 0x4d, 0x53, 0x00, 0x0b };
static const __u8 mm0_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0xee };
static __u8 key_b[16], key_c[16];
static __u32 if_r;	/* rl0's ifindex */

static struct fix F;

struct frame {
	__u8 b[512];
	__u32 len;
	__u32 ingress;
	const char *name;
};

/* ---- frames ---- */

static void link_frame(struct frame *f, const __u8 *src, __u32 ingress, __u8 type)
{
	static const char body[] = "hello, neighbour";
	struct mms_frame_spec fs = {
		.dst_mac = mac_b, .src_mac = src, .scope = MMS_SCOPE_LINK, .type = type,
		.body = body, .body_len = sizeof(body),
	};
	int n = mms_frame_build(f->b, sizeof(f->b), &fs);

	f->len = n > 0 ? (__u32)n : 0;
	f->ingress = ingress;
}

/* A fresh sequence word for each DATA frame built here. */
static __u64 next_seq(void)
{
	static __u64 n = 1000;

	return mms_seq_word(1, ++n);
}

/* A routed frame from the neighbour on port `in`: 1 field (delivered here)
 * or 2 (forwarded to c). */
static void routed_frame(struct frame *f, const __u8 *src, __u16 in, int nhops, __u8 type)
{
	/* IPv4 header (10.77.0.1 -> 10.77.0.2, checksum not checked) + 8 bytes */
	static const __u8 ip[28] = { 0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0,
				     10, 77, 0, 1, 10, 77, 0, 2 };
	struct mms_hop_spec spec[2] = { { key_b, in, nhops > 1 ? 2 : 0 }, { key_c, 1, 0 } };
	static const __u8 tag[4] = { 1, 2, 3, 4 };
	struct mms_route rt;
	int n = -1;

	if (!mms_route_build(&rt, 9, spec, nhops, EPOCH, EXPIRY, tag) &&
	    !mms_e2e_derive(spec[nhops - 1].key, MMS_E2E_DOWN, &rt.e2e))	/* data: tagged */
		n = type == MMS_T_DATA ?
		    mms_frame_data(f->b, sizeof(f->b), &rt, mac_b, src, next_seq(), ip, sizeof(ip)) :
		    mms_frame_route(f->b, sizeof(f->b), &rt, mac_b, src, type, ip, sizeof(ip));
	f->len = n > 0 ? (__u32)n : 0;
	f->ingress = FIX_LO;
}

/* ---- running and reading ---- */

/* Run f once; check the action and the one counter that moved. */
static bool run(const struct frame *f, __u32 act, int stat, const char *what)
{
	struct fix_run r;
	bool same;

	if (fix_exec(&F, MMS_PROG_XDP, f->b, f->len, f->ingress, &r))
		return ok(0, "%s: test run failed: %s", what, strerror(errno));
	same = act != XDP_DROP || (r.out_len == f->len && !memcmp(r.out, f->b, f->len));
	return ok(r.retval == act && r.moved == stat && same,
		  "%s: action %u (want %u), counter %s (want %s)%s", what, r.retval, act,
		  r.moved >= 0 ? mms_stat_name(r.moved) : "none/several", mms_stat_name(stat),
		  same ? "" : ", dropped frame changed");
}

/* Run f n times expecting the same outcome; one test point. */
static bool run_n(const struct frame *f, int n, __u32 act, int stat, const char *what)
{
	struct fix_run r;

	for (int i = 0; i < n; i++) {
		if (fix_exec(&F, MMS_PROG_XDP, f->b, f->len, f->ingress, &r))
			return ok(0, "%s: test run failed: %s", what, strerror(errno));
		if (r.retval != act || r.moved != stat)
			return ok(0, "%s: frame %d of %d: action %u counter %s (want %u %s)", what,
				  i + 1, n, r.retval,
				  r.moved >= 0 ? mms_stat_name(r.moved) : "none/several", act,
				  mms_stat_name(stat));
	}
	return ok(1, "%s: %d x action %u, %s", what, n, act, mms_stat_name(stat));
}

/* New limits, the same for both classes; the clock runs on. */
static void limits(__u32 nr, __u32 nb, __u32 lr, __u32 lb, __u32 dr, __u32 db)
{
	__u32 k = 0;

	for (int c = 0; c < MMS_RL_CLASSES; c++) {
		F.cfg.rl[c][MMS_RL_NBR] = (struct mms_rl_limit){ nr, nb };
		F.cfg.rl[c][MMS_RL_LINK] = (struct mms_rl_limit){ lr, lb };
		F.cfg.rl[c][MMS_RL_NODE] = (struct mms_rl_limit){ dr, db };
	}
	if (bpf_map_update_elem(F.map[MMS_MAP_CFG], &k, &F.cfg, BPF_ANY))
		diag("writing mms_cfg: %s", strerror(errno));
}

/* Set the wall clock; it runs on from there. */
static void at(__u32 s, __u32 ns)
{
	F.now_s = s;
	F.now_ns = ns;
	if (fix_sync(&F))
		diag("writing mms_cfg: %s", strerror(errno));
}

static int count_entries(int fd, size_t key_size)
{
	__u8 k[16], prev[16];
	int n = 0;

	if (bpf_map_get_next_key(fd, NULL, k))
		return 0;
	do {
		n++;
		memcpy(prev, k, key_size);
	} while (n <= MMS_RL_SENDERS * 2 && !bpf_map_get_next_key(fd, prev, k));
	return n;
}

/* Every bucket of every level through fn(fd, key, bucket); at most the
 * tables' size in each. */
static void each_bucket(void (*fn)(int, const void *, struct mms_rl_bucket *, __s64), __s64 d)
{
	int fds[2] = { F.map[MMS_MAP_RL_NBR], F.map[MMS_MAP_RL_LINK] };
	struct mms_rl_bucket b;
	__u8 k[16], prev[16];

	for (__u32 c = 0; c < MMS_RL_CLASSES; c++)
		if (!bpf_map_lookup_elem(F.map[MMS_MAP_RL_NODE], &c, &b))
			fn(F.map[MMS_MAP_RL_NODE], &c, &b, d);
	for (int i = 0; i < 2; i++) {
		int n = 0;

		if (bpf_map_get_next_key(fds[i], NULL, k))
			continue;
		do {
			if (!bpf_map_lookup_elem(fds[i], k, &b))
				fn(fds[i], k, &b, d);
			memcpy(prev, k, sizeof(prev));
		} while (++n <= MMS_RL_SENDERS * 2 && !bpf_map_get_next_key(fds[i], prev, k));
	}
}

static void shift_tat(int fd, const void *key, struct mms_rl_bucket *b, __s64 d)
{
	if (!b->tat)
		return;		/* never used: full, whatever the time */
	if (d < 0 && b->tat < (__u64)-d)
		b->tat = 0;	/* older than the clock's start: full anyway */
	else
		b->tat += (__u64)d;
	if (bpf_map_update_elem(fd, key, b, BPF_EXIST))
		diag("writing a bucket: %s", strerror(errno));
}

/* What d ns passing does to every bucket. */
static void later(__u64 d)
{
	each_bucket(shift_tat, -(__s64)d);
}

/* Forget every bucket. */
static void rl_reset(void)
{
	static const struct mms_rl_bucket zero;
	int fds[2] = { F.map[MMS_MAP_RL_NBR], F.map[MMS_MAP_RL_LINK] };
	__u8 k[16];
	__u32 k0 = 0;

	for (int i = 0; i < 2; i++)
		for (int n = 0; n < MMS_RL_SENDERS * 2 && !bpf_map_get_next_key(fds[i], NULL, k); n++)
			bpf_map_delete_elem(fds[i], k);
	for (k0 = 0; k0 < MMS_RL_CLASSES; k0++)
		bpf_map_update_elem(F.map[MMS_MAP_RL_NODE], &k0, &zero, BPF_ANY);
}

static struct mms_rl_bucket sender(const __u8 *mac, __u32 ifindex, enum mms_rl_class cls)
{
	struct mms_rl_bucket b = { 0 };
	struct mms_rl_key k = { .ifindex = ifindex, .cls = (__u8)cls };

	memcpy(k.mac, mac, 6);
	bpf_map_lookup_elem(F.map[MMS_MAP_RL_NBR], &k, &b);
	return b;
}

static struct mms_rl_bucket link_bucket(__u32 ifindex, enum mms_rl_class cls)
{
	struct mms_rl_bucket b = { 0 };
	struct mms_rl_link_key k = { .ifindex = ifindex, .cls = cls };

	bpf_map_lookup_elem(F.map[MMS_MAP_RL_LINK], &k, &b);
	return b;
}

static struct mms_rl_bucket node_bucket(enum mms_rl_class cls)
{
	struct mms_rl_bucket b = { 0 };
	__u32 k = cls;

	bpf_map_lookup_elem(F.map[MMS_MAP_RL_NODE], &k, &b);
	return b;
}

static __u64 stat_packets(enum mms_stat s)
{
	struct mms_counter c[MMS_S_MAX];

	return fix_stats(&F, c) ? 0 : c[s].packets;
}

static __u64 drops_sum;

static void add_drops(int fd, const void *key, struct mms_rl_bucket *b, __s64 d)
{
	(void)fd, (void)key, (void)d;
	drops_sum += b->dropped;
}

/* Sum of `dropped` over every bucket of every level. */
static __u64 bucket_drops(void)
{
	drops_sum = 0;
	each_bucket(add_drops, 0);
	return drops_sum;
}

/* A made-up sender: locally administered unicast MAC number i. */
static void made_up(__u8 mac[6], __u32 i)
{
	mac[0] = 0x06;
	mac[1] = 0xee;
	mac[2] = (__u8)(i >> 24);
	mac[3] = (__u8)(i >> 16);
	mac[4] = (__u8)(i >> 8);
	mac[5] = (__u8)i;
}

/* ---- cases ---- */

static void limits_off(void)
{
	struct frame h;

	rl_reset();
	limits(0, 0, 0, 0, 0, 0);
	link_frame(&h, mac_a, FIX_LO, MMS_T_HELLO);
	run_n(&h, 300, XDP_PASS, MMS_S_LINK_AGENT, "limits off: hellos from a");
	ok(count_entries(F.map[MMS_MAP_RL_NBR], sizeof(struct mms_rl_key)) == 0 &&
	   count_entries(F.map[MMS_MAP_RL_LINK], sizeof(struct mms_rl_link_key)) == 0 &&
	   node_bucket(MMS_RL_LINK_SCOPE).passed == 0 && node_bucket(MMS_RL_ROUTED).passed == 0,
	   "limits off: no bucket made or charged");
}

static void sender_level(void)
{
	struct frame h, lsa, data, fwd, fctl, hc, ctlc, hr, beacon, auth;
	struct mms_rl_bucket b, br, bt;
	__u64 d0 = stat_packets(MMS_S_DROP_RATELIMIT), t;

	rl_reset();
	limits(1, 5, 0, 0, 0, 0);
	link_frame(&h, mac_a, FIX_LO, MMS_T_HELLO);
	link_frame(&beacon, mac_a, FIX_LO, MMS_T_BEACON);
	link_frame(&auth, mac_a, FIX_LO, MMS_T_AUTH);
	routed_frame(&lsa, mac_a, 1, 1, MMS_T_LSA);
	routed_frame(&data, mac_a, 1, 1, MMS_T_DATA);
	routed_frame(&fwd, mac_a, 1, 2, MMS_T_DATA);
	routed_frame(&fctl, mac_a, 1, 2, MMS_T_LSA);
	link_frame(&hc, mac_c, FIX_LO, MMS_T_HELLO);
	routed_frame(&ctlc, mac_c, 2, 1, MMS_T_CONTROL);
	link_frame(&hr, mac_a, if_r, MMS_T_HELLO);

	run_n(&h, 3, XDP_PASS, MMS_S_LINK_AGENT, "sender 1/s burst 5: hellos from a within budget");
	run(&beacon, XDP_PASS, MMS_S_LINK_AGENT, "a's beacon: the 4th frame");
	run(&auth, XDP_PASS, MMS_S_LINK_AGENT, "a's challenge: the 5th frame");
	run(&h, XDP_DROP, MMS_S_DROP_RATELIMIT, "a's hello over budget: dropped, unchanged");
	run(&beacon, XDP_DROP, MMS_S_DROP_RATELIMIT, "a's beacon over budget");
	run_n(&lsa, 5, XDP_PASS, MMS_S_DELIVER_AGENT,
	      "a's routed LSAs: a budget of their own, not crowded out by a's link-scope frames");
	run(&lsa, XDP_DROP, MMS_S_DROP_RATELIMIT, "a's 6th routed LSA: over that budget");
	run(&data, XDP_REDIRECT, MMS_S_DELIVER_MM0, "a's data for mm0 is never charged");
	run_n(&fwd, 6, XDP_REDIRECT, MMS_S_FORWARD, "a's data to forward is never charged");
	run_n(&fctl, 5, XDP_REDIRECT, MMS_S_FORWARD, "a's LSAs to forward: its transit budget");
	run(&fctl, XDP_DROP, MMS_S_DROP_RATELIMIT, "  ... of 5: the 6th is dropped, not sent on");
	run(&fwd, XDP_REDIRECT, MMS_S_FORWARD, "  ... while its data still goes on");
	run_n(&hc, 5, XDP_PASS, MMS_S_LINK_AGENT, "c on the same link: its own budget");
	run(&hc, XDP_DROP, MMS_S_DROP_RATELIMIT, "  ... of 5");
	run(&ctlc, XDP_PASS, MMS_S_DELIVER_AGENT, "c's routed control: its own routed budget");
	run_n(&hr, 5, XDP_PASS, MMS_S_LINK_AGENT, "a's MAC on another link: another sender");
	run(&hr, XDP_DROP, MMS_S_DROP_RATELIMIT, "  ... with a budget of its own");

	b = sender(mac_a, FIX_LO, MMS_RL_LINK_SCOPE);
	br = sender(mac_a, FIX_LO, MMS_RL_ROUTED);
	bt = sender(mac_a, FIX_LO, MMS_RL_TRANSIT);
	ok(bt.passed == 5 && bt.dropped == 1, "a's transit bucket: passed %llu dropped %llu "
	   "(want 5, 1)", (unsigned long long)bt.passed, (unsigned long long)bt.dropped);
	ok(b.passed == 5 && b.dropped == 2 && br.passed == 5 && br.dropped == 1,
	   "a's buckets: link scope passed %llu dropped %llu (want 5, 2), routed %llu, %llu "
	   "(want 5, 1)", (unsigned long long)b.passed, (unsigned long long)b.dropped,
	   (unsigned long long)br.passed, (unsigned long long)br.dropped);
	b = sender(mac_c, FIX_LO, MMS_RL_LINK_SCOPE);
	ok(b.passed == 5 && b.dropped == 1, "c's bucket: passed %llu (want 5), dropped %llu (want 1)",
	   (unsigned long long)b.passed, (unsigned long long)b.dropped);
	ok(stat_packets(MMS_S_DROP_RATELIMIT) - d0 == 6 && bucket_drops() == 6,
	   "DROP_RATELIMIT moved by 6, the sum of the buckets' drops (%llu)",
	   (unsigned long long)bucket_drops());

	/* 1.5 s later: one and a half tokens, so one frame; what `mmsctl
	 * ratelimit show` computes from the bucket says the same */
	b = sender(mac_a, FIX_LO, MMS_RL_LINK_SCOPE);
	t = fix_clock_ns(CLOCK_BOOTTIME) + 3 * NS / 2;
	ok(mms_rl_tokens(&b, &F.cfg.rl[MMS_RL_LINK_SCOPE][MMS_RL_NBR], t) == 1,
	   "userspace reads one token in a's bucket 1.5 s on (%lld)",
	   mms_rl_tokens(&b, &F.cfg.rl[MMS_RL_LINK_SCOPE][MMS_RL_NBR], t));
	later(3 * NS / 2);
	run(&h, XDP_PASS, MMS_S_LINK_AGENT, "1.5 s later: one token back");
	run(&h, XDP_DROP, MMS_S_DROP_RATELIMIT, "  ... and only one");
	run(&lsa, XDP_PASS, MMS_S_DELIVER_AGENT, "  ... and one for a's routed LSAs");
	run(&lsa, XDP_DROP, MMS_S_DROP_RATELIMIT, "  ... and only one");
	later(NS);
	run(&auth, XDP_PASS, MMS_S_LINK_AGENT, "another second: one more");
	run(&h, XDP_DROP, MMS_S_DROP_RATELIMIT, "  ... and again only one");
	/* an hour idle: the bucket holds its burst, not 3600 tokens */
	later(3600 * NS);
	run_n(&h, 5, XDP_PASS, MMS_S_LINK_AGENT, "an hour idle: the burst");
	run(&h, XDP_DROP, MMS_S_DROP_RATELIMIT, "  ... and no more than the burst");
	/* a bucket an hour ahead of the clock (a lowered rate, a bucket
	 * written by hand): not stuck for an hour */
	each_bucket(shift_tat, 3600 * (__s64)NS);
	run_n(&h, 5, XDP_PASS, MMS_S_LINK_AGENT, "a bucket an hour ahead: starts over");
	run(&h, XDP_DROP, MMS_S_DROP_RATELIMIT, "  ... with its burst, no more");
	/* a higher rate: 2/s, burst 1; 1.25 s -> 2.5 tokens, capped at 1 */
	limits(2, 1, 0, 0, 0, 0);
	later(7 * NS);
	run(&hc, XDP_PASS, MMS_S_LINK_AGENT, "burst 1: one frame");
	run(&hc, XDP_DROP, MMS_S_DROP_RATELIMIT, "  ... then none");
	later(750000000);
	run(&hc, XDP_PASS, MMS_S_LINK_AGENT, "2/s: 0.75 s later one token");
	later(5 * NS / 4);
	run(&hc, XDP_PASS, MMS_S_LINK_AGENT, "1.25 s later: one token (burst 1 caps 2.5)");
	run(&hc, XDP_DROP, MMS_S_DROP_RATELIMIT, "  ... only one");
}

/*
 * Absorbed hellos (bpf/mms_hello.h) are charged first: copies of a hello
 * with a template within the sender's budget are absorbed, the rest
 * DROP_RATELIMIT, and the bucket counts both as it counts any hello.
 */
static void absorbed_charged(void)
{
	struct mms_hello_key k = { .ifindex = FIX_LO };
	struct mms_hello_tpl t = { .slot = 1 };
	struct mms_rl_bucket b;
	struct frame h;

	rl_reset();
	limits(1, 5, 0, 0, 0, 0);
	link_frame(&h, mac_a, FIX_LO, MMS_T_HELLO);
	memcpy(k.mac, mac_a, 6);
	t.len = (__u16)(h.len - MMS_ETH_LEN);
	memcpy(t.b, h.b + MMS_ETH_LEN, t.len);
	if (!ok(fix_hello(&F, &k, &t) == 0, "template of a's hello"))
		return;
	run_n(&h, 5, XDP_DROP, MMS_S_HELLO_ABSORBED, "a's copies within its budget: absorbed");
	run(&h, XDP_DROP, MMS_S_DROP_RATELIMIT, "the 6th: over budget, DROP_RATELIMIT as before");
	b = sender(mac_a, FIX_LO, MMS_RL_LINK_SCOPE);
	ok(b.passed == 5 && b.dropped == 1, "a's bucket: passed %llu dropped %llu (want 5, 1)",
	   (unsigned long long)b.passed, (unsigned long long)b.dropped);
	fix_hello(&F, &k, NULL);
	later(NS);
	run(&h, XDP_PASS, MMS_S_LINK_AGENT, "template removed: a second later, to the agent");
}

static void link_level(void)
{
	struct frame f, hr, ha, lsa;
	__u8 mac[6];
	struct mms_rl_bucket lb;
	int n;

	rl_reset();
	limits(1, 5, 1, 8, 0, 0);
	for (__u32 i = 0; i < 8; i++) {
		made_up(mac, i);
		link_frame(&f, mac, FIX_LO, MMS_T_HELLO);
		if (!run(&f, XDP_PASS, MMS_S_LINK_AGENT, "link 1/s burst 8: made-up sender within"))
			break;
	}
	made_up(mac, 8);
	link_frame(&f, mac, FIX_LO, MMS_T_BEACON);
	run(&f, XDP_DROP, MMS_S_DROP_RATELIMIT, "a 9th made-up sender: the link's budget is spent");
	link_frame(&ha, mac_a, FIX_LO, MMS_T_HELLO);
	run(&ha, XDP_DROP, MMS_S_DROP_RATELIMIT, "a on that link shares its budget");
	link_frame(&hr, mac_r, if_r, MMS_T_HELLO);
	run_n(&hr, 5, XDP_PASS, MMS_S_LINK_AGENT, "r on another link is untouched");
	routed_frame(&lsa, mac_a, 1, 1, MMS_T_LSA);
	run(&lsa, XDP_PASS, MMS_S_DELIVER_AGENT, "a's routed LSA on that link: the routed budget");
	n = count_entries(F.map[MMS_MAP_RL_NBR], sizeof(struct mms_rl_key));
	ok(n == 10, "senders refused by the link got no entry: %d entries (want 8 + r + a's routed)",
	   n);
	lb = link_bucket(FIX_LO, MMS_RL_LINK_SCOPE);
	ok(lb.passed == 8 && lb.dropped == 2, "lo's link bucket: passed %llu dropped %llu (want 8, 2)",
	   (unsigned long long)lb.passed, (unsigned long long)lb.dropped);
	lb = link_bucket(if_r, MMS_RL_LINK_SCOPE);
	ok(lb.passed == 5 && lb.dropped == 0, "rl0's link bucket: passed %llu dropped %llu (want 5, 0)",
	   (unsigned long long)lb.passed, (unsigned long long)lb.dropped);
	/* the link refills at its own rate: 1.5 s -> one frame, whoever sends */
	later(3 * NS / 2);
	run(&ha, XDP_PASS, MMS_S_LINK_AGENT, "1.5 s later: a gets the link's one new token");
	made_up(mac, 9);
	link_frame(&f, mac, FIX_LO, MMS_T_HELLO);
	run(&f, XDP_DROP, MMS_S_DROP_RATELIMIT, "  ... and nobody else on that link");
}

static void node_level(void)
{
	struct frame fa, fc, fr, lsa;
	struct mms_rl_bucket nb;

	rl_reset();
	limits(0, 0, 0, 0, 1, 3);
	link_frame(&fa, mac_a, FIX_LO, MMS_T_HELLO);
	link_frame(&fc, mac_c, FIX_LO, MMS_T_HELLO);
	link_frame(&fr, mac_r, if_r, MMS_T_HELLO);
	run(&fa, XDP_PASS, MMS_S_LINK_AGENT, "node 1/s burst 3: a");
	run(&fc, XDP_PASS, MMS_S_LINK_AGENT, "node: c");
	run(&fr, XDP_PASS, MMS_S_LINK_AGENT, "node: r on another link");
	run(&fr, XDP_DROP, MMS_S_DROP_RATELIMIT, "node: a 4th frame from anyone is over");
	routed_frame(&lsa, mac_a, 1, 1, MMS_T_LSA);
	run_n(&lsa, 3, XDP_PASS, MMS_S_DELIVER_AGENT, "node: routed control has its own budget");
	run(&lsa, XDP_DROP, MMS_S_DROP_RATELIMIT, "  ... of 3");
	nb = node_bucket(MMS_RL_LINK_SCOPE);
	ok(nb.passed == 3 && nb.dropped == 1, "node bucket: passed %llu dropped %llu (want 3, 1)",
	   (unsigned long long)nb.passed, (unsigned long long)nb.dropped);
	ok(count_entries(F.map[MMS_MAP_RL_NBR], sizeof(struct mms_rl_key)) == 0,
	   "sender level off: no sender entries");
}

/* More senders than the table holds: bounded, and a neighbour within its
 * budget is never refused because of the churn. */
static void table_bound(void)
{
	struct frame f, ha;
	__u8 mac[6];
	int passed = 0, a_passed = 0, n;

	rl_reset();
	limits(1, 5, 0, 0, 0, 0);
	link_frame(&ha, mac_a, FIX_LO, MMS_T_HELLO);
	for (__u32 i = 0; i < MMS_RL_SENDERS + 1000; i++) {
		struct fix_run r;

		made_up(mac, i);
		link_frame(&f, mac, FIX_LO, MMS_T_HELLO);
		if (!fix_exec(&F, MMS_PROG_XDP, f.b, f.len, FIX_LO, &r) && r.moved == MMS_S_LINK_AGENT)
			passed++;
		if (i % 1000 == 500 && !fix_exec(&F, MMS_PROG_XDP, ha.b, ha.len, FIX_LO, &r) &&
		    r.moved == MMS_S_LINK_AGENT)
			a_passed++;
	}
	ok(passed == MMS_RL_SENDERS + 1000, "%d new senders each passed their first frame (%d)",
	   MMS_RL_SENDERS + 1000, passed);
	ok(a_passed == 5, "a's 5 frames among them all passed (%d)", a_passed);
	n = count_entries(F.map[MMS_MAP_RL_NBR], sizeof(struct mms_rl_key));
	ok(n <= MMS_RL_SENDERS, "the sender table holds %d <= %d entries", n, MMS_RL_SENDERS);
}

/* f `repeat` times in one BPF_PROG_TEST_RUN: how many went to the agent
 * and how many the budgets dropped (*pass, *drop); false if the run failed. */
static bool burst_run(const struct frame *f, __u32 repeat, __u64 *pass, __u64 *drop)
{
	struct xdp_md xin = { .data_end = f->len, .ingress_ifindex = f->ingress };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->b, .data_size_in = f->len,
		    .ctx_in = &xin, .ctx_size_in = sizeof(xin), .repeat = repeat);
	__u64 p0 = stat_packets(MMS_S_LINK_AGENT), d0 = stat_packets(MMS_S_DROP_RATELIMIT);

	if (bpf_prog_test_run_opts(F.prog[MMS_PROG_XDP], &o))
		return false;
	*pass = stat_packets(MMS_S_LINK_AGENT) - p0;
	*drop = stat_packets(MMS_S_DROP_RATELIMIT) - d0;
	return true;
}

/*
 * The largest budgets, and the wall clock re-pinned between runs as the
 * fixture (and bench_xdp) does before each run and an agent does when it
 * starts: route expiry's clock, which the budgets must not follow. With the
 * budgets on the wall clock, a step back of 0.5 s left every bucket at
 * RATE_MAX/BURST_MAX (0.1 s deep) refusing frames for 0.4 s.
 */
static void max_budget(void)
{
	const __u32 n = 20000;
	struct frame h;
	__u64 pass, drop, t0;
	bool all = true;

	rl_reset();
	limits(MMS_RL_RATE_MAX, MMS_RL_BURST_MAX, MMS_RL_RATE_MAX, MMS_RL_BURST_MAX,
	       MMS_RL_RATE_MAX, MMS_RL_BURST_MAX);
	link_frame(&h, mac_a, FIX_LO, MMS_T_HELLO);
	for (int i = 0; i < 4 && all; i++) {
		at(FIX_NOW + (i & 1), 500000000);	/* 0.5 s on, 0.5 s back, ... */
		all = burst_run(&h, n, &pass, &drop) && pass == n && !drop;
	}
	ok(all, "rate and burst at their maximum, the wall clock stepping 0.5 s to and fro "
	   "between runs: every hello of 4 x %u passed (last run %llu passed, %llu dropped)", n,
	   (unsigned long long)pass, (unsigned long long)drop);
	at(FIX_NOW, 500000000);

	/* the deepest bucket: exactly its burst, plus what the rate of 1/s
	 * brings during the run */
	rl_reset();
	limits(1, MMS_RL_BURST_MAX, 0, 0, 0, 0);
	t0 = fix_clock_ns(CLOCK_BOOTTIME);
	if (!ok(burst_run(&h, MMS_RL_BURST_MAX + 1000, &pass, &drop), "a run of %u hellos",
		MMS_RL_BURST_MAX + 1000))
		return;
	t0 = (fix_clock_ns(CLOCK_BOOTTIME) - t0) / NS;
	ok(pass >= MMS_RL_BURST_MAX && pass <= MMS_RL_BURST_MAX + t0 + 1 &&
	   pass + drop == MMS_RL_BURST_MAX + 1000,
	   "burst %u at 1/s: %llu passed (want the burst + %llu s of refill), %llu dropped",
	   MMS_RL_BURST_MAX, (unsigned long long)pass, (unsigned long long)t0,
	   (unsigned long long)drop);

	/* the highest rate with the smallest burst mms_rl_limit_parse allows
	 * (a 10 ms tick's worth): frames as fast as this CPU runs them, far
	 * under 1e8/s, all pass, the clock sampled once per jiffy or not */
	rl_reset();
	limits(MMS_RL_RATE_MAX, MMS_RL_RATE_MAX / MMS_RL_TICKS_PER_S, 0, 0, 0, 0);
	if (!burst_run(&h, 2000000, &pass, &drop))
		pass = drop = 0;
	ok(pass == 2000000 && !drop, "1e8/s with a tick's burst: 2e6 hellos at full speed all passed (%llu dropped)",
	   (unsigned long long)drop);
}

/* Long runs at and over the rate, time moved by later(): exact. */
static void steady_rate(void)
{
	struct frame h;
	struct fix_run r;
	int pass = 0, n = 1000;
	__u64 t0 = fix_clock_ns(CLOCK_BOOTTIME), el;

	rl_reset();
	limits(10, 1, 0, 0, 0, 0);	/* I = 100 ms, burst 1 */
	link_frame(&h, mac_c, FIX_LO, MMS_T_HELLO);
	for (int i = 0; i < n; i++) {
		if (!fix_exec(&F, MMS_PROG_XDP, h.b, h.len, FIX_LO, &r) && r.moved == MMS_S_LINK_AGENT)
			pass++;
		later(NS / 10);
	}
	ok(pass == n, "10/s burst 1, a frame every 100 ms: %d of %d passed", pass, n);

	/* 1.25 times the rate, burst 2: one frame every 80 ms for 999 x 80
	 * ms: the burst plus 799.2 tokens, plus what the real time of the loop
	 * adds. (With burst 1 every other frame would pass: a bucket that
	 * holds one token loses the 0.6 a refused frame leaves above it.) */
	rl_reset();
	limits(10, 2, 0, 0, 0, 0);
	pass = 0;
	for (int i = 0; i < n; i++) {
		if (i)
			later(NS * 8 / 100);
		if (!fix_exec(&F, MMS_PROG_XDP, h.b, h.len, FIX_LO, &r) && r.moved == MMS_S_LINK_AGENT)
			pass++;
	}
	el = (fix_clock_ns(CLOCK_BOOTTIME) - t0) / (NS / 10);
	ok(pass >= 800 && (__u64)pass <= 801 + el + 1,
	   "10/s burst 2, a frame every 80 ms: %d of %d passed (want 801 + %llu for real time)",
	   pass, n, (unsigned long long)el);
}

/* Buckets at the extremes of the clock: neither overflow nor wrap. */
static void extremes(void)
{
	static const __u64 tats[] = { 1, 1ull << 63, ~0ull, ~0ull - MMS_RL_SKEW_NS };
	struct mms_rl_key k = { .ifindex = FIX_LO, .cls = MMS_RL_LINK_SCOPE };
	struct frame h;
	char what[96];

	memcpy(k.mac, mac_a, 6);
	link_frame(&h, mac_a, FIX_LO, MMS_T_HELLO);
	for (size_t i = 0; i < sizeof(tats) / sizeof(tats[0]); i++) {
		struct mms_rl_bucket b = { .tat = tats[i] };

		rl_reset();
		limits(MMS_RL_RATE_MAX / 1000, 3, 0, 0, 0, 0);	/* I = 10 us */
		bpf_map_update_elem(F.map[MMS_MAP_RL_NBR], &k, &b, BPF_ANY);
		snprintf(what, sizeof(what), "a bucket at tat %#llx: full, the burst of 3 passes",
			 (unsigned long long)tats[i]);
		run_n(&h, 3, XDP_PASS, MMS_S_LINK_AGENT, what);
		b = sender(mac_a, FIX_LO, MMS_RL_LINK_SCOPE);
		ok(b.tat > fix_clock_ns(CLOCK_BOOTTIME) - NS &&
		   b.tat <= fix_clock_ns(CLOCK_BOOTTIME) + 3 * 10000,
		   "  ... and its tat is now + 3 I, not wrapped (%llu ns ahead)",
		   (unsigned long long)(b.tat - fix_clock_ns(CLOCK_BOOTTIME)));
	}
}

/* ---- two CPUs, one bucket ---- */

struct racer {
	int cpu, prog, err;
	const struct frame *f;
	__u32 repeat;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	struct xdp_md xin = { .data_end = r->f->len, .ingress_ifindex = r->f->ingress };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = r->f->b, .data_size_in = r->f->len,
		    .ctx_in = &xin, .ctx_size_in = sizeof(xin), .repeat = r->repeat);
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(r->cpu, &set);
	r->err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (!r->err)
		r->err = bpf_prog_test_run_opts(r->prog, &o) ? errno : 0;
	return NULL;
}

static void two_cpus(void)
{
	struct racer rc[2];
	pthread_t t[2];
	struct frame h;
	struct mms_rl_bucket b;
	__u64 la0 = stat_packets(MMS_S_LINK_AGENT), dr0 = stat_packets(MMS_S_DROP_RATELIMIT);
	__u64 t0, el;
	const __u32 repeat = 100000, burst = 50;
	int ncpu = libbpf_num_possible_cpus(), started = 0;

	if (ncpu < 2 || sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		diag("one CPU online: the two-CPU race is not run");
		return;
	}
	rl_reset();
	limits(1, burst, 0, 0, 0, 0);
	link_frame(&h, mac_a, FIX_LO, MMS_T_HELLO);
	t0 = fix_clock_ns(CLOCK_BOOTTIME);
	for (int i = 0; i < 2; i++) {
		rc[i] = (struct racer){ .cpu = i, .prog = F.prog[MMS_PROG_XDP], .f = &h,
					.repeat = repeat };
		if (pthread_create(&t[i], NULL, race, &rc[i]) == 0)
			started++;
	}
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	el = fix_clock_ns(CLOCK_BOOTTIME) - t0;
	if (!ok(started == 2 && !rc[0].err && !rc[1].err, "two CPUs ran %u hellos each", repeat))
		return;
	b = sender(mac_a, FIX_LO, MMS_RL_LINK_SCOPE);
	/* The clock runs during the race: 1 token per second of it, and the
	 * CPUs' samples may differ by a jiffy: 1 token at most. */
	ok(b.passed >= burst - 1 && b.passed <= burst + el / NS,
	   "one shared bucket: %llu passed of %u (want %u + %llu s of refill), race took %llu ms",
	   (unsigned long long)b.passed, 2 * repeat, burst, (unsigned long long)(el / NS),
	   (unsigned long long)(el / 1000000));
	ok(b.passed + b.dropped == 2ull * repeat &&
	   stat_packets(MMS_S_LINK_AGENT) - la0 == b.passed &&
	   stat_packets(MMS_S_DROP_RATELIMIT) - dr0 == b.dropped,
	   "every frame counted once: LINK_AGENT + DROP_RATELIMIT = %u", 2 * repeat);
}

/* ---- setup ---- */

static int node_b(void)
{
	struct mms_nbr a = fix_nbr_up(FIX_LO, mac_a, mac_b), c = fix_nbr_up(FIX_LO, mac_c, mac_b), r;
	__u32 k0 = 0, lo = FIX_LO;
	int err = 0, nl = rtnl_open();

	if (nl < 0 || rtnl_veth_add(nl, "rl0", "rl1") ||
	    rtnl_link_set(nl, (int)if_nametoindex("rl0"), IFF_UP, IFF_UP, 0, 0) ||
	    rtnl_link_set(nl, (int)if_nametoindex("rl1"), IFF_UP, IFF_UP, 0, 0))
		err = -1;
	if (nl >= 0)
		close(nl);
	if_r = if_nametoindex("rl0");
	r = fix_nbr_up(if_r, mac_r, mac_b);
	memcpy(F.cfg.mm0_mac, mm0_mac, 6);
	for (int i = 0; i < 16; i++) {
		key_b[i] = (__u8)(0xb0 + i);
		key_c[i] = (__u8)(0xc0 + i);
	}
	err |= fix_key(&F, key_b, EPOCH);
	err |= fix_port(&F, 1, &a);
	err |= fix_port(&F, 2, &c);
	err |= fix_port(&F, 3, &r);
	err |= bpf_map_update_elem(F.map[MMS_MAP_TX], &k0, &lo, BPF_ANY);
	return err | fix_sync(&F);
}

int main(void)
{
	const char *why = fix_skip_reason();
	cpu_set_t one;
	int err;

	if (why)
		return tap_skip_all(why);
	if (fix_netns() || fix_lo_mtu(1500))
		return tap_skip_all("cannot make a network namespace");
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu() > 0 ? sched_getcpu() : 0, &one);
	if (!ok(sched_setaffinity(0, sizeof(one), &one) == 0, "the test stays on one CPU"))
		return tap_done();
	if (!ok(fix_open(&F, true) == 0, "datapath loads"))
		return tap_done();
	err = node_b();
	if (!ok(err == 0 && if_r, "node b's maps seeded, link rl0 made (ifindex %u)", if_r))
		return tap_done();
	limits_off();
	sender_level();
	absorbed_charged();
	link_level();
	node_level();
	table_bound();
	max_budget();
	steady_rate();
	extremes();
	two_cpus();
	fix_close(&F);
	return tap_done();
}
