/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Random connected topologies for the simulator and the route benchmark.
 * Deterministic for a given seed. Ports are assigned per node in the order
 * links are made (1, 2, ...), as a real node would number its neighbour slots.
 */
#ifndef MMS_TOPOGEN_H
#define MMS_TOPOGEN_H

#include <stdint.h>
#include "graph.h"

struct topo {
	uint32_t n, ne;
	struct graph_edge *e;	/* ne links, ports filled, cost 1 */
	float *x, *y;		/* positions in the unit square (Waxman), or NULL */
};

/*
 * Waxman: nodes uniform in the unit square, link u-v with probability
 * beta * exp(-d(u,v) / (alpha * sqrt 2)); beta is solved so that the
 * expected average degree is avg_deg. Components are then joined by their
 * closest pair of nodes, so the result is connected. O(n^2): meant for
 * simulator sizes (a few thousand nodes).
 */
int topo_waxman(struct topo *t, uint32_t n, double avg_deg, double alpha, uint64_t seed);
/*
 * Random recursive tree (node v joins a uniformly random earlier node) plus
 * uniformly random extra links up to avg_deg, no duplicates: connected, small
 * diameter, O(n). For benchmarks at 100k nodes.
 */
int topo_random(struct topo *t, uint32_t n, double avg_deg, uint64_t seed);
/* Largest port number any node uses. */
uint16_t topo_max_port(const struct topo *t);
void topo_free(struct topo *t);

/* splitmix64: the generators' and the simulator's random source. */
static inline uint64_t topo_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

#endif /* MMS_TOPOGEN_H */
