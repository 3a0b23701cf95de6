// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The MA half:
 *  - beacons: every beacon_ms, and at once (no sooner than beacon_min_ms
 *    after the last) when our own neighbours or the topology change;
 *  - membership: a node joins by acking a beacon (and passing may_join);
 *    LSAs from nodes that have not joined are refused;
 *  - topology: the newest LSA per node (older ones refused, repeats
 *    answered but not applied), aged out after lsa_max_age_ms; a link
 *    counts only when both ends list it with the same two ports;
 *  - routes: at most one computation per hold (spf_hold(): ~10 times what
 *    one costs, at most spf_hold_ms), on a graph rebuilt
 *    from the table and renumbered from us (graph_reorder_bfs), with k
 *    alternates per destination (graph_alts_compute). Only destinations
 *    whose paths changed, or whose routes near expiry, get new onion routes
 *    (hop keys from the key provider): our own as mms_routes[addr], and
 *    the reverse ones to the node in a CONTROL, which also acknowledges its
 *    LSA. A node whose CONTROL was lost resends its LSA; the repeat makes us
 *    send the CONTROL again.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core_priv.h"

#define NODE_NONE UINT32_MAX

static __u32 id_hash(const struct mms_id *id)
{
	return (__u32)(core_hash(0xcbf29ce484222325ull, id, sizeof(*id)) >> 17);
}

static __u32 node_find(const struct mms_core *c, const struct mms_id *id)
{
	for (__u32 i = id_hash(id) & c->hash_mask;; i = (i + 1) & c->hash_mask) {
		__u32 v = c->hash[i];

		if (!v)
			return NODE_NONE;
		if (mms_id_eq(&c->nodes[v - 1].id, id))
			return v - 1;
	}
}

const char *ma_node_name(const struct mms_core *c, const struct mms_id *id)
{
	__u32 x;

	if (c->cfg.role != MMS_ROLE_MA || !c->hash)
		return "";
	x = node_find(c, id);
	return x == NODE_NONE ? "" : c->nodes[x].name;
}

static __u32 node_add(struct mms_core *c, const struct mms_id *id)
{
	__u32 x = node_find(c, id), i;

	if (x != NODE_NONE)
		return x;
	if (c->nnodes >= c->cfg.max_nodes) {
		core_refuse(c, CORE_S_NODE_TABLE_FULL, 0, id, "%u nodes", c->nnodes);
		return NODE_NONE;
	}
	for (i = id_hash(id) & c->hash_mask; c->hash[i]; i = (i + 1) & c->hash_mask)
		;
	x = c->nnodes++;
	c->hash[i] = x + 1;
	memset(&c->nodes[x], 0, sizeof(c->nodes[x]));
	c->nodes[x].used = true;
	c->nodes[x].id = *id;
	c->nodes[x].gidx = NODE_NONE;
	return x;
}

int ma_init(struct mms_core *c)
{
	__u32 cap = 16;
	__u32 self;

	if (c->cfg.max_nodes < 2)
		return -EINVAL;
	while (cap < 2 * c->cfg.max_nodes)
		cap *= 2;
	c->nodes = calloc(c->cfg.max_nodes, sizeof(*c->nodes));
	c->hash = calloc(cap, sizeof(*c->hash));
	if (!c->nodes || !c->hash)
		return -ENOMEM;
	c->hash_mask = cap - 1;
	c->spf_next_refresh = UINT64_MAX;
	self = node_add(c, &c->cfg.id);
	c->nodes[self].joined = c->nodes[self].has_lsa = true;
	c->nodes[self].addr = c->cfg.addr;
	c->nodes[self].role = MMS_ROLE_MA;
	return 0;
}

void ma_free(struct mms_core *c)
{
	for (__u32 i = 0; c->nodes && i < c->nnodes; i++)
		free(c->nodes[i].nbr);
	free(c->nodes);
	free(c->hash);
	graph_free(&c->g);
	graph_alts_free(&c->alts);
}

unsigned ma_topo_nodes(const struct mms_core *c)
{
	unsigned n = 0;

	for (__u32 i = 0; i < c->nnodes; i++)
		n += c->nodes[i].has_lsa;
	return n;
}

void ma_topology_changed(struct mms_core *c)
{
	__u64 soon = c->beacon_last + c->cfg.beacon_min_ms * NS_PER_MS;

	c->topo_dirty = true;
	if (soon < c->now)
		soon = c->now;
	if (soon < c->beacon_next) {
		c->beacon_next = soon;
		c->beacon_periodic = false;	/* goes at once, news for everyone */
	}
}

/* New epoch: every route is sealed again at the next computation. */
void ma_rebuild_all(struct mms_core *c)
{
	for (__u32 x = 0; x < c->nnodes; x++)
		c->nodes[x].refresh_at = 0;
	c->topo_dirty = true;
}

static void node_event(struct mms_core *c, const struct topo_node *n, enum core_event_kind k)
{
	struct core_event e = { .kind = k, .node = &n->id, .name = n->name, .addr = &n->addr };

	core_event(c, &e);
}

/* ---- messages in ---- */

void ma_rx_ack(struct mms_core *c, const struct msg_ack *m, const __u8 *body, size_t blen)
{
	struct topo_node *n;
	__u32 x;

	if (!mms_id_eq(&m->ma, &c->cfg.id)) {
		core_refuse(c, CORE_S_RX_NOT_MINE, 0, &m->cm, "ack for another MA");
		return;
	}
	if (core_verify(c, MMS_T_BEACON_ACK, &m->cm, body, blen, &m->auth)) {
		core_refuse(c, CORE_S_RX_AUTH, 0, &m->cm, "beacon ack");
		return;
	}
	if (!core_may_join(c, &m->cm, m->role)) {
		core_refuse(c, CORE_S_JOIN_REFUSED, 0, &m->cm, "beacon ack");
		return;
	}
	x = node_add(c, &m->cm);
	if (x == NODE_NONE)
		return;
	n = &c->nodes[x];
	if (n->sig && memcmp(&n->addr, &m->cm_addr, sizeof(n->addr))) {
		core_put_routes(c, &n->addr, NULL, 0, NULL, NULL);	/* readdressed: routes move */
		n->sig = 0;
		c->topo_dirty = true;
	}
	n->joined = true;
	n->addr = m->cm_addr;
	n->role = m->role;
	core_count(c, CORE_S_ACK_RX);
}

void ma_rx_lsa(struct mms_core *c, const struct msg_lsa *m, const __u8 *body, size_t blen)
{
	struct msg_lsa_nbr *nb;
	struct topo_node *n;
	__u32 x;

	if (core_verify(c, MMS_T_LSA, &m->origin, body, blen, &m->auth)) {
		core_refuse(c, CORE_S_RX_AUTH, 0, &m->origin, "LSA seq %u", m->seq);
		return;
	}
	x = node_find(c, &m->origin);
	if (x == NODE_NONE || !c->nodes[x].joined || mms_id_eq(&m->origin, &c->cfg.id)) {
		core_refuse(c, CORE_S_LSA_UNKNOWN, 0, &m->origin, "LSA seq %u", m->seq);
		return;
	}
	n = &c->nodes[x];
	if (n->has_lsa && m->seq < n->lsa_seq) {
		core_refuse(c, CORE_S_LSA_OLD, 0, &m->origin, "seq %u, holding %u", m->seq,
			    n->lsa_seq);
		return;
	}
	if (n->has_lsa && m->seq == n->lsa_seq) {
		/* A refresh, or our CONTROL was lost: keep it alive, answer again. */
		core_count(c, CORE_S_LSA_DUP);
		n->lsa_rx = c->now;
		n->need_control = c->owed = true;
		return;
	}
	nb = realloc(n->nbr, (m->nnbr + 1u) * sizeof(*nb));
	if (!nb)
		return;
	memcpy(nb, m->nbr, m->nnbr * sizeof(*nb));
	n->nbr = nb;
	n->nnbr = m->nnbr;
	n->has_lsa = true;
	n->lsa_seq = m->seq;
	n->lsa_rx = c->now;
	n->addr = m->addr;
	memcpy(n->name, m->name, sizeof(n->name));
	n->role = m->role;
	n->need_control = c->owed = true;
	core_count(c, CORE_S_LSA_RX);
	ma_topology_changed(c);
	if (c->ops.auth && c->ops.auth->lsa)
		c->ops.auth->lsa(c->ops.auth->ctx, m);
}

void ma_rx_notify(struct mms_core *c, const struct msg_notify *m, const __u8 *body, size_t blen)
{
	char id[MMS_ID_STR];
	struct topo_node *n;
	__u32 x;

	if (core_verify(c, MMS_T_NOTIFY, &m->origin, body, blen, &m->auth)) {
		core_refuse(c, CORE_S_RX_AUTH, 0, &m->origin, "notify seq %u", m->seq);
		return;
	}
	x = node_find(c, &m->origin);
	if (x == NODE_NONE || !c->nodes[x].joined) {
		core_refuse(c, CORE_S_LSA_UNKNOWN, 0, &m->origin, "notify seq %u", m->seq);
		return;
	}
	n = &c->nodes[x];
	if (n->notify_any && m->seq <= n->notify_seq) {
		core_refuse(c, CORE_S_NOTIFY_OLD, 0, &m->origin, "seq %u after %u", m->seq,
			    n->notify_seq);
		return;
	}
	n->notify_any = true;
	n->notify_seq = m->seq;
	core_count(c, CORE_S_NOTIFY_RX);
	core_logf(c, MMS_LOG_DEBUG, "notify from %s: kind %u port %u", mms_id_str(&m->origin, id),
		  m->kind, m->port);
	{
		struct core_event e = { .kind = CORE_EV_REPORT, .node = &m->origin,
					.name = n->name, .addr = &m->addr, .port = m->port,
					.report = m->kind };

		if (!mms_id_is_zero(&m->nbr))
			e.peer = &m->nbr;
		core_event(c, &e);
	}
	/* It could not reach somewhere: give it a fresh set of routes. */
	if (m->kind != MMS_NOTIFY_NBR_DOWN)
		n->need_control = c->owed = true;
}

/* ---- beacons ---- */

/* The last beacon, with our (LAST) hop for port q sealed in front. */
static void beacon_out(struct mms_core *c, __u16 q)
{
	struct mms_hop hop;
	__u8 n = 0;

	if (mms_beacon_push_hop(&hop, &n, c->key, 0, q, c->beacon_expiry, c->beacon_tag)) {
		core_count(c, CORE_S_SEAL_FAIL);
		return;
	}
	core_send_link(c, q, c->port[q].nmac, MMS_T_BEACON, &hop, 1, c->cfg.epoch,
		       c->beacon_expiry, c->beacon_tag, c->beacon_body, c->beacon_len);
	core_count(c, CORE_S_BEACON_SENT);
}

static void send_beacons(struct mms_core *c)
{
	struct msg_beacon b;
	struct msg_auth a;
	__u64 r = core_rand(c);
	int len;

	if (!c->have_key) {
		core_refuse(c, CORE_S_NO_KEY, 0, &c->cfg.id, "cannot seal beacons");
		return;
	}
	memset(&b, 0, sizeof(b));
	b.ma = c->cfg.id;
	b.ma_addr = c->cfg.addr;
	b.ts_ms = core_unix_ms(c);
	b.seq = ++c->beacon_seq;
	b.npath = 1;
	b.path[0] = c->cfg.id;
	core_auth_init(c, MMS_T_BEACON, &b.auth);
	c->beacon_len = 0;
	len = msg_beacon_build(c->beacon_body, sizeof(c->beacon_body), &b, &a);
	if (len < 0 || core_sign(c, MMS_T_BEACON, NULL, c->beacon_body, &a))
		return;
	c->beacon_len = (__u16)len;
	c->beacon_expiry = (__u32)(core_unix_s(c) + c->cfg.beacon_ttl_s);
	memcpy(c->beacon_tag, &r, 4);
	for (__u16 q = 1; q <= c->max_port; q++)
		if (core_port_up(c, q))
			beacon_out(c, q);
}

void ma_beacon_to(struct mms_core *c, __u16 port)
{
	/* Signed moments ago (beacon_ms): still fresh for any receiver. */
	if (c->cfg.role == MMS_ROLE_MA && c->beacon_len && c->have_key &&
	    c->beacon_expiry > core_unix_s(c))
		beacon_out(c, port);
}

/* ---- routes ---- */

/* The neighbour list of node x: an LSA's, or our own ports for ourselves. */
static unsigned nbr_list(struct mms_core *c, __u32 x, const struct msg_lsa_nbr **out,
			 struct msg_lsa_nbr *own)
{
	unsigned n = 0;

	if (!mms_id_eq(&c->nodes[x].id, &c->cfg.id)) {
		*out = c->nodes[x].nbr;
		return c->nodes[x].nnbr;
	}
	for (__u16 p = 1; p <= c->max_port; p++)
		if (core_port_up(c, p))
			own[n++] = (struct msg_lsa_nbr){ c->port[p].nid, p, c->port[p].nport, 1 };
	*out = own;
	return n;
}

static int lists(const struct msg_lsa_nbr *l, unsigned n, const struct mms_id *id, __u16 port,
		 __u16 peer_port)
{
	for (unsigned i = 0; i < n; i++)
		if (l[i].port == port && l[i].peer_port == peer_port && mms_id_eq(&l[i].id, id))
			return 1;
	return 0;
}

/* Graph of every node with an LSA, two-way links only. gnode[g] = table index. */
static int build_graph(struct mms_core *c, __u32 *gnode, __u32 *self_g)
{
	static struct msg_lsa_nbr own_a[MMS_MAX_PORTS], own_b[MMS_MAX_PORTS];
	struct graph_edge *e = NULL;
	__u32 ng = 0, ne = 0, cap = 0;
	struct graph raw;
	int rc;

	for (__u32 x = 0; x < c->nnodes; x++) {
		c->nodes[x].gidx = NODE_NONE;
		if (c->nodes[x].has_lsa) {
			c->nodes[x].gidx = ng;
			gnode[ng++] = x;
		}
	}
	for (__u32 x = 0; x < c->nnodes; x++) {
		const struct msg_lsa_nbr *la, *lb;
		unsigned na, nb;

		if (c->nodes[x].gidx == NODE_NONE)
			continue;
		na = nbr_list(c, x, &la, own_a);
		for (unsigned i = 0; i < na; i++) {
			__u32 y = node_find(c, &la[i].id);

			/* Each link once, from its lower-numbered end, if both ends agree. */
			if (y == NODE_NONE || c->nodes[y].gidx == NODE_NONE ||
			    c->nodes[y].gidx <= c->nodes[x].gidx)
				continue;
			nb = nbr_list(c, y, &lb, own_b);
			if (!lists(lb, nb, &c->nodes[x].id, la[i].peer_port, la[i].port))
				continue;
			if (ne == cap) {
				void *p = realloc(e, (cap = cap ? 2 * cap : 256) * sizeof(*e));

				if (!p) {
					free(e);
					return -ENOMEM;
				}
				e = p;
			}
			e[ne++] = (struct graph_edge){ c->nodes[x].gidx, c->nodes[y].gidx,
						       la[i].port, la[i].peer_port, la[i].cost };
		}
	}
	rc = graph_build(&raw, ng, e, ne);
	free(e);
	if (rc)
		return rc;
	{
		__u32 *perm = malloc(((size_t)ng + 1) * sizeof(*perm)), *tmp;
		__u32 self = c->nodes[node_find(c, &c->cfg.id)].gidx;

		tmp = malloc(((size_t)ng + 1) * sizeof(*tmp));
		graph_free(&c->g);
		rc = perm && tmp ? graph_reorder_bfs(&raw, self, &c->g, perm) : -ENOMEM;
		if (!rc) {
			for (__u32 i = 0; i < ng; i++)
				tmp[perm[i]] = gnode[i];
			memcpy(gnode, tmp, ng * sizeof(*gnode));
			for (__u32 i = 0; i < ng; i++)
				c->nodes[gnode[i]].gidx = i;
			*self_g = perm[self];
		}
		free(perm);
		free(tmp);
	}
	graph_free(&raw);
	return rc;
}

/* The nodes along arcs, from the first arc's head to the last's: their ids
 * and ports make the signature of a path, stable across graph rebuilds. */
static __u64 path_sig(const struct mms_core *c, const __u32 *gnode, const __u32 *arcs, unsigned h,
		      __u64 sig)
{
	for (unsigned i = 0; i < h; i++) {
		__u16 ports[2] = { c->g.port[arcs[i]], c->g.peer_port[arcs[i]] };

		sig = core_hash(sig, ports, sizeof(ports));
		sig = core_hash(sig, &c->nodes[gnode[c->g.to[arcs[i]]]].id, sizeof(struct mms_id));
	}
	return core_hash(sig, &h, sizeof(h));
}

/* One onion route along arcs (forward), or back along them (reverse). */
static int seal_path(struct mms_core *c, const __u32 *gnode, const __u32 *arcs, unsigned h,
		     bool reverse, struct mms_route *rt)
{
	struct mms_hop_spec spec[MMS_MAX_HOPS];
	__u8 keys[MMS_MAX_HOPS][MMS_KEY_LEN], tag[4];
	__u32 a[MMS_MAX_HOPS];
	__u64 r = core_rand(c);
	int rc = 0;

	for (unsigned i = 0; i < h; i++)
		a[i] = reverse ? c->g.rev[arcs[h - 1 - i]] : arcs[i];
	for (unsigned i = 0; i < h && !rc; i++) {
		const struct mms_id *id = &c->nodes[gnode[c->g.to[a[i]]]].id;

		rc = core_key_of(c, id, keys[i]);
		if (rc)
			core_refuse(c, CORE_S_NO_KEY, 0, id, "epoch %u", c->cfg.epoch);
		spec[i].key = keys[i];
		spec[i].ingress = c->g.peer_port[a[i]];
		spec[i].egress = i + 1 < h ? c->g.port[a[i + 1]] : 0;
	}
	memcpy(tag, &r, 4);
	if (!rc) {
		rc = mms_route_build(rt, c->g.port[a[0]], spec, (int)h, c->cfg.epoch,
				     (__u32)(core_unix_s(c) + c->cfg.route_ttl_s), tag);
		if (rc)
			core_count(c, CORE_S_SEAL_FAIL);
	}
	memset(keys, 0, sizeof(keys));
	return rc;
}

static void send_control(struct mms_core *c, struct topo_node *n, const struct mms_route *fwd,
			 unsigned nf, const struct mms_route *rev, unsigned nr)
{
	__u8 body[MMS_BODY_MAX];
	struct msg_control *k = calloc(1, sizeof(*k));
	struct msg_auth a;
	int len;

	if (!k)
		return;
	k->ma = c->cfg.id;
	k->cm = n->id;
	k->dst = c->cfg.addr;
	k->seq = ++c->ctl_seq;
	k->lsa_seq = n->lsa_seq;
	k->op = MMS_CTL_ROUTES;
	k->flags = MMS_CTL_F_DEFAULT;
	k->nroutes = (__u8)nr;
	memcpy(k->r, rev, nr * sizeof(*rev));
	core_auth_init(c, MMS_T_CONTROL, &k->auth);
	len = msg_control_build(body, sizeof(body), k, &a);
	if (len > 0 && !core_sign(c, MMS_T_CONTROL, &n->id, body, &a) &&
	    !core_send_routed(c, fwd, nf, MMS_T_CONTROL, body, (size_t)len, &n->id))
		core_count(c, CORE_S_CONTROL_SENT);
	free(k);
}


static int port_taken(const struct mms_route *r, unsigned n, __u16 port)
{
	for (unsigned i = 0; i < n; i++)
		if (r[i].port == port)
			return 1;
	return 0;
}

/*
 * Seal and install the routes to node n (graph index d), and tell it its
 * own. Each set keeps one route per first hop (ours for the forward set,
 * the node's for the reverse one): the datapath takes the first route whose
 * first hop is up, so another on the same port would never be used.
 */
static void build_routes(struct mms_core *c, const __u32 *gnode, struct topo_node *n, __u32 d)
{
	struct mms_route fwd[MMS_MAX_ALT], rev[MMS_MAX_ALT];
	unsigned nf = 0, nr = 0;
	int rc;

	n->key_missing = false;
	for (unsigned j = 0; j < c->alts.npaths[d]; j++) {
		__u32 arcs[GRAPH_MAX_HOPS];
		unsigned h = graph_alts_path(&c->g, &c->alts, d, j, arcs, GRAPH_MAX_HOPS);

		if (!h || h > MMS_MAX_HOPS) {
			core_count(c, CORE_S_ROUTE_TOO_LONG);
			continue;
		}
		if (!port_taken(fwd, nf, c->g.port[arcs[0]])) {
			rc = seal_path(c, gnode, arcs, h, false, &fwd[nf]);
			nf += !rc;
			n->key_missing |= rc == -ENOKEY;
		}
		if (!port_taken(rev, nr, c->g.peer_port[arcs[h - 1]])) {
			rc = seal_path(c, gnode, arcs, h, true, &rev[nr]);
			nr += !rc;
			n->key_missing |= rc == -ENOKEY;
		}
	}
	core_count(c, CORE_S_ROUTES_BUILT);
	/* Another MA checks what we send it by our address, as from a CM. */
	core_put_routes(c, &n->addr, nf ? fwd : NULL, nf,
			n->role == MMS_ROLE_MA ? NULL : &n->id, &n->id);
	if (nf && nr)
		send_control(c, n, fwd, nf, rev, nr);
	n->need_control = false;
}

static int alts_room(struct mms_core *c)
{
	if (c->alts_n >= c->g.n && c->alts_links >= c->g.nlinks)
		return 0;
	graph_alts_free(&c->alts);
	c->alts_n = 2 * c->g.n + 16;
	c->alts_links = 2 * c->g.nlinks + 16;
	if (graph_alts_init(&c->alts, c->alts_n, c->alts_links)) {
		c->alts_n = c->alts_links = 0;
		return -ENOMEM;
	}
	return 0;
}

static void compute(struct mms_core *c)
{
	__u32 *gnode = malloc(((size_t)c->nnodes + 1) * sizeof(*gnode)), self_g = 0;
	__u64 ttl = c->cfg.route_ttl_s * NS_PER_S;

	c->topo_dirty = c->owed = false;
	c->spf_last = c->now;
	c->spf_next_refresh = UINT64_MAX;
	if (!gnode || build_graph(c, gnode, &self_g) || alts_room(c) ||
	    graph_alts_compute(&c->g, self_g, c->cfg.k_alt + 1, MMS_MAX_HOPS, 0, &c->alts)) {
		core_logf(c, MMS_LOG_ERR, "route computation failed: out of memory");
		free(gnode);
		return;
	}
	core_count(c, CORE_S_SPF_RUNS);
	for (__u32 x = 0; x < c->nnodes; x++) {
		struct topo_node *n = &c->nodes[x];
		__u32 d = n->gidx;
		__u64 sig = 0x84222325cbf29ce4ull;

		if (mms_id_eq(&n->id, &c->cfg.id))
			continue;
		if (d != NODE_NONE && n->joined)
			for (unsigned j = 0; j < c->alts.npaths[d]; j++) {
				__u32 arcs[GRAPH_MAX_HOPS];
				unsigned h = graph_alts_path(&c->g, &c->alts, d, j, arcs,
							     GRAPH_MAX_HOPS);

				sig = path_sig(c, gnode, arcs, h, sig);
			}
		if (d == NODE_NONE || !n->joined || !c->alts.npaths[d]) {
			if (n->sig) {	/* it was reachable: withdraw */
				core_put_routes(c, &n->addr, NULL, 0, NULL, NULL);
				n->sig = 0;
				node_event(c, n, CORE_EV_NODE_DOWN);
			}
			continue;
		}
		sig |= 1;
		if (!n->sig)
			node_event(c, n, CORE_EV_NODE_UP);
		if (sig != n->sig || c->now >= n->refresh_at || n->need_control) {
			build_routes(c, gnode, n, d);
			n->sig = sig;
			n->refresh_at = c->now + ttl / 2;
		}
		if (n->refresh_at < c->spf_next_refresh)
			c->spf_next_refresh = n->refresh_at;
	}
	free(gnode);
	core_auth_routes(c, NULL);
}

/* The last computation's graph index -> table index (free it), or NULL. */
static __u32 *gnode_map(const struct mms_core *c)
{
	__u32 *gnode = malloc(((size_t)c->g.n + 1) * sizeof(*gnode));

	for (__u32 y = 0; gnode && y < c->nnodes; y++)
		if (c->nodes[y].gidx != NODE_NONE && c->nodes[y].gidx < c->g.n)
			gnode[c->nodes[y].gidx] = y;
	return gnode;
}

/* CONTROLs owed without a topology change: rebuild from the last computation. */
static void pending_controls(struct mms_core *c)
{
	__u32 *gnode = NULL;

	c->owed = false;
	for (__u32 x = 0; x < c->nnodes; x++) {
		struct topo_node *n = &c->nodes[x];
		__u32 d = n->gidx;

		if (!n->need_control)
			continue;
		n->need_control = false;
		if (d == NODE_NONE || d >= c->g.n || !n->sig || !c->alts.npaths[d])
			continue;
		if (!gnode && !(gnode = gnode_map(c)))
			return;
		build_routes(c, gnode, n, d);
	}
	free(gnode);
}

/* For the security layer: a message to a node behind other nodes. Routes
 * are sealed afresh along the last computation's paths and not kept: this
 * is rare (a handshake relay), and keeping every node's forward set would
 * cost a kilobyte per node. */
int ma_send_to(struct mms_core *c, const struct mms_id *id, __u8 type, const __u8 *body,
	       size_t len)
{
	struct mms_route fwd[MMS_MAX_ALT];
	__u32 x = node_find(c, id), d, *gnode;
	unsigned nf = 0;

	if (x == NODE_NONE || !c->nodes[x].joined)
		return -EOPNOTSUPP;
	d = c->nodes[x].gidx;
	if (d == NODE_NONE || d >= c->g.n || !c->alts.npaths[d] || !(gnode = gnode_map(c))) {
		core_refuse(c, CORE_S_NO_ROUTE, 0, id, "%s: not in the last computation",
			    mms_type_name(type));
		return -ENETUNREACH;
	}
	for (unsigned j = 0; j < c->alts.npaths[d] && nf < MMS_MAX_ALT; j++) {
		__u32 arcs[GRAPH_MAX_HOPS];
		unsigned h = graph_alts_path(&c->g, &c->alts, d, j, arcs, GRAPH_MAX_HOPS);

		if (h && h <= MMS_MAX_HOPS && !port_taken(fwd, nf, c->g.port[arcs[0]]) &&
		    !seal_path(c, gnode, arcs, h, false, &fwd[nf]))
			nf++;
	}
	free(gnode);
	return core_send_routed(c, fwd, nf, type, body, len, id);
}

void ma_keys_changed(struct mms_core *c, bool all)
{
	if (all) {
		ma_rebuild_all(c);
		return;
	}
	for (__u32 x = 0; x < c->nnodes; x++)
		if (c->nodes[x].key_missing) {
			c->nodes[x].refresh_at = 0;
			c->topo_dirty = true;
		}
}

int ma_forget(struct mms_core *c, const struct mms_id *id)
{
	__u32 x = node_find(c, id);
	struct topo_node *n;

	if (x == NODE_NONE || mms_id_eq(id, &c->cfg.id))
		return -ENOENT;
	n = &c->nodes[x];
	if (n->sig) {
		core_put_routes(c, &n->addr, NULL, 0, NULL, NULL);
		node_event(c, n, CORE_EV_NODE_DOWN);
	}
	n->sig = 0;
	n->joined = n->has_lsa = n->need_control = n->key_missing = false;
	n->nnbr = 0;
	ma_topology_changed(c);
	return 0;
}

static void age_lsas(struct mms_core *c)
{
	__u64 max_age = c->cfg.lsa_max_age_ms * NS_PER_MS;

	for (__u32 x = 0; x < c->nnodes; x++) {
		struct topo_node *n = &c->nodes[x];

		if (!n->has_lsa || mms_id_eq(&n->id, &c->cfg.id) || c->now < n->lsa_rx + max_age)
			continue;
		core_refuse(c, CORE_S_LSA_AGED, 0, &n->id, "seq %u not refreshed", n->lsa_seq);
		n->has_lsa = false;
		n->nnbr = 0;
		c->topo_dirty = true;
	}
	c->age_next = c->now + max_age / 8 + 1;
}

/*
 * How long computations are held apart. A computation costs about 1 us per
 * node here (graph, shortest paths and alternates; 0.6 ms at 1,000 nodes,
 * docs/control-plane.md), plus sealing the routes that changed. Holding
 * spf_hold_node_us (10) per node keeps route computation near a tenth of a
 * core while changes keep coming, up to spf_hold_ms for large networks,
 * while a small network, which bootstraps ring by ring and waits for one
 * computation per ring, is held ~100 us instead of 10 ms.
 */
static __u64 spf_hold(const struct mms_core *c)
{
	__u64 cap = (__u64)c->cfg.spf_hold_ms * NS_PER_MS,
	      h = (__u64)c->nnodes * c->cfg.spf_hold_node_us * 1000;

	return c->cfg.spf_hold_node_us && h < cap ? h : cap;
}

/*
 * When the next beacon goes. One brought forward by a change goes at once;
 * a periodic one waits for the hello tick that follows it, if that comes
 * within a quarter of beacon_ms (and one hello interval, which it always
 * does), so that an MA wakes up once for both rather than ten more times a
 * second: beacons then go every 100-117 ms rather than 100 (with 15 ms
 * hellos), which every receiver's ma_dead_ms (400) allows for.
 */
static __u64 ma_beacon_at(const struct mms_core *c)
{
	__u64 cap = (__u64)c->cfg.beacon_ms * NS_PER_MS / 4, i = c->cfg.hello_ms * NS_PER_MS;

	if (i + i / 8 < cap)
		cap = i + i / 8;
	if (!c->beacon_periodic)
		return c->beacon_next;
	if (c->hello_last >= c->beacon_next)	/* that tick is being served */
		return c->hello_last;
	if (c->hello_next > c->beacon_next && c->hello_next - c->beacon_next <= cap)
		return c->hello_next;
	return c->beacon_next;
}

void ma_tick(struct mms_core *c)
{
	if (c->now >= ma_beacon_at(c)) {
		send_beacons(c);
		c->beacon_last = c->now;
		c->beacon_next = c->now + c->cfg.beacon_ms * NS_PER_MS;
		c->beacon_periodic = true;
	}
	if (c->now >= c->age_next)
		age_lsas(c);
	if (c->now >= c->spf_next_refresh)
		c->topo_dirty = true;
	if (c->topo_dirty && c->now >= c->spf_last + spf_hold(c))
		compute(c);
	else if (!c->topo_dirty && c->owed)
		pending_controls(c);
}

__u64 ma_next_event(const struct mms_core *c)
{
	__u64 t = ma_beacon_at(c);

	if (c->age_next < t)
		t = c->age_next;
	if (c->spf_next_refresh < t)
		t = c->spf_next_refresh;
	if (c->topo_dirty && c->spf_last + spf_hold(c) < t)
		t = c->spf_last + spf_hold(c);
	if (!c->topo_dirty && c->owed)
		t = c->now;
	return t;
}

int core_lookup_name(const struct mms_core *c, const char *name, struct mms_addr *a)
{
	if (!strcasecmp(name, c->cfg.name)) {
		*a = c->cfg.addr;
		return 0;
	}
	for (__u32 i = 0; c->nodes && i < c->cfg.max_nodes; i++) {
		const struct topo_node *n = &c->nodes[i];

		if (n->used && n->has_lsa && n->name[0] && !strcasecmp(n->name, name)) {
			*a = n->addr;
			return 0;
		}
	}
	return -ENOENT;
}
