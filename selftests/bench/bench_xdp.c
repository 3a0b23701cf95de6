// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Datapath microbenchmarks under BPF_PROG_TEST_RUN, printed as
 * `name value unit` lines for make bench:
 *
 *   hop_ns                 an 8-field frame forwarded by mms_xdp, hop cache on
 *   hop_uncached_ns        the same with the hop cache off: the cipher every time
 *   empty_ns               the same harness around bench_empty (returns XDP_PASS)
 *   hop_cost_ns            hop_ns - empty_ns: what a hop costs (goal <= 60)
 *   hop_uncached_cost_ns   hop_uncached_ns - empty_ns
 *   aes_block_ns           one AES-128 block with include/mms_aes.h in BPF
 *   kfunc_aes_block_ns     one block through bpf_crypto_decrypt (Linux 6.10+)
 *   link_ns                a link-scope hello to the agent, budgets off
 *   link_rl_pass_ns        the same charged to all three budgets (all pass)
 *   link_rl_drop_ns        the same from a sender over budget (DROP_RATELIMIT):
 *                          what each frame of a flood costs
 *   deliver_ns             a last-hop DATA frame, 1000-byte IPv4 packet, into
 *                          mm0: hop, end-to-end tag, replay window, head
 *                          moved, redirect (the harness makes the frame's
 *                          number new again each time, at a cost it takes off)
 *   e2e_tag_ns             what the end-to-end tag check costs the destination
 *                          for that packet: the same frame with a wrong tag
 *                          (DROP_E2E_TAG) minus with a bad IP version, dropped
 *                          just before the check (DROP_PAYLOAD)
 *   e2e_tag_64_ns          the same for a 64-byte packet
 *   pass_ns                an 80-byte IPv4 frame (not MMS) to the stack: what
 *                          every frame of a NIC's other traffic pays
 *   pass_other_off_ns      the same while data service is off on another
 *                          interface (mms_cfg.data_off != 0: one hash lookup)
 *   data_off_drop_ns       the same frame on an interface with data service
 *                          off (DROP_DATA_OFF)
 *   replay_ns              what the replay window costs: that frame replayed
 *                          (DROP_REPLAY, after the tag verified) minus with a
 *                          wrong tag (DROP_E2E_TAG)
 * Transit hops (hop_ns) never compute the tag.
 *
 * Each figure is the median over several runs of the kernel's mean time per
 * iteration, each run `repeat` iterations (default 1e6). The harness
 * (bpf/mms_dpbench.bpf.c) restores the frame before every iteration and
 * tail-calls the program under test; every hop run is checked to have
 * forwarded on every iteration (FORWARD counter == repeat), so no figure can
 * come from a drop path. The AES figures are their program minus one that
 * does the same frame access and key lookup without the cipher, and their
 * output is checked against the userspace decryption.
 *
 * Usage: bench_xdp [-r REPEAT] [-n RUNS]
 */
#include <getopt.h>
#include <stdlib.h>

#include <bpf/btf.h>

#include "dp_fixture.h"
#include "mms_aes.h"
#include "mms_dpbench.skel.h"
#include "mms_kfunc.skel.h"

#define HOPS 8

/* The sequence word of the last-hop frames, and the window it goes to. */
#define BENCH_PRODUCER	1
#define BENCH_CTR	(1ull << 20)

static __u32 repeat = 1000000;
static int runs = 5;

static struct fix F;
static struct mms_dpbench *B;
static __u8 frame[1536], key_us[16];
static __u32 frame_len;

static int fail(const char *what)
{
	fprintf(stderr, "bench_xdp: %s\n", what);
	return 1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median over `runs` of the per-iteration time of prog on data; -1 on error
 * or if a run did not return want_ret on its last iteration. */
static double timed(int prog, const void *data, __u32 len, __u32 want_ret)
{
	struct xdp_md ctx = { .data_end = len, .ingress_ifindex = FIX_LO };
	double t[16];
	int n = runs < 16 ? runs : 16;

	for (int i = 0; i < n; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = data, .data_size_in = len,
			    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = repeat);

		fix_sync(&F);
		if (bpf_prog_test_run_opts(prog, &o) || o.retval != want_ret)
			return -1;
		t[i] = o.duration;
	}
	qsort(t, (size_t)n, sizeof(t[0]), cmp_double);
	return t[n / 2];
}

/* A node with an ingress (1) and an egress (2) neighbour, both on lo. */
static int seed(void)
{
	struct mms_nbr in = { .ifindex = FIX_LO, .state = MMS_NBR_UP,
			      .mac = { 2, 0, 0, 0, 1, 1 }, .smac = { 2, 0, 0, 0, 0, 1 } };
	struct mms_nbr out = { .ifindex = FIX_LO, .state = MMS_NBR_UP,
			       .mac = { 2, 0, 0, 0, 2, 1 }, .smac = { 2, 0, 0, 0, 0, 2 } };
	static const __u8 tag[4] = { 1, 2, 3, 4 };
	struct mms_hop_spec spec[HOPS];
	__u8 keys[HOPS][16], ip[64] = { 0x45 };
	struct mms_route rt;
	int n;

	for (int j = 0; j < HOPS; j++) {
		for (int b = 0; b < 16; b++)
			keys[j][b] = (__u8)(j * 31 + b * 7 + 3);
		spec[j].key = keys[j];
		spec[j].ingress = 1;
		spec[j].egress = 2;
	}
	memcpy(key_us, keys[0], 16);
	if (fix_key(&F, key_us, 3) || fix_port(&F, 1, &in) || fix_port(&F, 2, &out) ||
	    mms_route_build(&rt, 9, spec, HOPS, 3, FIX_NOW + 3600, tag))
		return -1;
	n = mms_frame_route(frame, sizeof(frame), &rt, out.smac, in.mac, MMS_T_DATA, ip, sizeof(ip));
	if (n <= 0)
		return -1;
	frame_len = (__u32)n;
	return fix_sync(&F);
}

static int bench_load(void)
{
	__u32 k = 0;
	struct mms_key sched;

	B = mms_dpbench__open();
	if (!B)
		return -1;
	/* the harness resets the delivery frames' window in the datapath's map */
	if (bpf_map__reuse_fd(B->maps.mms_replay, F.map[MMS_MAP_REPLAY]) || mms_dpbench__load(B))
		return -1;
	B->bss->bench_rp_key.producer = BENCH_PRODUCER;
	B->bss->bench_rp_ctr = BENCH_CTR;
	B->bss->bench_rp_slot = 3 % MMS_EPOCH_SLOTS;	/* the frames' epoch */
	memcpy(B->bss->bench_frame, frame, frame_len);
	B->bss->bench_len = frame_len;
	mms_key_schedule(key_us, &sched, 0);
	return bpf_map_update_elem(bpf_map__fd(B->maps.bench_key), &k, &sched, BPF_ANY);
}

/* The harness around prog_fd: median time, and (stat >= 0) the check that
 * every iteration of every run ended in counter stat. */
static double hop_as(int prog_fd, __u32 want_ret, int stat)
{
	struct mms_counter a[MMS_S_MAX], b[MMS_S_MAX];
	__u32 k = 0;
	double t;

	if (bpf_map_update_elem(bpf_map__fd(B->maps.bench_target), &k, &prog_fd, BPF_ANY) ||
	    fix_stats(&F, a))
		return -1;
	t = timed(bpf_program__fd(B->progs.bench_hop), frame, frame_len, want_ret);
	if (t < 0 || fix_stats(&F, b))
		return -1;
	if (stat >= 0 && (b[stat].packets - a[stat].packets !=
			  (__u64)repeat * (__u64)(runs < 16 ? runs : 16)))
		return -1;
	return t;
}

/* Make `frame` the last hop of a route to us: one field under our key, a
 * DATA body tagged for us carrying an IPv4 packet of ip_len bytes; then
 * break it as asked: 1 = the tag, 2 = the IP version. */
static int last_hop_frame(__u32 ip_len, int broken)
{
	const __u8 src[6] = { 2, 0, 0, 0, 1, 1 }, dst[6] = { 2, 0, 0, 0, 0, 1 };
	static const __u8 tag[4] = { 5, 6, 7, 8 };
	struct mms_hop_spec spec = { .key = key_us, .ingress = 1 };
	__u8 ip[1024] = { 0x45 };
	__u32 body = MMS_ETH_LEN + MMS_HDR_LEN + MMS_HOP_LEN + MMS_PL_LEN;
	struct mms_route rt;
	int n;

	for (__u32 i = 20; i < ip_len && i < sizeof(ip); i++)
		ip[i] = (__u8)i;
	ip[2] = (__u8)(ip_len >> 8);
	ip[3] = (__u8)ip_len;
	if (ip_len > sizeof(ip) || mms_route_build(&rt, 1, &spec, 1, 3, FIX_NOW + 3600, tag) ||
	    mms_e2e_derive(key_us, MMS_E2E_DOWN, &rt.e2e))
		return -1;
	n = mms_frame_data(frame, sizeof(frame), &rt, dst, src, mms_seq_word(BENCH_PRODUCER, BENCH_CTR),
			   ip, (__u16)ip_len);
	if (n <= 0)
		return -1;
	if (broken == 1)
		frame[body] ^= 1;
	if (broken == 2)
		frame[body + MMS_E2E_LEN] = 0x55;
	frame_len = (__u32)n;
	memcpy(B->bss->bench_frame, frame, frame_len);
	B->bss->bench_len = frame_len;
	return 0;
}

/* Make `frame` an 80-byte IPv4 packet in an Ethernet frame: not MMS (the
 * harness restores the first 72 bytes of every frame it runs). */
static void ip_frame(void)
{
	static const __u8 hdr[16] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 1, 1, 0x08, 0x00, 0x45, 0 };

	memset(frame, 0, 80);
	memcpy(frame, hdr, sizeof(hdr));
	frame_len = 80;
	memcpy(B->bss->bench_frame, frame, frame_len);
	B->bss->bench_len = frame_len;
}

/* The same frame delivered on every iteration: the harness hands its
 * counter back to the window first (bench_rp_fresh), as if it were the
 * producer's next. What that costs the harness is timed around bench_empty
 * and taken off. */
static double deliver(void)
{
	int xdp = mms_dp_prog_fd(F.dp, MMS_PROG_XDP), empty = bpf_program__fd(B->progs.bench_empty);
	double d, e0, e1;

	B->bss->bench_rp_fresh = 1;
	d = hop_as(xdp, XDP_REDIRECT, MMS_S_DELIVER_MM0);
	e1 = hop_as(empty, XDP_PASS, -1);
	B->bss->bench_rp_fresh = 0;
	e0 = hop_as(empty, XDP_PASS, -1);
	return d < 0 || e0 < 0 || e1 < 0 ? -1 : d - (e1 - e0);
}

/* What the window costs a frame it refuses: the replayed frame (DROP_REPLAY,
 * after its tag verified) minus the same with a wrong tag. */
static double replay_cost(void)
{
	int xdp = mms_dp_prog_fd(F.dp, MMS_PROG_XDP);
	double again, bad_tag;
	struct fix_run r;

	/* taken once first (whatever the harness left the window at) */
	if (last_hop_frame(1000, 0) || fix_run(&F, MMS_PROG_XDP, frame, frame_len, FIX_LO, &r))
		return -1;
	again = hop_as(xdp, XDP_DROP, MMS_S_DROP_REPLAY);
	if (last_hop_frame(1000, 1))
		return -1;
	bad_tag = hop_as(xdp, XDP_DROP, MMS_S_DROP_E2E_TAG);
	return again < 0 || bad_tag < 0 ? -1 : again - bad_tag;
}

/* e2e_tag cost for an ip_len-byte packet: wrong tag minus bad version. */
static double tag_cost(__u32 ip_len)
{
	int xdp = mms_dp_prog_fd(F.dp, MMS_PROG_XDP);
	double bad_tag, bad_ip;

	if (last_hop_frame(ip_len, 1))
		return -1;
	bad_tag = hop_as(xdp, XDP_DROP, MMS_S_DROP_E2E_TAG);
	if (last_hop_frame(ip_len, 2))
		return -1;
	bad_ip = hop_as(xdp, XDP_DROP, MMS_S_DROP_PAYLOAD);
	return bad_tag < 0 || bad_ip < 0 ? -1 : bad_tag - bad_ip;
}

/* Known answer for the AES figures: the block's decryption in userspace. */
static void plain_of(const __u8 c[16], __u8 p[16])
{
	struct mms_key sched;
	struct mms_hop h;

	mms_key_schedule(key_us, &sched, 0);
	memcpy(h.c, c, 16);
	mms_hop_open(sched.rk, &h, (struct mms_hop_plain *)p);
}

static double aes_block(double base)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = frame_len);
	__u8 want[16], got[16];
	double t;

	plain_of(frame, want);
	if (bpf_prog_test_run_opts(bpf_program__fd(B->progs.bench_aes), &o))
		return -1;
	for (int i = 0; i < 4; i++) {
		__u32 w = htonl(B->bss->bench_out[i]);

		memcpy(got + 4 * i, &w, 4);
	}
	if (memcmp(got, want, 16))
		return -1;
	t = timed(bpf_program__fd(B->progs.bench_aes), frame, frame_len, XDP_DROP);
	return t < 0 ? -1 : t - base;
}

/*
 * clang 14 drops btf_type_tag from the BTF it emits, so the kernel would not
 * see kf_val.ctx as a kptr: insert the TYPE_TAG "kptr" between the pointer
 * and struct bpf_crypto_ctx before load. A no-op when the tag is there.
 */
static int kptr_tag_fixup(struct bpf_object *obj)
{
	struct btf *btf = bpf_object__btf(obj);
	const struct btf_type *st, *pt;
	__s32 sid;
	__u32 ptr_id;
	int tag;

	sid = btf ? btf__find_by_name_kind(btf, "kf_val", BTF_KIND_STRUCT) : -ENOENT;
	if (sid < 0)
		return sid;
	st = btf__type_by_id(btf, (__u32)sid);
	ptr_id = btf_members(st)[0].type;
	pt = btf__type_by_id(btf, ptr_id);
	if (!btf_is_ptr(pt))
		return -EINVAL;
	if (btf_is_type_tag(btf__type_by_id(btf, pt->type)))
		return 0;
	tag = btf__add_type_tag(btf, "kptr", (int)pt->type);
	if (tag < 0)
		return tag;
	/* adding a type may move the type data: look the pointer up again */
	((struct btf_type *)btf__type_by_id(btf, ptr_id))->type = (__u32)tag;
	return 0;
}

/* kfunc_aes_block_ns, or a reason it cannot be had on this kernel. */
static double kfunc_block(double base, const char **why)
{
	LIBBPF_OPTS(bpf_test_run_opts, so);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = frame_len);
	struct mms_kfunc *k;
	__u8 want[16];
	double t = -1;

	*why = NULL;
	k = mms_kfunc__open();
	if (!k || kptr_tag_fixup(k->obj) || mms_kfunc__load(k)) {
		*why = "the crypto kfuncs do not load (kernel before 6.10, or no CONFIG_BPF_CRYPTO)";
		mms_kfunc__destroy(k);
		return -1;
	}
	memcpy(k->bss->kf_key, key_us, 16);
	memcpy(k->bss->kf_src, frame, 16);
	plain_of(frame, want);
	if (bpf_prog_test_run_opts(bpf_program__fd(k->progs.kf_setup), &so) ||
	    k->bss->kf_status) {
		*why = "bpf_crypto_ctx_create(ecb(aes)) failed";
		goto out;
	}
	if (bpf_prog_test_run_opts(bpf_program__fd(k->progs.kf_aes), &o) || k->bss->kf_status ||
	    memcmp(k->bss->kf_dst, want, 16)) {
		*why = "bpf_crypto_decrypt gave a wrong block";
		goto out;
	}
	t = timed(bpf_program__fd(k->progs.kf_aes), frame, frame_len, XDP_DROP);
	if (t < 0)
		*why = "timed run failed";
	else
		t -= base;
out:
	mms_kfunc__destroy(k);
	return t;
}

/*
 * A link-scope hello from neighbour 1, `repeat` times per run, with every
 * link-scope budget level at rate/burst (rate 0: off), checked to have ended
 * every iteration as `want`.
 */
static double link_frame(__u32 rate, __u32 burst, enum mms_stat want)
{
	static const __u8 dst[6] = { 2, 0, 0, 0, 0, 1 }, src[6] = { 2, 0, 0, 0, 1, 1 };
	struct mms_frame_spec fs = {
		.dst_mac = dst, .src_mac = src, .scope = MMS_SCOPE_LINK, .type = MMS_T_HELLO,
		.body = "hello", .body_len = 5,
	};
	struct mms_counter a[MMS_S_MAX], b[MMS_S_MAX];
	__u8 hello[64];
	int n = mms_frame_build(hello, sizeof(hello), &fs);
	__u64 iters = (__u64)repeat * (__u64)(runs < 16 ? runs : 16);
	double t;

	for (int l = 0; l < MMS_RL_LEVELS; l++)
		F.cfg.rl[MMS_RL_LINK_SCOPE][l] = (struct mms_rl_limit){ rate, burst };
	if (n <= 0 || fix_sync(&F) || fix_stats(&F, a))
		return -1;
	/* over budget: spend the burst first */
	for (__u32 i = 0; want == MMS_S_DROP_RATELIMIT && i < burst; i++) {
		struct fix_run r;

		if (fix_run(&F, MMS_PROG_XDP, hello, (__u32)n, FIX_LO, &r))
			return -1;
		iters++;
	}
	t = timed(mms_dp_prog_fd(F.dp, MMS_PROG_XDP), hello, (__u32)n,
		  want == MMS_S_DROP_RATELIMIT ? XDP_DROP : XDP_PASS);
	if (t < 0 || fix_stats(&F, b)) {
		fprintf(stderr, "bench_xdp: link frame run failed (%s)\n", mms_stat_name(want));
		return -1;
	}
	if (want == MMS_S_DROP_RATELIMIT)
		iters -= burst;
	/* at 1/s, a few tokens come back during the runs and pass */
	if (b[want].packets - a[want].packets + 10 < iters) {
		fprintf(stderr, "bench_xdp: link frames ended as %s %llu times of %llu\n",
			mms_stat_name(want),
			(unsigned long long)(b[want].packets - a[want].packets),
			(unsigned long long)iters);
		return -1;
	}
	return t;
}

static int line(const char *name, double v)
{
	if (v < 0) {
		fprintf(stderr, "bench_xdp: %s: a measured run did not do what it measures\n", name);
		return 1;
	}
	printf("%s %.1f ns\n", name, v);
	return 0;
}

int main(int argc, char **argv)
{
	const char *why = fix_skip_reason();
	double hop_c, hop_u, empty, noaes, aes, kf, lk, lk_pass, lk_drop, dlv, rp, tag1000, tag64;
	double pass, pass_other, off_drop;
	__u32 k0 = 0, lo = FIX_LO;
	int c, bad = 0;

	while ((c = getopt(argc, argv, "r:n:")) != -1) {
		if (c == 'r' && atol(optarg) > 0)
			repeat = (__u32)atol(optarg);
		else if (c == 'n' && atoi(optarg) > 0)
			runs = atoi(optarg);
		else
			return fail("usage: bench_xdp [-r REPEAT] [-n RUNS]");
	}
	if (why)
		return fail(why);
	if (fix_netns())
		return fail("cannot make a network namespace");

	if (fix_open(&F, true) || seed() || bench_load())
		return fail("cannot load the datapath or the bench programs");
	empty = hop_as(bpf_program__fd(B->progs.bench_empty), XDP_PASS, -1);
	hop_c = hop_as(mms_dp_prog_fd(F.dp, MMS_PROG_XDP), XDP_REDIRECT, MMS_S_FORWARD);
	noaes = timed(bpf_program__fd(B->progs.bench_noaes), frame, frame_len, XDP_DROP);
	aes = noaes < 0 ? -1 : aes_block(noaes);
	kf = noaes < 0 ? -1 : kfunc_block(noaes, &why);
	mms_dpbench__destroy(B);
	fix_close(&F);

	if (fix_open(&F, false) || seed() || bench_load())
		return fail("cannot load the datapath without hop cache");
	hop_u = hop_as(mms_dp_prog_fd(F.dp, MMS_PROG_XDP), XDP_REDIRECT, MMS_S_FORWARD);
	mms_dpbench__destroy(B);
	fix_close(&F);

	/* Delivery to mm0 (devmap slot 0: here the loopback) and the tag. */
	if (fix_open(&F, true) || seed() || bench_load() ||
	    bpf_map_update_elem(F.map[MMS_MAP_TX], &k0, &lo, BPF_ANY) ||
	    last_hop_frame(1000, 0))
		return fail("cannot load the datapath for the delivery figures");
	dlv = deliver();
	rp = replay_cost();
	tag1000 = tag_cost(1000);
	tag64 = tag_cost(64);
	mms_dpbench__destroy(B);
	fix_close(&F);

	/* Frames that are not MMS: with no interface shut, with another one
	 * shut, and with this one shut. */
	if (fix_open(&F, true) || seed() || bench_load())
		return fail("cannot load the datapath for the non-MMS figures");
	ip_frame();
	pass = hop_as(mms_dp_prog_fd(F.dp, MMS_PROG_XDP), XDP_PASS, MMS_S_PASS);
	F.cfg.data_off = 1;
	pass_other = fix_data_off(&F, FIX_NO_DEV, true) ? -1 :
		     hop_as(mms_dp_prog_fd(F.dp, MMS_PROG_XDP), XDP_PASS, MMS_S_PASS);
	off_drop = fix_data_off(&F, FIX_NO_DEV, false) || fix_data_off(&F, FIX_LO, true) ? -1 :
		   hop_as(mms_dp_prog_fd(F.dp, MMS_PROG_XDP), XDP_DROP, MMS_S_DROP_DATA_OFF);
	mms_dpbench__destroy(B);
	fix_close(&F);

	if (fix_open(&F, true) || seed())
		return fail("cannot load the datapath for the budget figures");
	lk = link_frame(0, 0, MMS_S_LINK_AGENT);
	lk_pass = link_frame(MMS_RL_RATE_MAX, MMS_RL_BURST_MAX, MMS_S_LINK_AGENT);
	lk_drop = link_frame(1, 1, MMS_S_DROP_RATELIMIT);
	fix_close(&F);

	/* Each figure stands alone: one that did not do what it measures is
	 * named on stderr and left out, and the exit status says so. */
	printf("# %u iterations x %d runs, median; 8 hop fields, IPv4 body\n", repeat, runs);
	bad |= line("hop_ns", hop_c);
	bad |= line("hop_uncached_ns", hop_u);
	bad |= line("empty_ns", empty);
	if (hop_c >= 0 && empty >= 0)
		line("hop_cost_ns", hop_c - empty);
	if (hop_u >= 0 && empty >= 0)
		line("hop_uncached_cost_ns", hop_u - empty);
	bad |= line("aes_block_ns", aes);
	if (kf >= 0)
		line("kfunc_aes_block_ns", kf);
	else
		printf("# kfunc_aes_block_ns unavailable: %s\n", why);
	bad |= line("link_ns", lk);
	bad |= line("link_rl_pass_ns", lk_pass);
	bad |= line("link_rl_drop_ns", lk_drop);
	bad |= line("deliver_ns", dlv);
	bad |= line("replay_ns", rp);
	bad |= line("e2e_tag_ns", tag1000);
	bad |= line("e2e_tag_64_ns", tag64);
	bad |= line("pass_ns", pass);
	bad |= line("pass_other_off_ns", pass_other);
	bad |= line("data_off_drop_ns", off_drop);
	return bad;
}
