// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Topology generators (see topogen.h). Links are collected as plain pairs,
 * then numbered with ports in one pass at the end.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "topogen.h"
#include "mms_wire.h"

struct pairs {
	uint32_t n, cap;
	uint32_t (*p)[2];
};

static int pairs_add(struct pairs *l, uint32_t a, uint32_t b)
{
	if (l->n == l->cap) {
		uint32_t cap = l->cap ? 2 * l->cap : 1024;
		void *np = realloc(l->p, (size_t)cap * sizeof(l->p[0]));

		if (!np)
			return -ENOMEM;
		l->p = np;
		l->cap = cap;
	}
	l->p[l->n][0] = a;
	l->p[l->n][1] = b;
	l->n++;
	return 0;
}

/* Number the ports: each node's links get 1, 2, ... in list order. Links
 * that would take a node past MMS_MAX_PORTS - 1 neighbours are dropped. */
static int finish(struct topo *t, uint32_t n, struct pairs *l)
{
	uint16_t *next = calloc((size_t)n + 1, sizeof(*next));

	t->n = n;
	t->ne = 0;
	t->e = malloc(((size_t)l->n + 1) * sizeof(*t->e));
	if (!next || !t->e) {
		free(next);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < l->n; i++) {
		uint32_t a = l->p[i][0], b = l->p[i][1];

		if (next[a] >= MMS_MAX_PORTS - 1 || next[b] >= MMS_MAX_PORTS - 1)
			continue;
		t->e[t->ne++] = (struct graph_edge){ a, b, ++next[a], ++next[b], 1 };
	}
	free(next);
	return 0;
}

/* Open-addressing set of unordered pairs, to refuse duplicate links. */
struct pairset {
	uint64_t *k;
	uint64_t mask;
};

static int pairset_init(struct pairset *s, uint64_t want)
{
	uint64_t cap = 1024;

	while (cap < 2 * want)
		cap *= 2;
	s->mask = cap - 1;
	s->k = calloc(cap, sizeof(*s->k));
	return s->k ? 0 : -ENOMEM;
}

/* 1 if newly added, 0 if there already. */
static int pairset_add(struct pairset *s, uint32_t a, uint32_t b)
{
	uint64_t key = a < b ? ((uint64_t)a << 32 | b) + 1 : ((uint64_t)b << 32 | a) + 1;
	uint64_t h = key * 0x9e3779b97f4a7c15ull;

	for (uint64_t i = h >> 20 & s->mask;; i = (i + 1) & s->mask) {
		if (s->k[i] == key)
			return 0;
		if (!s->k[i]) {
			s->k[i] = key;
			return 1;
		}
	}
}

int topo_random(struct topo *t, uint32_t n, double avg_deg, uint64_t seed)
{
	uint64_t want = (uint64_t)(avg_deg * n / 2), tries = 0;
	struct pairs l = { 0 };
	struct pairset s;
	int rc = -ENOMEM;

	memset(t, 0, sizeof(*t));
	if (n < 2 || want < n - 1)
		return -EINVAL;
	if (pairset_init(&s, want))
		return -ENOMEM;
	for (uint32_t v = 1; v < n; v++) {
		uint32_t u = (uint32_t)(topo_rand(&seed) % v);

		pairset_add(&s, u, v);
		if (pairs_add(&l, u, v))
			goto out;
	}
	while (l.n < want && tries++ < 16 * want) {
		uint32_t a = (uint32_t)(topo_rand(&seed) % n), b = (uint32_t)(topo_rand(&seed) % n);

		if (a != b && pairset_add(&s, a, b) && pairs_add(&l, a, b))
			goto out;
	}
	rc = finish(t, n, &l);
out:
	free(s.k);
	free(l.p);
	return rc;
}

static uint32_t uf_find(uint32_t *p, uint32_t x)
{
	while (p[x] != x)
		x = p[x] = p[p[x]];
	return x;
}

/* Borůvka rounds: every component links to its nearest outside node. */
static int join_components(struct topo *t, uint32_t n, struct pairs *l, uint32_t *uf)
{
	uint32_t *bu = calloc(n, sizeof(*bu)), *bv = calloc(n, sizeof(*bv));
	float *bd = malloc((size_t)n * sizeof(*bd));
	int rc = -ENOMEM, more = 1;

	if (!bu || !bv || !bd)
		goto out;
	while (more) {
		more = 0;
		for (uint32_t c = 0; c < n; c++)
			bd[c] = INFINITY;
		for (uint32_t u = 0; u < n; u++)
			for (uint32_t v = u + 1; v < n; v++) {
				uint32_t cu = uf_find(uf, u), cv = uf_find(uf, v);
				float dx = t->x[u] - t->x[v], dy = t->y[u] - t->y[v], d = dx * dx + dy * dy;

				if (cu == cv)
					continue;
				if (d < bd[cu]) {
					bd[cu] = d;
					bu[cu] = u;
					bv[cu] = v;
				}
				if (d < bd[cv]) {
					bd[cv] = d;
					bu[cv] = u;
					bv[cv] = v;
				}
			}
		for (uint32_t c = 0; c < n; c++) {
			uint32_t a, b;

			if (bd[c] == INFINITY)
				continue;
			a = uf_find(uf, bu[c]);
			b = uf_find(uf, bv[c]);
			if (a == b)
				continue;	/* joined already this round */
			uf[a] = b;
			more = 1;
			if (pairs_add(l, bu[c], bv[c]))
				goto out;
		}
	}
	rc = 0;
out:
	free(bu);
	free(bv);
	free(bd);
	return rc;
}

int topo_waxman(struct topo *t, uint32_t n, double avg_deg, double alpha, uint64_t seed)
{
	double scale = alpha * sqrt(2.0), sum = 0, beta;
	struct pairs l = { 0 };
	uint32_t *uf = NULL;
	int rc = -ENOMEM;

	memset(t, 0, sizeof(*t));
	if (n < 2 || alpha <= 0 || avg_deg <= 0)
		return -EINVAL;
	t->x = malloc((size_t)n * sizeof(*t->x));
	t->y = malloc((size_t)n * sizeof(*t->y));
	uf = malloc((size_t)n * sizeof(*uf));
	if (!t->x || !t->y || !uf)
		goto out;
	for (uint32_t v = 0; v < n; v++) {
		t->x[v] = (float)((topo_rand(&seed) >> 11) * 0x1.0p-53);
		t->y[v] = (float)((topo_rand(&seed) >> 11) * 0x1.0p-53);
		uf[v] = v;
	}
	/* beta such that the expected link count is avg_deg * n / 2. */
	for (uint32_t u = 0; u < n; u++)
		for (uint32_t v = u + 1; v < n; v++)
			sum += exp(-hypot(t->x[u] - t->x[v], t->y[u] - t->y[v]) / scale);
	beta = avg_deg * n / 2 / sum;
	if (beta > 1)
		beta = 1;
	for (uint32_t u = 0; u < n; u++)
		for (uint32_t v = u + 1; v < n; v++) {
			double p = beta * exp(-hypot(t->x[u] - t->x[v], t->y[u] - t->y[v]) / scale);

			if ((topo_rand(&seed) >> 11) * 0x1.0p-53 >= p)
				continue;
			if (pairs_add(&l, u, v))
				goto out;
			uf[uf_find(uf, u)] = uf_find(uf, v);
		}
	rc = join_components(t, n, &l, uf);
	if (!rc)
		rc = finish(t, n, &l);
out:
	free(uf);
	free(l.p);
	if (rc)
		topo_free(t);
	return rc;
}

uint16_t topo_max_port(const struct topo *t)
{
	uint16_t m = 0;

	for (uint32_t i = 0; i < t->ne; i++) {
		if (t->e[i].pa > m)
			m = t->e[i].pa;
		if (t->e[i].pb > m)
			m = t->e[i].pb;
	}
	return m;
}

void topo_free(struct topo *t)
{
	free(t->e);
	free(t->x);
	free(t->y);
	memset(t, 0, sizeof(*t));
}
