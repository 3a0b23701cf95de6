// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * CSR topology, shortest paths (BFS / 4-ary-heap Dijkstra) and alternates.
 * No allocation on the computation paths: spf and graph_alts own their
 * arrays, sized once, so the MA can recompute as often as it needs without
 * touching the allocator.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"

void graph_free(struct graph *g)
{
	free(g->off);
	free(g->to);
	free(g->rev);
	free(g->link);
	free(g->cost);
	free(g->port);
	free(g->peer_port);
	memset(g, 0, sizeof(*g));
}

int graph_build(struct graph *g, uint32_t n, const struct graph_edge *e, uint32_t ne)
{
	uint32_t *fill;

	memset(g, 0, sizeof(*g));
	for (uint32_t i = 0; i < ne; i++)
		if (e[i].a >= n || e[i].b >= n || e[i].a == e[i].b || !e[i].cost)
			return -EINVAL;
	if (ne > (UINT32_MAX - 1) / 2)
		return -E2BIG;
	g->n = n;
	g->m = 2 * ne;
	g->nlinks = ne;
	g->unit = 1;
	g->off = calloc((size_t)n + 1, sizeof(*g->off));
	g->to = malloc((size_t)g->m * sizeof(*g->to) + 1);
	g->rev = malloc((size_t)g->m * sizeof(*g->rev) + 1);
	g->link = malloc((size_t)g->m * sizeof(*g->link) + 1);
	g->cost = malloc((size_t)g->m * sizeof(*g->cost) + 1);
	g->port = malloc((size_t)g->m * sizeof(*g->port) + 1);
	g->peer_port = malloc((size_t)g->m * sizeof(*g->peer_port) + 1);
	fill = calloc((size_t)n + 1, sizeof(*fill));
	if (!g->off || !g->to || !g->rev || !g->link || !g->cost || !g->port || !g->peer_port ||
	    !fill) {
		free(fill);
		graph_free(g);
		return -ENOMEM;
	}
	/* Counting sort of arcs by tail keeps each node's arcs in input order. */
	for (uint32_t i = 0; i < ne; i++) {
		g->off[e[i].a + 1]++;
		g->off[e[i].b + 1]++;
	}
	for (uint32_t v = 0; v < n; v++)
		g->off[v + 1] += g->off[v];
	memcpy(fill, g->off, (size_t)n * sizeof(*fill));
	for (uint32_t i = 0; i < ne; i++) {
		uint32_t x = fill[e[i].a]++, y = fill[e[i].b]++;

		g->to[x] = e[i].b;
		g->to[y] = e[i].a;
		g->rev[x] = y;
		g->rev[y] = x;
		g->link[x] = g->link[y] = i;
		g->cost[x] = g->cost[y] = e[i].cost;
		g->port[x] = g->peer_port[y] = e[i].pa;
		g->port[y] = g->peer_port[x] = e[i].pb;
		if (e[i].cost != 1)
			g->unit = 0;
	}
	free(fill);
	return 0;
}

int graph_reorder_bfs(const struct graph *in, uint32_t src, struct graph *out, uint32_t *perm)
{
	struct graph_edge *e = malloc(((size_t)in->nlinks + 1) * sizeof(*e));
	uint32_t *q = calloc((size_t)in->n + 1, sizeof(*q)), head = 0, tail = 0, next = 0, nl = 0;
	int rc = -ENOMEM;

	memset(out, 0, sizeof(*out));
	if (!e || !q)
		goto out;
	rc = -EINVAL;
	if (src >= in->n)
		goto out;
	for (uint32_t v = 0; v < in->n; v++)
		perm[v] = GRAPH_NONE;
	perm[src] = next++;
	q[tail++] = src;
	while (head < tail) {
		uint32_t u = q[head++];

		for (uint32_t a = in->off[u]; a < in->off[u + 1]; a++)
			if (perm[in->to[a]] == GRAPH_NONE) {
				perm[in->to[a]] = next++;
				q[tail++] = in->to[a];
			}
	}
	for (uint32_t v = 0; v < in->n; v++)
		if (perm[v] == GRAPH_NONE)
			perm[v] = next++;
	/* Links numbered in the new node order, each from its lower-numbered end,
	 * so that link-indexed arrays are as local as node-indexed ones. */
	{
		for (uint32_t i = 0; i < in->n; i++)
			q[perm[i]] = i;		/* q: new -> old */
		for (uint32_t nv = 0; nv < in->n; nv++) {
			uint32_t u = q[nv];

			for (uint32_t x = in->off[u]; x < in->off[u + 1]; x++) {
				uint32_t w = in->to[x];

				if (perm[w] < nv)
					continue;
				e[nl++] = (struct graph_edge){ nv, perm[w], in->port[x],
							       in->peer_port[x], in->cost[x] };
			}
		}
	}
	rc = graph_build(out, in->n, e, nl);
out:
	free(e);
	free(q);
	return rc;
}

int spf_init(struct spf *s, uint32_t n)
{
	memset(s, 0, sizeof(*s));
	s->n = n;
	s->dist = malloc((size_t)n * sizeof(*s->dist) + 1);
	s->parc = malloc((size_t)n * sizeof(*s->parc) + 1);
	s->par = malloc((size_t)n * sizeof(*s->par) + 1);
	s->hops = malloc((size_t)n + 1);
	s->work = malloc((size_t)n * sizeof(*s->work) + 1);
	s->done = malloc((size_t)n + 1);
	if (!s->dist || !s->parc || !s->par || !s->hops || !s->work || !s->done) {
		spf_free(s);
		return -ENOMEM;
	}
	return 0;
}

void spf_free(struct spf *s)
{
	free(s->dist);
	free(s->parc);
	free(s->par);
	free(s->hops);
	free(s->work);
	free(s->done);
	free(s->rkey);
	free(s->rnode);
	free(s->rnext);
	free(s->bhead);
	memset(s, 0, sizeof(*s));
}

static uint32_t bfs(const struct graph *g, uint32_t src, struct spf *s)
{
	uint32_t head = 0, tail = 0;

	s->work[tail++] = src;
	while (head < tail) {
		uint32_t u = s->work[head++], du = s->dist[u] + 1;
		uint8_t hu = s->hops[u] == 255 ? 255 : (uint8_t)(s->hops[u] + 1);

		for (uint32_t a = g->off[u]; a < g->off[u + 1]; a++) {
			uint32_t v = g->to[a];

			if (s->dist[v] != GRAPH_INF)
				continue;
			s->dist[v] = du;
			s->hops[v] = hu;
			s->parc[v] = a;
			s->par[v] = u;
			s->work[tail++] = v;
		}
	}
	return tail;
}

/*
 * Radix heap: bucket b > 0 holds keys whose highest bit differing from the
 * last popped key is bit b-1; bucket 0 holds keys equal to it. Buckets are
 * linked lists over a pool of (key, node) entries, one per push; stale
 * entries (a node pushed again with a smaller key) are skipped on pop.
 */
#define RBUCKETS 65
#define DIAL_MAX 4096

struct rheap {
	uint64_t last;
	uint32_t head[RBUCKETS], used;
};

static unsigned rbucket(uint64_t last, uint64_t key)
{
	return key == last ? 0 : 64 - (unsigned)__builtin_clzll(key ^ last);
}

static void rpush(struct spf *s, struct rheap *h, uint64_t key, uint32_t node)
{
	unsigned b = rbucket(h->last, key);
	uint32_t e = h->used++;

	s->rkey[e] = key;
	s->rnode[e] = node;
	s->rnext[e] = h->head[b];
	h->head[b] = e;
}

/* Pop an entry with the least key, GRAPH_NONE when empty. */
static uint32_t rpop(struct spf *s, struct rheap *h)
{
	uint32_t e;

	if (h->head[0] == GRAPH_NONE) {
		unsigned b = 1;
		uint64_t min = UINT64_MAX;

		while (b < RBUCKETS && h->head[b] == GRAPH_NONE)
			b++;
		if (b == RBUCKETS)
			return GRAPH_NONE;
		for (e = h->head[b]; e != GRAPH_NONE; e = s->rnext[e])
			if (s->rkey[e] < min)
				min = s->rkey[e];
		h->last = min;
		/* Every entry of bucket b now falls in a lower bucket. */
		for (e = h->head[b], h->head[b] = GRAPH_NONE; e != GRAPH_NONE;) {
			uint32_t next = s->rnext[e];
			unsigned nb = rbucket(min, s->rkey[e]);

			s->rnext[e] = h->head[nb];
			h->head[nb] = e;
			e = next;
		}
	}
	e = h->head[0];
	h->head[0] = s->rnext[e];
	return e;
}

static int rpool(struct spf *s, uint32_t need)
{
	if (s->rcap >= need)
		return 0;
	free(s->rkey);
	free(s->rnode);
	free(s->rnext);
	s->rkey = malloc((size_t)need * sizeof(*s->rkey));
	s->rnode = malloc((size_t)need * sizeof(*s->rnode));
	s->rnext = malloc((size_t)need * sizeof(*s->rnext));
	if (!s->bhead)
		s->bhead = malloc(DIAL_MAX * sizeof(*s->bhead));
	s->rcap = s->rkey && s->rnode && s->rnext && s->bhead ? need : 0;
	return s->rcap ? 0 : -ENOMEM;
}

/* Key (dist, hops): Dijkstra pops keys in increasing order since every arc
 * costs at least 1, which shifts the key by at least 256. */
static uint64_t key_of(uint32_t dist, uint8_t hops)
{
	return (uint64_t)dist << 8 | hops;
}

static uint32_t dijkstra(const struct graph *g, uint32_t src, const uint32_t *pen, struct spf *s)
{
	struct rheap h = { .last = 0, .used = 0 };
	uint32_t reached = 0, e;

	memset(s->done, 0, g->n);
	for (unsigned b = 0; b < RBUCKETS; b++)
		h.head[b] = GRAPH_NONE;
	rpush(s, &h, 0, src);
	while ((e = rpop(s, &h)) != GRAPH_NONE) {
		uint32_t u = s->rnode[e];
		uint8_t hu;

		if (s->done[u] || s->rkey[e] != key_of(s->dist[u], s->hops[u]))
			continue;
		s->done[u] = 1;
		s->work[reached++] = u;
		hu = s->hops[u] == 255 ? 255 : (uint8_t)(s->hops[u] + 1);
		for (uint32_t a = g->off[u]; a < g->off[u + 1]; a++) {
			uint32_t v = g->to[a];
			uint64_t d = (uint64_t)s->dist[u] + g->cost[a] + (pen ? pen[g->link[a]] : 0);

			if (s->done[v])
				continue;
			if (d >= GRAPH_INF)
				d = GRAPH_INF - 1;
			if (d > s->dist[v] || (d == s->dist[v] && hu >= s->hops[v]))
				continue;
			s->dist[v] = (uint32_t)d;
			s->hops[v] = hu;
			s->parc[v] = a;
			s->par[v] = u;
			rpush(s, &h, key_of((uint32_t)d, hu), v);
		}
	}
	return reached;
}

/*
 * Dial's algorithm for small integer costs (the usual case: unit links plus
 * alternate penalties): a circular array of maxc + 1 buckets indexed by
 * distance, each a list over the same pool. Every node of distance D is
 * final (distance and hop count) when bucket D is reached, since all arcs
 * into it start at smaller distances.
 */
static uint32_t dial(const struct graph *g, uint32_t src, const uint32_t *pen, uint32_t maxc,
		     struct spf *s)
{
	uint32_t nb = maxc + 1, used = 0, pending = 0, reached = 0, *head = s->bhead;

	for (uint32_t b = 0; b < nb; b++)
		head[b] = GRAPH_NONE;
	memset(s->done, 0, g->n);
	s->rnode[used] = src;
	s->rnext[used] = GRAPH_NONE;
	head[0] = used++;
	pending++;
	for (uint64_t d = 0; pending; d++) {
		uint32_t b = (uint32_t)(d % nb), e;

		while ((e = head[b]) != GRAPH_NONE) {
			uint32_t u = s->rnode[e];
			uint8_t hu;

			head[b] = s->rnext[e];
			pending--;
			if (s->done[u] || s->dist[u] != d)
				continue;
			s->done[u] = 1;
			s->work[reached++] = u;
			hu = s->hops[u] == 255 ? 255 : (uint8_t)(s->hops[u] + 1);
			for (uint32_t a = g->off[u]; a < g->off[u + 1]; a++) {
				uint32_t v = g->to[a];
				uint64_t dv = d + g->cost[a] + (pen ? pen[g->link[a]] : 0);

				if (s->done[v] || dv > s->dist[v] || (dv == s->dist[v] && hu >= s->hops[v]))
					continue;
				s->hops[v] = hu;
				s->parc[v] = a;
				s->par[v] = u;
				if (dv == s->dist[v])
					continue;	/* queued already at this distance */
				s->dist[v] = (uint32_t)dv;
				s->rnode[used] = v;
				s->rnext[used] = head[dv % nb];
				head[dv % nb] = used++;
				pending++;
			}
		}
	}
	return reached;
}

uint32_t graph_spf(const struct graph *g, uint32_t src, const uint32_t *pen, struct spf *s)
{
	uint64_t maxc = 0;

	if (src >= g->n || s->n < g->n)
		return 0;
	for (uint32_t v = 0; v < g->n; v++) {
		s->dist[v] = GRAPH_INF;
		s->parc[v] = GRAPH_NONE;
		s->par[v] = GRAPH_NONE;
		s->hops[v] = 0;
	}
	s->dist[src] = 0;
	if (g->unit && !pen)
		return bfs(g, src, s);
	if (rpool(s, g->m + 1))
		return 0;
	for (uint32_t a = 0; a < g->m && maxc < DIAL_MAX; a++) {
		uint64_t c = (uint64_t)g->cost[a] + (pen ? pen[g->link[a]] : 0);

		if (c > maxc)
			maxc = c;
	}
	if (maxc < DIAL_MAX)
		return dial(g, src, pen, (uint32_t)maxc, s);
	return dijkstra(g, src, pen, s);
}

/* ---- alternates ---- */

#define MAX_CAND	16
#define H		GRAPH_MAX_HOPS
/* meta[t][v]: hops << 24 | path cost, NOT_STORED when the tree has no path
 * to v within max_hops (or its cost does not fit 24 bits). One word, so the
 * walks read one array per node. */
#define NOT_STORED	UINT32_MAX
#define M_HOPS(m)	((m) >> 24)
#define M_COST(m)	((m) & 0xffffff)
#define M_COST_MAX	0xfffffe

int graph_alts_init(struct graph_alts *a, uint32_t n, uint32_t nlinks)
{
	size_t n1 = (size_t)n + 1;
	int ok = 1;

	memset(a, 0, sizeof(*a));
	a->n = n;
	a->nlinks_cap = nlinks;
	for (int t = 0; t < GRAPH_TREES; t++) {
		ok &= !spf_init(&a->tree[t], n);
		/* One path per cache line: every row read is one miss, not two. */
		if (posix_memalign((void **)&a->path[t], 64, n1 * H * sizeof(uint32_t)))
			a->path[t] = NULL;
		a->meta[t] = malloc(n1 * sizeof(uint32_t));
		ok &= a->path[t] && a->meta[t];
	}
	a->npaths = calloc(n1, 1);
	a->ref = calloc(n1 * GRAPH_MAX_PATHS, sizeof(*a->ref));
	a->pen = calloc((size_t)nlinks + 1, sizeof(*a->pen));
	a->xcap = 64 + n / 1024;
	a->xvis = calloc(n1, sizeof(*a->xvis));
	a->xpar = calloc(n1, sizeof(*a->xpar));
	a->xq = calloc(n1, sizeof(*a->xq));
	a->xdep = calloc(n1, 1);
	a->xarcs = calloc((size_t)a->xcap * H, sizeof(*a->xarcs));
	ok &= a->xvis && a->xpar && a->xq && a->xdep && a->xarcs;
	a->cross_key = calloc(n1, sizeof(*a->cross_key));
	a->cross_arc = calloc(n1, sizeof(*a->cross_arc));
	if (ok && a->npaths && a->ref && a->pen && a->cross_key && a->cross_arc)
		return 0;
	graph_alts_free(a);
	return -ENOMEM;
}

void graph_alts_free(struct graph_alts *a)
{
	for (int t = 0; t < GRAPH_TREES; t++) {
		spf_free(&a->tree[t]);
		free(a->path[t]);
		free(a->meta[t]);
	}
	free(a->npaths);
	free(a->ref);
	free(a->pen);
	free(a->xvis);
	free(a->xpar);
	free(a->xq);
	free(a->xdep);
	free(a->xarcs);
	free(a->cross_key);
	free(a->cross_arc);
	memset(a, 0, sizeof(*a));
}

/* Store every path of tree t that fits max_hops, parents before children. */
static void fill_paths(const struct graph *g, struct graph_alts *a, unsigned t, uint32_t reached)
{
	const struct spf *s = &a->tree[t];
	uint32_t *path = a->path[t], *meta = a->meta[t];

	memset(meta, 0xff, (size_t)g->n * sizeof(*meta));
	for (uint32_t i = 0; i < reached; i++) {
		uint32_t v = s->work[i], p = s->par[v], h = s->hops[v], cost;

		if (p == GRAPH_NONE) {
			meta[v] = 0;
			continue;
		}
		if (h > a->max_hops || meta[p] == NOT_STORED)
			continue;
		cost = M_COST(meta[p]) + g->cost[s->parc[v]];
		if (cost > M_COST_MAX)
			continue;
		memcpy(path + (size_t)v * H, path + (size_t)p * H, (h - 1) * sizeof(*path));
		path[(size_t)v * H + h - 1] = g->link[s->parc[v]];
		meta[v] = h << 24 | cost;
	}
}

/* u lies in d's T0 subtree (d != src): u's path passes the link into d. */
static int below(const struct graph_alts *a, uint32_t d, uint32_t u)
{
	unsigned hd = M_HOPS(a->meta[0][d]);

	return M_HOPS(a->meta[0][u]) > hd &&
	       a->path[0][(size_t)u * H + hd - 1] == a->path[0][(size_t)d * H + hd - 1];
}

/*
 * For every destination, the best one-crossing path. Over each non-tree arc
 * x -> y: the common prefix of the two T0 paths is lca(x, y)'s depth L; every
 * d from y up to depth L + 1 gets the candidate (shared = L, cost, hops) if it
 * beats what d has.
 */
static void cross_candidates(const struct graph *g, struct graph_alts *a)
{
	const struct spf *t0 = &a->tree[0];
	const uint32_t *meta = a->meta[0];

	for (uint32_t v = 0; v < g->n; v++) {
		a->cross_key[v] = UINT64_MAX;
		a->cross_arc[v] = GRAPH_NONE;
	}
	for (uint32_t x = 0; x < g->n; x++) {
		const uint32_t *px = a->path[0] + (size_t)x * H;
		unsigned hx = M_HOPS(meta[x]);

		if (meta[x] == NOT_STORED || hx + 1 > a->max_hops)
			continue;
		for (uint32_t e = g->off[x]; e < g->off[x + 1]; e++) {
			uint32_t y = g->to[e], v;
			const uint32_t *py = a->path[0] + (size_t)y * H;
			unsigned hy = M_HOPS(meta[y]), l = 0;
			uint64_t base;

			if (meta[y] == NOT_STORED || t0->parc[y] == e)
				continue;
			while (l < hx && l < hy && px[l] == py[l])
				l++;
			if (l == hy)
				continue;	/* y is an ancestor of x */
			base = (uint64_t)M_COST(meta[x]) + g->cost[e] + M_COST(meta[y]);
			for (v = y; M_HOPS(meta[v]) > l; v = t0->par[v]) {
				unsigned h = hx + 1 + hy - M_HOPS(meta[v]);
				uint64_t cost = base - M_COST(meta[v]), key;

				if (h > a->max_hops)
					break;
				if (cost > 0xffffffffffull)
					cost = 0xffffffffffull;
				key = (uint64_t)l << 56 | cost << 16 | h;
				if (key < a->cross_key[v]) {
					a->cross_key[v] = key;
					a->cross_arc[v] = e;
				}
			}
		}
	}
}

struct cand {
	struct graph_pathref r;
	uint32_t links[H];	/* link ids in travel order */
	int taken;
};

static unsigned set_cand(struct cand *c, enum graph_path_kind kind, unsigned tree, uint32_t arc,
			 unsigned hops, uint64_t cost)
{
	c->r.kind = (uint8_t)kind;
	c->r.tree = (uint8_t)tree;
	c->r.arc = arc;
	c->r.hops = (uint8_t)hops;
	c->r.shared = 0;
	c->r.cost = cost > UINT32_MAX ? UINT32_MAX : (uint32_t)cost;
	c->taken = 0;
	return 1;
}

static unsigned cand_tree(const struct graph_alts *a, unsigned t, uint32_t d, struct cand *c)
{
	uint32_t m = a->meta[t][d];

	if (m == NOT_STORED)
		return 0;
	memcpy(c->links, a->path[t] + (size_t)d * H, M_HOPS(m) * sizeof(c->links[0]));
	return set_cand(c, GRAPH_TREE, t, 0, M_HOPS(m), M_COST(m));
}

static unsigned cand_via(const struct graph *g, const struct graph_alts *a, uint32_t d,
			 uint32_t arc, struct cand *c)
{
	uint32_t u = graph_arc_tail(g, arc), m = a->meta[0][u];
	unsigned hu = M_HOPS(m);

	if (m == NOT_STORED || hu + 1 > a->max_hops || below(a, d, u))
		return 0;
	memcpy(c->links, a->path[0] + (size_t)u * H, hu * sizeof(c->links[0]));
	c->links[hu] = g->link[arc];
	return set_cand(c, GRAPH_VIA, 0, arc, hu + 1, (uint64_t)M_COST(m) + g->cost[arc]);
}

static unsigned cand_cross(const struct graph *g, const struct graph_alts *a, uint32_t d,
			   uint32_t arc, struct cand *c)
{
	uint32_t x = graph_arc_tail(g, arc), y = g->to[arc];
	const uint32_t *py = a->path[0] + (size_t)y * H;
	uint32_t mx = a->meta[0][x], my = a->meta[0][y], md = a->meta[0][d];
	unsigned hx = M_HOPS(mx), hy = M_HOPS(my), hd = M_HOPS(md), h = hx + 1;

	memcpy(c->links, a->path[0] + (size_t)x * H, hx * sizeof(c->links[0]));
	c->links[hx] = g->link[arc];
	for (unsigned i = hy; i > hd; i--)
		c->links[h++] = py[i - 1];	/* up from y to d */
	return set_cand(c, GRAPH_CROSS, 0, arc, h,
			(uint64_t)M_COST(mx) + g->cost[arc] + M_COST(my) - M_COST(md));
}

static int same_path(const struct cand *x, const struct cand *y)
{
	unsigned h = x->r.hops;

	if (h != y->r.hops || x->links[0] != y->links[0] || x->links[h - 1] != y->links[h - 1])
		return 0;
	return !memcmp(x->links, y->links, h * sizeof(x->links[0]));
}

/*
 * The rows d's candidates will read sit at random places (its neighbours',
 * its crossing's ends): ask for them a few destinations ahead, so the
 * misses overlap instead of stalling one after another.
 */
#define PREFETCH 8

static void prefetch_rows(const struct graph *g, const struct graph_alts *a, uint32_t d)
{
	uint32_t x = a->cross_arc[d];

	for (uint32_t e = g->off[d]; e < g->off[d + 1]; e++) {
		__builtin_prefetch(a->path[0] + (size_t)g->to[e] * H);
		__builtin_prefetch(&a->meta[0][g->to[e]]);
	}
	if (x != GRAPH_NONE) {
		__builtin_prefetch(a->path[0] + (size_t)g->to[x] * H);
		__builtin_prefetch(a->path[0] + (size_t)graph_arc_tail(g, x) * H);
	}
}

/* Collect d's candidates; returns how many. */
static unsigned candidates(const struct graph *g, const struct graph_alts *a, uint32_t d,
			   struct cand *c)
{
	unsigned nc = 0;

	for (unsigned t = 0; t < a->ntrees; t++)
		nc += cand_tree(a, t, d, &c[nc]);
	if (a->cross_arc[d] != GRAPH_NONE)
		nc += cand_cross(g, a, d, a->cross_arc[d], &c[nc]);
	for (uint32_t e = g->off[d]; e < g->off[d + 1] && nc < MAX_CAND; e++)
		if (g->rev[e] != a->tree[0].parc[d])
			nc += cand_via(g, a, d, g->rev[e], &c[nc]);
	/* Drop duplicates, keeping the first. */
	for (unsigned i = 0; i < nc; i++)
		for (unsigned j = i + 1; j < nc; j++)
			if (same_path(&c[i], &c[j]))
				c[j--] = c[--nc];
	return nc;
}

/* Add to every untaken candidate the links it shares with p. p's links are
 * padded to GRAPH_MAX_HOPS so the inner loop has a fixed trip count and
 * compiles to a couple of vector compares per link. */
static void count_shared(struct cand *c, unsigned nc, const struct cand *p)
{
	uint32_t pl[H];

	for (unsigned j = 0; j < H; j++)
		pl[j] = j < p->r.hops ? p->links[j] : GRAPH_NONE;
	for (unsigned n = 0; n < nc; n++) {
		if (c[n].taken)
			continue;
		for (unsigned i = 0; i < c[n].r.hops; i++) {
			uint32_t x = c[n].links[i];
			unsigned hit = 0;

			for (unsigned j = 0; j < H; j++)
				hit |= pl[j] == x;
			c[n].r.shared += hit;
		}
	}
}

static void choose(struct graph_alts *a, uint32_t d, unsigned k, struct cand *c, unsigned nc)
{
	uint32_t firsts[GRAPH_MAX_PATHS], lasts[GRAPH_MAX_PATHS];
	unsigned np = 0;

	while (np < k) {
		unsigned best = MAX_CAND, best_score = 0;

		for (unsigned i = 0; i < nc; i++) {
			unsigned score = c[i].r.shared, h = c[i].r.hops;
			uint32_t first = c[i].links[0], last = c[i].links[h - 1];

			if (c[i].taken)
				continue;
			for (unsigned j = 0; j < np; j++)
				score += 2 * (firsts[j] == first) + 2 * (lasts[j] == last);
			if (best == MAX_CAND || score < best_score ||
			    (score == best_score && (c[i].r.cost < c[best].r.cost ||
			     (c[i].r.cost == c[best].r.cost && h < c[best].r.hops)))) {
				best = i;
				best_score = score;
			}
		}
		if (best == MAX_CAND)
			break;
		c[best].taken = 1;
		a->ref[(size_t)d * GRAPH_MAX_PATHS + np] = c[best].r;
		firsts[np] = c[best].links[0];
		lasts[np] = c[best].links[c[best].r.hops - 1];
		if (++np < k)
			count_shared(c, nc, &c[best]);
	}
	a->npaths[d] = (uint8_t)np;
}

/*
 * Bidirectional BFS from src and d over links not in ban[0..nb), at most
 * max_hops arcs. The side with the smaller frontier expands one whole level
 * at a time; the best meeting seen in that level is a shortest path. Each
 * side marks nodes with its own generation number, so nothing is cleared
 * between searches. Returns the number of arcs written to out (travel
 * order), 0 when there is no such path.
 */
static unsigned exact_search(const struct graph *g, struct graph_alts *a, uint32_t src,
			     uint32_t d, const uint32_t *ban, unsigned nb, uint32_t *out)
{
	uint32_t *q = a->xq, head[2], tail[2], lvl[2] = { 0, 0 }, mark[2];
	uint32_t best = GRAPH_INF, mv = 0, ma = 0, mw = 0;

	if (a->xgen > UINT32_MAX - 4) {
		memset(a->xvis, 0, (size_t)a->n * sizeof(*a->xvis));
		a->xgen = 0;
	}
	a->xgen += 2;
	mark[0] = a->xgen;
	mark[1] = a->xgen + 1;
	/* One array, two queues: forward grows up from 0, backward down from n-1
	 * (every node is queued at most once, by one side). */
	head[0] = tail[0] = 0;
	head[1] = tail[1] = g->n - 1;
	q[tail[0]++] = src;
	q[tail[1]--] = d;
	a->xvis[src] = mark[0];
	a->xvis[d] = mark[1];
	a->xdep[src] = a->xdep[d] = 0;
	while (best == GRAPH_INF && lvl[0] + lvl[1] < a->max_hops) {
		uint32_t size0 = tail[0] - head[0], size1 = head[1] - tail[1], end;
		int s = size1 < size0;	/* expand the smaller side */

		if (!size0 || !size1)
			break;
		end = tail[s];
		while (head[s] != end) {
			uint32_t v = s ? q[head[1]--] : q[head[0]++];

			for (uint32_t e = g->off[v]; e < g->off[v + 1]; e++) {
				uint32_t w = g->to[e], l = g->link[e], tot;
				unsigned j = 0;

				while (j < nb && ban[j] != l)
					j++;
				if (j < nb || a->xvis[w] == mark[s])
					continue;
				if (a->xvis[w] == mark[!s]) {
					tot = a->xdep[v] + 1u + a->xdep[w];
					if (tot < best) {
						best = tot;
						/* the meeting arc in travel order: mv -> mw */
						mv = s ? w : v;
						mw = s ? v : w;
						ma = s ? g->rev[e] : e;
					}
					continue;
				}
				a->xvis[w] = mark[s];
				a->xdep[w] = (uint8_t)(a->xdep[v] + 1);
				/* forward: the arc into w; backward: the arc from w on to d */
				a->xpar[w] = s ? g->rev[e] : e;
				if (s)
					q[tail[1]--] = w;
				else
					q[tail[0]++] = w;
			}
		}
		lvl[s]++;
	}
	if (best == GRAPH_INF || best > a->max_hops)
		return 0;
	for (uint32_t i = a->xdep[mv], v = mv; i; i--, v = graph_arc_tail(g, a->xpar[v]))
		out[i - 1] = a->xpar[v];
	out[a->xdep[mv]] = ma;
	for (uint32_t i = a->xdep[mv] + 1u, v = mw; v != d; i++, v = g->to[a->xpar[v]])
		out[i] = a->xpar[v];
	return best;
}

/* d's second route shares links with its primary: add an exact candidate
 * avoiding the primary's links, if there is one. */
static unsigned try_exact(const struct graph *g, struct graph_alts *a, uint32_t src, uint32_t d,
			  struct cand *c, unsigned nc)
{
	const struct graph_pathref *p0 = &a->ref[(size_t)d * GRAPH_MAX_PATHS];
	uint32_t ban[H], *slot = a->xarcs + (size_t)a->nexact * H, cost = 0;
	unsigned nb = 0, h;

	for (unsigned i = 0; i < nc && !nb; i++)
		if (c[i].r.kind == p0->kind && c[i].r.tree == p0->tree && c[i].r.arc == p0->arc) {
			nb = c[i].r.hops;
			memcpy(ban, c[i].links, nb * sizeof(ban[0]));
		}
	if (!nb || nc >= MAX_CAND)
		return 0;
	a->xtries++;
	h = exact_search(g, a, src, d, ban, nb, slot);
	if (!h)
		return 0;
	for (unsigned i = 0; i < h; i++) {
		c[nc].links[i] = g->link[slot[i]];
		cost += g->cost[slot[i]];
	}
	set_cand(&c[nc], GRAPH_EXACT, 0, a->nexact++, h, cost);
	for (unsigned i = 0; i < nc; i++) {
		c[i].taken = 0;
		c[i].r.shared = 0;
	}
	return 1;
}

int graph_alts_compute(const struct graph *g, uint32_t src, unsigned k, unsigned max_hops,
		       uint32_t penalty, struct graph_alts *a)
{
	struct cand c[MAX_CAND];
	unsigned nc;

	if (src >= g->n || a->n < g->n || a->nlinks_cap < g->nlinks || !k)
		return -EINVAL;
	if (k > GRAPH_MAX_PATHS)
		k = GRAPH_MAX_PATHS;
	if (!max_hops || max_hops > H)
		max_hops = H;
	if (!penalty) {
		uint32_t maxc = 1;

		for (uint32_t i = 0; i < g->m; i++)
			if (g->cost[i] > maxc)
				maxc = g->cost[i];
		penalty = 4 * maxc;
	}
	a->k = k;
	a->max_hops = max_hops;
	a->penalty = penalty;
	a->nexact = a->xtries = 0;
	memset(a->pen, 0, (size_t)g->nlinks * sizeof(*a->pen));
	a->ntrees = k < GRAPH_TREES ? k : GRAPH_TREES;
	for (unsigned t = 0; t < a->ntrees; t++) {
		const struct spf *prev = &a->tree[t - (t > 0)];

		if (t)
			for (uint32_t v = 0; v < g->n; v++)
				if (prev->parc[v] != GRAPH_NONE)
					a->pen[g->link[prev->parc[v]]] += penalty;
		fill_paths(g, a, t, graph_spf(g, src, t ? a->pen : NULL, &a->tree[t]));
	}
	cross_candidates(g, a);
	for (uint32_t d = 0; d < g->n; d++) {
		a->npaths[d] = 0;
		if (d + PREFETCH < g->n)
			prefetch_rows(g, a, d + PREFETCH);
		if (d == src || a->tree[0].dist[d] == GRAPH_INF)
			continue;
		nc = candidates(g, a, d, c);
		choose(a, d, k, c, nc);
		if (k > 1 && a->xtries < a->xcap && g->off[d + 1] - g->off[d] > 1 &&
		    (a->npaths[d] < 2 || a->ref[(size_t)d * GRAPH_MAX_PATHS + 1].shared) &&
		    try_exact(g, a, src, d, c, nc))
			choose(a, d, k, c, nc + 1);
	}
	return 0;
}

/* Path j of d as arcs in travel order, by walking the trees. */
unsigned graph_alts_path(const struct graph *g, const struct graph_alts *a, uint32_t d,
			 unsigned j, uint32_t *arcs, unsigned cap)
{
	const struct graph_pathref *r;
	const struct spf *t;
	uint32_t x, y, i;

	if (d >= g->n || j >= a->npaths[d])
		return 0;
	r = &a->ref[(size_t)d * GRAPH_MAX_PATHS + j];
	if (r->hops > cap)
		return 0;
	if (r->kind == GRAPH_EXACT) {
		memcpy(arcs, a->xarcs + (size_t)r->arc * H, r->hops * sizeof(*arcs));
		return r->hops;
	}
	t = &a->tree[r->kind == GRAPH_TREE ? r->tree : 0];
	i = r->hops;
	x = d;
	if (r->kind == GRAPH_CROSS) {
		/* The climb from y to d, walked down from y's side: arcs child -> parent. */
		y = g->to[r->arc];
		for (uint32_t n = t->hops[y] - t->hops[d], v = y; n; n--, v = t->par[v])
			arcs[r->hops - n] = g->rev[t->parc[v]];
		i = r->hops - (t->hops[y] - t->hops[d]);
	}
	if (r->kind != GRAPH_TREE) {
		arcs[--i] = r->arc;
		x = graph_arc_tail(g, r->arc);
	}
	while (i) {
		arcs[--i] = t->parc[x];
		x = t->par[x];
	}
	return r->hops;
}

/* ---- 2-edge-connectivity (for measuring alternates) ---- */

uint32_t graph_two_edge_connected(const struct graph *g, uint32_t src, uint8_t *in2ec)
{
	uint32_t *tin = malloc(((size_t)g->n + 1) * sizeof(uint32_t));
	uint32_t *low = malloc(((size_t)g->n + 1) * sizeof(uint32_t));
	uint32_t *stk = malloc(((size_t)g->n + 1) * sizeof(uint32_t));	/* nodes */
	uint32_t *it = malloc(((size_t)g->n + 1) * sizeof(uint32_t));	/* next arc */
	uint32_t *in = malloc(((size_t)g->n + 1) * sizeof(uint32_t));	/* arc used to enter */
	uint8_t *bridge = calloc((size_t)g->nlinks + 1, 1);
	uint32_t timer = 0, sp = 0, head = 0, tail = 0, count = 0;

	memset(in2ec, 0, g->n);
	if (!tin || !low || !stk || !it || !in || !bridge || src >= g->n)
		goto out;
	for (uint32_t v = 0; v < g->n; v++)
		tin[v] = GRAPH_NONE;
	/* Iterative DFS: low[v] = lowest tin reachable through one back arc. */
	tin[src] = low[src] = timer++;
	it[src] = g->off[src];
	in[src] = GRAPH_NONE;
	stk[sp++] = src;
	while (sp) {
		uint32_t v = stk[sp - 1];

		if (it[v] < g->off[v + 1]) {
			uint32_t a = it[v]++, w = g->to[a];

			if (in[v] != GRAPH_NONE && a == g->rev[in[v]])
				continue;	/* the arc we came by, not a parallel link */
			if (tin[w] == GRAPH_NONE) {
				tin[w] = low[w] = timer++;
				it[w] = g->off[w];
				in[w] = a;
				stk[sp++] = w;
			} else if (tin[w] < low[v]) {
				low[v] = tin[w];
			}
			continue;
		}
		sp--;
		if (in[v] != GRAPH_NONE) {
			uint32_t p = graph_arc_tail(g, in[v]);

			if (low[v] < low[p])
				low[p] = low[v];
			if (low[v] > tin[p])
				bridge[g->link[in[v]]] = 1;
		}
	}
	/* Flood from src without crossing bridges. */
	stk[tail++] = src;
	in2ec[src] = 1;
	while (head < tail) {
		uint32_t v = stk[head++];

		for (uint32_t a = g->off[v]; a < g->off[v + 1]; a++)
			if (!bridge[g->link[a]] && !in2ec[g->to[a]]) {
				in2ec[g->to[a]] = 1;
				stk[tail++] = g->to[a];
				count++;
			}
	}
out:
	free(tin);
	free(low);
	free(stk);
	free(it);
	free(in);
	free(bridge);
	return count;
}
