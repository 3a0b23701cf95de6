// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mms-spfbench: route computation speed and alternate quality on random
 * connected graphs of average degree 4 (agent/topogen.c, topo_random) at
 * 1k, 10k and 100k nodes. Prints `name value unit` lines for `make bench`:
 *
 *   spf_<n>_ms            shortest paths from one node to all (BFS, unit cost)
 *   dijkstra_<n>_ms       the same with random costs 1..10 (4-ary heap)
 *   alts_<n>_ms           primary + 3 alternates for every destination
 *   alts_<n>_ratio        alts time / spf time
 *   alts_<n>_routes       routes per destination (average)
 *   alts_<n>_disjoint_pct second route link-disjoint from the primary, over
 *                         destinations 2-edge-connected to the source
 *   alts_<n>_exact_pct    the same over sampled destinations for which an
 *                         exact search (primary's links removed, <= 16 hops)
 *                         finds a disjoint path
 *   alts_<n>_stretch      cost of the second route / cost of the primary
 *
 * Times are medians over repeated runs from the same source.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "graph.h"
#include "topogen.h"

#define MAX_HOPS 16

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_dbl);
	return v[n / 2];
}

/* Exact: a path avoiding the primary's links within MAX_HOPS? */
static int exact_disjoint(const struct graph *g, const struct graph_alts *a, uint32_t d,
			  uint32_t *q, uint8_t *depth, uint8_t *banned)
{
	uint32_t arcs[32], head = 0, tail = 0;
	unsigned n = graph_alts_path(g, a, d, 0, arcs, 32);
	int found = 0;

	memset(depth, 0xff, g->n);
	for (unsigned h = 0; h < n; h++)
		banned[g->link[arcs[h]]] = 1;
	q[tail++] = 0;
	depth[0] = 0;
	while (head < tail && !found) {
		uint32_t v = q[head++];

		if (depth[v] >= MAX_HOPS)
			continue;
		for (uint32_t e = g->off[v]; e < g->off[v + 1]; e++)
			if (!banned[g->link[e]] && depth[g->to[e]] == 0xff) {
				depth[g->to[e]] = (uint8_t)(depth[v] + 1);
				q[tail++] = g->to[e];
				found |= g->to[e] == d;
			}
	}
	for (unsigned h = 0; h < n; h++)
		banned[g->link[arcs[h]]] = 0;
	return found;
}

static void quality(const char *tag, const struct graph *g, const struct graph_alts *a)
{
	uint8_t *in2 = malloc(g->n), *depth = malloc(g->n), *banned = calloc(g->nlinks, 1);
	uint32_t *q = malloc((size_t)g->n * sizeof(*q));
	uint64_t routes = 0, dests = 0, two = 0, disj = 0, sample = 0, possible = 0, found = 0;
	double stretch = 0;
	uint32_t step = g->n / 300 + 1;

	graph_two_edge_connected(g, 0, in2);
	for (uint32_t d = 1; d < g->n; d++) {
		const struct graph_pathref *r = &a->ref[(size_t)d * GRAPH_MAX_PATHS];
		int is_disj = a->npaths[d] > 1 && r[1].shared == 0;

		if (!a->npaths[d])
			continue;
		dests++;
		routes += a->npaths[d];
		if (a->npaths[d] > 1)
			stretch += (double)r[1].cost / r[0].cost;
		if (in2[d]) {
			two++;
			disj += is_disj;
		}
		if (d % step == 0) {
			sample++;
			if (exact_disjoint(g, a, d, q, depth, banned)) {
				possible++;
				found += is_disj;
			}
		}
	}
	printf("alts_%s_routes %.2f routes\n", tag, (double)routes / dests);
	printf("alts_%s_disjoint_pct %.1f %%\n", tag, two ? 100.0 * disj / two : 0);
	printf("alts_%s_exact_pct %.1f %%\n", tag, possible ? 100.0 * found / possible : 0);
	printf("alts_%s_stretch %.3f ratio\n", tag, dests ? stretch / dests : 0);
	free(in2);
	free(depth);
	free(banned);
	free(q);
	(void)sample;
}

static int run(uint32_t n, const char *tag, int reps)
{
	double *t = malloc((size_t)reps * sizeof(*t)), spf_ms, alts_ms;
	struct graph g, gw;
	struct graph_alts a;
	struct topo tp;
	struct spf s;

	if (!t || topo_random(&tp, n, 4.0, 42) || graph_build(&g, tp.n, tp.e, tp.ne) ||
	    spf_init(&s, n) || graph_alts_init(&a, n, g.nlinks)) {
		fprintf(stderr, "mms-spfbench: out of memory at %u nodes\n", n);
		free(t);
		return 1;
	}
	for (int i = 0; i < reps; i++) {
		double t0 = now_ms();

		graph_spf(&g, 0, NULL, &s);
		t[i] = now_ms() - t0;
	}
	spf_ms = median(t, reps);
	printf("spf_%s_ms %.4f ms\n", tag, spf_ms);

	for (uint32_t i = 0; i < tp.ne; i++)
		tp.e[i].cost = (uint16_t)(1 + (tp.e[i].a * 7u + tp.e[i].b * 13u) % 10);
	graph_build(&gw, tp.n, tp.e, tp.ne);
	for (int i = 0; i < reps; i++) {
		double t0 = now_ms();

		graph_spf(&gw, 0, NULL, &s);
		t[i] = now_ms() - t0;
	}
	printf("dijkstra_%s_ms %.4f ms\n", tag, median(t, reps));
	graph_free(&gw);

	{
		struct graph r;
		uint32_t *perm = malloc((size_t)n * sizeof(*perm));
		double t0 = now_ms();

		graph_reorder_bfs(&g, 0, &r, perm);
		printf("reorder_%s_ms %.4f ms\n", tag, now_ms() - t0);
		graph_free(&g);
		g = r;
		free(perm);
	}
	for (int i = 0; i < reps; i++) {
		double t0 = now_ms();

		graph_alts_compute(&g, 0, GRAPH_MAX_PATHS, MAX_HOPS, 0, &a);
		t[i] = now_ms() - t0;
	}
	alts_ms = median(t, reps);
	printf("alts_%s_ms %.4f ms\n", tag, alts_ms);
	printf("alts_%s_ratio %.2f x\n", tag, alts_ms / spf_ms);
	quality(tag, &g, &a);
	fflush(stdout);
	graph_alts_free(&a);
	spf_free(&s);
	graph_free(&g);
	topo_free(&tp);
	free(t);
	return 0;
}

int main(int argc, char **argv)
{
	int quick = argc > 1 && !strcmp(argv[1], "--quick");

	if (argc > 2 || (argc == 2 && !quick)) {
		fprintf(stderr, "usage: mms-spfbench [--quick]\n");
		return 2;
	}
	return run(1000, "1k", quick ? 21 : 201) || run(10000, "10k", quick ? 5 : 41) ||
	       (!quick && run(100000, "100k", 11));
}
