// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The security layer (agent/secglue.c) on a simulated network: 24 nodes on
 * a Waxman topology, two MAs, every node with its own identity made in a
 * temporary state directory (0700/0600) and its own secglue. Every frame
 * goes through mms_process(), so routes only work if the MA sealed them
 * with the hop keys the nodes drew at random and sent it wrapped.
 *
 *  1. start-up refusals: no state dir, a CM that trusts no MA, an identity
 *     of the other role, a state dir readable by others;
 *  2. from cold start every enrolled node authenticates (hop by hop, nodes
 *     beyond the MAs' neighbours through relays) and reaches both MAs and
 *     is reached by them; each MA holds the same hop key for a node;
 *  3. an unenrolled node and a revoked one get no session, no route from
 *     an MA, no CONTROL, and are in no MA's topology;
 *  4. a CM speaking for another: its LSA with the victim as origin is
 *     refused (key id, then MAC), a replayed LSA too; nothing changes;
 *  5. beacons: replayed (refused as old), another body under a verified
 *     number, a moved signature, a beacon of an untrusted MA;
 *  6. a key roll by both MAs while every CM and both MAs probe each other
 *     every 5 ms: nothing lost, every node in the new epoch, the old key
 *     gone from every datapath;
 *  7. CM agents restarted on their datapath (a transit node three times in
 *     a row, a leaf), each with a new security layer that takes back its
 *     hop keys: probes every 5 ms lose almost nothing, each gets a new
 *     session with both MAs, its LSAs are not refused as old, and the MAs
 *     keep the key they had; a restart that lost its keys comes back too;
 *  8. a CM revoked while running: session, keys and routes gone at that MA
 *     at once, the rest still served; the other MA keeps it; the key roll
 *     the revocation starts ends the routes it held to that MA;
 *  9. metrics, and no frame failed hop verification (but during the
 *     restart without keys, counted apart).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "auth.h"
#include "secglue.h"
#include "sim.h"
#include "topogen.h"
#include "tap.h"
#include "tmpdir.h"

#define N	24
#define MS	1000000ull

static struct secglue *sg[N];
static char dir[N][600];
static uint8_t role[N];

#include "sg_sim.h"
static uint32_t unenrolled, revoked;	/* chosen so that the rest stays connected */
static __u8 start_epoch[N];

struct frame {
	uint8_t b[2048];
	size_t len;
	uint16_t port;
	int have;
};

/* The latest LSA from each node at MA 0, the latest beacon of MA 0 at watch. */
static struct frame lsa_at_ma[N], beacon;
static uint32_t watch;
static uint64_t epoch_drops;

static size_t body_off(const uint8_t *f)
{
	return MMS_ETH_LEN + MMS_HDR_LEN + (size_t)f[MMS_ETH_LEN + 3] * MMS_HOP_LEN + MMS_PL_LEN;
}

static uint32_t node_of(const struct mms_id *id)
{
	for (uint32_t i = 0; i < N; i++)
		if (mms_id_eq(secglue_id(sg[i]), id))
			return i;
	return UINT32_MAX;
}

static void keep(struct frame *fr, uint16_t port, const uint8_t *f, size_t len)
{
	if (len > sizeof(fr->b))
		return;
	memcpy(fr->b, f, len);
	fr->len = len;
	fr->port = port;
	fr->have = 1;
}

static void tap(uint32_t node, uint16_t port, const uint8_t *f, size_t len, void *ctx)
{
	size_t off = body_off(f);
	uint8_t type = f[off - MMS_PL_LEN];
	struct mms_id id;
	uint32_t who;

	(void)ctx;
	if (off + MMS_ID_LEN > len)
		return;
	memcpy(id.b, f + off, MMS_ID_LEN);	/* LSA origin, beacon MA: first in the body */
	if (node == 0 && type == MMS_T_LSA && (who = node_of(&id)) != UINT32_MAX)
		keep(&lsa_at_ma[who], port, f, len);
	if (node == watch && type == MMS_T_BEACON && node_of(&id) == 0)
		keep(&beacon, port, f, len);
}

/* ---- the simulator's hooks, all to the node's secglue ---- */

static void tune(struct core_cfg *cc, uint32_t node, void *ctx)
{
	(void)ctx;
	cc->id = *secglue_id(sg[node]);
	if (getenv("SPF"))
		cc->spf_hold_ms = (unsigned)atoi(getenv("SPF"));
	if (getenv("BMIN"))
		cc->beacon_min_ms = (unsigned)atoi(getenv("BMIN"));
	if (getenv("HELLO"))
		cc->hello_ms = (unsigned)atoi(getenv("HELLO"));
	if (cc->seq0 < secglue_seq0(sg[node]))
		cc->seq0 = secglue_seq0(sg[node]);
	cc->epoch = start_epoch[node];	/* a restarted node's, from its datapath */
}

/* ---- set-up ---- */

static bool enrolled(uint32_t i)
{
	return i != unenrolled && i != revoked;
}

/* Every enrolled CM reaches MA m without the other MA, U and V (so the
 * checks below do not depend on the MA to MA sessions, which test_mama
 * holds). */
static bool reachable_without(const struct topo *t, uint32_t m, uint32_t skip[3])
{
	uint32_t q[N], seen[N] = { 0 }, head = 0, tail = 0;

	q[tail++] = m;
	seen[m] = 1;
	while (head < tail) {
		uint32_t v = q[head++];

		for (uint32_t k = 0; k < t->ne; k++) {
			uint32_t w = t->e[k].a == v ? t->e[k].b : t->e[k].b == v ? t->e[k].a : N;

			if (w == N || seen[w] || w == skip[0] || w == skip[1] || w == skip[2])
				continue;
			seen[w] = 1;
			q[tail++] = w;
		}
	}
	for (uint32_t i = 2; i < N; i++)
		if (i != skip[1] && i != skip[2] && !seen[i])
			return false;
	return true;
}

static int pick_topology(struct topo *t)
{
	for (uint64_t seed = 1; seed < 64; seed++) {
		if (topo_waxman(t, N, 3.5, 0.3, seed))
			return -1;
		for (uint32_t u = N - 1; u >= 2; u--)
			for (uint32_t v = u - 1; v >= 2; v--) {
				uint32_t s0[3] = { 1, u, v }, s1[3] = { 0, u, v };

				if (reachable_without(t, 0, s0) && reachable_without(t, 1, s1)) {
					unenrolled = u;
					revoked = v;
					diag("topology seed %llu: %u links; unenrolled node %u, revoked %u",
					     (unsigned long long)seed, t->ne, u, v);
					return 0;
				}
			}
		topo_free(t);
	}
	return -1;
}

static int make_identities(const char *base)
{
	struct mms_identity id[N];
	struct mms_registry reg[2] = { { 0 }, { 0 } };
	struct mms_err e;
	int rc = 0;

	for (uint32_t i = 0; i < N && !rc; i++) {
		char name[16];

		snprintf(dir[i], sizeof(dir[i]), "%s/n%u", base, i);
		snprintf(name, sizeof(name), "node%u", i);
		rc = mms_identity_create(dir[i], name, role[i], &id[i], &e);
	}
	for (uint32_t i = 0; i < N && !rc; i++) {
		struct mms_trust t = { 0 };

		for (uint32_t m = 0; m < 2 && !rc; m++)
			if (m != i)
				rc = mms_trust_add(&t, &id[m].pub, &e);
		if (!rc)
			rc = mms_trust_save(dir[i], &t, &e);
	}
	for (uint32_t m = 0; m < 2 && !rc; m++) {
		for (uint32_t i = 2; i < N && !rc; i++)
			if (i != unenrolled)
				rc = mms_registry_add(&reg[m], &id[i].pub, &e);
		if (!rc)
			rc = mms_registry_revoke(&reg[m], id[revoked].pub.id, &e);
		if (!rc)
			rc = mms_registry_save(dir[m], &reg[m], &e);
		mms_registry_free(&reg[m]);
	}
	for (uint32_t i = 0; i < N; i++)
		mms_identity_wipe(&id[i]);
	if (rc)
		diag("identities: %s", e.msg);
	return rc;
}

/* Each refusal to start says why in one log line (stderr, captured). */
static void test_refusals(const char *base)
{
	char d[700], log[700], text[4096];
	struct mms_identity id;
	struct mms_err e;
	int saved = dup(2), fd;
	long n;

	snprintf(log, sizeof(log), "%s/refusals.log", base);
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || saved < 0)
		return;
	fflush(stderr);
	dup2(fd, 2);
	snprintf(d, sizeof(d), "%s/missing", base);
	ok(!secglue_new(d, false, 1), "no state dir: refused");
	snprintf(d, sizeof(d), "%s/lonely", base);
	ok(!mms_identity_create(d, "lonely", MMS_ROLE_CM, &id, &e) && !secglue_new(d, false, 1),
	   "a CM that trusts no MA: refused");
	ok(!secglue_new(dir[2], true, 1) && !secglue_new(dir[0], false, 1),
	   "an identity of the other role: refused");
	chmod(dir[2], 0755);
	ok(!secglue_new(dir[2], false, 1), "state dir 0755: refused");
	chmod(dir[2], 0700);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	mms_identity_wipe(&id);
	n = slurp(log, text, sizeof(text) - 1);
	text[n > 0 ? n : 0] = 0;
	ok(strstr(text, "missing: No such file") && strstr(text, "trusts no MA") &&
	   strstr(text, "the identity is a cm, the agent runs as MA") &&
	   strstr(text, "the identity is a ma, the agent runs as CM") &&
	   strstr(text, "mode 0755") && strstr(text, "chmod 700"),
	   "each refusal logged its reason");
}

/* ---- checks ---- */

static unsigned served(struct sim *s, uint32_t *first_bad)
{
	unsigned bad = 0;

	for (uint32_t m = 0; m < 2; m++)
		for (uint32_t c = 2; c < N; c++) {
			if (!enrolled(c) || !sim_alive(s, c))
				continue;
			if (sim_probe(s, c, m, NULL, NULL) != SIM_OK ||
			    sim_probe(s, m, c, NULL, NULL) != SIM_OK) {
				if (!bad++)
					*first_bad = c;
			}
		}
	return bad;
}

/* Polled every 10 ms of virtual time for up to 3 s: the ms it took, or -1. */
static long converge(struct sim *s)
{
	uint32_t first;

	for (unsigned t10 = 0; t10 <= 3000; t10++) {
		if (!served(s, &first))
			return (long)(sim_now(s) / MS);
		sim_run(s, sim_now(s) + 1 * MS);
	}
	return -1;
}

static __u64 cst(struct sim *s, uint32_t n, enum core_stat st)
{
	return core_stat(sim_core(s, n), st);
}

static __u64 gst(uint32_t n, enum secglue_stat st)
{
	return secglue_stat(sg[n], st);
}

static const struct mms_route_set *route_to(struct sim *s, uint32_t from, uint32_t to)
{
	struct mms_addr a;

	sim_addr(to, &a);
	return sim_route(s, from, &a);
}

static void test_outsiders(struct sim *s)
{
	uint32_t who[2] = { unenrolled, revoked };
	const char *what[2] = { "unenrolled", "revoked" };

	for (int k = 0; k < 2; k++) {
		uint32_t x = who[k];

		ok(!secglue_has_session(sg[0], secglue_id(sg[x])) &&
		   !secglue_has_session(sg[1], secglue_id(sg[x])) && !secglue_sessions(sg[x]),
		   "%s node %u: no session with either MA", what[k], x);
		ok(!route_to(s, 0, x) && !route_to(s, 1, x) && !cst(s, x, CORE_S_CONTROL_RX),
		   "%s node %u: no MA routes to it, it got no CONTROL (no MA-computed route)",
		   what[k], x);
	}
	ok(core_topo_nodes(sim_core(s, 0)) == N - 2 && core_topo_nodes(sim_core(s, 1)) == N - 2,
	   "each MA's topology: both MAs and the %d enrolled CMs (%u, %u): no route passes an outsider",
	   N - 4, core_topo_nodes(sim_core(s, 0)), core_topo_nodes(sim_core(s, 1)));
	ok(gst(0, SG_S_NOT_ENROLLED) + gst(0, SG_S_JOIN_UNKNOWN) > 0 &&
	   gst(0, SG_S_NOT_ENROLLED) + gst(0, SG_S_JOIN_REVOKED) > 0,
	   "MA 0 counted them: %llu listed but not enrolled, %llu joins unknown, %llu revoked",
	   (unsigned long long)gst(0, SG_S_NOT_ENROLLED),
	   (unsigned long long)gst(0, SG_S_JOIN_UNKNOWN),
	   (unsigned long long)gst(0, SG_S_JOIN_REVOKED));
}

/* Replace the body of a captured frame and hand it to node's core. */
static void inject(struct sim *s, uint32_t node, const struct frame *f, const uint8_t *body,
		   size_t blen)
{
	static struct frame g;
	size_t off = body_off(f->b);

	memcpy(g.b, f->b, off);
	g.b[off - 2] = (uint8_t)(blen >> 8);
	g.b[off - 1] = (uint8_t)blen;
	memcpy(g.b + off, body, blen);
	sim_inject(s, node, f->port, g.b, off + blen);
}

static void test_forged_lsa(struct sim *s)
{
	uint32_t a = 0, b = 0;
	const struct core_auth *au;
	struct msg_lsa *m = malloc(sizeof(*m));
	uint8_t body[MMS_BODY_MAX];
	struct msg_auth where;
	__u64 rx, refused, st;
	int len;

	/* The attacker A and the victim B: two enrolled CMs. */
	for (uint32_t i = N - 1; i >= 2 && !b; i--)
		if (enrolled(i) && lsa_at_ma[i].have)
			b = i;
	for (uint32_t i = 2; i < N && !a; i++)
		if (enrolled(i) && i != b)
			a = i;
	if (!ok(m && a && b, "captured CM %u's LSA at MA 0; CM %u will speak for it", b, a)) {
		free(m);
		return;
	}
	const struct frame *f = &lsa_at_ma[b];

	msg_lsa_parse(f->b + body_off(f->b), f->len - body_off(f->b), m);
	m->seq += 10;			/* newer than the one held: it would be applied */
	m->nnbr = 1;			/* "B's only neighbour is A" */
	m->nbr[0] = (struct msg_lsa_nbr){ *secglue_id(sg[a]), 1, 1, 1 };
	len = msg_lsa_build(body, sizeof(body), m, &where);
	au = secglue_auth(sg[a]);
	au->sign(au->ctx, MMS_T_LSA, secglue_id(sg[0]), body, where.cover_len, body + where.auth_off,
		 where.len);
	rx = cst(s, 0, CORE_S_LSA_RX);
	refused = cst(s, 0, CORE_S_RX_AUTH);
	st = gst(0, SG_S_STALE_KEY);
	inject(s, 0, f, body, (size_t)len);
	ok(gst(0, SG_S_STALE_KEY) == st + 1 && cst(s, 0, CORE_S_RX_AUTH) == refused + 1,
	   "A's LSA with origin B under A's session: refused (key id is not B's session)");
	/* Now with B's key id (sent in clear) and a fresh number. */
	memcpy(body + where.auth_off, m->auth.data, 2);
	body[where.auth_off + 7] ^= 0x40;
	st = gst(0, SG_S_BAD_MAC);
	inject(s, 0, f, body, (size_t)len);
	ok(gst(0, SG_S_BAD_MAC) == st + 1 && cst(s, 0, CORE_S_RX_AUTH) == refused + 2,
	   "... and with B's key id: the MAC fails (BAD_MAC)");
	st = gst(0, SG_S_REPLAY);
	sim_inject(s, 0, f->port, f->b, f->len);
	ok(gst(0, SG_S_REPLAY) == st + 1 && cst(s, 0, CORE_S_RX_AUTH) == refused + 3,
	   "B's own LSA replayed: refused by the session's replay window");
	ok(cst(s, 0, CORE_S_LSA_RX) == rx, "none of them was applied");
	free(m);
}

static void test_beacons(struct sim *s, const struct mms_identity *rogue)
{
	struct msg_beacon *m = malloc(sizeof(*m));
	static struct frame saved;
	uint8_t body[512];
	const struct frame *f = &beacon;
	__u64 old, st, refused = cst(s, watch, CORE_S_RX_AUTH);
	int len;

	if (!ok(m && f->have, "captured a beacon of MA 0 at node %u", watch)) {
		free(m);
		return;
	}
	msg_beacon_parse(f->b + body_off(f->b), f->len - body_off(f->b), m);
	/* Another body under the number MA 0 signed: refused without a
	 * signature check, from the verify-once cache. */
	m->ts_ms += 1;
	len = msg_beacon_build(body, sizeof(body), m, NULL);
	st = gst(watch, SG_S_BEACON_CONFLICT);
	inject(s, watch, f, body, (size_t)len);
	ok(gst(watch, SG_S_BEACON_CONFLICT) == st + 1,
	   "beacon with its timestamp changed under a verified number: refused (conflict)");
	/* A signature moved to a number it was not made for. */
	m->ts_ms -= 1;
	m->seq += 1000;
	len = msg_beacon_build(body, sizeof(body), m, NULL);
	st = gst(watch, SG_S_BEACON_BAD_SIG);
	inject(s, watch, f, body, (size_t)len);
	ok(gst(watch, SG_S_BEACON_BAD_SIG) == st + 1, "beacon with a later number: bad signature");
	/* An MA nobody trusts, signing correctly. */
	m->seq -= 1000;
	memcpy(m->ma.b, rogue->pub.id, MMS_ID_LEN);
	m->path[0] = m->ma;
	len = msg_beacon_build(body, sizeof(body), m, NULL);
	mms_ma_sign(rogue, MMS_SIG_BEACON, m->seq, body, MMS_BEACON_COVER,
		    body + len - MMS_SIG_LEN);
	st = gst(watch, SG_S_BEACON_UNTRUSTED);
	inject(s, watch, f, body, (size_t)len);
	ok(gst(watch, SG_S_BEACON_UNTRUSTED) == st + 1, "a rogue MA's signed beacon: untrusted");
	ok(cst(s, watch, CORE_S_RX_AUTH) == refused + 3, "each counted by the core as RX_AUTH");
	/* The genuine beacon again, later: authentic but old. */
	memcpy(&saved, f, sizeof(saved));	/* the tap keeps the newest */
	sim_run(s, sim_now(s) + 250 * MS);
	old = cst(s, watch, CORE_S_BEACON_OLD);
	sim_inject(s, watch, saved.port, saved.b, saved.len);
	ok(cst(s, watch, CORE_S_BEACON_OLD) == old + 1, "the genuine beacon replayed 250 ms later: refused (old)");
	free(m);
}

/* Both MAs roll every node's hop key while every enrolled CM and both MAs
 * probe each other every 5 ms (virtual): nothing may be lost, and at the
 * end no node holds the old epoch's key in its datapath. */
static void test_keyroll(struct sim *s)
{
	__u8 e0 = secglue_epoch(sg[0]);
	unsigned lost = 0, probes = 0, moved = 0, old_left = 0;
	uint32_t first = 0;
	uint64_t t0 = sim_now(s);

	ok(!secglue_key_roll(sg[0]) && !secglue_key_roll(sg[1]) &&
	   secglue_key_roll(sg[2]) == -EOPNOTSUPP, "both MAs start a key roll from epoch %u (a CM cannot)",
	   e0);
	for (unsigned t5 = 0; t5 < 1000; t5++) {
		sim_run(s, sim_now(s) + 5 * MS);
		lost += served(s, &first);
		probes += 2 * 2 * (N - 4);
		old_left = 0;
		for (uint32_t i = 0; i < N; i++)
			old_left += enrolled(i) && sim_key(s, i, e0) != NULL;
		if (!old_left)
			break;
	}
	ok(!lost, "%u probes between every CM and both MAs across the roll: %u lost", probes, lost);
	for (uint32_t i = 0; i < N; i++)
		moved += enrolled(i) && secglue_epoch(sg[i]) == (__u8)(e0 + 1) &&
			 sim_key(s, i, (__u8)(e0 + 1)) != NULL;
	ok(moved == N - 2 && gst(0, SG_S_ROLL_SWITCHED) == 1 && gst(1, SG_S_ROLL_SWITCHED) == 1,
	   "every node is in epoch %u with its key installed", e0 + 1);
	ok(!old_left, "%.2f s after the start no node holds epoch %u's key any more",
	   (double)(sim_now(s) - t0) / 1e9, e0);
	if (lost)
		diag("first failing node %u", first);
}

/* Frames that failed hop verification (wrong key, port or epoch). */
static __u64 hop_fails(struct sim *s)
{
	const uint64_t *v = sim_stats(s)->verdict;

	return v[MMS_S_DROP_HOP] + v[MMS_S_DROP_INGRESS] + v[MMS_S_DROP_EPOCH];
}

/* Node i's agent restarts: a new security layer (state dir as before),
 * which takes back the keys its datapath holds, and a new core on the same
 * datapath; lose_keys: the node reboots, datapath state lost. */
static int restart(struct sim *s, uint32_t i, bool lose_keys)
{
	struct secglue *old = sg[i];
	int rc;

	sg[i] = secglue_new(dir[i], role[i] == MMS_ROLE_MA, 1000 + i);
	if (!sg[i]) {
		sg[i] = old;
		return -ENOMEM;
	}
	start_epoch[i] = 0;
	if (!lose_keys &&
	    secglue_adopt_keys(sg[i], sim_keys(s, i), MMS_EPOCH_SLOTS, &start_epoch[i]) < 1)
		rc = -ENOKEY;
	else
		rc = sim_node_restart(s, i, lose_keys);
	secglue_free(old);
	return rc;
}

/* Probes every 5 ms from the restart until every pair is served and node i
 * has a session with both MAs again (at most 4 s): the probes lost, or -1. */
static long restart_probe(struct sim *s, uint32_t i, unsigned *ms)
{
	uint64_t t0 = sim_now(s);
	unsigned lost = 0, first;

	for (unsigned t5 = 0; t5 < 800; t5++) {
		unsigned bad;

		sim_run(s, sim_now(s) + 5 * MS);
		bad = served(s, &first);
		lost += bad;
		if (!bad && secglue_has_session(sg[i], secglue_id(sg[0])) &&
		    secglue_has_session(sg[i], secglue_id(sg[1]))) {
			*ms = (unsigned)((sim_now(s) - t0) / MS);
			return lost;
		}
	}
	diag("after 4 s: %u pairs not served (first CM %u); node %u has a session with MA 0: %d, MA 1: %d",
	     served(s, &first), first, i, secglue_has_session(sg[i], secglue_id(sg[0])),
	     secglue_has_session(sg[i], secglue_id(sg[1])));
	return -1;
}

static void test_restart(struct sim *s)
{
	uint32_t t = 0, leaf = 0;
	__u64 rekey0 = gst(0, SG_S_REKEY), rekey1 = gst(1, SG_S_REKEY);
	__u64 old0 = cst(s, 0, CORE_S_LSA_OLD), old1 = cst(s, 1, CORE_S_LSA_OLD);
	unsigned ms = 0, runs = 0;
	long lost;

	/* a transit CM: a neighbour of MA 0 with others behind it; a leaf */
	for (uint32_t i = 2; i < N; i++) {
		unsigned up = 0;

		if (!enrolled(i))
			continue;
		for (uint16_t p = 1; p < MMS_MAX_PORTS; p++)
			up += core_nbr_up(sim_core(s, i), p, NULL) == 1;
		if (!t && up >= 3 && route_to(s, 0, i) && route_to(s, 0, i)->r[0].nhops == 1)
			t = i;
		if (!leaf && up == 1)
			leaf = i;
	}
	if (!ok(t != 0, "a transit CM next to MA 0: %u (leaf: %u)", t, leaf))
		return;
	for (int k = 0; k < 3; k++) {
		uint8_t key[2][16];
		__u8 e = secglue_epoch(sg[0]);

		if (!ok(!restart(s, t, false), "transit CM %u restarted (run %d), keys taken back", t,
			k + 2))
			return;
		ok(secglue_epoch(sg[t]) == e && !secglue_hop_key(sg[t], secglue_id(sg[t]), e, key[0]) &&
		   !secglue_hop_key(sg[0], secglue_id(sg[t]), e, key[1]) && !memcmp(key[0], key[1], 16),
		   "it starts in epoch %u with the key MA 0 holds for it", e);
		lost = restart_probe(s, t, &ms);
		ok(lost == 0, "every pair served and new sessions with both MAs %u ms after; %ld probes lost (every 5 ms, %u pairs)",
		   ms, lost, 2 * 2 * (N - 4));
		runs++;
	}
	if (leaf) {
		ok(!restart(s, leaf, false), "leaf CM %u restarted", leaf);
		lost = restart_probe(s, leaf, &ms);
		ok(lost == 0, "every pair served, new sessions, %u ms after; %ld probes lost", ms, lost);
		runs++;
	}
	ok(gst(0, SG_S_REKEY) >= rekey0 + runs && gst(1, SG_S_REKEY) >= rekey1 + runs,
	   "each MA re-keyed every restarted node (%llu, %llu)",
	   (unsigned long long)(gst(0, SG_S_REKEY) - rekey0),
	   (unsigned long long)(gst(1, SG_S_REKEY) - rekey1));
	ok(cst(s, 0, CORE_S_LSA_OLD) == old0 && cst(s, 1, CORE_S_LSA_OLD) == old1,
	   "no LSA of a restarted node refused as old (its numbers persist in its state dir)");
	ok(!hop_fails(s), "no frame failed hop verification so far, restarts included");
	/* A reboot: a new key, which the MAs learn only from its new session. */
	ok(!restart(s, t, true), "transit CM %u rebooted (datapath state and keys lost)", t);
	lost = restart_probe(s, t, &ms);
	ok(lost >= 0, "every pair served and new sessions %u ms after (%ld probes lost meanwhile, %llu frames failed hop verification)",
	   ms, lost, (unsigned long long)hop_fails(s));
}

static void test_revoke(struct sim *s)
{
	struct mms_registry r = { 0 };
	struct mms_err e;
	uint32_t w = 0, bad = 0;
	__u64 dropped = gst(0, SG_S_SESSION_DROPPED), nosess;
	__u8 e0 = secglue_epoch(sg[0]);
	enum sim_probe probe;
	enum mms_stat why = MMS_S_PASS;
	int rc;

	/* A CM whose loss keeps the others connected to MA 0. */
	for (uint32_t i = 2; i < N && !w; i++) {
		const struct mms_route_set *rs = route_to(s, 0, i);

		if (enrolled(i) && rs && core_nbr_up(sim_core(s, i), 1, NULL) &&
		    !core_nbr_up(sim_core(s, i), 2, NULL))
			w = i;	/* a leaf: one port up */
	}
	if (!ok(w != 0, "a leaf CM to revoke: %u", w))
		return;
	rc = mms_registry_load(dir[0], &r, &e);
	if (!rc)
		rc = mms_registry_revoke(&r, secglue_id(sg[w])->b, &e);
	if (!rc)
		rc = mms_registry_save(dir[0], &r, &e);
	mms_registry_free(&r);
	ok(!rc && !secglue_reload(sg[0]), "CM %u revoked in MA 0's registry, MA 0 reloads", w);
	ok(!secglue_has_session(sg[0], secglue_id(sg[w])) && !route_to(s, 0, w) &&
	   gst(0, SG_S_SESSION_DROPPED) == dropped + 1,
	   "at once: MA 0 has no session with it and no route to it");
	nosess = gst(0, SG_S_NO_SESSION);
	sim_run(s, sim_now(s) + 600 * MS);
	ok(!secglue_has_session(sg[0], secglue_id(sg[w])) && !route_to(s, 0, w) &&
	   core_topo_nodes(sim_core(s, 0)) == N - 3 && gst(0, SG_S_NO_SESSION) > nosess,
	   "600 ms later: still none, out of MA 0's topology, its messages refused (%llu)",
	   (unsigned long long)(gst(0, SG_S_NO_SESSION) - nosess));
	for (uint32_t c = 2; c < N; c++)
		if (enrolled(c) && c != w &&
		    (sim_probe(s, c, 0, NULL, NULL) != SIM_OK || sim_probe(s, 0, c, NULL, NULL) != SIM_OK))
			bad++;
	ok(!bad, "every other enrolled CM still reaches MA 0 both ways");
	ok(secglue_has_session(sg[1], secglue_id(sg[w])) && sim_probe(s, w, 1, NULL, NULL) == SIM_OK,
	   "MA 1, whose registry still lists it, keeps serving it");
	/* The routes it held to MA 0 end in MA 0's own field: the key roll the
	 * revocation started removes the key they were sealed with. */
	sim_run(s, sim_now(s) + 2500 * MS);
	probe = sim_probe(s, w, 0, NULL, &why);
	ok(gst(0, SG_S_ROLL_STARTED) == 2 && gst(0, SG_S_ROLL_SWITCHED) == 2 &&
	   !sim_key(s, 0, e0) && probe == SIM_DROP,
	   "the revocation rolled MA 0's keys: epoch %u's key gone, the revoked CM's traffic to MA 0 dropped (%s)",
	   e0, probe == SIM_DROP ? mms_stat_name(why) : sim_probe_str(probe));
}

static void test_metrics(void)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	char want[96];

	if (!f)
		return;
	secglue_metrics(sg[0], f);
	fclose(f);
	snprintf(want, sizeof(want), "mms_auth_sessions %u\n", secglue_sessions(sg[0]));
	ok(buf && strstr(buf, "# TYPE mms_auth_refused_total counter\n") &&
	   strstr(buf, "mms_auth_refused_total{reason=\"bad_mac\"} 1\n") &&
	   strstr(buf, "mms_auth_events_total{event=\"relay_sent\"}") && strstr(buf, want),
	   "metrics: refusals by reason, events, sessions gauge");
	free(buf);
}

int main(void)
{
	const char *base = tmpdir_make("secglue");
	struct mms_identity rogue;
	struct sim_cfg cfg;
	struct mms_err e;
	struct topo t;
	struct sim *s;
	uint32_t bad = 0, first = 0, dist[N];
	unsigned relayed = 0, far = 0;
	long ms;
	__u64 hop0 = 0;

	(void)spit;	/* a tmpdir.h helper this test does not need */
	if (!base)
		return tap_skip_all("no temporary directory");
	if (!getenv("V"))
		mms_log_set_level(MMS_LOG_ERR);
	if (pick_topology(&t))
		return tap_skip_all("no suitable topology");
	memset(role, MMS_ROLE_CM, sizeof(role));
	role[0] = role[1] = MMS_ROLE_MA;
	if (!ok(!make_identities(base), "%d identities, trust stores and registries made", N))
		return tap_done();
	for (uint32_t i = 0; i < N; i++)
		sg[i] = secglue_new(dir[i], role[i] == MMS_ROLE_MA, i);
	for (uint32_t i = 0; i < N; i++)
		bad += !sg[i];
	if (!ok(!bad, "a security layer for every node"))
		return tap_done();
	test_refusals(base);
	watch = N - 1 == unenrolled || N - 1 == revoked ? 2 : N - 1;

	memset(&cfg, 0, sizeof(cfg));
	cfg.n = N;
	cfg.e = t.e;
	cfg.ne = t.ne;
	cfg.role = role;
	cfg.seed = 5;
	cfg.verbose = getenv("V") ? 3 : -1;
	/* For comparison: the same network without the security layer. */
	s = sim_new(&cfg);
	diag("without the security layer: served after %ld ms", s ? converge(s) : -1);
	sim_free(s);
	sg_sim_hooks(&cfg, tune);
	cfg.tap = tap;
	s = sim_new(&cfg);
	if (!ok(s != NULL, "simulator"))
		return tap_done();

	ms = converge(s);
	ok(ms >= 0, "cold start with authentication: every enrolled node reaches both MAs and is reached by them after %ld ms",
	   ms);
	if (ms < 0)
		diag("%u pairs fail, first with node %u", served(s, &first), first);
	bad = 0;
	sim_distances(s, 0, dist);
	for (uint32_t c = 2; c < N; c++) {
		if (!enrolled(c))
			continue;
		for (uint32_t m = 0; m < 2; m++)
			bad += !secglue_has_session(sg[m], secglue_id(sg[c])) ||
			       !secglue_has_session(sg[c], secglue_id(sg[m]));
		far += dist[c] >= 2;
	}
	ok(!bad && secglue_sessions(sg[0]) == N - 3 && secglue_sessions(sg[1]) == N - 3 &&
	   secglue_has_session(sg[0], secglue_id(sg[1])) &&
	   secglue_has_session(sg[1], secglue_id(sg[0])),
	   "sessions: each MA with each of the %d enrolled CMs and back, and the MAs with each other",
	   N - 4);
	for (uint32_t c = 2; c < N; c++)
		relayed += gst(c, SG_S_RELAY_FWD) > 0;
	ok(far > 0 && gst(0, SG_S_RELAY_SENT) > 0 && relayed > 0,
	   "%u CMs lie beyond MA 0's neighbours: reached through %llu relays by %u CMs", far,
	   (unsigned long long)gst(0, SG_S_RELAY_SENT), relayed);
	/* A relay is asked only once we route to it: after the computation
	 * that took its LSA. */
	ok(gst(0, SG_S_HS_UNSENT) == 0 && gst(1, SG_S_HS_UNSENT) == 0,
	   "no challenge tried before a route to its relay existed (unsent: %llu, %llu)",
	   (unsigned long long)gst(0, SG_S_HS_UNSENT), (unsigned long long)gst(1, SG_S_HS_UNSENT));
	bad = 0;
	for (uint32_t c = 2; c < N; c++) {
		uint8_t k[3][16];

		if (!enrolled(c))
			continue;
		bad += secglue_hop_key(sg[c], secglue_id(sg[c]), 0, k[0]) ||
		       secglue_hop_key(sg[0], secglue_id(sg[c]), 0, k[1]) ||
		       secglue_hop_key(sg[1], secglue_id(sg[c]), 0, k[2]) || memcmp(k[0], k[1], 16) ||
		       memcmp(k[0], k[2], 16);
	}
	for (uint32_t m = 0; m < 2; m++) {
		uint8_t k[2][16];

		bad += secglue_hop_key(sg[m], secglue_id(sg[m]), 0, k[0]) ||
		       secglue_hop_key(sg[1 - m], secglue_id(sg[m]), 0, k[1]) || memcmp(k[0], k[1], 16);
	}
	ok(!bad && secglue_hop_keys(sg[0]) == N - 3 && secglue_hop_keys(sg[1]) == N - 3,
	   "every CM's hop key, drawn at random, is held by both MAs (wrapped under each session), and each MA's by the other");

	test_outsiders(s);
	test_forged_lsa(s);
	{
		char d[700];

		snprintf(d, sizeof(d), "%s/rogue", base);
		if (ok(!mms_identity_create(d, "rogue", MMS_ROLE_MA, &rogue, &e), "a rogue MA identity"))
			test_beacons(s, &rogue);
		mms_identity_wipe(&rogue);
	}
	test_keyroll(s);
	test_restart(s);
	/* After the revocation the revoked node keeps using the routes it
	 * holds to MA 0 (a new epoch's hop key from MA 1's roll, for one),
	 * which the roll's retirement drops: DROP_EPOCH is expected from
	 * here on, any other failure of hop verification is not. */
	hop0 = hop_fails(s);
	epoch_drops = sim_stats(s)->verdict[MMS_S_DROP_EPOCH];
	test_revoke(s);
	test_metrics();
	ok(hop_fails(s) - hop0 == sim_stats(s)->verdict[MMS_S_DROP_EPOCH] - epoch_drops,
	   "%llu frames: none failed hop verification (but %llu at the rebooted node; %llu DROP_EPOCH after the revocation)",
	   (unsigned long long)sim_stats(s)->frames, (unsigned long long)hop0,
	   (unsigned long long)(sim_stats(s)->verdict[MMS_S_DROP_EPOCH] - epoch_drops));
	diag("MA 0: %llu challenges, %llu sessions made, %llu beacons signed; CMs verified %llu beacon signatures, %llu copies from the cache",
	     (unsigned long long)gst(0, SG_S_CHALLENGE_SENT),
	     (unsigned long long)gst(0, SG_S_SESSION_UP), (unsigned long long)gst(0, SG_S_BEACON_SIGNED),
	     (unsigned long long)gst(2, SG_S_BEACON_VERIFIED),
	     (unsigned long long)gst(2, SG_S_BEACON_CACHED));
	sim_free(s);
	for (uint32_t i = 0; i < N; i++)
		secglue_free(sg[i]);
	topo_free(&t);
	return tap_done();
}
