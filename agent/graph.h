/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Topology graph and route computation for an MA.
 *
 * The graph is compact (CSR): the arcs of node u are arc[off[u] .. off[u+1]),
 * every link is two arcs with one link id, and each arc carries the ports at
 * both ends, so a path maps straight to the hop specs of an onion route.
 *
 * Shortest paths: BFS when every cost is 1 (the default: a management route's
 * cost is its hop count); Dial's buckets when costs are small integers
 * (< 4096 including penalties); else Dijkstra on a radix heap (keys only
 * grow in Dijkstra, so a monotone integer queue beats a comparison heap). Ties go to
 * fewer hops, then to the first relaxation, so results are deterministic for
 * a given graph.
 *
 * Alternates: see graph_alts_compute().
 */
#ifndef MMS_GRAPH_H
#define MMS_GRAPH_H

#include <stdint.h>

#define GRAPH_NONE	UINT32_MAX	/* no node / no arc */
#define GRAPH_INF	UINT32_MAX	/* unreachable */
#define GRAPH_MAX_PATHS	4		/* primary + 3 alternates (= MMS_MAX_ALT) */

/* One undirected link as input: a's port pa faces b's port pb. */
struct graph_edge {
	uint32_t a, b;
	uint16_t pa, pb;
	uint16_t cost;		/* >= 1 */
};

struct graph {
	uint32_t n;		/* nodes */
	uint32_t m;		/* arcs, 2 per link */
	uint32_t nlinks;
	int unit;		/* every cost is 1 */
	uint32_t *off;		/* [n + 1] */
	uint32_t *to;		/* [m] arc head */
	uint32_t *rev;		/* [m] the opposite arc of the same link */
	uint32_t *link;		/* [m] link id, 0 .. nlinks-1 */
	uint16_t *cost;		/* [m] */
	uint16_t *port;		/* [m] port at the arc's tail */
	uint16_t *peer_port;	/* [m] port at the arc's head */
};

/* Build from ne links over n nodes; self-loops and out-of-range endpoints
 * are -EINVAL. Returns 0 or -errno; g is empty (graph_free-safe) on error. */
int graph_build(struct graph *g, uint32_t n, const struct graph_edge *e, uint32_t ne);
void graph_free(struct graph *g);
/*
 * Renumber nodes in BFS order from src (unreached nodes last, in their old
 * order) into a new graph. Nodes close to src get close numbers, so the
 * tree walks of route computation stay in cache: at 100k nodes this
 * halves the alternates time. perm[old] = new (n entries). Links are
 * renumbered by their first endpoint in the new order; the order of arcs
 * within a node is kept.
 */
int graph_reorder_bfs(const struct graph *in, uint32_t src, struct graph *out, uint32_t *perm);
/* The tail of an arc (the node whose arc list holds it). */
static inline uint32_t graph_arc_tail(const struct graph *g, uint32_t a)
{
	return g->to[g->rev[a]];
}

/* A shortest-path tree from one source. */
struct spf {
	uint32_t n;
	uint32_t *dist;		/* GRAPH_INF when unreachable */
	uint32_t *parc;		/* arc into the node, GRAPH_NONE at the source */
	uint32_t *par;		/* parent node (tail of parc), GRAPH_NONE at the source */
	uint8_t *hops;		/* arcs from the source, saturating at 255 */
	uint32_t *work;		/* nodes in the order they were settled */
	uint8_t *done;		/* Dijkstra: settled */
	/* radix heap pool, grown to the arc count on first use */
	uint64_t *rkey;
	uint32_t *rnode, *rnext, rcap;
	uint32_t *bhead;	/* Dial's buckets */
};

int spf_init(struct spf *s, uint32_t n);
void spf_free(struct spf *s);
/*
 * Shortest paths from src. link_pen, when not NULL, adds a penalty per link
 * id to the arc cost (used for alternates). Returns the number of nodes
 * reached (src included).
 */
uint32_t graph_spf(const struct graph *g, uint32_t src, const uint32_t *link_pen, struct spf *s);

/*
 * k routes per destination: the primary (a shortest path) and up to k-1
 * alternates, all at most max_hops arcs, preferring link-disjoint ones.
 *
 * Method (docs/control-plane.md, "Alternates"). The exact answer, one SPF
 * per destination with its primary's links removed, costs n SPFs: far over
 * budget at 100k nodes. Instead every destination chooses from a small set
 * of candidates that are all computed at once:
 *  - TREE: its path in T0 (the shortest-path tree) and in T1, an SPF in
 *    which every link of T0 costs `penalty` more (the primary's links
 *    penalised, for all destinations at once). More penalised trees add
 *    little (3.41 vs 3.31 routes per destination at 10k nodes with a third
 *    tree, the same disjointness) for a large share of the time;
 *  - CROSS: the best "one crossing" path T0(x), x->y, then up T0 from y to
 *    d, over every non-tree arc x->y with y below d and x outside d's
 *    subtree. It shares with the primary exactly the links above
 *    lca(x, d), so it is link-disjoint when x hangs off another first hop.
 *    One pass over the arcs finds the best for every destination;
 *  - VIA: T0's path to each neighbour u of d (not below d), then u->d: a
 *    different last link, i.e. another local failover choice for d.
 * Every tree's paths (link ids, <= GRAPH_MAX_HOPS) are stored per node,
 * filled in settle order by extending the parent's, so candidates are
 * array copies rather than pointer chases. Candidates are deduplicated and
 * chosen greedily: first the cheapest, then repeatedly the one sharing the
 * fewest links with those chosen (counted per earlier path), the first and
 * last links (the sender's and the receiver's local failover choice)
 * counting triple, then by cost.
 *  - EXACT: when none of the above gives a second route link-disjoint from
 *    the primary (about 1% of destinations on random graphs; many more on
 *    grids seen from a corner, where reaching the other side takes several
 *    crossings), a bidirectional BFS over the graph without the primary's
 *    links, within max_hops, finds one if it exists. Bounded: at most
 *    64 + n/1024 such searches per computation, in destination order, and
 *    never for nodes of degree 1.
 * Cost: 2 SPFs + O(m * max_hops) + O(n * degree * max_hops).
 * A path is stored as (kind, tree, arc) and expanded on demand.
 */
#define GRAPH_MAX_HOPS	16
#define GRAPH_TREES	2	/* T0 and one penalised tree */

enum graph_path_kind { GRAPH_TREE, GRAPH_VIA, GRAPH_CROSS, GRAPH_EXACT };

struct graph_pathref {
	uint32_t arc;		/* VIA: u -> d; CROSS: x -> y; EXACT: pool slot; TREE: unused */
	uint8_t kind;		/* enum graph_path_kind */
	uint8_t tree;		/* TREE: which tree */
	uint8_t hops;
	uint8_t shared;		/* links shared with each path chosen before it, summed */
	uint32_t cost;		/* sum of link costs (no penalties) */
};

struct graph_alts {
	uint32_t n, k, max_hops, penalty, ntrees;
	struct spf tree[GRAPH_TREES];
	uint32_t *path[GRAPH_TREES];	/* [n * GRAPH_MAX_HOPS] link ids from the source */
	uint32_t *meta[GRAPH_TREES];	/* [n] hops << 24 | path cost (no penalties) */
	uint8_t *npaths;		/* [n] */
	struct graph_pathref *ref;	/* [n * GRAPH_MAX_PATHS] */
	uint32_t *pen;			/* [nlinks] penalties */
	/* EXACT searches: bidirectional BFS state and the paths found */
	uint32_t *xvis, *xpar, *xq;	/* [n], [n], [n] */
	uint8_t *xdep;			/* [n] */
	uint32_t xgen, xcap, nexact, xtries;
	uint32_t *xarcs;		/* [xcap * GRAPH_MAX_HOPS] arcs in travel order */
	uint32_t nlinks_cap;
	uint64_t *cross_key;		/* [n] best one-crossing (shared, cost, hops) */
	uint32_t *cross_arc;		/* [n] its arc, GRAPH_NONE if none */
};

int graph_alts_init(struct graph_alts *a, uint32_t n, uint32_t nlinks);
void graph_alts_free(struct graph_alts *a);
/* penalty 0 picks the default (4 x the largest arc cost). Returns 0 or -errno. */
int graph_alts_compute(const struct graph *g, uint32_t src, unsigned k, unsigned max_hops,
		       uint32_t penalty, struct graph_alts *a);
/* Path j of destination d as arcs in travel order from src; returns the
 * number of arcs (0 when there is no such path), at most cap. */
unsigned graph_alts_path(const struct graph *g, const struct graph_alts *a, uint32_t d,
			 unsigned j, uint32_t *arcs, unsigned cap);

/*
 * For measuring alternates: in2ec[v] = 1 when v has two link-disjoint paths
 * from src (v and src in one 2-edge-connected component, found with an
 * iterative bridge search). Returns the number of such v (src excluded).
 */
uint32_t graph_two_edge_connected(const struct graph *g, uint32_t src, uint8_t *in2ec);

#endif /* MMS_GRAPH_H */
