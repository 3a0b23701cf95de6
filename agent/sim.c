// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The simulator (see sim.h). Two priority queues drive it: frames in flight
 * (arrival time) and node timers (core_next_event). Timer entries are not
 * removed when a node's deadline moves; a popped entry that no longer
 * matches the node's current deadline is simply skipped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "sim.h"
#include "topogen.h"

#define SIM_WALL_NS	1700000000000000000ll	/* virtual time 0 = 2023-11-14 */
#define NONE		UINT32_MAX

/* ---- routes: per node open-addressing table keyed by address ---- */

struct rt_ent {
	uint8_t state;		/* 0 empty, 1 used, 2 deleted */
	struct mms_addr addr;
	struct mms_route_set rs;
};

struct rtab {
	struct rt_ent *e;
	uint32_t cap, used, live;
};

static uint32_t addr_hash(const struct mms_addr *a)
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < 16; i++)
		h = (h ^ a->a[i]) * 16777619u;
	return h;
}

static struct rt_ent *rt_slot(const struct rtab *t, const struct mms_addr *a, bool for_insert)
{
	struct rt_ent *tomb = NULL;

	if (!t->cap)
		return NULL;
	for (uint32_t i = addr_hash(a) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		struct rt_ent *e = &t->e[i];

		if (e->state == 1 && !memcmp(&e->addr, a, sizeof(*a)))
			return e;
		if (e->state == 2 && !tomb)
			tomb = e;
		if (!e->state)
			return for_insert ? (tomb ? tomb : e) : NULL;
	}
}

static int rt_grow(struct rtab *t)
{
	struct rtab n = { .cap = t->cap ? 2 * t->cap : 8 };

	while (n.cap < 4 * (t->live + 1))
		n.cap *= 2;
	n.e = calloc(n.cap, sizeof(*n.e));
	if (!n.e)
		return -ENOMEM;
	for (uint32_t i = 0; i < t->cap; i++)
		if (t->e[i].state == 1) {
			*rt_slot(&n, &t->e[i].addr, true) = t->e[i];
			n.used++;
			n.live++;
		}
	free(t->e);
	*t = n;
	return 0;
}

static void rt_put(struct rtab *t, const struct mms_addr *a, const struct mms_route_set *rs)
{
	struct rt_ent *e = rt_slot(t, a, false);

	if (!rs) {
		if (e) {
			e->state = 2;
			t->live--;
		}
		return;
	}
	if (!e) {
		if (2 * (t->used + 1) > t->cap && rt_grow(t))
			return;
		e = rt_slot(t, a, true);
		if (!e->state)
			t->used++;
		e->state = 1;
		e->addr = *a;
		t->live++;
	}
	e->rs = *rs;
}

/* ---- event queues ---- */

struct ev {
	uint64_t t, seq;
	uint32_t node;
	uint16_t port, len;
	uint8_t *mem, *buf;	/* frames only: buf = mem + 2 (see transmit) */
};

struct heap {
	struct ev *v;
	size_t n, cap;
};

static int ev_before(const struct ev *a, const struct ev *b)
{
	return a->t != b->t ? a->t < b->t : a->seq < b->seq;
}

static int heap_push(struct heap *h, struct ev e)
{
	size_t i;

	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 1024;
		void *p = realloc(h->v, cap * sizeof(*h->v));

		if (!p)
			return -ENOMEM;
		h->v = p;
		h->cap = cap;
	}
	for (i = h->n++; i && ev_before(&e, &h->v[(i - 1) / 2]); i = (i - 1) / 2)
		h->v[i] = h->v[(i - 1) / 2];
	h->v[i] = e;
	return 0;
}

static struct ev heap_pop(struct heap *h)
{
	struct ev top, last;
	size_t i = 0;

	if (!h->n)
		return (struct ev){ .t = UINT64_MAX };
	top = h->v[0];
	last = h->v[--h->n];
	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && ev_before(&h->v[c + 1], &h->v[c]))
			c++;
		if (!ev_before(&h->v[c], &last))
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n)
		h->v[i] = last;
	return top;
}

/* ---- the network ---- */

struct sim_link {
	uint32_t a, b;
	uint16_t pa, pb;
	bool up;
};

struct sim_node {
	struct sim *s;
	uint32_t idx;
	bool alive, ma;
	struct mms_core *core;
	struct mms_nbr nbr[MMS_MAX_PORTS];
	struct mms_key keys[MMS_EPOCH_SLOTS];
	struct mms_cfg dcfg;
	struct rtab routes;
	struct mms_rp_table rp;		/* the datapath's DATA replay windows */
	uint32_t link[MMS_MAX_PORTS];	/* port -> link index, NONE */
	uint64_t sched;			/* deadline queued in the timer heap */
	/* absorbed hellos: mms_hello_tpl (one sender per port: the entry of
	 * the port its key's ifindex names) and mms_hello_seen, ports
	 * 0..maxp; fed[] is what the agent last handed the core */
	uint16_t maxp;
	struct sim_hello {
		bool on;
		struct mms_hello_key k;
		struct mms_hello_tpl t;
	} *hello;
	__u64 *seen, *fed;
};

struct sim {
	struct sim_cfg cfg;
	uint64_t now, seq, latency;
	uint64_t data_seq;	/* sequence counter of the DATA the simulation sends */
	struct sim_node *nodes;
	struct sim_link *links;
	struct heap frames, timers;
	struct sim_stats st;
	uint64_t rng;
};

void sim_id(uint32_t node, struct mms_id *id)
{
	memset(id, 0, sizeof(*id));
	memcpy(id->b, "mms-sim", 7);
	id->b[12] = (uint8_t)(node >> 24);
	id->b[13] = (uint8_t)(node >> 16);
	id->b[14] = (uint8_t)(node >> 8);
	id->b[15] = (uint8_t)node;
}

void sim_addr(uint32_t node, struct mms_addr *a)
{
	uint32_t v = node + 1;

	mms_addr_v4(a, htonl(10u << 24 | (v & 0xffffff)));
}

void sim_mac(uint32_t node, uint16_t port, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = (uint8_t)(node >> 24);
	mac[2] = (uint8_t)(node >> 16);
	mac[3] = (uint8_t)(node >> 8);
	mac[4] = (uint8_t)node;
	mac[5] = (uint8_t)port;
}

void sim_hop_key(const struct mms_id *id, uint8_t epoch, uint8_t key[16])
{
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)(id->b[i] ^ (epoch * 0x3b) ^ (0xa5 + 17 * i));
}

static void transmit(struct sim *s, uint32_t node, uint16_t port, const uint8_t *frame, size_t len)
{
	uint32_t l = s->nodes[node].link[port];
	struct sim_link *k;
	struct ev e;

	if (!frame || !len)
		return;
	if (l == NONE || !s->links[l].up) {
		s->st.lost_link++;
		return;
	}
	k = &s->links[l];
	e.t = s->now + s->latency;
	e.seq = s->seq++;
	e.node = k->a == node && k->pa == port ? k->b : k->a;
	e.port = k->a == node && k->pa == port ? k->pb : k->pa;
	e.len = (uint16_t)len;
	/* 2 bytes in, as a NIC driver would, so the MMS header is 4-byte aligned. */
	e.mem = malloc(len + 16);
	if (!e.mem)
		return;
	e.buf = e.mem + 2;
	memcpy(e.buf, frame, len);
	s->st.frames++;
	if (heap_push(&s->frames, e))
		free(e.mem);
}

static void resched(struct sim *s, struct sim_node *n)
{
	uint64_t t = n->alive ? core_next_event(n->core) : UINT64_MAX;

	if (n->alive && s->cfg.next) {
		uint64_t x = s->cfg.next(n->idx, s->cfg.ctx);

		if (x < t)
			t = x;
	}

	if (t <= s->now)
		t = s->now;
	if (t == n->sched || t == UINT64_MAX)
		return;
	n->sched = t;
	heap_push(&s->timers, (struct ev){ .t = t, .seq = s->seq++, .node = n->idx });
}

/* ---- core callbacks ---- */

static void cb_send(void *ctx, __u16 port, const __u8 *frame, size_t len)
{
	struct sim_node *n = ctx;

	transmit(n->s, n->idx, port, frame, len);
}

static void cb_nbr(void *ctx, __u16 port, const struct mms_nbr *nb)
{
	((struct sim_node *)ctx)->nbr[port] = *nb;
}

static void cb_hello(void *ctx, const struct mms_hello_key *k, const struct mms_hello_tpl *t)
{
	struct sim_node *n = ctx;
	struct sim_hello *h = k->ifindex <= n->maxp ? &n->hello[k->ifindex] : NULL;

	if (!h)
		return;
	if (t) {
		h->on = true;
		h->k = *k;
		h->t = *t;
	} else if (h->on && !memcmp(&h->k, k, sizeof(*k))) {
		h->on = false;
	}
}

/* The datapath's lookup (mms_process): ifindex is the port here. */
static const struct mms_hello_tpl *view_hello(const void *ctx, const struct mms_hello_key *k)
{
	const struct sim_node *n = ctx;
	const struct sim_hello *h = k->ifindex <= n->maxp ? &n->hello[k->ifindex] : NULL;

	return h && h->on && !memcmp(&h->k, k, sizeof(*k)) ? &h->t : NULL;
}

/* As the agent does before its timers (glue.c): new arrivals to the core. */
static void hellos_seen(struct sim *s, struct sim_node *n)
{
	for (uint16_t p = 1; p <= n->maxp; p++)
		if (n->seen[p] && n->seen[p] != n->fed[p]) {
			n->fed[p] = n->seen[p];
			core_hello_seen(n->core, p, n->seen[p], s->now);
		}
}

/* A new agent: no template of the last one's is trusted (glue.c). */
static void hellos_reset(struct sim_node *n)
{
	memset(n->hello, 0, (n->maxp + 1u) * sizeof(*n->hello));
	memset(n->seen, 0, (n->maxp + 1u) * sizeof(*n->seen));
	memset(n->fed, 0, (n->maxp + 1u) * sizeof(*n->fed));
}

static void cb_route(void *ctx, const struct mms_addr *dst, const struct mms_route_set *rs)
{
	rt_put(&((struct sim_node *)ctx)->routes, dst, rs);
}

static void cb_key(void *ctx, __u32 slot, const struct mms_key *k)
{
	((struct sim_node *)ctx)->keys[slot % MMS_EPOCH_SLOTS] = *k;
}

static void cb_log(void *ctx, enum mms_log_level l, const char *line)
{
	struct sim_node *n = ctx;

	if ((int)l <= n->s->cfg.verbose)
		fprintf(stderr, "# %10.3f ms node %u: %s\n", n->s->now / 1e6, n->idx, line);
}

static void cb_event(void *ctx, const struct core_event *e)
{
	struct sim_node *n = ctx;

	if (n->s->cfg.event)
		n->s->cfg.event(n->idx, e, n->s->cfg.ctx);
}

static int cb_key_of(void *ctx, const struct mms_id *id, __u8 epoch, __u8 key[MMS_KEY_LEN])
{
	struct sim_node *n = ctx;

	if (n->s->cfg.hop_key)
		return n->s->cfg.hop_key(n->idx, id, epoch, key, n->s->cfg.ctx);
	sim_hop_key(id, epoch, key);
	return 0;
}

/* ---- setup ---- */

/* A node's core (its agent) with the hooks of cfg, ports added, not started. */
static int node_core(struct sim *s, struct sim_node *n)
{
	const struct sim_cfg *cfg = &s->cfg;
	uint32_t i = n->idx;
	struct core_ops ops = {
		.ctx = n, .send = cb_send, .set_nbr = cb_nbr, .set_route = cb_route,
		.set_hello = cb_hello,
		.set_key = cb_key, .log = cb_log, .hop_key = cb_key_of, .event = cb_event,
		.auth = cfg->auth ? cfg->auth(i, cfg->ctx) : NULL,
	};
	struct core_cfg cc;

	core_cfg_defaults(&cc);
	sim_id(i, &cc.id);
	sim_addr(i, &cc.addr);
	snprintf(cc.name, sizeof(cc.name), "sim%u", i);
	cc.role = n->ma ? MMS_ROLE_MA : MMS_ROLE_CM;
	cc.seed = cfg->seed * 0x9e3779b97f4a7c15ull + i;
	cc.wall_offset_ns = SIM_WALL_NS;
	if (cc.max_nodes < cfg->n + 16)
		cc.max_nodes = cfg->n + 16;
	if (cfg->tune)
		cfg->tune(&cc, i, cfg->ctx);
	n->core = core_new(&cc, &ops);
	if (!n->core)
		return -ENOMEM;
	if (cfg->bind)
		cfg->bind(i, n->core, cfg->ctx);
	for (uint16_t p = 1; p < MMS_MAX_PORTS; p++) {
		uint8_t mac[6];

		if (n->link[p] == NONE)
			continue;
		sim_mac(i, p, mac);
		core_port_add(n->core, p, p, mac, 0, true);
	}
	return 0;
}

struct sim *sim_new(const struct sim_cfg *cfg)
{
	struct sim *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->cfg = *cfg;
	s->latency = cfg->latency_ns ? cfg->latency_ns : 50000;
	s->rng = cfg->seed;
	s->nodes = calloc(cfg->n, sizeof(*s->nodes));
	s->links = calloc(cfg->ne + 1, sizeof(*s->links));
	if (!s->nodes || !s->links)
		goto fail;
	for (uint32_t i = 0; i < cfg->n; i++) {
		struct sim_node *n = &s->nodes[i];

		n->s = s;
		n->idx = i;
		n->alive = true;
		n->ma = cfg->role ? cfg->role[i] == MMS_ROLE_MA : i == 0;
		n->sched = UINT64_MAX;
		for (int p = 0; p < MMS_MAX_PORTS; p++)
			n->link[p] = NONE;
		memset(n->dcfg.mm0_mac, 0xee, 6);
		n->dcfg.dscp = MMS_DSCP_KEEP;
		mms_rp_table_init(&n->rp, MMS_RP_SOURCES);
	}
	for (uint32_t l = 0; l < cfg->ne; l++) {
		const struct graph_edge *e = &cfg->e[l];

		if (e->a >= cfg->n || e->b >= cfg->n || !e->pa || !e->pb ||
		    s->nodes[e->a].link[e->pa] != NONE || s->nodes[e->b].link[e->pb] != NONE)
			goto fail;
		s->links[l] = (struct sim_link){ e->a, e->b, e->pa, e->pb, true };
		s->nodes[e->a].link[e->pa] = l;
		s->nodes[e->b].link[e->pb] = l;
	}
	for (uint32_t i = 0; i < cfg->n; i++) {
		struct sim_node *n = &s->nodes[i];

		for (uint16_t p = 1; p < MMS_MAX_PORTS; p++)
			if (n->link[p] != NONE)
				n->maxp = p;
		n->hello = calloc(n->maxp + 1u, sizeof(*n->hello));
		n->seen = calloc(n->maxp + 1u, sizeof(*n->seen));
		n->fed = calloc(n->maxp + 1u, sizeof(*n->fed));
		if (!n->hello || !n->seen || !n->fed || node_core(s, n))
			goto fail;
	}
	for (uint32_t i = 0; i < cfg->n; i++) {
		core_start(s->nodes[i].core, 0);
		resched(s, &s->nodes[i]);
	}
	return s;
fail:
	sim_free(s);
	return NULL;
}

void sim_free(struct sim *s)
{
	if (!s)
		return;
	for (uint32_t i = 0; s->nodes && i < s->cfg.n; i++) {
		core_free(s->nodes[i].core);
		free(s->nodes[i].routes.e);
		mms_rp_table_free(&s->nodes[i].rp);
		free(s->nodes[i].hello);
		free(s->nodes[i].seen);
		free(s->nodes[i].fed);
	}
	while (s->frames.n)
		free(heap_pop(&s->frames).mem);
	free(s->frames.v);
	free(s->timers.v);
	free(s->nodes);
	free(s->links);
	free(s);
}

/* ---- running ---- */

static const struct mms_route_set *view_route(const void *ctx, const struct mms_addr *a)
{
	const struct sim_node *n = ctx;

	return sim_route(n->s, n->idx, a);
}

static void view_of(const struct sim *s, struct sim_node *n, uint16_t port,
		    struct mms_node_view *v)
{
	memset(v, 0, sizeof(*v));
	v->rp = &n->rp;
	v->route = view_route;
	v->route_ctx = n;
	v->keys = n->keys;
	v->nbrs = n->nbr;
	v->cfg = &n->dcfg;
	v->now_s = (uint64_t)(SIM_WALL_NS + (int64_t)s->now) / 1000000000ull;
	v->ingress_ifindex = port;
	v->data_off = false;	/* the simulator shuts no link's data service */
	v->hello_tpl = view_hello;
	v->hello_ctx = n;
	v->hello_seen = n->seen;
	v->now_ns = s->now;
}

/* A frame arrives at a node: the datapath first, then maybe the agent. */
static void deliver(struct sim *s, struct ev *e)
{
	struct sim_node *n = &s->nodes[e->node];
	struct mms_node_view v;
	struct mms_result r;

	if (!n->alive) {
		s->st.lost_dead++;
		return;
	}
	view_of(s, n, e->port, &v);
	mms_process(&v, e->buf, e->len, &r);
	s->st.verdict[r.stat]++;
	switch (r.verdict) {
	case MMS_V_LINK_AGENT:
	case MMS_V_DELIVER_AGENT:
		if (s->cfg.tap)
			s->cfg.tap(n->idx, e->port, e->buf + r.off, r.len, s->cfg.ctx);
		core_rx(n->core, e->port, e->buf + r.off, r.len, s->now);
		resched(s, n);
		break;
	case MMS_V_FORWARD:
		transmit(s, n->idx, r.port, e->buf + r.off, r.len);
		break;
	default:
		break;
	}
}

void sim_run(struct sim *s, uint64_t until)
{
	for (;;) {
		uint64_t tf = s->frames.n ? s->frames.v[0].t : UINT64_MAX;
		uint64_t tt = s->timers.n ? s->timers.v[0].t : UINT64_MAX;
		struct ev e;

		if (tf > until && tt > until)
			break;
		if (tf <= tt) {
			e = heap_pop(&s->frames);
			s->now = e.t;
			deliver(s, &e);
			free(e.mem);
			continue;
		}
		e = heap_pop(&s->timers);
		s->now = e.t;
		if (s->nodes[e.node].sched != e.t || !s->nodes[e.node].alive)
			continue;	/* superseded */
		s->nodes[e.node].sched = UINT64_MAX;
		hellos_seen(s, &s->nodes[e.node]);
		core_tick(s->nodes[e.node].core, s->now);
		if (s->cfg.tick)
			s->cfg.tick(e.node, s->now, s->cfg.ctx);
		resched(s, &s->nodes[e.node]);
		/* A core that still wants the same instant would spin: nudge it. */
		if (s->nodes[e.node].sched == s->now) {
			s->nodes[e.node].sched = s->now + 1000;
			heap_push(&s->timers, (struct ev){ .t = s->now + 1000, .seq = s->seq++,
							   .node = e.node });
		}
	}
	if (until > s->now)
		s->now = until;
}

uint64_t sim_now(const struct sim *s)
{
	return s->now;
}

int sim_link_set(struct sim *s, uint32_t link, bool up, bool carrier)
{
	struct sim_link *k;

	if (link >= s->cfg.ne)
		return -EINVAL;
	k = &s->links[link];
	k->up = up;
	if (!carrier)
		return 0;
	for (int end = 0; end < 2; end++) {
		struct sim_node *n = &s->nodes[end ? k->b : k->a];

		if (!n->alive)
			continue;
		core_link_event(n->core, end ? k->pb : k->pa, up, s->now);
		resched(s, n);
	}
	return 0;
}

bool sim_link_up(const struct sim *s, uint32_t link)
{
	return link < s->cfg.ne && s->links[link].up;
}

int sim_node_kill(struct sim *s, uint32_t node)
{
	if (node >= s->cfg.n)
		return -EINVAL;
	s->nodes[node].alive = false;
	return 0;
}

int sim_node_restart(struct sim *s, uint32_t node, bool cold)
{
	struct sim_node *n = node < s->cfg.n ? &s->nodes[node] : NULL;
	const struct mms_addr zero = { 0 };
	struct rtab *t;
	int rc;

	if (!n || !n->alive)
		return -EINVAL;
	core_free(n->core);
	n->core = NULL;
	hellos_reset(n);
	if (cold) {	/* a reboot: the datapath starts empty too */
		memset(n->nbr, 0, sizeof(n->nbr));
		memset(n->keys, 0, sizeof(n->keys));
		free(n->routes.e);
		memset(&n->routes, 0, sizeof(n->routes));
		mms_rp_table_free(&n->rp);
		mms_rp_table_init(&n->rp, MMS_RP_SOURCES);
	}
	rc = node_core(s, n);
	if (rc) {
		n->alive = false;
		return rc;
	}
	/* as mms-agent does (glue.c): a CM takes back its route sets */
	t = &n->routes;
	for (uint32_t i = 0; !n->ma && i < t->cap; i++) {
		const struct rt_ent *e = &t->e[i];

		if (e->state == 1 && memcmp(&e->addr, &zero, sizeof(zero)))
			core_adopt_routes(n->core, &e->addr, e->rs.r, e->rs.n);
	}
	for (uint16_t p = 1; p < MMS_MAX_PORTS; p++)
		if (n->link[p] != NONE && n->nbr[p].state == MMS_NBR_UP)
			core_port_resume(n->core, p);
	core_start(n->core, s->now);
	n->sched = UINT64_MAX;
	resched(s, n);
	return 0;
}

bool sim_alive(const struct sim *s, uint32_t node)
{
	return node < s->cfg.n && s->nodes[node].alive;
}

bool sim_is_ma(const struct sim *s, uint32_t node)
{
	return node < s->cfg.n && s->nodes[node].ma;
}

struct mms_core *sim_core(struct sim *s, uint32_t node)
{
	return node < s->cfg.n ? s->nodes[node].core : NULL;
}

const struct sim_stats *sim_stats(const struct sim *s)
{
	return &s->st;
}

void sim_inject(struct sim *s, uint32_t node, uint16_t port, const uint8_t *frame, size_t len)
{
	struct sim_node *n = &s->nodes[node];

	core_rx(n->core, port, frame, len, s->now);
	resched(s, n);
}

const struct mms_route_set *sim_route(const struct sim *s, uint32_t node, const struct mms_addr *dst)
{
	const struct rt_ent *e = rt_slot(&s->nodes[node].routes, dst, false);

	return e ? &e->rs : NULL;
}

const struct mms_nbr *sim_nbr(const struct sim *s, uint32_t node, uint16_t port)
{
	return &s->nodes[node].nbr[port];
}

const struct mms_key *sim_key(const struct sim *s, uint32_t node, uint8_t epoch)
{
	const struct mms_key *k = &s->nodes[node].keys[epoch % MMS_EPOCH_SLOTS];

	return k->valid && k->epoch == epoch ? k : NULL;
}

const struct mms_key *sim_keys(const struct sim *s, uint32_t node)
{
	return node < s->cfg.n ? s->nodes[node].keys : NULL;
}

/* ---- probing ---- */

const char *sim_probe_str(enum sim_probe p)
{
	static const char *const str[] = {
		[SIM_OK] = "ok", [SIM_NO_ROUTE] = "no route", [SIM_LINK_DOWN] = "link down",
		[SIM_DEAD] = "dead node", [SIM_DROP] = "dropped", [SIM_ELSEWHERE] = "wrong node",
		[SIM_TOO_LONG] = "too long",
	};
	return (unsigned)p <= SIM_TOO_LONG ? str[p] : "?";
}

/* The route mm0 would use at node n for dst: its set, else the default. */
static const struct mms_route *pick(const struct sim *s, uint32_t n, const struct mms_addr *dst)
{
	const struct mms_route_set *rs = sim_route(s, n, dst);
	struct mms_addr zero;

	if (!rs) {
		memset(&zero, 0, sizeof(zero));
		rs = sim_route(s, n, &zero);
	}
	for (uint32_t i = 0; rs && i < rs->n && i < MMS_MAX_ALT; i++)
		if (s->nodes[n].nbr[rs->r[i].port].state == MMS_NBR_UP)
			return &rs->r[i];
	return NULL;
}

enum sim_probe sim_probe(struct sim *s, uint32_t from, uint32_t to, unsigned *hops,
			 enum mms_stat *why)
{
	/* IPv4 from `from` to `to`: the MA that relays it finds the source's
	 * end-to-end key by the source address. */
	uint8_t ip[20] = { 0x45, 0, 0, 20, 0, 0, 0, 0, 64, 253 };
	uint8_t raw[MMS_MAX_OVERHEAD + 72] __attribute__((aligned(8))), *buf = raw + 2;
	struct mms_addr dst, src;
	uint32_t cur = from;
	unsigned h = 0;
	int relays = 0;

	sim_addr(to, &dst);
	sim_addr(from, &src);
	memcpy(ip + 12, src.a + 12, 4);
	memcpy(ip + 16, dst.a + 12, 4);
	if (hops)
		*hops = 0;
	for (;;) {
		const struct mms_route *r = pick(s, cur, &dst);
		const struct mms_nbr *nb;
		uint32_t node = cur;
		uint16_t port;
		int len;

		if (!r)
			return SIM_NO_ROUTE;
		nb = &s->nodes[cur].nbr[r->port];
		len = mms_frame_data(buf, sizeof(raw) - 2, r, nb->mac, nb->smac,
				     mms_seq_word(0, ++s->data_seq), ip, sizeof(ip));
		if (len < 0)
			return SIM_NO_ROUTE;
		port = r->port;
		for (;;) {
			uint32_t l = s->nodes[node].link[port];
			const struct sim_link *k;
			struct mms_node_view v;
			struct mms_result res;

			if (l == NONE || !s->links[l].up)
				return SIM_LINK_DOWN;
			k = &s->links[l];
			if (k->a == node && k->pa == port) {
				node = k->b;
				port = k->pb;
			} else {
				node = k->a;
				port = k->pa;
			}
			if (hops)
				*hops = ++h;
			if (h > 3 * MMS_MAX_HOPS)
				return SIM_TOO_LONG;
			if (!s->nodes[node].alive)
				return SIM_DEAD;
			view_of(s, &s->nodes[node], port, &v);
			mms_process(&v, buf, (size_t)len, &res);
			if (res.verdict == MMS_V_FORWARD) {
				memmove(buf, buf + res.off, res.len);
				len = (int)res.len;
				port = res.port;
				continue;
			}
			if (res.verdict == MMS_V_DELIVER_MM0) {
				if (node == to)
					return SIM_OK;
				if (s->nodes[node].ma && !relays++) {
					cur = node;	/* the MA's kernel routes it on */
					break;
				}
				return SIM_ELSEWHERE;
			}
			if (why)
				*why = res.stat;
			return SIM_DROP;
		}
	}
}

void sim_distances(const struct sim *s, uint32_t src, uint32_t *dist)
{
	uint32_t *q = malloc(((size_t)s->cfg.n + 1) * sizeof(*q)), head = 0, tail = 0;

	for (uint32_t i = 0; i < s->cfg.n; i++)
		dist[i] = NONE;
	if (!q || !s->nodes[src].alive) {
		free(q);
		return;
	}
	dist[src] = 0;
	q[tail++] = src;
	while (head < tail) {
		uint32_t v = q[head++];

		for (int p = 1; p < MMS_MAX_PORTS; p++) {
			uint32_t l = s->nodes[v].link[p], w;

			if (l == NONE || !s->links[l].up)
				continue;
			w = s->links[l].a == v && s->links[l].pa == p ? s->links[l].b : s->links[l].a;
			if (dist[w] != NONE || !s->nodes[w].alive)
				continue;
			dist[w] = dist[v] + 1;
			q[tail++] = w;
		}
	}
	free(q);
}

static void fail(struct sim_check *r, uint32_t from, uint32_t to, enum sim_probe p,
		 enum mms_stat why)
{
	if (r->res != SIM_OK)
		return;	/* keep the first failure */
	r->from = from;
	r->to = to;
	r->res = p;
	r->why = why;
}

void sim_check(struct sim *s, unsigned relay, struct sim_check *r)
{
	uint32_t *dist = malloc(((size_t)s->cfg.n + 1) * sizeof(*dist));
	uint8_t *served = calloc(s->cfg.n + 1, 1);

	memset(r, 0, sizeof(*r));
	r->res = SIM_OK;
	if (!dist || !served)
		goto out;
	for (uint32_t m = 0; m < s->cfg.n; m++) {
		if (!s->nodes[m].ma || !s->nodes[m].alive)
			continue;
		sim_distances(s, m, dist);
		for (uint32_t c = 0; c < s->cfg.n; c++) {
			enum mms_stat why = MMS_S_PASS;
			enum sim_probe p;

			if (c == m || dist[c] == NONE || dist[c] > MMS_MAX_HOPS)
				continue;
			served[c] = 1;
			for (int dir = 0; dir < 2; dir++) {
				r->pairs++;
				p = dir ? sim_probe(s, m, c, NULL, &why) : sim_probe(s, c, m, NULL, &why);
				if (p == SIM_OK)
					r->ok++;
				else
					fail(r, dir ? m : c, dir ? c : m, p, why);
			}
		}
	}
	for (unsigned i = 0; i < relay && s->cfg.n > 2; i++) {
		uint32_t a = (uint32_t)(topo_rand(&s->rng) % s->cfg.n);
		uint32_t b = (uint32_t)(topo_rand(&s->rng) % s->cfg.n);
		enum mms_stat why = MMS_S_PASS;
		enum sim_probe p;

		if (a == b || s->nodes[a].ma || s->nodes[b].ma || !served[a] || !served[b])
			continue;
		r->relay_pairs++;
		p = sim_probe(s, a, b, NULL, &why);
		if (p == SIM_OK)
			r->relay_ok++;
		else
			fail(r, a, b, p, why);
	}
out:
	free(dist);
	free(served);
}
