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
 *  2. quorum decrees (DECREE envelopes): forged, insufficient,
 *     accused-signs-for-itself and replayed decrees change nothing; MA0
 *     and MA1 evict MA2: every node distrusts it (persisted), drops its
 *     session, refuses its beacons; the key roll leaves MA2 with no current
 *     hop key of anyone; every CM is still reached by MA0 and MA1.
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

#include "sg_sim.h"

static const uint32_t links[][2] = {
	{ 0, 3 }, { 0, 4 }, { 3, 4 }, { 0, 5 }, { 5, 1 }, { 1, 6 }, { 1, 7 }, { 5, 2 }, { 2, 7 },
	{ 7, 8 },
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
			if (sim_probe(s, c, m, NULL, NULL) != SIM_OK ||
			    sim_probe(s, m, c, NULL, NULL) != SIM_OK) {
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
	sim_free(s);
	for (uint32_t i = 0; i < N; i++) {
		secglue_free(sg[i]);
		mms_identity_wipe(&id[i]);
	}
	return tap_done();
}
