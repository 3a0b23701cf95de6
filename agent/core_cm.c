// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The CM half, run by every node for every MA it hears (an MA runs it for
 * the other MAs):
 *  - beacons: take the first copy of each (MA, seq) whose path is loop-free
 *    and fresh, cache its hop fields as the reverse route to the MA (later
 *    copies of the same seq arriving on other ports become backups), ack it
 *    over that route when something changed (first beacon, new LSA seq) and
 *    at least every ack_ms, and re-flood it with our own hop pushed in front
 *    (one sealed hop per outgoing port);
 *  - LSAs: our neighbours (ports on both sides) to every MA on its first
 *    beacon and after every neighbour change (coalesced lsa_delay_ms),
 *    resent every lsa_retx_ms until a CONTROL acknowledges the sequence
 *    number, and every lsa_refresh_ms after that;
 *  - routes: what the MA computed (CONTROL) first, then beacon reverse
 *    routes on other first-hop ports, as mms_routes[MA address]; the
 *    default route (all-zero key) is the set of the lowest-id live MA, which
 *    relays CM-to-CM traffic;
 *  - an MA silent for ma_dead_ms is dropped with its routes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "core_priv.h"

static unsigned ma_routes(const struct mms_core *c, const struct core_ma *m,
			  struct mms_route *out);

static struct core_ma *ma_find(struct mms_core *c, const struct mms_id *id)
{
	for (__u32 i = 0; i < c->cfg.max_mas; i++)
		if (c->mas[i].used && mms_id_eq(&c->mas[i].id, id))
			return &c->mas[i];
	return NULL;
}

/* Send body to MA id over our routes to it: 0, -ENETUNREACH, -EOPNOTSUPP. */
int cm_send_to_ma(struct mms_core *c, const struct mms_id *id, __u8 type, const __u8 *body,
		  size_t len)
{
	struct mms_route r[MMS_MAX_ALT];
	struct core_ma *m = ma_find(c, id);

	if (!m)
		return -EOPNOTSUPP;
	return core_send_routed(c, r, ma_routes(c, m, r), type, body, len, id);
}

static void send_ack(struct mms_core *c, struct core_ma *m);

void cm_auth_ready(struct mms_core *c, const struct mms_id *id)
{
	struct core_ma *m = ma_find(c, id);

	if (!m)
		return;
	if (m->nrev)
		send_ack(c, m);
	m->lsa_next = c->now;
}

unsigned cm_ma_count(const struct mms_core *c)
{
	unsigned n = 0;

	for (__u32 i = 0; i < c->cfg.max_mas; i++)
		n += c->mas[i].used;
	return n;
}

static int route_live(const struct mms_core *c, const struct mms_route *r)
{
	return r->port && r->port < MMS_MAX_PORTS && c->port[r->port].configured &&
	       ntohl(r->expiry) > core_unix_s(c);
}

/* Append r unless expired or leaving by a port already used: the datapath
 * takes the first route whose first hop is up, so a second route on the same
 * first port would never be used. */
static unsigned add_distinct(const struct mms_core *c, struct mms_route *out, unsigned n,
			     const struct mms_route *r)
{
	for (unsigned j = 0; j < n; j++)
		if (out[j].port == r->port)
			return n;
	if (n < MMS_MAX_ALT && route_live(c, r))
		out[n++] = *r;
	return n;
}

/* The routes to MA m in order of preference: the MA's own (CONTROL), then
 * beacon reverse routes, distinct first hops only. */
static unsigned ma_routes(const struct mms_core *c, const struct core_ma *m,
			  struct mms_route *out)
{
	unsigned n = 0;

	for (unsigned i = 0; (m->have_ctl || m->ctl_adopted) && i < m->nctl; i++)
		n = add_distinct(c, out, n, &m->ctl[i]);
	for (unsigned i = 0; i < m->nrev; i++)
		n = add_distinct(c, out, n, &m->rev[i]);
	return n;
}

static __u64 set_sig(const struct mms_route *r, unsigned n)
{
	__u64 h = 0xcbf29ce484222325ull;

	/* The route header is enough: the tag is random per route. */
	for (unsigned i = 0; i < n; i++)
		h = core_hash(h, &r[i], 12);
	return n ? h | 1 : 0;
}

static void put_routes(struct mms_core *c, const struct mms_addr *dst, const struct mms_route *r,
		       unsigned n, __u64 *sig)
{
	__u64 s = set_sig(r, n);

	if (s == *sig)
		return;
	*sig = s;
	core_put_routes(c, dst, r, n, NULL, NULL);
}

/* The default route follows the live MA with the lowest id. */
static void update_default(struct mms_core *c)
{
	struct mms_route r[MMS_MAX_ALT];
	const struct core_ma *best = NULL;
	struct mms_addr zero;
	unsigned n = 0;

	for (__u32 i = 0; i < c->cfg.max_mas; i++) {
		const struct core_ma *m = &c->mas[i];

		if (m->used && m->installed_sig &&
		    (!best || memcmp(&m->id, &best->id, sizeof(m->id)) < 0))
			best = m;
	}
	if (best)
		n = ma_routes(c, best, r);
	memset(&zero, 0, sizeof(zero));
	put_routes(c, &zero, r, n, &c->default_sig);
}

/* An MA's own routes come from its SPF; only a CM installs these. */
static void install(struct mms_core *c, struct core_ma *m)
{
	struct mms_route r[MMS_MAX_ALT];

	unsigned n;

	if (c->cfg.role != MMS_ROLE_CM)
		return;
	n = ma_routes(c, m, r);
	m->expire_at = UINT32_MAX;
	for (unsigned i = 0; i < n; i++)
		if (ntohl(r[i].expiry) < m->expire_at)
			m->expire_at = ntohl(r[i].expiry);
	put_routes(c, &m->addr, r, n, &m->installed_sig);
	update_default(c);
}

static void ma_event(struct mms_core *c, const struct core_ma *m, enum core_event_kind k)
{
	struct core_event e = { .kind = k, .peer = &m->id, .addr = &m->addr };

	core_event(c, &e);
}

static void drop_ma(struct mms_core *c, struct core_ma *m)
{
	char id[MMS_ID_STR];

	core_logf(c, MMS_LOG_WARN, "MA %s lost: no beacon for %u ms", mms_id_str(&m->id, id),
		  c->cfg.ma_dead_ms);
	c->stats[CORE_S_MA_LOST]++;
	ma_event(c, m, CORE_EV_MA_DOWN);
	if (c->cfg.role == MMS_ROLE_CM)
		put_routes(c, &m->addr, NULL, 0, &m->installed_sig);
	memset(m, 0, sizeof(*m));
	update_default(c);
}

static void send_lsa(struct mms_core *c, struct core_ma *m)
{
	__u8 body[MMS_BODY_MAX];
	struct mms_route r[MMS_MAX_ALT];
	struct msg_lsa l;
	struct msg_auth a;
	int len;

	memset(&l, 0, sizeof(l));
	l.origin = c->cfg.id;
	l.addr = c->cfg.addr;
	l.seq = c->lsa_seq;
	l.role = c->cfg.role;
	memcpy(l.name, c->cfg.name, sizeof(l.name) - 1);
	for (__u16 p = 1; p <= c->max_port; p++) {
		if (!core_port_up(c, p))
			continue;
		if (l.nnbr == MSG_LSA_MAX_NBR) {
			core_refuse(c, CORE_S_LSA_TRUNCATED, p, &c->port[p].nid,
				    "more than %d neighbours", MSG_LSA_MAX_NBR);
			break;
		}
		l.nbr[l.nnbr].id = c->port[p].nid;
		l.nbr[l.nnbr].port = p;
		l.nbr[l.nnbr].peer_port = c->port[p].nport;
		l.nbr[l.nnbr].cost = 1;
		l.nnbr++;
	}
	core_auth_init(c, MMS_T_LSA, &l.auth);
	len = msg_lsa_build(body, sizeof(body), &l, &a);
	m->lsa_next = c->now + (m->lsa_any_ack && m->lsa_acked == c->lsa_seq ?
				c->cfg.lsa_refresh_ms : c->cfg.lsa_retx_ms) * NS_PER_MS;
	if (len < 0 || core_sign(c, MMS_T_LSA, &m->id, body, &a))
		return;
	if (!core_send_routed(c, r, ma_routes(c, m, r), MMS_T_LSA, body, (size_t)len, &m->id))
		c->stats[CORE_S_LSA_SENT]++;
}

static void send_ack(struct mms_core *c, struct core_ma *m)
{
	__u8 body[sizeof(struct mms_beacon_ack) + 4 + MMS_AUTH_MAX];
	struct msg_ack k;
	struct msg_auth a;
	int len;

	memset(&k, 0, sizeof(k));
	k.cm = c->cfg.id;
	k.ma = m->id;
	k.cm_addr = c->cfg.addr;
	k.beacon_seq = m->seq;
	k.lsa_seq = c->lsa_seq;
	k.role = c->cfg.role;
	core_auth_init(c, MMS_T_BEACON_ACK, &k.auth);
	len = msg_ack_build(body, sizeof(body), &k, &a);
	if (len < 0 || core_sign(c, MMS_T_BEACON_ACK, &m->id, body, &a))
		return;
	if (!core_send_routed(c, &m->rev[0], 1, MMS_T_BEACON_ACK, body, (size_t)len, &m->id)) {
		m->last_ack = c->now;
		m->acked_lsa = c->lsa_seq;
	}
}

/*
 * An ack tells the MA we are here, at this address, with this LSA; one per
 * beacon would cost an MA of n nodes 10n MAC checks a second for nothing
 * new. So: the first beacon of an MA, a new LSA sequence number, and
 * otherwise one every ack_ms, which keeps a session seen (the security
 * layer re-keys a peer silent for SG_IDLE_MS, over three ack intervals).
 */
static bool ack_due(const struct mms_core *c, const struct core_ma *m)
{
	return !c->cfg.ack_ms || !m->last_ack || m->acked_lsa != c->lsa_seq ||
	       c->now >= m->last_ack + c->cfg.ack_ms * NS_PER_MS;
}

static void beacon_route(struct mms_route *r, __u16 port, const struct mms_hdr *h,
			 const struct mms_hop *hops)
{
	memset(r, 0, sizeof(*r));
	r->port = port;
	r->nhops = h->nhops;
	r->epoch = h->epoch;
	r->expiry = h->expiry;
	memcpy(r->tag, h->tag, 4);
	memcpy(r->hops, hops, (size_t)h->nhops * MMS_HOP_LEN);
}

/* Our hop in front, the beacon on to every other up neighbour not on its
 * path (only: one port, 0 = all). */
static void reflood(struct mms_core *c, __u16 in, const struct mms_hdr *h,
		    const struct mms_hop *hops, const struct msg_beacon *b, __u16 only)
{
	__u8 body[sizeof(struct mms_beacon) + (MMS_MAX_HOPS + 1) * 16 + 4 + MMS_AUTH_MAX];
	__u8 key[MMS_KEY_LEN];
	struct msg_beacon nb;
	int len;

	if (h->nhops >= MMS_MAX_HOPS) {
		core_refuse(c, CORE_S_BEACON_TOO_LONG, in, &b->ma, "%u hops", h->nhops);
		return;
	}
	/* The beacon's epoch, which is ours but for a moment around a key roll. */
	if (core_key_at(c, &c->cfg.id, h->epoch, key)) {
		core_refuse(c, CORE_S_NO_KEY, in, &c->cfg.id, "cannot seal a beacon hop (epoch %u)",
			    h->epoch);
		return;
	}
	/* The MA's authenticator is carried unchanged: it covers the MA's part. */
	nb = *b;
	nb.path[nb.npath++] = c->cfg.id;
	len = msg_beacon_build(body, sizeof(body), &nb, NULL);
	if (len < 0) {
		memset(key, 0, sizeof(key));
		return;
	}
	for (__u16 q = 1; q <= c->max_port; q++) {
		struct mms_hop out[MMS_MAX_HOPS];
		__u8 n = h->nhops;
		unsigned i = 0;

		if (q == in || !core_port_up(c, q) || (only && q != only))
			continue;
		while (i < b->npath && !mms_id_eq(&b->path[i], &c->port[q].nid))
			i++;
		if (i < b->npath)
			continue;	/* it is on the path: it would refuse the loop */
		memcpy(out, hops, (size_t)n * MMS_HOP_LEN);
		if (mms_beacon_push_hop(out, &n, key, in, q, ntohl(h->expiry), h->tag)) {
			core_count(c, CORE_S_SEAL_FAIL);
			continue;
		}
		core_send_link(c, q, c->port[q].nmac, MMS_T_BEACON, out, n, h->epoch,
			       ntohl(h->expiry), h->tag, body, (size_t)len);
		core_count(c, CORE_S_BEACON_FLOOD);
	}
	memset(key, 0, sizeof(key));
}

/* The checks every copy must pass, the first or not. 0 when it is usable. */
static int beacon_ok(struct mms_core *c, __u16 port, const struct mms_hdr *h,
		     const struct msg_beacon *b, const __u8 *body, size_t blen)
{
	const struct core_port *p = &c->port[port];
	__u64 now_ms = core_unix_ms(c);

	if (!core_port_up(c, port))
		return core_refuse(c, CORE_S_BEACON_NOT_NBR, port, &b->ma, "seq %u", b->seq), -1;
	if (mms_id_eq(&b->ma, &c->cfg.id))
		return core_count(c, CORE_S_BEACON_SELF), -1;
	if (b->npath != h->nhops || !mms_id_eq(&b->path[0], &b->ma) ||
	    !mms_id_eq(&b->path[b->npath - 1], &p->nid))
		return core_refuse(c, CORE_S_BEACON_PATH, port, &b->ma,
				   "%u ids for %u hop fields, or not from MA to sender",
				   b->npath, h->nhops), -1;
	for (unsigned i = 0; i < b->npath; i++) {
		if (mms_id_eq(&b->path[i], &c->cfg.id))
			return core_refuse(c, CORE_S_BEACON_LOOP, port, &b->ma,
					   "we are hop %u of its path", i), -1;
		for (unsigned j = 0; j < i; j++)
			if (mms_id_eq(&b->path[i], &b->path[j]))
				return core_refuse(c, CORE_S_BEACON_LOOP, port, &b->ma,
						   "path repeats hop %u at %u", j, i), -1;
	}
	if (core_verify(c, MMS_T_BEACON, &b->ma, body, blen, &b->auth))
		return core_refuse(c, CORE_S_RX_AUTH, port, &b->ma, "beacon seq %u", b->seq), -1;
	if (b->ts_ms > now_ms + c->cfg.max_skew_ms)
		return core_refuse(c, CORE_S_BEACON_FUTURE, port, &b->ma, "%llu ms ahead",
				   (unsigned long long)(b->ts_ms - now_ms)), -1;
	if (b->ts_ms + c->cfg.beacon_max_age_ms < now_ms)
		return core_refuse(c, CORE_S_BEACON_PAST, port, &b->ma, "%llu ms old",
				   (unsigned long long)(now_ms - b->ts_ms)), -1;
	if (ntohl(h->expiry) <= core_unix_s(c))
		return core_refuse(c, CORE_S_BEACON_EXPIRED, port, &b->ma, "seq %u", b->seq), -1;
	if (!core_may_join(c, &b->ma, MMS_ROLE_MA))
		return core_refuse(c, CORE_S_JOIN_REFUSED, port, &b->ma, "beacon"), -1;
	return 0;
}

int core_adopt_routes(struct mms_core *c, const struct mms_addr *dst, const struct mms_route *r,
		      unsigned n)
{
	struct core_adopted *a;

	if (c->started || !n || n > MMS_MAX_ALT)
		return -EINVAL;
	if (c->nadopted == c->cfg.max_mas)
		return -ENOSPC;
	if (!c->adopted && !(c->adopted = calloc(c->cfg.max_mas, sizeof(*c->adopted))))
		return -ENOMEM;
	a = &c->adopted[c->nadopted++];
	a->addr = *dst;
	a->n = (__u8)n;
	memcpy(a->r, r, n * sizeof(*r));
	return 0;
}

/* A newly heard MA whose routes a previous run left: used until its first
 * CONTROL, while they last (ma_routes takes only live ones). */
static void adopt_ctl(struct mms_core *c, struct core_ma *m)
{
	for (__u32 i = 0; i < c->nadopted; i++) {
		struct core_adopted *a = &c->adopted[i];

		if (memcmp(&a->addr, &m->addr, sizeof(a->addr)))
			continue;
		memcpy(m->ctl, a->r, a->n * sizeof(a->r[0]));
		m->nctl = a->n;
		m->ctl_adopted = true;
		*a = c->adopted[--c->nadopted];	/* used once */
		return;
	}
}

void cm_rx_beacon(struct mms_core *c, __u16 port, const struct mms_hdr *h,
		  const struct mms_hop *hops, const struct msg_beacon *b, const __u8 *body,
		  size_t blen)
{
	struct core_ma *m;
	char id[MMS_ID_STR];
	bool fresh = false;

	if (beacon_ok(c, port, h, b, body, blen))
		return;
	m = ma_find(c, &b->ma);
	if (m && b->seq == m->seq) {
		unsigned i = 0;

		core_count(c, CORE_S_BEACON_DUP);
		while (i < m->nrev && m->rev[i].port != port)
			i++;
		if (i == m->nrev && m->nrev < MMS_MAX_ALT) {
			beacon_route(&m->rev[m->nrev++], port, h, hops);
			install(c, m);
		}
		return;
	}
	if (m && b->seq < m->seq) {
		core_refuse(c, CORE_S_BEACON_OLD, port, &b->ma, "seq %u after %u", b->seq, m->seq);
		return;
	}
	if (!m) {
		for (__u32 i = 0; i < c->cfg.max_mas && !m; i++)
			if (!c->mas[i].used)
				m = &c->mas[i];
		if (!m) {
			core_refuse(c, CORE_S_MA_TABLE_FULL, port, &b->ma, "%u MAs held",
				    c->cfg.max_mas);
			return;
		}
		memset(m, 0, sizeof(*m));
		m->used = true;
		m->id = b->ma;
		fresh = true;
	}
	m->addr = b->ma_addr;
	if (fresh)
		adopt_ctl(c, m);
	m->seq = b->seq;
	m->last_beacon = c->now;
	core_count(c, CORE_S_BEACON_TAKEN);
	beacon_route(&m->rev[0], port, h, hops);
	m->nrev = 1;
	m->last = *b;
	if (fresh) {
		ma_event(c, m, CORE_EV_MA_UP);
		core_logf(c, MMS_LOG_INFO, "MA %s found on port %u, %u hops away",
			  mms_id_str(&m->id, id), port, h->nhops);
		m->lsa_next = c->now;	/* it needs our LSA: on the next tick */
	}
	if (ack_due(c, m))
		send_ack(c, m);
	install(c, m);
	reflood(c, port, h, hops, b, 0);
	core_auth_routes(c, &m->id);
}

void cm_rx_control(struct mms_core *c, const struct msg_control *k, const __u8 *body, size_t blen)
{
	struct core_ma *m;
	unsigned n = 0;

	if (!mms_id_eq(&k->cm, &c->cfg.id)) {
		core_refuse(c, CORE_S_RX_NOT_MINE, 0, &k->ma, "control for another node");
		return;
	}
	m = ma_find(c, &k->ma);
	if (!m) {
		core_refuse(c, CORE_S_CONTROL_UNKNOWN_MA, 0, &k->ma, "seq %u", k->seq);
		return;
	}
	if (core_verify(c, MMS_T_CONTROL, &k->ma, body, blen, &k->auth)) {
		core_refuse(c, CORE_S_RX_AUTH, 0, &k->ma, "control seq %u", k->seq);
		return;
	}
	if (m->have_ctl && k->seq <= m->ctl_seq) {
		core_refuse(c, CORE_S_CONTROL_OLD, 0, &k->ma, "seq %u after %u", k->seq, m->ctl_seq);
		return;
	}
	if (memcmp(&k->dst, &m->addr, sizeof(k->dst))) {
		core_refuse(c, CORE_S_CONTROL_BAD_ROUTE, 0, &k->ma, "routes lead elsewhere");
		return;
	}
	for (unsigned i = 0; i < k->nroutes; i++) {
		if (!c->port[k->r[i].port].configured) {
			core_refuse(c, CORE_S_CONTROL_BAD_ROUTE, k->r[i].port, &k->ma,
				    "route %u on an unknown port", i);
			continue;
		}
		m->ctl[n++] = k->r[i];
	}
	m->nctl = (__u8)n;
	m->have_ctl = true;
	m->ctl_adopted = false;
	m->ctl_seq = k->seq;
	core_count(c, CORE_S_CONTROL_RX);
	/* It acknowledges our LSA up to lsa_seq (never one we have not sent). */
	if (k->lsa_seq <= c->lsa_seq && (!m->lsa_any_ack || k->lsa_seq > m->lsa_acked)) {
		m->lsa_acked = k->lsa_seq;
		m->lsa_any_ack = true;
		if (m->lsa_acked == c->lsa_seq)
			m->lsa_next = c->now + c->cfg.lsa_refresh_ms * NS_PER_MS;
	}
	install(c, m);
}

/*
 * A neighbour that comes up gets the current beacon of every MA at once
 * (and an MA's own last one): it can answer a handshake and reach the MAs
 * without waiting for the next flood. Every other node already holds these
 * beacons (DUP), so they go no further than the new node's other
 * neighbours. A beacon older than two flood intervals is left to the next
 * flood.
 */
static void beacons_to(struct mms_core *c, __u16 port)
{
	__u64 now_ms = core_unix_ms(c);

	ma_beacon_to(c, port);
	for (__u32 i = 0; i < c->cfg.max_mas; i++) {
		struct core_ma *m = &c->mas[i];
		struct mms_hdr h;

		if (!m->used || !m->nrev || m->last.ts_ms + 2 * c->cfg.beacon_ms < now_ms ||
		    !route_live(c, &m->rev[0]))
			continue;
		memset(&h, 0, sizeof(h));
		h.nhops = m->rev[0].nhops;
		h.epoch = m->rev[0].epoch;
		h.expiry = m->rev[0].expiry;
		memcpy(h.tag, m->rev[0].tag, 4);
		reflood(c, m->rev[0].port, &h, m->rev[0].hops, &m->last, port);
	}
}

void cm_nbr_changed(struct mms_core *c, __u16 port, bool up)
{
	__u64 due = c->now + c->cfg.lsa_delay_ms * NS_PER_MS;

	if (!c->lsa_due || due < c->lsa_due)
		c->lsa_due = due;
	if (!up)
		cm_notify(c, MMS_NOTIFY_NBR_DOWN, port, &c->port[port].nid, NULL);
	else
		beacons_to(c, port);
	if (c->cfg.role == MMS_ROLE_MA)
		ma_topology_changed(c);
}

/* One NOTIFY to every MA, signed for each. */
void cm_notify(struct mms_core *c, __u8 kind, __u16 port, const struct mms_id *nbr,
	       const struct mms_addr *addr)
{
	__u8 body[sizeof(struct mms_notify) + 4 + MMS_AUTH_MAX];
	struct mms_route r[MMS_MAX_ALT];
	struct msg_notify k;
	struct msg_auth a;
	int len;

	memset(&k, 0, sizeof(k));
	k.origin = c->cfg.id;
	if (nbr)
		k.nbr = *nbr;
	if (addr)
		k.addr = *addr;
	k.seq = ++c->notify_seq;
	k.port = port;
	k.kind = kind;
	core_auth_init(c, MMS_T_NOTIFY, &k.auth);
	len = msg_notify_build(body, sizeof(body), &k, &a);
	for (__u32 i = 0; len > 0 && i < c->cfg.max_mas; i++) {
		struct core_ma *m = &c->mas[i];

		if (m->used && !core_sign(c, MMS_T_NOTIFY, &m->id, body, &a) &&
		    !core_send_routed(c, r, ma_routes(c, m, r), MMS_T_NOTIFY, body, (size_t)len,
				      &m->id))
			core_count(c, CORE_S_NOTIFY_SENT);
	}
}

void cm_tick(struct mms_core *c)
{
	if (c->lsa_due && c->now >= c->lsa_due) {
		c->lsa_seq++;
		c->lsa_due = 0;
		for (__u32 i = 0; i < c->cfg.max_mas; i++)
			if (c->mas[i].used)
				c->mas[i].lsa_next = c->now;
	}
	for (__u32 i = 0; i < c->cfg.max_mas; i++) {
		struct core_ma *m = &c->mas[i];

		if (!m->used)
			continue;
		if (c->now >= m->last_beacon + c->cfg.ma_dead_ms * NS_PER_MS) {
			drop_ma(c, m);
			continue;
		}
		if (m->lsa_next && c->now >= m->lsa_next)
			send_lsa(c, m);
		if (core_unix_s(c) >= m->expire_at)
			install(c, m);	/* without the expired routes */
	}
}

__u64 cm_next_event(const struct mms_core *c)
{
	__u64 t = c->lsa_due ? c->lsa_due : UINT64_MAX;

	for (__u32 i = 0; i < c->cfg.max_mas; i++) {
		const struct core_ma *m = &c->mas[i];
		__u64 dead = m->last_beacon + c->cfg.ma_dead_ms * NS_PER_MS;

		if (!m->used)
			continue;
		if (m->lsa_next && m->lsa_next < t)
			t = m->lsa_next;
		if (dead < t)
			t = dead;
	}
	return t;
}
