// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Neighbour slots and carrier, on one bare core: what the datapath is told
 * (mms_nbrs[port], through ops.set_nbr) must always match what the core
 * itself uses (core_nbr_up: beacons, acks, LSAs and routes go out on such
 * ports). A neighbour the core took for up while the datapath held the
 * slot down would forward nothing through this node: relayed handshakes
 * and replies towards the MA dropped as DROP_NO_NBR, mm0 traffic as
 * DROP_NO_ROUTE, with every protocol counter looking healthy.
 *
 *   us (port 1) ---- N
 *
 *  - no carrier when the agent starts (a neighbour attaching XDP to its end
 *    of a veth flaps ours), N's two-way hello arrives first: not up; the
 *    carrier comes back: up at the next hello, in the core and the map;
 *  - carrier lost while up: down in both at once; a hello in between is
 *    not taken; back up with the carrier and a hello;
 *  - with carrier from the start: up at the first two-way hello;
 *  - a restarted agent (core_port_resume): N stays up in mms_nbrs, we stay
 *    silent until N's hello, and our first hello names it (no flap); N
 *    lost us, or says nothing for a hold time, or no carrier: afresh;
 *    core_pause announces a long hold time.
 */
#include <stddef.h>
#include <string.h>

#include "codec.h"
#include "core.h"
#include "msg.h"
#include "tap.h"

#define MS 1000000ull

struct rec {
	struct mms_nbr nbr[MMS_MAX_PORTS];
	unsigned nbr_writes;
	/* mms_hello_tpl as ops.set_hello left it (one entry: one neighbour) */
	bool tpl_on;
	struct mms_hello_key tpl_key;
	struct mms_hello_tpl tpl;
	unsigned tpl_writes, tpl_deletes;
	unsigned hellos;		/* sent on port 1 */
	struct msg_hello last;		/* the last of them */
};

static void rec_send(void *ctx, __u16 port, const __u8 *f, size_t len)
{
	size_t off = MMS_ETH_LEN + MMS_HDR_LEN + MMS_PL_LEN;	/* link scope: no hops */
	struct rec *r = ctx;

	if (port == 1 && len > off && f[off - MMS_PL_LEN] == MMS_T_HELLO &&
	    !msg_hello_parse(f + off, len - off, &r->last))
		r->hellos++;
}

static void rec_set_nbr(void *ctx, __u16 port, const struct mms_nbr *n)
{
	struct rec *r = ctx;

	if (port < MMS_MAX_PORTS) {
		r->nbr[port] = *n;
		r->nbr_writes++;
	}
}

static void rec_set_hello(void *ctx, const struct mms_hello_key *k, const struct mms_hello_tpl *t)
{
	struct rec *r = ctx;

	if (t) {
		r->tpl_on = true;
		r->tpl_key = *k;
		r->tpl = *t;
		r->tpl_writes++;
	} else if (r->tpl_on && !memcmp(k, &r->tpl_key, sizeof(*k))) {
		r->tpl_on = false;
		r->tpl_deletes++;
	}
}

/* The datapath's view for mms_process(): the recorded template. */
static const struct mms_hello_tpl *rec_tpl(const void *ctx, const struct mms_hello_key *k)
{
	const struct rec *r = ctx;

	return r->tpl_on && !memcmp(k, &r->tpl_key, sizeof(*k)) ? &r->tpl : NULL;
}

static const __u8 our_mac[6] = { 2, 0, 0, 0, 0, 1 }, n_mac[6] = { 2, 0, 0, 0, 0, 2 };

static void id_of(struct mms_id *id, __u8 v)
{
	memset(id, 0, sizeof(*id));
	id->b[0] = v;
	id->b[15] = 1;
}

/* N's hello on its port 7 from MAC src, naming us on our port 1 (two-way)
 * or nobody, announcing hold_ms: the frame's length, or <= 0. */
static int n_hello(__u8 *frame, size_t cap, bool twoway, __u16 hold_ms, const __u8 *src)
{
	__u8 body[256];
	struct msg_hello m;
	struct msg_auth a;
	struct mms_frame_spec fs;
	int blen;

	memset(&m, 0, sizeof(m));
	id_of(&m.id, 0xbb);
	if (twoway) {
		id_of(&m.seen, 0xaa);
		m.seen_port = 1;
		m.flags = MMS_HELLO_F_TWOWAY;
	}
	m.port = 7;
	m.hold_ms = hold_ms;
	m.role = MMS_ROLE_CM;
	blen = msg_hello_build(body, sizeof(body), &m, &a);
	if (blen <= 0)
		return -1;
	memset(&fs, 0, sizeof(fs));
	fs.dst_mac = our_mac;
	fs.src_mac = src;
	fs.scope = MMS_SCOPE_LINK;
	fs.type = MMS_T_HELLO;
	fs.body = body;
	fs.body_len = (__u16)blen;
	return mms_frame_build(frame, cap, &fs);
}

/* N's hello (hold 40 ms) arrived at `at` and handed to the core at `now`
 * (core_rx_at). */
static void hello_from_n_at(struct mms_core *c, bool twoway, __u64 now, __u64 at)
{
	__u8 frame[512];
	int len = n_hello(frame, sizeof(frame), twoway, 40, n_mac);

	if (len > 0)
		core_rx_at(c, 1, frame, (size_t)len, now, at);
}

static void hello_from_n(struct mms_core *c, bool twoway, __u64 now)
{
	hello_from_n_at(c, twoway, now, now);
}

/* Core and map agree on port 1; `up` is what both should say. */
static void agree(struct mms_core *c, const struct rec *r, int up, const char *when)
{
	int core_up = core_nbr_up(c, 1, NULL) == 1;
	int map_up = r->nbr[1].state == MMS_NBR_UP;

	ok(core_up == up && map_up == up, "%s: core says %s, mms_nbrs[1] says %s (want %s)", when,
	   core_up ? "up" : "down", map_up ? "up" : "down", up ? "up" : "down");
}

/* resume: a previous run left N up in mms_nbrs[1] (core_port_resume). */
static struct mms_core *mk_resumed(struct rec *r, bool carrier, bool resume, __u64 now)
{
	struct core_ops ops = { .ctx = r, .set_nbr = rec_set_nbr, .send = rec_send,
				.set_hello = rec_set_hello };
	struct core_cfg cfg;
	struct mms_core *c;

	memset(r, 0, sizeof(*r));
	core_cfg_defaults(&cfg);
	id_of(&cfg.id, 0xaa);
	cfg.hello_ms = 10;
	c = core_new(&cfg, &ops);
	if (c && (core_port_add(c, 1, 3, our_mac, 0, carrier) ||
		  (resume && core_port_resume(c, 1)) || (core_start(c, now), 0))) {
		core_free(c);
		c = NULL;
	}
	return c;
}

static struct mms_core *mk(struct rec *r, bool carrier, __u64 now)
{
	return mk_resumed(r, carrier, false, now);
}

static void test_no_carrier_at_start(void)
{
	struct rec r;
	__u64 t = 1000 * MS;
	struct mms_core *c = mk(&r, false, t);

	if (!ok(c != NULL, "core with port 1 without carrier"))
		return;
	hello_from_n(c, false, t += MS);
	hello_from_n(c, true, t += MS);
	agree(c, &r, 0, "two-way hello before the carrier");
	ok(core_stat(c, CORE_S_HELLO_NO_CARRIER) == 2, "both hellos counted as HELLO_NO_CARRIER");
	core_link_event(c, 1, true, t += MS);
	core_tick(c, t);
	agree(c, &r, 0, "carrier back, no hello yet");
	hello_from_n(c, true, t += MS);
	agree(c, &r, 1, "carrier back, two-way hello");
	ok(!memcmp(r.nbr[1].mac, n_mac, 6) && r.nbr[1].ifindex == 3,
	   "mms_nbrs[1] holds N's MAC and our ifindex");
	core_free(c);
}

static void test_carrier_flap(void)
{
	struct rec r;
	__u64 t = 1000 * MS;
	struct mms_core *c = mk(&r, true, t);

	if (!ok(c != NULL, "core with port 1 with carrier"))
		return;
	hello_from_n(c, true, t += MS);
	agree(c, &r, 1, "two-way hello with carrier");
	core_link_event(c, 1, false, t += MS);
	agree(c, &r, 0, "carrier lost");
	hello_from_n(c, true, t += MS);
	agree(c, &r, 0, "hello while the carrier is down");
	core_link_event(c, 1, true, t += MS);
	hello_from_n(c, true, t += MS);
	agree(c, &r, 1, "carrier back, two-way hello");
	/* Silence: the hold time (40 ms in N's hellos) takes it down in both. */
	core_tick(c, t += 50 * MS);
	agree(c, &r, 0, "hold time passed");
	core_free(c);
}

/* An agent restarted on its datapath: N, up in mms_nbrs[1] from the last
 * run, must stay up there, and hear nothing from us until we know it (a
 * hello naming nobody would take the link down at N). */
static void test_resume(void)
{
	struct mms_id n;
	struct rec r;
	__u64 t = 1000 * MS;
	struct mms_core *c = mk_resumed(&r, true, true, t);

	if (!ok(c != NULL, "restarted core, port 1 resumed"))
		return;
	r.nbr[1].state = MMS_NBR_UP;	/* what the previous run left */
	r.nbr_writes = 0;
	core_tick(c, t += 15 * MS);
	ok(!r.nbr_writes && !r.hellos && r.nbr[1].state == MMS_NBR_UP,
	   "15 ms after the start: mms_nbrs[1] untouched (up), no hello sent");
	hello_from_n(c, true, t += MS);
	id_of(&n, 0xbb);
	agree(c, &r, 1, "N's hello naming us");
	ok(r.hellos == 1 && mms_id_eq(&r.last.seen, &n) && r.last.seen_port == 7 &&
	   core_stat(c, CORE_S_NBR_DOWN) == 0,
	   "our first hello names N on its port 7; the neighbour never went down");
	/* core_pause: the last hello before a restart asks N to wait 2 s. */
	core_pause(c, 2000, t += MS);
	ok(r.hellos == 2 && r.last.hold_ms == 2000 && mms_id_eq(&r.last.seen, &n),
	   "core_pause: a hello naming N with a 2000 ms hold time");
	core_tick(c, t += 20 * MS);
	ok(r.hellos >= 3 && r.last.hold_ms == 10 * core_config(c)->dead_mult,
	   "then hellos hold %u ms again", r.last.hold_ms);
	core_free(c);

	/* N lost us meanwhile: its hello names nobody. */
	c = mk_resumed(&r, true, true, t);
	r.nbr[1].state = MMS_NBR_UP;
	hello_from_n(c, false, t += MS);
	agree(c, &r, 0, "resumed, N's hello names nobody: down in both");
	ok(r.hellos == 1 && mms_id_eq(&r.last.seen, &n), "and we say hello to N at once");
	hello_from_n(c, true, t += MS);
	agree(c, &r, 1, "then two-way: up");
	core_free(c);

	/* No hello at all within our hold time (10 ms x dead_mult): afresh. */
	c = mk_resumed(&r, true, true, t);
	r.nbr[1].state = MMS_NBR_UP;
	core_tick(c, t += 5 * MS);
	ok(r.nbr[1].state == MMS_NBR_UP && !r.hellos, "5 ms: still up in mms_nbrs, silent");
	core_tick(c, t += 10 * MS * core_config(c)->dead_mult);
	agree(c, &r, 0, "a hold time later, no hello from N: down in both");
	ok(r.hellos >= 1, "and hellos start");
	core_free(c);

	/* The carrier went while the agent was away. */
	c = mk_resumed(&r, false, true, t);
	ok(c && r.nbr[1].state != MMS_NBR_UP && r.nbr_writes,
	   "resumed port without carrier: published down at start");
	core_free(c);
}

/*
 * Hellos handed to the core after they arrived (core_rx_at: a batch read
 * late) count from their arrival, and a hello that changes nothing writes
 * nothing to mms_nbrs (a map write per hello would be a system call per
 * hello).
 */
static void test_late_hellos(void)
{
	struct rec r;
	__u64 t = 1000 * MS, t0;
	unsigned writes;
	struct mms_core *c = mk(&r, true, t);

	if (!ok(c != NULL, "core with port 1 with carrier"))
		return;
	hello_from_n(c, true, t += MS);
	agree(c, &r, 1, "two-way hello");
	writes = r.nbr_writes;
	t0 = t;
	/* three hellos 10 ms apart, read together 5 ms after the last */
	for (int i = 1; i <= 3; i++)
		hello_from_n_at(c, true, t0 + 35 * MS, t0 + (__u64)i * 10 * MS);
	t = t0 + 35 * MS;
	core_tick(c, t);
	agree(c, &r, 1, "three hellos read late, in one batch");
	ok(r.nbr_writes == writes, "unchanged hellos: no mms_nbrs write (%u)",
	   r.nbr_writes - writes);
	core_tick(c, t0 + 70 * MS - 1);
	agree(c, &r, 1, "hold time counts from the last one's arrival (+30 ms), not the read");
	/* read after the first hold time would have passed: still counted from arrival */
	hello_from_n_at(c, true, t0 + 75 * MS, t0 + 60 * MS);
	core_tick(c, t0 + 75 * MS);
	agree(c, &r, 1, "a hello that arrived in time but was read after the old hold time");
	core_tick(c, t0 + 100 * MS - 1);
	agree(c, &r, 1, "just before its own hold time");
	core_tick(c, t0 + 100 * MS);
	agree(c, &r, 0, "its hold time passed in silence");
	core_free(c);
}

/* The frame through the model of the datapath, on ifindex 3 (port 1's),
 * with the templates the core installed; seen[] as mms_hello_seen. */
static struct mms_result dp_rx(struct rec *r, __u8 *frame, size_t len, __u64 now, __u64 *seen)
{
	struct mms_node_view nv;
	struct mms_result res;

	memset(&nv, 0, sizeof(nv));
	nv.nbrs = r->nbr;
	nv.ingress_ifindex = 3;
	nv.hello_tpl = rec_tpl;
	nv.hello_ctx = r;
	nv.hello_seen = seen;
	nv.now_ns = now;
	mms_process(&nv, frame, len, &res);
	return res;
}

/* N's hello arriving at `now`, as the agent runs it: through the datapath,
 * then to the core only if not absorbed, the timers after the arrivals
 * (glue_tick). Returns true if it was absorbed. */
static bool arrive(struct mms_core *c, struct rec *r, const __u8 *frame, size_t len, __u64 now,
		   __u64 *seen)
{
	__u64 at = now;

	__u8 buf[512];
	struct mms_result res;

	memcpy(buf, frame, len);
	res = dp_rx(r, buf, len, at, seen);
	if (res.stat != MMS_S_HELLO_ABSORBED)
		core_rx_at(c, 1, frame, len, now, at);
	core_hello_seen(c, 1, seen[1], now);
	core_tick(c, now);
	return res.stat == MMS_S_HELLO_ABSORBED;
}

/*
 * Absorbed hellos (core_hello_seen, ops.set_hello), driven through the
 * datapath's model: a template only for an up neighbour, made of the
 * hello's bytes from the route header; its copies absorbed and their
 * arrival keeping the neighbour up exactly as the hellos themselves would;
 * any change (a byte, another MAC) reaching the core at once; the template
 * gone when the neighbour goes down, on carrier loss, and silence still
 * timing the neighbour out after its hold time.
 */
static void test_absorbed_hellos(void)
{
	__u8 f2[512], f1[512], f90[512], fmac[512];
	int l2w, l1w, l90, lmac;
	__u64 seen[MMS_HELLO_SLOTS], t = 1000 * MS, t0;
	static const __u8 other_mac[6] = { 2, 0, 0, 0, 0, 9 };
	unsigned writes, absorbed = 0;
	struct rec r;
	struct mms_core *c = mk(&r, true, t);

	memset(seen, 0, sizeof(seen));
	l2w = n_hello(f2, sizeof(f2), true, 40, n_mac);
	l1w = n_hello(f1, sizeof(f1), false, 40, n_mac);
	l90 = n_hello(f90, sizeof(f90), true, 90, n_mac);
	lmac = n_hello(fmac, sizeof(fmac), true, 40, other_mac);
	if (!ok(c && l2w > 0 && l1w > 0 && l90 > 0 && lmac > 0, "core and hellos"))
		goto out;
	ok(!arrive(c, &r, f1, (size_t)l1w, t += MS, seen) && !r.tpl_on,
	   "one-way hello: reaches the core, no template (neighbour not up)");
	ok(!arrive(c, &r, f2, (size_t)l2w, t += MS, seen), "first two-way hello reaches the core");
	agree(c, &r, 1, "two-way hello");
	ok(r.tpl_on && r.tpl.slot == 1 && r.tpl_key.ifindex == 3 && !r.tpl_key.vlan &&
	   !memcmp(r.tpl_key.mac, n_mac, 6) && r.tpl.len == l2w - MMS_ETH_LEN &&
	   !memcmp(r.tpl.b, f2 + MMS_ETH_LEN, r.tpl.len) && r.tpl.len == 68,
	   "up: template of its hello from the route header (%u bytes), slot 1, key (3, its MAC)",
	   r.tpl.len);
	writes = r.nbr_writes;
	/* 10 copies 10 ms apart, the timers every 10 ms: all absorbed */
	for (int i = 0; i < 10; i++)
		absorbed += arrive(c, &r, f2, (size_t)l2w, t += 10 * MS, seen);
	ok(absorbed == 10 && seen[1] == t, "identical hellos absorbed (%u of 10), arrival recorded",
	   absorbed);
	ok(core_stat(c, CORE_S_HELLO_SEEN) == 10 && r.tpl_writes == 1 && r.nbr_writes == writes,
	   "each arrival heard by the core (%llu), no template or mms_nbrs rewrite",
	   (unsigned long long)core_stat(c, CORE_S_HELLO_SEEN));
	agree(c, &r, 1, "100 ms of absorbed hellos (hold 40 ms)");
	/* an older arrival changes nothing */
	core_hello_seen(c, 1, t - 5 * MS, t);
	ok(core_stat(c, CORE_S_HELLO_SEEN) == 10, "an arrival not later than the last: ignored");
	/* silence: down exactly one hold time after the last absorbed copy */
	t0 = t;
	core_tick(c, t0 + 40 * MS - 1);
	agree(c, &r, 1, "just before the hold time of the last absorbed hello");
	core_tick(c, t0 + 40 * MS);
	agree(c, &r, 0, "silent after absorbed hellos: down after the hold time");
	ok(!r.tpl_on && r.tpl_deletes == 1, "down: template removed");
	ok(!arrive(c, &r, f2, (size_t)l2w, t = t0 + 50 * MS, seen), "no template: hello passes");
	agree(c, &r, 1, "back up by the hello itself");
	ok(r.tpl_on, "template again");

	/* a changed byte: hold time 90 */
	ok(!arrive(c, &r, f90, (size_t)l90, t += 10 * MS, seen),
	   "a hello with one field changed reaches the core at once");
	ok(r.tpl_on && r.tpl_writes == 3 && r.tpl.len == l90 - MMS_ETH_LEN &&
	   !memcmp(r.tpl.b, f90 + MMS_ETH_LEN, r.tpl.len), "template replaced by the new hello");
	ok(arrive(c, &r, f90, (size_t)l90, t += 10 * MS, seen), "its copies absorbed");
	t0 = t;
	core_tick(c, t0 + 90 * MS - 1);
	agree(c, &r, 1, "the new hold time (90 ms) applies to absorbed copies");
	ok(!arrive(c, &r, f2, (size_t)l2w, t += 20 * MS, seen),
	   "the old hello is a change now: reaches the core");
	/* another MAC on the port: not absorbed, the core decides (a new MAC
	 * of the same node is taken, and the template follows it) */
	ok(!arrive(c, &r, fmac, (size_t)lmac, t += 10 * MS, seen),
	   "same hello from another MAC: reaches the core");
	ok(r.tpl_on && !memcmp(r.tpl_key.mac, other_mac, 6) && r.tpl_deletes == 2,
	   "template moved to the new MAC (old key deleted)");
	ok(!arrive(c, &r, f2, (size_t)l2w, t += 10 * MS, seen), "old MAC: reaches the core");
	/* the neighbour restarted: its hello no longer names us */
	ok(!arrive(c, &r, f1, (size_t)l1w, t += 10 * MS, seen),
	   "a hello that no longer names us reaches the core at once");
	agree(c, &r, 0, "no longer two-way: down at once");
	ok(!r.tpl_on, "template removed with the neighbour");
	/* carrier loss */
	arrive(c, &r, f2, (size_t)l2w, t += 10 * MS, seen);
	agree(c, &r, 1, "up again");
	core_link_event(c, 1, false, t += MS);
	agree(c, &r, 0, "carrier lost");
	ok(!r.tpl_on, "carrier lost: template removed");
	seen[1] = t + MS;	/* a stale record must not bring anything back */
	core_hello_seen(c, 1, seen[1], t + 2 * MS);
	core_link_event(c, 1, true, t += 2 * MS);
	core_tick(c, t);
	agree(c, &r, 0, "carrier back: an arrival without a template brings nothing up");
out:
	core_free(c);
}

/* An MA's sends on port 1, by time: hello ticks and beacons. */
static struct {
	__u64 now;			/* of the tick being served */
	__u64 hello_at[256], beacon_at[64];
	unsigned hellos, beacons;
} ma_rec;

static void ma_send(void *ctx, __u16 port, const __u8 *f, size_t len)
{
	size_t nh = len > MMS_ETH_LEN + MMS_HDR_LEN ?
		    f[MMS_ETH_LEN + offsetof(struct mms_hdr, nhops)] : 0;
	size_t off = MMS_ETH_LEN + MMS_HDR_LEN + nh * MMS_HOP_LEN;

	(void)ctx;
	if (port != 1 || len <= off)
		return;
	if (f[off] == MMS_T_HELLO && ma_rec.hellos < 256)
		ma_rec.hello_at[ma_rec.hellos++] = ma_rec.now;
	if (f[off] == MMS_T_BEACON && ma_rec.beacons < 64)
		ma_rec.beacon_at[ma_rec.beacons++] = ma_rec.now;
}

static int ma_key(void *ctx, const struct mms_id *node, __u8 epoch, __u8 key[MMS_KEY_LEN])
{
	(void)ctx; (void)node; (void)epoch;
	memset(key, 0x5a, MMS_KEY_LEN);
	return 0;
}

/*
 * A periodic beacon waits for the MA's next hello tick (ma_beacon_at), so
 * that the MA wakes up once for both: driven like the agent drives it (a
 * core_tick at every core_next_event, nothing else), every beacon goes out
 * at a tick that also sends hellos, beacons stay 100..117 ms apart, and the
 * MA wakes up no more often than it says hello.
 */
static void test_beacon_on_hello_tick(void)
{
	struct core_ops ops = { .send = ma_send, .hop_key = ma_key };
	struct core_cfg cfg;
	struct mms_core *c;
	__u64 t = 1000 * MS, end, settled, next, gap_lo = UINT64_MAX, gap_hi = 0;
	unsigned wakes = 0, lone = 0, hello_ticks = 0;

	memset(&ma_rec, 0, sizeof(ma_rec));
	core_cfg_defaults(&cfg);
	id_of(&cfg.id, 0xaa);
	cfg.role = MMS_ROLE_MA;
	c = core_new(&cfg, &ops);
	if (!ok(c && !core_port_add(c, 1, 3, our_mac, 0, true), "MA core, port 1 with carrier"))
		goto out;
	ma_rec.now = t;
	core_start(c, t);
	hello_from_n(c, true, t += MS);
	if (!ok(core_nbr_up(c, 1, NULL) == 1, "neighbour up"))
		goto out;
	end = t + 1000 * MS;
	/* a deadline already passed is served at once, as the agent does */
	settled = t + 300 * MS;	/* start-up beacons and computations done */
	/* a deadline already passed is served at once, as the agent does */
	while ((next = core_next_event(c)) < end && wakes < 1000) {
		unsigned h0 = ma_rec.hellos;

		t = next > t ? next : t;
		/* N keeps saying hello (as a read before the hold time would) */
		hello_from_n_at(c, true, t, t);
		ma_rec.now = t;
		core_tick(c, t);
		if (t >= settled) {
			wakes++;
			hello_ticks += ma_rec.hellos != h0;
		}
	}
	for (unsigned b = 0; b < ma_rec.beacons; b++) {
		bool with_hello = false;

		for (unsigned i = 0; i < ma_rec.hellos; i++)
			with_hello |= ma_rec.hello_at[i] == ma_rec.beacon_at[b];
		/* the first ones may be brought forward (start, the neighbour up) */
		if (b >= 2) {
			__u64 gap = ma_rec.beacon_at[b] - ma_rec.beacon_at[b - 1];

			lone += !with_hello;
			gap_lo = gap < gap_lo ? gap : gap_lo;
			gap_hi = gap > gap_hi ? gap : gap_hi;
		}
	}
	ok(ma_rec.beacons >= 9 && ma_rec.beacons <= 11, "1 s: %u beacons", ma_rec.beacons);
	ok(!lone, "every periodic beacon went with a hello tick (%u did not)", lone);
	ok(gap_lo >= 100 * MS && gap_hi <= 117 * MS, "periodic beacons %llu..%llu ms apart",
	   (unsigned long long)(gap_lo / MS), (unsigned long long)(gap_hi / MS));
	ok(wakes > 40 && wakes == hello_ticks,
	   "settled: the MA woke %u times, each a hello tick (%u)", wakes, hello_ticks);
out:
	core_free(c);
}

int main(void)
{
	test_no_carrier_at_start();
	test_beacon_on_hello_tick();
	test_late_hellos();
	test_absorbed_hellos();
	test_carrier_flap();
	test_resume();
	return tap_done();
}
