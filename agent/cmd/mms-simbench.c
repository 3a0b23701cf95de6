// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mms-simbench: control-plane figures from the simulator (agent/sim.c):
 * 1,000 cores on the Waxman topology of selftests/unit/test_sim.c (two MAs),
 * default settings, every frame through mms_process(). Times are virtual
 * (what the protocol takes), except *_wall_ms (what the simulation costs).
 * `name value unit` lines:
 *
 *   cp_converge_ms            cold start to full reachability
 *   cp_converge_wall_ms       the CPU time that took (1,000 cores + datapath model)
 *   cp_failover_carrier_ms    a link loses carrier: until every pair it broke
 *                             works again (median, and _p90), end to end
 *   cp_failover_silent_ms     the same when frames silently stop
 *   cp_local_failover_pct     pairs broken by a carrier loss that the node's
 *                             own backup route repairs at once
 *   cp_node_loss_ms           a node dies (silently): until its neighbours'
 *                             traffic works again (median)
 *   cp_ma_loss_ms             the default-route MA dies: until CM-to-CM
 *                             traffic is relayed by the other
 *   cp_ctl_frames_per_node_s  control frames sent per node per second, steady
 *
 * A pair is (node, MA) or (MA, node) for every node within 16 hops of a live
 * MA over live links; "works" means its installed route is forwarded end to
 * end by mms_process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim.h"
#include "topogen.h"

#define N	1000
#define MS	1000000ull
#define SAMPLES	15

struct pair {
	uint32_t from, to;
};

static double wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int full(struct sim *s)
{
	struct sim_check r;

	sim_check(s, 100, &r);
	return r.pairs && r.ok == r.pairs && r.relay_ok == r.relay_pairs;
}

/* Run until full reachability (10 ms steps); virtual ms taken, -1 past limit. */
static long until_full(struct sim *s, unsigned limit_ms)
{
	uint64_t t0 = sim_now(s);

	while (!full(s)) {
		if (sim_now(s) - t0 > limit_ms * MS)
			return -1;
		sim_run(s, sim_now(s) + 10 * MS);
	}
	return (long)((sim_now(s) - t0) / MS);
}

/* The node <-> MA pairs that fail right now. */
static size_t broken_pairs(struct sim *s, struct pair *out)
{
	uint32_t *d = malloc(N * sizeof(*d));
	size_t n = 0;

	for (uint32_t m = 0; m < N; m++) {
		if (!sim_is_ma(s, m) || !sim_alive(s, m))
			continue;
		sim_distances(s, m, d);
		for (uint32_t c = 0; c < N; c++) {
			if (c == m || d[c] > MMS_MAX_HOPS)
				continue;
			if (sim_probe(s, c, m, NULL, NULL) != SIM_OK)
				out[n++] = (struct pair){ c, m };
			if (sim_probe(s, m, c, NULL, NULL) != SIM_OK)
				out[n++] = (struct pair){ m, c };
		}
	}
	free(d);
	return n;
}

/* Step 1 ms at a time until every listed pair works; virtual ms, or -1. */
static long until_repaired(struct sim *s, const struct pair *p, size_t n)
{
	uint64_t t0 = sim_now(s);

	for (;;) {
		size_t i = 0;

		while (i < n && sim_probe(s, p[i].from, p[i].to, NULL, NULL) == SIM_OK)
			i++;
		if (i == n)
			return (long)((sim_now(s) - t0) / MS);
		if (sim_now(s) - t0 > 2000 * MS)
			return -1;
		sim_run(s, sim_now(s) + MS);
	}
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

static void print_dist(const char *name, long *v, int n)
{
	int k = 0;

	for (int i = 0; i < n; i++)
		if (v[i] >= 0)
			v[k++] = v[i];
	if (!k) {
		fprintf(stderr, "mms-simbench: %s: no sample recovered\n", name);
		return;
	}
	qsort(v, (size_t)k, sizeof(*v), cmp_long);
	printf("%s %ld ms\n", name, v[k / 2]);
	printf("%s_p90 %ld ms\n", name, v[(k * 9) / 10 < k ? (k * 9) / 10 : k - 1]);
}

/*
 * Cut one link after another (each restored and settled before the next);
 * the time until the pairs each cut broke work again. With carrier, the cut
 * is made silently first to see which pairs it breaks, then the carrier
 * loss is signalled: the pairs that then work were saved by the nodes'
 * own backup routes, at once.
 */
static void failovers(struct sim *s, const struct topo *t, int carrier, uint64_t *rng,
		      long *out, double *local_pct)
{
	struct pair *p = malloc(4 * N * sizeof(*p));
	size_t silent_total = 0, carrier_total = 0;
	int got = 0;

	while (got < SAMPLES) {
		uint32_t l = (uint32_t)(topo_rand(rng) % t->ne);
		size_t n0, n;

		sim_link_set(s, l, false, false);
		n = n0 = broken_pairs(s, p);
		if (carrier && n0) {
			sim_link_set(s, l, false, true);
			n = broken_pairs(s, p);
			silent_total += n0;
			carrier_total += n;
		}
		if (n0)
			out[got++] = n ? until_repaired(s, p, n) : 0;
		sim_link_set(s, l, true, carrier);
		until_full(s, 2000);
		sim_run(s, sim_now(s) + 300 * MS);
	}
	if (local_pct)
		*local_pct = silent_total ? 100.0 * (double)(silent_total - carrier_total) /
						    (double)silent_total : 0;
	free(p);
}

int main(int argc, char **argv)
{
	long carrier[SAMPLES], silent[SAMPLES], nodes[SAMPLES], t;
	uint8_t role[N];
	uint64_t rng = 4242, f0;
	struct sim_cfg cfg;
	struct topo tp;
	struct sim *s;
	double w0, local = 0;
	struct pair *p;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: mms-simbench\n");
		return 2;
	}
	p = malloc(4 * N * sizeof(*p));
	if (!p || topo_waxman(&tp, N, 4.0, 0.25, 7)) {
		fprintf(stderr, "mms-simbench: cannot build the topology\n");
		free(p);
		return 1;
	}
	memset(role, MMS_ROLE_CM, sizeof(role));
	role[0] = role[1] = MMS_ROLE_MA;
	memset(&cfg, 0, sizeof(cfg));
	cfg.n = N;
	cfg.e = tp.e;
	cfg.ne = tp.ne;
	cfg.role = role;
	cfg.seed = 1;
	cfg.verbose = -1;
	w0 = wall_ms();
	s = sim_new(&cfg);
	if (!s) {
		fprintf(stderr, "mms-simbench: cannot start the simulator\n");
		topo_free(&tp);
		free(p);
		return 1;
	}
	t = until_full(s, 3000);
	printf("cp_converge_ms %ld ms\n", t);
	printf("cp_converge_wall_ms %.0f ms\n", wall_ms() - w0);
	sim_run(s, sim_now(s) + 500 * MS);

	f0 = sim_stats(s)->frames;
	sim_run(s, sim_now(s) + 1000 * MS);
	printf("cp_ctl_frames_per_node_s %.1f frames\n", (double)(sim_stats(s)->frames - f0) / N);

	failovers(s, &tp, 1, &rng, carrier, &local);
	print_dist("cp_failover_carrier_ms", carrier, SAMPLES);
	printf("cp_local_failover_pct %.1f %%\n", local);
	failovers(s, &tp, 0, &rng, silent, NULL);
	print_dist("cp_failover_silent_ms", silent, SAMPLES);

	for (int i = 0; i < SAMPLES; i++) {
		uint32_t v = (uint32_t)(2 + topo_rand(&rng) % (N - 2));
		size_t n;

		sim_node_kill(s, v);
		n = broken_pairs(s, p);
		nodes[i] = n ? until_repaired(s, p, n) : 0;
	}
	print_dist("cp_node_loss_ms", nodes, SAMPLES);

	sim_node_kill(s, 0);
	t = until_full(s, 3000);
	printf("cp_ma_loss_ms %ld ms\n", t);
	sim_free(s);
	topo_free(&tp);
	free(p);
	return 0;
}
