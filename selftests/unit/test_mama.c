// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Several MAs (agent/secglue*.c, docs/security.md "MA to MA"): three MAs
 * with real identities on a simulated network where two of them are cut
 * vertices, every frame through mms_process():
 *
 *        3               6
 *       / \              |
 *      4 - MA0 - 5 - MA1 - 7 - 8
 *                |         |
 *                +-- MA2 --+
 *
 * CMs 3 and 4 reach MA1 and MA2 only through MA0; CM 6 reaches MA0 and MA2
 * only through MA1.
 *
 *  1. the MAs authenticate each other (the lower ID challenges), each holds
 *     the others' hop keys and has them in its topology; every CM has a
 *     session with every MA, reaches it and is reached by it, including
 *     through another MA;
 *  2. a key roll started at MA0 alone: the other MAs roll with it, and
 *     probes every 5 ms between every CM and every MA lose nothing;
 *  3. quorum decrees (DECREE envelopes): forged, insufficient,
 *     accused-signs-for-itself and replayed decrees change nothing; MA0
 *     and MA1 evict MA2: every node distrusts it (persisted), drops its
 *     session, refuses its beacons; the key roll leaves MA2 with no current
 *     hop key of anyone; every CM is still reached by MA0 and MA1.
 *  4. (before 3) a quorum decree revokes CM 8 at every MA: too few
 *     signatures, or naming an MA, change nothing; MA0 and MA1's decree,
 *     handed to MA0 alone, reaches MA1 and MA2: each revokes CM 8 in its
 *     registry (persisted), drops its session, hop keys and routes, and
 *     refuses it from then on, also after its agent restarts; after the
 *     key roll no MA reaches it or is reached by it, every other CM is
 *     served by every MA; the decree replayed is refused as old.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "secglue.h"
#include "sim.h"
#include "tap.h"
#include "tmpdir.h"

#define N	9
#define NMA	3
#define MS	1000000ull

static struct secglue *sg[N];
static char dir[N][600];
static uint8_t role[N];
static uint32_t revoked_cm = N;	/* test_revoke's CM, out of every check after */

#include "sg_sim.h"

static const uint32_t links[][2] = {
	{ 0, 3 }, { 0, 4 }, { 3, 4 }, { 0, 5 }, { 5, 1 }, { 1, 6 }, { 1, 7 }, { 5, 2 }, { 2, 7 },
	{ 7, 8 },	/* last: test_revoke pulls it */
};
#define NL	(sizeof(links) / sizeof(links[0]))

/* ---- the simulator's hooks, all to the node's secglue ---- */

static void tune(struct core_cfg *cc, uint32_t node, void *ctx)
{
	(void)ctx;
	cc->id = *secglue_id(sg[node]);
	if (cc->role == MMS_ROLE_MA && cc->seq0 < secglue_seq0(sg[node]))
		cc->seq0 = secglue_seq0(sg[node]);
}

/* ---- set-up ---- */

static int make_identities(const char *base, struct mms_identity *id)
{
	struct mms_err e;
	int rc = 0;

	for (uint32_t i = 0; i < N && !rc; i++) {
		char name[16];

		role[i] = i < NMA ? MMS_ROLE_MA : MMS_ROLE_CM;
		snprintf(dir[i], sizeof(dir[i]), "%s/n%u", base, i);
		snprintf(name, sizeof(name), "node%u", i);
		rc = mms_identity_create(dir[i], name, role[i], &id[i], &e);
	}
	for (uint32_t i = 0; i < N && !rc; i++) {
		struct mms_trust t = { 0 };

		for (uint32_t m = 0; m < NMA && !rc; m++)
			if (m != i)
				rc = mms_trust_add(&t, &id[m].pub, &e);
		if (!rc)
			rc = mms_trust_save(dir[i], &t, &e);
	}
	for (uint32_t m = 0; m < NMA && !rc; m++) {
		struct mms_registry reg = { 0 };

		for (uint32_t i = NMA; i < N && !rc; i++)
			rc = mms_registry_add(&reg, &id[i].pub, &e);
		if (!rc)
			rc = mms_registry_save(dir[m], &reg, &e);
		mms_registry_free(&reg);
	}
	if (rc)
		diag("identities: %s", e.msg);
	return rc;
}

/* Nodes reachable from src over the links, without node `skip`. */
static bool connected_without(uint32_t src, uint32_t dst, uint32_t skip)
{
	uint32_t q[N], head = 0, tail = 0;
	bool seen[N] = { false };

	q[tail++] = src;
	seen[src] = true;
	while (head < tail) {
		uint32_t v = q[head++];

		for (size_t k = 0; k < NL; k++) {
			uint32_t w = links[k][0] == v ? links[k][1] : links[k][1] == v ? links[k][0] : N;

			if (w < N && w != skip && !seen[w]) {
				seen[w] = true;
				q[tail++] = w;
			}
		}
	}
	return seen[dst];
}

/* ---- checks ---- */

static bool alive_ma(struct sim *s, uint32_t m, uint32_t evicted)
{
	return m != evicted && sim_alive(s, m);
}

/* Every CM reaches every live MA but `evicted` both ways; the number of
 * failing pairs. */
static unsigned served(struct sim *s, uint32_t evicted, uint32_t *bad_cm, uint32_t *bad_ma)
{
	unsigned bad = 0;

	for (uint32_t m = 0; m < NMA; m++)
		for (uint32_t c = NMA; c < N && alive_ma(s, m, evicted); c++)
			if (c != revoked_cm && (sim_probe(s, c, m, NULL, NULL) != SIM_OK ||
			    sim_probe(s, m, c, NULL, NULL) != SIM_OK)) {
				if (!bad++) {
					*bad_cm = c;
					*bad_ma = m;
				}
			}
	return bad;
}

static long converge(struct sim *s, uint32_t evicted, unsigned max_ms)
{
	uint32_t c = 0, m = 0;

	for (unsigned t = 0; t <= max_ms; t++) {
		if (!served(s, evicted, &c, &m))
			return (long)(sim_now(s) / MS);
		sim_run(s, sim_now(s) + MS);
	}
	diag("%u pairs fail, first CM %u with MA %u", served(s, evicted, &c, &m), c, m);
	return -1;
}

static __u64 gst(uint32_t n, enum secglue_stat st)
{
	return secglue_stat(sg[n], st);
}

static void test_mama(struct sim *s)
{
	unsigned bad = 0, hs_wrong = 0;
	long ms = converge(s, N, 3000);

	ok(!connected_without(3, 1, 0) && !connected_without(4, 2, 0) &&
	   !connected_without(6, 0, 1) && !connected_without(6, 2, 1),
	   "topology: MA0 is the only way between CMs 3, 4 and MAs 1, 2; MA1 between CM 6 and MAs 0, 2");
	ok(ms >= 0, "cold start: every CM reaches every MA and is reached by it, through the other MAs too, after %ld ms",
	   ms);
	for (uint32_t a = 0; a < NMA; a++)
		for (uint32_t b = 0; b < NMA; b++) {
			uint8_t k[2][16];

			if (a == b)
				continue;
			bad += !secglue_has_session(sg[a], secglue_id(sg[b])) ||
			       secglue_hop_key(sg[a], secglue_id(sg[b]), 0, k[0]) ||
			       secglue_hop_key(sg[b], secglue_id(sg[b]), 0, k[1]) ||
			       memcmp(k[0], k[1], 16);
		}
	ok(!bad, "each MA has a session with each other MA and holds its hop key");
	bad = 0;
	for (uint32_t m = 0; m < NMA; m++) {
		bad += core_topo_nodes(sim_core(s, m)) != N || secglue_sessions(sg[m]) != N - 1;
		hs_wrong += (unsigned)gst(m, SG_S_HS_UNEXPECTED);
	}
	for (uint32_t c = NMA; c < N; c++)
		for (uint32_t m = 0; m < NMA; m++)
			bad += !secglue_has_session(sg[c], secglue_id(sg[m]));
	ok(!bad, "every MA's topology holds all %d nodes; every CM has a session with every MA", N);
	ok(!hs_wrong, "no MA to MA handshake in the wrong direction (%u)", hs_wrong);
	ok(gst(0, SG_S_RELAY_FWD) + gst(1, SG_S_RELAY_FWD) > 0,
	   "MAs relayed other MAs' challenges to their CMs (MA0 %llu, MA1 %llu)",
	   (unsigned long long)gst(0, SG_S_RELAY_FWD), (unsigned long long)gst(1, SG_S_RELAY_FWD));
}

/* A key roll started at MA0 alone while every CM and every MA probe each
 * other every 5 ms (virtual): MA1 and MA2 roll with it, every MA holds the
 * others' keys for the new epoch before any switches, so no route through
 * a cut-vertex MA is sealed around it, and nothing is lost. */
static void test_roll(struct sim *s)
{
	__u8 e0 = secglue_epoch(sg[0]), e1 = (__u8)(e0 + 1);
	unsigned lost = 0, probes = 0, moved = 0, old_left = 0;
	uint32_t c = 0, m = 0;
	uint64_t t0 = sim_now(s);
	__u64 nokey0[NMA];

	for (uint32_t a = 0; a < NMA; a++)
		nokey0[a] = core_stat(sim_core(s, a), CORE_S_NO_KEY);
	ok(!secglue_key_roll(sg[0]), "MA0 starts a key roll from epoch %u", e0);
	for (unsigned t5 = 0; t5 < 1000; t5++) {
		sim_run(s, sim_now(s) + 5 * MS);
		lost += served(s, N, &c, &m);
		probes += 2 * NMA * (N - NMA);
		old_left = 0;
		for (uint32_t i = 0; i < N; i++)
			old_left += sim_key(s, i, e0) != NULL;
		if (!old_left)
			break;
	}
	ok(!lost, "%u probes between every CM and every MA across the roll: %u lost", probes, lost);
	if (lost)
		diag("first failing pair: CM %u, MA %u", c, m);
	for (uint32_t i = 0; i < N; i++)
		moved += secglue_epoch(sg[i]) == e1 && sim_key(s, i, e1) != NULL;
	ok(moved == N && gst(1, SG_S_ROLL_STARTED) == 1 && gst(2, SG_S_ROLL_STARTED) == 1,
	   "MA1 and MA2 rolled with MA0: every node in epoch %u with its key installed", e1);
	ok(!old_left, "%.2f s after the start no node holds epoch %u's key any more",
	   (double)(sim_now(s) - t0) / 1e9, e0);
	for (uint32_t a = 0; a < NMA; a++)
		ok(core_stat(sim_core(s, a), CORE_S_NO_KEY) == nokey0[a],
		   "MA%u never lacked a key to seal a route meanwhile (NO_KEY)", a);
}

/* ---- quorum decrees ---- */

static int make_decree(const struct mms_identity *id, uint8_t action, uint32_t target, uint64_t seq,
		       const uint32_t *signers, unsigned n, uint8_t *out)
{
	struct mms_decree d = { .action = action, .seq = seq };

	memcpy(d.target, secglue_id(sg[target])->b, MMS_ID_LEN);
	for (unsigned i = 0; i < n; i++)
		if (mms_decree_sign(&id[signers[i]], &d))
			return -1;
	return mms_decree_encode(&d, out, MMS_DECREE_MAX);
}

static __u64 sum(enum secglue_stat st, uint32_t skip)
{
	__u64 n = 0;

	for (uint32_t i = 0; i < N; i++)
		n += i != skip ? gst(i, st) : 0;
	return n;
}

/* Every node but MA2 refuses each bad decree, handed to it directly (as
 * from a compromised MA's envelope: the carrier does not matter). */
static void bad_decrees(const struct mms_identity *id)
{
	static const uint32_t s01[2] = { 0, 1 }, s0[1] = { 0 }, s02[2] = { 0, 2 };
	uint8_t d[MMS_DECREE_MAX];
	unsigned wrong = 0;
	__u64 nq = sum(SG_S_DECREE_NO_QUORUM, 2), bad = sum(SG_S_DECREE_MALFORMED, 2);
	__u64 applied = sum(SG_S_DECREE_APPLIED, N);
	int len;

	struct {
		const char *what;
		const uint32_t *by;
		unsigned n;
		int flip;	/* byte to flip, 0: none */
	} c[] = {
		{ "signed by MA0 only (1 of 3, 2 needed)", s0, 1, 0 },
		{ "the accused MA2 signs against itself with MA0", s02, 2, 0 },
		{ "MA1's signature forged (one bit flipped)", s01, 2, MMS_DECREE_HDR + MMS_DECREE_SIG + 20 },
	};

	for (size_t k = 0; k < sizeof(c) / sizeof(c[0]); k++) {
		len = make_decree(id, MMS_DECREE_DISTRUST, 2, 5, c[k].by, c[k].n, d);
		if (c[k].flip)
			d[c[k].flip] ^= 1;
		wrong = 0;
		for (uint32_t i = 0; i < N; i++)
			if (i != 2)
				wrong += secglue_decree(sg[i], d, (size_t)len) != -EPERM;
		ok(len > 0 && !wrong, "decree %s: refused by every node (no quorum)", c[k].what);
	}
	len = make_decree(id, MMS_DECREE_DISTRUST, 2, 5, s01, 2, d);
	wrong = 0;
	for (uint32_t i = 0; i < N; i++)
		if (i != 2)
			wrong += secglue_decree(sg[i], d, (size_t)len - 1) != -EBADMSG;
	ok(!wrong, "a truncated decree: refused as malformed");
	ok(sum(SG_S_DECREE_NO_QUORUM, 2) == nq + 3 * (N - 1) &&
	   sum(SG_S_DECREE_MALFORMED, 2) == bad + N - 1 && sum(SG_S_DECREE_APPLIED, N) == applied,
	   "each refusal counted by reason; nothing applied");
	for (uint32_t i = 0; i < N; i++)
		wrong += i != 2 && i != revoked_cm &&
			 secglue_has_session(sg[i], secglue_id(sg[2])) != 1;
	ok(!wrong, "MA2 keeps its sessions");
}

/* ---- a CM revoked at every MA by a quorum decree ---- */

static const struct mms_route_set *route_to(struct sim *s, uint32_t from, uint32_t to)
{
	struct mms_addr a;

	sim_addr(to, &a);
	return sim_route(s, from, &a);
}

/* At how many MAs CM c is revoked: its registry file says so, and the MA
 * has no session, no hop key, no route to it and no topology entry. */
static unsigned revoked_at(struct sim *s, uint32_t c)
{
	unsigned n = 0;

	for (uint32_t m = 0; m < NMA; m++) {
		struct mms_registry r = { 0 };
		struct mms_err e;
		uint8_t k[16];

		n += !mms_registry_load(dir[m], &r, &e) &&
		     mms_registry_lookup(&r, secglue_id(sg[c])->b, NULL) == MMS_REG_REVOKED &&
		     !secglue_has_session(sg[m], secglue_id(sg[c])) &&
		     secglue_hop_key(sg[m], secglue_id(sg[c]), secglue_epoch(sg[m]), k) &&
		     !route_to(s, m, c) && core_topo_nodes(sim_core(s, m)) == N - 1;
		mms_registry_free(&r);
	}
	return n;
}

static __u64 refused_at_mas(enum secglue_stat a, enum secglue_stat b)
{
	__u64 n = 0;

	for (uint32_t m = 0; m < NMA; m++)
		n += gst(m, a) + gst(m, b);
	return n;
}

static void test_revoke(struct sim *s, const struct mms_identity *id)
{
	static const uint32_t s0[1] = { 0 }, s01[2] = { 0, 1 }, s12[2] = { 1, 2 };
	const uint32_t c = 8;
	uint8_t d[MMS_DECREE_MAX];
	struct mms_registry r = { 0 };
	struct mms_identity x = { 0 };
	struct mms_err e;
	char xdir[sizeof(dir[0]) + 2];
	__u64 nq = sum(SG_S_DECREE_NO_QUORUM, N), bad = sum(SG_S_DECREE_MALFORMED, N);
	__u64 acc = gst(2, SG_S_DECREE_ACCUSED), refused;
	__u8 e0 = secglue_epoch(sg[0]);
	unsigned wrong = 0, up = 0;
	struct secglue *old;
	int len;
	long ms;

	len = make_decree(id, MMS_DECREE_REVOKE, c, 3, s0, 1, d);
	for (uint32_t i = 0; i < N; i++)
		wrong += secglue_decree(sg[i], d, (size_t)len) != -EPERM;
	ok(len > 0 && !wrong && sum(SG_S_DECREE_NO_QUORUM, N) == nq + N - 1 &&
	   gst(c, SG_S_DECREE_ACCUSED) == 1,
	   "revoke CM %u signed by MA0 only: refused by every node (no quorum; CM %u: not against itself)",
	   c, c);
	len = make_decree(id, MMS_DECREE_REVOKE, 2, 3, s01, 2, d);
	wrong = 0;
	for (uint32_t i = 0; i < N; i++)
		wrong += secglue_decree(sg[i], d, (size_t)len) != (i == 2 ? -EPERM : -EINVAL);
	ok(len > 0 && !wrong && sum(SG_S_DECREE_MALFORMED, N) == bad + N - 1 &&
	   gst(2, SG_S_DECREE_ACCUSED) == acc + 1,
	   "revoke MA2 by MA0 and MA1: refused by every node (an MA is not revoked: malformed; MA2: against itself)");
	for (uint32_t m = 0; m < NMA; m++)
		up += secglue_has_session(sg[m], secglue_id(sg[c])) &&
		      sim_probe(s, m, c, NULL, NULL) == SIM_OK;
	ok(up == NMA && !revoked_at(s, c) && !sum(SG_S_DECREE_APPLIED, N),
	   "nothing applied: every MA still serves CM %u", c);

	/* An enrollment written to MA1's registry file, not reloaded yet:
	 * the decree's revocation must not lose it. */
	snprintf(xdir, sizeof(xdir), "%sx", dir[0]);
	wrong = mms_identity_create(xdir, "pending", MMS_ROLE_CM, &x, &e) ||
		mms_registry_load(dir[1], &r, &e) || mms_registry_add(&r, &x.pub, &e) ||
		mms_registry_save(dir[1], &r, &e);
	mms_registry_free(&r);
	ok(!wrong, "a CM enrolled in MA1's registry file, MA1 not reloaded");
	len = make_decree(id, MMS_DECREE_REVOKE, c, 3, s12, 2, d);
	ok(len > 0 && !secglue_decree(sg[2], d, (size_t)len),
	   "MA2 takes a decree signed by MA1 and MA2: revoke CM %u", c);
	revoked_cm = c;
	ok(!secglue_has_session(sg[2], secglue_id(sg[c])) && !route_to(s, 2, c),
	   "at once: MA2 has no session with it and no route to it");
	sim_run(s, sim_now(s) + 200 * MS);
	wrong = 0;
	for (uint32_t i = 0; i < N; i++) {
		struct mms_trust t;
		struct mms_err e;

		if (i == c)
			continue;
		wrong += gst(i, SG_S_DECREE_APPLIED) != 1 || mms_trust_load(dir[i], &t, &e) ||
			 t.decree_seq != 3 || t.n != NMA - (i < NMA);
	}
	ok(!wrong, "200 ms later every other node applied it once (passed on over the MAs' sessions) and saved its number; no trust store changed");
	ok(revoked_at(s, c) == NMA,
	   "every MA: CM %u revoked in its registry file, no session, hop key, route or topology entry",
	   c);
	ok(!mms_registry_load(dir[1], &r, &e) &&
	   mms_registry_lookup(&r, x.pub.id, NULL) == MMS_REG_VALID && r.n == N - NMA,
	   "MA1's file still lists the CM enrolled meanwhile (and the %u others)", N - NMA - 1);
	mms_registry_free(&r);
	mms_identity_wipe(&x);
	ok(secglue_decree(sg[1], d, (size_t)len) == -ESTALE &&
	   secglue_decree(sg[5], d, (size_t)len) == -ESTALE && sum(SG_S_DECREE_OLD, N) >= 2,
	   "the same decree again: refused as old");
	refused = refused_at_mas(SG_S_NOT_ENROLLED, SG_S_JOIN_REVOKED);
	/* The decree's roll (300 ms after) and its switch, the old keys gone. */
	sim_run(s, sim_now(s) + 4000 * MS);
	ms = converge(s, N, 1000);
	ok(ms >= 0, "every other CM reaches every MA and is reached by it");
	wrong = 0;
	for (uint32_t m = 0; m < NMA; m++)
		wrong += sim_probe(s, c, m, NULL, NULL) == SIM_OK ||
			 sim_probe(s, m, c, NULL, NULL) == SIM_OK || sim_key(s, m, e0) != NULL;
	ok(secglue_epoch(sg[0]) != e0 && !wrong,
	   "after the key roll (epoch %u to %u) no MA reaches CM %u and it reaches none",
	   e0, secglue_epoch(sg[0]), c);
	/* It reboots (agent state and keys lost) with its cable out meanwhile,
	 * so that CM 7's LSA drops it and then lists it anew. */
	wrong = sim_link_set(s, NL - 1, false, true) != 0;
	sim_run(s, sim_now(s) + 500 * MS);
	old = sg[c];
	sg[c] = secglue_new(dir[c], false, 1000 + c);
	if (sg[c]) {
		wrong |= sim_node_restart(s, c, true) != 0;
		secglue_free(old);
	} else {
		sg[c] = old;
		wrong = 1;
	}
	wrong |= sim_link_set(s, NL - 1, true, true) != 0;
	sim_run(s, sim_now(s) + 2000 * MS);
	ok(!wrong && revoked_at(s, c) == NMA &&
	   refused_at_mas(SG_S_NOT_ENROLLED, SG_S_JOIN_REVOKED) > refused &&
	   converge(s, N, 1000) >= 0,
	   "CM %u rebooted and back on its link: still out at every MA, listed but refused (%llu NOT_ENROLLED/JOIN_REVOKED); every other CM served",
	   c, (unsigned long long)(refused_at_mas(SG_S_NOT_ENROLLED, SG_S_JOIN_REVOKED) - refused));
}

/* At MA2's neighbours: its hellos (an MA no longer trusted: no neighbour)
 * and beacons refused. */
static __u64 refused_ma2(struct sim *s)
{
	__u64 n = 0;

	for (uint32_t c = 5; c <= 7; c += 2)
		n += gst(c, SG_S_JOIN_UNKNOWN) + gst(c, SG_S_BEACON_UNTRUSTED) +
		     core_stat(sim_core(s, c), CORE_S_BEACON_NOT_NBR);
	return n;
}

static void test_evict(struct sim *s, const struct mms_identity *id)
{
	static const uint32_t s01[2] = { 0, 1 };
	uint8_t d[MMS_DECREE_MAX];
	__u8 e0 = secglue_epoch(sg[0]), e1;
	__u64 untrusted = 0;
	unsigned wrong = 0;
	int len;
	long ms;

	__u64 applied[N];

	bad_decrees(id);
	for (uint32_t i = 0; i < N; i++)
		applied[i] = gst(i, SG_S_DECREE_APPLIED);
	len = make_decree(id, MMS_DECREE_DISTRUST, 2, 7, s01, 2, d);
	ok(len > 0 && !secglue_decree(sg[0], d, (size_t)len),
	   "MA0 takes a decree signed by MA0 and MA1: distrust MA2");
	sim_run(s, sim_now(s) + 200 * MS);
	for (uint32_t i = 0; i < N; i++) {
		struct mms_trust t;
		struct mms_err e;

		if (i == 2 || i == revoked_cm)
			continue;
		wrong += gst(i, SG_S_DECREE_APPLIED) != applied[i] + 1 ||
			 secglue_has_session(sg[i], secglue_id(sg[2])) ||
			 mms_trust_load(dir[i], &t, &e) ||
			 mms_trust_find(&t, secglue_id(sg[2])->b) || t.decree_seq != 7;
	}
	ok(!wrong, "200 ms later every other node applied it once (passed on over the MAs' sessions), saved MA2 as distrusted, and has no session with MA2");
	ok(gst(0, SG_S_DECREE_SENT) >= N - 2 && gst(1, SG_S_DECREE_SENT) >= N - 3,
	   "MA0 sent it to %llu peers, MA1 to %llu", (unsigned long long)gst(0, SG_S_DECREE_SENT),
	   (unsigned long long)gst(1, SG_S_DECREE_SENT));
	ok(secglue_decree(sg[0], d, (size_t)len) == -ESTALE && secglue_decree(sg[4], d, (size_t)len) == -ESTALE &&
	   sum(SG_S_DECREE_OLD, 2) >= 2, "the same decree again: refused as old (%llu copies so far)",
	   (unsigned long long)sum(SG_S_DECREE_OLD, 2));
	untrusted = refused_ma2(s);
	ms = converge(s, 2, 5000);
	sim_run(s, sim_now(s) + 4000 * MS);
	ms = ms >= 0 ? converge(s, 2, 1000) : ms;
	e1 = secglue_epoch(sg[0]);
	wrong = 0;
	for (uint32_t c = NMA; c < N; c++) {
		uint8_t k[16];

		if (c == revoked_cm)
			continue;
		wrong += !secglue_hop_key(sg[2], secglue_id(sg[c]), e1, k) ||
			 sim_key(s, c, e0) != NULL || secglue_epoch(sg[c]) != e1;
	}
	ok(ms >= 0, "every CM is reached by MA0 and MA1 and reaches them");
	ok(e1 != e0 && secglue_epoch(sg[1]) == e1 && !wrong,
	   "the decree's key roll: every CM in epoch %u, epoch %u's keys gone from every datapath, MA2 holds no CM's key of epoch %u",
	   e1, e0, e1);
	untrusted = refused_ma2(s) - untrusted;
	ok(untrusted >= 2 * 40,
	   "MA2's hellos and beacons refused by its neighbours 5 and 7 all along: %llu in 5 s",
	   (unsigned long long)untrusted);
	ok(core_topo_nodes(sim_core(s, 0)) == N - 2 && core_topo_nodes(sim_core(s, 1)) == N - 2,
	   "MA2 (and the revoked CM) in neither MA's topology");
}

int main(void)
{
	const char *base = tmpdir_make("mama");
	struct mms_identity id[N];
	struct graph_edge e[NL];
	uint16_t nport[N] = { 0 };
	struct sim_cfg cfg;
	struct sim *s;
	uint32_t bad = 0;

	(void)spit;
	(void)slurp;
	if (!base)
		return tap_skip_all("no temporary directory");
	if (!getenv("V"))
		mms_log_set_level(MMS_LOG_ERR);
	if (!ok(!make_identities(base, id), "%d identities (%d MAs), trust stores, registries", N,
		NMA))
		return tap_done();
	for (uint32_t i = 0; i < N; i++) {
		sg[i] = secglue_new(dir[i], role[i] == MMS_ROLE_MA, i);
		bad += !sg[i];
	}
	if (!ok(!bad, "a security layer for every node"))
		return tap_done();
	for (size_t k = 0; k < NL; k++)
		e[k] = (struct graph_edge){ links[k][0], links[k][1], ++nport[links[k][0]],
					    ++nport[links[k][1]], 1 };
	memset(&cfg, 0, sizeof(cfg));
	cfg.n = N;
	cfg.e = e;
	cfg.ne = NL;
	cfg.role = role;
	cfg.seed = 7;
	cfg.verbose = getenv("V") ? 3 : -1;
	sg_sim_hooks(&cfg, tune);
	s = sim_new(&cfg);
	if (!ok(s != NULL, "simulator"))
		return tap_done();
	test_mama(s);
	test_roll(s);
	test_revoke(s, id);
	test_evict(s, id);
	sim_free(s);
	for (uint32_t i = 0; i < N; i++) {
		secglue_free(sg[i]);
		mms_identity_wipe(&id[i]);
	}
	return tap_done();
}
