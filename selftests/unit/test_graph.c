// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Route computation (agent/graph.c) against independent references:
 *  - shortest paths (BFS and Dijkstra) vs Bellman-Ford on (cost, hops) over
 *    hundreds of random graphs, unit and weighted, with unreachable parts;
 *  - every alternate a valid simple path within the hop limit, distinct, the
 *    primary a shortest one, the reported shared-link counts recounted;
 *  - link-disjoint alternates where topology forces them (ring, grid,
 *    parallel chains), and on random graphs whenever a per-destination
 *    exact oracle says one exists;
 *  - the 2-edge-connectivity helper vs removing every link in turn.
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "graph.h"

static unsigned long long rng = 0x243f6a8885a308d3ull;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)((rng >> 11) % n);
}

#define MAXN 64
#define MAXE 256

struct tg {
	uint32_t n, ne;
	struct graph_edge e[MAXE];
};

/* unit: 1; 0: small costs (Dial's buckets); -1: large costs (radix heap). */
static uint16_t rcost(int unit)
{
	if (unit > 0)
		return 1;
	return (uint16_t)(unit ? 1 + rnd(60000) : 1 + rnd(9));
}

/* Random graph: a random tree over the first `conn` nodes (the rest join at
 * random or stay isolated), plus extra edges, parallel links allowed. */
static void rand_graph(struct tg *t, uint32_t n, uint32_t extra, int unit, uint32_t conn)
{
	t->n = n;
	t->ne = 0;
	for (uint32_t v = 1; v < n; v++) {
		if (v >= conn && rnd(2))
			continue;
		t->e[t->ne++] = (struct graph_edge){ rnd(v), v, 0, 0, rcost(unit) };
	}
	for (uint32_t i = 0; i < extra && t->ne < MAXE; i++) {
		uint32_t a = rnd(n), b = rnd(n);

		if (a == b)
			continue;
		t->e[t->ne++] = (struct graph_edge){ a, b, 0, 0, rcost(unit) };
	}
	/* Ports: the index of the link at each end (any unique numbering). */
	for (uint32_t i = 0; i < t->ne; i++) {
		t->e[i].pa = (uint16_t)(1 + 2 * i);
		t->e[i].pb = (uint16_t)(2 + 2 * i);
	}
}

/* Bellman-Ford on (cost, hops) lexicographic. */
static void reference(const struct tg *t, uint32_t src, uint32_t *dist, uint32_t *hops)
{
	for (uint32_t v = 0; v < t->n; v++)
		dist[v] = hops[v] = GRAPH_INF;
	dist[src] = hops[src] = 0;
	for (uint32_t r = 0; r < t->n; r++)
		for (uint32_t i = 0; i < t->ne; i++)
			for (int dir = 0; dir < 2; dir++) {
				uint32_t a = dir ? t->e[i].b : t->e[i].a, b = dir ? t->e[i].a : t->e[i].b;
				uint32_t d, h;

				if (dist[a] == GRAPH_INF)
					continue;
				d = dist[a] + t->e[i].cost;
				h = hops[a] + 1;
				if (d < dist[b] || (d == dist[b] && h < hops[b])) {
					dist[b] = d;
					hops[b] = h;
				}
			}
}

/* The tree path to v is consistent: ends at src, sums to dist, hop count right. */
static int tree_ok(const struct graph *g, const struct spf *s, uint32_t src, uint32_t v)
{
	uint32_t cost = 0, h = 0, x = v;

	if (s->dist[v] == GRAPH_INF)
		return s->parc[v] == GRAPH_NONE;
	while (x != src && h <= g->n) {
		uint32_t a = s->parc[x];

		if (a == GRAPH_NONE || g->to[a] != x)
			return 0;
		cost += g->cost[a];
		h++;
		x = graph_arc_tail(g, a);
	}
	return x == src && cost == s->dist[v] && h == s->hops[v];
}

static void test_spf_random(void)
{
	int bad_bfs = 0, bad_dij = 0, bad_tree = 0, bad_count = 0, graphs = 0;
	static uint32_t zero_pen[MAXE];
	struct spf s;

	spf_init(&s, MAXN);
	for (int i = 0; i < 900; i++, graphs++) {
		int unit = i % 3 - 1;
		uint32_t n = 2 + rnd(MAXN - 1), src = rnd(n), rd[MAXN] = { 0 }, rh[MAXN] = { 0 }, reach = 0;
		struct graph g;
		struct tg t;

		rand_graph(&t, n, rnd(3 * n), unit, i % 3 ? n : n / 2);
		if (graph_build(&g, t.n, t.e, t.ne)) {
			bad_tree++;
			continue;
		}
		reference(&t, src, rd, rh);
		for (uint32_t v = 0; v < n; v++)
			reach += rd[v] != GRAPH_INF;
		/* Default path (BFS for unit graphs), then Dijkstra forced by a zero penalty. */
		for (int pass = 0; pass < 1 + (unit > 0); pass++) {
			uint32_t got = graph_spf(&g, src, pass ? zero_pen : NULL, &s);

			if (got != reach)
				bad_count++;
			for (uint32_t v = 0; v < n; v++) {
				if (s.dist[v] != rd[v] || (rd[v] != GRAPH_INF && s.hops[v] != rh[v]))
					*(pass || unit <= 0 ? &bad_dij : &bad_bfs) += 1;
				if (!tree_ok(&g, &s, src, v))
					bad_tree++;
			}
		}
		graph_free(&g);
	}
	spf_free(&s);
	ok(!bad_bfs, "BFS distances and hop counts equal Bellman-Ford on %d unit graphs", graphs / 3);
	ok(!bad_dij, "Dial (small costs) and radix-heap Dijkstra (large) equal Bellman-Ford on (cost, hops), %d graphs",
	   graphs);
	ok(!bad_tree, "every tree path ends at the source, sums to its distance, unreachable have none");
	ok(!bad_count, "reached-node count equals the reference");
}

/* Check one destination's alternates; returns 0 when all is well. */
static int alts_ok(const struct graph *g, const struct graph_alts *a, uint32_t src, uint32_t d,
		   uint32_t dist, unsigned max_hops, int *why)
{
	uint32_t arcs[GRAPH_MAX_PATHS][32], used[MAXE];
	unsigned len[GRAPH_MAX_PATHS];

	memset(used, 0, sizeof(used));
	for (unsigned j = 0; j < a->npaths[d]; j++) {
		uint8_t seen[MAXN] = { 0 };
		uint32_t x = src, cost = 0;
		unsigned shared = 0;

		len[j] = graph_alts_path(g, a, d, j, arcs[j], 32);
		if (!len[j] || len[j] > max_hops)
			return *why = 1;
		seen[src] = 1;
		for (unsigned h = 0; h < len[j]; h++) {
			uint32_t e = arcs[j][h];

			if (graph_arc_tail(g, e) != x)
				return *why = 2;
			x = g->to[e];
			if (seen[x]++)
				return *why = 3;	/* not simple */
			cost += g->cost[e];
			shared += used[g->link[e]];
		}
		if (x != d)
			return *why = 4;
		if (j == 0 && cost != dist)
			return *why = 5;	/* primary not shortest */
		if (shared != a->ref[(size_t)d * GRAPH_MAX_PATHS + j].shared)
			return *why = 6;
		for (unsigned i = 0; i < j; i++)
			if (len[i] == len[j] && !memcmp(arcs[i], arcs[j], len[j] * sizeof(uint32_t)))
				return *why = 7;	/* duplicate */
		for (unsigned h = 0; h < len[j]; h++)
			used[g->link[arcs[j][h]]]++;
	}
	return 0;
}

/* Exact oracle: is there a path src -> d avoiding the links of path 0
 * within max_hops arcs? (BFS on the graph without those links.) */
static int disjoint_exists(const struct graph *g, const struct graph_alts *a, uint32_t src,
			   uint32_t d, unsigned max_hops)
{
	uint32_t arcs[32], q[MAXN], depth[MAXN], head = 0, tail = 0;
	uint8_t banned[MAXE] = { 0 }, seen[MAXN] = { 0 };
	unsigned n = graph_alts_path(g, a, d, 0, arcs, 32);

	for (unsigned h = 0; h < n; h++)
		banned[g->link[arcs[h]]] = 1;
	q[tail++] = src;
	seen[src] = 1;
	depth[src] = 0;
	while (head < tail) {
		uint32_t v = q[head++];

		if (v == d)
			return 1;
		if (depth[v] >= max_hops)
			continue;
		for (uint32_t e = g->off[v]; e < g->off[v + 1]; e++)
			if (!banned[g->link[e]] && !seen[g->to[e]]) {
				seen[g->to[e]] = 1;
				depth[g->to[e]] = depth[v] + 1;
				q[tail++] = g->to[e];
			}
	}
	return 0;
}

static void test_alts_random(void)
{
	int bad = 0, why = 0, dests = 0, possible = 0, found = 0, unreach_bad = 0;
	int multi = 0;
	struct graph_alts a;

	graph_alts_init(&a, MAXN, MAXE);
	for (int i = 0; i < 400; i++) {
		uint32_t n = 4 + rnd(MAXN - 3), src = rnd(n), rd[MAXN] = { 0 }, rh[MAXN] = { 0 };
		unsigned max_hops = i % 4 ? 16 : 4, k = 1 + rnd(4);
		struct graph g;
		struct tg t;

		rand_graph(&t, n, n + rnd(2 * n), i % 2, i % 5 ? n : n / 2);
		graph_build(&g, t.n, t.e, t.ne);
		reference(&t, src, rd, rh);
		if (graph_alts_compute(&g, src, k, max_hops, 0, &a)) {
			bad++;
			graph_free(&g);
			continue;
		}
		for (uint32_t d = 0; d < n; d++) {
			if (d == src || rd[d] == GRAPH_INF || rh[d] > max_hops) {
				/* Unreachable (or too far for even the shortest path): no routes. */
				if (rd[d] == GRAPH_INF && a.npaths[d])
					unreach_bad++;
				continue;
			}
			dests++;
			if (!a.npaths[d] || a.npaths[d] > k || alts_ok(&g, &a, src, d, rd[d], max_hops, &why)) {
				if (!bad)
					diag("graph %d dest %u: npaths %u k %u why %d", i, d, a.npaths[d], k, why);
				bad++;
				continue;
			}
			multi += a.npaths[d] > 1;
			if (k > 1 && disjoint_exists(&g, &a, src, d, max_hops)) {
				possible++;
				found += a.npaths[d] > 1 && a.ref[(size_t)d * GRAPH_MAX_PATHS + 1].shared == 0;
			}
		}
		graph_free(&g);
	}
	graph_alts_free(&a);
	ok(!bad, "%d destinations: every route a valid simple path within the hop limit, distinct, primary shortest, shared counts right",
	   dests);
	ok(!unreach_bad, "unreachable destinations get no routes");
	ok(multi > dests / 2, "alternates exist for %d of %d destinations", multi, dests);
	diag("link-disjoint second route found for %d of %d destinations where one exists (%.1f%%)",
	     found, possible, possible ? 100.0 * found / possible : 0.0);
	/* Graphs this small never exhaust the exact-search budget (64 + n/256),
	 * so a disjoint second route must be found whenever one exists. */
	ok(possible > 1000 && found == possible,
	   "second route link-disjoint in every case where one exists within the hop limit");
}

/* Build, compute, and return the shared count of route j for d (255 if absent). */
static unsigned shared_of(const struct graph_alts *a, uint32_t d, unsigned j)
{
	if (j >= a->npaths[d])
		return 255;
	return a->ref[(size_t)d * GRAPH_MAX_PATHS + j].shared;
}

static void test_alts_shapes(void)
{
	struct graph_alts a;
	struct tg t;
	struct graph g;
	int bad = 0;

	graph_alts_init(&a, MAXN, MAXE);
	/* Ring of 12: every node has exactly two disjoint paths from node 0. */
	t.n = 12;
	t.ne = 12;
	for (uint32_t i = 0; i < 12; i++)
		t.e[i] = (struct graph_edge){ i, (i + 1) % 12, 1, 2, 1 };
	graph_build(&g, t.n, t.e, t.ne);
	graph_alts_compute(&g, 0, 4, 16, 0, &a);
	for (uint32_t d = 1; d < 12; d++)
		bad += a.npaths[d] != 2 || shared_of(&a, d, 1) != 0;
	ok(!bad, "ring: every node gets exactly 2 routes, link-disjoint");
	graph_free(&g);

	/* 5x5 grid from a corner: two disjoint paths to every node. */
	t.n = 25;
	t.ne = 0;
	for (uint32_t r = 0; r < 5; r++)
		for (uint32_t c = 0; c < 5; c++) {
			if (c < 4)
				t.e[t.ne++] = (struct graph_edge){ r * 5 + c, r * 5 + c + 1, 1, 2, 1 };
			if (r < 4)
				t.e[t.ne++] = (struct graph_edge){ r * 5 + c, r * 5 + c + 5, 3, 4, 1 };
		}
	graph_build(&g, t.n, t.e, t.ne);
	graph_alts_compute(&g, 0, 4, 16, 0, &a);
	bad = 0;
	for (uint32_t d = 1; d < 25; d++)
		bad += shared_of(&a, d, 1) != 0;
	ok(!bad, "5x5 grid from a corner: second route link-disjoint for all 24 nodes");
	graph_free(&g);

	/* Three parallel chains of 3 links from 0 to 1, one shorter link-sharing path. */
	t.n = 8;
	t.ne = 0;
	for (uint32_t c = 0; c < 3; c++) {
		uint32_t x = 2 + 2 * c, y = 3 + 2 * c;

		t.e[t.ne++] = (struct graph_edge){ 0, x, (uint16_t)(1 + c), 1, 1 };
		t.e[t.ne++] = (struct graph_edge){ x, y, 2, 1, 1 };
		t.e[t.ne++] = (struct graph_edge){ y, 1, 2, (uint16_t)(1 + c), 1 };
	}
	graph_build(&g, t.n, t.e, t.ne);
	graph_alts_compute(&g, 0, 4, 16, 0, &a);
	ok(a.npaths[1] == 3 && shared_of(&a, 1, 1) == 0 && shared_of(&a, 1, 2) == 0,
	   "three parallel chains: three mutually link-disjoint routes (%u routes)", a.npaths[1]);
	graph_free(&g);

	/* A chain: one route each, and none past the hop limit. */
	t.n = 20;
	t.ne = 19;
	for (uint32_t i = 0; i < 19; i++)
		t.e[i] = (struct graph_edge){ i, i + 1, 1, 2, 1 };
	graph_build(&g, t.n, t.e, t.ne);
	graph_alts_compute(&g, 0, 4, 16, 0, &a);
	bad = 0;
	for (uint32_t d = 1; d < 20; d++)
		bad += a.npaths[d] != (d <= 16 ? 1 : 0);
	ok(!bad, "chain of 20: one route to nodes within 16 hops, none beyond");
	graph_free(&g);
	graph_alts_free(&a);
}

/* Brute force: d is 2-edge-connected to src iff no single link removal
 * disconnects them. */
static void test_two_edge(void)
{
	int bad = 0;

	for (int i = 0; i < 200; i++) {
		uint32_t n = 2 + rnd(30), src = rnd(n);
		uint8_t in2[MAXN];
		struct graph g;
		struct tg t;
		uint32_t cnt, expect = 0;

		rand_graph(&t, n, rnd(n + 4), 1, n);
		graph_build(&g, t.n, t.e, t.ne);
		cnt = graph_two_edge_connected(&g, src, in2);
		for (uint32_t d = 0; d < n; d++) {
			int twoway = d != src;
			struct spf s;

			if (d == src)
				continue;
			spf_init(&s, n);
			for (uint32_t cut = 0; cut < t.ne && twoway; cut++) {
				struct tg u = t;
				struct graph h;

				u.e[cut] = u.e[--u.ne];
				graph_build(&h, u.n, u.e, u.ne);
				graph_spf(&h, src, NULL, &s);
				twoway = s.dist[d] != GRAPH_INF;
				graph_free(&h);
			}
			graph_spf(&g, src, NULL, &s);
			twoway = twoway && s.dist[d] != GRAPH_INF;
			spf_free(&s);
			expect += twoway;
			bad += twoway != in2[d];
		}
		bad += cnt != expect;
		graph_free(&g);
	}
	ok(!bad, "2-edge-connectivity equals the remove-every-link brute force on 200 graphs");
}

static void test_build_errors(void)
{
	struct graph_edge e[2] = { { 0, 1, 1, 1, 1 }, { 1, 1, 2, 2, 1 } };
	struct graph g;

	ok(graph_build(&g, 2, e, 2) < 0, "self-loop refused");
	e[1] = (struct graph_edge){ 0, 2, 1, 1, 1 };
	ok(graph_build(&g, 2, e, 2) < 0, "endpoint out of range refused");
	e[1] = (struct graph_edge){ 0, 1, 2, 2, 0 };
	ok(graph_build(&g, 2, e, 2) < 0, "zero cost refused");
	ok(graph_build(&g, 3, e, 1) == 0 && g.n == 3 && g.m == 2 && g.off[3] == 2,
	   "isolated nodes are allowed");
	graph_free(&g);
}

int main(void)
{
	test_build_errors();
	test_spf_random();
	test_alts_random();
	test_alts_shapes();
	test_two_edge();
	return tap_done();
}
