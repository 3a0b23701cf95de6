// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * 1,000 control-plane cores on a Waxman topology (average degree ~4, two
 * MAs), in-memory links with 50 us latency and a virtual clock. Every frame
 * goes through mms_process() at the receiving node, so reachability below
 * means: the installed onion routes are forwarded end to end by the
 * datapath model.
 *
 *  1. from cold start, full reachability (every node <-> every MA within 16
 *     hops, CM -> CM relayed by an MA) within 1 s of virtual time;
 *  2. 30 links cut (half losing carrier, half going silent): back to full
 *     reachability over the surviving graph;
 *  3. 10 nodes killed: the same;
 *  4. the MA that carries the default route killed: the other takes over;
 *  5. throughout, no frame failed hop verification or arrived malformed.
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "sim.h"
#include "topogen.h"

#define N	1000
#define MS	1000000ull

/* Poll (every 10 ms of virtual time) until everything is reachable or the
 * limit passes; returns the virtual ms it took, or -1. */
static long converge(struct sim *s, unsigned limit_ms, struct sim_check *r)
{
	uint64_t start = sim_now(s);

	for (;;) {
		sim_check(s, 200, r);
		if (r->pairs && r->ok == r->pairs && r->relay_pairs && r->relay_ok == r->relay_pairs)
			return (long)((sim_now(s) - start) / MS);
		if (sim_now(s) - start >= limit_ms * MS)
			return -1;
		sim_run(s, sim_now(s) + 10 * MS);
	}
}

static void report(const char *what, long ms, const struct sim_check *r)
{
	ok(ms >= 0, "%s: full reachability after %ld ms (%u/%u node<->MA pairs, %u/%u relayed CM->CM)",
	   what, ms, r->ok, r->pairs, r->relay_ok, r->relay_pairs);
	if (ms < 0)
		diag("first failure: %u -> %u: %s (%s)", r->from, r->to, sim_probe_str(r->res),
		     mms_stat_name(r->why));
}

static int connected(const struct sim *s, uint32_t n)
{
	uint32_t *d = malloc(n * sizeof(*d)), far = 0;
	int ok = 1;

	sim_distances(s, 0, d);
	for (uint32_t i = 0; i < n; i++) {
		ok &= d[i] != UINT32_MAX;
		if (d[i] != UINT32_MAX && d[i] > far)
			far = d[i];
	}
	diag("eccentricity of MA 0: %u hops", far);
	free(d);
	return ok && far <= MMS_MAX_HOPS;
}

/* The refusals that would mean a bug, summed over all nodes. */
static uint64_t bad_rx(struct sim *s)
{
	static const enum core_stat bad[] = { CORE_S_RX_MALFORMED, CORE_S_RX_BAD_TYPE,
		CORE_S_RX_BAD_BODY, CORE_S_RX_UNVERIFIED, CORE_S_RX_AUTH, CORE_S_RX_NOT_MINE,
		CORE_S_BEACON_PATH, CORE_S_SEAL_FAIL, CORE_S_NO_KEY, CORE_S_CONTROL_BAD_ROUTE };
	uint64_t sum = 0;

	for (uint32_t i = 0; i < N; i++)
		for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
			sum += core_stat(sim_core(s, i), bad[k]);
	return sum;
}

int main(void)
{
	const struct sim_stats *st;
	struct sim_check r;
	uint8_t role[N];
	uint64_t rng = 20240601;
	struct sim_cfg cfg;
	struct topo t;
	struct sim *s;
	long ms;

	if (topo_waxman(&t, N, 4.0, 0.25, 7))
		return tap_skip_all("cannot generate the topology");
	diag("Waxman topology: %u nodes, %u links (average degree %.2f)", t.n, t.ne,
	     2.0 * t.ne / t.n);
	memset(role, MMS_ROLE_CM, sizeof(role));
	role[0] = role[1] = MMS_ROLE_MA;
	memset(&cfg, 0, sizeof(cfg));
	cfg.n = N;
	cfg.e = t.e;
	cfg.ne = t.ne;
	cfg.role = role;
	cfg.seed = 1;
	cfg.verbose = -1;
	s = sim_new(&cfg);
	if (!ok(s != NULL, "simulator with %d cores", N))
		return tap_done();
	ok(connected(s, N), "topology connected, every node within %d hops of MA 0", MMS_MAX_HOPS);

	ms = converge(s, 1000, &r);
	report("cold start", ms, &r);
	ok(r.pairs >= 2 * 2 * (N - 2), "all %d nodes served by both MAs (%u pairs)", N - 2, r.pairs);
	sim_run(s, sim_now(s) + 200 * MS);
	sim_check(s, 200, &r);
	ok(r.ok == r.pairs && r.relay_ok == r.relay_pairs, "still fully reachable 200 ms later");

	for (int i = 0; i < 30; i++) {
		uint32_t l = (uint32_t)(topo_rand(&rng) % t.ne);

		sim_link_set(s, l, false, i % 2);
	}
	ms = converge(s, 1000, &r);
	report("30 links cut", ms, &r);

	for (int i = 0; i < 10; i++)
		sim_node_kill(s, (uint32_t)(2 + topo_rand(&rng) % (N - 2)));
	ms = converge(s, 1000, &r);
	report("10 nodes killed", ms, &r);

	sim_node_kill(s, 0);
	ms = converge(s, 2000, &r);
	report("MA 0 (the default route) killed", ms, &r);
	ok(r.pairs > 0 && r.relay_pairs > 0, "MA 1 serves %u pairs and relays", r.pairs);

	st = sim_stats(s);
	ok(!st->verdict[MMS_S_DROP_HOP] && !st->verdict[MMS_S_DROP_INGRESS] &&
	   !st->verdict[MMS_S_DROP_EPOCH] && !st->verdict[MMS_S_DROP_EXPIRED] &&
	   !st->verdict[MMS_S_DROP_TRUNCATED] && !st->verdict[MMS_S_DROP_PAYLOAD],
	   "%llu frames: none failed hop verification, ingress, epoch, expiry or length",
	   (unsigned long long)st->frames);
	ok(!bad_rx(s), "no core refused a frame as malformed, unverified or unauthentic");
	/* the run is mostly steady state: up neighbours' hellos stop in the
	 * datapath, and every failover above was found through them */
	ok(st->verdict[MMS_S_HELLO_ABSORBED] > st->verdict[MMS_S_LINK_AGENT],
	   "hellos absorbed by the datapath (%llu) outnumber link-scope frames to agents (%llu)",
	   (unsigned long long)st->verdict[MMS_S_HELLO_ABSORBED],
	   (unsigned long long)st->verdict[MMS_S_LINK_AGENT]);
	diag("datapath: %llu forwarded, %llu to agents, %llu dropped as next hop down",
	     (unsigned long long)st->verdict[MMS_S_FORWARD],
	     (unsigned long long)(st->verdict[MMS_S_DELIVER_AGENT] + st->verdict[MMS_S_LINK_AGENT]),
	     (unsigned long long)st->verdict[MMS_S_DROP_NO_NBR]);
	sim_free(s);
	topo_free(&t);
	return tap_done();
}
